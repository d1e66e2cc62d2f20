//! Length-prefix framing: a fixed-size integer header, then exactly that many payload bytes.
//!
//! With the default header (`!I`, what Python's `struct.pack('!I', n)` gives):
//!
//! ```text
//! stream:   00 00 00 05 68 65 6c 6c 6f 00 00 00 06 62 79 65 62 79 65
//!           └─header──┘ └─payload──┘ └─header──┘ └─payload───────┘
//!              len 5      "hello"       len 6       "byebye"
//! decoded:  "hello", "byebye" — however recv() cut the stream.
//! ```

use std::fmt;

use super::{Decoded, Decoder, FrameErrorKind};

/// Size of the length field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderWidth {
    One,
    Two,
    Four,
    Eight,
}

impl HeaderWidth {
    pub fn bytes(self) -> usize {
        match self {
            HeaderWidth::One => 1,
            HeaderWidth::Two => 2,
            HeaderWidth::Four => 4,
            HeaderWidth::Eight => 8,
        }
    }
}

/// The shape of a length header: width, byte order, signedness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthHeader {
    pub width: HeaderWidth,
    pub big_endian: bool,
    pub signed: bool,
}

impl Default for LengthHeader {
    /// `!I`: 4 bytes, big-endian (network order), unsigned — the wire format the notes use.
    fn default() -> Self {
        LengthHeader {
            width: HeaderWidth::Four,
            big_endian: true,
            signed: false,
        }
    }
}

impl LengthHeader {
    /// Header size in bytes.
    pub fn len(&self) -> usize {
        self.width.bytes()
    }

    /// A header always takes at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The largest length this header can carry.
    #[inline]
    pub fn max_length(&self) -> u64 {
        let bits = self.len() as u32 * 8 - u32::from(self.signed);
        if bits == 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        }
    }

    /// Write `len` as this header.
    #[inline]
    pub fn encode(&self, len: u64, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if len > self.max_length() {
            return Err(EncodeError::TooLongForHeader {
                len,
                max: self.max_length(),
                header: *self,
            });
        }
        // `len` fits the width (checked above), so each cast keeps every bit that matters.
        match (self.width, self.big_endian) {
            (HeaderWidth::One, _) => out.push(len as u8),
            (HeaderWidth::Two, true) => out.extend_from_slice(&(len as u16).to_be_bytes()),
            (HeaderWidth::Two, false) => out.extend_from_slice(&(len as u16).to_le_bytes()),
            (HeaderWidth::Four, true) => out.extend_from_slice(&(len as u32).to_be_bytes()),
            (HeaderWidth::Four, false) => out.extend_from_slice(&(len as u32).to_le_bytes()),
            (HeaderWidth::Eight, true) => out.extend_from_slice(&len.to_be_bytes()),
            (HeaderWidth::Eight, false) => out.extend_from_slice(&len.to_le_bytes()),
        }
        Ok(())
    }

    /// Write any value, negative ones included, in the header's width (two's complement,
    /// truncated): only for showing what a misbehaving sender puts on the wire.
    pub fn encode_signed(&self, value: i128) -> Vec<u8> {
        let width = self.len();
        let bytes = value.to_le_bytes();
        let mut out = bytes[..width].to_vec();
        if self.big_endian {
            out.reverse();
        }
        out
    }

    /// Read a header from (at least) `self.len()` bytes. Negative only for signed headers.
    #[inline]
    pub fn decode(&self, bytes: &[u8]) -> i128 {
        let be = self.big_endian;
        // Each width read directly, as from_be_bytes would: this runs once per frame.
        let (unsigned, bits) = match self.width {
            HeaderWidth::One => (u64::from(bytes[0]), 8),
            HeaderWidth::Two => {
                let b = [bytes[0], bytes[1]];
                let v = if be {
                    u16::from_be_bytes(b)
                } else {
                    u16::from_le_bytes(b)
                };
                (u64::from(v), 16)
            }
            HeaderWidth::Four => {
                let b = [bytes[0], bytes[1], bytes[2], bytes[3]];
                let v = if be {
                    u32::from_be_bytes(b)
                } else {
                    u32::from_le_bytes(b)
                };
                (u64::from(v), 32)
            }
            HeaderWidth::Eight => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&bytes[..8]);
                let v = if be {
                    u64::from_be_bytes(b)
                } else {
                    u64::from_le_bytes(b)
                };
                (v, 64)
            }
        };
        if self.signed {
            // Sign-extend from the header's width.
            let shift = 64 - bits;
            i128::from(((unsigned << shift) as i64) >> shift)
        } else {
            i128::from(unsigned)
        }
    }
}

