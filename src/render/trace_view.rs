//! The end of `lab trace`: each connection side by side — the client's calls on the left, the
//! server's on the right, both directions, every byte coloured by the send() that wrote it —
//! with each direction's counts and verdict (judged as sticky-demo judges), then how each
//! program ended. `--json`: one `connection` line each, then the summary.

use std::fmt::Write as _;

use serde::Serialize;

use super::ViewOptions;
use super::linked_view;
use super::side_by_side::{
    Table, figures, labelled, push_line, setup_summary, table, verdict_look,
};
use super::text::{Line, Look, Run, text_lines, wrap_words};
use super::trace_words::{end_text, role_name};
use crate::analysis::Summary;
use crate::lang::Lang;
use crate::trace::{ConnectionReport, DirectionReport, TraceReport};
use crate::transcript::{Direction, Op, Part};

/// Connections shown side by side; the rest are counted (the JSON has them all).
const MAX_CONNECTIONS: usize = crate::trace::CONNECTION_VIEWS;

/// The whole final view.
pub fn render(report: &TraceReport, options: ViewOptions) -> String {
    let mut out = String::new();
    for conn in report.connections.iter().take(MAX_CONNECTIONS) {
        out.push('\n');
        connection(report, conn, options, &mut out);
    }
    let more = report.connections.len().saturating_sub(MAX_CONNECTIONS);
    if more > 0 {
        let text = format!("… and {more} more connections (--json lists every one)");
        push_line(&mut out, &Line::of(text, Look::Dim));
    }
    out.push('\n');
    if report.connections.is_empty() {
        let text = "no TCP connection was made (files, pipes, the terminal, UDP and AF_UNIX \
                    sockets are not shown)";
        labelled(&mut out, options.width, "traced", text, Look::Dim);
    }
    programs(report, options.width, &mut out);
    out
}

fn end_name(pid: Option<u32>) -> String {
    match pid {
        Some(pid) => format!("pid {pid}"),
        None => "not traced".into(),
    }
}

fn connection(
    report: &TraceReport,
    conn: &ConnectionReport,
    options: ViewOptions,
    out: &mut String,
) {
    let title = format!(
        "lab trace — connection #{}: client {} → server {}",
        conn.id, conn.client, conn.server
    );
    push_line(out, &Line::of(title, Look::Heading));
    let mut knobs = Vec::new();
    if let Some(n) = report.recv_max {
        knobs.push(format!("--recv-max {n}"));
    }
    if let Some(n) = report.send_max {
        knobs.push(format!("--send-max {n}"));
    }
    if report.reader_delay_ms > 0 {
        knobs.push(format!(
            "reader {} ms late (--reader-delay)",
            report.reader_delay_ms
        ));
    }
    if !knobs.is_empty() {
        push_line(
            out,
            &Line::of(format!("knobs: {}", knobs.join(" · ")), Look::Dim),
        );
    }
    if let Some(line) = linked_view::spec_line(report) {
        push_line(out, &line);
    }
    for l in setup_summary(&conn.transcript)
        .iter()
        .flat_map(|s| wrap_words(s, options.width))
    {
        push_line(out, &Line::of(l, Look::Dim));
    }
    for d in &conn.directions {
        legend(d, options.width, out);
    }
    let origin = origin_us(conn) as f64 / 1000.0;
    let clock = format!("t ms: from the connect, {origin:.1} ms into the trace");
    push_line(out, &Line::of(clock, Look::Dim));
    out.push('\n');
    let titles = [
        Some(Line::of(
            format!("client ({})", end_name(conn.pids[0])),
            Look::Heading,
        )),
        linked_view::column_title(conn, Lang::En),
        Some(Line::of(
            format!("server ({})", end_name(conn.pids[1])),
            Look::Heading,
        )),
    ];
    let spec = Table {
        transcript: &conn.transcript,
        titles: titles.into_iter().flatten().collect(),
        dropped: conn.gap,
        origin_us: origin_us(conn),
        held: linked_view::held(conn),
    };
    let mut head = String::new();
    let rows = table(&spec, options, &mut head);
    out.push_str(&head);
    for row in rows {
        out.push_str(&row);
    }
    out.push('\n');
    linked_view::footer(conn, options, Lang::En, out);
    for d in &conn.directions {
        direction_footer(d, options.width, out);
    }
    labelled(out, options.width, "next", &hint(report, conn), Look::Dim);
}

