//! The views of `lab upload` and `lab upload-demo`: the final line (size, time, MiB/s), and
//! for the demo the header bytes, the chunk flow and the checks.

use std::fmt::Write as _;

use serde_json::json;

use super::text::{Line, Look, Run, hex_lines, paint_wrapped};
use super::words::Words;
use super::words::upload::mib_per_s as rate;
use crate::lang::Lang;
use crate::transcript::Part;
use crate::upload::demo::DemoReport;
use crate::upload::send::Sent;

/// `uploaded NAME: SIZE B in T s (X MiB/s), sha256 …`, wrapped to `width`.
pub fn final_line(sent: &Sent, width: usize, lang: Lang) -> String {
    let text = Words(lang).uploaded(&sent.name, sent.size, sent.elapsed, &sent.sha256);
    paint_wrapped(&Line::of(text, Look::Plain), width, 2)
}

pub fn sent_json(sent: &Sent) -> String {
    format!(
        "{}\n",
        json!({
            "op": "uploaded",
            "name": sent.name,
            "size": sent.size,
            "sha256": sent.sha256,
            "seconds": sent.elapsed.as_secs_f64(),
            "mib_per_s": rate(sent.size, sent.elapsed),
            "chunks": sent.chunks,
        })
    )
}

/// upload-demo's explanation: the header bytes, the chunks on each side, the trailer, the
/// checks, and the final line.
pub fn render_demo(report: &DemoReport, width: usize, lang: Lang) -> String {
    let words = Words(lang);
    let mut out = String::new();
    // Indented lines wrap under their own indentation.
    let line = |out: &mut String, text: &str, look: Look| {
        let hang = text.len() - text.trim_start().len();
        out.push_str(&paint_wrapped(&Line::of(text, look), width, hang));
    };
    line(
        &mut out,
        &words.upload_demo_title(report.size),
        Look::Heading,
    );
    out.push('\n');
    line(&mut out, words.header_on_the_wire(), Look::Heading);
    length_prefixed_json(&mut out, &report.sent.header_bytes, 1, width, words);
    out.push('\n');
    line(&mut out, words.body_in_chunks(), Look::Heading);
    let r = &report.received;
    let chunk_kib = crate::upload::CHUNK / 1024;
    line(
        &mut out,
        &words.client_chunks(report.sent.chunks, chunk_kib),
        Look::Plain,
    );
    let reads = words.server_reads(r.recv_calls, r.smallest_recv, r.largest_recv);
    line(&mut out, &reads, Look::Plain);
    out.push('\n');
    line(&mut out, words.trailer_heading(), Look::Heading);
    length_prefixed_json(&mut out, &report.sent.trailer_bytes, 2, width, words);
    out.push('\n');
    line(&mut out, words.the_checks(), Look::Heading);
    let matches = report.sent.sha256 == r.sha256;
    let verdict = |ok: bool| if ok { Look::Good } else { Look::Bad };
    line(
        &mut out,
        &words.sha_check(matches, &r.sha256),
        verdict(matches),
    );
    let stored = words.stored_check(&r.name, report.identical);
    line(&mut out, &stored, verdict(report.identical));
    out.push('\n');
    out.push_str(&final_line(&report.sent, width, lang));
    out
}

/// A `!I` length and its JSON, as hex (the first lines) and as the value it decodes to;
/// `message` picks the colour.
fn length_prefixed_json(
    out: &mut String,
    bytes: &[u8],
    message: usize,
    width: usize,
    words: Words,
) {
    let (length, json) = bytes.split_at(4.min(bytes.len()));
    let runs = [
        Run {
            bytes: length,
            message,
            part: Part::Header,
        },
        Run {
            bytes: json,
            message,
            part: Part::Payload,
        },
    ];
    // 16 bytes a line when there is room: 3 columns of hex and 1 of text each.
    let per_line = (width.saturating_sub(3) / 4).clamp(4, 16);
    for l in hex_lines(&runs, 0, per_line, 48 / per_line) {
        let _ = writeln!(out, "  {}", l.paint());
    }
    if let Ok(length) = <[u8; 4]>::try_from(length) {
        let [length] = crate::upload::LENGTH.unpack(&length);
        let text = words.length_then(length, &String::from_utf8_lossy(json));
        out.push_str(&paint_wrapped(&Line::of(text, Look::Plain), width, 2));
    }
}

pub fn render_demo_json(report: &DemoReport) -> String {
    let r = &report.received;
    format!(
        "{}\n",
        json!({
            "op": "summary",
            "lesson": "upload-demo",
            "size": report.size,
            "header_hex": crate::render::json::hex(&report.sent.header_bytes),
            "trailer_hex": crate::render::json::hex(&report.sent.trailer_bytes),
            "sha256_sent": report.sent.sha256,
            "sha256_received": r.sha256,
            "client_chunks": report.sent.chunks,
            "server_recv_calls": r.recv_calls,
            "smallest_recv": r.smallest_recv,
            "largest_recv": r.largest_recv,
            "identical": report.identical,
            "seconds": report.sent.elapsed.as_secs_f64(),
            "mib_per_s": rate(report.size, report.sent.elapsed),
        })
    )
}