impl fmt::Display for LengthHeader {
    /// The header as a Python struct format, e.g. `!I` or `<h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let order = if self.big_endian { '!' } else { '<' };
        let code = match self.width {
            HeaderWidth::One => 'b',
            HeaderWidth::Two => 'h',
            HeaderWidth::Four => 'i',
            HeaderWidth::Eight => 'q',
        };
        let code = if self.signed {
            code
        } else {
            code.to_ascii_uppercase()
        };
        write!(f, "{order}{code}")
    }
}

/// Why a message cannot be framed on the sending side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// The message is longer than the header can express; sending it would truncate the length.
    TooLongForHeader {
        len: u64,
        max: u64,
        header: LengthHeader,
    },
    /// The message holds the delimiter, which would end it early on the receiving side.
    ContainsDelimiter { at: usize, delimiter: Vec<u8> },
    /// The message is longer than a fixed record.
    TooLongForRecord { len: usize, record: usize },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::TooLongForHeader { len, max, header } => write!(
                f,
                "a {len}-byte message does not fit a {header} length header (at most {max} \
                 bytes); refusing to send a truncated length"
            ),
            EncodeError::ContainsDelimiter { at, delimiter } => write!(
                f,
                "the message holds the delimiter {} at byte {at}: the receiver would cut it \
                 there; refusing to send it",
                crate::structfmt::bytes_repr(delimiter)
            ),
            EncodeError::TooLongForRecord { len, record } => write!(
                f,
                "a {len}-byte message does not fit a record of {record} bytes (see \
                 --record-size); refusing to cut it"
            ),
        }
    }
}

impl std::error::Error for EncodeError {}

/// Length-prefix framing with a maximum payload size: both the encoder and the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthCodec {
    pub header: LengthHeader,
    /// Largest payload the decoder accepts.
    pub max_frame: usize,
}

impl LengthCodec {
    pub fn new(header: LengthHeader, max_frame: usize) -> Self {
        // A header cannot claim more than it can express, whatever the maximum says.
        let expressible = usize::try_from(header.max_length()).unwrap_or(usize::MAX);
        LengthCodec {
            header,
            max_frame: max_frame.min(expressible),
        }
    }

    /// Append `payload` as one frame (header, then payload) to `out`.
    pub fn encode(&self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.header.encode(payload.len() as u64, out)?;
        out.extend_from_slice(payload);
        Ok(())
    }
}

impl Decoder for LengthCodec {
    fn decode(&mut self, buf: &[u8]) -> Result<Decoded, FrameErrorKind> {
        let width = self.header.len();
        if buf.len() < width {
            return Ok(Decoded::NeedMore);
        }
        let claimed = self.header.decode(buf);
        if claimed < 0 {
            return Err(FrameErrorKind::NegativeLength {
                claimed: claimed as i64,
            });
        }
        // Checked before waiting for (or reserving room for) a single payload byte.
        let claimed = claimed as u64;
        if claimed > self.max_frame as u64 {
            return Err(FrameErrorKind::TooLarge {
                claimed,
                max: self.max_frame,
            });
        }
        // claimed <= max_frame fits a usize; saturate rather than wrap near usize::MAX.
        let total = width.saturating_add(claimed as usize);
        if buf.len() < total {
            return Ok(Decoded::NeedMore);
        }
        Ok(Decoded::Frame {
            consumed: total,
            payload: width..total,
        })
    }

    fn frame_len(&self, buf: &[u8]) -> Option<usize> {
        let width = self.header.len();
        if buf.len() < width {
            return None;
        }
        // Only a length the decoder accepts: a bad header is an error for `decode` to
        // report, never a size to make room for.
        let claimed = u64::try_from(self.header.decode(buf)).ok()?;
        if claimed > self.max_frame as u64 {
            return None;
        }
        Some(width.saturating_add(claimed as usize))
    }

