//! `lab serve`: the notes' server, grown up — a communication loop per client, a connection
//! loop that outlives every client, several clients at once, and no way for a client to make
//! it exit.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::TICK;
use super::{Reply, WireMode};
use crate::error::Error;
use crate::framing::{FrameReader, LengthCodec};
use crate::live::{Emitter, Leave, LiveKind};
use crate::net::ListenOptions;
use crate::signal;
use crate::upload::Progress;
use crate::upload::receive::{ReceiveOptions, receive};

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub backlog: i32,
    pub reuseaddr: bool,
    pub mode: WireMode,
    pub recv_size: usize,
    pub reply: Reply,
    pub max_clients: usize,
    pub idle_timeout: Duration,
    /// Accept file uploads into this directory instead of messages (`--upload-dir`).
    pub upload: Option<ReceiveOptions>,
}

/// What one client did, reported when it leaves and again at shutdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub recv_calls: u64,
    pub messages: u64,
}

/// What the whole run served: counters only, so a server that runs for days stays bounded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Served {
    pub clients: u64,
    pub totals: Totals,
}

impl Served {
    fn add(&mut self, client: &Totals) {
        self.clients += 1;
        self.totals.bytes_in += client.bytes_in;
        self.totals.bytes_out += client.bytes_out;
        self.totals.recv_calls += client.recv_calls;
        self.totals.messages += client.messages;
    }
}

/// Bind, then accept clients until a stop is requested (Ctrl-C). Each client's totals are
/// emitted when it leaves; the sums come back.
pub fn serve(options: &ServeOptions, emit: &Emitter) -> Result<Served, Error> {
    let listen_on = ListenOptions {
        addr: options.addr,
        reuseaddr: options.reuseaddr,
        backlog: options.backlog,
    };
    let detail = format!(
        "listen({}), SO_REUSEADDR {}, {}; Ctrl-C stops",
        options.backlog,
        if options.reuseaddr { "on" } else { "off" },
        match (&options.upload, &options.mode) {
            (Some(upload), _) => format!("uploads into {}", upload.dir.display()),
            (None, WireMode::Raw) => format!("raw mode, replies: {}", reply_name(options.reply)),
            (None, WireMode::Framed { format, .. }) => format!(
                "framed mode ({format} header), replies: {}",
                reply_name(options.reply)
            ),
        }
    );
    let listener =
        super::listen(&listen_on, detail, emit).map_err(|e| explain_bind_error(e, options))?;
    accept_loop(&listener, options, emit)
}

fn reply_name(reply: Reply) -> &'static str {
    match reply {
        Reply::Echo => "echo",
        Reply::Upper => "upper",
        Reply::None => "none",
    }
}

/// EADDRINUSE gets the reason and the two ways out.
fn explain_bind_error(e: Error, options: &ServeOptions) -> Error {
    match &e {
        Error::Io { source, .. } if source.kind() == io::ErrorKind::AddrInUse => {
            Error::Usage(format!(
                "--addr {}: address already in use — another server holds the port, or a \
                 TIME_WAIT left by the last one{} (see lab reuseaddr-demo)",
                options.addr,
                if options.reuseaddr {
                    ""
                } else {
                    "; without --no-reuseaddr it could bind past a TIME_WAIT"
                }
            ))
        }
        _ => e,
    }
}

/// The connection loop: accept, hand each client its own thread, never stop for a client.
fn accept_loop(
    listener: &TcpListener,
    options: &ServeOptions,
    emit: &Emitter,
) -> Result<Served, Error> {
    let active = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(Mutex::new(Served::default()));
    let mut last_error = None;
    thread::scope(|scope| {
        while !signal::stop_requested() {
            let Some((stream, peer)) = super::accept_next(listener, emit, &mut last_error) else {
                continue;
            };
            if active.load(Ordering::SeqCst) >= options.max_clients {
                emit.emit(
                    Some(peer),
                    LiveKind::Refused {
                        detail: format!(
                            "already serving {} (--max-clients); connection closed",
                            if options.max_clients == 1 {
                                "1 client".to_string()
                            } else {
                                format!("{} clients", options.max_clients)
                            }
                        ),
                    },
                );
                drop(stream);
                continue;
            }
            let now = active.fetch_add(1, Ordering::SeqCst) + 1;
            emit.emit(Some(peer), LiveKind::Accepted { clients: now });
            let (active_here, finished) = (Arc::clone(&active), Arc::clone(&finished));
            let spawned = thread::Builder::new().spawn_scoped(scope, move || {
                let totals = serve_client(stream, peer, options, emit);
                emit.emit(
                    Some(peer),
                    LiveKind::Totals {
                        bytes_in: totals.bytes_in,
                        bytes_out: totals.bytes_out,
                        recv_calls: totals.recv_calls,
                        messages: totals.messages,
                    },
                );
                if let Ok(mut served) = finished.lock() {
                    served.add(&totals);
                }
                active_here.fetch_sub(1, Ordering::SeqCst);
            });
            if let Err(e) = spawned {
                // No thread for this client: close it, keep serving the others.
                active.fetch_sub(1, Ordering::SeqCst);
                emit.emit(
                    Some(peer),
                    LiveKind::Left {
                        reason: Leave::Error,
                        detail: format!("no thread to serve it ({e}); connection closed"),
                    },
                );
            }
        }
    });
    let served = finished.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(served)
}

