//! The two-terminal tools: `lab serve`, `lab chat`, `lab proxy`. They run until stopped and
//! stream [`crate::live`] events to a view; they never print.

pub mod chat;
pub mod proxy;
pub mod serve;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::framing::LengthCodec;
use crate::live::{Emitter, LiveKind};
use crate::net::{self, ListenOptions};
use crate::transcript::Recorder;

/// Open the listening socket, announce it (`listening` with the bound address and `detail`),
/// and make accept() non-blocking so the accept loop can notice Ctrl-C.
pub(crate) fn listen(
    options: &ListenOptions,
    detail: String,
    emit: &Emitter,
) -> Result<TcpListener, Error> {
    let listener = net::open_listener(options, &Recorder::new())?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))?;
    emit.emit(None, LiveKind::Listening { addr, detail });
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::io("fcntl(O_NONBLOCK)", e))?;
    Ok(listener)
}

/// How often the tools' loops look at the stop flag.
pub(crate) const TICK: Duration = Duration::from_millis(100);

/// The next connection, or `None` after at most a tick with none (so the caller can look
/// at the stop flag). poll() wakes at once for a connection. Accept errors — out of
/// descriptors (EMFILE), a connection reset before accept() — are not the server's fault:
/// they are logged at most once a second (`last_error`) and followed by a short back-off.
pub(crate) fn accept_next(
    listener: &TcpListener,
    emit: &Emitter,
    last_error: &mut Option<Instant>,
) -> Option<(TcpStream, SocketAddr)> {
    if !net::wait_readable(listener, TICK) {
        return None;
    }
    match listener.accept() {
        Ok(pair) => Some(pair),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => None,
        Err(e) => {
            if !last_error.is_some_and(|at| at.elapsed() < Duration::from_secs(1)) {
                emit.emit(
                    None,
                    LiveKind::Note {
                        detail: format!("accept() failed: {e}; still serving"),
                    },
                );
                *last_error = Some(Instant::now());
            }
            std::thread::sleep(TICK);
            None
        }
    }
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
    pub fn frame(&self, payload: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            WireMode::Raw => Ok(payload.to_vec()),
            WireMode::Framed { codec, .. } => {
                let mut out = Vec::with_capacity(payload.len() + codec.header.len());
                codec.encode(payload, &mut out).map_err(|e| e.to_string())?;
                Ok(out)
            }
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
    /// The reply to `message`, if any.
    pub fn to(&self, message: &[u8]) -> Option<Vec<u8>> {
        match self {
            Reply::Echo => Some(message.to_vec()),
            Reply::Upper => Some(message.to_ascii_uppercase()),
            Reply::None => None,
        }
    }
}
