//! What the `--net` link saw, counted from the wire model: packets each way, data segments and
//! their sizes, losses and retransmissions, the round trip, slow start's flights — and which
//! segments the sender held back until an ACK came (Nagle's algorithm at work).
//!
//! Typed facts only; the view puts them into words.

use serde::Serialize;

use crate::net::link::NetSpec;
use crate::transcript::{Direction, DropCause, Fate, Op, Piece, TcpFlags, Transcript, WirePacket};

/// A segment counts as held back when it left at least this long after the send() that gave
/// it its last byte…
const HELD_AT_LEAST_US: u64 = 2_000;
/// …and within this long after an ACK reached the sender (the ACK released it).
const RELEASED_WITHIN_US: u64 = 2_000;
/// Round trips shorter than this have no flights worth telling apart.
const MIN_RTT_FOR_FLIGHTS_US: u64 = 2_000;

/// The link's figures for one run (the `link` object of the JSON summary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkFacts {
    pub mtu: u32,
    /// One-way delay and jitter, in microseconds.
    pub delay_us: u64,
    pub jitter_us: u64,
    /// Chances in parts per million.
    pub loss_ppm: u32,
    pub reorder_ppm: u32,
    pub duplicate_ppm: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_bps: Option<u64>,
    /// The rate limiter's queue, in packets.
    pub queue: usize,
    /// The seed of this run's draws: the same seed, the same losses.
    pub seed: u64,
    pub packets_to_server: usize,
    pub packets_to_client: usize,
    /// Segments carrying the client's bytes for the first time.
    pub data_segments: usize,
    /// The largest payload one of them carried.
    pub largest_segment: usize,
    /// The client's segments sent again.
    pub retransmissions: usize,
    /// Packets the link dropped on purpose (`loss`), both ways.
    pub lost: usize,
    /// How many of them carried data (the rest were ACKs, handshake or FIN packets).
    pub lost_with_data: usize,
    /// A SYN or SYN-ACK sent again (its first copy or the answer lost): how long after the
    /// first one it left — the kernel's handshake timer (1 s, then doubling).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake_resent_after_us: Option<u64>,
    /// Packets dropped because the rate limiter's queue was full.
    pub queue_drops: usize,
    /// Extra copies the link delivered (`duplicate`).
    pub duplicated: usize,
    /// Packets delivered after one that left later (`reorder`).
    pub reordered: usize,
    /// The handshake's round trip: the client's SYN leaving to the server's SYN-ACK arriving.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake_rtt_us: Option<u64>,
    /// The client's data segments per round trip, in order (slow start grows them); empty when
    /// the round trip is too short to tell flights apart.
    pub flights: Vec<usize>,
    /// Segments the sender held back until an ACK came.
    pub held: Vec<HeldSegment>,
}

/// A segment that waited for an ACK before it left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldSegment {
    /// Which way it travels.
    pub direction: Direction,
    /// Its packet number in the wire.
    pub packet: usize,
    pub bytes: usize,
    /// The message pieces it carries.
    pub pieces: Vec<Piece>,
    /// From the send() that gave it its last byte to the moment it left.
    pub waited_us: u64,
    /// The ACK that released it (packet number), and the data segment that ACK completed.
    pub ack_packet: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acked_packet: Option<usize>,
    /// The message pieces of the acknowledged segment.
    pub acked_pieces: Vec<Piece>,
}

/// The link's facts, when the run went over a link (`spec` is the spec as run, seed included).
pub fn link_facts(t: &Transcript, spec: &NetSpec) -> LinkFacts {
    let wire = &t.wire;
    let up: Vec<&WirePacket> = wire.packets_to(Direction::ToServer).collect();
    let first_data = first_data(t, Direction::ToServer);
    let dropped = |cause| {
        wire.packets
            .iter()
            .filter(|p| p.fate == Fate::Dropped { cause })
            .count()
    };
    let handshake_rtt_us = handshake_rtt(&wire.packets);
    LinkFacts {
        mtu: spec.mtu,
        delay_us: spec.delay.as_micros() as u64,
        jitter_us: spec.jitter.as_micros() as u64,
        loss_ppm: spec.loss.0,
        reorder_ppm: spec.reorder.0,
        duplicate_ppm: spec.duplicate.0,
        rate_bps: spec.rate,
        queue: spec.queue,
        seed: spec.seed.unwrap_or(0),
        packets_to_server: up.iter().filter(|p| p.duplicate_of.is_none()).count(),
        packets_to_client: wire
            .packets_to(Direction::ToClient)
            .filter(|p| p.duplicate_of.is_none())
            .count(),
        data_segments: first_data.len(),
        largest_segment: first_data.iter().map(|p| p.payload_len).max().unwrap_or(0),
        retransmissions: up
            .iter()
            .filter(|p| p.retransmission && p.duplicate_of.is_none())
            .count(),
        lost: dropped(DropCause::Loss),
        lost_with_data: wire
            .packets
            .iter()
            .filter(|p| {
                p.fate
                    == Fate::Dropped {
                        cause: DropCause::Loss,
                    }
                    && p.payload_len > 0
            })
            .count(),
        handshake_resent_after_us: handshake_resent_after(&wire.packets),
        queue_drops: dropped(DropCause::QueueFull),
        duplicated: wire
            .packets
            .iter()
            .filter(|p| p.duplicate_of.is_some())
            .count(),
        reordered: wire.packets.iter().filter(|p| p.reordered).count(),
        handshake_rtt_us,
        flights: flights(&first_data, handshake_rtt_us),
        held: held_segments(t, Direction::ToServer),
    }
}

