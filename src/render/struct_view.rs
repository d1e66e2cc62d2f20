//! The views of `lab struct`: Python's repr first (so it can be pasted into Python), then a
//! field map coloured field by field, then the byte-order lesson for native formats. And the
//! `--json` objects: pack → `{"hex","fields"}`, unpack → `{"repr","values"}`, calcsize →
//! `{"size"}`.

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use super::json::hex;
use super::text::{Line, Look, pad, pad_left, paint_wrapped};
use super::words::Words;
use super::words::structs::OrderNote;
use crate::structfmt::report::{Direction, StructReport};
use crate::structfmt::{
    ItemKind, StructFormat, Value, bytes_repr, float_repr, tuple_repr, value_repr,
};
use crate::transcript::Part;

/// Field-map rows shown before the rest are counted.
const MAX_ROWS: usize = 64;
/// Bytes shown in one row's hex column.
const MAX_ROW_BYTES: usize = 16;
/// Where the field map's bytes column starts: its bytes wrap under it.
const BYTES_COLUMN: usize = 46;

/// The text view of a pack or an unpack.
pub fn render(report: &StructReport, width: usize, words: Words) -> String {
    let mut out = String::new();
    let first = match report.direction {
        Direction::Pack => bytes_repr(&report.bytes),
        Direction::Unpack => tuple_repr(&report.values),
    };
    let _ = writeln!(out, "{first}");
    let f = &report.format;
    let summary = format!(
        "{} — {} · {}",
        quoted(f.text()),
        words.byte_order(f.byte_order()),
        words.struct_size(f.size())
    );
    push_wrapped(&mut out, &summary, Look::Dim, width);
    out.push('\n');
    push_field_map(&mut out, report, width, words);
    if let Some(alt) = &report.network_order {
        out.push('\n');
        let format = quoted(&alt.format);
        let note = match (&alt.result, report.direction) {
            (Ok((b, _)), Direction::Pack) if *b == report.bytes => OrderNote::SameBytes { format },
            (Ok((_, v)), Direction::Unpack) if *v == report.values => {
                OrderNote::SameValues { format }
            }
            (Ok((b, _)), Direction::Pack) => OrderNote::OtherBytes {
                format,
                bytes: bytes_repr(b),
            },
            (Ok((_, v)), Direction::Unpack) => OrderNote::OtherValues {
                format,
                values: tuple_repr(v),
            },
            (Err(e), _) => OrderNote::Refused {
                format,
                error: e.to_string(),
            },
        };
        push_wrapped(&mut out, &words.order_note(&note), Look::Heading, width);
    }
    out
}

/// `lab struct calcsize`: the size, then what decides it.
pub fn render_calcsize(format: &StructFormat, width: usize, words: Words) -> String {
    let mut out = format!("{}\n", format.size());
    let text = format!(
        "{} — {}",
        quoted(format.text()),
        words.byte_order(format.byte_order())
    );
    push_wrapped(&mut out, &text, Look::Dim, width);
    out
}

/// A format in Python quotes, as it would be written in code.
fn quoted(text: &str) -> String {
    format!("{text:?}").replace('"', "'")
}

fn push_wrapped(out: &mut String, text: &str, look: Look, width: usize) {
    out.push_str(&paint_wrapped(&Line::of(text, look), width, 0));
}

