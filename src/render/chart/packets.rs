//! The wire model's packets as the chart draws them: one arrow per packet, except that a run
//! of full-size data segments (and the ACKs between them) becomes one band, `× 42 × 1448 B`.
//! Each arrow or band carries its label lines: sequence number, length and flags; the message
//! pieces its payload holds; and what the path did (dropped, retransmitted, duplicated,
//! reordered, how long it flew).

use super::steps::{LABEL_COLUMNS, piece_names};
use crate::render::text::{Line, Look};
use crate::render::words::Words;
use crate::transcript::{Direction, Fate, TcpFlags, Transcript, Wire, WirePacket};

/// A run needs at least this many full-size segments to be drawn as one band.
const BUNDLE_MIN: usize = 3;
/// A flight shorter than this is not worth a label (loopback delivers in microseconds).
const FLIGHT_WORTH_SAYING_US: u64 = 1_000;

/// What kind of arrow a packet (or bundle) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// It carries payload bytes.
    Data,
    /// A TCP segment that only acknowledges: drawn thin and dashed.
    Ack,
    /// SYN, FIN, RST without payload.
    Control,
}

impl PacketKind {
    pub fn class(self) -> &'static str {
        match self {
            PacketKind::Data => "data",
            PacketKind::Ack => "ack",
            PacketKind::Control => "control",
        }
    }
}

/// One arrow: a packet, or a bundle of full-size segments with the ACKs between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Indices into [`Wire::packets`], in the order they left.
    pub members: Vec<usize>,
    pub direction: Direction,
    pub kind: PacketKind,
    /// Members that carry data (the rest of a bundle are folded ACKs).
    pub data: usize,
}

impl Group {
    pub fn first<'w>(&self, wire: &'w Wire) -> &'w WirePacket {
        &wire.packets[self.members[0]]
    }

    /// The last data packet (a bundle's ACKs come between its segments, never after).
    pub fn last<'w>(&self, wire: &'w Wire) -> &'w WirePacket {
        &wire.packets[*self.members.last().expect("a group has members")]
    }

    pub fn is_bundle(&self) -> bool {
        self.members.len() > 1
    }
}

/// A packet that carries payload (TCP data or a UDP datagram).
pub fn carries_data(p: &WirePacket) -> bool {
    p.payload_len > 0 && (p.tcp.is_some() || p.protocol == 17)
}

fn kind_of(p: &WirePacket) -> PacketKind {
    if carries_data(p) {
        PacketKind::Data
    } else if p.is_pure_ack() {
        PacketKind::Ack
    } else {
        PacketKind::Control
    }
}

/// Nothing happened to it worth its own arrow: delivered once, in order, first time sent.
fn plain(p: &WirePacket) -> bool {
    p.delivered_us().is_some() && !p.retransmission && p.duplicate_of.is_none() && !p.reordered
}

/// The packets in arrows and bands. A band never spans a moment in `event_times` (sorted):
/// a recv() in the middle of a burst splits it, so the call sits between two bands.
pub fn group(wire: &Wire, event_times: &[u64]) -> Vec<Group> {
    let full = |d: Direction| {
        wire.packets_to(d)
            .filter(|p| carries_data(p))
            .map(|p| p.payload_len)
            .max()
            .unwrap_or(0)
    };
    let full_size = [full(Direction::ToServer), full(Direction::ToClient)];
    let size_of = |d: Direction| full_size[usize::from(d == Direction::ToClient)];
    let bundles =
        |p: &WirePacket| carries_data(p) && plain(p) && p.payload_len == size_of(p.direction);
    let event_between = |from: u64, to: u64| {
        let i = event_times.partition_point(|&t| t <= from);
        event_times.get(i).is_some_and(|&t| t <= to)
    };

    let mut groups = Vec::new();
    let mut i = 0;
    while i < wire.packets.len() {
        let first = &wire.packets[i];
        let mut members = vec![i];
        let mut data = usize::from(carries_data(first));
        if bundles(first) {
            // Extend over same-size segments the same way, folding the ACKs coming back.
            let mut j = i + 1;
            let mut pending_acks = Vec::new();
            while let Some(q) = wire.packets.get(j) {
                let last_sent = wire.packets[*members.last().unwrap_or(&i)].sent_us;
                if event_between(last_sent, q.sent_us) {
                    break;
                }
                if q.direction != first.direction && q.is_pure_ack() && plain(q) {
                    pending_acks.push(j);
                } else if q.direction == first.direction
                    && bundles(q)
                    && q.payload_len == first.payload_len
                {
                    members.append(&mut pending_acks);
                    members.push(j);
                    data += 1;
                } else {
                    break;
                }
                j += 1;
            }
            if data < BUNDLE_MIN {
                members.truncate(1);
                data = 1;
            }
        }
        i = members.last().map_or(i, |&last| last) + 1;
        groups.push(Group {
            direction: first.direction,
            kind: kind_of(first),
            data,
            members,
        });
    }
    groups
}

