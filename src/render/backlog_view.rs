//! The view of `lab backlog-demo`: each client's fate before and after accept() began.

use std::fmt::Write as _;

use serde_json::json;

use super::report::{json_lines, push_findings};
use super::text::{Line, Look, paint_wrapped};
use crate::lesson::backlog_demo::{BacklogRun, findings};

/// Where the last column (after accept() began) starts: its text wraps under itself.
const LAST_COLUMN: usize = 41;

pub fn render(run: &BacklogRun, width: usize) -> String {
    let mut out = String::new();
    let o = &run.options;
    let title = format!(
        "lab backlog-demo — listen({}) as a waiting room (半连接池), measured",
        o.backlog
    );
    out.push_str(&paint_wrapped(&Line::of(title, Look::Heading), width, 0));
    let how = format!(
        "the server listens and does not accept() for {} ms; {} clients connect without \
         blocking; then it accepts all it can",
        o.wait.as_millis(),
        o.clients
    );
    out.push_str(&paint_wrapped(&Line::of(how, Look::Dim), width, 0));
    out.push('\n');
    let header = format!(
        "{:<7}{:<8}{:<26}{}",
        "client", "port", "before accept()", "after accept() began"
    );
    out.push_str(&paint_wrapped(
        &Line::of(header, Look::Dim),
        width,
        LAST_COLUMN,
    ));
    for c in &run.clients {
        let mut line = Line::of(format!("c{:<6}{:<8}", c.client, c.port), Look::Plain);
        let state = c.state_before_accept.as_deref().unwrap_or("?");
        if c.connected_before_accept {
            line.push(
                format!("{:<26}", format!("connected ({state})")),
                Look::Good,
            );
        } else {
            line.push(format!("{:<26}", format!("waiting ({state})")), Look::Bad);
        }
        let after = match (
            &c.error,
            c.connected_before_accept,
            c.connected_ms,
            c.accepted_ms,
        ) {
            (Some(e), ..) => format!("failed: {e}"),
            (None, true, _, Some(a)) => format!("accepted at {a:.0} ms"),
            (None, false, _, Some(a)) => format!("got in on a SYN retry, accepted at {a:.0} ms"),
            (None, _, Some(t), None) => format!("handshake done at {t:.0} ms, never accepted"),
            (None, _, None, None) => "still waiting when the demo stopped".to_string(),
        };
        line.push(after, Look::Plain);
        out.push_str(&paint_wrapped(&line, width, LAST_COLUMN));
    }
    let _ = writeln!(
        out,
        "{}",
        Line::of(
            format!("(accept() began at {:.0} ms)", run.accept_began_ms),
            Look::Dim
        )
        .paint()
    );
    out.push('\n');
    push_findings(&mut out, &findings(run), width);
    out
}

/// JSON Lines: the socket events, then the summary graders read.
pub fn render_json(run: &BacklogRun) -> String {
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
        "findings": findings(run),
    });
    json_lines(&run.transcript.events, &summary)
}
