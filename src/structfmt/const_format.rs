//! A struct format of integers checked and laid out at compile time — Rust's answer to a
//! module-level `HEADER = struct.Struct('!I')` — so a fixed header costs what hand-written
//! `to_be_bytes` costs, with Python's bytes and Python's errors.

use super::{StructError, StructFormat, Value};

/// A format with `N` integer values packing to `S` bytes, parsed when the program is
/// compiled: a bad format, or an `N` or `S` that does not match it, fails the build.
///
/// ```
/// use sticky_lab::structfmt::ConstFormat;
///
/// // struct.pack('!I', 112) and struct.unpack('!I', b'\x00\x00\x00p')
/// const HEADER: ConstFormat<1, 4> = ConstFormat::new("!I");
/// assert_eq!(HEADER.pack(&[112]).unwrap(), [0, 0, 0, 112]);
/// assert_eq!(HEADER.unpack(&[0, 0, 0, 112]), [112]);
/// // Out of range: CPython's own message.
/// assert_eq!(
///     HEADER.pack(&[-1]).unwrap_err().to_string(),
///     "argument out of range"
/// );
/// ```
///
/// A format it cannot take is a compile error, not a runtime one:
///
/// ```compile_fail
/// use sticky_lab::structfmt::ConstFormat;
/// const FLOAT: ConstFormat<1, 4> = ConstFormat::new("!f"); // integers only
/// let _ = FLOAT.pack(&[1]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ConstFormat<const N: usize, const S: usize> {
    text: &'static str,
    big_endian: bool,
    items: [Item; N],
}

/// One integer value's place in the packed bytes.
#[derive(Debug, Clone, Copy)]
struct Item {
    offset: usize,
    size: usize,
    signed: bool,
}

