//! Parsing a struct format string once into a list of laid-out fields, as CPython does.

use std::ffi::{c_int, c_long, c_longlong, c_short, c_void};
use std::iter::Peekable;
use std::mem::{align_of, size_of};
use std::str::Chars;

use super::StructError;

/// The first character of a format: byte order, sizes and alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// `@` or no prefix: this machine's order, native sizes, native alignment.
    Native,
    /// `=`: this machine's order, standard sizes, no alignment.
    NativeStandard,
    /// `<`: little-endian, standard sizes.
    Little,
    /// `>` or `!`: big-endian (network order), standard sizes.
    Big,
}

impl ByteOrder {
    /// Whether multi-byte values are stored big-endian under this order on this machine.
    pub fn is_big_endian(self) -> bool {
        match self {
            ByteOrder::Big => true,
            ByteOrder::Little => false,
            ByteOrder::Native | ByteOrder::NativeStandard => cfg!(target_endian = "big"),
        }
    }

    /// Native sizes and alignment (only `@` and no prefix).
    pub fn is_native(self) -> bool {
        self == ByteOrder::Native
    }

    /// CPython picks its pack functions per table; on a machine whose order matches a
    /// standard table, codes of the same size use the native functions (and their messages).
    pub(super) fn table(self) -> Table {
        match self {
            ByteOrder::Native => Table::Native,
            ByteOrder::NativeStandard if cfg!(target_endian = "big") => Table::Big,
            ByteOrder::NativeStandard | ByteOrder::Little => Table::Little,
            ByteOrder::Big => Table::Big,
        }
    }
}

/// Which of CPython's three format tables a format uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Table {
    Native,
    Little,
    Big,
}

/// One format code with its repeat count, placed at an offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The format character, e.g. `i`.
    pub code: char,
    /// The repeat count (for `s` and `p`, the byte length).
    pub count: usize,
    /// Offset of the first byte, after any alignment padding.
    pub offset: usize,
    /// Size of one item (for `s` and `p`, of the whole string).
    pub item_size: usize,
    /// Alignment padding inserted before this field.
    pub padding_before: usize,
}

impl Field {
    /// How many values the field takes or gives: `s`/`p` one, `x` none, others `count`.
    pub fn values(&self) -> usize {
        match self.code {
            's' | 'p' => 1,
            'x' => 0,
            _ => self.count,
        }
    }

    /// Bytes the field takes, not counting padding before it.
    pub fn size(&self) -> usize {
        match self.code {
            's' | 'p' => self.item_size,
            _ => self.item_size * self.count,
        }
    }
}

/// A parsed format: parse once, pack and unpack many times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructFormat {
    pub(super) text: String,
    pub(super) order: ByteOrder,
    pub(super) fields: Vec<Field>,
    pub(super) size: usize,
    pub(super) values: usize,
}

/// Sizes of every code: (native size, native alignment, standard size), or None if the code
/// has no standard size (`n`, `N`, `P`).
fn code_sizes(code: char) -> Option<(usize, usize, Option<usize>)> {
    let native = |size: usize, align: usize| (size, align);
    let ((size, align), standard) = match code {
        'x' | 'c' | 'b' | 'B' | '?' | 's' | 'p' => (native(1, 1), Some(1)),
        'h' | 'H' => (native(size_of::<c_short>(), align_of::<c_short>()), Some(2)),
        'i' | 'I' => (native(size_of::<c_int>(), align_of::<c_int>()), Some(4)),
        'l' | 'L' => (native(size_of::<c_long>(), align_of::<c_long>()), Some(4)),
        'q' | 'Q' => (
            native(size_of::<c_longlong>(), align_of::<c_longlong>()),
            Some(8),
        ),
        'n' | 'N' => (native(size_of::<isize>(), align_of::<isize>()), None),
        'P' => (
            native(size_of::<*const c_void>(), align_of::<*const c_void>()),
            None,
        ),
        'e' => (native(2, align_of::<c_short>()), Some(2)),
        'f' => (native(size_of::<f32>(), align_of::<f32>()), Some(4)),
        'd' => (native(size_of::<f64>(), align_of::<f64>()), Some(8)),
        _ => return None,
    };
    Some((size, align, standard))
}

/// Python's `str.isspace` for ASCII, which is what struct skips between codes.
fn is_format_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// The byte order a format's first character sets (`@` when it sets none), consumed if given.
fn byte_order_prefix(chars: &mut Peekable<Chars<'_>>) -> ByteOrder {
    let order = match chars.peek() {
        Some('=') => ByteOrder::NativeStandard,
        Some('<') => ByteOrder::Little,
        Some('>' | '!') => ByteOrder::Big,
        _ => ByteOrder::Native,
    };
    if matches!(chars.peek(), Some('@' | '=' | '<' | '>' | '!')) {
        chars.next();
    }
    order
}

/// A repeat count that began with `first` (its first digit), and the code it repeats.
fn repeat_count(
    first: usize,
    chars: &mut Peekable<Chars<'_>>,
) -> Result<(usize, char), StructError> {
    let mut count = first;
    loop {
        match chars.next() {
            Some(d) if d.is_ascii_digit() => {
                count = count
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(d.to_digit(10).unwrap_or(0) as usize))
                    .filter(|&n| n <= isize::MAX as usize)
                    .ok_or_else(too_long)?;
            }
            Some(code) => return Ok((count, code)),
            None => {
                return Err(StructError::new(
                    "repeat count given without format specifier",
                ));
            }
        }
    }
}

