//! Python's `repr()` of the values struct gives back: ints, floats (shortest round-trip
//! digits, Python's switch to exponent notation), bools, bytes and tuples.

use super::Value;

/// `repr(x)` for a float: `1.5`, `1e+40`, `1e-05`, `-0.0`, `inf`, `nan`.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    // Rust's `{:e}` gives the fewest digits that round-trip, as Python's repr does. When two
    // strings of that length both round-trip, Python keeps the one nearer to the true value
    // (half to even): exact formatting at that precision gives it — if it round-trips too.
    let shortest = format!("{x:e}");
    let digits = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.chars().filter(char::is_ascii_digit).count());
    let nearest = format!("{x:.*e}", digits.saturating_sub(1));
    let sci = if nearest.parse::<f64>() == Ok(x) {
        nearest
    } else {
        shortest
    };
    let (mantissa, exponent) = sci.split_once('e').expect("{:e} always has an exponent");
    let exponent: i32 = exponent.parse().expect("{:e} exponent is an integer");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    // Python puts the decimal point after `decpt` digits and uses an exponent when
    // decpt <= -4 or decpt > 16.
    let decpt = exponent + 1;
    let body = if (-3..=16).contains(&decpt) {
        let n = digits.len() as i32;
        if decpt <= 0 {
            format!("0.{}{digits}", "0".repeat((-decpt) as usize))
        } else if decpt >= n {
            format!("{digits}{}.0", "0".repeat((decpt - n) as usize))
        } else {
            let (int, frac) = digits.split_at(decpt as usize);
            format!("{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exponent < 0 { '-' } else { '+' };
        format!("{first}{point}e{esign}{:02}", exponent.abs())
    };
    format!("{sign}{body}")
}

/// `repr(b)` for bytes: single quotes unless the bytes hold `'` and no `"`.
pub fn bytes_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::with_capacity(bytes.len() + 3);
    out.push('b');
    out.push(quote as char);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b == quote => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote as char);
    out
}

/// `repr(v)` for one value.
pub fn value_repr(value: &Value) -> String {
    match value {
        Value::Int(n) => n.to_string(),
        Value::BigInt(text) => text.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Float(x) => float_repr(*x),
        Value::Bytes(b) => bytes_repr(b),
        Value::Str(s) => format!("{s:?}"),
    }
}

/// `repr(t)` for a tuple: `()`, `(5,)`, `(1, 2)`.
pub fn tuple_repr(values: &[Value]) -> String {
    match values {
        [] => "()".into(),
        [one] => format!("({},)", value_repr(one)),
        many => format!(
            "({})",
            many.iter().map(value_repr).collect::<Vec<_>>().join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_repr() {
        let cases = [
            (1e40, "1e+40"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (-0.0, "-0.0"),
            (1.5, "1.5"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (0.1f32 as f64, "0.10000000149011612"),
            (5e-324, "5e-324"),
            // Two 16-digit strings round-trip; Python keeps the nearer (half to even).
            (
                f64::from_bits(0x3f45_8800_0000_0000),
                "0.0006570816040039062",
            ),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(x), want);
        }
    }

    #[test]
    fn bytes_and_tuples_print_as_python_repr() {
        assert_eq!(bytes_repr(b"'\""), r#"b'\'"'"#);
        assert_eq!(bytes_repr(b"'"), r#"b"'""#);
        assert_eq!(bytes_repr(b"a\x00\x7f\x80\\"), r"b'a\x00\x7f\x80\\'");
        assert_eq!(tuple_repr(&[Value::Int(5)]), "(5,)");
        assert_eq!(
            tuple_repr(&[
                Value::Float(1.5),
                Value::Bytes(b"ab".to_vec()),
                Value::Bool(true)
            ]),
            "(1.5, b'ab', True)"
        );
    }
}
