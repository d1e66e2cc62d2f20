//! The framing a lesson uses, chosen on the command line: a length header of any struct
//! format, a delimiter, or fixed-size records. One place turns a message into the pieces it
//! takes on the wire and gives the matching decoder.

use super::fixed::strip_padding;
use super::{
    Decoder, DelimiterCodec, EncodeError, FixedCodec, HeaderWidth, LengthCodec, LengthHeader, Part,
};
use crate::structfmt::StructFormat;

/// One framing rule with its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framing {
    /// A length header; `format` is the struct format it was given as, e.g. `!I` or `i`.
    Length {
        codec: LengthCodec,
        format: String,
    },
    Delimiter(DelimiterCodec),
    Fixed(FixedCodec),
}

/// Bytes a message puts on the wire, and what they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WirePiece {
    pub part: Part,
    pub bytes: Vec<u8>,
}

impl WirePiece {
    pub fn new(part: Part, bytes: Vec<u8>) -> Self {
        WirePiece { part, bytes }
    }
}

/// Which of the three rules a framing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FramingKind {
    /// A length header before each message.
    Length,
    /// A delimiter after each message.
    Delimiter,
    /// Every message padded to a fixed-size record.
    Fixed,
}

impl FramingKind {
    /// `length`, `delimiter` or `fixed`, as `--framing` and the JSON spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            FramingKind::Length => "length",
            FramingKind::Delimiter => "delimiter",
            FramingKind::Fixed => "fixed",
        }
    }
}

impl Framing {
    /// Which rule this is.
    pub fn kind(&self) -> FramingKind {
        match self {
            Framing::Length { .. } => FramingKind::Length,
            Framing::Delimiter(_) => FramingKind::Delimiter,
            Framing::Fixed(_) => FramingKind::Fixed,
        }
    }

    /// The largest payload the decoder accepts.
    pub fn max_frame(&self) -> usize {
        match self {
            Framing::Length { codec, .. } => codec.max_frame,
            Framing::Delimiter(codec) => codec.max_frame,
            Framing::Fixed(codec) => codec.record_size(),
        }
    }

    /// The pieces `payload` takes on the wire, or why it cannot be sent in this framing.
    pub fn encode(&self, payload: &[u8]) -> Result<Vec<WirePiece>, EncodeError> {
        let body = WirePiece::new(Part::Payload, payload.to_vec());
        Ok(match self {
            Framing::Length { codec, .. } => {
                let mut header = Vec::new();
                codec.header.encode(payload.len() as u64, &mut header)?;
                vec![WirePiece::new(Part::Header, header), body]
            }
            Framing::Delimiter(codec) => {
                // The receiver cuts at the first delimiter in payload + delimiter, and that
                // must be the one added here: a payload may overlap it without holding it
                // whole ("abc\r\n" before "\r\n\r\n").
                let framed = [payload, codec.delimiter()].concat();
                if let Some(at) = codec.find(&framed).filter(|&at| at < payload.len()) {
                    return Err(EncodeError::ContainsDelimiter {
                        at,
                        delimiter: codec.delimiter().to_vec(),
                    });
                }
                vec![
                    body,
                    WirePiece::new(Part::Delimiter, codec.delimiter().to_vec()),
                ]
            }
            Framing::Fixed(codec) => {
                let record = codec.record_size();
                if payload.len() > record {
                    return Err(EncodeError::TooLongForRecord {
                        len: payload.len(),
                        record,
                    });
                }
                let padding = vec![0; record - payload.len()];
                let mut pieces = vec![body];
                if !padding.is_empty() {
                    pieces.push(WirePiece::new(Part::Padding, padding));
                }
                pieces
            }
        })
    }

    /// A fresh decoder for one stream.
    pub fn decoder(&self) -> Box<dyn Decoder + Send> {
        match self {
            Framing::Length { codec, .. } => Box::new(*codec),
            Framing::Delimiter(codec) => Box::new(codec.clone()),
            Framing::Fixed(codec) => Box::new(*codec),
        }
    }

    /// The message a decoded frame carries (a fixed record loses its padding).
    pub fn message_of<'a>(&self, payload: &'a [u8]) -> &'a [u8] {
        match self {
            Framing::Fixed(_) => strip_padding(payload),
            _ => payload,
        }
    }
}

/// Why a struct format cannot be a length header; `render::words` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderFormatError {
    /// Python's struct refuses the format itself: CPython's message.
    Struct(String),
    /// Not exactly one field: how many there are.
    Fields(usize),
    /// A code that is no integer.
    NotInteger(char),
    /// An integer with a repeat count.
    Repeated(usize),
    /// An integer of a width no header has, in bytes.
    Width(usize),
}

/// A length header from a struct format of exactly one integer code: `!I`, `<H`, `q`, ….
pub fn length_header_from_format(text: &str) -> Result<LengthHeader, HeaderFormatError> {
    let format = StructFormat::parse(text).map_err(|e| HeaderFormatError::Struct(e.to_string()))?;
    let [field] = format.fields() else {
        return Err(HeaderFormatError::Fields(format.fields().len()));
    };
    if !"bBhHiIlLqQnN".contains(field.code) {
        return Err(HeaderFormatError::NotInteger(field.code));
    }
    if field.count != 1 {
        return Err(HeaderFormatError::Repeated(field.count));
    }
    let width = match field.item_size {
        1 => HeaderWidth::One,
        2 => HeaderWidth::Two,
        4 => HeaderWidth::Four,
        8 => HeaderWidth::Eight,
        other => return Err(HeaderFormatError::Width(other)),
    };
    Ok(LengthHeader {
        width,
        big_endian: format.byte_order().is_big_endian(),
        signed: field.code.is_ascii_lowercase(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_formats_become_headers() {
        let h = length_header_from_format("!H").unwrap();
        assert_eq!((h.len(), h.big_endian, h.signed), (2, true, false));
        let h = length_header_from_format("<q").unwrap();
        assert_eq!((h.len(), h.big_endian, h.signed), (8, false, true));
        let h = length_header_from_format("i").unwrap();
        assert_eq!((h.len(), h.big_endian), (4, cfg!(target_endian = "big")));
        let refused = |text| length_header_from_format(text).unwrap_err();
        assert_eq!(refused("!2I"), HeaderFormatError::Repeated(2));
        assert_eq!(refused("!d"), HeaderFormatError::NotInteger('d'));
        assert_eq!(refused("!II"), HeaderFormatError::Fields(2));
    }

    #[test]
    fn a_message_holding_the_delimiter_is_refused() {
        let framing = Framing::Delimiter(DelimiterCodec::new(b"\n".to_vec(), 64));
        let err = framing.encode(b"a\nb").unwrap_err();
        assert!(err.to_string().contains("at byte 1"), "{err}");
        // Not inside the payload, but overlapping the delimiter that follows it.
        let framing = Framing::Delimiter(DelimiterCodec::new(b"\r\n\r\n".to_vec(), 64));
        let err = framing.encode(b"abc\r\n").unwrap_err();
        assert!(err.to_string().contains("at byte 3"), "{err}");
    }
}
