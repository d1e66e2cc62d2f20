//! What the link writes down about the packets it carries: each one described (relative
//! sequence numbers, stream offsets, retransmissions) and kept in the transcript's wire model,
//! and the ones a lesson's view shows — data, and ACKs of data — as `segment` events too.
//! Bounded like the wire itself: once it keeps no more, packets are only counted.

use std::ops::Range;

use crate::net::packet::{PROTO_UDP, parse_ipv4};
use crate::net::tracker::ConnectionTracker;
use crate::transcript::{Direction, PACKET_BYTES_BUDGET, Recorder, Side, WirePacket};

/// The link's notes on one connection.
#[derive(Debug)]
pub struct LinkRecorder {
    rec: Recorder,
    tracker: ConnectionTracker,
    /// Just past the last data byte each side has sent (client's, server's): an ACK below
    /// it acknowledges data.
    data_end: [u64; 2],
    /// Payload bytes given to `segment` events so far (bounded like the wire's bytes).
    event_bytes: usize,
    /// The wire keeps no more packets ([`crate::transcript::MAX_KEPT_PACKETS`]).
    full: bool,
    /// Packets carried without a description once the wire was full.
    not_kept: u64,
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
            tracker: ConnectionTracker::new(),
            data_end: [0; 2],
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
        Some(
            self.tracker
                .describe(&packet, bytes, direction_of(side), sent_us),
        )
    }

    /// Keep a described packet (its fate set) and, when a view shows it, its `segment` event;
    /// its number, or `None` once the wire is full.
    pub fn keep(&mut self, described: WirePacket) -> Option<usize> {
        let side = side_of(described.direction);
        if described.is_data() {
            let end = described.offset.unwrap_or(0) + described.payload_len as u64;
            self.data_end[side] = self.data_end[side].max(end);
        }
        let shown = self.shows_as_event(&described);
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

    /// Data, and ACKs of data, are what a lesson's view shows on the wire; the handshake,
    /// FINs and their ACKs are only in the wire model.
    fn shows_as_event(&self, packet: &WirePacket) -> bool {
        if packet.payload_len > 0 {
            return packet.tcp.is_some() || packet.protocol == PROTO_UDP;
        }
        let peer = 1 - side_of(packet.direction);
        let acked = packet.tcp.and_then(|t| t.rel_ack).unwrap_or(0);
        packet.is_pure_ack() && acked >= 2 && u64::from(acked) - 1 <= self.data_end[peer]
    }
}
