//! The `--net` link in the side-by-side view: the wire column's cells for the packets the link
//! carried (data with its messages, ACKs, losses, retransmissions, segments held for an ACK),
//! the link's line under the knobs, and its figures under the table. Words are made here from
//! the wire model and the analysis's [`LinkFacts`].

use std::time::Duration;

use super::ViewOptions;
use super::side_by_side::bytes_cell_led;
use super::text::{Line, Look, wrap_words};
use crate::analysis::link::{HeldSegment, LinkFacts};
use crate::net::link::spec::Ppm;
use crate::net::link::{CLIENT_ADDR, NetSpec, SERVER_ADDR};
use crate::transcript::{
    Direction, DropCause, Event, Fate, Part, Piece, Transcript, WirePacket, WireSource,
};

/// Fewer data segments than this say nothing about slow start.
const MIN_SEGMENTS_FOR_FLIGHTS: usize = 10;
/// How many held segments the footer names one by one.
const MAX_HELD_LINES: usize = 3;

/// The carrier, for the title: `one TCP connection across lab's link`.
pub fn carrier(tcp: bool) -> &'static str {
    if tcp {
        "one TCP connection across lab's link"
    } else {
        "UDP datagrams across lab's link"
    }
}

/// `link: 198.18.0.1 → 198.18.0.2 · MTU 1500 · delay 20 ms each way · loss 1% · seed 7`,
/// from the spec as run.
pub fn spec_line(spec: &NetSpec) -> String {
    let mut parts = vec![format!(
        "link: {CLIENT_ADDR} → {SERVER_ADDR} · MTU {}",
        spec.mtu
    )];
    if spec.delay.is_zero() {
        parts.push("no delay".into());
    } else {
        parts.push(format!(
            "delay {} each way",
            millis(spec.delay.as_micros() as u64)
        ));
    }
    if !spec.jitter.is_zero() {
        parts.push(format!(
            "jitter ±{}",
            millis(spec.jitter.as_micros() as u64)
        ));
    }
    for (name, p) in [
        ("loss", spec.loss),
        ("reorder", spec.reorder),
        ("duplicate", spec.duplicate),
    ] {
        if !p.is_zero() {
            parts.push(format!("{name} {}", percent(p)));
        }
    }
    if let Some(rate) = spec.rate {
        parts.push(format!(
            "rate {} (queue {} packets)",
            bits(rate),
            spec.queue
        ));
    }
    if let Some(seed) = spec.seed {
        parts.push(format!("seed {seed}"));
    }
    parts.join(" · ")
}

/// The link under `--trials`: the spec every run had (each run drew its own seed unless one
/// was given).
pub fn trials_line(facts: &LinkFacts) -> String {
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
    spec_line(&spec)
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
    let mut lines = if packet.payload_len == 0 {
        wrap_words(&ack_words(t, packet, arrow), width)
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
        vec![Line::of(
            format!("{arrow}{:>4} B {text}", event.bytes.len()),
            Look::Plain,
        )]
    };
    for (text, look) in fate_notes(packet, held) {
        for l in wrap_words(&text, width - 2) {
            lines.push(Line::of(format!("  {l}"), look));
        }
    }
    Some(lines)
}

/// `← ACK up to 5 B`: what the acknowledgment says, counted in the peer's stream bytes.
fn ack_words(t: &Transcript, packet: &WirePacket, arrow: &str) -> String {
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
    let kind = if repeat { "dup ACK" } else { "ACK" };
    format!("{arrow} {kind} up to {acked} B")
}

/// What happened to a packet beyond plain delivery, one note a line.
fn fate_notes(packet: &WirePacket, held: &[HeldSegment]) -> Vec<(String, Look)> {
    let mut notes = Vec::new();
    match packet.fate {
        Fate::Dropped {
            cause: DropCause::Loss,
        } => notes.push(("✕ lost on the link".to_string(), Look::Bad)),
        Fate::Dropped {
            cause: DropCause::QueueFull,
        } => notes.push(("✕ queue full: dropped".to_string(), Look::Bad)),
        Fate::Delivered { .. } | Fate::Unknown => {}
    }
    if packet.retransmission {
        notes.push(("↻ sent again".to_string(), Look::Bad));
    }
    if packet.reordered {
        notes.push(("⇅ overtaken".to_string(), Look::Bad));
    }
    if let Some(h) = held.iter().find(|h| h.packet == packet.number) {
        let text = format!(
            "held {} for the ACK of {}",
            millis(h.waited_us),
            pieces(&h.acked_pieces)
        );
        notes.push((text, Look::Heading));
    }
    notes
}

/// The link's lines under the table (each becomes a `link` line of the footer).
pub fn footer_lines(facts: &LinkFacts, tcp: bool, bytes_intact: bool) -> Vec<(String, Look)> {
    if !tcp {
        return datagram_lines(facts);
    }
    let mut lines = Vec::new();
    let rtt = facts
        .handshake_rtt_us
        .map(|r| format!("; round trip {} (handshake)", millis(r)))
        .unwrap_or_default();
    lines.push((
        format!(
            "{} packets to the server, {} back; {} data segment{}, the largest {} B at MTU {}{rtt}",
            facts.packets_to_server,
            facts.packets_to_client,
            facts.data_segments,
            if facts.data_segments == 1 { "" } else { "s" },
            facts.largest_segment,
            facts.mtu
        ),
        Look::Plain,
    ));
    // A handful of segments tells nothing about slow start.
    // Flights tell slow start's story only when nothing was lost.
    let clean = facts.lost + facts.queue_drops + facts.retransmissions == 0;
    if clean && facts.flights.len() > 1 && facts.data_segments >= MIN_SEGMENTS_FOR_FLIGHTS {
        let sizes: Vec<String> = facts.flights.iter().map(ToString::to_string).collect();
        lines.push((
            format!(
                "slow start: the data left in flights of {} segments, a round trip apart — \
                 each ACK lets the sender send more",
                sizes.join(", ")
            ),
            Look::Plain,
        ));
    }
    lines.extend(held_lines(&facts.held));
    lines.extend(loss_lines(facts, bytes_intact));
    lines
}