fn too_long() -> StructError {
    StructError::new("total struct size too long")
}

impl StructFormat {
    /// Parse a format the way CPython 3.11's `struct.Struct(fmt)` does, with its error texts.
    pub fn parse(text: &str) -> Result<StructFormat, StructError> {
        check_ascii(text)?;
        if text.contains('\0') {
            return Err(StructError::new("embedded null character"));
        }
        let mut chars = text.chars().peekable();
        let order = byte_order_prefix(&mut chars);

        let (mut fields, mut size, mut values) = (Vec::new(), 0usize, 0usize);
        while let Some(c) = chars.next() {
            if is_format_space(c) {
                continue;
            }
            let (count, code) = match c.to_digit(10) {
                Some(digit) => repeat_count(digit as usize, &mut chars)?,
                None => (1, c),
            };
            let (native_size, native_align, standard_size) = code_sizes(code)
                .filter(|(_, _, standard)| order.is_native() || standard.is_some())
                .ok_or_else(|| StructError::new("bad char in struct format"))?;
            let (item_size, align) = if order.is_native() {
                (native_size, native_align)
            } else {
                (standard_size.unwrap_or(native_size), 1)
            };
            // Alignment applies even to a zero count: '@c0i' is 4 bytes.
            let padding_before = (align - size % align) % align;
            let offset = size.checked_add(padding_before).ok_or_else(too_long)?;
            let (count, item_size) = match code {
                's' | 'p' => (count, count),
                _ => (count, item_size),
            };
            let bytes = match code {
                's' | 'p' => Some(count),
                _ => count.checked_mul(item_size),
            };
            let field = Field {
                code,
                count,
                offset,
                item_size,
                padding_before,
            };
            size = bytes
                .and_then(|n| offset.checked_add(n))
                .filter(|&n| n <= isize::MAX as usize)
                .ok_or_else(too_long)?;
            values += field.values();
            fields.push(field);
        }
        Ok(StructFormat {
            text: text.to_string(),
            order,
            fields,
            size,
            values,
        })
    }

    /// `struct.calcsize`: the packed size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many values `pack` takes and `unpack` returns.
    pub fn value_count(&self) -> usize {
        self.values
    }

    pub fn byte_order(&self) -> ByteOrder {
        self.order
    }

    /// The fields in order, with their offsets and padding.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The format text as given.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Python encodes a str format to ASCII first; its error names the first run of characters
/// that do not fit.
fn check_ascii(text: &str) -> Result<(), StructError> {
    let chars: Vec<char> = text.chars().collect();
    let Some(start) = chars.iter().position(|c| !c.is_ascii()) else {
        return Ok(());
    };
    let end = chars[start..]
        .iter()
        .position(|c| c.is_ascii())
        .map_or(chars.len(), |n| start + n);
    let message = if end - start == 1 {
        format!(
            "'ascii' codec can't encode character '{}' in position {start}: ordinal not in \
             range(128)",
            python_char_escape(chars[start])
        )
    } else {
        format!(
            "'ascii' codec can't encode characters in position {start}-{}: ordinal not in \
             range(128)",
            end - 1
        )
    };
    Err(StructError::new(message))
}

/// How Python's repr writes a non-ASCII character inside an error message.
fn python_char_escape(c: char) -> String {
    let n = c as u32;
    if n < 0x100 {
        format!("\\x{n:02x}")
    } else if n < 0x10000 {
        format!("\\u{n:04x}")
    } else {
        format!("\\U{n:08x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(f: &str) -> Result<usize, String> {
        StructFormat::parse(f)
            .map(|s| s.size())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn sizes_match_cpython_on_this_platform() {
        assert_eq!(size("i"), Ok(4));
        assert_eq!(size("@c0i"), Ok(4));
        assert_eq!(size("<c0i"), Ok(1));
        assert_eq!(size(" i "), Ok(4));
        assert_eq!(size("=2x3s"), Ok(5));
        assert_eq!(size(""), Ok(0));
        assert_eq!(size("!"), Ok(0));
        assert_eq!(size("9223372036854775807x"), Ok(9223372036854775807));
    }

    #[test]
    fn bad_formats_give_cpython_errors() {
        assert_eq!(size("2 i"), Err("bad char in struct format".into()));
        assert_eq!(size("i!"), Err("bad char in struct format".into()));
        assert_eq!(size("<n"), Err("bad char in struct format".into()));
        assert_eq!(size("\t<i"), Err("bad char in struct format".into()));
        assert_eq!(
            size("i2"),
            Err("repeat count given without format specifier".into())
        );
        assert_eq!(
            size("99999999999999999999i"),
            Err("total struct size too long".into())
        );
        assert_eq!(
            size("4611686018427387904i"),
            Err("total struct size too long".into())
        );
        assert_eq!(size("i\0i"), Err("embedded null character".into()));
        assert_eq!(
            size("é"),
            Err(
                "'ascii' codec can't encode character '\\xe9' in position 0: ordinal not in \
                 range(128)"
                    .into()
            )
        );
    }
}