/// SYN out to SYN-ACK in, both on the link's clock.
fn handshake_rtt(packets: &[WirePacket]) -> Option<u64> {
    let syn = packets
        .iter()
        .find(|p| p.direction == Direction::ToServer && p.flags().contains(TcpFlags::SYN))?;
    let syn_ack = packets.iter().find(|p| {
        p.direction == Direction::ToClient
            && p.flags()
                .contains(TcpFlags(TcpFlags::SYN.0 | TcpFlags::ACK.0))
    })?;
    Some(syn_ack.delivered_us()?.saturating_sub(syn.sent_us))
}

/// The first SYN or SYN-ACK sent again, timed from the first of its kind.
fn handshake_resent_after(packets: &[WirePacket]) -> Option<u64> {
    let syn = |p: &&WirePacket| p.flags().contains(TcpFlags::SYN);
    let again = packets.iter().filter(syn).find(|p| p.retransmission)?;
    let first = packets
        .iter()
        .filter(syn)
        .find(|p| p.direction == again.direction)?;
    Some(again.sent_us.saturating_sub(first.sent_us))
}

/// Data segments per flight: a new flight starts after a pause of over half a round trip.
fn flights(data: &[&WirePacket], rtt_us: Option<u64>) -> Vec<usize> {
    let Some(rtt) = rtt_us.filter(|&r| r >= MIN_RTT_FOR_FLIGHTS_US) else {
        return Vec::new();
    };
    let mut flights: Vec<usize> = Vec::new();
    let mut last: Option<u64> = None;
    for p in data {
        match last {
            Some(t) if p.sent_us.saturating_sub(t) <= rtt / 2 => {
                if let Some(n) = flights.last_mut() {
                    *n += 1;
                }
            }
            _ => flights.push(1),
        }
        last = Some(p.sent_us);
    }
    flights
}

/// The payload of a full-size segment travelling `direction`, as the wire tells it: the
/// receiver's MSS option less the options the data segments carry (timestamps: 12 bytes).
fn full_segment(packets: &[WirePacket], direction: Direction) -> usize {
    let announced = packets
        .iter()
        .filter(|p| p.direction == direction.reverse())
        .find_map(|p| p.tcp.and_then(|t| t.mss));
    let options = packets
        .iter()
        .filter(|p| p.direction == direction && p.is_data())
        .find_map(|p| p.tcp.map(|t| usize::from(t.options_len)))
        .unwrap_or(0);
    announced.map_or(usize::MAX, |mss| usize::from(mss).saturating_sub(options))
}

/// Segments smaller than a full one, travelling `direction`, that left well after their last
/// byte was sent and right after an ACK arrived: Nagle's algorithm held them.
pub fn held_segments(t: &Transcript, direction: Direction) -> Vec<HeldSegment> {
    let data = first_data(t, direction);
    let sends: Vec<_> = t.events_of(direction.sender(), Op::Send).collect();
    let acks: Vec<&WirePacket> = t
        .wire
        .packets_to(direction.reverse())
        .filter(|p| p.is_pure_ack() || p.is_data())
        .collect();
    // Nagle holds back only segments smaller than a full one; a full segment that waited was
    // waiting for the congestion window (slow start), another story.
    let full = full_segment(&t.wire.packets, direction);
    let mut held = Vec::new();
    for p in data.iter().filter(|p| p.payload_len < full) {
        let Some(offset) = p.offset else { continue };
        let last_byte = offset + p.payload_len as u64 - 1;
        let Some(send) = sends.iter().find(|e| {
            let start = e.offset.unwrap_or(0);
            (start..start + e.len() as u64).contains(&last_byte)
        }) else {
            continue;
        };
        let waited_us = p.sent_us.saturating_sub(send.t_us);
        if waited_us < HELD_AT_LEAST_US {
            continue;
        }
        // The last ACK to reach the sender before this segment left.
        let Some(ack) = acks
            .iter()
            .filter_map(|a| Some((a, a.delivered_us()?)))
            .filter(|&(_, at)| at >= send.t_us && at <= p.sent_us)
            .max_by_key(|&(_, at)| at)
            .filter(|&(_, at)| p.sent_us - at <= RELEASED_WITHIN_US)
            .map(|(a, _)| *a)
        else {
            continue;
        };
        let acked = acked_segment(&data, ack);
        // Linux's Nagle (with Minshall's change) waits only while an earlier *small* segment is
        // unacknowledged; waiting behind full segments is the congestion window's doing.
        if acked.is_none_or(|d| d.payload_len >= full) {
            continue;
        }
        held.push(HeldSegment {
            direction,
            packet: p.number,
            bytes: p.payload_len,
            pieces: t.packet_pieces(p),
            waited_us,
            ack_packet: ack.number,
            acked_packet: acked.map(|d| d.number),
            acked_pieces: acked.map(|d| t.packet_pieces(d)).unwrap_or_default(),
        });
    }
    held
}

