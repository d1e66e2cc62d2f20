//! One direction of the link, as a schedule: given a packet and the time it arrived, when (and
//! whether, and how often) it is delivered. Sans-IO and clock-free — times are nanoseconds
//! since the link started — so every knob is tested without a namespace.
//!
//! Chance is drawn from the packet's *identity* (direction, sequence numbers, length, and how
//! many times the same packet went by), not from a running random stream: with the same seed
//! the same segments are lost again even when pure ACKs and timings differ between two runs.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use super::spec::{NetSpec, Ppm, REORDER_HOLD};
use crate::transcript::{Direction, DropCause, TcpFlags, WirePacket};

/// At most this many packet identities are remembered for counting repeats; then the count
/// starts over (which only matters for runs of a million distinct packets).
const MAX_IDENTITIES: usize = 1_000_000;

/// What the path does with one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Drop(DropCause),
    Deliver {
        /// When to hand it to the receiver.
        due_ns: u64,
        /// When to hand over a second copy (`duplicate`), if any.
        copy_due_ns: Option<u64>,
        /// Held back by `reorder`, so later packets may overtake it.
        held_back: bool,
    },
}

/// The schedule of one direction.
#[derive(Debug)]
pub struct Path {
    spec: NetSpec,
    seed: u64,
    /// When the rate limiter finishes sending what it has taken so far.
    busy_until_ns: u64,
    /// When each packet now waiting for the rate limiter will have left it, oldest first.
    queue: VecDeque<u64>,
    /// The latest delivery time given to a packet not held back: jitter never reorders.
    last_due_ns: u64,
    /// How many times each identity went by.
    seen: HashMap<u64, u32>,
}

impl Path {
    pub fn new(spec: &NetSpec, seed: u64, direction: Direction) -> Path {
        let salt = match direction {
            Direction::ToServer => 0x5eed_0001,
            Direction::ToClient => 0x5eed_0002,
        };
        Path {
            spec: spec.clone(),
            seed: mix(seed, salt),
            busy_until_ns: 0,
            queue: VecDeque::new(),
            last_due_ns: 0,
            seen: HashMap::new(),
        }
    }

    /// Decide the fate of a packet of `ip_len` bytes with identity `identity` (see
    /// [`identity_of`]) that arrived at `now_ns`.
    pub fn admit(&mut self, now_ns: u64, identity: u64, ip_len: usize) -> Outcome {
        let draw = if self.draws_anything() {
            if self.seen.len() >= MAX_IDENTITIES {
                self.seen.clear();
            }
            let repeat = self.seen.entry(identity).or_insert(0);
            *repeat += 1;
            Draws {
                key: mix(self.seed, mix(identity, u64::from(*repeat))),
            }
        } else {
            // Nothing left to chance: no need to remember who went by.
            Draws { key: 0 }
        };
        if draw.happens(self.spec.loss, 1) {
            return Outcome::Drop(DropCause::Loss);
        }
        let left_ns = match self.leave_rate_limiter(now_ns, ip_len) {
            Some(t) => t,
            None => return Outcome::Drop(DropCause::QueueFull),
        };
        let jitter = nanos(self.spec.jitter);
        let mut due_ns = (left_ns + nanos(self.spec.delay) + draw.within(jitter, 2))
            .saturating_sub(jitter)
            .max(left_ns);
        let held_back = draw.happens(self.spec.reorder, 3);
        if held_back {
            due_ns += nanos(REORDER_HOLD);
        } else {
            due_ns = due_ns.max(self.last_due_ns);
            self.last_due_ns = due_ns;
        }
        let copy_due_ns = draw.happens(self.spec.duplicate, 4).then_some(due_ns);
        Outcome::Deliver {
            due_ns,
            copy_due_ns,
            held_back,
        }
    }

    /// Whether any knob is left to chance (loss, reorder, duplicate, jitter).
    pub fn draws_anything(&self) -> bool {
        let s = &self.spec;
        !(s.loss.is_zero() && s.reorder.is_zero() && s.duplicate.is_zero() && s.jitter.is_zero())
    }

    /// When a packet arriving at `now_ns` has gone through the rate limiter, or `None` when
    /// its queue is full. Without a rate, at once.
    fn leave_rate_limiter(&mut self, now_ns: u64, ip_len: usize) -> Option<u64> {
        let Some(rate) = self.spec.rate else {
            return Some(now_ns);
        };
        while self.queue.front().is_some_and(|&left| left <= now_ns) {
            self.queue.pop_front();
        }
        if self.queue.len() >= self.spec.queue {
            return None;
        }
        let sending_ns = (ip_len as u128 * 8 * 1_000_000_000 / u128::from(rate)) as u64;
        let left = self.busy_until_ns.max(now_ns) + sending_ns;
        self.busy_until_ns = left;
        self.queue.push_back(left);
        Some(left)
    }
}

/// Random draws for one packet, each knob from its own stream.
struct Draws {
    key: u64,
}

impl Draws {
    /// True with chance `p`.
    fn happens(&self, p: Ppm, stream: u64) -> bool {
        !p.is_zero() && mix(self.key, stream) % 1_000_000 < u64::from(p.0)
    }

