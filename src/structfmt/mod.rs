//! Python's `struct` format language, byte for byte: parse a format once, then pack and
//! unpack with it many times. Results and error texts are CPython 3.11's on this platform.
//!
//! ```
//! use sticky_lab::structfmt::{StructFormat, Value};
//!
//! // What the notes' fix puts on the wire: struct.pack('!I', 5)
//! let header = StructFormat::parse("!I").unwrap();
//! assert_eq!(header.pack(&[Value::Int(5)]).unwrap(), b"\x00\x00\x00\x05");
//! assert_eq!(header.unpack(b"\x00\x00\x00\x05").unwrap(), vec![Value::Int(5)]);
//!
//! // Native '@' aligns fields as the C compiler would: 'c' then 3 padding bytes, then 'i'.
//! assert_eq!(StructFormat::parse("ci").unwrap().size(), 8);
//!
//! // Errors read as CPython's do.
//! let err = header.pack(&[Value::Int(-1)]).unwrap_err();
//! assert_eq!(err.to_string(), "argument out of range");
//! ```

mod const_format;
mod format;
mod half;
mod layout;
mod literal;
mod pack;
mod pyrepr;
pub mod report;
mod unpack;

use std::fmt;

pub use const_format::{ConstFormat, PyInt};
pub use format::{ByteOrder, Field, StructFormat};
pub use layout::{ItemKind, LayoutItem};
pub use literal::{parse_escaped, parse_value, parse_values_for};
pub use pack::MAX_PACKED_SIZE;
pub use pyrepr::{bytes_repr, float_repr, tuple_repr, value_repr};

/// A Python value as struct sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An int that fits in 128 bits.
    Int(i128),
    /// An int too large for 128 bits, as decimal text with its sign; never fits any code.
    BigInt(String),
    Bool(bool),
    Float(f64),
    Bytes(Vec<u8>),
    /// Text (a Python str): accepted only where Python accepts any object.
    Str(String),
}

impl Value {
    /// Python's truth value, as `?` packs it.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Int(n) => *n != 0,
            Value::BigInt(_) => true,
            Value::Bool(b) => *b,
            Value::Float(x) => *x != 0.0,
            Value::Bytes(b) => !b.is_empty(),
            Value::Str(s) => !s.is_empty(),
        }
    }
}

/// A `struct.error` (or the other exception CPython raises), with CPython's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructError {
    message: String,
}

impl StructError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        StructError {
            message: message.into(),
        }
    }
}

impl fmt::Display for StructError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StructError {}
