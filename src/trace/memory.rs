//! Reading (and, for `--recv-max`/`--send-max`, writing) a traced program's memory with
//! process_vm_readv/writev: buffers, iovec arrays, msghdr structs and socket addresses.
//!
//! Only what the views need is copied: a preview of each buffer, never the whole of a
//! megabyte recv(). A read that fails (the process died, a bad pointer) gives fewer bytes,
//! never an error that stops the trace.

use std::io::{IoSlice, IoSliceMut};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use nix::sys::uio::{RemoteIoVec, process_vm_readv, process_vm_writev};
use nix::unistd::Pid;

/// The most iovecs one call may carry (the kernel's UIO_MAXIOV).
pub const MAX_IOVECS: usize = 1024;
/// Bytes of one `struct iovec`, `struct msghdr` and `struct mmsghdr`, as libc lays them out
/// for this machine (the traced program shares lab's architecture).
const IOVEC_SIZE: usize = std::mem::size_of::<libc::iovec>();
pub const MSGHDR_SIZE: usize = std::mem::size_of::<libc::msghdr>();
pub const MMSGHDR_SIZE: usize = std::mem::size_of::<libc::mmsghdr>();

/// One `struct iovec` of the traced program: an address and a length in its memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Iovec {
    pub base: u64,
    pub len: u64,
}

/// The parts of a `struct msghdr` the tracer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsgHdr {
    /// Where the iovec array is, and how many entries it has.
    pub iov: u64,
    pub iovlen: u64,
}

/// Up to `len` bytes at `addr` in `pid`'s memory (fewer if part of it cannot be read).
pub fn read_bytes(pid: Pid, addr: u64, len: usize) -> Vec<u8> {
    gather(
        pid,
        &[Iovec {
            base: addr,
            len: len as u64,
        }],
        len,
    )
}

/// The first `limit` bytes the iovecs describe, in order.
pub fn gather(pid: Pid, iovecs: &[Iovec], limit: usize) -> Vec<u8> {
    let mut remote = Vec::new();
    let mut want = 0usize;
    for iov in iovecs {
        if want == limit {
            break;
        }
        let take = (iov.len as usize).min(limit - want);
        if take > 0 {
            remote.push(RemoteIoVec {
                base: iov.base as usize,
                len: take,
            });
            want += take;
        }
    }
    let mut buf = vec![0u8; want];
    if want == 0 {
        return buf;
    }
    let got = process_vm_readv(pid, &mut [IoSliceMut::new(&mut buf)], &remote).unwrap_or(0);
    buf.truncate(got);
    buf
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_ne_bytes(word)
}

/// The iovec array at `addr` (at most [`MAX_IOVECS`] entries are read).
pub fn read_iovecs(pid: Pid, addr: u64, count: u64) -> Vec<Iovec> {
    let count = (count as usize).min(MAX_IOVECS);
    let raw = read_bytes(pid, addr, count * IOVEC_SIZE);
    raw.chunks_exact(IOVEC_SIZE)
        .map(|c| Iovec {
            base: u64_at(c, 0),
            len: u64_at(c, 8),
        })
        .collect()
}

/// Write iovec entries back at `addr` (lengths shrunk at a call, or restored after it).
pub fn write_iovecs(pid: Pid, addr: u64, iovecs: &[Iovec]) -> bool {
    let mut raw = Vec::with_capacity(iovecs.len() * IOVEC_SIZE);
    for iov in iovecs {
        raw.extend_from_slice(&iov.base.to_ne_bytes());
        raw.extend_from_slice(&iov.len.to_ne_bytes());
    }
    let remote = [RemoteIoVec {
        base: addr as usize,
        len: raw.len(),
    }];
    process_vm_writev(pid, &[IoSlice::new(&raw)], &remote).is_ok_and(|n| n == raw.len())
}

/// Write `bytes` at `addr` in `pid`'s memory (`--net`'s rewritten addresses, and putting them
/// back): with process_vm_writev, or — where the program may not write itself, as a constant
/// address in read-only data — a word at a time with PTRACE_POKEDATA, which the kernel allows
/// the tracer. For the second way `pid` must be stopped under this thread's trace.
pub fn write_bytes(pid: Pid, addr: u64, bytes: &[u8]) -> bool {
    let remote = [RemoteIoVec {
        base: addr as usize,
        len: bytes.len(),
    }];
    if process_vm_writev(pid, &[IoSlice::new(bytes)], &remote).is_ok_and(|n| n == bytes.len()) {
        return true;
    }
    poke_bytes(pid, addr, bytes)
}

/// Write `bytes` at `addr` through ptrace, reading and writing whole aligned words.
fn poke_bytes(pid: Pid, addr: u64, bytes: &[u8]) -> bool {
    const WORD: u64 = std::mem::size_of::<libc::c_long>() as u64;
    let end = addr + bytes.len() as u64;
    let mut at = addr & !(WORD - 1);
    while at < end {
        let Ok(word) = nix::sys::ptrace::read(pid, at as nix::sys::ptrace::AddressType) else {
            return false;
        };
        let mut raw = word.to_ne_bytes();
        for (i, byte) in raw.iter_mut().enumerate() {
            let here = at + i as u64;
            if (addr..end).contains(&here) {
                *byte = bytes[(here - addr) as usize];
            }
        }
        let word = libc::c_long::from_ne_bytes(raw);
        if nix::sys::ptrace::write(pid, at as nix::sys::ptrace::AddressType, word).is_err() {
            return false;
        }
        at += WORD;
    }
    true
}

