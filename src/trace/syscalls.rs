//! The system calls `lab trace` stops on, by number on this machine's architecture.
//!
//! The numbers differ between x86_64 and aarch64 (aarch64 has no `dup2`, for one); libc's
//! `SYS_*` constants carry each architecture's numbers, so the table below is written once.

/// A socket-related system call the tracer decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syscall {
    Socket,
    Bind,
    Listen,
    Accept,
    Accept4,
    Connect,
    Sendto,
    Recvfrom,
    Sendmsg,
    Recvmsg,
    Sendmmsg,
    Recvmmsg,
    Read,
    Write,
    Readv,
    Writev,
    Sendfile,
    Shutdown,
    Setsockopt,
    Close,
    CloseRange,
    /// x86_64 only: aarch64 has dup3 alone.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Dup2,
    Dup3,
}

/// What a call does with bytes, which decides how it is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Puts bytes into a socket.
    Send,
    /// Takes bytes out of a socket.
    Recv,
    /// Moves no bytes.
    Other,
}

/// `(syscall, number)` for every call in the seccomp filter.
const TABLE: &[(Syscall, libc::c_long)] = &[
    (Syscall::Socket, libc::SYS_socket),
    (Syscall::Bind, libc::SYS_bind),
    (Syscall::Listen, libc::SYS_listen),
    (Syscall::Accept, libc::SYS_accept),
    (Syscall::Accept4, libc::SYS_accept4),
    (Syscall::Connect, libc::SYS_connect),
    (Syscall::Sendto, libc::SYS_sendto),
    (Syscall::Recvfrom, libc::SYS_recvfrom),
    (Syscall::Sendmsg, libc::SYS_sendmsg),
    (Syscall::Recvmsg, libc::SYS_recvmsg),
    (Syscall::Sendmmsg, libc::SYS_sendmmsg),
    (Syscall::Recvmmsg, libc::SYS_recvmmsg),
    (Syscall::Read, libc::SYS_read),
    (Syscall::Write, libc::SYS_write),
    (Syscall::Readv, libc::SYS_readv),
    (Syscall::Writev, libc::SYS_writev),
    (Syscall::Sendfile, libc::SYS_sendfile),
    (Syscall::Shutdown, libc::SYS_shutdown),
    (Syscall::Setsockopt, libc::SYS_setsockopt),
    (Syscall::Close, libc::SYS_close),
    (Syscall::CloseRange, libc::SYS_close_range),
    #[cfg(target_arch = "x86_64")]
    (Syscall::Dup2, libc::SYS_dup2),
    (Syscall::Dup3, libc::SYS_dup3),
];

impl Syscall {
    /// The call with this number, if the tracer knows it.
    pub fn from_number(nr: u64) -> Option<Syscall> {
        TABLE
            .iter()
            .find(|&&(_, n)| n as u64 == nr)
            .map(|&(call, _)| call)
    }

    /// Every traced call with its number, for the seccomp filter.
    pub fn all() -> impl Iterator<Item = (Syscall, u32)> {
        TABLE.iter().map(|&(call, nr)| (call, nr as u32))
    }

    /// The name strace and the man pages use.
    pub fn name(self) -> &'static str {
        match self {
            Syscall::Socket => "socket",
            Syscall::Bind => "bind",
            Syscall::Listen => "listen",
            Syscall::Accept => "accept",
            Syscall::Accept4 => "accept4",
            Syscall::Connect => "connect",
            Syscall::Sendto => "sendto",
            Syscall::Recvfrom => "recvfrom",
            Syscall::Sendmsg => "sendmsg",
            Syscall::Recvmsg => "recvmsg",
            Syscall::Sendmmsg => "sendmmsg",
            Syscall::Recvmmsg => "recvmmsg",
            Syscall::Read => "read",
            Syscall::Write => "write",
            Syscall::Readv => "readv",
            Syscall::Writev => "writev",
            Syscall::Sendfile => "sendfile",
            Syscall::Shutdown => "shutdown",
            Syscall::Setsockopt => "setsockopt",
            Syscall::Close => "close",
            Syscall::CloseRange => "close_range",
            Syscall::Dup2 => "dup2",
            Syscall::Dup3 => "dup3",
        }
    }

    pub fn flow(self) -> Flow {
        match self {
            Syscall::Sendto
            | Syscall::Sendmsg
            | Syscall::Sendmmsg
            | Syscall::Write
            | Syscall::Writev
            | Syscall::Sendfile => Flow::Send,
            Syscall::Recvfrom
            | Syscall::Recvmsg
            | Syscall::Recvmmsg
            | Syscall::Read
            | Syscall::Readv => Flow::Recv,
            _ => Flow::Other,
        }
    }

    /// The argument (from 0) that holds the descriptor the call works on, if any.
    /// (sendfile's is its out_fd: the socket the bytes go to.)
    pub fn fd_argument(self) -> Option<usize> {
        (!matches!(self, Syscall::Socket | Syscall::CloseRange)).then_some(0)
    }

    /// The argument holding the length a send or recv asks for, where it is a register
    /// (recvmsg, sendmsg and their kin keep it in memory, in their iovecs).
    pub fn length_argument(self) -> Option<usize> {
        match self {
            Syscall::Sendto | Syscall::Recvfrom | Syscall::Read | Syscall::Write => Some(2),
            Syscall::Sendfile => Some(3),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_has_one_number_and_comes_back_from_it() {
        for (call, nr) in Syscall::all() {
            assert_eq!(Syscall::from_number(u64::from(nr)), Some(call));
        }
        assert_eq!(Syscall::from_number(libc::SYS_getpid as u64), None);
    }

    #[test]
    fn sends_and_recvs_are_told_apart() {
        assert_eq!(Syscall::Sendto.flow(), Flow::Send);
        assert_eq!(Syscall::Read.flow(), Flow::Recv);
        assert_eq!(Syscall::Accept4.flow(), Flow::Other);
    }
}
