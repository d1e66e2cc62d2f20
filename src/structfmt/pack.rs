//! `struct.pack`: values to bytes, with CPython 3.11's checks and messages.
//!
//! CPython has one pack function per code and table, and their messages differ (`short
//! format requires …` from the native functions, `'h' format requires …` from the big-endian
//! ones). On a machine whose byte order matches a standard table, CPython reuses the native
//! functions for codes of the same size; [`uses_native_functions`] mirrors that choice.

use std::ffi::c_long;
use std::mem::size_of;

use super::format::{Field, Table};
use super::half::pack_half;
use super::{StructError, StructFormat, Value};

/// The most bytes `pack` builds; a format like `9999999999x` is refused instead of allocated.
pub const MAX_PACKED_SIZE: usize = 64 * 1024 * 1024;

impl StructFormat {
    /// `struct.pack(fmt, *values)`.
    pub fn pack(&self, values: &[Value]) -> Result<Vec<u8>, StructError> {
        let mut out = Vec::new();
        self.pack_into(values, &mut out)?;
        Ok(out)
    }

    /// Append the packed bytes to `out`; on error `out` is left as it was.
    pub fn pack_into(&self, values: &[Value], out: &mut Vec<u8>) -> Result<(), StructError> {
        if values.len() != self.values {
            return Err(StructError::new(format!(
                "pack expected {} items for packing (got {})",
                self.values,
                values.len()
            )));
        }
        if self.size > MAX_PACKED_SIZE {
            return Err(StructError::new(format!(
                "this format packs to {} bytes; lab packs at most {MAX_PACKED_SIZE}",
                self.size
            )));
        }
        let start = out.len();
        out.reserve(self.size);
        let mut next = values.iter();
        let table = self.order.table();
        let big = self.order.is_big_endian();
        for field in &self.fields {
            out.resize(out.len() + field.padding_before, 0);
            let result = match field.code {
                'x' => {
                    out.resize(out.len() + field.count, 0);
                    Ok(())
                }
                's' | 'p' => pack_string(field, next.next(), out),
                _ => (0..field.count).try_for_each(|_| {
                    let value = next.next().expect("value count checked above");
                    pack_item(field, table, big, value, out)
                }),
            };
            if let Err(e) = result {
                out.truncate(start);
                return Err(e);
            }
        }
        Ok(())
    }
}

fn pack_string(field: &Field, value: Option<&Value>, out: &mut Vec<u8>) -> Result<(), StructError> {
    let Some(Value::Bytes(data)) = value else {
        return Err(StructError::new(format!(
            "argument for '{}' must be a bytes object",
            field.code
        )));
    };
    let size = field.count;
    if field.code == 's' {
        let n = data.len().min(size);
        out.extend_from_slice(&data[..n]);
        out.resize(out.len() + size - n, 0);
    } else if size > 0 {
        // Pascal string: a length byte (at most 255), then the data, then zero padding.
        let n = data.len().min(size - 1);
        out.push(n.min(255) as u8);
        out.extend_from_slice(&data[..n]);
        out.resize(out.len() + size - 1 - n, 0);
    }
    Ok(())
}

fn pack_item(
    field: &Field,
    table: Table,
    big: bool,
    value: &Value,
    out: &mut Vec<u8>,
) -> Result<(), StructError> {
    let size = field.item_size;
    match field.code {
        '?' => out.push(u8::from(value.is_truthy())),
        'c' => match value {
            Value::Bytes(b) if b.len() == 1 => out.push(b[0]),
            _ => {
                return Err(StructError::new(
                    "char format requires a bytes object of length 1",
                ));
            }
        },
        'd' => {
            let (x, _) = float_arg(value)?;
            write_uint(u128::from(x.to_bits()), size, big, out);
        }
        'f' => {
            let (x, is_int) = float_arg(value)?;
            let y = x as f32;
            // The standard tables check for overflow (PyFloat_Pack4); the native one casts.
            if table != Table::Native && y.is_infinite() && !x.is_infinite() {
                return Err(float_overflow(is_int, 'f'));
            }
            write_uint(u128::from(y.to_bits()), size, big, out);
        }
        'e' => {
            let (x, is_int) = float_arg(value)?;
            let bits = pack_half(x).ok_or_else(|| float_overflow(is_int, 'e'))?;
            write_uint(u128::from(bits), size, big, out);
        }
        code => {
            let n = check_int(code, size, uses_native_functions(table, code, size), value)?;
            write_uint(n as u128, size, big, out);
        }
    }
    Ok(())
}

/// CPython turns any OverflowError met while packing an int argument into this message.
fn float_overflow(is_int: bool, code: char) -> StructError {
    if is_int {
        StructError::new("int too large to convert")
    } else {
        StructError::new(format!("float too large to pack with {code} format"))
    }
}

/// The low `size` bytes of `n`, in the format's byte order.
fn write_uint(n: u128, size: usize, big: bool, out: &mut Vec<u8>) {
    let bytes = n.to_le_bytes();
    if big {
        out.extend(bytes[..size].iter().rev());
    } else {
        out.extend_from_slice(&bytes[..size]);
    }
}

/// Whether CPython packs `code` with its native function under `table` on this machine.
fn uses_native_functions(table: Table, code: char, size: usize) -> bool {
    let machine_table = if cfg!(target_endian = "big") {
        Table::Big
    } else {
        Table::Little
    };
    let native_size = match code {
        'l' | 'L' => size_of::<c_long>(),
        _ => size,
    };
    table == Table::Native || (table == machine_table && native_size == size)
}

