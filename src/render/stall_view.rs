//! `lab stall-demo`'s view: each way of sending with its round trip (median and slowest), the
//! notes' way round by round, why it stalls — measured packet by packet with `--net` — and
//! what to do. And its JSON Lines: one object per way of sending, then a summary.

use std::fmt::Write as _;

use serde_json::json;

use super::text::{Line, Look, wrap_words};
use crate::analysis::stall::{StallFacts, VariantFacts, median};
use crate::lesson::stall_demo::{HEADER_LEN, Sending};
use crate::net::link::NetSpec;

const WIDTH: usize = 80;
/// Width of the labels before the footer lines.
const LABEL: usize = 9;
/// Width of the column naming each way of sending.
const WAY: usize = 40;
/// Round trips listed one by one at most.
const MAX_LISTED: usize = 20;

/// The whole view.
pub fn render(facts: &StallFacts, net: Option<&NetSpec>) -> String {
    let mut out = String::new();
    let place = match net {
        Some(_) => "across lab's link",
        None => "on loopback",
    };
    let title = format!(
        "lab stall-demo — {} request/reply round trips {place}, each message a {HEADER_LEN}-byte \
         !I header and a {}-byte body",
        facts.rounds, facts.size
    );
    push_wrapped(&mut out, &title, Look::Heading);
    if let Some(spec) = net {
        push_wrapped(&mut out, &super::link_view::spec_line(spec), Look::Dim);
    }
    out.push('\n');
    let header = format!(
        "{:<WAY$}{:>16}{:>12}",
        "how both sides send", "per round trip", "slowest"
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
        let mut line = Line::of(format!("{:<WAY$}", way(v)), Look::Plain);
        line.push(format!("{:>16}", millis(v.median_us)), look);
        line.push(format!("{:>12}", millis(v.slowest_us)), Look::Dim);
        push(&mut out, line);
    }
    out.push('\n');
    if let Some(notes) = facts.variants.first() {
        let listed: Vec<String> = notes
            .latencies_us
            .iter()
            .take(MAX_LISTED)
            .map(|&us| millis(us))
            .collect();
        let more = notes.latencies_us.len().saturating_sub(MAX_LISTED);
        let more = if more > 0 {
            format!(" … +{more}")
        } else {
            String::new()
        };
        labelled(
            &mut out,
            "rounds",
            &format!("the notes' way, one by one: {}{more}", listed.join(", ")),
            Look::Plain,
        );
        for (i, text) in why(notes, net.is_some()).into_iter().enumerate() {
            labelled(
                &mut out,
                if i == 0 { "why" } else { "" },
                &text,
                Look::Plain,
            );
        }
        labelled(&mut out, "verdict", &verdict(facts), Look::Heading);
    }
    out
}

/// `two send()s: header, body (the notes)`, and so on.
fn way(v: &VariantFacts) -> String {
    let v = &v.variant;
    let nodelay = match (v.client_nodelay, v.server_nodelay) {
        (false, false) => "",
        (true, false) => ", TCP_NODELAY on the client",
        (false, true) => ", TCP_NODELAY on the server",
        (true, true) => ", TCP_NODELAY on both sides",
    };
    match v.sending {
        Sending::OneSend => format!("one sendall(header + body){nodelay}"),
        Sending::TwoSends if nodelay.is_empty() => "two send()s: header, body (the notes)".into(),
        Sending::TwoSends => format!("two send()s{nodelay}"),
    }
}

/// What held the notes' way up: measured across a link, else the mechanism and how to see it.
fn why(notes: &VariantFacts, linked: bool) -> Vec<String> {
    if !linked {
        return vec![
            "the body waits for the ACK of its header (Nagle's algorithm: a small segment \
             waits while an earlier one is unacknowledged), and the receiver holds that ACK \
             back, up to 40 ms, hoping to send it with a reply — which needs the body first \
             (delayed ACK). Once each way makes a round trip of two such waits. Run it with \
             --net delay=5ms to see every wait, packet by packet."
                .into(),
        ];
    }
    let mut lines = Vec::new();
    let rounds = notes.latencies_us.len();
    for (what, waits, who) in [
        ("request bodies", &notes.request_waits_us, "client"),
        ("reply bodies", &notes.reply_waits_us, "server"),
    ] {
        if !waits.is_empty() {
            lines.push(format!(
                "{} of {rounds} {what} waited for the ACK of their header, {} at the median \
                 (Nagle's algorithm on the {who})",
                waits.len(),
                millis(median(waits))
            ));
        }
    }
    for (delays, who, what) in [
        (&notes.server_ack_delays_us, "server", "requests"),
        (&notes.client_ack_delays_us, "client", "replies"),
    ] {
        if !delays.is_empty() {
            lines.push(format!(
                "the {who} held back {} ACK{} of {what}, {} at the median (delayed ACK)",
                delays.len(),
                if delays.len() == 1 { "" } else { "s" },
                millis(median(delays))
            ));
        }
    }
    if lines.is_empty() {
        lines.push("no segment waited for an ACK this time".into());
    }
    lines
}

fn verdict(facts: &StallFacts) -> String {
    let (Some(notes), Some(best)) = (
        facts.variants.first(),
        facts.variants.iter().min_by_key(|v| v.median_us),
    ) else {
        return String::new();
    };
    let times = notes.median_us as f64 / best.median_us.max(1) as f64;
    format!(
        "the notes' way took {} a round trip, {} {:.0}× slower than {}. Send a message in \
         one call — sendall(header + body) — or set TCP_NODELAY on both sides.",
        millis(notes.median_us),
        if times >= 2.0 { "about" } else { "only" },
        times,
        way(best)
    )
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

/// `88.1 ms`, `0.04 ms`, `1203 ms`.
fn millis(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    match ms {
        _ if ms >= 100.0 => format!("{ms:.0} ms"),
        _ if ms >= 1.0 => format!("{ms:.1} ms"),
        _ => format!("{ms:.2} ms"),
    }
}

fn push(out: &mut String, line: Line) {
    let _ = writeln!(out, "{}", line.paint());
}

fn push_wrapped(out: &mut String, text: &str, look: Look) {
    for l in wrap_words(text, WIDTH) {
        push(out, Line::of(l, look));
    }
}

/// `label    text…`, the text wrapped under itself.
fn labelled(out: &mut String, label: &str, text: &str, look: Look) {
    for (k, l) in wrap_words(text, WIDTH - LABEL).into_iter().enumerate() {
        let mut line = if k == 0 {
            Line::of(format!("{label:<LABEL$}"), Look::Dim)
        } else {
            Line::of(" ".repeat(LABEL), Look::Plain)
        };
        line.push(l, look);
        push(out, line);
    }
}
