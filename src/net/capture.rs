//! `--wire`: the packets of one lesson connection, captured on the loopback interface with
//! an AF_PACKET socket (root or CAP_NET_RAW).
//!
//! The tap listens to every protocol on `lo` (ETH_P_ALL), so the kernel hands it each packet
//! twice: as the packet *leaves* (PACKET_OUTGOING), and again as loopback delivers it to the
//! receiving stack (PACKET_HOST). Every packet of the connection, both ways, goes into the
//! transcript's wire model with both times (kernel timestamps); the client's data segments
//! also become `segment` events. The tap is drained right after each send() returns and right
//! before each recv() is recorded: every segment is listed after the send() that produced it
//! and before the recv() that returned its bytes. A retransmitted segment is listed again,
//! marked as such.

use std::collections::VecDeque;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU16, Ordering};

use crate::net::packet::{TcpSegment, parse_ipv4};
use crate::net::tracker::ConnectionTracker;
use crate::transcript::{Direction, Fate, Recorder, WireSource};

const ETH_P_ALL: u16 = 0x0003;
const TCP_SYN: u8 = 0x02;
/// Packets read in one drain at most: a drain never runs unbounded.
const MAX_DRAIN: usize = 100_000;
/// How long opening a tap waits for the kernel to date packets as they pass.
const STAMP_WAIT: std::time::Duration = std::time::Duration::from_millis(250);
/// Packets waiting for their arrival copy at most; older ones keep an unknown fate.
const MAX_IN_FLIGHT: usize = 10_000;

/// A capture of the packets of one connection.
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
    /// Relative sequence numbers, offsets and retransmissions of both directions.
    tracker: ConnectionTracker,
    /// Recorded packets whose arrival copy has not come yet, oldest first.
    in_flight: VecDeque<(usize, PacketKey)>,
    /// Whether the transcript knows yet that the wire comes from this capture.
    announced: bool,
    buf: Vec<u8>,
}

/// What tells a packet's arrival copy from other packets in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PacketKey {
    direction: Direction,
    seq: u32,
    ack: u32,
    flags: u8,
    payload_len: usize,
}

