//! One self-contained HTML page: the chart, the side-by-side table, the summary, Next/Back
//! controls that step through the events as `--step` does, and the JSON Lines of `--json`
//! embedded for graders (`<script type="application/x-ndjson" id="lab-json">`). No network,
//! no external script or font: a Content-Security-Policy says so, and it opens from file://.

use std::fmt::Write as _;

use super::layout::Chart;
use super::steps::Column;
use super::svg::{self, escape};
use crate::render::style::{bad_page_color, good_page_color};
use crate::render::text::{Line, Look};
use crate::render::words::Words;
use crate::transcript::Part;

const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");
/// Nothing may be fetched: styles and the script are inline, images only data: URLs.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
                      img-src data:";

/// What a page holds, drawn into the one skeleton every page shares.
pub struct Page<'a> {
    pub words: Words,
    pub title: &'a str,
    pub caption: &'a [String],
    pub svg: &'a str,
    /// The table: its head row and body rows, HTML already.
    pub table: String,
    /// `(label, text, look)` for the summary.
    pub summary: &'a [(String, String, Look)],
    /// The step counter's template (`{k}`, `{n}`).
    pub step_template: &'a str,
    pub json: &'a str,
}

/// The run's page.
pub fn page(chart: &Chart, json: &str) -> String {
    let table = table(chart);
    render(&Page {
        words: chart.words,
        title: &chart.caption.title,
        caption: &chart.caption.lines,
        svg: &svg::draw(chart),
        table,
        summary: &chart.caption.footer,
        step_template: chart.words.step_of(),
        json,
    })
}

/// The skeleton: head, controls, chart, the current step's JSON, table, summary, data, script.
pub fn render(p: &Page<'_>) -> String {
    let w = p.words;
    let mut out = String::with_capacity(p.svg.len() + p.table.len() + p.json.len() + 16 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        w.html_lang(),
        escape(p.title),
        style(),
        escape(p.title)
    );
    for line in p.caption {
        let _ = writeln!(out, "<p class=\"caption\">{}</p>", escape(line));
    }
    let _ = write!(
        out,
        "</header>\n<nav aria-label=\"steps\">\n<button id=\"back\" type=\"button\">{}</button>\
         <button id=\"next\" type=\"button\">{}</button>\
         <span id=\"position\" aria-live=\"polite\" data-overview=\"{}\" data-template=\"{}\"></span>\
         <span class=\"keys\">{}</span>\n</nav>\n<figure id=\"chart\">\n{}</figure>\n",
        escape(w.back()),
        escape(w.next()),
        escape(w.overview()),
        escape(p.step_template),
        escape(w.keys_hint()),
        p.svg
    );
    let _ = write!(
        out,
        "<section id=\"now\"><h2>{}</h2><pre id=\"step-json\"></pre></section>\n\
         <table id=\"steps\">\n{}</table>\n<section id=\"summary\"><dl>\n",
        escape(w.json_heading()),
        p.table
    );
    for (label, text, look) in p.summary {
        let _ = writeln!(
            out,
            "<dt>{}</dt><dd class=\"{}\">{}</dd>",
            escape(label),
            classes(*look),
            escape(text)
        );
    }
    // JSON never holds `<` outside its strings, and inside them `\u003c` means the same: the
    // data cannot close its script element.
    let _ = write!(
        out,
        "</dl></section>\n<script type=\"application/x-ndjson\" id=\"lab-json\">\n{}</script>\n\
         <script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        p.json.replace('<', "\\u003c")
    );
    out
}

/// The stylesheet, with the palette's colours filled in: `.m1` … `.m4` for the messages.
fn style() -> String {
    let mut css = STYLE
        .replace("GOOD", good_page_color())
        .replace("BAD", bad_page_color());
    for n in 0..=4 {
        let _ = writeln!(css, ".m{n} {{ color: {}; }}", svg::color_of(n));
    }
    css
}

/// The CSS classes of a look.
fn classes(look: Look) -> String {
    let message_class = |n: usize| {
        if n == 0 {
            "m0".to_string()
        } else {
            format!("m{}", (n - 1) % 4 + 1)
        }
    };
    match look {
        Look::Plain => "plain".into(),
        Look::Dim => "dim".into(),
        Look::Heading => "heading".into(),
        Look::Good => "good".into(),
        Look::Bad => "bad".into(),
        Look::Code => "code".into(),
        Look::Emphasis => "emphasis".into(),
        Look::Strong | Look::Title => "heading".into(),
        Look::Label(n) => format!("label {}", message_class(n)),
        Look::Bytes { message, part, .. } => {
            let part = match part {
                Part::Header | Part::Delimiter => " framing",
                Part::Padding => " padding",
                Part::Payload => "",
            };
            format!("{}{part}", message_class(message))
        }
    }
}

/// Lines of styled text as HTML, one `<div>` a line.
pub fn lines_html(lines: &[Line]) -> String {
    let mut out = String::new();
    for line in lines {
        out.push_str("<div class=\"line\">");
        for chunk in &line.chunks {
            let _ = write!(
                out,
                "<span class=\"{}\">{}</span>",
                classes(chunk.look),
                escape(&chunk.text)
            );
        }
        out.push_str("</div>");
    }
    out
}

/// The side-by-side table: one row per step, in the client's, the wire's or the server's
/// column.
fn table(chart: &Chart) -> String {
    let w = chart.words;
    let wire = chart.steps.iter().any(|s| s.column == Column::Wire);
    let mut heads = vec![w.time_ms(), w.client_column()];
    if wire {
        heads.push(w.wire_column());
    }
    heads.push(&chart.caption.server_column);
    let mut out = String::from("<thead><tr>");
    for head in heads {
        let _ = write!(out, "<th>{}</th>", escape(head));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let columns = if wire {
        vec![Column::Client, Column::Wire, Column::Server]
    } else {
        vec![Column::Client, Column::Server]
    };
    for (i, step) in chart.steps.iter().enumerate() {
        if chart.elided.is_some_and(|gap| gap.after_step == i) {
            elided_row(&mut out, chart, columns.len());
        }
        let _ = write!(
            out,
            "<tr data-step=\"{}\" data-seq=\"{}\"><td class=\"t\">{:.1}</td>",
            i + 1,
            step.seq,
            step.t_us as f64 / 1000.0
        );
        for column in &columns {
            let cell = if *column == step.column {
                lines_html(&step.lines)
            } else {
                String::new()
            };
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n");
    out
}

/// The row that stands for a long run's left-out middle.
fn elided_row(out: &mut String, chart: &Chart, columns: usize) {
    if let Some(gap) = chart.elided {
        let _ = writeln!(
            out,
            "<tr class=\"elided\"><td></td><td colspan=\"{columns}\" class=\"dim\">{}</td></tr>",
            escape(&chart.words.elided(gap.events, gap.packets))
        );
    }
}
