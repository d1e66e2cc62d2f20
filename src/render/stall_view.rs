//! `lab stall-demo`'s view: each way of sending with its round trip (median and slowest), the
//! notes' way round by round, why it stalls — measured packet by packet with `--net` — and
//! what to do. And its JSON Lines: one object per way of sending, then a summary.

use std::fmt::Write as _;

use serde_json::json;

use super::text::{Line, Look, pad, pad_left, wrap_words};
use super::words::{Words, round_trip_ms};
use crate::analysis::stall::StallFacts;
use crate::net::link::NetSpec;

/// Width of the labels before the footer lines.
const LABEL: usize = 9;
/// Width of the column naming each way of sending, and its narrowest.
const WAY: usize = 40;
const MIN_WAY: usize = 20;
/// Widths of the round-trip columns (the median, the slowest), each with its gap.
const MEDIAN: usize = 16;
const SLOWEST: usize = 12;
/// Round trips listed one by one at most.
const MAX_LISTED: usize = 20;

/// The whole view, wrapped to `width`.
pub fn render(facts: &StallFacts, net: Option<&NetSpec>, width: usize, words: Words) -> String {
    let mut out = String::new();
    let title = words.stall_title(facts, net.is_some());
    push_wrapped(&mut out, &title, width, Look::Heading);
    if let Some(spec) = net {
        push_wrapped(&mut out, &words.spec_line(spec), width, Look::Dim);
    }
    out.push('\n');
    let [way, median, slowest] = words.stall_columns();
    // The column of ways gives up what a narrow view lacks; a name too long for it wraps.
    let way_width = WAY.min(width.saturating_sub(MEDIAN + SLOWEST)).max(MIN_WAY);
    let header = format!(
        "{}{}{}",
        pad(way, way_width),
        pad_left(median, MEDIAN),
        pad_left(slowest, SLOWEST)
    );
    push(&mut out, Line::of(header, Look::Dim));
    let fastest = facts
        .variants
        .iter()
        .map(|v| v.median_us)
        .min()
        .unwrap_or(0);
    for v in &facts.variants {
        let look = if v.median_us > 10 * fastest.max(1) && v.median_us > 5_000 {
            Look::Bad
        } else {
            Look::Good
        };
        // A space stays between the name and the figures.
        let name = wrap_words(&words.way(&v.variant), way_width - 1);
        let mut line = Line::of(pad(&name[0], way_width), Look::Plain);
        line.push(pad_left(&round_trip_ms(v.median_us), MEDIAN), look);
        line.push(pad_left(&round_trip_ms(v.slowest_us), SLOWEST), Look::Dim);
        push(&mut out, line);
        for rest in &name[1..] {
            push(&mut out, Line::of(format!("  {rest}"), Look::Plain));
        }
    }
    out.push('\n');
    let (Some(notes), Some(best)) = (
        facts.variants.first(),
        facts.variants.iter().min_by_key(|v| v.median_us),
    ) else {
        return out;
    };
    let listed: Vec<String> = notes
        .latencies_us
        .iter()
        .take(MAX_LISTED)
        .map(|&us| round_trip_ms(us))
        .collect();
    let more = notes.latencies_us.len().saturating_sub(MAX_LISTED);
    let rounds = words.stall_rounds(&listed, more);
    let labelled = |out: &mut String, label: &str, text: &str, look| {
        labelled(out, width, label, text, look);
    };
    labelled(&mut out, words.rounds_label(), &rounds, Look::Plain);
    for (i, text) in words.stall_why(notes, net.is_some()).iter().enumerate() {
        let label = if i == 0 { words.why_label() } else { "" };
        labelled(&mut out, label, text, Look::Plain);
    }
    let verdict = words.stall_verdict(notes, best);
    labelled(&mut out, words.verdict(), &verdict, Look::Heading);
    out
}

/// JSON Lines: one `"op":"way"` object per way of sending, then the summary.
pub fn render_json(facts: &StallFacts, net: Option<&NetSpec>) -> String {
    let mut out = String::new();
    for v in &facts.variants {
        let mut line = serde_json::to_value(v).expect("facts serialize");
        line["op"] = json!("way");
        let _ = writeln!(out, "{line}");
    }
    let notes = facts.variants.first();
    let best = facts.variants.iter().map(|v| v.median_us).min();
    let summary = json!({
        "op": "summary",
        "lesson": "stall-demo",
        "rounds": facts.rounds,
        "size": facts.size,
        "net": net.is_some(),
        "notes_median_us": notes.map(|v| v.median_us),
        "best_median_us": best,
    });
    let _ = writeln!(out, "{summary}");
    out
}

fn push(out: &mut String, line: Line) {
    let _ = writeln!(out, "{}", line.paint());
}

fn push_wrapped(out: &mut String, text: &str, width: usize, look: Look) {
    for l in wrap_words(text, width) {
        push(out, Line::of(l, look));
    }
}

/// `label    text…`, the text wrapped under itself.
fn labelled(out: &mut String, width: usize, label: &str, text: &str, look: Look) {
    for (k, l) in wrap_words(text, width.saturating_sub(LABEL))
        .into_iter()
        .enumerate()
    {
        let mut line = if k == 0 {
            Line::of(pad(label, LABEL), Look::Dim)
        } else {
            Line::of(" ".repeat(LABEL), Look::Plain)
        };
        line.push(l, look);
        push(out, line);
    }
}
