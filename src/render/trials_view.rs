//! `--trials N`: the same lesson run N times, as histograms — how many recv() calls the
//! messages arrived in, and how many data segments they left as. Merging is timing, not a
//! rule: the spread shows it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::json;

use super::text::{Line, Look, paint_wrapped};
use super::words::Words;
use crate::analysis::Summary;
use crate::analysis::trials::trials_facts;

const BAR_WIDTH: usize = 30;

/// Counts of each value, in order.
fn histogram(values: impl Iterator<Item = u64>) -> BTreeMap<u64, usize> {
    let mut counts = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_insert(0) += 1;
    }
    counts
}

fn push_histogram(
    out: &mut String,
    title: &str,
    counts: &BTreeMap<u64, usize>,
    runs: usize,
    words: Words,
) {
    let _ = writeln!(out, "{}", Line::of(title, Look::Heading).paint());
    if counts.is_empty() {
        let text = format!("  {}", words.not_measured());
        let _ = writeln!(out, "{}", Line::of(text, Look::Dim).paint());
        return;
    }
    for (value, count) in counts {
        let bar = "█".repeat((count * BAR_WIDTH).div_ceil(runs.max(1)));
        let mut line = Line::of(format!("{value:>6}  "), Look::Plain);
        line.push(bar, Look::Label(*value as usize));
        line.push(format!(" {count}"), Look::Plain);
        let _ = writeln!(out, "{}", line.paint());
    }
}

/// The histograms and what they say, wrapped to `width`.
pub fn render(lesson: &str, runs: &[Summary], width: usize, words: Words) -> String {
    let mut out = String::new();
    let Some(first) = runs.first() else {
        return out;
    };
    let udp = first.truncated.is_some();
    let title = words.trials_title(lesson, first, runs.len());
    out.push_str(&paint_wrapped(&Line::of(title, Look::Heading), width, 0));
    if let Some(link) = &first.link {
        let line = Line::of(super::link_view::trials_line(link, words), Look::Dim);
        out.push_str(&paint_wrapped(&line, width, 0));
    }
    out.push('\n');
    let recvs = histogram(runs.iter().map(|s| s.recvs as u64));
    let title = words.recvs_per_run(first.sends, udp);
    push_histogram(&mut out, &title, &recvs, runs.len(), words);
    out.push('\n');
    // Nagle's algorithm and segments are TCP's: a UDP run has neither.
    if !udp {
        let segments = histogram(
            runs.iter()
                .filter_map(|s| s.data_segments_out.map(u64::from)),
        );
        let title = words.segments_per_run();
        push_histogram(&mut out, title, &segments, runs.len(), words);
        out.push('\n');
    }
    let conclusion = words.trials_conclusion(&trials_facts(runs));
    out.push_str(&paint_wrapped(&Line::of(conclusion, Look::Plain), width, 0));
    out
}

/// JSON Lines: each run's summary (`"op":"trial"`), then one summary with the histograms.
pub fn render_json(lesson: &str, runs: &[Summary], words: Words) -> String {
    let mut out = String::new();
    for (i, s) in runs.iter().enumerate() {
        let line = super::json::SummaryLine { summary: s, words };
        let mut line = serde_json::to_value(line).expect("summaries serialize");
        line["op"] = json!("trial");
        line["trial"] = json!(i + 1);
        let _ = writeln!(out, "{line}");
    }
    let as_map = |h: BTreeMap<u64, usize>| {
        h.into_iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect::<serde_json::Map<_, _>>()
    };
    let summary = json!({
        "op": "summary",
        "lesson": lesson,
        "trials": runs.len(),
        "recvs_histogram": as_map(histogram(runs.iter().map(|s| s.recvs as u64))),
        "segments_histogram": as_map(histogram(
            runs.iter().filter_map(|s| s.data_segments_out.map(u64::from))
        )),
        "runs_merged": runs.iter().filter(|s| s.merged_recvs > 0).count(),
        "runs_split": runs.iter().filter(|s| s.split_messages > 0).count(),
        "runs_intact": runs.iter().filter(|s| s.intact).count(),
        "conclusion": words.trials_conclusion(&trials_facts(runs)),
    });
    let _ = writeln!(out, "{summary}");
    out
}