    /// A number in `0..=2 × spread`.
    fn within(&self, spread: u64, stream: u64) -> u64 {
        if spread == 0 {
            return 0;
        }
        mix(self.key, stream) % (2 * spread + 1)
    }
}

/// What makes a packet the same packet in another run: its direction, protocol, sequence
/// space (relative to the SYNs) or stream offset, length and flags — not its time, nor the
/// random initial sequence numbers.
pub fn identity_of(packet: &WirePacket) -> u64 {
    let direction = match packet.direction {
        Direction::ToServer => 1,
        Direction::ToClient => 2,
    };
    let mut key = mix(direction, u64::from(packet.protocol));
    key = mix(key, packet.payload_len as u64);
    match &packet.tcp {
        // A pure ACK is known by what it acknowledges; anything else by where it starts.
        Some(tcp) if packet.is_pure_ack() => mix(key, u64::from(tcp.rel_ack.unwrap_or(0)) << 1),
        Some(tcp) => {
            let flags = tcp.flags.0 & (TcpFlags::SYN.0 | TcpFlags::FIN.0 | TcpFlags::RST.0);
            let key = mix(key, u64::from(tcp.rel_seq.unwrap_or(0)) << 1 | 1);
            mix(key, u64::from(flags))
        }
        None => mix(key, packet.offset.unwrap_or(u64::MAX)),
    }
}

/// A 64-bit mixing step (SplitMix64's finaliser over the sum): different inputs, unrelated
/// outputs.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(b)
        .wrapping_add(0x6a09_e667_f3bc_c909);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn nanos(d: Duration) -> u64 {
    d.as_nanos().min(u128::from(u64::MAX)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn path(spec: &str) -> Path {
        Path::new(&spec.parse().unwrap(), 7, Direction::ToServer)
    }

    fn due(outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Deliver { due_ns, .. } => due_ns,
            Outcome::Drop(cause) => panic!("dropped: {cause:?}"),
        }
    }

    #[test]
    fn a_clean_path_delivers_at_once_and_a_delay_later() {
        assert_eq!(due(path("").admit(5, 1, 100)), 5);
        assert_eq!(due(path("delay=20ms").admit(5, 1, 100)), 5 + 20 * MS);
    }

    #[test]
    fn loss_drops_about_its_share_and_the_same_seed_drops_the_same_packets() {
        let run = || {
            let mut p = path("loss=10%");
            (0..10_000)
                .filter(|&i| p.admit(0, i, 100) == Outcome::Drop(DropCause::Loss))
                .collect::<Vec<u64>>()
        };
        let lost = run();
        assert!((800..1200).contains(&lost.len()), "{} lost", lost.len());
        assert_eq!(run(), lost);
        let mut other = Path::new(&"loss=10%".parse().unwrap(), 8, Direction::ToServer);
        let other_lost: Vec<u64> = (0..10_000)
            .filter(|&i| other.admit(0, i, 100) == Outcome::Drop(DropCause::Loss))
            .collect();
        assert_ne!(other_lost, lost, "another seed, other losses");
    }

    #[test]
    fn a_retransmission_of_a_lost_packet_gets_a_fresh_draw() {
        let mut p = path("loss=50%");
        let fates: Vec<Outcome> = (0..40).map(|_| p.admit(0, 42, 100)).collect();
        assert!(fates.iter().any(|o| matches!(o, Outcome::Deliver { .. })));
        assert!(fates.iter().any(|o| matches!(o, Outcome::Drop(_))));
    }

    #[test]
    fn jitter_varies_the_delay_but_never_reorders() {
        let mut p = path("delay=20ms,jitter=5ms");
        let dues: Vec<u64> = (0..200).map(|i| due(p.admit(i * 1000, i, 100))).collect();
        assert!(dues.windows(2).all(|w| w[0] <= w[1]), "jitter reordered");
        assert!(
            dues.iter()
                .all(|&d| (15 * MS..=25 * MS + 200 * 1000).contains(&d))
        );
        assert!(dues.iter().any(|&d| d != dues[0]), "no jitter at all");
    }

    #[test]
    fn a_rate_spaces_packets_and_a_full_queue_drops() {
        // 1500 bytes at 12 Mbit/s take 1 ms to leave.
        let mut p = path("rate=12mbit,queue=3");
        let outcomes: Vec<Outcome> = (0..5).map(|i| p.admit(0, i, 1500)).collect();
        assert_eq!(due(outcomes[0]), MS);
        assert_eq!(due(outcomes[1]), 2 * MS);
        assert_eq!(due(outcomes[2]), 3 * MS);
        assert_eq!(outcomes[3], Outcome::Drop(DropCause::QueueFull));
        // Once the first has left, there is room again.
        assert_eq!(due(p.admit(MS, 9, 1500)), 4 * MS);
    }

    #[test]
    fn reorder_holds_a_packet_back_and_duplicate_makes_a_copy() {
        let mut p = path("reorder=100%,duplicate=100%");
        match p.admit(0, 1, 100) {
            Outcome::Deliver {
                due_ns,
                copy_due_ns,
                held_back,
            } => {
                assert!(held_back);
                assert_eq!(due_ns, nanos(REORDER_HOLD));
                assert_eq!(copy_due_ns, Some(due_ns));
            }
            other => panic!("{other:?}"),
        }
    }
}
