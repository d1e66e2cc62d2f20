//! The view of `lab reuseaddr-demo`: the measured matrix, then what it shows.

use std::fmt::Write as _;

use serde_json::json;

use super::report::{json_lines, push_findings};
use super::text::{Line, Look, pad, paint_wrapped};
use super::words::Words;
use crate::lesson::reuseaddr_demo::{ReuseRow, ReuseRun, findings};

/// Where the last column (the new bind()'s result) starts: its text wraps under itself.
const LAST_COLUMN: usize = 57;

pub fn render(run: &ReuseRun, width: usize, words: Words) -> String {
    let mut out = String::new();
    let title = words.reuse_title();
    out.push_str(&paint_wrapped(&Line::of(title, Look::Heading), width, 0));
    let how = words.reuse_how();
    out.push_str(&paint_wrapped(&Line::of(how, Look::Dim), width, 0));
    out.push('\n');
    let [closes, old, new, time_wait, bind] = words.reuse_columns();
    let header = columns([closes, old, new, time_wait]) + bind;
    out.push_str(&paint_wrapped(
        &Line::of(header, Look::Dim),
        width,
        LAST_COLUMN,
    ));
    let sub = columns(["", "REUSEADDR", "REUSEADDR", "(/proc/net/tcp)"]);
    let _ = writeln!(out, "{}", Line::of(sub.trim_end(), Look::Dim).paint());
    for row in &run.rows {
        push_row(&mut out, row, width, words);
    }
    out.push('\n');
    let findings: Vec<String> = findings(&run.rows)
        .iter()
        .map(|f| words.reuse_finding(f))
        .collect();
    push_findings(&mut out, &findings, width);
    out
}

/// The matrix's first four columns, padded to their widths (in display columns).
fn columns(cells: [&str; 4]) -> String {
    let [closes, old, new, time_wait] = cells;
    format!(
        "{} {} {} {} ",
        pad(closes, 14),
        pad(old, 9),
        pad(new, 9),
        pad(time_wait, 20)
    )
}

fn push_row(out: &mut String, row: &ReuseRow, width: usize, words: Words) {
    let mut line = Line::of(
        columns([
            words.reuse_case(row.closer),
            words.on_off(row.old_reuseaddr),
            words.on_off(row.new_reuseaddr),
            words.reuse_time_wait(row.closer, row.time_wait_on),
        ]),
        Look::Plain,
    );
    match &row.error {
        None => line.push(words.reuse_bind_ok(), Look::Good),
        Some(e) => line.push(e.clone(), Look::Bad),
    };
    out.push_str(&paint_wrapped(&line, width, LAST_COLUMN));
}

/// JSON Lines: every socket event, then `{"op":"summary","lesson":"reuseaddr-demo","rows":…}`.
/// `findings` are sentences in the chosen language; `finding_codes`, in the same order, are
/// stable codes.
pub fn render_json(run: &ReuseRun, words: Words) -> String {
    let findings = findings(&run.rows);
    let summary = json!({
        "op": "summary",
        "lesson": "reuseaddr-demo",
        "rows": run.rows,
        "findings": findings.iter().map(|f| words.reuse_finding(f)).collect::<Vec<_>>(),
        "finding_codes": findings.iter().map(|f| f.code()).collect::<Vec<_>>(),
    });
    let detail = |seq| run.details.of(seq).map(|d| words.reuse_detail(d));
    json_lines(&run.transcript.events, detail, &summary)
}
