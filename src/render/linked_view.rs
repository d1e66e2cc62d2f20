//! The `--net` link where no lesson runs: in `lab trace`'s final view (the spec under the
//! knobs, the link column's heading, how each direction left on the link, the link's figures
//! under the table — what sticky-demo `--net` shows, for a traced connection), and under
//! `lab chat --net`'s log (what the link carried).

use super::ViewOptions;
use super::link_view;
use super::side_by_side::labelled;
use super::text::{Line, Look};
use super::words::Words;
use crate::analysis::link::{HeldSegment, LinkFacts};
use crate::lang::Lang;
use crate::net::link::NetSpec;
use crate::trace::{ConnectionReport, DirectionReport, TraceReport};

/// The link's line under the knobs, when the trace ran across one.
pub fn spec_line(report: &TraceReport, lang: Lang) -> Option<Line> {
    let spec = report.net.as_ref()?;
    Some(Line::of(Words(lang).spec_line(spec), Look::Dim))
}

/// The heading of the link column, when the connection's table has one.
pub fn column_title(conn: &ConnectionReport, lang: Lang) -> Option<Line> {
    super::trace_pictures::has_link_column(&conn.transcript)
        .then(|| Line::of(Words(lang).link_column(), Look::Heading))
}

/// The segments the link saw held back for an ACK, drawn in the link column.
pub fn held(conn: &ConnectionReport) -> &[HeldSegment] {
    conn.link.as_ref().map_or(&[], |l| &l.held)
}

/// How one direction left on the link, under its figures.
pub fn direction_line(d: &DirectionReport, width: usize, lang: Lang, out: &mut String) {
    if let Some(on_link) = &d.on_link {
        let text = Words(lang).on_link(on_link, d.summary.nodelay);
        labelled(out, width, Words(lang).link(), &text, Look::Plain);
    }
}

/// The link's figures for the connection: packets each way, the round trip, losses, the
/// segments held for an ACK.
pub fn footer(conn: &ConnectionReport, options: ViewOptions, lang: Lang, out: &mut String) {
    let Some(link) = &conn.link else { return };
    let intact = every_byte_received(conn);
    for (i, (text, look)) in link_view::footer_lines(link, true, intact, Words(lang))
        .into_iter()
        .enumerate()
    {
        let label = if i == 0 { Words(lang).link() } else { "" };
        labelled(out, options.width, label, &text, look);
    }
}

/// `lab chat --net`'s last lines: the link as run, and what it carried; `intact`: every byte
/// it was given arrived.
pub fn chat_lines(
    spec: &NetSpec,
    facts: &LinkFacts,
    intact: bool,
    width: usize,
    lang: Lang,
) -> String {
    let mut out = String::from("\n");
    let spec = Line::of(Words(lang).spec_line(spec), Look::Dim);
    super::side_by_side::push_line(&mut out, &spec);
    for (i, (text, look)) in link_view::footer_lines(facts, true, intact, Words(lang))
        .into_iter()
        .enumerate()
    {
        let label = if i == 0 { Words(lang).link() } else { "" };
        labelled(&mut out, width, label, &text, look);
    }
    out
}

/// Every byte a traced program sent was received by its traced peer, both ways.
pub fn every_byte_received(conn: &ConnectionReport) -> bool {
    conn.directions
        .iter()
        .all(|d| d.summary.bytes_received == d.summary.bytes_sent)
}
