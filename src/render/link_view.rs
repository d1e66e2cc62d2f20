//! The `--net` link in the side-by-side view: the wire column's cells for the packets the link
//! carried (data with its messages, ACKs, losses, retransmissions, segments held for an ACK),
//! the link's line under the knobs, and its figures under the table. Words are made here from
//! the wire model and the analysis's [`LinkFacts`].

use std::time::Duration;

use super::ViewOptions;
use super::side_by_side::bytes_cell_led;
use super::text::{Line, Look, wrap_line, wrap_words};
use super::words::Words;
use crate::analysis::link::{HeldSegment, LinkFacts};
use crate::net::link::NetSpec;
use crate::net::link::spec::Ppm;
use crate::transcript::{
    Direction, DropCause, Event, Fate, Part, Piece, Transcript, WirePacket, WireSource,
};

/// Fewer data segments than this say nothing about slow start.
const MIN_SEGMENTS_FOR_FLIGHTS: usize = 10;
/// How many held segments the footer names one by one.
const MAX_HELD_LINES: usize = 3;

/// The link under `--trials`: the spec every run had (each run drew its own seed unless one
/// was given).
pub fn trials_line(facts: &LinkFacts, words: Words) -> String {
    let spec = NetSpec {
        mtu: facts.mtu,
        delay: Duration::from_micros(facts.delay_us),
        jitter: Duration::from_micros(facts.jitter_us),
        loss: Ppm(facts.loss_ppm),
        reorder: Ppm(facts.reorder_ppm),
        duplicate: Ppm(facts.duplicate_ppm),
        rate: facts.rate_bps,
        queue: facts.queue,
        seed: None,
    };
    words.spec_line(&spec)
}

/// The wire column's cell for a segment the link carried, or `None` for any other event
/// (which the view draws as before).
pub fn segment_cell(
    t: &Transcript,
    event: &Event,
    held: &[HeldSegment],
    options: ViewOptions,
    width: usize,
) -> Option<Vec<Line>> {
    if t.wire.source != Some(WireSource::Link) {
        return None;
    }
    let packet = t.wire.packet(event.packet?)?;
    let arrow = match packet.direction {
        Direction::ToServer => "→",
        Direction::ToClient => "←",
    };
    let words = options.words();
    let mut lines = if packet.payload_len == 0 {
        wrap_words(&ack_words(t, packet, arrow, words), width)
            .into_iter()
            .map(|l| Line::of(l, Look::Dim))
            .collect()
    } else if packet.direction == Direction::ToServer {
        // The column is narrow: piece labels start under the arrow, not under the bytes.
        let lead = format!("{arrow}{:>4} B ", event.bytes.len());
        bytes_cell_led(t, event, options, width, lead, 1)
    } else {
        // The spans describe the client's stream only: a reply is shown without labels.
        let text = String::from_utf8_lossy(&event.bytes).into_owned();
        let line = Line::of(
            format!("{arrow}{:>4} B {text}", event.bytes.len()),
            Look::Plain,
        );
        wrap_line(&line, width, 0)
    };
    for (text, look) in fate_notes(packet, held, words) {
        for l in wrap_words(&text, width - 2) {
            lines.push(Line::of(format!("  {l}"), look));
        }
    }
    Some(lines)
}

/// `← ACK up to 5 B`: what the acknowledgment says, counted in the peer's stream bytes.
fn ack_words(t: &Transcript, packet: &WirePacket, arrow: &str, words: Words) -> String {
    let acked = packet
        .tcp
        .and_then(|tcp| tcp.rel_ack)
        .map_or(0, |a| a.saturating_sub(1));
    // The same acknowledgment again, with nothing new: a duplicate ACK (a gap upstream).
    let earlier = t.wire.packets[..packet.number - 1]
        .iter()
        .rev()
        .find(|p| p.direction == packet.direction && p.is_pure_ack());
    let repeat = earlier.is_some_and(|p| {
        p.tcp.and_then(|tcp| tcp.rel_ack) == packet.tcp.and_then(|tcp| tcp.rel_ack)
    });
    words.ack(arrow, acked, repeat)
}