/// One packet read from the tap.
struct Captured {
    len: usize,
    pkttype: u8,
    /// When the kernel saw it (CLOCK_REALTIME), in nanoseconds.
    stamp_ns: Option<i128>,
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
        set_int_option(&fd, libc::SOL_SOCKET, libc::SO_RCVBUF, 4 * 1024 * 1024);
        // Each packet comes with the kernel's time of seeing it.
        set_int_option(&fd, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1);
        let tap = WireTap {
            fd,
            server_port,
            client_port: AtomicU16::new(0),
            state: Mutex::new(TapState {
                buf: vec![0; 65_536],
                ..TapState::default()
            }),
        };
        tap.wait_for_timestamps();
        Ok(tap)
    }

    /// The kernel turns packet timestamps on a moment after the first socket asks for them
    /// (a deferred switch); until then it dates each packet when it is read, which put the
    /// handshake after the data in the wire model. Send a probe datagram to ourselves over
    /// loopback until one comes back dated before it was read (at most [`STAMP_WAIT`]).
    fn wait_for_timestamps(&self) {
        let Ok(probe) = std::net::UdpSocket::bind("127.0.0.1:0") else {
            return;
        };
        let Ok(addr) = probe.local_addr() else {
            return;
        };
        let deadline = std::time::Instant::now() + STAMP_WAIT;
        let mut buf = vec![0; 2048];
        while std::time::Instant::now() < deadline {
            if probe.send_to(b"lab: timestamp probe", addr).is_err() {
                return;
            }
            let read_from = realtime_ns();
            while let Some(captured) = self.read_one(&mut buf) {
                let ours = parse_ipv4(&buf[..captured.len])
                    .and_then(|p| p.ports())
                    .is_some_and(|(_, to)| to == addr.port());
                if ours && captured.stamp_ns.is_some_and(|ns| ns < read_from) {
                    return;
                }
            }
            std::thread::sleep(std::time::Duration::from_micros(500));
        }
    }

    /// Tell the tap which connection to follow.
    pub fn follow_client_port(&self, port: u16) {
        self.client_port.store(port, Ordering::SeqCst);
    }

    /// How many data segments were recorded.
    pub fn segments(&self) -> usize {
        self.state.lock().map_or(0, |s| s.segments)
    }

    /// Read every captured packet waiting in the socket: each packet of the connection goes
    /// into the wire model, and the client's data segments become `segment` events.
    pub fn drain(&self, rec: &Recorder) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if !state.announced {
            rec.set_wire_source(WireSource::Loopback);
            state.announced = true;
        }
        // Kernel timestamps are wall-clock time; the transcript counts from the lesson's start.
        let (now_ns, now_us) = (realtime_ns(), rec.now_us());
        let to_transcript = |stamp: Option<i128>| {
            let age_us = stamp.map_or(0, |ns| (now_ns - ns).max(0) / 1000);
            now_us.saturating_sub(age_us as u64)
        };
        // The buffer leaves the state while packets are read into it, so the state can change.
        let mut buf = std::mem::take(&mut state.buf);
        for _ in 0..MAX_DRAIN {
            let Some(captured) = self.read_one(&mut buf) else {
                break;
            };
            let t_us = to_transcript(captured.stamp_ns);
            self.take(
                &mut state,
                &buf[..captured.len],
                captured.pkttype,
                t_us,
                rec,
            );
        }
        state.buf = buf;
    }

    /// Record one captured packet if it belongs to the connection.
    fn take(&self, state: &mut TapState, bytes: &[u8], pkttype: u8, t_us: u64, rec: &Recorder) {
        let client_port = self.client_port.load(Ordering::SeqCst);
        let Some(packet) = parse_ipv4(bytes) else {
            return;
        };
        let Some(segment) = packet.tcp() else {
            return;
        };
        let direction = match (segment.src_port, segment.dst_port) {
            (c, s) if c == client_port && s == self.server_port => Direction::ToServer,
            (s, c) if c == client_port && s == self.server_port => Direction::ToClient,
            _ => return,
        };
        let key = PacketKey {
            direction,
            seq: segment.seq,
            ack: segment.ack,
            flags: segment.flags,
            payload_len: segment.payload.len(),
        };
        // Loopback shows each packet leaving and then arriving: the arrival dates the delivery.
        if pkttype == libc::PACKET_HOST {
            if let Some(at) = state.in_flight.iter().position(|(_, k)| *k == key) {
                let (number, _) = state.in_flight.remove(at).expect("found just now");
                rec.set_packet_fate(number, Fate::Delivered { at_us: t_us });
            }
            return;
        }
        if pkttype != libc::PACKET_OUTGOING {
            return;
        }
        let number = rec.record_packet(state.tracker.describe(&packet, bytes, direction, t_us));
        if let Some(number) = number {
            if state.in_flight.len() == MAX_IN_FLIGHT {
                state.in_flight.pop_front();
            }
            state.in_flight.push_back((number, key));
        }
        if direction == Direction::ToServer {
            record_segment_event(state, segment, number, rec);
        }
    }

    /// One packet from the socket, without waiting, into `buf`.
    fn read_one(&self, buf: &mut [u8]) -> Option<Captured> {
        // SAFETY: all-zero is a valid sockaddr_ll (a plain struct of integers).
        let mut from: libc::sockaddr_ll = unsafe { zeroed() };
        let mut control = [0u64; 8];
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // SAFETY: as above, all-zero is a valid msghdr (null pointers, zero lengths).
        let mut msg: libc::msghdr = unsafe { zeroed() };
        msg.msg_name = (&mut from as *mut libc::sockaddr_ll).cast();
        msg.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = size_of::<[u64; 8]>() as _;
        // SAFETY: the message header points at live, writable buffers of the lengths given.
        let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT) };
        if n <= 0 {
            return None;
        }
        Some(Captured {
            len: n as usize,
            pkttype: from.sll_pkttype,
            stamp_ns: timestamp_of(&msg),
        })
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

/// The `segment` event of one of the client's packets, with the meaning it has always had:
/// each data segment once, a repeat of old bytes marked as a retransmission.
fn record_segment_event(
    state: &mut TapState,
    segment: &TcpSegment<'_>,
    packet: Option<usize>,
    rec: &Recorder,
) {
    if segment.flags & TCP_SYN != 0 {
        state.isn = Some(segment.seq);
        return;
    }
    let (Some(isn), false) = (state.isn, segment.payload.is_empty()) else {
        return;
    };
    // Stream offset: sequence numbers count from the SYN's, which takes one.
    let offset = u64::from(segment.seq.wrapping_sub(isn).wrapping_sub(1));
    let end = offset + segment.payload.len() as u64;
    if end <= state.highest {
        rec.record_segment(offset, segment.payload, true, packet);
        return;
    }
    state.highest = end;
    state.segments += 1;
    rec.record_segment(offset, segment.payload, false, packet);
}

/// The SCM_TIMESTAMPNS control message's time, in nanoseconds.
fn timestamp_of(msg: &libc::msghdr) -> Option<i128> {
    // SAFETY: the control buffer was filled by recvmsg; the CMSG macros walk it within
    // msg_controllen, and a timespec is read unaligned from the data of the right type.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SO_TIMESTAMPNS {
                let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                return Some(i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec));
            }
            cmsg = libc::CMSG_NXTHDR(msg, cmsg);
        }
    }
    None
}

/// CLOCK_REALTIME now, in nanoseconds: the clock packet timestamps use.
fn realtime_ns() -> i128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

/// setsockopt() of an int; a failure leaves the default, which still works.
fn set_int_option(fd: &OwnedFd, level: libc::c_int, name: libc::c_int, value: libc::c_int) {
    // SAFETY: a valid descriptor and a c_int option value of the right size.
    unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&value as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}
