//! The end of `lab trace`: each connection side by side — the client's calls on the left, the
//! server's on the right, both directions, every byte coloured by the send() that wrote it —
//! with each direction's counts and verdict (judged as sticky-demo judges), then how each
//! program ended. `--json`: one `connection` line each, then the summary.

use std::fmt::Write as _;

use serde::Serialize;

use super::ViewOptions;
use super::linked_view;
use super::side_by_side::{
    Table, bytes_cell, labelled, prefix, push_line, setup_summary, table, verdict_look, words,
};
use super::text::{Line, Look, Run, paint_wrapped, text_lines, wrap_words};
use super::words::Words;
use crate::analysis::Summary;
use crate::trace::{ConnectionReport, DirectionReport, ProgramEnd, Role, TraceReport};
use crate::transcript::{Event, Op, Part, Side, Transcript};

/// Connections shown side by side; the rest are counted (the JSON has them all).
const MAX_CONNECTIONS: usize = crate::trace::CONNECTION_VIEWS;
/// Lines of notes under one call's bytes at most (a narrow column wraps them tall).
const NOTE_LINES: usize = 16;

/// The whole final view.
pub fn render(report: &TraceReport, options: ViewOptions) -> String {
    let (width, w) = (options.width, options.words());
    let mut out = String::new();
    for conn in report.connections.iter().take(MAX_CONNECTIONS) {
        out.push('\n');
        connection(report, conn, options, &mut out);
    }
    let more = report.connections.len().saturating_sub(MAX_CONNECTIONS);
    if more > 0 {
        push_line(&mut out, &Line::of(w.more_connections(more), Look::Dim));
    }
    out.push('\n');
    if report.connections.is_empty() {
        labelled(
            &mut out,
            width,
            w.traced_label(),
            w.no_connection(),
            Look::Dim,
        );
    }
    programs(report, width, w, &mut out);
    out
}