impl<const N: usize, const S: usize> ConstFormat<N, S> {
    /// Parse `text`: a byte order (`<`, `>`, `!` or `=`, whose sizes are the same on every
    /// machine), then integer codes (`bBhHiIlLqQ`) and pad bytes (`x`), with repeat counts.
    /// Called in a `const`, a mistake stops the build with the reason.
    pub const fn new(text: &'static str) -> Self {
        let bytes = text.as_bytes();
        assert!(
            !bytes.is_empty(),
            "ConstFormat: a format needs a byte order"
        );
        let big_endian = big_endian_prefix(bytes[0]);
        let mut items = [Item {
            offset: 0,
            size: 0,
            signed: false,
        }; N];
        let (mut values, mut size, mut i) = (0, 0, 1);
        while i < bytes.len() {
            let mut count = 1;
            if bytes[i].is_ascii_digit() {
                count = 0;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    count = count * 10 + (bytes[i] - b'0') as usize;
                    i += 1;
                }
                assert!(i < bytes.len(), "ConstFormat: a repeat count needs a code");
            }
            let counted = i > 0 && bytes[i - 1].is_ascii_digit();
            let code = bytes[i];
            i += 1;
            if matches!(code, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c') {
                // CPython: "bad char in struct format" for '2 I'; spaces only between codes.
                assert!(
                    !counted,
                    "ConstFormat: a repeat count must be followed by its code"
                );
                continue;
            }
            if code == b'x' {
                size += count;
                continue;
            }
            let (item_size, signed) = integer_code(code);
            let mut k = 0;
            while k < count {
                assert!(values < N, "ConstFormat: the format has more values than N");
                items[values] = Item {
                    offset: size,
                    size: item_size,
                    signed,
                };
                values += 1;
                size += item_size;
                k += 1;
            }
        }
        assert!(
            values == N,
            "ConstFormat: the format has fewer values than N"
        );
        assert!(
            size == S,
            "ConstFormat: the format does not pack to S bytes"
        );
        ConstFormat {
            text,
            big_endian,
            items,
        }
    }

    /// The format text, as given.
    pub const fn text(&self) -> &'static str {
        self.text
    }

    /// `struct.pack(fmt, *values)`: the bytes, or CPython's error for a value out of range.
    /// Any Rust integer type will do; a `u32` for an `I` cannot be out of range, and the
    /// range check then compiles away.
    // Always inlined: the format is a constant, so the loop over its items and every
    // match on width and byte order fold away, leaving the code `to_be_bytes` gives.
    #[inline(always)]
    pub fn pack<T: PyInt>(&self, values: &[T; N]) -> Result<[u8; S], StructError> {
        let mut out = [0u8; S];
        for (index, (item, value)) in self.items.iter().zip(values).enumerate() {
            let value = value.to_i128();
            let bits = 8 * item.size as u32;
            // One unsigned comparison per value: shifted into 0..2^bits, it must have no
            // bits left above them (signed codes are shifted by half their range first).
            let shifted = if item.signed {
                value.wrapping_add(1i128 << (bits - 1))
            } else {
                value
            };
            let in_range = (shifted as u128) >> bits == 0;
            if !in_range {
                return Err(self.explain_refusal(index, value));
            }
            let at = item.offset;
            // Two's complement keeps a negative value's low bytes right for its width.
            match (item.size, self.big_endian) {
                (1, _) => out[at] = value as u8,
                (2, true) => out[at..at + 2].copy_from_slice(&(value as u16).to_be_bytes()),
                (2, false) => out[at..at + 2].copy_from_slice(&(value as u16).to_le_bytes()),
                (4, true) => out[at..at + 4].copy_from_slice(&(value as u32).to_be_bytes()),
                (4, false) => out[at..at + 4].copy_from_slice(&(value as u32).to_le_bytes()),
                (_, true) => out[at..at + 8].copy_from_slice(&(value as u64).to_be_bytes()),
                (_, false) => out[at..at + 8].copy_from_slice(&(value as u64).to_le_bytes()),
            }
        }
        Ok(out)
    }

    /// `struct.unpack(fmt, buffer)`: a buffer of exactly `S` bytes always unpacks.
    // Always inlined: the format is a constant, so the loop over its items and every
    // match on width and byte order fold away, leaving the code `to_be_bytes` gives.
    #[inline(always)]
    pub fn unpack(&self, bytes: &[u8; S]) -> [i128; N] {
        let mut values = [0i128; N];
        for (item, value) in self.items.iter().zip(&mut values) {
            let at = item.offset;
            // One fixed-width read per size, as hand-written code would do it.
            let (raw, bits) = match item.size {
                1 => (u64::from(bytes[at]), 8),
                2 => {
                    let b = take(bytes, at);
                    let n = if self.big_endian {
                        u16::from_be_bytes(b)
                    } else {
                        u16::from_le_bytes(b)
                    };
                    (u64::from(n), 16)
                }
                4 => {
                    let b = take(bytes, at);
                    let n = if self.big_endian {
                        u32::from_be_bytes(b)
                    } else {
                        u32::from_le_bytes(b)
                    };
                    (u64::from(n), 32)
                }
                _ => {
                    let b = take(bytes, at);
                    let n = if self.big_endian {
                        u64::from_be_bytes(b)
                    } else {
                        u64::from_le_bytes(b)
                    };
                    (n, 64)
                }
            };
            let shift = 64 - bits;
            *value = if item.signed {
                i128::from(((raw << shift) as i64) >> shift)
            } else {
                i128::from(raw)
            };
        }
        values
    }

    /// The error CPython gives for the first value out of range: the general struct code
    /// knows every message, and a refusal is no hot path. Only that value and its place
    /// are passed (the values before it were in range, zeros stand in for the rest), so the
    /// fast path never has to keep the values in memory for this call.
    #[cold]
    #[inline(never)]
    fn explain_refusal(&self, index: usize, value: i128) -> StructError {
        let general = StructFormat::parse(self.text).expect("checked when compiled");
        let mut values = vec![Value::Int(0); N];
        values[index] = Value::Int(value);
        match general.pack(&values) {
            Err(e) => e,
            Ok(_) => StructError::new(format!("{}: {value} is out of range", self.text)),
        }
    }
}

/// `W` bytes from `at`, copied as one array: a single load once inlined (building the
/// array byte by byte was seen to compile to shifts and masks instead).
#[inline(always)]
fn take<const W: usize, const S: usize>(bytes: &[u8; S], at: usize) -> [u8; W] {
    let mut word = [0u8; W];
    word.copy_from_slice(&bytes[at..at + W]);
    word
}

