//! `lab chat`: the notes' client with its communication loop — read a line, send it, print
//! the reply — and their guard: an empty line is not sent. While it waits for a line it
//! also watches the server, so a server that stops or turns this client away is noticed at
//! once, not after the next line.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

use super::WireMode;
use crate::error::Error;
use crate::framing::{FrameError, FrameReader, LengthCodec};
use crate::tools::live::{Emitter, LiveKind};
use crate::tools::reasons::{Departure, Note};

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

/// Why a chat ended with an error, for the command to put into words.
#[derive(Debug)]
pub enum ChatError {
    /// The server turned this client away before it sent a line, saying this.
    TurnedAway(String),
    /// A reply broke the framing.
    BadReply(FrameError),
    /// A socket call failed, or the input.
    Failed(Error),
}

impl From<Error> for ChatError {
    fn from(e: Error) -> Self {
        ChatError::Failed(e)
    }
}

/// Connect, then chat line by line until the input ends or the server leaves.
pub fn chat(
    options: &ChatOptions,
    input: impl Read + AsFd,
    emit: &Emitter,
) -> Result<(), ChatError> {
    let mut stream = TcpStream::connect_timeout(&options.addr, Duration::from_secs(5))
        .map_err(|e| Error::io(format!("connect({})", options.addr), e))?;
    let peer = Some(options.addr);
    let local = stream.local_addr().ok();
    emit.emit(
        peer,
        LiveKind::Note {
            note: Note::Connected { local },
        },
    );
    let mut replies = Replies::new(&options.mode);
    let mut input = LineInput::new(input);
    let mut pending = 0usize;
    let mut sent_any = false;
    loop {
        if !options.burst {
            emit.emit(None, LiveKind::Prompt);
        }
        let line = match input.next_line(&stream)? {
            Waited::Line(line) => line,
            Waited::End => break,
            Waited::Server => {
                if replies.hear_server(&mut stream, emit, peer, sent_any)? {
                    continue;
                }
                return Ok(());
            }
        };
        // As the notes' client does: strip the line, and send nothing if nothing is left.
        let line = line.trim().to_string();
        if line.is_empty() {
            let note = Note::EmptyLine;
            emit.emit(None, LiveKind::Note { note });
            continue;
        }
        let wire = match options.mode.frame(line.as_bytes()) {
            Ok(wire) => wire,
            Err(e) => {
                let note = Note::LineNotSent(e);
                emit.emit(None, LiveKind::Note { note });
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
        sent_any = true;
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

/// What came first while the chat waited for a line.
enum Waited {
    Line(String),
    /// The input ended.
    End,
    /// The server has something to say, or has closed: read the socket.
    Server,
}

/// Lines from the user's input, read without a hidden buffer, so that waiting for a line
/// and watching the server can be one poll().
struct LineInput<R> {
    input: R,
    pending: Vec<u8>,
    ended: bool,
}

impl<R: Read + AsFd> LineInput<R> {
    fn new(input: R) -> Self {
        LineInput {
            input,
            pending: Vec::new(),
            ended: false,
        }
    }

    /// The next line (without its line ending), or the server stirring, whichever is first.
    fn next_line(&mut self, server: &TcpStream) -> Result<Waited, Error> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                return Ok(Waited::Line(text_of(&line)));
            }
            if self.ended {
                if self.pending.is_empty() {
                    return Ok(Waited::End);
                }
                let last = std::mem::take(&mut self.pending);
                return Ok(Waited::Line(text_of(&last)));
            }
            let (input_ready, server_ready) = wait_for_either(&self.input, server)?;
            if server_ready {
                return Ok(Waited::Server);
            }
            if input_ready {
                let mut buf = [0u8; 4096];
                match self.input.read(&mut buf) {
                    Ok(0) => self.ended = true,
                    Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Error::io("reading stdin", e)),
                }
            }
        }
    }
}

/// A line of input as text, without its line ending.
fn text_of(line: &[u8]) -> String {
    String::from_utf8_lossy(line)
        .trim_end_matches(['\n', '\r'])
        .to_string()
}

