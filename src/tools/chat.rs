//! `lab chat`: the notes' client with its communication loop — read a line, send it, print
//! the reply — and their guard: an empty line is not sent.

use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::WireMode;
use crate::error::Error;
use crate::framing::FrameReader;
use crate::live::{Emitter, Leave, LiveKind};

/// In raw burst mode, the replies are over once the bytes stop for this long.
const RAW_QUIET: Duration = Duration::from_millis(300);

#[derive(Debug, Clone)]
pub struct ChatOptions {
    pub addr: SocketAddr,
    pub mode: WireMode,
    /// Send every line back to back first, then read the replies.
    pub burst: bool,
    /// How long to wait for a reply before saying there was none.
    pub reply_timeout: Duration,
}

/// Connect, then chat line by line until the input ends or the server leaves.
pub fn chat(options: &ChatOptions, input: &mut dyn BufRead, emit: &Emitter) -> Result<(), Error> {
    let mut stream = TcpStream::connect_timeout(&options.addr, Duration::from_secs(5))
        .map_err(|e| Error::io(format!("connect({})", options.addr), e))?;
    let peer = Some(options.addr);
    emit.emit(
        peer,
        LiveKind::Note {
            detail: format!(
                "connected from {}; an empty line is not sent; end the input (Ctrl-D) to leave",
                stream
                    .local_addr()
                    .map_or_else(|_| "?".to_string(), |a| a.to_string())
            ),
        },
    );
    let mut replies = Replies::new(&options.mode);
    let mut pending = 0usize;
    loop {
        if !options.burst {
            emit.emit(None, LiveKind::Prompt);
        }
        let Some(line) = read_line(input)? else { break };
        // As the notes' client does: strip the line, and send nothing if nothing is left.
        let line = line.trim().to_string();
        if line.is_empty() {
            emit.emit(
                None,
                LiveKind::Note {
                    detail: "empty line not sent: send(b'') puts nothing on the wire, so no \
                             reply would come and the client would wait in recv() for ever"
                        .into(),
                },
            );
            continue;
        }
        let wire = match options.mode.frame(line.as_bytes()) {
            Ok(wire) => wire,
            Err(e) => {
                emit.emit(
                    None,
                    LiveKind::Note {
                        detail: format!("line not sent: {e}"),
                    },
                );
                continue;
            }
        };
        stream
            .write_all(&wire)
            .map_err(|e| Error::io("send()", e))?;
        emit.emit(
            peer,
            LiveKind::Send {
                len: wire.len(),
                bytes: wire,
            },
        );
        pending += 1;
        if !options.burst
            && !replies.await_replies(&mut stream, 1, options.reply_timeout, emit, peer)?
        {
            return Ok(());
        }
        if !options.burst {
            pending = 0;
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Write);
    if options.burst && pending > 0 {
        replies.await_replies(&mut stream, pending, options.reply_timeout, emit, peer)?;
    }
    Ok(())
}

/// One line of input without its line ending; `None` at end of input.
fn read_line(input: &mut dyn BufRead) -> Result<Option<String>, Error> {
    let mut line = String::new();
    let n = input
        .read_line(&mut line)
        .map_err(|e| Error::io("reading stdin", e))?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim_end_matches(['\n', '\r']).to_string()))
}

/// Reads replies: raw recv() calls, or whole frames.
struct Replies {
    reader: Option<FrameReader<crate::framing::LengthCodec>>,
}

impl Replies {
    fn new(mode: &WireMode) -> Self {
        Replies {
            reader: match mode {
                WireMode::Framed { codec, .. } => Some(FrameReader::new(*codec)),
                WireMode::Raw => None,
            },
        }
    }

    /// Wait for `expected` replies (raw mode: for the bytes to stop coming). Returns false
    /// when the server has gone.
    fn await_replies(
        &mut self,
        stream: &mut TcpStream,
        expected: usize,
        timeout: Duration,
        emit: &Emitter,
        peer: Option<SocketAddr>,
    ) -> Result<bool, Error> {
        let mut deadline = Instant::now() + timeout;
        let mut got = 0;
        let mut buf = vec![0u8; 65_536];
        while got < expected {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() && got > 0 {
                // Raw burst: replies may merge into fewer recv() calls; a quiet line ends them.
                return Ok(true);
            }
            if left.is_zero() {
                emit.emit(
                    peer,
                    LiveKind::Note {
                        detail: format!(
                            "no reply within {} s (the server may use --reply none)",
                            timeout.as_secs_f64()
                        ),
                    },
                );
                return Ok(true);
            }
            let _ = stream.set_read_timeout(Some(left));
            let n = match stream.read(&mut buf) {
                Ok(n) => n,
                Err(e) if crate::net::timed_out(&e) => {
                    continue;
                }
                Err(e) => return Err(Error::io("recv()", e)),
            };
            if n == 0 {
                emit.emit(
                    peer,
                    LiveKind::Left {
                        reason: Leave::Closed,
                        detail: "the server closed the connection".into(),
                    },
                );
                return Ok(false);
            }
            emit.emit(
                peer,
                LiveKind::Recv {
                    len: n,
                    bytes: buf[..n].to_vec(),
                },
            );
            match &mut self.reader {
                // Raw: a recv() is all there is to a reply. One line waits for one; a burst
                // reads until the bytes stop coming for a moment.
                None if expected == 1 => got = expected,
                None => {
                    got += 1;
                    deadline = Instant::now() + RAW_QUIET;
                    if got >= expected {
                        got = expected - 1;
                    }
                }
                Some(reader) => {
                    reader.feed(&buf[..n]);
                    loop {
                        match reader.next_frame() {
                            Ok(Some(frame)) => {
                                got += 1;
                                emit.emit(
                                    peer,
                                    LiveKind::Message {
                                        len: frame.payload.len(),
                                        bytes: frame.payload.to_vec(),
                                    },
                                );
                            }
                            Ok(None) => break,
                            Err(e) => return Err(Error::Usage(format!("bad reply: {e}"))),
                        }
                    }
                }
            }
        }
        Ok(true)
    }
}
