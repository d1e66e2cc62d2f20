//! `lab struct pack|unpack|calcsize` as facts: Python's struct run on the command line's values,
//! with what network order would give instead. It computes; `render::struct_view` shows.

use super::{ByteOrder, StructError, StructFormat, Value, parse_values_for};
use crate::error::{Error, Problem};

/// What `lab struct` computed, for the views.
#[derive(Debug, Clone, PartialEq)]
pub struct StructReport {
    pub format: StructFormat,
    /// The values packed, or unpacked.
    pub values: Vec<Value>,
    /// The packed bytes, or the bytes unpacked.
    pub bytes: Vec<u8>,
    pub direction: Direction,
    /// For a native-order format: what network order (`!`) would give instead.
    pub network_order: Option<Alternative>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Pack,
    Unpack,
}

/// The same operation under `!`, to teach why a wire header names its byte order.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    pub format: String,
    /// pack: the bytes; unpack: the values; or CPython's refusal.
    pub result: Result<(Vec<u8>, Vec<Value>), StructError>,
}

fn parse_format(text: &str) -> Result<StructFormat, Error> {
    StructFormat::parse(text).map_err(|e| Error::Struct(e.to_string()))
}

/// `struct.pack(fmt, *values)` with values written as Python literals.
pub fn pack(format: &str, texts: &[String]) -> Result<StructReport, Error> {
    let format = parse_format(format)?;
    let values = parse_values_for(&format, texts);
    let bytes = format
        .pack(&values)
        .map_err(|e| Error::Struct(e.to_string()))?;
    let network_order = in_network_order(&format, |f| Ok((f.pack(&values)?, values.clone())));
    Ok(StructReport {
        format,
        values,
        bytes,
        direction: Direction::Pack,
        network_order,
    })
}

/// `struct.unpack(fmt, bytes)` with the bytes written as hex (or a `b'…'` literal).
pub fn unpack(format: &str, hex: &[String]) -> Result<StructReport, Error> {
    let format = parse_format(format)?;
    let bytes = parse_hex(&hex.join(" "))?;
    let values = format
        .unpack(&bytes)
        .map_err(|e| Error::Struct(e.to_string()))?;
    let network_order = in_network_order(&format, |f| Ok((bytes.clone(), f.unpack(&bytes)?)));
    Ok(StructReport {
        format,
        values,
        bytes,
        direction: Direction::Unpack,
        network_order,
    })
}

/// `struct.calcsize(fmt)`.
pub fn calcsize(format: &str) -> Result<StructFormat, Error> {
    parse_format(format)
}

/// For a format whose bytes depend on the machine (`@`, `=`, no prefix): the same operation
/// with the same codes in network order.
fn in_network_order(
    format: &StructFormat,
    operation: impl FnOnce(&StructFormat) -> Result<(Vec<u8>, Vec<Value>), StructError>,
) -> Option<Alternative> {
    let native = matches!(
        format.byte_order(),
        ByteOrder::Native | ByteOrder::NativeStandard
    );
    native.then(|| {
        let text = format.with_order('!');
        let result = StructFormat::parse(&text).and_then(|f| operation(&f));
        Alternative {
            format: text,
            result,
        }
    })
}

/// Hex digits, with any spaces, colons or `0x`/`\x` prefixes between bytes; or a Python
/// bytes literal `b'…'`.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, Error> {
    if let Value::Bytes(bytes) = crate::structfmt::parse_value(text.trim()) {
        return Ok(bytes);
    }
    let cleaned = text.replace("0x", " ").replace("\\x", " ");
    let digits: Vec<(usize, char)> = cleaned
        .char_indices()
        .filter(|(_, c)| !c.is_whitespace() && *c != ':' && *c != ',')
        .collect();
    if let Some((at, c)) = digits.iter().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(Error::Problem(Problem::NotHex {
            character: *c,
            at: *at,
        }));
    }
    if digits.len() % 2 == 1 {
        return Err(Error::Problem(Problem::OddHexDigits {
            count: digits.len(),
        }));
    }
    Ok(digits
        .chunks(2)
        .map(|pair| {
            let hi = pair[0].1.to_digit(16).unwrap_or(0);
            let lo = pair[1].1.to_digit(16).unwrap_or(0);
            (hi * 16 + lo) as u8
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_read_in_the_forms_people_paste() {
        assert_eq!(parse_hex("00 00 00 05").unwrap(), vec![0, 0, 0, 5]);
        assert_eq!(parse_hex("0x0a:0b").unwrap(), vec![10, 11]);
        assert_eq!(parse_hex(r"b'\x00\x05'").unwrap(), vec![0, 5]);
        assert!(parse_hex("0g").is_err());
        assert!(parse_hex("000").is_err());
    }

    #[test]
    fn a_native_header_is_shown_next_to_network_order() {
        let report = pack("i", &["5".to_string()]).unwrap();
        assert_eq!(report.bytes, 5i32.to_ne_bytes());
        let alt = report.network_order.unwrap();
        assert_eq!(alt.format, "!i");
        assert_eq!(alt.result.unwrap().0, vec![0, 0, 0, 5]);
    }
}
