//! The `--json` view: JSON Lines, one object per transcript event, then one summary object.
//!
//! Stable for graders: every event has `seq`, `t_us`, `side` and `op`; `send`, `recv` and
//! `frame` events add `len` and `hex`; `send` and `recv` events add `messages` (which messages
//! their bytes came from, numbered from 1) and `pieces` (which bytes of which part). The last
//! line has `"op":"summary"`. With `--net`, each `segment` event adds `packet` (the link's
//! record of it: direction, TCP fields, times, fate) and the summary adds `link`.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Serialize;

use super::words::Words;
use crate::analysis::Summary;
use crate::lesson::ExchangeRun;
pub use crate::transcript::hex;
use crate::transcript::{Event, Op, Piece, Transcript, WirePacket, WireSource};

#[derive(Serialize)]
struct JsonEvent<'a> {
    #[serde(flatten)]
    event: Cow<'a, Event>,
    #[serde(skip_serializing_if = "Option::is_none")]
    len: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    messages: Option<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pieces: Option<Vec<Piece>>,
    /// `--net`: the packet a segment event is, as the link saw it (direction, TCP fields,
    /// when it left, its fate).
    #[serde(skip_serializing_if = "Option::is_none")]
    packet: Option<&'a WirePacket>,
}

/// Render every event and the summary as JSON Lines; `words` say the notes and verdicts.
pub fn render(run: &ExchangeRun, summary: &Summary, words: Words) -> String {
    let mut out = String::new();
    for event in &run.transcript.events {
        let _ = writeln!(out, "{}", event_line(&run.transcript, event, words));
    }
    let line = serde_json::to_string(summary).expect("the summary serializes: plain fields only");
    let _ = writeln!(out, "{line}");
    out
}

/// One event as its JSON line (a traced event carries its own pieces; `t` gives the rest).
pub fn event_line(t: &Transcript, event: &Event, words: Words) -> String {
    serde_json::to_string(&json_event(t, event, words))
        .expect("events serialize: plain fields only")
}

fn json_event<'a>(t: &'a Transcript, event: &'a Event, words: Words) -> JsonEvent<'a> {
    let carries_bytes = matches!(event.op, Op::Send | Op::Recv | Op::Frame | Op::Segment);
    let on_stream = matches!(event.op, Op::Send | Op::Recv | Op::Segment);
    let pieces = on_stream.then(|| t.pieces_of(event));
    // A note's words go where a detail goes: `detail`, in the chosen language.
    let said = match &event.note {
        Some(_) => Cow::Owned(Event {
            detail: words.event_detail(event),
            ..event.clone()
        }),
        None => Cow::Borrowed(event),
    };
    JsonEvent {
        event: said,
        len: carries_bytes.then_some(event.len()),
        hex: carries_bytes.then(|| hex(&event.bytes)),
        messages: pieces.as_ref().map(|pieces| {
            let mut numbers: Vec<usize> = pieces.iter().map(|p| p.message).collect();
            numbers.dedup();
            numbers
        }),
        pieces,
        packet: event
            .packet
            .filter(|_| t.wire.source == Some(WireSource::Link))
            .and_then(|n| t.wire.packet(n)),
    }
}
