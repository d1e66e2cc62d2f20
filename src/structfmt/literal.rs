//! Reading values written as Python literals on the command line: `5`, `-5`, `0x10`,
//! `1.5`, `1e+40`, `inf`, `nan`, `True`, `False`, `b'\x00ab'`. Anything else is text.

use super::{StructFormat, Value};

/// Parse one value as Python would read the literal; what is not a literal stays text.
pub fn parse_value(text: &str) -> Value {
    match text {
        "True" => return Value::Bool(true),
        "False" => return Value::Bool(false),
        _ => {}
    }
    if let Some(bytes) = parse_bytes_literal(text) {
        return Value::Bytes(bytes);
    }
    if let Some(int) = parse_int(text) {
        return int;
    }
    if let Some(x) = parse_float(text) {
        return Value::Float(x);
    }
    Value::Str(text.to_string())
}

/// Parse values for a format: where a `c`, `s` or `p` field takes plain text, the text is
/// taken as its UTF-8 bytes (so `lab struct pack 5s hello` works without `b'…'`).
pub fn parse_values_for(format: &StructFormat, texts: &[String]) -> Vec<Value> {
    let codes: Vec<char> = format
        .fields()
        .iter()
        .flat_map(|f| std::iter::repeat_n(f.code, f.values()))
        .collect();
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let takes_bytes = matches!(codes.get(i), Some('c' | 's' | 'p'));
            match parse_value(text) {
                Value::Bytes(b) => Value::Bytes(b),
                _ if takes_bytes => Value::Bytes(text.as_bytes().to_vec()),
                other => other,
            }
        })
        .collect()
}

/// Python's float literals plus `inf` and `nan`, underscores allowed between digits.
fn parse_float(text: &str) -> Option<f64> {
    let cleaned = strip_underscores(text)?;
    let body = cleaned.trim_start_matches(['+', '-']);
    let named = ["inf", "infinity", "nan"].contains(&body.to_ascii_lowercase().as_str());
    // All digits is an int literal (or, like "007", no literal at all), never a float.
    let numeric = !body.is_empty()
        && !body.chars().all(|c| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || "eE.+-".contains(c))
        && body.chars().any(|c| c.is_ascii_digit());
    if named || numeric {
        cleaned.parse().ok()
    } else {
        None
    }
}

/// Decimal, `0x`, `0o` and `0b` integers with an optional sign.
fn parse_int(text: &str) -> Option<Value> {
    let cleaned = strip_underscores(text)?;
    let (negative, body) = match cleaned.as_bytes().first() {
        Some(b'-') => (true, &cleaned[1..]),
        Some(b'+') => (false, &cleaned[1..]),
        _ => (false, cleaned.as_str()),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = match lower.get(..2) {
        Some("0x") => (16, &lower[2..]),
        Some("0o") => (8, &lower[2..]),
        Some("0b") => (2, &lower[2..]),
        _ => (10, lower.as_str()),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Python refuses leading zeros in decimal literals ("007"), except for zero itself.
    if radix == 10 && digits.starts_with('0') && !digits.trim_start_matches('0').is_empty() {
        return None;
    }
    match i128::from_str_radix(digits, radix) {
        Ok(n) => Some(Value::Int(if negative { -n } else { n })),
        Err(_) if radix == 10 => {
            let sign = if negative { "-" } else { "" };
            Some(Value::BigInt(format!(
                "{sign}{}",
                digits.trim_start_matches('0')
            )))
        }
        Err(_) => None,
    }
}

/// Remove underscores that sit between two digits; `None` if any other underscore appears.
fn strip_underscores(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            let between = i > 0
                && i + 1 < chars.len()
                && chars[i - 1].is_ascii_alphanumeric()
                && chars[i + 1].is_ascii_alphanumeric();
            if !between {
                return None;
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Text read as the inside of a Python bytes literal: `\n`, `\r\n`, `\x00` become bytes;
/// `None` when a `\x` escape lacks its two hex digits.
pub fn parse_escaped(text: &str) -> Option<Vec<u8>> {
    unescape(text.as_bytes(), None)
}

/// `b'…'` or `b"…"` with Python's escapes; `None` if the text is not such a literal.
fn parse_bytes_literal(text: &str) -> Option<Vec<u8>> {
    let rest = text.strip_prefix('b').or_else(|| text.strip_prefix('B'))?;
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = rest[1..].strip_suffix(quote)?;
    unescape(inner.as_bytes(), Some(quote as u8))
}

/// Python's bytes escapes; an unescaped `quote` makes the text no literal at all.
fn unescape(src: &[u8], quote: Option<u8>) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        if Some(b) == quote {
            return None; // an unescaped quote ends the literal early
        }
        if b != b'\\' || i + 1 == src.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = src[i + 1];
        i += 2;
        match e {
            b'\\' | b'\'' | b'"' => out.push(e),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'v' => out.push(0x0b),
            b'x' => {
                let hex = std::str::from_utf8(src.get(i..i + 2)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut n = u32::from(e - b'0');
                let mut taken = 0;
                while taken < 2 && i < src.len() && (b'0'..=b'7').contains(&src[i]) {
                    n = n * 8 + u32::from(src[i] - b'0');
                    i += 1;
                    taken += 1;
                }
                out.push((n & 0xff) as u8);
            }
            // Python keeps unknown escapes as they are.
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_read_as_python_reads_them() {
        assert_eq!(parse_value("-5"), Value::Int(-5));
        assert_eq!(parse_value("0x10"), Value::Int(16));
        assert_eq!(parse_value("1_000"), Value::Int(1000));
        assert_eq!(parse_value("1.5"), Value::Float(1.5));
        assert_eq!(parse_value("1e+40"), Value::Float(1e40));
        assert_eq!(parse_value("-inf"), Value::Float(f64::NEG_INFINITY));
        assert_eq!(parse_value("True"), Value::Bool(true));
        assert_eq!(
            parse_value(r"b'\x00a\n'"),
            Value::Bytes(b"\x00a\n".to_vec())
        );
        assert_eq!(parse_value(r#"b"it's""#), Value::Bytes(b"it's".to_vec()));
        assert_eq!(parse_value("hello"), Value::Str("hello".into()));
        assert_eq!(parse_value("007"), Value::Str("007".into()));
        assert_eq!(
            parse_value("-340282366920938463463374607431768211457"),
            Value::BigInt("-340282366920938463463374607431768211457".into())
        );
    }

    #[test]
    fn plain_text_for_string_fields_is_utf8() {
        let format = StructFormat::parse("i5s").unwrap();
        let values = parse_values_for(&format, &["1".into(), "你".into()]);
        assert_eq!(values[1], Value::Bytes("你".as_bytes().to_vec()));
    }
}
