//! `lab trace --svg/--html`: a traced connection drawn as the lessons' runs are — the client's
//! and the server's calls on two lifelines and, across `--net`, every packet between them.
//! A chart has two lifelines, so it draws one connection: the first that moved bytes; its
//! caption says how many there were (the text view and `--json` show every one).

use super::chart::{self, Caption, Chart, Words};
use super::link_view;
use super::side_by_side::verdict_look;
use super::text::Look;
use crate::lang::Lang;
use crate::trace::{ConnectionReport, TraceReport};
use crate::transcript::{Fate, Op, Transcript, Wire, WirePacket, WireSource};

/// The connection a chart draws: the first that moved bytes, else the first.
pub fn chosen(report: &TraceReport) -> Option<&ConnectionReport> {
    let moved = |c: &&ConnectionReport| c.directions.iter().any(|d| d.summary.sends > 0);
    report
        .connections
        .iter()
        .find(moved)
        .or(report.connections.first())
}

/// The chosen connection as an SVG document, or `None` when no connection was made.
pub fn svg(report: &TraceReport, lang: Lang) -> Option<String> {
    let conn = chosen(report)?;
    Some(chart::svg(&chart_of(report, conn, lang).0))
}

/// The chosen connection as an HTML page with the JSON line of each event it shows and the
/// trace's `--json` lines after them; `None` when no connection was made.
pub fn html(report: &TraceReport, lang: Lang) -> Option<String> {
    let conn = chosen(report)?;
    let (chart, t) = chart_of(report, conn, lang);
    // The lines of the steps the page shows (a long run's middle is left out of it).
    let shown: std::collections::HashSet<usize> = chart.steps.iter().map(|s| s.seq).collect();
    let mut json: String = t
        .events
        .iter()
        .filter(|e| shown.contains(&e.seq))
        .map(|e| super::json::event_line(&t, e, Words(lang)) + "\n")
        .collect();
    json.push_str(&super::trace_view::render_json(report, Words(lang)));
    Some(chart::html(&chart, &json))
}

/// The chart of `conn`, and the transcript it was laid out from.
fn chart_of(report: &TraceReport, conn: &ConnectionReport, lang: Lang) -> (Chart, Transcript) {
    let t = numbered(conn);
    let caption = caption(report, conn, Words(lang));
    (chart::chart(&t, caption, lang, false), t)
}

/// The connection's transcript as a chart reads it, as a lesson's reads: its events
/// numbered from 1 (the page ties each step to its JSON line by that number), timed from the
/// connection's first call (as the text view times them), every call but a send placed where
/// it returned (a recv's box still reaches back to its call), and its messages' first bytes
/// for the legend, both directions sharing the numbers as the sends took them.
fn numbered(conn: &ConnectionReport) -> Transcript {
    let own = &conn.transcript;
    let mut t = Transcript {
        events: own.events.clone(),
        // A chart draws packets, not their bytes: one packet's copy at a time, then none.
        wire: Wire {
            source: own.wire.source,
            packets: own
                .wire
                .packets
                .iter()
                .map(|p| WirePacket {
                    bytes: Vec::new(),
                    ..p.clone()
                })
                .collect(),
            packets_not_kept: own.wire.packets_not_kept,
            clock_origin_unix_us: own.wire.clock_origin_unix_us,
        },
        ..Transcript::default()
    };
    let origin = super::trace_view::origin_us(conn);
    let from_origin = |us: &mut u64| *us = us.saturating_sub(origin);
    for (i, event) in t.events.iter_mut().enumerate() {
        event.seq = i + 1;
        if let Some(call) = event.call.as_deref_mut() {
            from_origin(&mut call.t_return_us);
            if !super::side_by_side::placed_at_call(event.op) {
                event.t_us = call.t_return_us + origin;
            }
        }
        from_origin(&mut event.t_us);
        if let Some(span) = event.timing.as_mut() {
            from_origin(&mut span.called_us);
            from_origin(&mut span.returned_us);
        }
    }
    for packet in &mut t.wire.packets {
        from_origin(&mut packet.sent_us);
        if let Fate::Delivered { at_us } = &mut packet.fate {
            from_origin(at_us);
        }
    }
    t.wire.clock_origin_unix_us += origin;
    let known = conn.directions.iter().flat_map(|d| d.legend.iter());
    let last = known.clone().map(|(n, _)| *n).max().unwrap_or(0);
    t.messages = vec![Vec::new(); last];
    for (n, bytes) in known {
        t.messages[n - 1] = bytes.clone();
    }
    t
}

fn caption(report: &TraceReport, conn: &ConnectionReport, words: Words) -> Caption {
    let mut lines: Vec<String> = report
        .programs
        .iter()
        .map(|p| words.traced_program(p.role, &p.command, p.pid))
        .collect();
    let knobs = words.trace_knobs(report.recv_max, report.send_max, report.reader_delay_ms);
    if !knobs.is_empty() {
        lines.push(knobs);
    }
    if let Some(spec) = &report.net {
        lines.push(words.spec_line(spec));
    }
    if report.connections.len() > 1 {
        lines.push(words.chart_of_one_connection(conn.id, report.connections.len()));
    }
    let packets = conn.transcript.wire.source == Some(WireSource::Link);
    lines.push(if packets {
        words.wire_source(Some(WireSource::Link)).to_string()
    } else {
        words.traced_flows().to_string()
    });
    lines.push(words.piece_key().into());
    Caption {
        title: words.traced_title(conn.id, conn.client, conn.server),
        lines,
        footer: footer(conn, words),
        server_column: words.traced_server_column(conn.pids[1]),
    }
}

/// Each direction's figures, how it left on the link and its verdict; then the link's lines.
fn footer(conn: &ConnectionReport, words: Words) -> Vec<(String, String, Look)> {
    let mut footer = Vec::new();
    for d in &conn.directions {
        let s = &d.summary;
        if s.sends == 0 && s.recvs == 0 && s.error.is_none() {
            continue;
        }
        let arrow = words.direction_arrow(d.direction).to_string();
        footer.push((String::new(), arrow, Look::Heading));
        footer.push((words.measured().into(), words.figures(s), Look::Plain));
        if let Some(on_link) = &d.on_link {
            footer.push((
                words.link().into(),
                words.on_link(on_link, s.nodelay),
                Look::Plain,
            ));
        }
        if d.sender_traced && d.receiver_traced {
            footer.push((
                words.verdict().into(),
                words.verdict_text(&s.verdict),
                verdict_look(s),
            ));
        }
    }
    if let Some(link) = &conn.link {
        let intact = super::linked_view::every_byte_received(conn);
        for (i, (text, look)) in link_view::footer_lines(link, true, intact, words)
            .into_iter()
            .enumerate()
        {
            let label = if i == 0 { words.link() } else { "" };
            footer.push((label.into(), text, look));
        }
    }
    footer
}

/// Whether a transcript holds the link's segments (the table then has a link column).
pub fn has_link_column(t: &Transcript) -> bool {
    t.events.iter().any(|e| e.op == Op::Segment)
}
