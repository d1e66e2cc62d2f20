//! The link's one thread: it reads packets from both TUN devices, lets each direction's
//! [`Path`] decide what becomes of them, and writes them into the other namespace when they
//! are due — recording every packet in the transcript's wire model as it goes, and the ones a
//! lesson's view shows (data, and ACKs of data) as `segment` events.
//!
//! A packet's `segment` event is recorded when the link reads it, before it is written on:
//! so it is listed after the send() that made it and before the recv() that returns its bytes.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::path::{Outcome, Path, identity_of};
use super::spec::NetSpec;
use super::tun::Tun;
use crate::net::packet::parse_ipv4;
use crate::net::tracker::ConnectionTracker;
use crate::transcript::{
    Direction, Fate, PACKET_BYTES_BUDGET, Recorder, Side, WirePacket, WireSource,
};

/// Packets read from one device before the other gets its turn.
const READ_BATCH: usize = 64;
/// The longest the loop sleeps with nothing due, so a stop is noticed even without a wake-up.
const IDLE_WAIT: Duration = Duration::from_millis(100);

/// Tells the forwarder to finish; safe to share with the thread that runs it.
#[derive(Debug)]
pub struct StopSignal {
    requested: AtomicBool,
    /// An eventfd the loop polls, so a stop wakes it at once.
    wake: OwnedFd,
}

impl StopSignal {
    pub fn new() -> io::Result<StopSignal> {
        // SAFETY: plain eventfd(2); the descriptor is owned right away.
        let raw = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(StopSignal {
            requested: AtomicBool::new(false),
            // SAFETY: a fresh descriptor nothing else owns.
            wake: unsafe { OwnedFd::from_raw_fd(raw) },
        })
    }

    /// Ask the forwarder to stop once what is on the path has arrived (at most `linger`).
    pub fn request(&self) {
        self.requested.store(true, Ordering::SeqCst);
        let one: u64 = 1;
        // SAFETY: an eventfd takes an 8-byte counter increment.
        unsafe { libc::write(self.wake.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }
}

/// What the link moved in all, for the figures under a view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Packets read from each side (client's, server's).
    pub packets: [u64; 2],
    /// Bytes read from each side.
    pub bytes: [u64; 2],
    /// Packets that were not IPv4 (the kernel's IPv6 chatter), not carried.
    pub not_ipv4: u64,
}

/// A packet waiting for its time.
#[derive(Debug)]
struct Pending {
    due_ns: u64,
    /// Arrival order on the link: ties go first come, first served.
    order: u64,
    /// The packet's number in the wire model, when it was kept.
    number: Option<usize>,
    /// A second copy made by `duplicate`: the description to record when it is delivered.
    copy: Option<Box<WirePacket>>,
    bytes: Vec<u8>,
}

impl Pending {
    /// Earliest due first; then first come; an original before its copy.
    fn key(&self) -> (u64, u64, bool) {
        (self.due_ns, self.order, self.copy.is_some())
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// The forwarding loop and everything it keeps.
pub struct Forwarder {
    /// The client's device, then the server's: what is read from `tuns[i]` is written to the
    /// other one.
    tuns: [Tun; 2],
    paths: [Path; 2],
    pending: [BinaryHeap<Reverse<Pending>>; 2],
    tracker: ConnectionTracker,
    rec: Recorder,
    started: Instant,
    /// Arrival order of the next packet.
    order: u64,
    /// The latest arrival order delivered each way, to tell a reordered delivery.
    latest_delivered: [Option<u64>; 2],
    /// Just past the last data byte each side has sent: an ACK below it acknowledges data.
    data_end: [u64; 2],
    /// Payload bytes given to `segment` events so far (bounded like the wire's bytes).
    event_bytes: usize,
    /// How long to wait, after a stop, for packets still on the path.
    linger: Duration,
    stats: LinkStats,
}

fn direction_of(side: usize) -> Direction {
    if side == 0 {
        Direction::ToServer
    } else {
        Direction::ToClient
    }
}

impl Forwarder {
    pub fn new(tuns: [Tun; 2], spec: &NetSpec, seed: u64, rec: Recorder) -> Forwarder {
        rec.set_wire_source(WireSource::Link);
        Forwarder {
            tuns,
            paths: [
                Path::new(spec, seed, Direction::ToServer),
                Path::new(spec, seed, Direction::ToClient),
            ],
            pending: [BinaryHeap::new(), BinaryHeap::new()],
            tracker: ConnectionTracker::new(),
            rec,
            started: Instant::now(),
            order: 0,
            latest_delivered: [None; 2],
            data_end: [0; 2],
            event_bytes: 0,
            linger: spec.delay
                + spec.jitter
                + 2 * super::spec::REORDER_HOLD
                + Duration::from_millis(20),
            stats: LinkStats::default(),
        }
    }

    /// Forward until `stop` is asked for and the path is empty (or `linger` has passed).
    pub fn run(mut self, stop: &StopSignal) -> LinkStats {
        // Wake-ups as precise as the kernel gives: the default slack is 50 µs.
        // SAFETY: prctl on this thread only.
        unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1_000u64) };
        let mut buf = vec![0u8; 65_536];
        let mut stop_by: Option<Instant> = None;
        loop {
            self.deliver_due();
            if stop_by.is_none() && stop.requested() {
                stop_by = Some(Instant::now() + self.linger);
            }
            let now = Instant::now();
            let empty = self.pending.iter().all(BinaryHeap::is_empty);
            if stop_by.is_some_and(|at| empty || now >= at) {
                return self.stats;
            }
            let mut wait = self
                .next_due()
                .map_or(IDLE_WAIT, |due| due.saturating_duration_since(now));
            if let Some(at) = stop_by {
                wait = wait.min(at.saturating_duration_since(now));
            }
            // Once stopping, the (still signalled) wake-up descriptor is left out.
            let wake = stop_by.is_none().then_some(&stop.wake);
            let ready = wait_readable(&self.tuns, wake, wait.min(IDLE_WAIT));
            for (side, readable) in ready.into_iter().enumerate() {
                if readable {
                    self.read_side(side, &mut buf);
                }
            }
        }
    }

