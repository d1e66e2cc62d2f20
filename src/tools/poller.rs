//! A small, level-triggered epoll(7): the one event loop `lab serve` runs its clients on.
//!
//! Level-triggered on purpose: a socket stays "readable" while bytes wait in it, so the loop
//! may make exactly one recv() per readiness (the lessons count recv() calls) and come back
//! for the rest later, without the extra recv() that ends in EAGAIN which edge-triggered
//! readiness (mio, tokio) needs after every read.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// What a registered socket should wake the loop for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interest {
    pub read: bool,
    pub write: bool,
}

impl Interest {
    pub const READ: Interest = Interest {
        read: true,
        write: false,
    };

    fn bits(self) -> u32 {
        let mut bits = 0;
        if self.read {
            bits |= libc::EPOLLIN as u32;
        }
        if self.write {
            bits |= libc::EPOLLOUT as u32;
        }
        bits
    }
}

/// One socket that is ready, named by the token it was registered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ready {
    pub token: u64,
    pub readable: bool,
    pub writable: bool,
    /// EPOLLERR or EPOLLHUP: the connection failed or is shut both ways (always reported).
    pub hangup: bool,
}

/// An epoll instance and room for the readiness one wait() can return.
#[derive(Debug)]
pub struct Poller {
    epoll: OwnedFd,
    events: Vec<libc::epoll_event>,
}

impl Poller {
    /// A new epoll instance that reports at most `batch` sockets per wait().
    pub fn new(batch: usize) -> io::Result<Poller> {
        // SAFETY: epoll_create1 takes no pointers; a non-negative result is a new descriptor
        // that nothing else owns.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by epoll_create1 and is owned by nobody else.
        let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
        let empty = libc::epoll_event { events: 0, u64: 0 };
        Ok(Poller {
            epoll,
            events: vec![empty; batch.max(1)],
        })
    }

    /// Watch `socket` for `interest`; its readiness comes back with `token`.
    pub fn add(&self, socket: &impl AsRawFd, token: u64, interest: Interest) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_ADD, socket.as_raw_fd(), token, interest)
    }

    /// Change what `socket` is watched for.
    pub fn modify(&self, socket: &impl AsRawFd, token: u64, interest: Interest) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_MOD, socket.as_raw_fd(), token, interest)
    }

    /// Stop watching `socket` (closing it does the same; this is for sockets kept open).
    pub fn delete(&self, socket: &impl AsRawFd) -> io::Result<()> {
        self.control(
            libc::EPOLL_CTL_DEL,
            socket.as_raw_fd(),
            0,
            Interest {
                read: false,
                write: false,
            },
        )
    }

    fn control(&self, op: i32, fd: i32, token: u64, interest: Interest) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: interest.bits(),
            u64: token,
        };
        // SAFETY: `event` is a valid epoll_event for the duration of the call; the kernel
        // copies it and keeps no pointer.
        let rc = unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut event) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Wait up to `timeout` and put the ready sockets into `ready` (cleared first). A signal
    /// (Ctrl-C) ends the wait early with nothing ready, so the caller can look at its flag.
    pub fn wait(&mut self, ready: &mut Vec<Ready>, timeout: Duration) -> io::Result<()> {
        ready.clear();
        let millis = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: `events` has room for `events.len()` entries and the kernel writes at most
        // that many.
        let n = unsafe {
            libc::epoll_wait(
                self.epoll.as_raw_fd(),
                self.events.as_mut_ptr(),
                self.events.len() as i32,
                millis,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::Interrupted {
                Ok(())
            } else {
                Err(e)
            };
        }
        ready.extend(self.events[..n as usize].iter().map(|event| {
            let bits = event.events;
            Ready {
                token: event.u64,
                readable: bits & libc::EPOLLIN as u32 != 0,
                writable: bits & libc::EPOLLOUT as u32 != 0,
                hangup: bits & (libc::EPOLLERR | libc::EPOLLHUP) as u32 != 0,
            }
        }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn a_socket_with_bytes_waiting_stays_readable_until_they_are_read() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let mut poller = Poller::new(8).unwrap();
        poller.add(&server, 7, Interest::READ).unwrap();
        let mut ready = Vec::new();

        poller.wait(&mut ready, Duration::ZERO).unwrap();
        assert!(ready.is_empty(), "nothing sent yet: {ready:?}");

        client.write_all(b"hello").unwrap();
        for _ in 0..2 {
            // Level-triggered: reported again while the bytes stay unread.
            poller.wait(&mut ready, Duration::from_secs(5)).unwrap();
            assert_eq!(ready.len(), 1);
            assert_eq!(ready[0].token, 7);
            assert!(ready[0].readable && !ready[0].writable);
        }

        poller
            .modify(
                &server,
                7,
                Interest {
                    read: false,
                    write: true,
                },
            )
            .unwrap();
        poller.wait(&mut ready, Duration::from_secs(5)).unwrap();
        assert!(ready[0].writable && !ready[0].readable, "{ready:?}");

        poller.delete(&server).unwrap();
        poller.wait(&mut ready, Duration::ZERO).unwrap();
        assert!(ready.is_empty());
    }
}