/// `PSH ACK`: the flags set, in the order Wireshark lists them.
pub fn flag_names(flags: TcpFlags) -> String {
    const NAMES: [(TcpFlags, &str); 8] = [
        (TcpFlags::SYN, "SYN"),
        (TcpFlags::FIN, "FIN"),
        (TcpFlags::RST, "RST"),
        (TcpFlags::PSH, "PSH"),
        (TcpFlags::ACK, "ACK"),
        (TcpFlags::URG, "URG"),
        (TcpFlags::ECE, "ECE"),
        (TcpFlags::CWR, "CWR"),
    ];
    NAMES
        .iter()
        .filter(|(f, _)| flags.contains(*f))
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first line of a packet's label: what it is, in the terms of its header.
pub fn head(p: &WirePacket) -> String {
    let Some(tcp) = &p.tcp else {
        return format!("#{} UDP {} B", p.number, p.payload_len);
    };
    let flags = flag_names(tcp.flags);
    match (kind_of(p), tcp.rel_seq) {
        (PacketKind::Ack, _) => match tcp.rel_ack {
            Some(ack) => format!("#{} ACK {ack}", p.number),
            None => format!("#{} ACK", p.number),
        },
        (PacketKind::Data, Some(seq)) => {
            format!("#{} seq {seq} · {} B · {flags}", p.number, p.payload_len)
        }
        (PacketKind::Data, None) => format!("#{} {} B · {flags}", p.number, p.payload_len),
        (PacketKind::Control, Some(seq)) => format!("#{} {flags} · seq {seq}", p.number),
        (PacketKind::Control, None) => format!("#{} {flags}", p.number),
    }
}

/// What the path did to a packet, one note a line: mishaps in red, a flight time plain.
pub fn notes(p: &WirePacket, words: Words) -> Vec<(String, Look)> {
    let mut notes = Vec::new();
    if p.retransmission {
        notes.push((words.retransmission().to_string(), Look::Bad));
    }
    if let Some(of) = p.duplicate_of {
        notes.push((words.duplicate_of(of), Look::Bad));
    }
    if p.reordered {
        notes.push((words.reordered().to_string(), Look::Bad));
    }
    match p.fate {
        Fate::Dropped { cause } => notes.push((words.dropped(Some(cause)).to_string(), Look::Bad)),
        Fate::Unknown => notes.push((words.arrival_unseen().to_string(), Look::Dim)),
        Fate::Delivered { .. } => {
            if let Some(us) = p.flight_us().filter(|&us| us >= FLIGHT_WORTH_SAYING_US) {
                notes.push((words.flight(us), Look::Dim));
            }
        }
    }
    notes
}

/// A group's label: its head, the message pieces it holds, and the notes.
pub fn label(t: &Transcript, g: &Group, words: Words) -> Vec<Line> {
    let wire = &t.wire;
    let first = g.first(wire);
    let mut lines = Vec::new();
    if g.is_bundle() {
        let last = g.last(wire);
        let seq = |p: &WirePacket| p.tcp.and_then(|t| t.rel_seq);
        let range = match (seq(first), seq(last)) {
            (Some(a), Some(b)) => format!(" · seq {a}..{}", b as usize + last.payload_len),
            _ => String::new(),
        };
        lines.push(Line::of(
            format!("× {} × {} B{range}", g.data, first.payload_len),
            Look::Heading,
        ));
        let acks = g.members.len() - g.data;
        if acks > 0 {
            lines.push(Line::of(words.acks_folded(acks), Look::Dim));
        }
    } else {
        let look = if g.kind == PacketKind::Ack {
            Look::Dim
        } else {
            Look::Plain
        };
        lines.push(Line::of(head(first), look));
    }
    if g.kind == PacketKind::Data && g.direction == Direction::ToServer {
        let bytes: usize = g
            .members
            .iter()
            .map(|&i| &wire.packets[i])
            .filter(|p| carries_data(p))
            .map(|p| p.payload_len)
            .sum();
        if let Some(offset) = first.offset {
            let pieces = t.pieces(offset, bytes);
            if !pieces.is_empty() {
                lines.push(piece_names(t, &pieces, LABEL_COLUMNS));
            }
        }
    }
    for (note, look) in notes(first, words) {
        lines.push(Line::of(note, look));
    }
    lines
}