/// An ACK the receiver held back before sending it (delayed ACK), measured from the moment
/// the segment it acknowledges was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DelayedAck {
    /// Which way the ACK travels.
    pub direction: Direction,
    pub packet: usize,
    /// The data segment it acknowledges (the one ending where the ACK points).
    pub acked_packet: usize,
    pub delay_us: u64,
}

/// ACKs that left at least 5 ms after the data they acknowledge arrived (`DELAYED_AT_LEAST_US`).
pub fn delayed_acks(t: &Transcript) -> Vec<DelayedAck> {
    let mut delayed = Vec::new();
    for direction in [Direction::ToServer, Direction::ToClient] {
        let data = first_data(t, direction.reverse());
        for ack in t.wire.packets_to(direction).filter(|p| p.is_pure_ack()) {
            let Some(acked) = acked_segment(&data, ack) else {
                continue;
            };
            let Some(arrived) = acked.delivered_us() else {
                continue;
            };
            let delay_us = ack.sent_us.saturating_sub(arrived);
            if delay_us >= DELAYED_AT_LEAST_US {
                delayed.push(DelayedAck {
                    direction,
                    packet: ack.number,
                    acked_packet: acked.number,
                    delay_us,
                });
            }
        }
    }
    delayed
}

/// An ACK sent this long after its data arrived was held back on purpose (Linux's delayed-ACK
/// timer starts at 40 ms); an immediate ACK leaves within microseconds.
const DELAYED_AT_LEAST_US: u64 = 5_000;

/// Data segments travelling `direction`, first transmissions only, in the order they left.
fn first_data(t: &Transcript, direction: Direction) -> Vec<&WirePacket> {
    t.wire
        .packets_to(direction)
        .filter(|p| p.is_data() && !p.retransmission && p.duplicate_of.is_none())
        .collect()
}

/// The data segment (among `data`) that ends where `ack` points.
fn acked_segment<'a>(data: &[&'a WirePacket], ack: &WirePacket) -> Option<&'a WirePacket> {
    let end = u64::from(ack.tcp?.rel_ack?.checked_sub(1)?);
    data.iter()
        .find(|d| d.offset.map(|o| o + d.payload_len as u64) == Some(end))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::TcpFields;

    fn packet(
        direction: Direction,
        payload_len: usize,
        mss: Option<u16>,
        options: u8,
    ) -> WirePacket {
        WirePacket {
            number: 1,
            direction,
            sent_us: 0,
            fate: Fate::Unknown,
            duplicate_of: None,
            reordered: false,
            protocol: 6,
            tcp: Some(TcpFields {
                src_port: 1,
                dst_port: 2,
                seq: 0,
                ack: 0,
                rel_seq: None,
                rel_ack: None,
                flags: TcpFlags(if mss.is_some() { 0x12 } else { 0x18 }),
                window: 0,
                window_bytes: None,
                mss,
                window_scale: None,
                options_len: options,
            }),
            ip_len: 40 + usize::from(options) + payload_len,
            payload_len,
            offset: mss.is_none().then_some(0),
            retransmission: false,
            bytes: Vec::new(),
        }
    }

    #[test]
    fn a_full_segment_is_the_peers_mss_less_the_options_the_data_segments_carry() {
        let syn_ack = packet(Direction::ToClient, 0, Some(1460), 20);
        let with_timestamps = packet(Direction::ToServer, 1448, None, 12);
        let packets = [syn_ack.clone(), with_timestamps];
        assert_eq!(full_segment(&packets, Direction::ToServer), 1448);
        // Without timestamps a full segment holds the whole MSS: 1430 B is not full.
        let bare = packet(Direction::ToServer, 1430, None, 0);
        assert_eq!(full_segment(&[syn_ack, bare], Direction::ToServer), 1460);
    }
}
