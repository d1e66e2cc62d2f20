//! The views of `lab serve`, `lab chat` and `lab proxy`: one line per event as it happens,
//! each peer in its own colour, every recv() with its size so merges are visible; or JSON
//! Lines with the peer's address on every event. Both in the chosen language: the events
//! carry typed reasons, and [`Words`] says them.

use std::net::SocketAddr;

use serde::Serialize;

use super::text::{Line, Look, Run, paint_wrapped, text_lines};
use super::words::Words;
use crate::lang::Lang;
use crate::tools::live::{LiveEvent, LiveKind, PREVIEW};
use crate::tools::reasons::Leave;
use crate::transcript::Part;

/// The fewest columns a line of bytes gets, however narrow the terminal.
const MIN_BYTES_WIDTH: usize = 12;
/// Columns a byte event's label takes (`message`), before its size.
const LABEL_WIDTH: usize = 7;

/// A peer's colour: the same client keeps its colour for the whole session.
fn peer_colour(peer: Option<SocketAddr>) -> usize {
    peer.map_or(1, |p| usize::from(p.port()) % 4 + 1)
}

/// The text for one event, fitted to `width` columns (no trailing newline): bytes cut to one
/// line, words wrapped under the event's own column. A prompt is the only event without
/// text, and only on a terminal.
pub fn render_line(event: &LiveEvent, width: usize, lang: Lang) -> Option<String> {
    let words = Words(lang);
    let colour = peer_colour(event.peer);
    let mut line = Line::of(format!("{:>9.1} ms  ", event.t_ms), Look::Dim);
    if let Some(peer) = event.peer {
        line.push(format!("{peer:<21} "), Look::Label(colour));
    }
    let hang = line.width();
    match &event.kind {
        LiveKind::Prompt => return None,
        LiveKind::Recv { bytes, .. } => {
            push_bytes(&mut line, words.recv_label(), bytes, colour, width)
        }
        LiveKind::Message { bytes, .. } => {
            push_bytes(&mut line, words.message_label(), bytes, colour, width)
        }
        LiveKind::Send { bytes, .. } => {
            push_bytes(&mut line, words.send_label(), bytes, colour, width)
        }
        LiveKind::Forward {
            to_server, bytes, ..
        } => push_bytes(
            &mut line,
            words.forward_label(*to_server),
            bytes,
            colour,
            width,
        ),
        kind => {
            let (text, look) = said(kind, words);
            line.push(text, look);
        }
    }
    let text = paint_wrapped(&line, width, hang);
    Some(text.trim_end_matches('\n').to_string())
}

/// A byte event: its label, its size, and as many of its bytes as fit on the line.
fn push_bytes(line: &mut Line, label: &str, payload: &[u8], colour: usize, width: usize) {
    // Padded by display width: a Chinese label takes two columns a character.
    let pad = LABEL_WIDTH.saturating_sub(Line::of(label, Look::Plain).width());
    line.push(
        format!("{label}{}{:>6} B  ", " ".repeat(pad), payload.len()),
        Look::Plain,
    );
    let runs = [Run {
        bytes: payload,
        message: colour,
        part: Part::Payload,
    }];
    // Room for the " …" that says more bytes came than the line shows.
    let room = width.saturating_sub(line.width() + 2).max(MIN_BYTES_WIDTH);
    let lines = text_lines(&runs, 0, room, 1);
    let cut = lines.len() > 1 || payload.len() > PREVIEW;
    for chunk in lines.into_iter().next().unwrap_or_default().chunks {
        line.chunks.push(chunk);
    }
    if cut {
        // More bytes than the line shows: say so, never let it look like data was lost.
        line.push(" …", Look::Dim);
    }
}

/// The words of an event that is not bytes, and how they look.
fn said(kind: &LiveKind, words: Words) -> (String, Look) {
    match kind {
        LiveKind::Listening { addr, setup } => (words.listening(*addr, setup), Look::Heading),
        LiveKind::Accepted { clients } => (words.accepted(*clients), Look::Good),
        LiveKind::Refused { why } => (words.refused(why), Look::Bad),
        LiveKind::Left { why } => {
            let look = match why.reason() {
                Leave::Closed | Leave::Shutdown => Look::Dim,
                _ => Look::Bad,
            };
            (words.left(why), look)
        }
        LiveKind::Note { note } => (words.live_note(note), Look::Dim),
        LiveKind::Totals {
            bytes_in,
            bytes_out,
            recv_calls,
            messages,
        } => (
            words.totals(None, *bytes_in, *bytes_out, *recv_calls, *messages),
            Look::Plain,
        ),
        LiveKind::Stopped {
            clients,
            bytes_in,
            bytes_out,
            recv_calls,
            messages,
        } => (
            words.totals(
                Some(*clients),
                *bytes_in,
                *bytes_out,
                *recv_calls,
                *messages,
            ),
            Look::Heading,
        ),
        // Bytes and prompts are not words.
        LiveKind::Prompt
        | LiveKind::Recv { .. }
        | LiveKind::Message { .. }
        | LiveKind::Send { .. }
        | LiveKind::Forward { .. } => (String::new(), Look::Plain),
    }
}

/// One JSON line: the event's own fields, then its words (`detail`, in the chosen language)
/// and the stable code beside them (`reason` of a refusal, `code` of a note).
#[derive(Serialize)]
struct JsonLine<'a> {
    t_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    peer: Option<SocketAddr>,
    #[serde(flatten)]
    kind: &'a LiveKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
}

/// The JSON line for one event (prompts are not events for a script).
pub fn render_json_line(event: &LiveEvent, lang: Lang) -> Option<String> {
    let words = Words(lang);
    let (detail, reason, code) = match &event.kind {
        LiveKind::Prompt => return None,
        LiveKind::Listening { setup, .. } => (Some(words.setup(setup)), None, None),
        LiveKind::Refused { why } => (Some(words.turn_away(why)), Some(why.code()), None),
        LiveKind::Left { why } => (Some(words.departure(why)), None, None),
        LiveKind::Note { note } => (Some(words.live_note(note)), None, Some(note.code())),
        _ => (None, None, None),
    };
    let line = JsonLine {
        t_ms: event.t_ms,
        peer: event.peer,
        kind: &event.kind,
        detail,
        reason,
        code,
    };
    Some(serde_json::to_string(&line).expect("live events serialize: plain fields only"))
}