/// An int argument: its value if it fits 128 bits, `None` if larger still.
fn int_arg(value: &Value) -> Result<Option<i128>, StructError> {
    match value {
        Value::Int(n) => Ok(Some(*n)),
        Value::Bool(b) => Ok(Some(i128::from(*b))),
        Value::BigInt(_) => Ok(None),
        _ => Err(StructError::new("required argument is not an integer")),
    }
}

/// A float argument and whether it was an int (which changes the overflow message).
fn float_arg(value: &Value) -> Result<(f64, bool), StructError> {
    let not_a_float = || StructError::new("required argument is not a float");
    match value {
        Value::Float(x) => Ok((*x, false)),
        // `as` rounds to nearest, ties to even, like PyLong_AsDouble.
        Value::Int(n) => Ok((*n as f64, true)),
        Value::Bool(b) => Ok((f64::from(u8::from(*b)), true)),
        Value::BigInt(text) => match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok((x, true)),
            _ => Err(not_a_float()),
        },
        _ => Err(not_a_float()),
    }
}

const LONG_MIN: i128 = i64::MIN as i128;
const LONG_MAX: i128 = i64::MAX as i128;
const ULONG_MAX: i128 = u64::MAX as i128;

/// Check an int for `code` and return it, with the message CPython's function would give.
fn check_int(
    code: char,
    size: usize,
    native_fns: bool,
    value: &Value,
) -> Result<i128, StructError> {
    let arg = int_arg(value)?;
    let out_of_range = || StructError::new("argument out of range");
    let too_large = || StructError::new("int too large to convert");
    // get_long / get_ulong: the C long range, else "argument out of range".
    let long = || {
        arg.filter(|n| (LONG_MIN..=LONG_MAX).contains(n))
            .ok_or_else(out_of_range)
    };
    let ulong = || {
        arg.filter(|n| (0..=ULONG_MAX).contains(n))
            .ok_or_else(out_of_range)
    };
    let bits = 8 * size as u32;
    let (smin, smax) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
    let umax = (1i128 << bits) - 1;
    // The message is built only when the check fails: packing stays allocation-free.
    // `name` is the word CPython's native functions use ("byte", "short"); the others
    // quote the code.
    let within = |n: i128, min: i128, max: i128, name: Option<&str>| {
        if (min..=max).contains(&n) {
            return Ok(n);
        }
        Err(StructError::new(match name {
            Some(name) => format!("{name} format requires {min} <= number <= {max}"),
            None => format!("'{code}' format requires {min} <= number <= {max}"),
        }))
    };
    match code {
        // The byte codes use the native functions in every table.
        'b' => within(long()?, -128, 127, Some("byte")),
        'B' => within(long()?, 0, 255, Some("ubyte")),
        'P' => arg
            .filter(|n| (LONG_MIN..=ULONG_MAX).contains(n))
            .ok_or_else(too_large),
        'h' if native_fns => within(long()?, smin, smax, Some("short")),
        'H' if native_fns => within(long()?, 0, umax, Some("ushort")),
        'i' | 'l' | 'q' | 'n' if native_fns => within(long()?, smin, smax, None),
        'I' | 'L' | 'Q' | 'N' if native_fns => within(ulong()?, 0, umax, None),
        // Standard 8-byte codes go through _PyLong_AsByteArray, whose overflow is an
        // OverflowError, reported for an int argument as "int too large to convert".
        'q' => arg
            .filter(|n| (smin..=smax).contains(n))
            .ok_or_else(too_large),
        'Q' => arg.filter(|n| (0..=umax).contains(n)).ok_or_else(too_large),
        'h' | 'i' | 'l' => within(long()?, smin, smax, None),
        'H' | 'I' | 'L' => within(ulong()?, 0, umax, None),
        other => unreachable!("'{other}' is not an integer code"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(fmt: &str, values: &[Value]) -> Result<Vec<u8>, String> {
        StructFormat::parse(fmt)
            .and_then(|f| f.pack(values))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn range_errors_read_as_cpython_311() {
        let int = |n: i128| [Value::Int(n)];
        assert_eq!(
            pack("!i", &int(1 << 31)),
            Err("'i' format requires -2147483648 <= number <= 2147483647".into())
        );
        assert_eq!(pack("!I", &int(-1)), Err("argument out of range".into()));
        assert_eq!(
            pack("<H", &int(-1)),
            Err("ushort format requires 0 <= number <= 65535".into())
        );
        assert_eq!(
            pack(">H", &int(65536)),
            Err("'H' format requires 0 <= number <= 65535".into())
        );
        assert_eq!(
            pack("<l", &int(1 << 31)),
            Err("'l' format requires -2147483648 <= number <= 2147483647".into())
        );
        assert_eq!(
            pack("!q", &int(1 << 63)),
            Err("int too large to convert".into())
        );
        assert_eq!(
            pack("q", &int(1 << 63)),
            Err("argument out of range".into())
        );
        assert_eq!(
            pack("<f", &[Value::Float(1e39)]),
            Err("float too large to pack with f format".into())
        );
        assert_eq!(pack("f", &[Value::Float(1e39)]), Ok(vec![0, 0, 0x80, 0x7f]));
    }

    #[test]
    fn padding_strings_and_bools_pack_like_cpython() {
        let values = [
            Value::Int(1),
            Value::Int(-2),
            Value::Bytes(b"ab".to_vec()),
            Value::Bool(true),
        ];
        assert_eq!(
            pack("<2h3x2s?", &values),
            Ok(b"\x01\x00\xfe\xff\x00\x00\x00ab\x01".to_vec())
        );
        assert_eq!(
            pack("5p", &[Value::Bytes(b"abcdefgh".to_vec())]),
            Ok(b"\x04abcd".to_vec())
        );
        assert_eq!(
            pack("i", &[]),
            Err("pack expected 1 items for packing (got 0)".into())
        );
    }
}
