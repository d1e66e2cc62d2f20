//! Real sockets, built with socket2 so every option is explicit, and a stream wrapper that
//! records every send() and recv() into the transcript.
//!
//! One `send` here is one send() system call and one `recv` is one recv() call: std's
//! `TcpStream::write`/`read` map one to one onto them on Linux, and nothing is buffered in
//! between, so what the transcript shows is what the kernel was asked and answered.

pub mod capture;
pub mod kernel;
pub mod link;
pub mod packet;
pub mod tracker;

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::error::Error;
use crate::net::capture::WireTap;
use crate::transcript::{EventNote, Op, Recorder, Side};

/// How long any lesson socket may wait for its peer before giving up: lessons are bounded.
/// Longer than the longest wait a knob allows (10 s), with a margin.
pub const LESSON_TIMEOUT: Duration = Duration::from_secs(20);

/// Options for a listening socket.
#[derive(Debug, Clone)]
pub struct ListenOptions {
    pub addr: SocketAddr,
    pub reuseaddr: bool,
    pub backlog: i32,
}

impl ListenOptions {
    /// An ephemeral port on 127.0.0.1 with `listen(5)`, as in the notes.
    pub fn loopback() -> Self {
        ListenOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            reuseaddr: false,
            backlog: 5,
        }
    }
}

fn new_tcp_socket(addr: &SocketAddr) -> io::Result<Socket> {
    Socket::new(
        Domain::for_address(*addr),
        Type::STREAM,
        Some(Protocol::TCP),
    )
}

/// socket(), the options, bind() and listen(), each recorded on the server side.
pub fn open_listener(options: &ListenOptions, rec: &Recorder) -> Result<TcpListener, Error> {
    let addr = options.addr;
    let socket = new_tcp_socket(&addr).map_err(|e| Error::io("socket()", e))?;
    socket
        .set_reuse_address(options.reuseaddr)
        .map_err(|e| Error::io("setsockopt(SO_REUSEADDR)", e))?;
    rec.record_note(
        Side::Server,
        Op::Sockopt,
        None,
        EventNote::ReuseAddr {
            on: options.reuseaddr,
        },
    );
    socket
        .bind(&SockAddr::from(addr))
        .map_err(|e| Error::io(format!("bind({addr})"), e))?;
    let bound = local_addr(&socket)?;
    rec.record(Side::Server, Op::Bind, bound.to_string());
    socket
        .listen(options.backlog)
        .map_err(|e| Error::io("listen()", e))?;
    rec.record(
        Side::Server,
        Op::Listen,
        format!("backlog {}", options.backlog),
    );
    Ok(socket.into())
}

fn local_addr(socket: &Socket) -> Result<SocketAddr, Error> {
    socket
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))?
        .as_socket()
        .ok_or_else(|| Error::io("getsockname()", io::Error::other("not an IP socket")))
}

/// socket(), TCP_NODELAY as asked, connect(): recorded on the client side.
pub fn connect(addr: SocketAddr, nodelay: bool, rec: &Recorder) -> Result<RecordedStream, Error> {
    let socket = new_tcp_socket(&addr).map_err(|e| Error::io("socket()", e))?;
    socket
        .set_tcp_nodelay(nodelay)
        .map_err(|e| Error::io("setsockopt(TCP_NODELAY)", e))?;
    rec.record_note(
        Side::Client,
        Op::Sockopt,
        None,
        EventNote::NoDelay { on: nodelay },
    );
    socket
        .connect_timeout(&SockAddr::from(addr), LESSON_TIMEOUT)
        .map_err(|e| Error::io(format!("connect({addr})"), e))?;
    let local = local_addr(&socket)?;
    let connected = EventNote::Connected {
        peer: addr,
        local,
        udp: false,
        named: None,
    };
    rec.record_note(Side::Client, Op::Connect, None, connected);
    RecordedStream::new(socket.into(), Side::Client, rec.clone())
}

/// accept() one connection, recorded on the server side.
pub fn accept(listener: &TcpListener, rec: &Recorder) -> Result<RecordedStream, Error> {
    let (stream, peer) = listener.accept().map_err(|e| Error::io("accept()", e))?;
    rec.record_note(Side::Server, Op::Accept, None, EventNote::Accepted { peer });
    RecordedStream::new(stream, Side::Server, rec.clone())
}

/// A connected TCP stream whose every send() and recv() lands in the transcript.
#[derive(Debug)]
pub struct RecordedStream {
    stream: TcpStream,
    side: Side,
    rec: Recorder,
    /// Stream offset of the next byte this side sends / receives.
    sent: u64,
    received: u64,
    /// `--wire`: drained after each send and before each recv is recorded.
    tap: Option<Arc<WireTap>>,
}

impl RecordedStream {
    fn new(stream: TcpStream, side: Side, rec: Recorder) -> Result<Self, Error> {
        // Bounded: a lesson never waits forever on a peer that went quiet.
        stream
            .set_read_timeout(Some(LESSON_TIMEOUT))
            .and_then(|()| stream.set_write_timeout(Some(LESSON_TIMEOUT)))
            .map_err(|e| Error::io("setsockopt(SO_RCVTIMEO/SO_SNDTIMEO)", e))?;
        Ok(RecordedStream {
            stream,
            side,
            rec,
            sent: 0,
            received: 0,
            tap: None,
        })
    }