/// Where the connection's clock starts: its connect (or accept), else its first event.
pub(super) fn origin_us(conn: &ConnectionReport) -> u64 {
    let events = &conn.transcript.events;
    events
        .iter()
        .find(|e| matches!(e.op, Op::Connect | Op::Accept | Op::Send | Op::Recv))
        .or(events.first())
        .map_or(0, |e| e.t_us)
}

fn arrow(direction: Direction) -> &'static str {
    match direction {
        Direction::ToServer => "client → server",
        Direction::ToClient => "server → client",
    }
}

/// `client → server:  m1 hello  m3 again` — the messages of one direction, in colour.
fn legend(d: &DirectionReport, width: usize, out: &mut String) {
    if d.legend.is_empty() {
        return;
    }
    let mut line = Line::of(format!("{}:", arrow(d.direction)), Look::Dim);
    for (n, bytes) in &d.legend {
        let runs = [Run {
            bytes,
            message: *n,
            part: Part::Payload,
        }];
        let preview = text_lines(&runs, 0, 20, 1)
            .into_iter()
            .next()
            .unwrap_or_default();
        let item = 2 + format!("m{n} ").len() + preview.width();
        if line.width() + item > width {
            push_line(out, &line);
            line = Line::of(" ".repeat(17), Look::Plain);
        }
        line.push("  ", Look::Plain);
        line.push(format!("m{n}"), Look::Label(*n));
        line.push(" ", Look::Plain);
        line.chunks.extend(preview.chunks);
    }
    if d.messages > d.legend.len() {
        line.push(format!("  … {} messages in all", d.messages), Look::Dim);
    }
    push_line(out, &line);
}

/// The direction's figures and verdict, unless nothing went that way.
fn direction_footer(d: &DirectionReport, width: usize, out: &mut String) {
    let s = &d.summary;
    if s.sends == 0 && s.recvs == 0 && s.error.is_none() {
        return;
    }
    push_line(out, &Line::of(arrow(d.direction), Look::Heading));
    labelled(out, width, "measured", &figures(s), Look::Plain);
    if !s.wire.is_empty() {
        labelled(out, width, "wire", &s.wire, Look::Plain);
    }
    linked_view::direction_line(d, width, Lang::En, out);
    match (d.sender_traced, d.receiver_traced) {
        (true, true) => labelled(out, width, "verdict", &s.verdict, verdict_look(s)),
        (false, _) => {
            let sender = d.direction.sender();
            let text = format!(
                "the {} was not traced: its send() calls are unknown, so merges and splits \
                 cannot be counted",
                side_word(sender)
            );
            labelled(out, width, "verdict", &text, Look::Dim);
        }
        (true, false) => {
            let text = format!(
                "the {} was not traced: how its recv() calls fell is unknown",
                side_word(d.direction.reverse().sender())
            );
            labelled(out, width, "verdict", &text, Look::Dim);
        }
    }
}

fn side_word(side: crate::transcript::Side) -> &'static str {
    match side {
        crate::transcript::Side::Client => "client",
        crate::transcript::Side::Server => "server",
    }
}

/// What to try next, from what the connection showed.
fn hint(report: &TraceReport, conn: &ConnectionReport) -> String {
    let lost = conn
        .directions
        .iter()
        .any(|d| d.summary.merged_recvs > 0 || d.summary.split_messages > 0);
    let base = "recv(N) returns whatever bytes have arrived, up to N: TCP keeps no message \
                boundaries. Read in a loop, with a length header saying how much (lab \
                framed-demo).";
    if lost {
        return base.into();
    }
    if report.reader_delay_ms == 0 {
        format!(
            "Make the server's first recv() late and watch messages merge: --reader-delay 100. {base}"
        )
    } else if report.recv_max.is_none() {
        format!("Make every recv() ask for less and watch messages split: --recv-max 4. {base}")
    } else {
        base.into()
    }
}

