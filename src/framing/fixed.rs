//! Fixed-size records: every message takes exactly `record_size` bytes, short ones padded
//! with zero bytes. No header, no scanning — and no message longer than a record.
//!
//! ```text
//! record size 8:  68 65 6c 6c 6f 00 00 00 | 62 79 65 00 00 00 00 00
//!                 └"hello"─────┘ └padding┘  └"bye"──┘ └padding────┘
//! ```

use super::{Decoded, Decoder, FrameErrorKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedCodec {
    record_size: usize,
}

impl FixedCodec {
    /// Records of `record_size` bytes; a zero size would never make progress.
    pub fn new(record_size: usize) -> Self {
        assert!(record_size > 0, "a record has at least one byte");
        FixedCodec { record_size }
    }

    pub fn record_size(&self) -> usize {
        self.record_size
    }
}

impl Decoder for FixedCodec {
    fn decode(&mut self, buf: &[u8]) -> Result<Decoded, FrameErrorKind> {
        if buf.len() < self.record_size {
            return Ok(Decoded::NeedMore);
        }
        Ok(Decoded::Frame {
            consumed: self.record_size,
            payload: 0..self.record_size,
        })
    }

    fn frame_len(&self, _buf: &[u8]) -> Option<usize> {
        Some(self.record_size)
    }

    fn unfinished(&self, buf: &[u8]) -> FrameErrorKind {
        FrameErrorKind::EndedInRecord {
            got: buf.len(),
            need: self.record_size,
        }
    }
}

/// A record's message: the record without its trailing zero padding.
pub fn strip_padding(record: &[u8]) -> &[u8] {
    let end = record.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    &record[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::FrameReader;

    #[test]
    fn records_come_back_and_padding_strips() {
        let mut reader = FrameReader::new(FixedCodec::new(4));
        reader.feed(b"ab\0\0cde");
        let first = reader.next_frame().unwrap().unwrap().payload.to_vec();
        assert_eq!(strip_padding(&first), b"ab");
        assert_eq!(reader.next_frame().unwrap(), None);
        assert_eq!(
            reader.finish().unwrap_err().kind,
            FrameErrorKind::EndedInRecord { got: 3, need: 4 }
        );
    }
}
