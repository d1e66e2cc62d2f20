//! What the link writes down about the packets it carries: each one described (relative
//! sequence numbers, stream offsets, retransmissions) and kept in the transcript's wire model,
//! and the ones a lesson's view shows — data, and ACKs of data — as `segment` events too.
//! Bounded like the wire itself: once it keeps no more, packets are only counted.
//!
//! A lesson makes one connection across its link; traced programs (`lab trace --net`) may make
//! several, one after another or at once. Each connection, told apart by its two ports, is
//! followed on its own: its sequence numbers count from its own SYNs.

use std::collections::HashMap;
use std::ops::Range;

use crate::net::packet::{PROTO_UDP, parse_ipv4};
use crate::net::tracker::ConnectionTracker;
use crate::transcript::{Direction, PACKET_BYTES_BUDGET, Recorder, Side, WirePacket};

/// The link's notes on one connection.
#[derive(Debug)]
pub struct LinkRecorder {
    rec: Recorder,
    /// Each connection (or UDP flow) by its ports, the client's first.
    connections: HashMap<(u16, u16), Followed>,
    /// Payload bytes given to `segment` events so far (bounded like the wire's bytes).
    event_bytes: usize,
    /// The wire keeps no more packets ([`crate::transcript::MAX_KEPT_PACKETS`]).
    full: bool,
    /// Packets carried without a description once the wire was full.
    not_kept: u64,
}

/// One connection as the link follows it.
#[derive(Debug, Default)]
struct Followed {
    tracker: ConnectionTracker,
    /// Just past the last data byte each side has sent (client's, server's): an ACK below
    /// it acknowledges data.
    data_end: [u64; 2],
}

/// A connection's key: (client port, server port), whichever way the packet goes.
fn connection_key(direction: Direction, ports: Option<(u16, u16)>) -> (u16, u16) {
    let (src, dst) = ports.unwrap_or((0, 0));
    match direction {
        Direction::ToServer => (src, dst),
        Direction::ToClient => (dst, src),
    }
}

/// The ports of a described packet (TCP; for UDP, read from its bytes).
fn ports_of(packet: &WirePacket) -> Option<(u16, u16)> {
    match packet.tcp {
        Some(tcp) => Some((tcp.src_port, tcp.dst_port)),
        None => parse_ipv4(&packet.bytes).and_then(|p| p.ports()),
    }
}

/// Which end sent what the link read from `side`'s device.
fn direction_of(side: usize) -> Direction {
    if side == 0 {
        Direction::ToServer
    } else {
        Direction::ToClient
    }
}