fn programs(report: &TraceReport, width: usize, out: &mut String) {
    for (k, p) in report.programs.iter().enumerate() {
        let pid = p.pid.map_or(String::new(), |pid| format!(" (pid {pid})"));
        let text = format!(
            "{:<7} {}{pid} {}",
            role_name(p.role),
            p.command,
            end_text(p.end)
        );
        let label = if k == 0 { "programs" } else { "" };
        let look = match p.end {
            crate::trace::ProgramEnd::Exited(0) => Look::Plain,
            crate::trace::ProgramEnd::Stopped { .. } => Look::Dim,
            _ => Look::Bad,
        };
        labelled(out, width, label, &text, look);
    }
    if report.interrupted {
        labelled(out, width, "", "stopped by Ctrl-C", Look::Dim);
    }
}

/// One direction in `--json`: sticky-demo's counts, verdict and what was traced.
#[derive(Serialize)]
struct JsonDirection<'a> {
    sends: usize,
    recvs: usize,
    bytes_sent: u64,
    bytes_received: u64,
    messages_sent: usize,
    merged_recvs: usize,
    split_messages: usize,
    most_messages_in_one_recv: usize,
    intact: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_segments_out: Option<u32>,
    #[serde(skip_serializing_if = "str::is_empty")]
    wire: &'a str,
    verdict: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    sender_traced: bool,
    receiver_traced: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_link: Option<&'a crate::analysis::segments::LinkSegments>,
}

fn json_direction(d: &DirectionReport) -> JsonDirection<'_> {
    let s: &Summary = &d.summary;
    JsonDirection {
        sends: s.sends,
        recvs: s.recvs,
        bytes_sent: s.bytes_sent,
        bytes_received: s.bytes_received,
        messages_sent: s.messages_sent,
        merged_recvs: s.merged_recvs,
        split_messages: s.split_messages,
        most_messages_in_one_recv: s.most_messages_in_one_recv,
        intact: s.intact,
        data_segments_out: s.data_segments_out,
        wire: &s.wire,
        verdict: &s.verdict,
        error: s.error.as_deref(),
        sender_traced: d.sender_traced,
        receiver_traced: d.receiver_traced,
        on_link: d.on_link.as_ref(),
    }
}

/// `--json`: a `connection` line each, then `summary` with the totals and the programs.
pub fn render_json(report: &TraceReport) -> String {
    let mut out = String::new();
    for conn in &report.connections {
        let mut line = serde_json::json!({
            "op": "connection",
            "conn": conn.id,
            "client": conn.client.to_string(),
            "server": conn.server.to_string(),
            "client_pid": conn.pids[0],
            "server_pid": conn.pids[1],
            "to_server": json_direction(&conn.directions[0]),
            "to_client": json_direction(&conn.directions[1]),
        });
        if let Some(link) = &conn.link {
            line["link"] = serde_json::json!(link);
        }
        let _ = writeln!(out, "{line}");
    }
    let all = || report.connections.iter().flat_map(|c| c.directions.iter());
    let sum = |f: fn(&Summary) -> usize| all().map(|d| f(&d.summary)).sum::<usize>();
    let programs: Vec<serde_json::Value> = report
        .programs
        .iter()
        .map(|p| {
            let mut program = serde_json::json!({
                "role": role_name(p.role),
                "command": p.command,
                "pid": p.pid,
            });
            match p.end {
                crate::trace::ProgramEnd::Exited(code) => program["exit_code"] = code.into(),
                crate::trace::ProgramEnd::Signaled(signal) => program["signal"] = signal.into(),
                crate::trace::ProgramEnd::Stopped { signal, .. } => {
                    program["signal"] = signal.into();
                    program["stopped_by_lab"] = true.into();
                }
                crate::trace::ProgramEnd::NotStarted => program["started"] = false.into(),
            }
            program
        })
        .collect();
    let summary = serde_json::json!({
        "op": "summary",
        "lesson": "trace",
        "connections": report.connections.len(),
        "sends": sum(|s| s.sends),
        "recvs": sum(|s| s.recvs),
        "bytes_sent": all().map(|d| d.summary.bytes_sent).sum::<u64>(),
        "bytes_received": all().map(|d| d.summary.bytes_received).sum::<u64>(),
        "messages_sent": sum(|s| s.messages_sent),
        "merged_recvs": sum(|s| s.merged_recvs),
        "split_messages": sum(|s| s.split_messages),
        "most_messages_in_one_recv": all().map(|d| d.summary.most_messages_in_one_recv).max().unwrap_or(0),
        "events": report.events,
        "interrupted": report.interrupted,
        "programs": programs,
    });
    let _ = writeln!(out, "{summary}");
    out
}
