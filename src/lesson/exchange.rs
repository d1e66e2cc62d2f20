//! The one-connection exchange both headline lessons run: a client sends messages with
//! separate send() calls, a server reads with plain recv(N) calls until end of stream.
//!
//! The lesson decides what bytes each send() carries and what the server does with the bytes
//! it receives ([`Receiver`]); this file only drives the real sockets and the timing knobs.

use std::net::{SocketAddr, TcpListener};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::error::{Error, ThreadRole};
use crate::framing::Framing;
use crate::net::capture::WireTap;
use crate::net::link::{Link, NetNamespace, NetSpec, SERVER_ADDR};
use crate::net::{self, ListenOptions, RecordedStream};
use crate::transcript::{EventNote, Op, Recorder, Side, Transcript};

/// Across a link, how long the client waits at most for its bytes to be acknowledged before
/// it closes (a lossy link may need a few retransmissions).
const ACK_WAIT: Duration = Duration::from_secs(5);

/// The knobs every exchange lesson shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeOptions {
    /// The buffer size of each recv() call.
    pub recv_size: usize,
    /// How long the server waits after accept() before its first recv().
    pub reader_delay: Duration,
    /// How long the client waits between two messages.
    pub send_gap: Duration,
    /// TCP_NODELAY on the client (turns Nagle's algorithm off).
    pub nodelay: bool,
    /// Capture the segments on the wire (`--wire`).
    pub wire: bool,
    /// `--net`: the two ends in two network namespaces joined by lab's own link, which does
    /// what the spec says to every packet; `None`: both ends on loopback.
    pub net: Option<NetSpec>,
}

impl Default for ExchangeOptions {
    /// The notes' setting, made deterministic: recv(1024), the reader 100 ms late.
    fn default() -> Self {
        ExchangeOptions {
            recv_size: 1024,
            reader_delay: Duration::from_millis(100),
            send_gap: Duration::ZERO,
            nodelay: false,
            wire: false,
            net: None,
        }
    }
}

/// What the server side does with what recv() returns.
pub trait Receiver: Send {
    /// Bytes from one recv(); `Break` stops reading (the server then closes).
    fn on_bytes(&mut self, bytes: &[u8], stream: &RecordedStream) -> ControlFlow<()>;
    /// recv() returned 0: the client closed its side.
    fn on_eof(&mut self, stream: &RecordedStream);
}

/// Run the exchange: `messages[i]` is the list of send() buffers for message `i + 1`.
/// Returns the options as run (with `--net`, the seed it drew when none was given).
pub fn run_exchange(
    options: &ExchangeOptions,
    messages: &[Vec<Vec<u8>>],
    receiver: &mut dyn Receiver,
    rec: &Recorder,
) -> Result<ExchangeOptions, Error> {
    let (link, as_run) = start_link(options, rec)?;
    let (listener, addr) = listen(link.as_ref(), rec)?;
    // Connect before accepting: the kernel completes the handshake from the listen queue,
    // so a failed connect can never leave the server blocked in accept().
    let tap = options.wire.then(|| open_tap(addr.port(), rec)).flatten();
    let mut client = connect_client(link.as_ref(), addr, options.nodelay, rec)?;
    let mut server = net::accept(&listener, rec)?;
    drop(listener);
    if let Some(tap) = &tap {
        if let Ok(local) = client.local_addr() {
            tap.follow_client_port(local.port());
        }
        client.attach_tap(Arc::clone(tap));
        server.attach_tap(Arc::clone(tap));
    }

    // The reader's nap is noted before the sender starts, so the note comes first in every
    // run (it starts the moment the connection is accepted).
    if !options.reader_delay.is_zero() {
        server.note(EventNote::ReaderDelay {
            ms: options.reader_delay.as_millis() as u64,
        });
    }
    thread::scope(|scope| {
        let linked = link.is_some();
        // No thread for the sender (none can be made) is an error, not a panic.
        let sender = thread::Builder::new()
            .spawn_scoped(scope, move || {
                send_messages(client, messages, options.send_gap, linked)
            })
            .map_err(|e| Error::no_thread(ThreadRole::Sender, e))?;
        read_until_eof(&mut server, options, receiver);
        server.close();
        // Read the sender's segment count once the receiver has everything: by then every
        // data segment has left.
        if let Ok(client) = sender.join() {
            client.record_segments();
        }
        Ok::<(), Error>(())
    })?;
    if let Some(link) = link {
        // The closing FINs and ACKs are still crossing: let them arrive.
        link.finish();
    }
    if let Some(tap) = tap {
        tap.drain(rec);
        let drops = tap.drops();
        if drops > 0 {
            let missed = EventNote::CaptureMissed {
                packets: u64::from(drops),
            };
            rec.record_note(Side::Client, Op::Note, None, missed);
        }
    }
    Ok(as_run)
}

