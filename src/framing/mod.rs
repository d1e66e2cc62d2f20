//! Framing: turning a byte stream back into messages, sans-IO.
//!
//! TCP delivers bytes, not messages: one recv() may hold several messages (粘包) or a piece of
//! one (半包). A framing rule puts the boundaries back. Every rule here is a [`Decoder`] that
//! only *looks* at the bytes received so far and answers one of three things:
//!
//! - [`Decoded::NeedMore`]: no whole frame yet; not an error, just wait for the next recv;
//! - [`Decoded::Frame`]: a whole frame is at the front, this many bytes long, payload here;
//! - an error: the bytes can never become a valid frame (a claimed length over the maximum).
//!
//! [`FrameReader`] owns the buffers. The socket loop either lets recv() write into the reader's
//! [`room`](FrameReader::room) or [`feed`](FrameReader::feed)s it what recv() returned, then
//! asks for [`next_frame`](FrameReader::next_frame) until it needs more.
//! Bytes after a frame stay in the buffer for the next call: that leftover *is* the sticky
//! packet, handled. At end of stream, [`finish`](FrameReader::finish) tells a clean close
//! (nothing left over) from a stream that stopped inside a frame.
//!
//! The buffers only ever grow by bytes a read can bring; a claimed length is checked against
//! the maximum as soon as the header is complete, before any payload is awaited, so a peer that
//! claims 4 GiB costs nothing.
//!
//! ```
//! use sticky_lab::framing::{FrameReader, LengthCodec, LengthHeader, DEFAULT_MAX_FRAME};
//!
//! let codec = LengthCodec::new(LengthHeader::default(), DEFAULT_MAX_FRAME);
//! let mut reader = FrameReader::new(codec);
//! // One recv() that holds a whole frame and the first byte of the next: a sticky packet.
//! reader.feed(b"\x00\x00\x00\x05hello\x00");
//! assert_eq!(reader.next_frame().unwrap().unwrap().payload, b"hello");
//! assert_eq!(reader.next_frame().unwrap(), None); // the leftover waits for more bytes
//! reader.feed(b"\x00\x00\x03bye");
//! assert_eq!(reader.next_frame().unwrap().unwrap().payload, b"bye");
//! assert!(reader.finish().is_ok()); // nothing left over: a clean end of stream
//! ```

mod choice;
mod delimited;
mod fixed;
mod length;
mod reader;

use std::fmt;
use std::ops::Range;

pub use choice::{Framing, FramingKind, HeaderFormatError, WirePiece, length_header_from_format};
pub use delimited::DelimiterCodec;
pub use fixed::FixedCodec;
pub use length::{EncodeError, HeaderWidth, LengthCodec, LengthHeader};
pub use reader::FrameReader;

/// What a run of stream bytes is, from the sender's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// A length header in front of a message.
    Header,
    /// The message's own bytes.
    Payload,
    /// The delimiter that ends a message (delimiter framing).
    Delimiter,
    /// Filler that brings a message up to a fixed record size (fixed framing).
    Padding,
}

/// Default largest payload a decoder accepts: 8 MiB.
pub const DEFAULT_MAX_FRAME: usize = 8 * 1024 * 1024;

/// What a decoder found at the front of the unread bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// Not a whole frame yet.
    NeedMore,
    /// A whole frame: it takes `consumed` bytes, and its payload is `payload` within them.
    Frame {
        consumed: usize,
        payload: Range<usize>,
    },
}

/// A framing rule. Implementations look at bytes; they never read a socket.
pub trait Decoder {
    /// Inspect the unread bytes (the front of `buf` is the start of the next frame). A
    /// decoder may remember how far it has looked, to avoid scanning the same bytes again.
    fn decode(&mut self, buf: &[u8]) -> Result<Decoded, FrameErrorKind>;

    /// Explain why the non-empty leftover `buf` at end of stream is not a whole frame.
    fn unfinished(&self, buf: &[u8]) -> FrameErrorKind;

    /// How many bytes the frame at the front of `buf` takes on the wire, when that is known
    /// before all of them are there (a length header says it); `None` when only more bytes
    /// can tell. Lets [`FrameReader`] end a read's room where the frame ends.
    fn frame_len(&self, _buf: &[u8]) -> Option<usize> {
        None
    }
}

impl<D: Decoder + ?Sized> Decoder for Box<D> {
    fn decode(&mut self, buf: &[u8]) -> Result<Decoded, FrameErrorKind> {
        (**self).decode(buf)
    }

    fn unfinished(&self, buf: &[u8]) -> FrameErrorKind {
        (**self).unfinished(buf)
    }

    fn frame_len(&self, buf: &[u8]) -> Option<usize> {
        (**self).frame_len(buf)
    }
}

/// A decoded frame, borrowed from the reader's buffer until the next call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Frame number, from 1.
    pub index: usize,
    /// Stream offset of the frame's first byte (its header, if any).
    pub offset: u64,
    /// Bytes the frame took on the stream, header included.
    pub wire_len: usize,
    pub payload: &'a [u8],
}

/// Why the stream cannot be framed, with where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    /// Frame number, from 1.
    pub frame: usize,
    /// Stream offset where that frame starts.
    pub offset: u64,
    pub kind: FrameErrorKind,
}

/// The reason, without the position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameErrorKind {
    /// The header claims more bytes than the maximum frame.
    TooLarge { claimed: u64, max: usize },
    /// A signed header holds a negative length.
    NegativeLength { claimed: i64 },
    /// The stream ended inside a header.
    EndedInHeader { got: usize, need: usize },
    /// The stream ended after the header, inside the payload.
    EndedInPayload { got: u64, claimed: u64 },
    /// No delimiter within the maximum frame.
    NoDelimiter { max: usize },
    /// The stream ended inside a frame that never got its delimiter.
    EndedWithoutDelimiter { got: usize },
    /// The stream ended inside a fixed-size record.
    EndedInRecord { got: usize, need: usize },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, at) = (self.frame, self.offset);
        match &self.kind {
            FrameErrorKind::TooLarge { claimed, max } => write!(
                f,
                "frame {n} (stream offset {at}) claims {claimed} bytes, over the maximum frame \
                 of {max} bytes; refused before waiting for its payload or reserving room for \
                 it (see --max-frame)"
            ),
            FrameErrorKind::NegativeLength { claimed } => write!(
                f,
                "frame {n} (stream offset {at}) claims a negative length ({claimed}); \
                 a signed header must never carry one"
            ),
            FrameErrorKind::EndedInHeader { got, need } => write!(
                f,
                "stream ended inside the header of frame {n} (stream offset {at}): \
                 {got} of {need} header bytes arrived"
            ),
            FrameErrorKind::EndedInPayload { got, claimed } => write!(
                f,
                "stream ended {got} bytes into a {claimed}-byte frame (frame {n}, stream \
                 offset {at}): {} bytes never arrived",
                claimed - got
            ),
            FrameErrorKind::NoDelimiter { max } => write!(
                f,
                "frame {n} (stream offset {at}) has no delimiter within the maximum frame of \
                 {max} bytes; refused (see --max-frame)"
            ),
            FrameErrorKind::EndedWithoutDelimiter { got } => write!(
                f,
                "stream ended {got} bytes into frame {n} (stream offset {at}) before its \
                 delimiter arrived"
            ),
            FrameErrorKind::EndedInRecord { got, need } => write!(
                f,
                "stream ended {got} bytes into a {need}-byte record (frame {n}, stream offset \
                 {at})"
            ),
        }
    }
}

impl std::error::Error for FrameError {}