    /// One send() call; returns how many bytes the kernel took (possibly fewer than given).
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let slot = self.rec.begin(self.side, Op::Send, self.sent);
        match self.stream.write(bytes) {
            Ok(n) => {
                let segments = self.data_segs_out();
                self.rec.complete(slot, &bytes[..n], segments);
                self.drain_tap();
                self.sent += n as u64;
                Ok(n)
            }
            Err(e) => {
                let failed = EventNote::CallFailed {
                    call: "send()",
                    error: e.to_string(),
                };
                self.rec.abandon(slot, failed);
                Err(e)
            }
        }
    }

    /// send() until every byte is taken; each call is its own transcript event.
    pub fn send_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let n = self.send(bytes)?;
            bytes = &bytes[n..];
        }
        Ok(())
    }

    /// One recv() call into `buf`; 0 means the peer closed its side (recorded as `eof`).
    pub fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let called_us = self.rec.now_us();
        let n = loop {
            match self.stream.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        // The bytes have arrived, so their segments are already in the tap: list them first.
        self.drain_tap();
        if n == 0 {
            self.rec
                .record_returned(self.side, Op::Eof, None, &[], called_us);
        } else {
            let offset = Some(self.received);
            self.rec
                .record_returned(self.side, Op::Recv, offset, &buf[..n], called_us);
            self.received += n as u64;
        }
        Ok(n)
    }

    /// shutdown(SHUT_WR): tell the peer no more bytes are coming (its recv() returns 0).
    pub fn close(self) {
        // Recorded before the call: the peer's end-of-stream must not be listed first.
        self.rec.record_now(self.side, Op::Close);
        // The peer may already be gone; closing is still what happened from our side.
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Follow this stream's segments on the wire.
    pub fn attach_tap(&mut self, tap: Arc<WireTap>) {
        self.tap = Some(tap);
    }

    fn drain_tap(&self) {
        if let Some(tap) = &self.tap {
            tap.drain(&self.rec);
        }
    }

    /// TCP_INFO's count of data segments this socket has sent, where the kernel has it.
    pub fn data_segs_out(&self) -> Option<u32> {
        crate::net::kernel::tcp_info(&self.stream)
            .ok()
            .and_then(|info| info.data_segs_out)
    }

    /// Wait until the peer has acknowledged every byte sent (SIOCOUTQ is 0), at most
    /// `limit`: a sender that closes at once makes the kernel push out whatever Nagle holds,
    /// and over a slow link that would hide the wait for an ACK.
    pub fn wait_until_acknowledged(&self, limit: Duration) {
        let deadline = std::time::Instant::now() + limit;
        while unacknowledged_bytes(&self.stream) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(500));
        }
    }

    /// shutdown(SHUT_WR) but keep the socket open, so TCP_INFO can still be read.
    pub fn shutdown_write(&mut self) {
        self.rec.record_now(self.side, Op::Close);
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Record how many data segments this socket sent in all (TCP_INFO), where the kernel
    /// counts them.
    pub fn record_segments(&self) {
        self.rec.record_segments(self.side, self.data_segs_out());
    }

    /// TCP_NODELAY on or off (Nagle's algorithm off or on), recorded on this side.
    pub fn set_nodelay(&self, nodelay: bool) -> Result<(), Error> {
        self.stream
            .set_nodelay(nodelay)
            .map_err(|e| Error::io("setsockopt(TCP_NODELAY)", e))?;
        let note = EventNote::NoDelay { on: nodelay };
        self.rec.record_note(self.side, Op::Sockopt, None, note);
        Ok(())
    }

    /// recv() until exactly `buf.len()` bytes came; `false` when the peer closed first.
    pub fn recv_exact(&mut self, buf: &mut [u8]) -> io::Result<bool> {
        let mut at = 0;
        while at < buf.len() {
            match self.recv(&mut buf[at..])? {
                0 => return Ok(false),
                n => at += n,
            }
        }
        Ok(true)
    }

    /// This end's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// Record a note on this stream's side.
    pub fn note(&self, note: EventNote) {
        self.rec.record_note(self.side, Op::Note, None, note);
    }

    /// Record an error on this stream's side.
    pub fn error(&self, why: EventNote) {
        self.rec.record_note(self.side, Op::Error, None, why);
    }
}

/// Bytes sent on `stream` but not yet acknowledged (or not yet sent): SIOCOUTQ. 0 when the
/// call fails, so a caller waiting for 0 never waits on an error.
fn unacknowledged_bytes(stream: &TcpStream) -> libc::c_int {
    let mut queued: libc::c_int = 0;
    // SAFETY: SIOCOUTQ (TIOCOUTQ) writes one int into the given pointer.
    let rc = unsafe { libc::ioctl(stream.as_raw_fd(), libc::TIOCOUTQ, &mut queued) };
    if rc == 0 { queued } else { 0 }
}

/// Wait until `socket` has something to read (for a listener: a connection to accept), at
/// most `timeout`. Loops that must also notice Ctrl-C wake at once for new work this way,
/// instead of sleeping between polls.
pub fn wait_readable(socket: &impl std::os::fd::AsRawFd, timeout: Duration) -> bool {
    let mut fds = libc::pollfd {
        fd: socket.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = timeout.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd, for the duration of the call.
    unsafe { libc::poll(&mut fds, 1, millis) > 0 }
}

/// A read or write that gave up because its socket timeout passed (Linux reports it as
/// EAGAIN, i.e. WouldBlock; some platforms as TimedOut): try again or check the clock.
pub fn timed_out(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
