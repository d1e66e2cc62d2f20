//! `lab trace` as it happens: one line per socket call, each starting `lab│` so lab's lines
//! stand apart from the traced programs' own output on the same terminal (which passes
//! through untouched); or, with `--json`, one JSON object per event.
//!
//! A bulk transfer makes thousands of calls: after the first ones of a connection, its sends
//! and recvs are left out of the live log (the final view and `--json` count them all).

use std::collections::HashMap;

use unicode_width::UnicodeWidthStr;

use super::text::{Line, Look, pad, runs_of, text_lines, wrap_line};
use super::trace_view::{failed_text, role_code};
use super::words::Words;
use crate::lang::Lang;
use crate::trace::{Live, Note};
use crate::transcript::{Event, Op, Side, Transcript};

/// send/recv lines shown live per connection.
const LIVE_BYTE_LINES: usize = 60;
/// Columns of bytes a live line shows.
const BYTES_WIDTH: usize = 32;

/// What lab marks its own lines with.
pub const MARK: &str = "lab│";
/// How far a wrapped line's continuation is indented: a note's under its first words, an
/// event's under its text (past the time).
const NOTE_HANG: usize = 2;
const EVENT_HANG: usize = 14;
/// Columns a line gets after the mark however narrow `--width` is.
const MIN_ROOM: usize = 16;

/// The live log's memory: how many byte lines each connection has had, its language and the
/// width its lines wrap at.
#[derive(Debug)]
pub struct LiveLog {
    byte_lines: HashMap<usize, usize>,
    words: Words,
    width: usize,
}

impl LiveLog {
    /// A log whose lines are in `lang`, at most `width` columns wide.
    pub fn new(lang: Lang, width: usize) -> LiveLog {
        LiveLog {
            byte_lines: HashMap::new(),
            words: Words(lang),
            width,
        }
    }

    /// The line(s) for one live item, if it gets any: one line, wrapped when it is wider than
    /// the log, each part marked.
    pub fn text(&mut self, live: &Live) -> Option<String> {
        let w = self.words;
        let (line, hang) = match live {
            Live::Note(note) => (Line::of(w.trace_note(note), Look::Heading), NOTE_HANG),
            Live::Event(event) => {
                let conn = event.call.as_ref().and_then(|c| c.conn);
                if let (Some(conn), Op::Send | Op::Recv | Op::Eof) = (conn, event.op) {
                    let shown = self.byte_lines.entry(conn).or_default();
                    *shown += 1;
                    if *shown == LIVE_BYTE_LINES + 1 {
                        let text = w.live_calls_left_out(conn);
                        return Some(self.mark(Line::of(text, Look::Dim), NOTE_HANG));
                    }
                    if *shown > LIVE_BYTE_LINES {
                        return None;
                    }
                }
                (event_line(event, w), EVENT_HANG)
            }
        };
        Some(self.mark(line, hang))
    }

    /// Columns a line has after lab's mark.
    fn room(&self) -> usize {
        self.width.saturating_sub(MARK.width() + 1).max(MIN_ROOM)
    }

    /// `line` after lab's mark, wrapped to the log's width: the lines after the first are
    /// marked too, and indented `hang` columns (less when the log is narrow).
    fn mark(&self, line: Line, hang: usize) -> String {
        let room = self.room();
        let hang = hang.min(room / 3);
        let parts: Vec<String> = wrap_line(&line, room, hang)
            .into_iter()
            .enumerate()
            .map(|(k, part)| {
                let lead = format!("{MARK} {}", " ".repeat(if k == 0 { 0 } else { hang }));
                let mut marked = Line::of(lead, Look::Dim);
                marked.chunks.extend(part.chunks);
                marked.paint()
            })
            .collect();
        parts.join("\n")
    }

    /// The JSON line for one live item.
    pub fn json(&self, live: &Live) -> String {
        match live {
            Live::Event(event) => {
                super::json::event_line(&Transcript::default(), event, self.words)
            }
            Live::Note(note) => note_json(note).to_string(),
        }
    }
}

fn note_json(note: &Note) -> serde_json::Value {
    use serde_json::json;
    match note {
        Note::Started { role, pid, command } => json!({
            "op": "run", "event": "started", "role": role_code(*role), "pid": pid,
            "command": command,
        }),
        Note::ServerListening { addr } => {
            json!({"op": "run", "event": "server_listening", "addr": addr.to_string()})
        }
        Note::ServerBoundUdp { addr } => json!({
            "op": "run",
            "event": "server_bound_udp",
            "addr": addr.map(|a| a.to_string()),
        }),
        Note::ServerEndedFirst => json!({"op": "run", "event": "server_ended_first"}),
        Note::ServerNeverListened { waited_ms } => {
            json!({"op": "run", "event": "server_never_listened", "waited_ms": waited_ms})
        }
        Note::StoppingServer { idle } => {
            json!({"op": "run", "event": "stopping_server", "idle": idle})
        }
        Note::Interrupted(by) => {
            json!({"op": "run", "event": "interrupted", "by": by.code()})
        }
        Note::StillRunning {
            role,
            pid,
            running,
            count,
        } => json!({
            "op": "run", "event": "still_running", "role": role_code(*role), "pid": pid,
            "running": running, "count": count,
        }),
        Note::NotWritten { events } => {
            json!({"op": "run", "event": "not_written", "events": events})
        }
        Note::AcrossLink { client, server } => json!({
            "op": "run", "event": "across_link",
            "client": client.to_string(), "server": server.to_string(),
        }),
    }
}

