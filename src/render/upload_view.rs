//! The views of `lab upload` and `lab upload-demo`: the final line (size, time, MiB/s), and
//! for the demo the header bytes, the chunk flow and the checks.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::json;

use super::text::{Line, Look, Run, hex_lines, paint_wrapped};
use crate::transcript::Part;
use crate::upload::demo::DemoReport;
use crate::upload::send::Sent;

fn rate(size: u64, elapsed: Duration) -> f64 {
    size as f64 / elapsed.as_secs_f64().max(1e-9) / 1_048_576.0
}

/// `uploaded NAME: SIZE B in T s (X MiB/s), sha256 …`, wrapped to `width`.
pub fn final_line(sent: &Sent, width: usize) -> String {
    let text = format!(
        "uploaded {:?}: {} B in {:.2} s ({:.1} MiB/s), sha256 {} verified by the server",
        sent.name,
        sent.size,
        sent.elapsed.as_secs_f64(),
        rate(sent.size, sent.elapsed),
        sent.sha256
    );
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

pub fn render_demo(report: &DemoReport, width: usize) -> String {
    let mut out = String::new();
    // Indented lines wrap under their own indentation.
    let line = |out: &mut String, text: String, look: Look| {
        let hang = text.len() - text.trim_start().len();
        out.push_str(&paint_wrapped(&Line::of(text, look), width, hang));
    };
    line(
        &mut out,
        format!(
            "lab upload-demo — a {} B file over one loopback connection, both ends here",
            report.size
        ),
        Look::Heading,
    );
    out.push('\n');
    line(
        &mut out,
        "the header on the wire (4-byte !I length, then JSON):".into(),
        Look::Heading,
    );
    length_prefixed_json(&mut out, &report.sent.header_bytes, 1, width);
    out.push('\n');
    line(&mut out, "the body, in chunks:".into(), Look::Heading);
    let r = &report.received;
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    line(
        &mut out,
        format!(
            "  client: {} of up to {} KiB",
            plural(report.sent.chunks, "write() call", "write() calls"),
            crate::upload::CHUNK / 1024,
        ),
        Look::Plain,
    );
    line(
        &mut out,
        format!(
            "  server: {} of {}..{} B — each returns what has arrived, not the client's chunks",
            plural(r.recv_calls, "recv() call", "recv() calls"),
            r.smallest_recv,
            r.largest_recv
        ),
        Look::Plain,
    );
    out.push('\n');
    line(
        &mut out,
        "after the body, the client's sha256 of what it sent (the same framing):".into(),
        Look::Heading,
    );
    length_prefixed_json(&mut out, &report.sent.trailer_bytes, 2, width);
    out.push('\n');
    line(&mut out, "the checks:".into(), Look::Heading);
    let matches = report.sent.sha256 == r.sha256;
    let verdict = |ok: bool| if ok { Look::Good } else { Look::Bad };
    line(
        &mut out,
        format!(
            "  sha256 on both sides {}: {}",
            if matches { "matches" } else { "DIFFERS" },
            r.sha256
        ),
        verdict(matches),
    );
    line(
        &mut out,
        format!(
            "  stored as {:?} only after the check (written to a file without a name first); {}",
            r.name,
            if report.identical {
                "byte for byte identical to the original"
            } else {
                "NOT identical to the original"
            }
        ),
        verdict(report.identical),
    );
    out.push('\n');
    out.push_str(&final_line(&report.sent, width));
    out
}

/// A `!I` length and its JSON, as hex (the first lines) and as the value it decodes to;
/// `message` picks the colour.
fn length_prefixed_json(out: &mut String, bytes: &[u8], message: usize, width: usize) {
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
        let text = format!(
            "  length {} → {}",
            crate::upload::LENGTH.unpack(&length)[0],
            String::from_utf8_lossy(json)
        );
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