/// The communication loop for one client: receive, reply, until it leaves.
fn serve_client(
    mut stream: TcpStream,
    peer: SocketAddr,
    options: &ServeOptions,
    emit: &Emitter,
) -> Totals {
    if let Some(upload) = &options.upload {
        return serve_upload(stream, peer, upload, options.idle_timeout, emit);
    }
    let mut totals = Totals::default();
    let _ = stream.set_read_timeout(Some(TICK));
    // Short, so a client that never reads cannot hold a reply (or Ctrl-C) for long.
    let _ = stream.set_write_timeout(Some(TICK));
    // Replies go out at once: a reply waits for nothing else of ours.
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; options.recv_size];
    let mut reader = match &options.mode {
        WireMode::Framed { codec, .. } => Some(FrameReader::new(*codec)),
        WireMode::Raw => None,
    };
    let mut last_heard = Instant::now();
    let leave = |reason: Leave, detail: String| {
        emit.emit(Some(peer), LiveKind::Left { reason, detail });
    };
    loop {
        if signal::stop_requested() {
            leave(Leave::Shutdown, "the server is shutting down".into());
            break;
        }
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            Err(e) if crate::net::timed_out(&e) => {
                if last_heard.elapsed() >= options.idle_timeout {
                    leave(
                        Leave::Idle,
                        format!(
                            "sent nothing for {} s (--idle-timeout): connection closed",
                            options.idle_timeout.as_secs_f64()
                        ),
                    );
                    break;
                }
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                leave(Leave::Reset, "reset the connection (RST)".into());
                break;
            }
            Err(e) => {
                leave(Leave::Error, format!("recv() failed: {e}"));
                break;
            }
        };
        last_heard = Instant::now();
        if n == 0 {
            let detail = match reader.as_ref().map(FrameReader::finish) {
                Some(Err(e)) => {
                    leave(Leave::ProtocolError, e.to_string());
                    break;
                }
                _ => "closed the connection (recv() returned 0 bytes)".to_string(),
            };
            leave(Leave::Closed, detail);
            break;
        }
        totals.bytes_in += n as u64;
        totals.recv_calls += 1;
        let bytes = &buf[..n];
        if emit.wants_bytes() {
            emit.emit(
                Some(peer),
                LiveKind::Recv {
                    len: n,
                    bytes: bytes.to_vec(),
                },
            );
        }
        let outcome = match &mut reader {
            None => {
                totals.messages += 1;
                reply(
                    &mut stream,
                    peer,
                    &options.mode,
                    options.reply,
                    bytes,
                    options.idle_timeout,
                    &mut totals,
                    emit,
                )
            }
            Some(reader) => {
                handle_frames(reader, &mut stream, peer, options, bytes, &mut totals, emit)
            }
        };
        if let Err((reason, detail)) = outcome {
            leave(reason, detail);
            break;
        }
    }
    totals
}

/// Feed one recv() to the frame reader; reply to every whole message it yields.
fn handle_frames(
    reader: &mut FrameReader<LengthCodec>,
    stream: &mut TcpStream,
    peer: SocketAddr,
    options: &ServeOptions,
    bytes: &[u8],
    totals: &mut Totals,
    emit: &Emitter,
) -> Result<(), (Leave, String)> {
    reader.feed(bytes);
    loop {
        let message = match reader.next_frame() {
            Ok(Some(frame)) => frame.payload.to_vec(),
            Ok(None) => return Ok(()),
            // Nothing after a bad header can be trusted: this client is done, others go on.
            Err(e) => return Err((Leave::ProtocolError, format!("{e}; connection closed"))),
        };
        totals.messages += 1;
        if emit.wants_bytes() {
            emit.emit(
                Some(peer),
                LiveKind::Message {
                    len: message.len(),
                    bytes: message.clone(),
                },
            );
        }
        reply(
            stream,
            peer,
            &options.mode,
            options.reply,
            &message,
            options.idle_timeout,
            totals,
            emit,
        )?;
    }
}

