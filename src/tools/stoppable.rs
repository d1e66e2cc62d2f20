//! Socket calls that Ctrl-C cuts short at once: every wait is a poll() on the socket *and*
//! on the stop descriptor ([`crate::tools::signal::stop_fd`]), on a non-blocking socket, so no
//! thread of `lab serve` or `lab proxy` sits in a blocking call when a stop is asked for —
//! whatever the peer does (sends a byte now and then, or never reads).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

use super::TICK;
use crate::tools::signal;

/// What a socket is awaited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Read,
    Write,
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waited {
    /// The socket is ready (or failed: the next call on it says how).
    Ready,
    /// A stop was asked for.
    Stop,
    /// The timeout passed first.
    TimedOut,
}

/// Wait until `socket` is ready for `want`, a stop is asked for, or `timeout` passes (`None`:
/// no limit).
pub(crate) fn wait(socket: &impl AsRawFd, want: Want, timeout: Option<Duration>) -> Waited {
    let deadline = timeout.map(|t| Instant::now() + t);
    let events = match want {
        Want::Read => libc::POLLIN,
        Want::Write => libc::POLLOUT,
    };
    loop {
        if signal::stop_requested() {
            return Waited::Stop;
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        if left == Some(Duration::ZERO) {
            return Waited::TimedOut;
        }
        let stop_fd = signal::stop_fd().map_or(-1, |fd| fd.as_raw_fd());
        // Without a stop descriptor the flag is looked at every tick instead.
        let slice = if stop_fd < 0 {
            Some(left.map_or(TICK, |l| l.min(TICK)))
        } else {
            left
        };
        // Rounded up: a wait of 0.4 ms must not become a busy loop of 0 ms polls.
        let millis = slice.map_or(-1, |d| {
            d.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32
        });
        match poll_beside_stop(socket.as_raw_fd(), events, stop_fd, millis) {
            // poll() itself failed (ENOMEM): let the socket call meet the trouble.
            Polled::Failed => return Waited::Ready,
            Polled::Stop => return Waited::Stop,
            Polled::Ready => return Waited::Ready,
            Polled::Nothing => {}
        }
    }
}

/// What one [`poll_beside_stop`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polled {
    /// The descriptor is ready for what was asked (or has failed).
    Ready,
    /// The stop descriptor turned readable first.
    Stop,
    /// The time ran out, or a signal cut the wait short.
    Nothing,
    /// poll() itself failed.
    Failed,
}

/// One poll() on `fd` for `events` and on `stop_fd` (negative: left out) for readability,
/// for at most `millis` (-1: no limit). A stop wins over readiness seen at the same time.
pub(crate) fn poll_beside_stop(fd: RawFd, events: i16, stop_fd: RawFd, millis: i32) -> Polled {
    // poll() ignores an entry whose descriptor is negative.
    let mut fds = [
        libc::pollfd {
            fd,
            events,
            revents: 0,
        },
        libc::pollfd {
            fd: stop_fd,
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: two valid pollfds, for the duration of the call.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, millis) };
    if n < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
        Polled::Failed
    } else if fds[1].revents != 0 {
        Polled::Stop
    } else if fds[0].revents != 0 {
        Polled::Ready
    } else {
        Polled::Nothing
    }
}

/// The error a socket call returns when a stop cut it short. Not `Interrupted`: `read_exact`
/// and `write_all` would quietly try again.
pub(crate) fn stopping() -> io::Error {
    io::Error::other(Stopping)
}

/// Did a stop cut this call short?
pub(crate) fn is_stopping(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Stopping>())
}

/// The payload of [`stopping`]'s error.
#[derive(Debug)]
struct Stopping;

impl std::fmt::Display for Stopping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stopping (Ctrl-C)")
    }
}

impl std::error::Error for Stopping {}

/// One read from a non-blocking socket, waiting for bytes at most `idle` (`None`: no
/// limit). A timeout is `ErrorKind::TimedOut`, a stop [`stopping`].
pub(crate) fn read(
    mut socket: &TcpStream,
    buf: &mut [u8],
    idle: Option<Duration>,
) -> io::Result<usize> {
    loop {
        match socket.read(buf) {
            Err(e) if not_yet(&e) => wait_or_fail(socket, Want::Read, idle)?,
            other => return other,
        }
    }
}

/// Write all of `bytes` to a non-blocking socket, waiting for room as needed; fails when a
/// stop is asked for ([`stopping`]) or when the peer takes no byte for `stall` (`None`: no
/// limit; a timeout is `ErrorKind::TimedOut`).
pub(crate) fn write_all(
    mut socket: &TcpStream,
    mut bytes: &[u8],
    stall: Option<Duration>,
) -> io::Result<()> {
    while !bytes.is_empty() {
        match socket.write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if not_yet(&e) => wait_or_fail(socket, Want::Write, stall)?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The socket cannot take the call now: wait, then try again.
fn not_yet(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// [`wait`], with a stop or a timeout as the error that ends the call.
fn wait_or_fail(socket: &TcpStream, want: Want, timeout: Option<Duration>) -> io::Result<()> {
    match wait(socket, want, timeout) {
        Waited::Ready => Ok(()),
        Waited::Stop => Err(stopping()),
        Waited::TimedOut => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            match want {
                Want::Read => "nothing arrived in time",
                Want::Write => "the peer took no bytes in time",
            },
        )),
    }
}

/// Sleep for `pause`, or less if a stop is asked for; `false` if it was.
pub(crate) fn sleep(pause: Duration) -> bool {
    let deadline = Instant::now() + pause;
    loop {
        if signal::stop_requested() {
            return false;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        match signal::stop_fd() {
            // The stop descriptor only turns readable: waiting on it is waiting for a stop.
            Some(fd) => return wait(&fd, Want::Read, Some(left)) == Waited::TimedOut,
            None => std::thread::sleep(left.min(TICK)),
        }
    }
}

/// connect() to `addr`, giving up after `timeout` or at once on a stop; the stream comes back
/// non-blocking.
pub(crate) fn connect(addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {
            match wait(&socket, Want::Write, Some(timeout)) {
                Waited::Ready => {
                    if let Some(e) = socket.take_error()? {
                        return Err(e);
                    }
                }
                Waited::Stop => return Err(stopping()),
                Waited::TimedOut => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("no answer within {} s", timeout.as_secs_f64()),
                    ));
                }
            }
        }
        Err(e) => return Err(e),
    }
    Ok(socket.into())
}