fn connection(
    report: &TraceReport,
    conn: &ConnectionReport,
    options: ViewOptions,
    out: &mut String,
) {
    let (width, w) = (options.width, options.words());
    let title = w.connection_title(conn.id, conn.client, conn.server);
    out.push_str(&paint_wrapped(&Line::of(title, Look::Heading), width, 2));
    let mut knobs = Vec::new();
    if let Some(n) = report.recv_max {
        knobs.push(format!("--recv-max {n}"));
    }
    if let Some(n) = report.send_max {
        knobs.push(format!("--send-max {n}"));
    }
    if report.reader_delay_ms > 0 {
        knobs.push(w.reader_late(report.reader_delay_ms));
    }
    if !knobs.is_empty() {
        let line = format!("{}{}", w.knobs_label(), knobs.join(" · "));
        out.push_str(&paint_wrapped(&Line::of(line, Look::Dim), width, 2));
    }
    if let Some(line) = linked_view::spec_line(report, w.0) {
        push_line(out, &line);
    }
    for l in setup_summary(&conn.transcript, w)
        .iter()
        .flat_map(|s| wrap_words(s, width))
    {
        push_line(out, &Line::of(l, Look::Dim));
    }
    for d in &conn.directions {
        legend(d, width, w, out);
    }
    let clock = Line::of(w.trace_clock(origin_us(conn)), Look::Dim);
    out.push_str(&paint_wrapped(&clock, width, 2));
    out.push('\n');
    let titles = [
        Some(Line::of(
            w.traced_end(Side::Client, conn.pids[0]),
            Look::Heading,
        )),
        linked_view::column_title(conn, w.0),
        Some(Line::of(
            w.traced_end(Side::Server, conn.pids[1]),
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
    linked_view::footer(conn, options, w.0, out);
    for d in &conn.directions {
        direction_footer(d, width, w, out);
    }
    labelled(out, width, w.next_step(), &hint(report, conn, w), Look::Dim);
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

/// `client → server:  m1 hello  m3 again` — the messages of one direction, in colour.
fn legend(d: &DirectionReport, width: usize, w: Words, out: &mut String) {
    if d.legend.is_empty() {
        return;
    }
    let mut line = Line::of(w.arrow_legend(d.direction), Look::Dim);
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
        line.push(w.messages_in_all(d.messages), Look::Dim);
    }
    push_line(out, &line);
}

/// The direction's figures and verdict, unless nothing went that way.
fn direction_footer(d: &DirectionReport, width: usize, w: Words, out: &mut String) {
    let s = &d.summary;
    if s.sends == 0 && s.recvs == 0 && s.error.is_none() {
        return;
    }
    push_line(out, &Line::of(w.arrow(d.direction), Look::Heading));
    labelled(out, width, w.measured(), &w.figures(s), Look::Plain);
    if let Some(wire) = &s.wire {
        labelled(out, width, w.wire(), &w.wire_reading(wire), Look::Plain);
    }
    linked_view::direction_line(d, width, w.0, out);
    let (text, look) = match (d.sender_traced, d.receiver_traced) {
        (true, true) => (w.verdict_text(&s.verdict), verdict_look(s)),
        (false, _) => (w.untraced(d.direction.sender(), true), Look::Dim),
        (true, false) => (w.untraced(d.direction.reverse().sender(), false), Look::Dim),
    };
    labelled(out, width, w.verdict(), &text, look);
}

/// What to try next, from what the connection showed.
fn hint(report: &TraceReport, conn: &ConnectionReport, w: Words) -> String {
    let lost = conn
        .directions
        .iter()
        .any(|d| d.summary.merged_recvs > 0 || d.summary.split_messages > 0);
    // lab can hold the server's recv() only in a server it traces.
    let late_reader = !lost && report.reader_delay_ms == 0 && conn.directions[0].receiver_traced;
    let small_recvs = !lost && report.recv_max.is_none();
    w.trace_hint(late_reader, small_recvs)
}

fn programs(report: &TraceReport, width: usize, w: Words, out: &mut String) {
    for (k, p) in report.programs.iter().enumerate() {
        let mut text = w.program_line(p.role, &p.command, p.pid, p.end);
        if let (ProgramEnd::Exited(code), Some((pid, signal))) = (p.end, p.killed_inside) {
            if code != 0 {
                text.push_str(&w.killed_inside(pid, signal));
            }
        }
        let label = if k == 0 { w.programs_label() } else { "" };
        let look = match p.end {
            ProgramEnd::Exited(0) => Look::Plain,
            ProgramEnd::Stopped { .. } => Look::Dim,
            _ => Look::Bad,
        };
        labelled(out, width, label, &text, look);
    }
    if let Some(by) = report.interrupted_by {
        labelled(out, width, "", &w.stopped_by(by), Look::Dim);
    }
}

/// How the JSON spells a program's role.
pub(super) fn role_code(role: Role) -> &'static str {
    match role {
        Role::Program => "program",
        Role::Server => "server",
        Role::Client => "client",
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
    #[serde(skip_serializing_if = "Option::is_none")]
    wire: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wire_code: Option<&'a str>,
    verdict: String,
    verdict_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    sender_traced: bool,
    receiver_traced: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_link: Option<&'a crate::analysis::segments::LinkSegments>,
}

fn json_direction(d: &DirectionReport, words: Words) -> JsonDirection<'_> {
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
        wire: s.wire.as_ref().map(|w| words.wire_reading(w)),
        wire_code: s.wire.as_ref().map(|w| w.code()),
        verdict: words.verdict_text(&s.verdict),
        verdict_code: s.verdict.code(),
        error: s.error.as_ref().map(|e| words.note(e, None)),
        sender_traced: d.sender_traced,
        receiver_traced: d.receiver_traced,
        on_link: d.on_link.as_ref(),
    }
}

/// `--json`: a `connection` line each, then `summary` with the totals and the programs.
pub fn render_json(report: &TraceReport, words: Words) -> String {
    let mut out = String::new();
    for conn in &report.connections {
        let mut line = serde_json::json!({
            "op": "connection",
            "conn": conn.id,
            "client": conn.client.to_string(),
            "server": conn.server.to_string(),
            "client_pid": conn.pids[0],
            "server_pid": conn.pids[1],
            "to_server": json_direction(&conn.directions[0], words),
            "to_client": json_direction(&conn.directions[1], words),
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
                "role": role_code(p.role),
                "command": p.command,
                "pid": p.pid,
            });
            match p.end {
                ProgramEnd::Exited(code) => program["exit_code"] = code.into(),
                ProgramEnd::Signaled(signal) => program["signal"] = signal.into(),
                ProgramEnd::Stopped { signal, .. } => {
                    program["signal"] = signal.into();
                    program["stopped_by_lab"] = true.into();
                }
                ProgramEnd::NotStarted => program["started"] = false.into(),
            }
            program
        })
        .collect();
    let mut summary = serde_json::json!({
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
    if let Some(by) = report.interrupted_by {
        summary["interrupted_by"] = by.code().into();
    }
    let _ = writeln!(out, "{summary}");
    out
}

/// The lines of a traced event in its column; `None` for a lesson's own events.
pub(super) fn call_cell(
    t: &Transcript,
    event: &Event,
    options: ViewOptions,
    width: usize,
) -> Option<Vec<Line>> {
    let call = event.call.as_ref()?;
    let w = options.words();
    let indent = prefix("recv", 0).len();
    let lines = match event.op {
        Op::Send | Op::Recv => {
            let mut lines = bytes_cell(t, event, options, width);
            lines.extend(whole_notes(&call_notes(event, w), indent, width, w));
            lines
        }
        Op::Eof => {
            let mut line = Line::of(prefix("recv", 0), Look::Plain);
            line.push("b''", Look::Bad);
            let mut lines = vec![line];
            lines.extend(indented(&eof_reason(t, event, w), indent, width));
            lines
        }
        Op::Close if call.unread.is_some() => {
            let at_exit = call.syscall == "exit";
            words(
                &w.closed_with_unread(call.unread.unwrap_or(0), at_exit),
                Look::Bad,
                width,
            )
        }
        Op::Close if call.syscall == "exit" => words(w.closed_at_exit(), Look::Dim, width),
        Op::Close => match call.still_open_in {
            Some(pid) => words(&w.close_still_open(pid), Look::Dim, width),
            None => words(w.close_fin(), Look::Dim, width),
        },
        Op::Shutdown => words(&w.shutdown(event.detail.as_deref()), Look::Dim, width),
        Op::Error => words(&failed_text(event, w), Look::Bad, width),
        _ => return None,
    };
    Some(lines)
}

/// The notes under a call's bytes, each one whole: if together they would take more than
/// [`NOTE_LINES`], the ones that do not fit are left out and a last line says how many.
fn whole_notes(notes: &[String], indent: usize, width: usize, w: Words) -> Vec<Line> {
    let wrapped: Vec<Vec<Line>> = notes.iter().map(|n| indented(n, indent, width)).collect();
    if wrapped.iter().map(Vec::len).sum::<usize>() <= NOTE_LINES {
        return wrapped.concat();
    }
    // Room stays for saying what was left out.
    let reserve = indented(&w.notes_left_out(notes.len()), indent, width).len();
    let (mut kept, mut left_out) = (Vec::new(), 0);
    for note in wrapped {
        if kept.len() + note.len() + reserve <= NOTE_LINES {
            kept.extend(note);
        } else {
            left_out += 1;
        }
    }
    kept.extend(indented(&w.notes_left_out(left_out), indent, width));
    kept
}

/// `text` wrapped under the bytes, `indent` columns in (less when the column is narrow).
fn indented(text: &str, indent: usize, width: usize) -> Vec<Line> {
    let indent = indent.min(width / 2);
    words(text, Look::Dim, width - indent)
        .into_iter()
        .map(|mut line| {
            line.chunks.insert(
                0,
                Line::of(" ".repeat(indent), Look::Plain).chunks.remove(0),
            );
            line
        })
        .collect()
}

/// `recvfrom(1024) · fd 4`, then what was rewritten, waiting or cut short.
fn call_notes(event: &Event, w: Words) -> Vec<String> {
    let Some(call) = event.call.as_ref() else {
        return Vec::new();
    };
    let asked = call.asked.map_or(String::new(), |n| n.to_string());
    let mut notes = vec![match call.fd {
        Some(fd) => format!("{}({asked}) · fd {fd}", call.syscall),
        None => format!("{}({asked})", call.syscall),
    }];
    let moved = event.len() as u64;
    if let (Some(original), Some(asked)) = (call.asked_by_program, call.asked) {
        let flag = if event.op == Op::Send {
            "--send-max"
        } else {
            "--recv-max"
        };
        notes.push(w.rewritten(original, flag, asked));
    }
    let wanted = call.asked_by_program.or(call.asked).unwrap_or(0);
    if event.op == Op::Send && wanted > moved {
        notes.push(w.short_send(moved, wanted));
    }
    if let Some(original) = call
        .asked_by_program
        .filter(|&o| event.op == Op::Recv && moved < o)
    {
        notes.push(w.short_recv(moved, original));
    }
    if call.unseen {
        notes.push(w.sendfile_unseen().into());
    }
    if let Some(held) = call.held_us {
        notes.push(w.held_by_lab(held));
    }
    if let (Op::Recv, Some(waiting)) = (event.op, call.waiting) {
        let ran = event.t_us + call.held_us.unwrap_or(0);
        notes.push(w.found_waiting(waiting, call.t_return_us.saturating_sub(ran)));
    }
    notes
}

/// Why a recv returned b'': the other end's close, or an end already met.
fn eof_reason(t: &Transcript, event: &Event, w: Words) -> String {
    let earlier = t
        .events
        .iter()
        .filter(|e| e.seq < event.seq && e.side == event.side && e.op == Op::Eof)
        .count();
    let other = match event.side {
        Side::Client => Side::Server,
        Side::Server => Side::Client,
    };
    let closed = t.events.iter().rev().find(|e| {
        e.seq < event.seq
            && e.side != event.side
            && (e.op == Op::Close && e.call.as_ref().is_some_and(|c| c.still_open_in.is_none())
                || e.op == Op::Shutdown)
    });
    let ago = closed.map(|close| {
        // The FIN left during the close: count from its call.
        let closed = close.t_us;
        let now = event.call.as_ref().map_or(event.t_us, |c| c.t_return_us);
        now.saturating_sub(closed)
    });
    w.eof_reason(other, ago, earlier > 0)
}

/// `connect failed: ECONNREFUSED — nothing listens at 127.0.0.1:8080`.
pub(super) fn failed_text(event: &Event, w: Words) -> String {
    let Some(call) = event.call.as_ref() else {
        return String::new();
    };
    let errno = call.errno.unwrap_or("EOTHER");
    w.failed_call(call.syscall, errno, event.detail.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    /// The lines' words, one space between each.
    fn text(lines: &[Line]) -> String {
        let all: String = lines
            .iter()
            .flat_map(|l| l.chunks.iter().map(|c| format!("{} ", c.text)))
            .collect();
        all.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn notes_that_do_not_fit_are_left_out_whole_and_counted() {
        let w = Words(Lang::En);
        let note = "a short send: 4 of 34 B went; the other 30 B are the program's to send \
                    (sendall() does)"
            .to_string();
        // Three notes fit a wide cell as they are.
        let wide = whole_notes(&vec![note.clone(); 3], 12, 80, w);
        assert_eq!(text(&wide).matches("(sendall() does)").count(), 3);
        // In a narrow column they would take more than NOTE_LINES: whole ones are kept.
        let narrow = whole_notes(&vec![note; 6], 12, 30, w);
        assert!(narrow.len() <= NOTE_LINES, "{}", narrow.len());
        let said = text(&narrow);
        let kept = said.matches("(sendall() does)").count();
        assert_eq!(said.matches("a short send").count(), kept, "{said}");
        assert!(
            said.ends_with(&format!(
                "… {} more notes left out (--json has every figure)",
                6 - kept
            )),
            "{said}"
        );
    }
}