fn side_of(direction: Direction) -> usize {
    match direction {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

impl LinkRecorder {
    pub fn new(rec: Recorder) -> LinkRecorder {
        LinkRecorder {
            rec,
            connections: HashMap::new(),
            event_bytes: 0,
            full: false,
            not_kept: 0,
        }
    }

    /// The transcript's clock, in microseconds.
    pub fn now_us(&self) -> u64 {
        self.rec.now_us()
    }

    /// The wire keeps no more packets: describing them is no longer needed to record them.
    pub fn is_full(&self) -> bool {
        self.full
    }

    /// Count packets carried without being described.
    pub fn skip(&mut self, packets: u64) {
        self.not_kept += packets;
    }

    /// Describe an IPv4 packet read from `side`'s device at `sent_us`; `None` if unreadable.
    pub fn describe(&mut self, side: usize, bytes: &[u8], sent_us: u64) -> Option<WirePacket> {
        let packet = parse_ipv4(bytes)?;
        let direction = direction_of(side);
        let key = connection_key(direction, packet.ports());
        let followed = self.connections.entry(key).or_default();
        Some(
            followed
                .tracker
                .describe(&packet, bytes, direction, sent_us),
        )
    }

    /// The connection a described packet belongs to.
    fn followed(&mut self, packet: &WirePacket) -> &mut Followed {
        let key = connection_key(packet.direction, ports_of(packet));
        self.connections.entry(key).or_default()
    }

    /// Keep a described packet (its fate set) and, when a view shows it, its `segment` event;
    /// its number, or `None` once the wire is full.
    pub fn keep(&mut self, described: WirePacket) -> Option<usize> {
        let side = side_of(described.direction);
        let followed = self.followed(&described);
        if described.is_data() {
            let end = described.offset.unwrap_or(0) + described.payload_len as u64;
            followed.data_end[side] = followed.data_end[side].max(end);
        }
        let shown = shows_as_event(&described, followed.data_end);
        let offset = described.offset.unwrap_or(0);
        let payload_at = described.bytes.len().saturating_sub(described.payload_len);
        let payload = described
            .bytes
            .get(payload_at..)
            .unwrap_or_default()
            .to_vec();
        let number = self.rec.record_packet(described);
        self.full = number.is_none();
        if shown && number.is_some() && self.event_bytes + payload.len() <= PACKET_BYTES_BUDGET {
            self.event_bytes += payload.len();
            let sender = if side == 0 {
                Side::Client
            } else {
                Side::Server
            };
            self.rec
                .record_link_segment(sender, offset, &payload, number);
        }
        number
    }

    /// Keep a packet the path made as a copy of `original`, delivered at `at_us`.
    pub fn keep_copy(
        &mut self,
        mut copy: WirePacket,
        original: Option<usize>,
        at_us: u64,
    ) -> Option<usize> {
        copy.duplicate_of = original;
        copy.fate = crate::transcript::Fate::Delivered { at_us };
        self.rec.record_packet(copy)
    }

    /// Mark packets as delivered at `at_us`.
    pub fn delivered(&self, numbers: Range<usize>, at_us: u64) {
        for n in numbers {
            self.rec
                .set_packet_fate(n, crate::transcript::Fate::Delivered { at_us });
        }
    }

    /// Mark packets as overtaken on the way.
    pub fn reordered(&self, numbers: Range<usize>) {
        for n in numbers {
            self.rec.mark_reordered(n);
        }
    }

    /// Hand the count of packets not kept to the transcript (when the link stops).
    pub fn finish(&mut self) {
        self.rec
            .count_packets_not_kept(std::mem::take(&mut self.not_kept));
    }
}

/// Data, and ACKs of data, are what a lesson's view shows on the wire; the handshake, FINs and
/// their ACKs are only in the wire model. `data_end`: how far each side's data reaches.
fn shows_as_event(packet: &WirePacket, data_end: [u64; 2]) -> bool {
    if packet.payload_len > 0 {
        return packet.tcp.is_some() || packet.protocol == PROTO_UDP;
    }
    let peer = 1 - side_of(packet.direction);
    let acked = packet.tcp.and_then(|t| t.rel_ack).unwrap_or(0);
    packet.is_pure_ack() && acked >= 2 && u64::from(acked) - 1 <= data_end[peer]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TCP packet from port `src` to port `dst` with `flags` and `data` at `seq`.
    fn tcp(src: u16, dst: u16, seq: u32, flags: u8, data: &[u8]) -> Vec<u8> {
        let mut p = vec![
            0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2,
        ];
        let mut header = [0u8; 20];
        header[0..2].copy_from_slice(&src.to_be_bytes());
        header[2..4].copy_from_slice(&dst.to_be_bytes());
        header[4..8].copy_from_slice(&seq.to_be_bytes());
        header[12] = 5 << 4;
        header[13] = flags;
        p.extend(header);
        p.extend(data);
        let total = p.len() as u16;
        p[2..4].copy_from_slice(&total.to_be_bytes());
        p
    }

    #[test]
    fn two_connections_on_one_link_each_count_from_their_own_syn() {
        const SYN: u8 = 0x02;
        const PSH_ACK: u8 = 0x18;
        let rec = Recorder::new();
        let mut notes = LinkRecorder::new(rec.clone());
        let mut keep = |bytes: Vec<u8>| {
            let described = notes.describe(0, &bytes, 0).unwrap();
            notes.keep(described).unwrap()
        };
        keep(tcp(40000, 8080, 1000, SYN, b""));
        keep(tcp(40001, 8080, 900_000, SYN, b""));
        let second = keep(tcp(40001, 8080, 900_001, PSH_ACK, b"bye"));
        let first = keep(tcp(40000, 8080, 1001, PSH_ACK, b"hello"));
        let again = keep(tcp(40000, 8080, 1001, PSH_ACK, b"hello"));
        let wire = rec.wire();
        let offset = |n: usize| wire.packet(n).unwrap().offset;
        assert_eq!(offset(second), Some(0));
        assert_eq!(offset(first), Some(0));
        assert!(!wire.packet(first).unwrap().retransmission);
        assert!(wire.packet(again).unwrap().retransmission);
    }
}