/// `  12.3 ms  server 1234  #1  recvfrom fd 4    20 B  hellobyebyeagain,bye`
fn event_line(event: &Event, w: Words) -> Line {
    let call = event.call.as_deref().cloned().unwrap_or_default();
    let colour = match event.side {
        Side::Client => 1,
        Side::Server => 2,
    };
    let t = super::side_by_side::row_time(event) as f64 / 1000.0;
    let mut line = Line::of(format!("{t:>9.1} ms  "), Look::Dim);
    let who = match call.tid {
        Some(tid) => format!("{} {}/{tid}", w.side(event.side), call.pid),
        None => format!("{} {}", w.side(event.side), call.pid),
    };
    line.push(format!("{} ", pad(&who, 13)), Look::Label(colour));
    let conn = call.conn.map_or(String::new(), |c| format!("#{c}"));
    line.push(format!("{conn:<4}"), Look::Dim);
    let fd = call.fd.map_or(String::new(), |fd| format!("fd {fd}"));
    let detail = w.event_detail(event).unwrap_or_default();
    let text = match event.op {
        Op::Send | Op::Recv | Op::Eof => return bytes_line(line, event, call.syscall, &fd, w),
        Op::Socket => format!("socket() → {fd}"),
        Op::Bind => format!("bind({fd}, {detail})"),
        Op::Listen => format!("listen({fd}, {detail})"),
        Op::Accept => format!("accept() → {fd}, {detail}"),
        Op::Connect => format!("connect({fd}, {detail})"),
        Op::Sockopt => format!("setsockopt({fd}, {detail})"),
        Op::Shutdown => format!("shutdown({fd}, {detail})"),
        Op::Close if call.unread.is_some() => {
            let closed = match call.syscall {
                "exit" => w.fd_closed_at_exit(&fd),
                _ => format!("close({fd})"),
            };
            w.reset_by_close(&closed, call.unread.unwrap_or(0))
        }
        Op::Close if call.syscall == "exit" => w.fd_closed_at_exit(&fd),
        Op::Close => match call.still_open_in {
            Some(pid) => w.close_shared(&fd, pid),
            None => format!("close({fd})"),
        },
        Op::Error => return with(line, failed_text(event, w), Look::Bad),
        Op::Fork => format!("fork() → pid {}", call.child.unwrap_or(0)),
        Op::Thread => w.new_thread(call.child.unwrap_or(0)),
        Op::Exec => format!("exec {detail}"),
        Op::Exit => w.process_exit(call.exit_code, call.signal),
        _ => detail,
    };
    with(line, text, Look::Plain)
}

fn with(mut line: Line, text: String, look: Look) -> Line {
    line.push(text, look);
    line
}

/// `recvfrom fd 4    20 B  hellobyebyeagain,bye  = m1 m2 m3`
fn bytes_line(mut line: Line, event: &Event, syscall: &str, fd: &str, w: Words) -> Line {
    let len = event.len();
    // A no-break space keeps the count and its unit together when the line wraps.
    line.push(
        format!("{syscall:<8} {fd:<6}{len:>7}\u{a0}B  "),
        Look::Plain,
    );
    if event.op == Op::Eof {
        line.push("b''", Look::Bad);
        line.push(format!("  {}", w.end_of_stream()), Look::Dim);
        return line;
    }
    let pieces = event
        .call
        .as_ref()
        .and_then(|c| c.pieces.clone())
        .unwrap_or_default();
    let runs = runs_of(&pieces, &event.bytes);
    let shown = text_lines(&runs, len, BYTES_WIDTH, 1);
    if let Some(first) = shown.into_iter().next() {
        line.chunks.extend(first.chunks);
    }
    if pieces.len() > 1 || event.op == Op::Recv {
        let mut numbers: Vec<usize> = pieces.iter().map(|p| p.message).collect();
        numbers.dedup();
        if !numbers.is_empty() {
            line.push("  =", Look::Dim);
            for n in numbers.into_iter().take(6) {
                line.push(format!(" m{n}"), Look::Label(n));
            }
        }
    }
    line
}
