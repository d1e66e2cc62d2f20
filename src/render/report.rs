//! Pieces shared by the views of lessons that end in findings rather than a byte table
//! (reuseaddr-demo, backlog-demo): bulleted findings, and events-then-summary JSON Lines.

use std::fmt::Write as _;

use super::text::{Line, Look, paint_wrapped};
use crate::transcript::Event;

/// `• finding…` bullets, wrapped to `width` columns.
pub fn push_findings(out: &mut String, findings: &[String], width: usize) {
    for finding in findings {
        out.push_str(&paint_wrapped(
            &Line::of(format!("• {finding}"), Look::Plain),
            width,
            2,
        ));
    }
}

/// JSON Lines: every event, then the summary object. An event whose detail is a typed fact
/// gets it in words from `detail` (by the event's `seq`).
pub fn json_lines(
    events: &[Event],
    detail: impl Fn(usize) -> Option<String>,
    summary: &serde_json::Value,
) -> String {
    let mut out = String::new();
    for event in events {
        let line = match detail(event.seq) {
            Some(text) => serde_json::to_string(&Event {
                detail: Some(text),
                ..event.clone()
            }),
            None => serde_json::to_string(event),
        };
        let line = line.expect("events serialize: plain fields only");
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "{summary}");
    out
}