    fn unfinished(&self, buf: &[u8]) -> FrameErrorKind {
        let width = self.header.len();
        if buf.len() < width {
            return FrameErrorKind::EndedInHeader {
                got: buf.len(),
                need: width,
            };
        }
        match self.clone().decode(buf) {
            Err(kind) => kind,
            Ok(_) => FrameErrorKind::EndedInPayload {
                got: (buf.len() - width) as u64,
                claimed: self.header.decode(buf) as u64,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::{DEFAULT_MAX_FRAME, FrameReader};

    fn codec() -> LengthCodec {
        LengthCodec::new(LengthHeader::default(), DEFAULT_MAX_FRAME)
    }

    #[test]
    fn default_header_is_four_bytes_big_endian_like_python_bang_i() {
        let mut out = Vec::new();
        codec().encode(b"hello", &mut out).unwrap();
        assert_eq!(out, b"\x00\x00\x00\x05hello");
        assert_eq!(LengthHeader::default().to_string(), "!I");
    }

    #[test]
    fn read_multi_frame_single_recv() {
        let mut stream = Vec::new();
        for m in [&b"hello"[..], b"byebye", b"again,bye"] {
            codec().encode(m, &mut stream).unwrap();
        }
        let mut reader = FrameReader::new(codec());
        reader.feed(&stream);
        let mut got = Vec::new();
        while let Some(frame) = reader.next_frame().unwrap() {
            got.push(frame.payload.to_vec());
        }
        assert_eq!(
            got,
            vec![b"hello".to_vec(), b"byebye".to_vec(), b"again,bye".to_vec()]
        );
        assert!(reader.finish().is_ok());
    }

    #[test]
    fn a_reader_gone_quiet_gives_its_big_buffer_back_and_keeps_a_partial_frame() {
        let mut stream = Vec::new();
        codec().encode(&vec![7u8; 1 << 20], &mut stream).unwrap();
        stream.extend_from_slice(b"\x00\x00"); // half the next header
        let mut reader = FrameReader::new(codec());
        reader.feed(&stream);
        assert_eq!(reader.next_frame().unwrap().unwrap().payload.len(), 1 << 20);
        assert_eq!(reader.next_frame().unwrap(), None);
        assert!(reader.buffer_capacity() > 1 << 20);
        reader.shrink_to(0);
        assert!(
            reader.buffer_capacity() < 64,
            "{}",
            reader.buffer_capacity()
        );
        reader.feed(b"\x00\x02hi");
        assert_eq!(reader.next_frame().unwrap().unwrap().payload, b"hi");
    }

    #[test]
    fn read_incomplete_head_needs_more_then_ends_with_header_error() {
        let mut reader = FrameReader::new(codec());
        reader.feed(&[0, 0]);
        assert_eq!(reader.next_frame().unwrap(), None);
        let err = reader.finish().unwrap_err();
        assert_eq!(err.kind, FrameErrorKind::EndedInHeader { got: 2, need: 4 });
    }

    #[test]
    fn stream_ending_inside_a_payload_says_how_far_it_got() {
        let mut reader = FrameReader::new(codec());
        reader.feed(b"\x00\x00\x00\x0aabc");
        assert_eq!(reader.next_frame().unwrap(), None);
        let err = reader.finish().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("stream ended 3 bytes into a 10-byte frame (frame 1"),
            "{err}"
        );
    }

    #[test]
    fn oversize_claim_is_refused_as_soon_as_the_header_is_complete() {
        let mut reader = FrameReader::new(LengthCodec::new(LengthHeader::default(), 16));
        reader.feed(&[0xff, 0xff, 0xff, 0xff]);
        let err = reader.next_frame().unwrap_err();
        assert_eq!(
            err.kind,
            FrameErrorKind::TooLarge {
                claimed: u32::MAX as u64,
                max: 16
            }
        );
        assert!(reader.buffer_capacity() < 64);
    }

    #[test]
    fn signed_header_refuses_negative_lengths() {
        let header = LengthHeader {
            signed: true,
            ..LengthHeader::default()
        };
        let mut reader = FrameReader::new(LengthCodec::new(header, 16));
        reader.feed(&(-3i32).to_be_bytes());
        let err = reader.next_frame().unwrap_err();
        assert_eq!(err.kind, FrameErrorKind::NegativeLength { claimed: -3 });
    }

    #[test]
    fn a_two_byte_header_refuses_a_message_it_cannot_express() {
        let header = LengthHeader {
            width: HeaderWidth::Two,
            ..LengthHeader::default()
        };
        let err = header.encode(70_000, &mut Vec::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a 70000-byte message does not fit a !H length header (at most 65535 bytes); \
             refusing to send a truncated length"
        );
    }

    #[test]
    fn little_endian_and_eight_byte_headers_round_trip() {
        for width in [
            HeaderWidth::One,
            HeaderWidth::Two,
            HeaderWidth::Four,
            HeaderWidth::Eight,
        ] {
            for big_endian in [true, false] {
                let header = LengthHeader {
                    width,
                    big_endian,
                    signed: false,
                };
                let mut out = Vec::new();
                header.encode(100, &mut out).unwrap();
                assert_eq!(out.len(), width.bytes());
                assert_eq!(header.decode(&out), 100);
            }
        }
    }
}