/// A Rust integer that stands for a Python int (`u128` aside: not every one fits 128 signed
/// bits, and no struct code is wider than 64).
pub trait PyInt: Copy {
    fn to_i128(self) -> i128;
}

macro_rules! py_int {
    ($($t:ty),*) => {$(
        impl PyInt for $t {
            #[inline(always)]
            fn to_i128(self) -> i128 {
                // Lossless for every type listed: none is wider than 64 bits but i128.
                self as i128
            }
        }
    )*};
}
py_int!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, usize);

/// Whether a format's first character makes it big-endian; only the prefixes whose sizes are
/// the same on every machine are allowed.
const fn big_endian_prefix(first: u8) -> bool {
    match first {
        b'>' | b'!' => true,
        b'<' => false,
        b'=' => cfg!(target_endian = "big"),
        _ => panic!("ConstFormat: start with <, >, ! or = (sizes that are the same everywhere)"),
    }
}

/// An integer code's size in bytes and whether it is signed.
const fn integer_code(code: u8) -> (usize, bool) {
    match code {
        b'b' => (1, true),
        b'B' => (1, false),
        b'h' => (2, true),
        b'H' => (2, false),
        b'i' | b'l' => (4, true),
        b'I' | b'L' => (4, false),
        b'q' => (8, true),
        b'Q' => (8, false),
        _ => panic!("ConstFormat: only integer codes bBhHiIlLqQ and x pad bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FORMATS: [&str; 4] = ["!I", ">h 2xQ", "<bBhH", "=iIqQ"];

    /// Check one ConstFormat against the general struct code, which is itself checked
    /// against CPython.
    fn agrees<const N: usize, const S: usize>(format: ConstFormat<N, S>, values: [i128; N]) {
        let general = StructFormat::parse(format.text()).unwrap();
        let as_values: Vec<Value> = values.iter().map(|&v| Value::Int(v)).collect();
        match (format.pack(&values), general.pack(&as_values)) {
            (Ok(fast), Ok(slow)) => {
                assert_eq!(fast.to_vec(), slow, "{} {values:?}", format.text());
                let back: Vec<Value> = format
                    .unpack(&fast)
                    .iter()
                    .map(|&v| Value::Int(v))
                    .collect();
                assert_eq!(back, general.unpack(&fast).unwrap());
            }
            (Err(fast), Err(slow)) => assert_eq!(fast, slow),
            (fast, slow) => panic!("{}: {fast:?} but Python gives {slow:?}", format.text()),
        }
    }

    proptest! {
        #[test]
        fn packs_and_unpacks_as_the_general_struct_does(
            a in any::<i64>(), b in any::<i64>(), c in any::<i64>(), d in any::<i64>(),
            wide in any::<u64>(), narrow in -70_000i128..70_000,
        ) {
            let (a, b, c, d) = (a as i128, b as i128, c as i128, d as i128);
            agrees(ConstFormat::<1, 4>::new(FORMATS[0]), [narrow]);
            agrees(ConstFormat::<1, 4>::new(FORMATS[0]), [a]);
            agrees(ConstFormat::<2, 12>::new(FORMATS[1]), [narrow, i128::from(wide)]);
            agrees(ConstFormat::<4, 6>::new(FORMATS[2]), [narrow, a % 300, b % 70_000, narrow]);
            agrees(ConstFormat::<4, 24>::new(FORMATS[3]), [c, d, a, i128::from(wide)]);
        }
    }

    #[test]
    fn any_four_bytes_unpack_as_python_reads_them() {
        const SIGNED: ConstFormat<1, 4> = ConstFormat::new("!i");
        assert_eq!(SIGNED.unpack(&[0xff, 0xff, 0xff, 0xfe]), [-2]);
        const UNSIGNED: ConstFormat<1, 4> = ConstFormat::new("<I");
        assert_eq!(UNSIGNED.unpack(&[0xfe, 0xff, 0xff, 0xff]), [4_294_967_294]);
    }
}