    fn now_ns(&self) -> u64 {
        self.started.elapsed().as_nanos() as u64
    }

    fn next_due(&self) -> Option<Instant> {
        self.pending
            .iter()
            .filter_map(|heap| heap.peek())
            .map(|Reverse(p)| p.due_ns)
            .min()
            .map(|ns| self.started + Duration::from_nanos(ns))
    }

    /// Read what one device has (a batch at most) and send each packet on its way.
    fn read_side(&mut self, side: usize, buf: &mut [u8]) {
        for _ in 0..READ_BATCH {
            match self.tuns[side].read(buf) {
                Ok(n) => self.take(side, &buf[..n]),
                Err(_) => return,
            }
        }
    }

    /// One packet read from `side`'s device: describe it, record it, let the path decide.
    fn take(&mut self, side: usize, bytes: &[u8]) {
        let Some(packet) = parse_ipv4(bytes) else {
            self.stats.not_ipv4 += 1;
            return;
        };
        self.stats.packets[side] += 1;
        self.stats.bytes[side] += bytes.len() as u64;
        let direction = direction_of(side);
        let mut described = self
            .tracker
            .describe(&packet, bytes, direction, self.rec.now_us());
        let now_ns = self.now_ns();
        let outcome = self.paths[side].admit(now_ns, identity_of(&described), bytes.len());
        if let Outcome::Drop(cause) = outcome {
            described.fate = Fate::Dropped { cause };
        }
        if described.is_data() {
            let end = described.offset.unwrap_or(0) + described.payload_len as u64;
            self.data_end[side] = self.data_end[side].max(end);
        }
        let shown = self.shows_as_event(&described);
        let payload_at = bytes.len() - described.payload_len;
        let copy = match outcome {
            Outcome::Deliver {
                copy_due_ns: Some(_),
                ..
            } => Some(described.clone()),
            _ => None,
        };
        let offset = described.offset;
        let number = self.rec.record_packet(described);
        if shown && number.is_some() {
            self.record_event(side, offset, &bytes[payload_at..], number);
        }
        let Outcome::Deliver {
            due_ns,
            copy_due_ns,
            ..
        } = outcome
        else {
            return;
        };
        self.order += 1;
        let order = self.order;
        if due_ns <= now_ns && self.pending[side].is_empty() && copy.is_none() {
            self.deliver(side, order, number, None, bytes);
            return;
        }
        self.pending[side].push(Reverse(Pending {
            due_ns,
            order,
            number,
            copy: None,
            bytes: bytes.to_vec(),
        }));
        if let (Some(copy_due_ns), Some(mut copy)) = (copy_due_ns, copy) {
            copy.duplicate_of = number;
            self.pending[side].push(Reverse(Pending {
                due_ns: copy_due_ns,
                order,
                number: None,
                copy: Some(Box::new(copy)),
                bytes: bytes.to_vec(),
            }));
        }
    }

