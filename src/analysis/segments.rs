//! How one direction of a traced connection left on the `--net` link: its send() calls
//! against the data segments the link carried, and the segments that held the bytes of more
//! than one send() — the sender merged them (Nagle's algorithm holds small sends while data
//! is unacknowledged). Counted from the wire model; typed facts only.

use serde::Serialize;

use crate::transcript::{Direction, Transcript, Wire};

/// Segments that carried several sends, named one by one at most.
const MAX_MERGED: usize = 8;

/// One direction on the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkSegments {
    pub direction: Direction,
    /// send() calls that moved bytes this way.
    pub sends: usize,
    /// Data segments carrying bytes for the first time.
    pub data_segments: usize,
    /// Data segments sent again.
    pub retransmissions: usize,
    /// Segments (first transmissions) that carried the bytes of more than one send().
    pub merged: Vec<MergedSegment>,
    /// How many such segments there were in all (`merged` names the first).
    pub merged_count: usize,
}

/// A segment that held the bytes of several send() calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergedSegment {
    /// Its packet number in the connection's wire.
    pub packet: usize,
    pub bytes: usize,
    /// The messages (send() calls) whose bytes it carried, in stream order.
    pub messages: Vec<usize>,
}

/// How the `sends` send() calls of `direction` left on the link, from `t`'s wire.
pub fn link_segments(t: &Transcript, direction: Direction, sends: usize) -> LinkSegments {
    let data = t
        .wire
        .packets_to(direction)
        .filter(|p| p.is_data() && p.duplicate_of.is_none());
    let (mut data_segments, mut retransmissions, mut merged_count) = (0, 0, 0);
    let mut merged = Vec::new();
    for p in data {
        if p.retransmission {
            retransmissions += 1;
            continue;
        }
        data_segments += 1;
        let mut messages: Vec<usize> = t.packet_pieces(p).iter().map(|x| x.message).collect();
        messages.dedup();
        if messages.len() > 1 {
            merged_count += 1;
            if merged.len() < MAX_MERGED {
                merged.push(MergedSegment {
                    packet: p.number,
                    bytes: p.payload_len,
                    messages,
                });
            }
        }
    }
    LinkSegments {
        direction,
        sends,
        data_segments,
        retransmissions,
        merged,
        merged_count,
    }
}

/// Whether the link delivered every byte it was given, both ways: the furthest stream byte
/// delivered is the furthest sent (a lost segment sent again counts once it arrives).
pub fn every_byte_delivered(wire: &Wire) -> bool {
    [Direction::ToServer, Direction::ToClient].iter().all(|&d| {
        let reach = |delivered: bool| {
            wire.packets_to(d)
                .filter(|p| p.is_data() && (!delivered || p.delivered_us().is_some()))
                .filter_map(|p| Some(p.offset? + p.payload_len as u64))
                .max()
        };
        reach(true) == reach(false)
    })
}
