//! The views of `lab serve`, `lab chat` and `lab proxy`: one line per event as it happens,
//! each peer in its own colour, every recv() with its size so merges are visible; or JSON
//! Lines with the peer's address on every event.

use std::net::SocketAddr;

use super::text::{Line, Look, Run, paint_wrapped, text_lines};
use crate::tools::live::{Leave, LiveEvent, LiveKind};
use crate::transcript::Part;

/// The fewest columns a line of bytes gets, however narrow the terminal.
const MIN_BYTES_WIDTH: usize = 12;

/// A peer's colour: the same client keeps its colour for the whole session.
fn peer_colour(peer: Option<SocketAddr>) -> usize {
    peer.map_or(1, |p| usize::from(p.port()) % 4 + 1)
}

/// The text for one event, fitted to `width` columns (no trailing newline): bytes cut to one
/// line, words wrapped under the event's own column. A prompt is the only event without
/// text, and only on a terminal.
pub fn render_line(event: &LiveEvent, width: usize) -> Option<String> {
    let n = peer_colour(event.peer);
    let mut line = Line::of(format!("{:>9.1} ms  ", event.t_ms), Look::Dim);
    if let Some(peer) = event.peer {
        line.push(format!("{peer:<21} "), Look::Label(n));
    }
    let hang = line.width();
    let bytes = |line: &mut Line, label: &str, payload: &[u8]| {
        line.push(format!("{label:<7}{:>6} B  ", payload.len()), Look::Plain);
        let runs = [Run {
            bytes: payload,
            message: n,
            part: Part::Payload,
        }];
        // Room for the " …" that says more bytes came than the line shows.
        let room = width.saturating_sub(line.width() + 2).max(MIN_BYTES_WIDTH);
        let lines = text_lines(&runs, 0, room, 1);
        let cut = lines.len() > 1 || payload.len() > crate::tools::live::PREVIEW;
        for chunk in lines.into_iter().next().unwrap_or_default().chunks {
            line.chunks.push(chunk);
        }
        if cut {
            // More bytes than the line shows: say so, never let it look like data was lost.
            line.push(" …", Look::Dim);
        }
    };
    match &event.kind {
        LiveKind::Listening { addr, detail } => {
            line.push(format!("listening on {addr} — {detail}"), Look::Heading);
        }
        LiveKind::Accepted { clients } => {
            line.push(
                format!(
                    "connected ({clients} client{} now)",
                    if *clients == 1 { "" } else { "s" }
                ),
                Look::Good,
            );
        }
        LiveKind::Refused { detail } => {
            line.push(format!("refused: {detail}"), Look::Bad);
        }
        LiveKind::Recv { bytes: b, .. } => bytes(&mut line, "recv", b),
        LiveKind::Message { bytes: b, .. } => bytes(&mut line, "message", b),
        LiveKind::Send { bytes: b, .. } => bytes(&mut line, "send", b),
        LiveKind::Forward {
            to_server,
            bytes: b,
            ..
        } => {
            bytes(
                &mut line,
                if *to_server {
                    "→ server"
                } else {
                    "← client"
                },
                b,
            );
        }
        LiveKind::Left { reason, detail } => {
            let look = match reason {
                Leave::Closed | Leave::Shutdown => Look::Dim,
                _ => Look::Bad,
            };
            line.push(format!("left: {detail}"), look);
        }
        LiveKind::Note { detail } => {
            line.push(detail.clone(), Look::Dim);
        }
        LiveKind::Prompt => return None,
        LiveKind::Totals {
            bytes_in,
            bytes_out,
            recv_calls,
            messages,
        } => {
            line.push(
                format!(
                    "totals: {bytes_in} B in over {}, {}, {bytes_out} B out",
                    count(*recv_calls, "recv() call", "recv() calls"),
                    count(*messages, "message", "messages")
                ),
                Look::Plain,
            );
        }
        LiveKind::Stopped {
            clients,
            bytes_in,
            bytes_out,
            recv_calls,
            messages,
        } => {
            line.push(
                format!(
                    "stopped: {} served, {bytes_in} B in over {}, {}, {bytes_out} B out",
                    count(*clients, "client", "clients"),
                    count(*recv_calls, "recv() call", "recv() calls"),
                    count(*messages, "message", "messages")
                ),
                Look::Heading,
            );
        }
    }
    let text = paint_wrapped(&line, width, hang);
    Some(text.trim_end_matches('\n').to_string())
}

/// The JSON line for one event (prompts are not events for a script).
pub fn render_json_line(event: &LiveEvent) -> Option<String> {
    if event.kind == LiveKind::Prompt {
        return None;
    }
    Some(serde_json::to_string(event).expect("live events serialize: plain fields only"))
}

fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
