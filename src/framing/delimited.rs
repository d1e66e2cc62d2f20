//! Delimiter framing: each message ends with a delimiter (a newline by default), as in
//! line-based protocols.
//!
//! ```text
//! stream:   68 65 6c 6c 6f 0a 62 79 65 0a
//!           └─"hello"────┘ \n └"bye"─┘ \n
//! ```
//!
//! The price: a message may not contain the delimiter, and the receiver must scan every
//! byte. The scan position is remembered between calls, so a long frame arriving in small
//! pieces is scanned once, not once per recv().

use super::{Decoded, Decoder, FrameErrorKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelimiterCodec {
    delimiter: Vec<u8>,
    /// Largest payload (delimiter excluded) the decoder accepts.
    pub max_frame: usize,
    /// Bytes of the current frame already scanned without finding the delimiter.
    scanned: usize,
}

impl DelimiterCodec {
    /// A codec for a non-empty delimiter.
    pub fn new(delimiter: Vec<u8>, max_frame: usize) -> Self {
        assert!(!delimiter.is_empty(), "a delimiter has at least one byte");
        DelimiterCodec {
            delimiter,
            max_frame,
            scanned: 0,
        }
    }

    /// The delimiter (never empty).
    pub fn delimiter(&self) -> &[u8] {
        &self.delimiter
    }

    /// Where the delimiter first occurs in `bytes`, if it does.
    pub fn find(&self, bytes: &[u8]) -> Option<usize> {
        bytes
            .windows(self.delimiter.len())
            .position(|w| w == self.delimiter.as_slice())
    }
}

impl Decoder for DelimiterCodec {
    fn decode(&mut self, buf: &[u8]) -> Result<Decoded, FrameErrorKind> {
        let d = self.delimiter.len();
        // Look only at bytes that can still end a frame of at most max_frame bytes, starting
        // a delimiter's length before where the last scan stopped.
        let start = self.scanned.saturating_sub(d - 1);
        let limit = buf.len().min(self.max_frame + d);
        if let Some(i) = self.find(&buf[start.min(limit)..limit]) {
            let end = start + i;
            self.scanned = 0;
            return Ok(Decoded::Frame {
                consumed: end + d,
                payload: 0..end,
            });
        }
        self.scanned = limit;
        if buf.len() >= self.max_frame + d {
            return Err(FrameErrorKind::NoDelimiter {
                max: self.max_frame,
            });
        }
        Ok(Decoded::NeedMore)
    }

    fn unfinished(&self, buf: &[u8]) -> FrameErrorKind {
        FrameErrorKind::EndedWithoutDelimiter { got: buf.len() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::FrameReader;

    #[test]
    fn lines_come_back_whatever_the_cuts() {
        let mut reader = FrameReader::new(DelimiterCodec::new(b"\n".to_vec(), 64));
        let mut got = Vec::new();
        for chunk in [&b"hel"[..], b"lo\nby", b"e\n"] {
            reader.feed(chunk);
            while let Some(frame) = reader.next_frame().unwrap() {
                got.push(frame.payload.to_vec());
            }
        }
        assert_eq!(got, vec![b"hello".to_vec(), b"bye".to_vec()]);
        assert!(reader.finish().is_ok());
    }

    #[test]
    fn a_two_byte_delimiter_split_across_recvs_is_still_found() {
        let mut reader = FrameReader::new(DelimiterCodec::new(b"\r\n".to_vec(), 64));
        reader.feed(b"ab\r");
        assert_eq!(reader.next_frame().unwrap(), None);
        reader.feed(b"\n");
        assert_eq!(reader.next_frame().unwrap().unwrap().payload, b"ab");
    }

    #[test]
    fn no_delimiter_within_the_maximum_is_refused() {
        let mut reader = FrameReader::new(DelimiterCodec::new(b"\n".to_vec(), 4));
        reader.feed(b"abcde");
        let err = reader.next_frame().unwrap_err();
        assert_eq!(err.kind, FrameErrorKind::NoDelimiter { max: 4 });
    }

    #[test]
    fn a_stream_ending_before_the_delimiter_says_so() {
        let mut reader = FrameReader::new(DelimiterCodec::new(b"\n".to_vec(), 64));
        reader.feed(b"abc");
        assert_eq!(reader.next_frame().unwrap(), None);
        assert_eq!(
            reader.finish().unwrap_err().to_string(),
            "stream ended 3 bytes into frame 1 (stream offset 0) before its delimiter arrived"
        );
    }
}
