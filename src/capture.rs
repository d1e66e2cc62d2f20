//! `--wire`: the TCP segments of one lesson connection, captured on the loopback interface
//! with an AF_PACKET socket (root or CAP_NET_RAW).
//!
//! The tap listens to every protocol on `lo` (ETH_P_ALL), so the kernel hands it each packet
//! as the packet *leaves* (PACKET_OUTGOING), before loopback delivers it to the receiving
//! socket. The tap is drained right after each send() returns and right before each recv() is
//! recorded: every segment is listed after the send() that produced it and before the recv()
//! that returned its bytes. A retransmitted segment is listed again, marked as such.

use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU16, Ordering};

use crate::transcript::Recorder;

const ETH_P_ALL: u16 = 0x0003;
const TCP_SYN: u8 = 0x02;
/// Packets read in one drain at most: a drain never runs unbounded.
const MAX_DRAIN: usize = 100_000;

/// A capture of the client→server segments of one connection.
#[derive(Debug)]
pub struct WireTap {
    fd: OwnedFd,
    server_port: u16,
    /// Set once the client has connected (0 until then).
    client_port: AtomicU16,
    state: Mutex<TapState>,
}

#[derive(Debug, Default)]
struct TapState {
    /// The client's initial sequence number, from its SYN.
    isn: Option<u32>,
    /// Data segments recorded so far (retransmissions not counted).
    segments: usize,
    /// Stream offset just past the highest byte seen, to tell retransmissions.
    highest: u64,
    buf: Vec<u8>,
}

impl WireTap {
    /// Open a packet socket on `lo` for connections to `server_port`. Fails with
    /// PermissionDenied without root or CAP_NET_RAW.
    pub fn open(server_port: u16) -> io::Result<WireTap> {
        // SAFETY: plain socket(2) call; the descriptor is owned right away.
        let raw = unsafe {
            libc::socket(
                libc::AF_PACKET,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                i32::from(ETH_P_ALL.to_be()),
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh, valid descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        bind_to_loopback(&fd)?;
        // Room for a burst of segments between two drains.
        let rcvbuf: libc::c_int = 4 * 1024 * 1024;
        // SAFETY: a valid descriptor and a c_int option value of the right size.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                (&rcvbuf as *const libc::c_int).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
        Ok(WireTap {
            fd,
            server_port,
            client_port: AtomicU16::new(0),
            state: Mutex::new(TapState {
                buf: vec![0; 65_536],
                ..TapState::default()
            }),
        })
    }

    /// Tell the tap which connection to follow.
    pub fn follow_client_port(&self, port: u16) {
        self.client_port.store(port, Ordering::SeqCst);
    }

    /// How many data segments were recorded.
    pub fn segments(&self) -> usize {
        self.state.lock().map_or(0, |s| s.segments)
    }

    /// Read every captured packet waiting in the socket and record the client's data
    /// segments as `segment` events.
    pub fn drain(&self, rec: &Recorder) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let client_port = self.client_port.load(Ordering::SeqCst);
        for _ in 0..MAX_DRAIN {
            // SAFETY: all-zero is a valid sockaddr_ll.
            let mut from: libc::sockaddr_ll = unsafe { zeroed() };
            let mut from_len = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            let capacity = state.buf.len();
            // SAFETY: the buffer and address are writable for the lengths given.
            let n = unsafe {
                libc::recvfrom(
                    self.fd.as_raw_fd(),
                    state.buf.as_mut_ptr().cast(),
                    capacity,
                    libc::MSG_DONTWAIT,
                    (&mut from as *mut libc::sockaddr_ll).cast(),
                    &mut from_len,
                )
            };
            if n <= 0 {
                return;
            }
            // Loopback shows each packet leaving and then arriving: keep the earlier copy.
            if from.sll_pkttype != libc::PACKET_OUTGOING {
                continue;
            }
            let Some(segment) = parse_tcp(&state.buf[..n as usize]) else {
                continue;
            };
            if segment.dst_port != self.server_port || segment.src_port != client_port {
                continue;
            }
            if segment.flags & TCP_SYN != 0 {
                state.isn = Some(segment.seq);
                continue;
            }
            let (Some(isn), false) = (state.isn, segment.payload.is_empty()) else {
                continue;
            };
            // Stream offset: sequence numbers count from the SYN's, which takes one.
            let offset = u64::from(segment.seq.wrapping_sub(isn).wrapping_sub(1));
            let payload = segment.payload.to_vec();
            let end = offset + payload.len() as u64;
            if end <= state.highest {
                rec.record_segment(offset, &payload, Some("retransmission".into()));
                continue;
            }
            state.highest = end;
            state.segments += 1;
            rec.record_segment(offset, &payload, None);
        }
    }

    /// Packets the kernel dropped because the tap's buffer was full (PACKET_STATISTICS).
    pub fn drops(&self) -> u32 {
        let mut stats = [0u32; 2];
        let mut len = size_of::<[u32; 2]>() as libc::socklen_t;
        // SAFETY: struct tpacket_stats is two u32s; the buffer is writable for `len` bytes.
        let rc = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                stats.as_mut_ptr().cast(),
                &mut len,
            )
        };
        if rc == 0 { stats[1] } else { 0 }
    }
}