/// Block until the input or the server is readable (or closed); which ones are.
fn wait_for_either(input: &impl AsFd, server: &TcpStream) -> Result<(bool, bool), Error> {
    let mut fds = [
        libc::pollfd {
            fd: input.as_fd().as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: server.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    loop {
        // SAFETY: two valid pollfd entries, and the count says two.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if n >= 0 {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(Error::io("poll()", e));
        }
    }
    let ready = |fd: &libc::pollfd| fd.revents != 0;
    Ok((ready(&fds[0]), ready(&fds[1])))
}

/// Reads replies: raw recv() calls, or whole frames.
struct Replies {
    reader: Option<FrameReader<LengthCodec>>,
    /// What the server sent unasked, to quote if it then closes (at most [`MAX_HEARD`]).
    heard: Vec<u8>,
}

/// Bytes of an unasked message kept to quote: a server's reason fits easily.
const MAX_HEARD: usize = 512;

impl Replies {
    fn new(mode: &WireMode) -> Self {
        Replies {
            reader: match mode {
                WireMode::Framed { codec, .. } => Some(FrameReader::new(*codec)),
                WireMode::Raw => None,
            },
            heard: Vec::new(),
        }
    }

    /// The server spoke while no reply was awaited: show what it sent, and if it closed,
    /// say why as well as the chat can tell. Returns false when the server has gone; an
    /// error when it turned this client away before a line was sent.
    fn hear_server(
        &mut self,
        stream: &mut TcpStream,
        emit: &Emitter,
        peer: Option<SocketAddr>,
        sent_any: bool,
    ) -> Result<bool, ChatError> {
        let mut buf = vec![0u8; 65_536];
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            // A reset ends the connection as a close does.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => 0,
            Err(e) => return Err(Error::io("recv()", e).into()),
        };
        if n > 0 {
            emit.emit(
                peer,
                LiveKind::Recv {
                    len: n,
                    bytes: buf[..n].to_vec(),
                },
            );
            self.take_unasked(&buf[..n], emit, peer);
            return Ok(true);
        }
        let said = String::from_utf8_lossy(&self.heard).into_owned();
        if !sent_any && !said.trim().is_empty() {
            return Err(ChatError::TurnedAway(said));
        }
        let why = if sent_any {
            Departure::ServerLeftWhileWaiting
        } else {
            Departure::ServerClosedFirst
        };
        emit.emit(peer, LiveKind::Left { why });
        Ok(false)
    }

    /// Bytes nobody asked for (a late reply, a server's reason for closing): decoded as
    /// replies are, and kept (a little of them) to quote if the server then closes.
    fn take_unasked(&mut self, bytes: &[u8], emit: &Emitter, peer: Option<SocketAddr>) {
        let words: Vec<Vec<u8>> = match &mut self.reader {
            None => vec![bytes.to_vec()],
            Some(reader) => {
                reader.feed(bytes);
                let mut frames = Vec::new();
                while let Ok(Some(frame)) = reader.next_frame() {
                    emit.emit(
                        peer,
                        LiveKind::Message {
                            len: frame.payload.len(),
                            bytes: frame.payload.to_vec(),
                        },
                    );
                    frames.push(frame.payload.to_vec());
                }
                frames
            }
        };
        for w in words {
            let room = MAX_HEARD.saturating_sub(self.heard.len());
            self.heard.extend_from_slice(&w[..w.len().min(room)]);
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
    ) -> Result<bool, ChatError> {
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
                let seconds = timeout.as_secs_f64();
                let note = Note::NoReply { seconds };
                emit.emit(peer, LiveKind::Note { note });
                return Ok(true);
            }
            let _ = stream.set_read_timeout(Some(left));
            let n = match stream.read(&mut buf) {
                Ok(n) => n,
                Err(e) if crate::net::timed_out(&e) => {
                    continue;
                }
                // A server that closes with our bytes unread resets the connection: for the
                // user that is the same as a close.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => 0,
                Err(e) => return Err(Error::io("recv()", e).into()),
            };
            if n == 0 {
                let why = Departure::ServerClosedAfterLine {
                    replied: got > 0,
                    framed: self.reader.is_some(),
                };
                emit.emit(peer, LiveKind::Left { why });
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
                Some(reader) => got += framed_replies(reader, &buf[..n], emit, peer)?,
            }
        }
        Ok(true)
    }
}

/// Feed a recv()'s bytes to the reader and show each whole reply; how many there were.
fn framed_replies(
    reader: &mut FrameReader<LengthCodec>,
    bytes: &[u8],
    emit: &Emitter,
    peer: Option<SocketAddr>,
) -> Result<usize, ChatError> {
    reader.feed(bytes);
    let mut replies = 0;
    while let Some(frame) = reader.next_frame().map_err(ChatError::BadReply)? {
        replies += 1;
        let (len, bytes) = (frame.payload.len(), frame.payload.to_vec());
        emit.emit(peer, LiveKind::Message { len, bytes });
    }
    Ok(replies)
}