/// The `struct msghdr` at `addr`.
pub fn read_msghdr(pid: Pid, addr: u64) -> Option<MsgHdr> {
    let raw = read_bytes(pid, addr, MSGHDR_SIZE);
    (raw.len() == MSGHDR_SIZE).then(|| MsgHdr {
        iov: u64_at(&raw, 16),
        iovlen: u64_at(&raw, 24),
    })
}

/// The `msg_len` of each of `count` `struct mmsghdr` at `addr`: what each message moved.
pub fn read_mmsg_lengths(pid: Pid, addr: u64, count: usize) -> Vec<u32> {
    let raw = read_bytes(pid, addr, count.min(MAX_IOVECS) * MMSGHDR_SIZE);
    raw.chunks_exact(MMSGHDR_SIZE)
        .map(|c| u32::from_ne_bytes([c[56], c[57], c[58], c[59]]))
        .collect()
}

/// An int-sized option value (setsockopt's `optval`).
pub fn read_int(pid: Pid, addr: u64) -> Option<i32> {
    let raw = read_bytes(pid, addr, 4);
    (raw.len() == 4).then(|| i32::from_ne_bytes([raw[0], raw[1], raw[2], raw[3]]))
}

/// The IPv4 or IPv6 socket address at `addr` (`len` bytes long), if it is one.
pub fn read_sockaddr(pid: Pid, addr: u64, len: u64) -> Option<SocketAddr> {
    if addr == 0 {
        return None;
    }
    parse_sockaddr(&read_bytes(pid, addr, (len as usize).min(128)))
}

/// A `struct sockaddr_in` or `sockaddr_in6` as the kernel lays it out.
pub fn parse_sockaddr(raw: &[u8]) -> Option<SocketAddr> {
    let family = i32::from(u16::from_ne_bytes([*raw.first()?, *raw.get(1)?]));
    let port = u16::from_be_bytes([*raw.get(2)?, *raw.get(3)?]);
    match family {
        libc::AF_INET if raw.len() >= 8 => {
            let ip = Ipv4Addr::new(raw[4], raw[5], raw[6], raw[7]);
            Some(SocketAddr::V4(SocketAddrV4::new(ip, port)))
        }
        libc::AF_INET6 if raw.len() >= 28 => {
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&raw[8..24]);
            let scope = u32::from_ne_bytes([raw[24], raw[25], raw[26], raw[27]]);
            let flow = u32::from_be_bytes([raw[4], raw[5], raw[6], raw[7]]);
            let ip = Ipv6Addr::from(octets);
            Some(SocketAddr::V6(SocketAddrV6::new(ip, port, flow, scope)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own() -> Pid {
        nix::unistd::getpid()
    }

    #[test]
    fn iovecs_are_gathered_in_order_up_to_the_limit() {
        let a = b"hello".to_vec();
        let b = b"world".to_vec();
        let iovecs = [
            Iovec {
                base: a.as_ptr() as u64,
                len: 5,
            },
            Iovec {
                base: b.as_ptr() as u64,
                len: 5,
            },
        ];
        assert_eq!(gather(own(), &iovecs, 7), b"hellowo");
        assert_eq!(gather(own(), &iovecs, 100), b"helloworld");
    }

    #[test]
    fn an_unreadable_address_gives_no_bytes_not_an_error() {
        assert!(read_bytes(own(), 8, 16).is_empty());
    }

    #[test]
    fn socket_addresses_decode_as_the_kernel_lays_them_out() {
        let mut v4 = vec![0u8; 16];
        v4[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        v4[2..4].copy_from_slice(&8080u16.to_be_bytes());
        v4[4..8].copy_from_slice(&[127, 0, 0, 1]);
        assert_eq!(parse_sockaddr(&v4), Some("127.0.0.1:8080".parse().unwrap()));
        let unix = (libc::AF_UNIX as u16).to_ne_bytes();
        assert_eq!(parse_sockaddr(&unix), None);
    }

    #[test]
    fn bytes_written_land_where_asked_and_nowhere_else() {
        let mut sockaddr = [7u8; 16];
        let at = sockaddr.as_mut_ptr() as u64;
        assert!(write_bytes(own(), at + 4, &[198, 18, 0, 2]));
        assert_eq!(
            read_bytes(own(), at, 16)[..9],
            [7, 7, 7, 7, 198, 18, 0, 2, 7]
        );
    }

    #[test]
    fn iovec_arrays_read_back_what_was_written() {
        let data = [0u8; 4];
        let mut array = vec![0u64; 4];
        let addr = array.as_mut_ptr() as u64;
        let iovecs = [
            Iovec {
                base: data.as_ptr() as u64,
                len: 4,
            },
            Iovec { base: 0, len: 9 },
        ];
        assert!(write_iovecs(own(), addr, &iovecs));
        assert_eq!(read_iovecs(own(), addr, 2), iovecs);
    }
}