/// UDP across the link: datagrams, and what the link did to them (nothing is sent again).
fn datagram_lines(facts: &LinkFacts) -> Vec<(String, Look)> {
    let mut lines = vec![(
        format!(
            "{} datagram{} to the server; the link dropped {} (seed={} drops the same ones \
             again) — UDP never sends a datagram again",
            facts.packets_to_server,
            if facts.packets_to_server == 1 {
                ""
            } else {
                "s"
            },
            facts.lost + facts.queue_drops,
            facts.seed
        ),
        Look::Plain,
    )];
    lines.extend(copies_line(facts));
    lines
}

fn held_lines(held: &[HeldSegment]) -> Vec<(String, Look)> {
    let mut lines: Vec<(String, Look)> = held
        .iter()
        .take(MAX_HELD_LINES)
        .map(|h| {
            (
                format!(
                    "{} ({} B) waited {} for the ACK of {}",
                    pieces(&h.pieces),
                    h.bytes,
                    millis(h.waited_us),
                    pieces(&h.acked_pieces)
                ),
                Look::Heading,
            )
        })
        .collect();
    if held.len() > MAX_HELD_LINES {
        lines.push((
            format!(
                "… and {} more segments held back",
                held.len() - MAX_HELD_LINES
            ),
            Look::Dim,
        ));
    }
    if !held.is_empty() {
        lines.push((
            "Nagle's algorithm: while sent data is unacknowledged, small sends wait and leave \
             together when the ACK comes (try --nodelay)"
                .into(),
            Look::Dim,
        ));
    }
    lines
}

fn loss_lines(facts: &LinkFacts, bytes_intact: bool) -> Vec<(String, Look)> {
    let mut lines = Vec::new();
    if facts.lost + facts.queue_drops > 0 || facts.retransmissions > 0 {
        let queue = if facts.queue_drops > 0 {
            format!(" and {} at the full queue", facts.queue_drops)
        } else {
            String::new()
        };
        let outcome = if bytes_intact {
            "every byte still arrived, in order"
        } else {
            "not every byte arrived"
        };
        lines.push((
            format!(
                "the link dropped {} packet{}{queue}; the client sent {} segment{} again, \
                 and {outcome} (seed={} drops the same packets again)",
                facts.lost,
                if facts.lost == 1 { "" } else { "s" },
                facts.retransmissions,
                if facts.retransmissions == 1 { "" } else { "s" },
                facts.seed
            ),
            if bytes_intact { Look::Good } else { Look::Bad },
        ));
    }
    lines.extend(copies_line(facts));
    lines
}

/// Copies and overtakings, when the link made any.
fn copies_line(facts: &LinkFacts) -> Option<(String, Look)> {
    (facts.duplicated > 0 || facts.reordered > 0).then(|| {
        (
            format!(
                "{} extra cop{} delivered, {} packet{} overtaken on the way",
                facts.duplicated,
                if facts.duplicated == 1 { "y" } else { "ies" },
                facts.reordered,
                if facts.reordered == 1 { "" } else { "s" }
            ),
            Look::Plain,
        )
    })
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

/// `20 ms`, `0.4 ms`, `40.2 ms`.
fn millis(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms >= 100.0 || (ms.fract() == 0.0 && ms >= 1.0) {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn percent(p: Ppm) -> String {
    let pct = p.percent();
    if pct.fract() == 0.0 {
        format!("{pct:.0}%")
    } else {
        format!("{pct}%")
    }
}

/// `10 Mbit/s`, `512 kbit/s`.
fn bits(rate: u64) -> String {
    match rate {
        r if r >= 1_000_000_000 && r % 1_000_000_000 == 0 => {
            format!("{} Gbit/s", r / 1_000_000_000)
        }
        r if r >= 1_000_000 && r % 1_000_000 == 0 => format!("{} Mbit/s", r / 1_000_000),
        r if r >= 1_000 && r % 1_000 == 0 => format!("{} kbit/s", r / 1_000),
        r => format!("{r} bit/s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_line_names_only_the_knobs_that_are_set() {
        let spec: NetSpec = "delay=20ms,loss=1.5%,rate=10mbit,seed=7".parse().unwrap();
        assert_eq!(
            spec_line(&spec),
            "link: 198.18.0.1 → 198.18.0.2 · MTU 1500 · delay 20 ms each way · loss 1.5% · \
             rate 10 Mbit/s (queue 100 packets) · seed 7"
        );
        assert_eq!(
            spec_line(&NetSpec::default()),
            "link: 198.18.0.1 → 198.18.0.2 · MTU 1500 · no delay"
        );
    }

    #[test]
    fn times_read_as_people_write_them() {
        assert_eq!(millis(20_000), "20 ms");
        assert_eq!(millis(40_210), "40.2 ms");
        assert_eq!(millis(350), "0.3 ms");
        assert_eq!(millis(123_456), "123 ms");
    }
}
