//! Looking at a traced program's socket from outside: /proc/PID/fd tells a socket from a file,
//! and pidfd_getfd lends lab a copy of the socket itself, so the kernel answers directly —
//! its family and type, both addresses, whether it listens, TCP_INFO.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::os::fd::{FromRawFd, OwnedFd};

use socket2::{Domain, SockRef, Type};

use crate::net::kernel;

/// What a descriptor of a traced process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdKind {
    /// A TCP socket (IPv4 or IPv6), by its inode: the same socket under every descriptor and
    /// in every process that shares it.
    Tcp(u64),
    /// A file, a pipe, the terminal, or a socket lab does not show (UDP, AF_UNIX, netlink).
    Other,
}

/// What the kernel says about one TCP socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketFacts {
    pub inode: u64,
    pub local: Option<SocketAddr>,
    pub peer: Option<SocketAddr>,
    pub listening: bool,
}

/// The socket inode behind `/proc/PID/fd/FD`, `Ok(None)` for anything but a socket.
fn socket_inode(pid: u32, fd: i32) -> std::io::Result<Option<u64>> {
    let target = std::fs::read_link(format!("/proc/{pid}/fd/{fd}"))?;
    let text = target.to_string_lossy();
    Ok(text
        .strip_prefix("socket:[")
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|n| n.parse().ok()))
}

/// Borrows traced processes' sockets through pidfds (one per process, kept open).
#[derive(Debug, Default)]
pub struct Inspector {
    pidfds: HashMap<u32, OwnedFd>,
}

impl Inspector {
    /// Whether this kernel lends descriptors (pidfd_getfd, Linux 5.6+): tried on lab itself.
    pub fn supported() -> bool {
        let mut probe = Inspector::default();
        let own = std::process::id();
        probe.pidfd(own).is_some_and(|pidfd| {
            // SAFETY: a plain system call; a descriptor it returns is owned by us.
            let fd = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd, pidfd, 0) };
            if fd >= 0 {
                // SAFETY: a fresh descriptor the call just returned, open and ours alone.
                drop(unsafe { OwnedFd::from_raw_fd(fd as i32) });
            }
            fd >= 0
        })
    }

    fn pidfd(&mut self, pid: u32) -> Option<i32> {
        use std::os::fd::AsRawFd;
        if let Some(fd) = self.pidfds.get(&pid) {
            return Some(fd.as_raw_fd());
        }
        // SAFETY: a plain system call; the descriptor it returns is owned by us.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
        if fd < 0 {
            return None;
        }
        // SAFETY: a fresh descriptor pidfd_open just returned, open and ours alone.
        let owned = unsafe { OwnedFd::from_raw_fd(fd as i32) };
        let raw = owned.as_raw_fd();
        self.pidfds.insert(pid, owned);
        Some(raw)
    }

    /// Forget a process that has ended.
    pub fn forget(&mut self, pid: u32) {
        self.pidfds.remove(&pid);
    }

    /// A copy of descriptor `fd` of process `pid`, open in lab.
    pub fn borrow(&mut self, pid: u32, fd: i32) -> Option<OwnedFd> {
        let pidfd = self.pidfd(pid)?;
        // SAFETY: a plain system call; the descriptor it returns is owned by us.
        let copy = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd, fd, 0) };
        // SAFETY: a fresh descriptor pidfd_getfd just returned (checked ≥ 0), ours alone.
        (copy >= 0).then(|| unsafe { OwnedFd::from_raw_fd(copy as i32) })
    }

    /// What descriptor `fd` of `pid` is, or `None` when it is not open.
    pub fn classify(&mut self, pid: u32, fd: i32) -> Option<(FdKind, Option<SocketFacts>)> {
        let inode = match socket_inode(pid, fd) {
            Ok(Some(inode)) => inode,
            Ok(None) => return Some((FdKind::Other, None)),
            Err(_) => return None,
        };
        let Some(copy) = self.borrow(pid, fd) else {
            return Some((FdKind::Other, None));
        };
        let socket = SockRef::from(&copy);
        let inet = matches!(socket.domain(), Ok(d) if d == Domain::IPV4 || d == Domain::IPV6);
        let stream = matches!(socket.r#type(), Ok(t) if t == Type::STREAM);
        if !(inet && stream) {
            return Some((FdKind::Other, None));
        }
        let facts = SocketFacts {
            inode,
            local: socket.local_addr().ok().and_then(|a| a.as_socket()),
            peer: socket.peer_addr().ok().and_then(|a| a.as_socket()),
            listening: socket.is_listener().unwrap_or(false),
        };
        Some((FdKind::Tcp(inode), Some(facts)))
    }

    /// The local address of descriptor `fd` of `pid` when it is an IPv4 or IPv6 UDP socket
    /// (`Some(None)`: UDP, address unknown); `None` for anything else.
    pub fn udp_local(&mut self, pid: u32, fd: i32) -> Option<Option<std::net::SocketAddr>> {
        let copy = self.borrow(pid, fd)?;
        let socket = SockRef::from(&copy);
        let inet = matches!(socket.domain(), Ok(d) if d == Domain::IPV4 || d == Domain::IPV6);
        let datagram = matches!(socket.r#type(), Ok(t) if t == Type::DGRAM);
        (inet && datagram).then(|| socket.local_addr().ok().and_then(|a| a.as_socket()))
    }

    /// Bytes that arrived on the socket and were never read (FIONREAD): a last close with
    /// any sends a reset (RST) instead of a FIN.
    pub fn unread(&mut self, pid: u32, fd: i32) -> Option<u64> {
        use std::os::fd::AsRawFd;
        let copy = self.borrow(pid, fd)?;
        let mut waiting: libc::c_int = 0;
        // SAFETY: FIONREAD writes one int into a local.
        let done = unsafe { libc::ioctl(copy.as_raw_fd(), libc::FIONREAD, &mut waiting) };
        (done == 0).then_some(waiting.max(0) as u64)
    }

    /// TCP_INFO's count of data segments the socket has sent so far.
    pub fn data_segs_out(&mut self, pid: u32, fd: i32) -> Option<u32> {
        let copy = self.borrow(pid, fd)?;
        kernel::tcp_info(&copy).ok()?.data_segs_out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn own_sockets_and_files_are_told_apart() {
        if !Inspector::supported() {
            eprintln!("skipped: this kernel has no pidfd_getfd");
            return;
        }
        let mut inspector = Inspector::default();
        let me = std::process::id();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let (kind, facts) = inspector.classify(me, listener.as_raw_fd()).unwrap();
        let facts = facts.unwrap();
        assert!(matches!(kind, FdKind::Tcp(inode) if inode == facts.inode));
        assert!(facts.listening);
        assert_eq!(facts.local, listener.local_addr().ok());
        let file = std::fs::File::open("/proc/self/status").unwrap();
        assert_eq!(
            inspector.classify(me, file.as_raw_fd()).unwrap().0,
            FdKind::Other
        );
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        assert_eq!(
            inspector.classify(me, udp.as_raw_fd()).unwrap().0,
            FdKind::Other
        );
        assert!(inspector.classify(me, 999_999).is_none());
    }
}
