//! The view of `lab backlog-demo`: each client's fate before and after accept() began.

use std::fmt::Write as _;

use serde_json::json;

use super::report::{json_lines, push_findings};
use super::text::{Line, Look, pad, paint_wrapped};
use super::words::Words;
use crate::lesson::backlog_demo::{BacklogRun, ClientOutcome, findings};

/// Where the last column (after accept() began) starts: its text wraps under itself.
const LAST_COLUMN: usize = 41;

pub fn render(run: &BacklogRun, width: usize, words: Words) -> String {
    let mut out = String::new();
    let o = &run.options;
    let title = words.backlog_title(o.backlog);
    out.push_str(&paint_wrapped(&Line::of(title, Look::Heading), width, 0));
    let how = words.backlog_how(o.wait.as_millis(), o.clients);
    out.push_str(&paint_wrapped(&Line::of(how, Look::Dim), width, 0));
    out.push('\n');
    let [client, port, before, after] = words.backlog_columns();
    let header = format!(
        "{}{}{}{after}",
        pad(client, 7),
        pad(port, 8),
        pad(before, 26)
    );
    out.push_str(&paint_wrapped(
        &Line::of(header, Look::Dim),
        width,
        LAST_COLUMN,
    ));
    for c in &run.clients {
        out.push_str(&paint_wrapped(&client_line(c, words), width, LAST_COLUMN));
    }
    let began = words.backlog_accept_began(run.accept_began_ms);
    let _ = writeln!(out, "{}", Line::of(began, Look::Dim).paint());
    out.push('\n');
    let findings: Vec<String> = findings(run)
        .iter()
        .map(|f| words.backlog_finding(f))
        .collect();
    push_findings(&mut out, &findings, width);
    out
}

/// One client's row: its number, its port, its state when the wait ended, what came after.
fn client_line(c: &ClientOutcome, words: Words) -> Line {
    let mut line = Line::of(format!("c{:<6}{:<8}", c.client, c.port), Look::Plain);
    let state = c.state_before_accept.as_deref().unwrap_or("?");
    let before = pad(&words.backlog_before(c.connected_before_accept, state), 26);
    line.push(
        before,
        if c.connected_before_accept {
            Look::Good
        } else {
            Look::Bad
        },
    );
    let after = match (
        &c.error,
        c.connected_before_accept,
        c.connected_ms,
        c.accepted_ms,
    ) {
        (Some(e), ..) => words.backlog_failed(e),
        (None, true, _, Some(a)) => words.backlog_accepted(false, a),
        (None, false, _, Some(a)) => words.backlog_accepted(true, a),
        (None, _, Some(t), None) => words.backlog_never_accepted(t),
        (None, _, None, None) => words.backlog_still_waiting().to_string(),
    };
    line.push(after, Look::Plain);
    line
}

/// JSON Lines: the socket events, then the summary graders read. `findings` are sentences
/// in the chosen language; `finding_codes`, in the same order, are stable codes.
pub fn render_json(run: &BacklogRun, words: Words) -> String {
    let findings = findings(run);
    let summary = json!({
        "op": "summary",
        "lesson": "backlog-demo",
        "backlog": run.options.backlog,
        "somaxconn": run.somaxconn,
        "applied_backlog": run.applied_backlog,
        "queue_len_before_accept": run.queue_len_before_accept,
        "stranded": run.stranded(),
        "counters": run.counters.iter().map(|(n, v)| (n.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "clients": run.options.clients,
        "wait_ms": run.options.wait.as_millis() as u64,
        "connected_before_accept": run.connected_before_accept(),
        "pending_before_accept": run.options.clients - run.connected_before_accept(),
        "accepted": run.accepted(),
        "accept_began_ms": run.accept_began_ms,
        "per_client": run.clients,
        "findings": findings.iter().map(|f| words.backlog_finding(f)).collect::<Vec<_>>(),
        "finding_codes": findings.iter().map(|f| f.code()).collect::<Vec<_>>(),
    });
    let detail = |seq| run.details.of(seq).map(|d| words.backlog_detail(d));
    json_lines(&run.transcript.events, detail, &summary)
}