/// offset, size, code, value, bytes — one row per value, pad run or alignment gap.
fn push_field_map(out: &mut String, report: &StructReport, width: usize, words: Words) {
    let [offset, size, code, value, bytes] = words.field_columns();
    let header = format!(
        "{}  {}  {}  {}  {bytes}",
        pad_left(offset, 6),
        pad_left(size, 4),
        pad(code, 4),
        pad(value, 24)
    );
    let _ = writeln!(out, "{}", Line::of(header, Look::Dim).paint());
    let mut rows = 0;
    for (row, item) in report.format.layout().enumerate() {
        rows += 1;
        if row >= MAX_ROWS {
            continue;
        }
        let bytes = &report.bytes[item.offset..item.offset + item.size];
        let (code, value, look) = match item.kind {
            ItemKind::Value(n) => (
                item.code.to_string(),
                report.values.get(n).map(value_repr).unwrap_or_default(),
                Look::Label(row + 1),
            ),
            ItemKind::PadBytes => ("x".into(), words.pad_bytes().into(), Look::Dim),
            ItemKind::Alignment => (String::new(), words.alignment_for(item.code), Look::Dim),
        };
        let shown = bytes.len().min(MAX_ROW_BYTES);
        let mut hex_text = bytes[..shown]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ");
        if bytes.len() > shown {
            let _ = write!(hex_text, " … +{} B", bytes.len() - shown);
        }
        let value = truncate(&value, 24);
        let mut line = Line::of(format!("{:>6}  {:>4}  ", item.offset, item.size), Look::Dim);
        line.push(format!("{code:<4}  {}  ", pad(&value, 24)), look);
        let byte_look = match look {
            Look::Label(n) => Look::Bytes {
                message: n,
                part: Part::Header,
                escape: false,
            },
            other => other,
        };
        line.push(hex_text, byte_look);
        out.push_str(&paint_wrapped(&line, width, BYTES_COLUMN));
    }
    if rows > MAX_ROWS {
        let rest = words.more_rows(rows - MAX_ROWS);
        let _ = writeln!(out, "{}", Line::of(rest, Look::Dim).paint());
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let kept: String = text.chars().take(width - 1).collect();
        format!("{kept}…")
    }
}

/// The `--json` object of a pack or an unpack.
pub fn render_json(report: &StructReport) -> String {
    let fields: Vec<Json> = report
        .format
        .layout()
        .filter(|item| item.kind != ItemKind::Alignment)
        .map(
            |item| json!({"code": item.code.to_string(), "offset": item.offset, "size": item.size}),
        )
        .collect();
    let padding: Vec<Json> = report
        .format
        .layout()
        .filter(|item| item.kind == ItemKind::Alignment)
        .map(|item| json!({"offset": item.offset, "size": item.size}))
        .collect();
    let mut object = json!({
        "format": report.format.text(),
        "size": report.format.size(),
        "hex": hex(&report.bytes),
        "fields": fields,
        "padding": padding,
        "values": report.values.iter().map(value_json).collect::<Vec<_>>(),
    });
    match report.direction {
        Direction::Pack => object["repr"] = json!(bytes_repr(&report.bytes)),
        Direction::Unpack => object["repr"] = json!(tuple_repr(&report.values)),
    }
    if let Some(alt) = &report.network_order {
        object["network_order"] = match &alt.result {
            Ok((bytes, values)) => json!({
                "format": alt.format,
                "hex": hex(bytes),
                "repr": match report.direction {
                    Direction::Pack => bytes_repr(bytes),
                    Direction::Unpack => tuple_repr(values),
                },
            }),
            Err(e) => json!({"format": alt.format, "error": e.to_string()}),
        };
    }
    format!("{object}\n")
}

/// `{"size": N}` for calcsize.
pub fn render_calcsize_json(format: &StructFormat) -> String {
    format!("{}\n", json!({"size": format.size()}))
}

/// A value in JSON: numbers as numbers (non-finite floats as their Python repr), bools as
/// booleans, bytes as their Python repr.
fn value_json(value: &Value) -> Json {
    match value {
        Value::Int(n) => i64::try_from(*n)
            .map(Json::from)
            .or_else(|_| u64::try_from(*n).map(Json::from))
            .unwrap_or_else(|_| json!(n.to_string())),
        Value::Float(x) if x.is_finite() => json!(x),
        Value::Float(x) => json!(float_repr(*x)),
        Value::Bool(b) => json!(b),
        Value::Bytes(b) => json!(bytes_repr(b)),
        Value::BigInt(s) | Value::Str(s) => json!(s),
    }
}