/// Write all of `bytes`, a tick at a time, so Ctrl-C is noticed; a client that takes no
/// bytes for the idle timeout is given up on.
fn write_patiently(
    stream: &mut TcpStream,
    mut bytes: &[u8],
    idle: Duration,
) -> Result<(), (Leave, String)> {
    let mut last_progress = Instant::now();
    while !bytes.is_empty() {
        if signal::stop_requested() {
            return Err((Leave::Shutdown, "the server is shutting down".into()));
        }
        match stream.write(bytes) {
            Ok(n) => {
                bytes = &bytes[n..];
                last_progress = Instant::now();
            }
            Err(e) if crate::net::timed_out(&e) => {
                if last_progress.elapsed() >= idle {
                    return Err((
                        Leave::Idle,
                        format!(
                            "took no reply bytes for {} s (it does not read); connection closed",
                            idle.as_secs_f64()
                        ),
                    ));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                ) =>
            {
                return Err((
                    Leave::Reset,
                    format!("reset the connection during a reply ({e})"),
                ));
            }
            Err(e) => return Err((Leave::Error, format!("send() of the reply failed: {e}"))),
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn reply(
    stream: &mut TcpStream,
    peer: SocketAddr,
    mode: &WireMode,
    reply: Reply,
    message: &[u8],
    idle: Duration,
    totals: &mut Totals,
    emit: &Emitter,
) -> Result<(), (Leave, String)> {
    let Some(answer) = reply.to(message) else {
        return Ok(());
    };
    let wire = mode
        .frame(&answer)
        .map_err(|e| (Leave::Error, format!("cannot frame the reply: {e}")))?;
    write_patiently(stream, &wire, idle)?;
    totals.bytes_out += wire.len() as u64;
    if emit.wants_bytes() {
        emit.emit(
            Some(peer),
            LiveKind::Send {
                len: wire.len(),
                bytes: wire,
            },
        );
    }
    Ok(())
}

/// One upload: receive it, and say what became of it.
fn serve_upload(
    stream: TcpStream,
    peer: SocketAddr,
    upload: &ReceiveOptions,
    idle: Duration,
    emit: &Emitter,
) -> Totals {
    let _ = stream.set_read_timeout(Some(TICK));
    let mut patient = Patient { stream, idle };
    let progress = EventProgress::new(emit, peer);
    match receive(&mut patient, upload, &progress) {
        Ok(got) => {
            let secs = got.elapsed.as_secs_f64().max(1e-9);
            emit.emit(
                Some(peer),
                LiveKind::Note {
                    detail: format!(
                        "stored {:?}: {} B in {secs:.2} s ({:.1} MiB/s), sha256 matches; the \
                         body came in {} recv() calls of {}..{} B",
                        got.name,
                        got.size,
                        got.size as f64 / secs / 1048576.0,
                        got.recv_calls,
                        got.smallest_recv,
                        got.largest_recv
                    ),
                },
            );
            emit.emit(
                Some(peer),
                LiveKind::Left {
                    reason: Leave::Closed,
                    detail: "upload complete".into(),
                },
            );
            Totals {
                bytes_in: got.size,
                recv_calls: got.recv_calls,
                messages: 1,
                ..Totals::default()
            }
        }
        Err(refusal) => {
            let told = if refusal.told_client {
                " (the client was told)"
            } else {
                ""
            };
            emit.emit(
                Some(peer),
                LiveKind::Left {
                    reason: Leave::ProtocolError,
                    detail: format!("upload refused: {}{told}", refusal.reason),
                },
            );
            Totals::default()
        }
    }
}

/// A stream whose reads wait out the short poll timeout (so Ctrl-C is noticed) and give up
/// only after the idle timeout.
struct Patient {
    stream: TcpStream,
    idle: Duration,
}

impl Read for Patient {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let started = Instant::now();
        loop {
            match self.stream.read(buf) {
                Err(e) if crate::net::timed_out(&e) => {
                    if signal::stop_requested() {
                        return Err(io::Error::other("the server is shutting down"));
                    }
                    if started.elapsed() >= self.idle {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("nothing for {} s (--idle-timeout)", self.idle.as_secs_f64()),
                        ));
                    }
                }
                other => return other,
            }
        }
    }
}

impl Write for Patient {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// Upload progress as event lines, one every tenth of the file.
struct EventProgress<'a> {
    emit: &'a Emitter,
    peer: SocketAddr,
    state: Mutex<(u64, u64, u64)>, // total, received, next mark
}

impl<'a> EventProgress<'a> {
    fn new(emit: &'a Emitter, peer: SocketAddr) -> Self {
        EventProgress {
            emit,
            peer,
            state: Mutex::new((0, 0, 0)),
        }
    }
}

impl Progress for EventProgress<'_> {
    fn start(&self, name: &str, total: u64) {
        if let Ok(mut s) = self.state.lock() {
            *s = (total, 0, total / 10);
        }
        self.emit.emit(
            Some(self.peer),
            LiveKind::Note {
                detail: format!("receiving {name:?}: {total} B"),
            },
        );
    }

    fn advance(&self, bytes: u64) {
        let Ok(mut s) = self.state.lock() else { return };
        s.1 += bytes;
        if s.0 > 0 && s.1 >= s.2 && s.1 < s.0 {
            let percent = s.1 * 100 / s.0;
            s.2 = s.1 + s.0 / 10;
            self.emit.emit(
                Some(self.peer),
                LiveKind::Note {
                    detail: format!("{percent}% ({} of {} B)", s.1, s.0),
                },
            );
        }
    }

    fn finish(&self) {}
}