    /// Data, and ACKs of data, are what a lesson's view shows on the wire; the handshake,
    /// FINs and their ACKs are only in the wire model.
    fn shows_as_event(&self, packet: &WirePacket) -> bool {
        if packet.payload_len > 0 {
            return packet.tcp.is_some() || packet.protocol == crate::net::packet::PROTO_UDP;
        }
        let peer = 1 - side_of(packet.direction);
        let acked = packet.tcp.and_then(|t| t.rel_ack).unwrap_or(0);
        packet.is_pure_ack() && acked >= 2 && u64::from(acked) - 1 <= self.data_end[peer]
    }

    fn record_event(
        &mut self,
        side: usize,
        offset: Option<u64>,
        payload: &[u8],
        number: Option<usize>,
    ) {
        if self.event_bytes + payload.len() > PACKET_BYTES_BUDGET {
            return;
        }
        self.event_bytes += payload.len();
        let sender = if side == 0 {
            Side::Client
        } else {
            Side::Server
        };
        self.rec
            .record_link_segment(sender, offset.unwrap_or(0), payload, number);
    }

    /// Deliver every packet whose time has come, each way.
    fn deliver_due(&mut self) {
        let now_ns = self.now_ns();
        for side in 0..2 {
            while self.pending[side]
                .peek()
                .is_some_and(|Reverse(p)| p.due_ns <= now_ns)
            {
                let Some(Reverse(p)) = self.pending[side].pop() else {
                    break;
                };
                self.deliver(side, p.order, p.number, p.copy.map(|c| *c), &p.bytes);
            }
        }
    }

    /// Write a packet into the other namespace and record when.
    fn deliver(
        &mut self,
        side: usize,
        order: u64,
        number: Option<usize>,
        copy: Option<WirePacket>,
        bytes: &[u8],
    ) {
        // A write fails only when the device is gone: the run is ending anyway.
        let _ = self.tuns[1 - side].write(bytes);
        let at_us = self.rec.now_us();
        let number = match copy {
            Some(mut copy) => {
                copy.fate = Fate::Delivered { at_us };
                self.rec.record_packet(copy)
            }
            None => {
                if let Some(n) = number {
                    self.rec.set_packet_fate(n, Fate::Delivered { at_us });
                }
                number
            }
        };
        match self.latest_delivered[side] {
            Some(latest) if order < latest => {
                if let Some(n) = number {
                    self.rec.mark_reordered(n);
                }
            }
            _ => self.latest_delivered[side] = Some(order),
        }
    }
}

fn side_of(direction: Direction) -> usize {
    match direction {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

/// Wait until either device has a packet, the stop signal fires, or `wait` passes; which
/// devices are readable.
fn wait_readable(tuns: &[Tun; 2], wake: Option<&OwnedFd>, wait: Duration) -> [bool; 2] {
    // poll() skips a negative descriptor.
    let wake = wake.map_or(-1, AsRawFd::as_raw_fd);
    let mut fds = [tuns[0].as_raw_fd(), tuns[1].as_raw_fd(), wake].map(|fd| libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    });
    let timeout = libc::timespec {
        tv_sec: wait.as_secs() as libc::time_t,
        tv_nsec: wait.subsec_nanos() as libc::c_long,
    };
    // SAFETY: three valid pollfds and a timespec, for the duration of the call.
    let n = unsafe { libc::ppoll(fds.as_mut_ptr(), 3, &timeout, std::ptr::null()) };
    if n <= 0 {
        return [false; 2];
    }
    [fds[0].revents != 0, fds[1].revents != 0]
}
