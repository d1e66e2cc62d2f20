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
use serde::ser::{SerializeMap, Serializer};

use super::words::Words;
use crate::analysis::Summary;
use crate::framing::FramingKind;
use crate::lesson::ExchangeRun;
use crate::lesson::framed_demo::Corruption;
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
    let line = serde_json::to_string(&SummaryLine { summary, words })
        .expect("the summary serializes: plain fields only");
    let _ = writeln!(out, "{line}");
    out
}

/// The summary as its JSON line (`"op":"summary"`), its readings in `words`' language, each
/// with its stable code beside it; fields in the order README documents.
pub struct SummaryLine<'a> {
    pub summary: &'a Summary,
    pub words: Words,
}

impl Serialize for SummaryLine<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (s, words) = (self.summary, self.words);
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("op", "summary")?;
        m.serialize_entry("lesson", s.lesson)?;
        m.serialize_entry("sends", &s.sends)?;
        m.serialize_entry("recvs", &s.recvs)?;
        m.serialize_entry("bytes_sent", &s.bytes_sent)?;
        m.serialize_entry("bytes_received", &s.bytes_received)?;
        m.serialize_entry("messages_sent", &s.messages_sent)?;
        m.serialize_entry("messages_received", &s.messages_received)?;
        m.serialize_entry("merged_recvs", &s.merged_recvs)?;
        m.serialize_entry("split_messages", &s.split_messages)?;
        m.serialize_entry("most_messages_in_one_recv", &s.most_messages_in_one_recv)?;
        m.serialize_entry("intact", &s.intact)?;
        entry_if(&mut m, "data_segments_out", &s.data_segments_out)?;
        entry_if(&mut m, "segments_captured", &s.segments_captured)?;
        if let Some(wire) = &s.wire {
            m.serialize_entry("wire", &words.wire_reading(wire))?;
            m.serialize_entry("wire_code", wire.code())?;
        }
        entry_if(&mut m, "predicted_recvs", &s.predicted_recvs)?;
        m.serialize_entry("verdict", &words.verdict_text(&s.verdict))?;
        m.serialize_entry("verdict_code", s.verdict.code())?;
        if let Some(hint) = &s.hint {
            m.serialize_entry("hint", &words.hint(hint))?;
            m.serialize_entry("hint_code", hint.code())?;
        }
        let error = s.error.as_ref().map(|e| words.note(e, None));
        entry_if(&mut m, "error", &error)?;
        m.serialize_entry("recv_size", &s.recv_size)?;
        m.serialize_entry("reader_delay_ms", &s.reader_delay_ms)?;
        m.serialize_entry("send_gap_ms", &s.send_gap_ms)?;
        m.serialize_entry("nodelay", &s.nodelay)?;
        entry_if(&mut m, "framing", &s.framing.map(FramingKind::as_str))?;
        entry_if(&mut m, "header", &s.header)?;
        entry_if(&mut m, "delimiter", &s.delimiter)?;
        entry_if(&mut m, "record_size", &s.record_size)?;
        entry_if(&mut m, "max_frame", &s.max_frame)?;
        entry_if(&mut m, "truncated", &s.truncated)?;
        entry_if(&mut m, "corrupt", &s.corrupt.map(Corruption::as_str))?;
        entry_if(&mut m, "link", &s.link)?;
        m.end()
    }
}

/// An optional field: present when it has a value.
fn entry_if<M: SerializeMap, T: Serialize>(
    m: &mut M,
    key: &str,
    value: &Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(v) => m.serialize_entry(key, v),
        None => Ok(()),
    }
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
    // A note's words go where a detail goes: `detail`, in the chosen language (an address
    // pair in one form for all).
    let said = match &event.note {
        Some(_) => Cow::Owned(Event {
            detail: words.json_detail(event),
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
