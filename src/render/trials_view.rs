//! `--trials N`: the same lesson run N times, as histograms — how many recv() calls the
//! messages arrived in, and how many data segments they left as. Merging is timing, not a
//! rule: the spread shows it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::json;

use super::text::{Line, Look, paint_wrapped};
use super::words::Words;
use crate::analysis::Summary;

const BAR_WIDTH: usize = 30;

/// Counts of each value, in order.
fn histogram(values: impl Iterator<Item = u64>) -> BTreeMap<u64, usize> {
    let mut counts = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_insert(0) += 1;
    }
    counts
}

fn push_histogram(out: &mut String, title: &str, counts: &BTreeMap<u64, usize>, runs: usize) {
    let _ = writeln!(out, "{}", Line::of(title, Look::Heading).paint());
    if counts.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            Line::of("  (not measured on this kernel)", Look::Dim).paint()
        );
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

/// A UDP run: datagrams, not a stream (the summary counts truncated datagrams only then).
fn is_udp(s: &Summary) -> bool {
    s.truncated.is_some()
}

/// The histograms and what they say, wrapped to `width`.
pub fn render(lesson: &str, runs: &[Summary], width: usize) -> String {
    let mut out = String::new();
    let Some(first) = runs.first() else {
        return out;
    };
    let udp = is_udp(first);
    // Nagle's algorithm and segments are TCP's: a UDP run has neither.
    let title = if udp {
        format!(
            "lab {lesson} × {} runs — recvfrom({}), reader {} ms late, send gap {} ms",
            runs.len(),
            first.recv_size,
            first.reader_delay_ms,
            first.send_gap_ms,
        )
    } else {
        format!(
            "lab {lesson} × {} runs — recv({}), reader {} ms late, send gap {} ms, Nagle {}",
            runs.len(),
            first.recv_size,
            first.reader_delay_ms,
            first.send_gap_ms,
            if first.nodelay { "off" } else { "on" }
        )
    };
    out.push_str(&paint_wrapped(&Line::of(title, Look::Heading), width, 0));
    if let Some(link) = &first.link {
        let line = Line::of(super::link_view::trials_line(link), Look::Dim);
        out.push_str(&paint_wrapped(&line, width, 0));
    }
    out.push('\n');
    let recvs = histogram(runs.iter().map(|s| s.recvs as u64));
    let (calls, sends) = if udp {
        ("recvfrom() calls", "datagrams sent")
    } else {
        ("recv() calls", "send() calls")
    };
    push_histogram(
        &mut out,
        &format!("{calls} per run ({} {sends} each)", first.sends),
        &recvs,
        runs.len(),
    );
    out.push('\n');
    if !udp {
        let segments = histogram(
            runs.iter()
                .filter_map(|s| s.data_segments_out.map(u64::from)),
        );
        push_histogram(
            &mut out,
            "data segments per run (TCP_INFO)",
            &segments,
            runs.len(),
        );
        out.push('\n');
    }
    out.push_str(&paint_wrapped(
        &Line::of(conclusion(runs), Look::Plain),
        width,
        0,
    ));
    out
}

/// What the runs say, in a sentence or three.
pub(crate) fn conclusion(runs: &[Summary]) -> String {
    if runs.first().is_some_and(is_udp) {
        return udp_conclusion(runs);
    }
    let n = runs.len();
    let merged = runs.iter().filter(|s| s.merged_recvs > 0).count();
    let split = runs.iter().filter(|s| s.split_messages > 0).count();
    let intact = runs.iter().filter(|s| s.intact).count();
    let framed = runs.first().is_some_and(|s| s.framing.is_some());
    let shapes = histogram(runs.iter().map(|s| s.recvs as u64)).len();
    let late_reader = runs.first().is_some_and(|s| s.reader_delay_ms > 0);
    let spread = if shapes > 1 {
        " Same program, same knobs, different results: how the bytes fall into recv() calls \
         is timing, not a rule."
    } else if late_reader {
        " Every run came out the same: a late reader makes the merge certain — try \
         --reader-delay 0 to see the timing spread."
    } else {
        " Every run came out the same this time; run it again, or with more --trials, and \
         the spread usually shows."
    };
    if framed {
        format!(
            "The raw recv() calls merged in {merged} and split in {split} of {n} runs; the \
             decoded messages were intact in {intact} of {n}.{spread}"
        )
    } else {
        format!(
            "Messages merged in {merged} of {n} runs, split in {split}, and arrived one per \
             recv() in {intact}.{spread} Only framing makes it certain."
        )
    }
}

/// What many UDP runs show: boundaries kept every time; loss and truncation when they come.
fn udp_conclusion(runs: &[Summary]) -> String {
    let n = runs.len();
    let whole = runs.iter().filter(|s| s.intact).count();
    let lost = runs.iter().filter(|s| s.recvs < s.sends).count();
    let cut = runs.iter().filter(|s| s.truncated.unwrap_or(0) > 0).count();
    let mut text = format!(
        "Every datagram that arrived came out of its own recvfrom() call, never merged with \
         another nor split: in {whole} of {n} runs all of them arrived whole."
    );
    if lost > 0 {
        let _ = write!(
            text,
            " In {lost} of {n} runs a datagram never arrived: UDP does not retransmit."
        );
    }
    if cut > 0 {
        let _ = write!(
            text,
            " In {cut} of {n} runs a datagram was longer than the recvfrom() buffer and its \
             rest was thrown away."
        );
    }
    text.push_str(" UDP keeps message boundaries whatever the timing; TCP keeps none.");
    text
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
        "conclusion": conclusion(runs),
    });
    let _ = writeln!(out, "{summary}");
    out
}