/// The `--net` link, started, and the options as run: the seed it uses is written in, so a
/// view can say how to see the same losses again. Without `--net`, no link.
pub fn start_link(
    options: &ExchangeOptions,
    rec: &Recorder,
) -> Result<(Option<Link>, ExchangeOptions), Error> {
    let mut as_run = options.clone();
    let Some(spec) = &mut as_run.net else {
        return Ok((None, as_run));
    };
    let link = Link::start(spec, rec).map_err(Error::Link)?;
    spec.seed = Some(link.seed());
    Ok((Some(link), as_run))
}

/// The lesson's listening socket and its address: on loopback, or — across a link — at the
/// server's address, opened in the server's namespace.
pub fn listen(link: Option<&Link>, rec: &Recorder) -> Result<(TcpListener, SocketAddr), Error> {
    let options = match link {
        Some(_) => ListenOptions {
            addr: SocketAddr::from((SERVER_ADDR, 0)),
            ..ListenOptions::loopback()
        },
        None => ListenOptions::loopback(),
    };
    let listener = inside(link.map(Link::server), || net::open_listener(&options, rec))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))?;
    Ok((listener, addr))
}

/// The lesson's client, connected to `addr` — across a link, from the client's namespace.
pub fn connect_client(
    link: Option<&Link>,
    addr: SocketAddr,
    nodelay: bool,
    rec: &Recorder,
) -> Result<RecordedStream, Error> {
    inside(link.map(Link::client), || net::connect(addr, nodelay, rec))
}

/// Run `f` inside `namespace` when there is one (sockets it opens belong there for good),
/// else right here.
pub fn inside<T: Send>(
    namespace: Option<&NetNamespace>,
    f: impl FnOnce() -> Result<T, Error> + Send,
) -> Result<T, Error> {
    match namespace {
        Some(ns) => ns.run(f).map_err(|e| Error::io("setns(CLONE_NEWNET)", e))?,
        None => f(),
    }
}

/// A wire tap for `--wire`, or a note saying why there is none (the lesson goes on).
fn open_tap(server_port: u16, rec: &Recorder) -> Option<Arc<WireTap>> {
    match WireTap::open(server_port) {
        Ok(tap) => Some(Arc::new(tap)),
        Err(e) => {
            let why = EventNote::NoCapture {
                needs_privilege: e.kind() == std::io::ErrorKind::PermissionDenied,
                error: e.to_string(),
            };
            rec.record_note(Side::Client, Op::Note, None, why);
            None
        }
    }
}

/// Send every message, then shut down the write side; the stream comes back still open.
/// Across a link (`linked`), the client first waits for its bytes to be acknowledged, as a
/// client that waits for a reply would: closing at once would push out what Nagle holds.
fn send_messages(
    mut client: RecordedStream,
    messages: &[Vec<Vec<u8>>],
    gap: Duration,
    linked: bool,
) -> RecordedStream {
    for (i, sends) in messages.iter().enumerate() {
        if i > 0 && !gap.is_zero() {
            client.note(EventNote::SendGap {
                ms: gap.as_millis() as u64,
            });
            thread::sleep(gap);
        }
        for bytes in sends {
            if client.send_all(bytes).is_err() {
                // The server may have stopped reading (a refused frame); the failed send is
                // already in the transcript as an error. Stop sending.
                client.shutdown_write();
                return client;
            }
        }
    }
    if linked {
        client.wait_until_acknowledged(ACK_WAIT);
    }
    client.shutdown_write();
    client
}

fn read_until_eof(
    server: &mut RecordedStream,
    options: &ExchangeOptions,
    receiver: &mut dyn Receiver,
) {
    thread::sleep(options.reader_delay);
    let mut buf = vec![0u8; options.recv_size];
    loop {
        match server.recv(&mut buf) {
            Ok(0) => {
                receiver.on_eof(server);
                return;
            }
            Ok(n) => {
                if receiver.on_bytes(&buf[..n], server).is_break() {
                    return;
                }
            }
            Err(e) => {
                server.error(EventNote::CallFailed {
                    call: "recv()",
                    error: e.to_string(),
                });
                return;
            }
        }
    }
}

/// What carried the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// One TCP connection: a byte stream.
    Tcp,
    /// UDP datagrams: one per send().
    Udp,
}

/// What an exchange lesson (sticky-demo, framed-demo, udp-demo) hands to the views: its
/// name, its knobs and what its sockets did.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeRun {
    pub lesson: &'static str,
    pub transport: Transport,
    pub options: ExchangeOptions,
    /// `Some` for lessons that frame their messages.
    pub framing: Option<Framing>,
    /// How the sender was told to break the framing (`--corrupt`), if at all.
    pub corrupt: Option<super::framed_demo::Corruption>,
    pub transcript: Transcript,
}