/// What happened to a packet beyond plain delivery, one note a line.
fn fate_notes(packet: &WirePacket, held: &[HeldSegment], words: Words) -> Vec<(String, Look)> {
    let mut notes = Vec::new();
    match packet.fate {
        Fate::Dropped {
            cause: DropCause::Loss,
        } => notes.push((words.lost_on_link().to_string(), Look::Bad)),
        Fate::Dropped {
            cause: DropCause::QueueFull,
        } => notes.push((words.queue_full_dropped().to_string(), Look::Bad)),
        Fate::Delivered { .. } | Fate::Unknown => {}
    }
    if packet.retransmission {
        notes.push((words.sent_again().to_string(), Look::Bad));
    }
    if packet.reordered {
        notes.push((words.overtaken().to_string(), Look::Bad));
    }
    if let Some(h) = held.iter().find(|h| h.packet == packet.number) {
        let text = words.held_for(h.waited_us, &pieces(&h.acked_pieces));
        notes.push((text, Look::Heading));
    }
    notes
}

/// The link's lines under the table (each becomes a `link` line of the footer).
pub fn footer_lines(
    facts: &LinkFacts,
    tcp: bool,
    bytes_intact: bool,
    words: Words,
) -> Vec<(String, Look)> {
    if !tcp {
        let mut lines = vec![(words.link_datagrams(facts), Look::Plain)];
        lines.extend(copies_line(facts, words));
        return lines;
    }
    let mut lines = vec![(words.link_packets(facts), Look::Plain)];
    // A handful of segments tells nothing about slow start; flights tell slow start's story
    // only when nothing was lost.
    let clean = facts.lost + facts.queue_drops + facts.retransmissions == 0;
    if clean && facts.flights.len() > 1 && facts.data_segments >= MIN_SEGMENTS_FOR_FLIGHTS {
        let sizes: Vec<String> = facts.flights.iter().map(ToString::to_string).collect();
        lines.push((words.slow_start(&sizes.join(", ")), Look::Plain));
    }
    lines.extend(held_lines(&facts.held, words));
    if facts.lost + facts.queue_drops > 0 || facts.retransmissions > 0 {
        let look = if bytes_intact { Look::Good } else { Look::Bad };
        lines.push((words.link_losses(facts, bytes_intact), look));
    }
    lines.extend(copies_line(facts, words));
    lines
}

fn held_lines(held: &[HeldSegment], words: Words) -> Vec<(String, Look)> {
    let mut lines: Vec<(String, Look)> = held
        .iter()
        .take(MAX_HELD_LINES)
        .map(|h| {
            let (what, acked) = (pieces(&h.pieces), pieces(&h.acked_pieces));
            let text = words.held_segment(&what, h.bytes, h.waited_us, &acked);
            (text, Look::Heading)
        })
        .collect();
    if held.len() > MAX_HELD_LINES {
        lines.push((words.more_held(held.len() - MAX_HELD_LINES), Look::Dim));
    }
    if !held.is_empty() {
        lines.push((words.nagle_explained().into(), Look::Dim));
    }
    lines
}

/// Copies and overtakings, when the link made any.
fn copies_line(facts: &LinkFacts, words: Words) -> Option<(String, Look)> {
    (facts.duplicated > 0 || facts.reordered > 0).then(|| (words.link_copies(facts), Look::Plain))
}

/// `h1 m1 m2[0..3]`: the labels the table uses for message pieces.
fn pieces(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| {
            let letter = match p.part {
                Part::Header => 'h',
                Part::Payload => 'm',
                Part::Delimiter => 'd',
                Part::Padding => 'p',
            };
            let cut = if p.whole {
                String::new()
            } else {
                format!("[{}..{}]", p.from, p.to)
            };
            format!("{letter}{}{cut}", p.message)
        })
        .collect::<Vec<_>>()
        .join(" ")
}