fn bind_to_loopback(fd: &OwnedFd) -> io::Result<()> {
    // SAFETY: a NUL-terminated interface name.
    let index = unsafe { libc::if_nametoindex(c"lo".as_ptr()) };
    if index == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: all-zero is a valid sockaddr_ll; the fields set below complete it.
    let mut addr: libc::sockaddr_ll = unsafe { zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_protocol = ETH_P_ALL.to_be();
    addr.sll_ifindex = index as i32;
    // SAFETY: the address is a valid sockaddr_ll of the length given.
    let rc = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&addr as *const libc::sockaddr_ll).cast(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The fields of an IPv4 TCP packet the tap needs.
#[derive(Debug, PartialEq, Eq)]
struct TcpSegment<'a> {
    src_port: u16,
    dst_port: u16,
    seq: u32,
    flags: u8,
    payload: &'a [u8],
}

/// Parse an IPv4 packet carrying TCP; anything else (or anything truncated) is `None`.
fn parse_tcp(packet: &[u8]) -> Option<TcpSegment<'_>> {
    let version = packet.first()? >> 4;
    let ip_header = usize::from(packet.first()? & 0x0f) * 4;
    if version != 4 || ip_header < 20 || *packet.get(9)? != libc::IPPROTO_TCP as u8 {
        return None;
    }
    let total = usize::from(u16::from_be_bytes([*packet.get(2)?, *packet.get(3)?]));
    let packet = packet.get(..total)?;
    let tcp = packet.get(ip_header..)?;
    let tcp_header = usize::from(tcp.get(12)? >> 4) * 4;
    Some(TcpSegment {
        src_port: u16::from_be_bytes([tcp[0], tcp[1]]),
        dst_port: u16::from_be_bytes([tcp[2], tcp[3]]),
        seq: u32::from_be_bytes([*tcp.get(4)?, tcp[5], tcp[6], tcp[7]]),
        flags: *tcp.get(13)?,
        payload: tcp.get(tcp_header..)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv4_tcp_packet_parses() {
        let mut packet = vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
        ];
        let mut tcp = vec![0u8; 20];
        tcp[0..2].copy_from_slice(&5000u16.to_be_bytes());
        tcp[2..4].copy_from_slice(&80u16.to_be_bytes());
        tcp[4..8].copy_from_slice(&1000u32.to_be_bytes());
        tcp[12] = 5 << 4;
        tcp[13] = 0x18;
        packet.extend(tcp);
        packet.extend(b"hello");
        let total = packet.len() as u16;
        packet[2..4].copy_from_slice(&total.to_be_bytes());
        let segment = parse_tcp(&packet).unwrap();
        assert_eq!(
            (segment.src_port, segment.dst_port, segment.seq),
            (5000, 80, 1000)
        );
        assert_eq!(segment.payload, b"hello");
        assert_eq!(parse_tcp(&packet[..10]), None);
    }
}
