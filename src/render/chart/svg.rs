//! Drawing a laid-out chart as SVG. Every mark is a `<g class="mark …">` with `data-step`
//! (the step of the HTML page that shows it) and, for packets, `data-packets` and
//! `data-segments`, so a test or a page script can find and count them. Colours come from the
//! terminal's palette; every colour is backed by a text label, so the chart reads in black and
//! white too.

use std::fmt::Write as _;

use super::layout::{
    BAR_MIN, CHAR_W, CLIENT_X, Chart, Drawing, End, HEADER_TOP, LINE, Mark, PAGE_COLUMNS,
    PacketDrawing, SERVER_X, TIME_RIGHT, WIDTH, lane_x,
};
use super::packets::PacketKind;
use super::steps::{Band, CallKind};
use crate::render::style::{bad_page_color, good_page_color, message_page_color};
use crate::render::text::{Line, Look, wrap_words};
use crate::render::words::millis;
use crate::transcript::{Direction, Part, Side};

/// Monospace first (labels are measured in columns), then fonts that have Chinese.
pub const FONT_FAMILY: &str = "'DejaVu Sans Mono', 'Noto Sans Mono CJK SC', \
     'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Zen Hei Mono', 'WenQuanYi Micro Hei', \
     'Microsoft YaHei', 'PingFang SC', monospace";
const INK: &str = "#222222";
const DIM: &str = "#6b6b6b";
const RULE: &str = "#9a9a9a";
/// The colour of bytes that belong to no message (the reply stream).
const NEUTRAL: &str = "#7a7a7a";
/// Space under the lifelines before the footer, and under the footer.
const FOOTER_GAP: f64 = 28.0;
/// Width of the footer's labels, in columns.
const FOOTER_LABEL: usize = 10;

/// A message's colour; message 0 (no message) is grey.
pub fn color_of(message: usize) -> &'static str {
    if message == 0 {
        NEUTRAL
    } else {
        message_page_color(message)
    }
}

