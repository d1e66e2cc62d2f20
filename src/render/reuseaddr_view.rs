//! The view of `lab reuseaddr-demo`: the measured matrix, then what it shows.

use std::fmt::Write as _;

use serde_json::json;

use super::report::{json_lines, push_findings};
use super::text::{Line, Look, paint_wrapped};
use crate::lesson::reuseaddr_demo::{ReuseRow, ReuseRun, findings};

/// Where the last column (the new bind()'s result) starts: its text wraps under itself.
const LAST_COLUMN: usize = 57;

pub fn render(run: &ReuseRun, width: usize) -> String {
    let mut out = String::new();
    let title = "lab reuseaddr-demo — restart a server on the same port at once, measured";
    out.push_str(&paint_wrapped(&Line::of(title, Look::Heading), width, 0));
    let how = "each row: a server accepts a client, they close, the server exits, and a new \
               server binds the same port; TIME_WAIT is read from /proc/net/tcp";
    out.push_str(&paint_wrapped(&Line::of(how, Look::Dim), width, 0));
    out.push('\n');
    let header = format!(
        "{:<14} {:<9} {:<9} {:<20} {}",
        "closes first", "old", "new", "TIME_WAIT", "new bind()"
    );
    out.push_str(&paint_wrapped(
        &Line::of(header, Look::Dim),
        width,
        LAST_COLUMN,
    ));
    let sub = format!(
        "{:<14} {:<9} {:<9} {:<20}",
        "", "REUSEADDR", "REUSEADDR", "(/proc/net/tcp)"
    );
    let _ = writeln!(out, "{}", Line::of(sub.trim_end(), Look::Dim).paint());
    for row in &run.rows {
        push_row(&mut out, row, width);
    }
    out.push('\n');
    push_findings(&mut out, &findings(&run.rows), width);
    out
}

fn push_row(out: &mut String, row: &ReuseRow, width: usize) {
    let on_off = |b: bool| if b { "on" } else { "off" };
    let time_wait = match (row.closer, row.time_wait_on) {
        ("live listener", _) => "— (still listening)".to_string(),
        (_, Some(side)) => format!("on the {side}"),
        (_, None) => "none".to_string(),
    };
    let mut line = Line::of(
        format!(
            "{:<14} {:<9} {:<9} {:<20} ",
            row.closer,
            on_off(row.old_reuseaddr),
            on_off(row.new_reuseaddr),
            time_wait
        ),
        Look::Plain,
    );
    match &row.error {
        None => line.push("ok", Look::Good),
        Some(e) => line.push(e.clone(), Look::Bad),
    };
    out.push_str(&paint_wrapped(&line, width, LAST_COLUMN));
}

/// JSON Lines: every socket event, then `{"op":"summary","lesson":"reuseaddr-demo","rows":…}`.
pub fn render_json(run: &ReuseRun) -> String {
    let summary = json!({
        "op": "summary",
        "lesson": "reuseaddr-demo",
        "rows": run.rows,
        "findings": findings(&run.rows),
    });
    json_lines(&run.transcript.events, &summary)
}
