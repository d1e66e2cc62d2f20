//! The two-terminal tools: `lab serve`, `lab chat`, `lab proxy`. They run until stopped and
//! stream [`crate::tools::live`] events to a view; they never print.

pub mod chat;
pub mod chat_across;
pub mod live;
pub mod poller;
pub mod proxy;
pub mod reasons;
pub(crate) mod reserve;
pub mod serve;
pub mod signal;
pub(crate) mod stoppable;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::framing::{EncodeError, LengthCodec};
use crate::net::{self, ListenOptions};
use crate::tools::live::{Emitter, LiveKind};
use crate::tools::reasons::{Note, Setup};
use crate::transcript::Recorder;

/// Open the listening socket, announce it (`listening` with the bound address and `setup`),
/// and make accept() non-blocking so the accept loop can notice Ctrl-C. A port in use is the
/// `bind()` error, for the command to explain.
pub(crate) fn listen(
    options: &ListenOptions,
    setup: Setup,
    emit: &Emitter,
) -> Result<TcpListener, Error> {
    let listener = net::open_listener(options, &Recorder::new()).map_err(|e| match e {
        // Every tool that listens says the same about a port in use (and exits 1).
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::AddrInUse => {
            Error::Problem(crate::error::Problem::AddressInUse {
                addr: options.addr,
                reuseaddr: options.reuseaddr,
            })
        }
        other => other,
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))?;
    emit.emit(None, LiveKind::Listening { addr, setup });
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::io("fcntl(O_NONBLOCK)", e))?;
    Ok(listener)
}

/// How often the tools' loops look at the stop flag.
pub(crate) const TICK: Duration = Duration::from_millis(100);

/// The next connection, or `None` after at most a tick with none, or at once when a stop is
/// asked for (so the caller can look at the stop flag). poll() wakes at once for a
/// connection. Accept errors — out of
/// descriptors (EMFILE), a connection reset before accept() — are not the server's fault:
/// they are logged at most once a second (`last_error`) and followed by a short back-off,
/// unless `handled` took care of the error (true: a client was turned away with the reason).
pub(crate) fn accept_next(
    listener: &TcpListener,
    emit: &Emitter,
    last_error: &mut Option<Instant>,
    handled: impl FnOnce(&std::io::Error) -> bool,
) -> Option<(TcpStream, SocketAddr)> {
    if stoppable::wait(listener, stoppable::Want::Read, Some(TICK)) != stoppable::Waited::Ready {
        return None;
    }
    match listener.accept() {
        Ok(pair) => Some(pair),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => None,
        Err(e) if handled(&e) => None,
        Err(e) => {
            if let Some(note) = accept_error_note(&e, last_error) {
                emit.emit(None, note);
            }
            std::thread::sleep(TICK);
            None
        }
    }
}

/// The note for a failed accept(), at most once a second (`last_error`): out of descriptors
/// (EMFILE) can fail every accept() for a while.
pub(crate) fn accept_error_note(
    e: &std::io::Error,
    last_error: &mut Option<Instant>,
) -> Option<LiveKind> {
    if last_error.is_some_and(|at| at.elapsed() < Duration::from_secs(1)) {
        return None;
    }
    *last_error = Some(Instant::now());
    Some(LiveKind::Note {
        note: Note::AcceptFailed(e.to_string()),
    })
}

/// How messages travel between the tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireMode {
    /// Whatever each recv() returns is taken as it comes (merges visible).
    Raw,
    /// Length-prefixed messages; `format` is the header's struct format.
    Framed { codec: LengthCodec, format: String },
}

impl WireMode {
    /// The bytes one message takes on the wire.
    pub fn frame(&self, payload: &[u8]) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(payload.len() + 8);
        self.frame_into(payload, &mut out)?;
        Ok(out)
    }

    /// Append the bytes one message takes on the wire to `out`; the payload comes last.
    pub fn frame_into(&self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            WireMode::Raw => {
                out.extend_from_slice(payload);
                Ok(())
            }
            WireMode::Framed { codec, .. } => codec.encode(payload, out),
        }
    }
}

/// `--reply`: what the server sends back for each message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Reply {
    /// The same bytes.
    Echo,
    /// The same text in upper case (ASCII letters).
    Upper,
    /// Nothing.
    None,
}

impl Reply {
    /// `--reply`'s value as it is typed.
    pub fn as_str(self) -> &'static str {
        match self {
            Reply::Echo => "echo",
            Reply::Upper => "upper",
            Reply::None => "none",
        }
    }

    /// Append the framed reply to `message` to `out` without building it on its own first
    /// (the server's hot path); `Ok(false)` when this reply is nothing.
    pub fn frame_into(
        &self,
        mode: &WireMode,
        message: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<bool, EncodeError> {
        if *self == Reply::None {
            return Ok(false);
        }
        mode.frame_into(message, out)?;
        if *self == Reply::Upper {
            // Upper case keeps the length, and the payload is the frame's tail.
            let payload_start = out.len() - message.len();
            out[payload_start..].make_ascii_uppercase();
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_is_framed_after_what_is_already_there() {
        let framed = WireMode::Framed {
            codec: LengthCodec::new(crate::framing::LengthHeader::default(), 1 << 20),
            format: "!I".into(),
        };
        for mode in [WireMode::Raw, framed] {
            for reply in [Reply::Echo, Reply::Upper, Reply::None] {
                let message = "hi, 你好 there".as_bytes();
                let mut out = b"earlier".to_vec();
                let made = reply.frame_into(&mode, message, &mut out).unwrap();
                let expected = match reply {
                    Reply::Echo => Some(mode.frame(message).unwrap()),
                    Reply::Upper => Some(mode.frame("HI, 你好 THERE".as_bytes()).unwrap()),
                    Reply::None => None,
                };
                assert_eq!(made, expected.is_some());
                let mut whole = b"earlier".to_vec();
                whole.extend(expected.unwrap_or_default());
                assert_eq!(out, whole, "{mode:?} {reply:?}");
            }
        }
    }
}