/// Text made safe for XML and HTML: the five special characters escaped, and characters XML
/// cannot hold at all (most control characters) replaced.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The SVG attributes that give a chunk its look.
fn look_attributes(look: Look) -> String {
    match look {
        Look::Plain | Look::Code => format!(r#" fill="{INK}""#),
        Look::Emphasis => format!(r#" fill="{INK}" font-style="italic""#),
        Look::Strong | Look::Title => format!(r#" fill="{INK}" font-weight="bold""#),
        Look::Dim => format!(r#" fill="{DIM}""#),
        Look::Heading => format!(r#" fill="{INK}" font-weight="bold""#),
        Look::Good => format!(r#" fill="{}" font-weight="bold""#, good_page_color()),
        Look::Bad => format!(r#" fill="{}" font-weight="bold""#, bad_page_color()),
        Look::Label(n) => format!(r#" fill="{}" font-weight="bold""#, color_of(n)),
        Look::Bytes { message, part, .. } => {
            let color = color_of(message);
            match part {
                // Framing bytes are underlined, as they sit on a coloured ground in a terminal.
                Part::Header | Part::Delimiter => {
                    format!(r#" fill="{color}" text-decoration="underline""#)
                }
                Part::Padding => format!(r#" fill="{color}" opacity="0.6""#),
                Part::Payload => format!(r#" fill="{color}""#),
            }
        }
    }
}

/// One line of styled text at (x, y), `anchor` being start, middle or end.
pub fn text(out: &mut String, x: f64, y: f64, anchor: &str, line: &Line, extra: &str) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}"{extra}>"#
    );
    for chunk in &line.chunks {
        let _ = write!(
            out,
            "<tspan{}>{}</tspan>",
            look_attributes(chunk.look),
            escape(&chunk.text)
        );
    }
    out.push_str("</text>");
}

/// The whole chart as an SVG document.
pub fn draw(chart: &Chart) -> String {
    let footer = footer_lines(chart);
    let height = chart.bottom + FOOTER_GAP + footer.len() as f64 * LINE + FOOTER_GAP;
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="lab-chart" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="{FONT_FAMILY}" font-size="12" role="img" aria-labelledby="chart-title">"#
    );
    let title = chart.caption.title.as_str();
    let _ = write!(out, r#"<title id="chart-title">{}</title>"#, escape(title));
    defs(&mut out);
    let _ = write!(
        out,
        r#"<rect x="0" y="0" width="{WIDTH}" height="{height:.0}" fill="white"/>"#
    );
    for (i, line) in chart.header.iter().enumerate() {
        let size = if i == 0 { r#" font-size="14""# } else { "" };
        text(
            &mut out,
            16.0,
            HEADER_TOP + i as f64 * LINE,
            "start",
            line,
            size,
        );
    }
    lifelines(&mut out, chart);
    for flow in &chart.flows {
        let _ = write!(
            out,
            r#"<line class="flow" data-step="{}" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="1.2" stroke-dasharray="2 3"/>"#,
            flow.step,
            flow.from.0,
            flow.from.1,
            flow.to.0,
            flow.to.1,
            color_of(flow.message)
        );
    }
    for mark in &chart.marks {
        draw_mark(&mut out, mark);
    }
    let mut y = chart.bottom + FOOTER_GAP;
    for (label, line) in &footer {
        if let Some(label) = label {
            text(
                &mut out,
                16.0,
                y,
                "start",
                &Line::of(label.clone(), Look::Dim),
                "",
            );
        }
        let x = 16.0 + FOOTER_LABEL as f64 * CHAR_W;
        text(&mut out, x, y, "start", line, "");
        y += LINE;
    }
    out.push_str("</svg>\n");
    out
}

/// Arrowheads (one per colour used) and the hatching that marks framing bytes.
fn defs(out: &mut String) {
    out.push_str("<defs>");
    let mut colors: Vec<&str> = (1..=4).map(message_page_color).collect();
    colors.extend([INK, NEUTRAL, RULE, bad_page_color()]);
    for color in colors {
        let _ = write!(
            out,
            r#"<marker id="arrow-{}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>"#,
            &color[1..]
        );
    }
    out.push_str(
        r#"<pattern id="hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="5" stroke="black" stroke-width="1.6" stroke-opacity="0.45"/></pattern>"#,
    );
    out.push_str("</defs>");
}

/// The lane titles, both lifelines (dotted across cut stretches) and the cuts' labels.
fn lifelines(out: &mut String, chart: &Chart) {
    let words = chart.words;
    for (side, name) in [
        (Side::Client, words.client()),
        (Side::Server, words.server()),
    ] {
        let line = Line::of(name, Look::Heading);
        text(
            out,
            lane_x(side),
            chart.top - 14.0,
            "middle",
            &line,
            r#" font-size="13""#,
        );
    }
    let mut from = chart.top - 6.0;
    for cut in &chart.breaks {
        let _ = write!(
            out,
            r##"<rect class="break" x="0" y="{:.1}" width="{WIDTH}" height="{:.1}" fill="#f3f3f3"/>"##,
            cut.top,
            cut.bottom - cut.top
        );
        for x in [CLIENT_X, SERVER_X] {
            lifeline(out, x, from, cut.top, false);
            lifeline(out, x, cut.top, cut.bottom, true);
        }
        let label = match (cut.elision, chart.elided) {
            (true, Some(gap)) => words.elided(gap.events, gap.packets),
            _ => format!("⋯ {} ⋯", millis(cut.idle_us)),
        };
        let middle = (cut.top + cut.bottom) / 2.0 + 4.0;
        let line = Line::of(label, Look::Dim);
        text(
            out,
            (CLIENT_X + SERVER_X) / 2.0,
            middle,
            "middle",
            &line,
            "",
        );
        from = cut.bottom;
    }
    for x in [CLIENT_X, SERVER_X] {
        lifeline(out, x, from, chart.bottom, false);
    }
}

fn lifeline(out: &mut String, x: f64, from: f64, to: f64, dotted: bool) {
    let dash = if dotted {
        r#" stroke-dasharray="1 4""#
    } else {
        ""
    };
    let _ = write!(
        out,
        r#"<line class="lifeline" x1="{x}" y1="{from:.1}" x2="{x}" y2="{to:.1}" stroke="{RULE}" stroke-width="1.5"{dash}/>"#
    );
}

/// The footer: each labelled text wrapped beside its label.
fn footer_lines(chart: &Chart) -> Vec<(Option<String>, Line)> {
    let mut lines = Vec::new();
    for (label, text, look) in &chart.caption.footer {
        for (k, l) in wrap_words(text, PAGE_COLUMNS - FOOTER_LABEL)
            .into_iter()
            .enumerate()
        {
            lines.push(((k == 0).then(|| label.clone()), Line::of(l, *look)));
        }
    }
    lines
}

fn draw_mark(out: &mut String, mark: &Mark) {
    match &mark.drawing {
        Drawing::Call {
            kind,
            side,
            top,
            bottom,
            label_y,
            bands,
        } => {
            let _ = write!(
                out,
                r#"<g class="mark call {}" data-step="{}" data-seq="{}">"#,
                kind.class(),
                mark.step,
                mark.seq
            );
            call_shape(out, *kind, lane_x(*side), (*top, *label_y, *bottom), bands);
            time_label(out, mark.t_us, *label_y);
            side_label(out, *side, *label_y, &mark.lines);
        }
        Drawing::Text { side, y, class } => {
            let _ = write!(
                out,
                r#"<g class="mark text {class}" data-step="{}" data-seq="{}">"#,
                mark.step, mark.seq
            );
            let x = lane_x(*side);
            let _ = write!(
                out,
                r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{INK}" stroke-width="1.5"/>"#,
                x - 5.0,
                x + 5.0
            );
            time_label(out, mark.t_us, *y);
            side_label(out, *side, *y, &mark.lines);
        }
        Drawing::Packet(p) => packet(out, mark, p),
    }
    out.push_str("</g>");
}

/// `11.1` in the time column, in milliseconds.
fn time_label(out: &mut String, t_us: u64, y: f64) {
    let ms = Line::of(format!("{:.1}", t_us as f64 / 1000.0), Look::Dim);
    text(out, TIME_RIGHT, y + 11.0, "end", &ms, r#" font-size="10""#);
}

/// A call's label, on the outer side of its lifeline.
fn side_label(out: &mut String, side: Side, y: f64, lines: &[Line]) {
    let (x, anchor) = match side {
        Side::Client => (CLIENT_X - 16.0, "end"),
        Side::Server => (SERVER_X + 16.0, "start"),
    };
    for (i, line) in lines.iter().enumerate() {
        text(out, x, y + 11.0 + i as f64 * LINE, anchor, line, "");
    }
}

/// A send() bar, filled top to bottom with its bytes' messages; or a recv() box, hollow while
/// the call waited and filled with what it returned from its return down.
fn call_shape(out: &mut String, kind: CallKind, x: f64, ys: (f64, f64, f64), bands: &[Band]) {
    let (top, returned, bottom) = ys;
    let half = if kind == CallKind::Send { 6.0 } else { 9.0 };
    let bottom = bottom.max(top + BAR_MIN / 2.0);
    let filled_from = if kind == CallKind::Send {
        top
    } else {
        returned
    };
    let height = bottom - filled_from;
    let mut y = filled_from;
    for band in bands {
        let h = height * band.share;
        let color = color_of(band.message);
        let _ = write!(
            out,
            r#"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{h:.2}" fill="{color}"/>"#,
            x - half,
            2.0 * half
        );
        if matches!(band.part, Part::Header | Part::Delimiter | Part::Padding) {
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{h:.2}" fill="url(#hatch)"/>"#,
                x - half,
                2.0 * half
            );
        }
        y += h;
    }
    let dash = if kind == CallKind::Eof {
        r#" stroke-dasharray="3 2""#
    } else {
        ""
    };
    let _ = write!(
        out,
        r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="{INK}" stroke-width="1"{dash}/>"#,
        x - half,
        2.0 * half,
        bottom - top
    );
}

/// A packet's arrow (or a bundle's band), its label along it, and its fate.
fn packet(out: &mut String, mark: &Mark, p: &PacketDrawing) {
    let (from, to) = match p.direction {
        Direction::ToServer => (CLIENT_X, SERVER_X),
        Direction::ToClient => (SERVER_X, CLIENT_X),
    };
    let to_class = match p.direction {
        Direction::ToServer => "to-server",
        Direction::ToClient => "to-client",
    };
    let mut classes = vec!["mark", "packet", p.kind.class(), to_class];
    if p.packets > 1 {
        classes.push("bundle");
    }
    if p.retransmission {
        classes.push("retransmission");
    }
    match p.end {
        End::Dropped => classes.push("dropped"),
        End::Unknown => classes.push("unseen"),
        End::Delivered => {}
    }
    let _ = write!(
        out,
        r#"<g class="{}" data-step="{}" data-packets="{}" data-segments="{}">"#,
        classes.join(" "),
        mark.step,
        p.packets,
        p.data
    );
    let color = match (p.kind, p.message) {
        (PacketKind::Ack, _) => RULE,
        (_, Some(n)) => color_of(n),
        (_, None) => INK,
    };
    // Stop short of the lifeline so the arrowhead touches it.
    let inset = if from < to { -3.0 } else { 3.0 };
    let (end_x, end_y) = match p.end {
        End::Dropped => (from + (to - from) * 0.55, p.end_y),
        _ => (to + inset, p.end_y),
    };
    if p.packets > 1 {
        let _ = write!(
            out,
            r#"<polygon points="{from},{:.1} {to},{:.1} {to},{:.1} {from},{:.1}" fill="{color}" fill-opacity="0.22" stroke="{color}" stroke-width="1"/>"#,
            p.sent_y, p.end_y, p.last_end_y, p.last_sent_y
        );
    }
    let (width, dash) = match (p.kind, p.retransmission, p.end) {
        (PacketKind::Ack, ..) => ("1", r#" stroke-dasharray="4 3""#),
        (_, _, End::Unknown) => ("1.5", r#" stroke-dasharray="2 3""#),
        (_, true, _) => ("2", r#" stroke-dasharray="7 3""#),
        (PacketKind::Data, ..) => ("2", ""),
        (PacketKind::Control, ..) => ("1.4", ""),
    };
    let head = if p.end == End::Dropped {
        String::new()
    } else {
        format!(r#" marker-end="url(#arrow-{})""#, &color[1..])
    };
    let _ = write!(
        out,
        r#"<line x1="{from}" y1="{:.1}" x2="{end_x:.1}" y2="{end_y:.1}" stroke="{color}" stroke-width="{width}"{dash}{head}/>"#,
        p.sent_y
    );
    if p.end == End::Dropped {
        let cross = Line::of("✕", Look::Bad);
        text(
            out,
            end_x,
            end_y + 6.0,
            "middle",
            &cross,
            r#" font-size="18" class="cross""#,
        );
    }
    packet_label(out, p, from, to);
}

/// The label along the arrow: its head above the line, the rest below.
fn packet_label(out: &mut String, p: &PacketDrawing, from: f64, to: f64) {
    let (mx, my) = ((from + to) / 2.0, (p.sent_y + p.end_y) / 2.0);
    let mut angle = (p.end_y - p.sent_y).atan2(to - from).to_degrees();
    // Text never reads upside down: an arrow to the left is labelled left to right.
    if angle.abs() > 90.0 {
        angle -= 180.0_f64.copysign(angle);
    }
    let size = if p.kind == PacketKind::Ack {
        r#" font-size="10""#
    } else {
        r#" font-size="11""#
    };
    let _ = write!(
        out,
        r#"<g transform="rotate({angle:.2} {mx:.1} {my:.1})"{size}>"#
    );
    for (i, line) in p.lines.iter().enumerate() {
        let y = if i == 0 {
            my - 4.0
        } else {
            my + 12.0 + (i - 1) as f64 * (LINE - 2.0)
        };
        text(out, mx, y, "middle", line, "");
    }
    out.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_control_characters_cannot_break_the_document() {
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
        assert_eq!(escape("a\u{0}b\u{1b}"), "a\u{FFFD}b\u{FFFD}");
        assert_eq!(escape("粘包"), "粘包");
    }
}
