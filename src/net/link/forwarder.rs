//! The link's one thread: it reads packets from both TUN devices, lets each direction's
//! [`Path`] decide what becomes of them, and writes them into the other namespace when they
//! are due — having the [`LinkRecorder`] write each one down as it goes.
//!
//! A packet is recorded when the link reads it, before it is written on: so its `segment`
//! event is listed after the send() that made it and before the recv() that returns its bytes.
//! With offload (see [`super::gso`]) one read may be a super-packet standing for many
//! segments: it is recorded segment by segment and forwarded whole.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use std::ops::Range;

use super::gso::{self, VNET_HEADER_LEN, VnetHeader};
use super::path::{Outcome, Path, identity_of};
use super::record::LinkRecorder;
use super::spec::NetSpec;
use super::tun::Tun;
use crate::transcript::{Direction, Fate, Recorder, WirePacket, WireSource};

/// Packets read from one device before the other gets its turn.
const READ_BATCH: usize = 64;
/// The longest the loop sleeps with nothing due, so a stop is noticed even without a wake-up.
const IDLE_WAIT: Duration = Duration::from_millis(100);

/// Tells the forwarder to finish; safe to share with the thread that runs it.
#[derive(Debug)]
pub struct StopSignal {
    requested: AtomicBool,
    /// Stop without letting what is on the path arrive (Ctrl-C, an error).
    at_once: AtomicBool,
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
            at_once: AtomicBool::new(false),
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

    /// Ask the forwarder to stop now: what is still on the path is never delivered.
    pub fn request_at_once(&self) {
        self.at_once.store(true, Ordering::SeqCst);
        self.request();
    }

    fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    fn at_once(&self) -> bool {
        self.at_once.load(Ordering::SeqCst)
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
    /// The numbers in the wire model of the packets it stands for (empty when not kept).
    numbers: Range<usize>,
    /// A second copy made by `duplicate`: the description to record when it is delivered.
    copy: Option<Box<WirePacket>>,
    /// What was read from the device (with offload, the virtio-net header first).
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

/// What the path decided for one read, and what was recorded of it.
struct Taken {
    outcome: Outcome,
    numbers: Range<usize>,
    copy: Option<WirePacket>,
}

impl Taken {
    /// An outcome with nothing recorded.
    fn bare(outcome: Outcome) -> Taken {
        Taken {
            outcome,
            numbers: 0..0,
            copy: None,
        }
    }
}

/// The forwarding loop and everything it keeps.
pub struct Forwarder {
    /// The client's device, then the server's: what is read from `tuns[i]` is written to the
    /// other one.
    tuns: [Tun; 2],
    /// The devices carry a virtio-net header before each packet (segmentation offload).
    offload: bool,
    paths: [Path; 2],
    pending: [BinaryHeap<Reverse<Pending>>; 2],
    notes: LinkRecorder,
    started: Instant,
    /// Arrival order of the next packet.
    order: u64,
    /// The latest arrival order delivered each way, to tell a reordered delivery.
    latest_delivered: [Option<u64>; 2],
    /// How long to wait, after a stop, for packets still on the path.
    linger: Duration,
    stats: LinkStats,
}

impl Forwarder {
    pub fn new(tuns: [Tun; 2], spec: &NetSpec, seed: u64, rec: Recorder) -> Forwarder {
        rec.set_wire_source(WireSource::Link);
        let offload = tuns[0].offload();
        Forwarder {
            tuns,
            offload,
            paths: [
                Path::new(spec, seed, Direction::ToServer),
                Path::new(spec, seed, Direction::ToClient),
            ],
            pending: [BinaryHeap::new(), BinaryHeap::new()],
            notes: LinkRecorder::new(rec),
            started: Instant::now(),
            order: 0,
            latest_delivered: [None; 2],
            linger: spec.delay
                + spec.jitter
                + 2 * super::spec::REORDER_HOLD
                + Duration::from_millis(20),
            stats: LinkStats::default(),
        }
    }

    /// Forward until `stop` is asked for and the path is empty (or `linger` has passed).
    pub fn run(mut self, stop: &StopSignal) -> LinkStats {
        keep_time();
        let mut buf = vec![0u8; VNET_HEADER_LEN + 65_536];
        let mut stop_by: Option<Instant> = None;
        loop {
            self.deliver_due();
            if stop_by.is_none() && stop.requested() {
                stop_by = Some(Instant::now() + self.linger);
            }
            let now = Instant::now();
            let empty = self.pending.iter().all(BinaryHeap::is_empty);
            if stop.at_once() || stop_by.is_some_and(|at| empty || now >= at) {
                self.notes.finish();
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

    /// One read from `side`'s device: record it, let the path decide, deliver or queue it.
    fn take(&mut self, side: usize, read: &[u8]) {
        let (header, packet) = match self.offload {
            true if read.len() >= VNET_HEADER_LEN => {
                (VnetHeader::parse(read), &read[VNET_HEADER_LEN..])
            }
            _ => (None, read),
        };
        if packet.first().map(|b| b >> 4) != Some(4) {
            self.stats.not_ipv4 += 1;
            return;
        }
        self.stats.packets[side] += 1;
        self.stats.bytes[side] += packet.len() as u64;
        let now_ns = self.now_ns();
        let taken = match header {
            Some(header) => self.take_offloaded(side, &header, packet, now_ns),
            None => self.take_one(side, packet, now_ns),
        };
        let Outcome::Deliver {
            due_ns,
            copy_due_ns,
            ..
        } = taken.outcome
        else {
            return;
        };
        self.order += 1;
        let order = self.order;
        if due_ns <= now_ns && self.pending[side].is_empty() && taken.copy.is_none() {
            self.deliver(side, order, taken.numbers, None, read);
            return;
        }
        let original = (!taken.numbers.is_empty()).then_some(taken.numbers.start);
        self.pending[side].push(Reverse(Pending {
            due_ns,
            order,
            numbers: taken.numbers,
            copy: None,
            bytes: read.to_vec(),
        }));
        if let (Some(copy_due_ns), Some(mut copy)) = (copy_due_ns, taken.copy) {
            copy.duplicate_of = original;
            self.pending[side].push(Reverse(Pending {
                due_ns: copy_due_ns,
                order,
                numbers: 0..0,
                copy: Some(Box::new(copy)),
                bytes: read.to_vec(),
            }));
        }
    }

    /// A plain packet: described first, since the path's draws depend on what it is.
    fn take_one(&mut self, side: usize, packet: &[u8], now_ns: u64) -> Taken {
        let path = &mut self.paths[side];
        // Once the wire keeps no more, a path that draws nothing needs no description.
        if self.notes.is_full() && !path.draws_anything() {
            self.notes.skip(1);
            return Taken::bare(path.admit(now_ns, 0, packet.len()));
        }
        let sent_us = self.notes.now_us();
        let Some(mut described) = self.notes.describe(side, packet, sent_us) else {
            return Taken::bare(self.paths[side].admit(now_ns, 0, packet.len()));
        };
        let outcome = self.paths[side].admit(now_ns, identity_of(&described), packet.len());
        let copy = match outcome {
            Outcome::Drop(cause) => {
                described.fate = Fate::Dropped { cause };
                None
            }
            Outcome::Deliver {
                copy_due_ns: Some(_),
                ..
            } => Some(described.clone()),
            Outcome::Deliver { .. } => None,
        };
        let numbers = self.notes.keep(described).map_or(0..0, |n| n..n + 1);
        Taken {
            outcome,
            numbers,
            copy,
        }
    }

    /// A read with a virtio-net header (a path that draws nothing): recorded as the packets
    /// it stands for on the wire, decided and forwarded as one.
    fn take_offloaded(
        &mut self,
        side: usize,
        header: &VnetHeader,
        packet: &[u8],
        now_ns: u64,
    ) -> Taken {
        let outcome = self.paths[side].admit(now_ns, 0, packet.len());
        if self.notes.is_full() {
            self.notes.skip(gso::segment_count(header, packet) as u64);
            return Taken::bare(outcome);
        }
        let sent_us = self.notes.now_us();
        let mut numbers: Option<Range<usize>> = None;
        for wire_packet in gso::wire_packets(header, packet) {
            let Some(described) = self.notes.describe(side, &wire_packet, sent_us) else {
                continue;
            };
            if let Some(n) = self.notes.keep(described) {
                let first = numbers.map_or(n, |r| r.start);
                numbers = Some(first..n + 1);
            }
        }
        Taken {
            outcome,
            numbers: numbers.unwrap_or(0..0),
            copy: None,
        }
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
                self.deliver(side, p.order, p.numbers, p.copy.map(|c| *c), &p.bytes);
            }
        }
    }

    /// Write a read into the other namespace and record when.
    fn deliver(
        &mut self,
        side: usize,
        order: u64,
        numbers: Range<usize>,
        copy: Option<WirePacket>,
        bytes: &[u8],
    ) {
        // The time of handing over, before the receiving stack runs inside write().
        let at_us = self.notes.now_us();
        // A write fails only when the device is gone: the run is ending anyway.
        let _ = self.tuns[1 - side].write(bytes);
        let numbers = match copy {
            Some(copy) => {
                let original = copy.duplicate_of;
                self.notes
                    .keep_copy(copy, original, at_us)
                    .map_or(0..0, |n| n..n + 1)
            }
            None => {
                self.notes.delivered(numbers.clone(), at_us);
                numbers
            }
        };
        match self.latest_delivered[side] {
            Some(latest) if order < latest => self.notes.reordered(numbers),
            _ => self.latest_delivered[side] = Some(order),
        }
    }
}

/// Make this thread wake on time: timers as precise as the kernel gives (the default slack is
/// 50 µs), and ahead of ordinary work on a busy machine — the lowest real-time priority where
/// allowed (root), else nice -10, else as it is. Only this thread; it sleeps whenever no
/// packet is due, and the kernel keeps real-time threads from taking a whole CPU.
fn keep_time() {
    let lowest = libc::sched_param { sched_priority: 1 };
    // SAFETY: prctl, sched_setscheduler and setpriority on this thread only (tid 0 = self).
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1_000u64);
        if libc::sched_setscheduler(0, libc::SCHED_FIFO, &lowest) != 0 {
            libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, -10);
        }
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
