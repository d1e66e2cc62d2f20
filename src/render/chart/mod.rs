//! Pictures of a run: the sequence diagram every networking textbook draws — client and server
//! lifelines, time running down, each send() a bar, each segment an arrow, each recv() a box
//! naming the pieces it holds — as an SVG file, or an HTML page that also holds the table, the
//! summary, Next/Back controls and the JSON events. `--trials` get their histograms as charts.
//!
//! The layout is computed once from the transcript (`layout.rs`), then drawn (`svg.rs`,
//! `html.rs`). Only the caption knows which lesson ran: a traced program's transcript or a
//! `--net` run's gets the same picture by passing its own caption.

mod html;
mod layout;
mod packets;
mod steps;
mod svg;
mod timeline;
mod trials;

pub use crate::render::words::Words;
pub use layout::{Caption, Chart};
pub use packets::{flag_names, head as packet_head, notes as packet_notes};

use crate::analysis::Summary;
use crate::lang::Lang;
use crate::lesson::{ExchangeRun, Transport};
use crate::render::side_by_side::verdict_look;
use crate::render::text::Look;
use crate::transcript::Transcript;

/// The caption of an exchange lesson's run: its title and knobs, what the arrows show, the
/// measured figures and the verdict.
pub fn run_caption(run: &ExchangeRun, summary: &Summary, words: Words) -> Caption {
    let udp = run.transport == Transport::Udp;
    let o = &run.options;
    let nagle = (!udp).then_some(!o.nodelay);
    let mut footer = vec![(words.measured().into(), words.figures(summary), Look::Plain)];
    if let Some(wire) = &summary.wire {
        footer.push((words.wire().into(), words.wire_reading(wire), Look::Plain));
    }
    let verdict = words.verdict_text(&summary.verdict);
    footer.push((words.verdict().into(), verdict, verdict_look(summary)));
    if let Some(predicted) = summary.predicted_recvs {
        let look = if predicted == summary.recvs {
            Look::Dim
        } else {
            Look::Bad
        };
        footer.push((
            words.check().into(),
            words.prediction(predicted, summary.recvs, udp),
            look,
        ));
    }
    if let Some(hint) = &summary.hint {
        footer.push((words.next_step().into(), words.hint(hint), Look::Dim));
    }
    Caption {
        title: words.title(run.lesson, udp, run.options.net.is_some()),
        lines: vec![
            words.knobs(o.recv_size, o.reader_delay, o.send_gap, nagle),
            words.wire_source(run.transcript.wire.source).into(),
            words.piece_key().into(),
        ],
        footer,
        server_column: words.server_column(udp, o.recv_size),
    }
}

/// Lay out a transcript under a caption (any source: a lesson, a traced program, the link).
pub fn chart(t: &Transcript, caption: Caption, lang: Lang, udp: bool) -> Chart {
    layout::lay_out(t, caption, Words(lang), udp)
}

fn run_chart(run: &ExchangeRun, summary: &Summary, lang: Lang) -> Chart {
    let caption = run_caption(run, summary, Words(lang));
    chart(
        &run.transcript,
        caption,
        lang,
        run.transport == Transport::Udp,
    )
}

/// The run as an SVG document.
pub fn run_svg(run: &ExchangeRun, summary: &Summary, lang: Lang) -> String {
    svg::draw(&run_chart(run, summary, lang))
}

/// The run as one self-contained HTML page; `json` is what `--json` prints for it.
pub fn run_html(run: &ExchangeRun, summary: &Summary, lang: Lang) -> String {
    let json = crate::render::json::render(run, summary, Words(lang));
    html::page(&run_chart(run, summary, lang), &json)
}

/// Any chart as an SVG document.
pub fn svg(chart: &Chart) -> String {
    svg::draw(chart)
}

/// Any chart as an HTML page, with the JSON Lines it was made from.
pub fn html(chart: &Chart, json: &str) -> String {
    html::page(chart, json)
}

/// `--trials`: the histograms as an SVG document.
pub fn trials_svg(lesson: &str, runs: &[Summary], lang: Lang) -> String {
    trials::svg(lesson, runs, Words(lang))
}

/// `--trials`: the histograms, a table of the runs and the JSON, as one HTML page.
pub fn trials_html(lesson: &str, runs: &[Summary], lang: Lang) -> String {
    trials::html(lesson, runs, Words(lang))
}
