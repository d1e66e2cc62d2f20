//! [`FrameReader`]: the bytes received so far and the frames cut from them, each byte written
//! once, into the place its frame is handed out from.
//!
//! A frame is handed out as one slice, so its bytes must lie side by side, yet recv() cuts
//! the stream anywhere. A reader with a single buffer has to move the first part of each cut
//! frame to the buffer's front before the rest can follow it: with 64 KiB frames read 64 KiB
//! at a time, that is nearly every byte written twice. This reader keeps two buffers instead.
//! Once a header has said where its frame ends, the room offered for the next read is cut
//! there: the rest of that frame lands right after its first part, and whatever follows lands
//! at the front of the other buffer, where the next frame grows.
//!
//! ```text
//! read 1 → A [ frame 1 ........... | frame 2, first part ]
//! read 2 → A                         [ frame 2, the rest ]   room's first part: up to frame 2's end
//!          B [ frame 3 .... | frame 4, first part ]          room's second part: what follows
//! ```
//!
//! A socket loop fills both parts with one readv() ([`room`](FrameReader::room), then
//! [`filled`](FrameReader::filled)); [`feed`](FrameReader::feed) copies bytes already in
//! memory into them. A buffer grows by no more than the bytes one read can bring, whatever a
//! header claims.

use std::borrow::Cow;

use super::{Decoded, Decoder, Frame, FrameError, FrameErrorKind};

/// Owns the received bytes and cuts frames from them with a [`Decoder`].
#[derive(Debug)]
pub struct FrameReader<D> {
    decoder: D,
    /// The unread bytes start in `bufs[0]` at `start`. After a read whose room was cut at a
    /// frame's end they go on at the front of `bufs[1]`; otherwise `bufs[1]` holds none.
    bufs: [Buffer; 2],
    /// The bytes of `bufs[0]` before it belong to frames already returned.
    start: usize,
    /// How the room last offered was laid out, for [`filled`](FrameReader::filled).
    room: Room,
    /// Stream offset of the first unread byte.
    offset: u64,
    frames: usize,
}

/// Received bytes, then free room for more.
#[derive(Debug, Default)]
struct Buffer {
    /// Every byte is initialised (zeroed once, as the buffer grows), so a read can write into
    /// the free room without unsafe code.
    bytes: Vec<u8>,
    /// Where the received bytes end and the free room begins.
    end: usize,
}

impl Buffer {
    fn free(&self) -> usize {
        self.bytes.len() - self.end
    }

    /// At least `len` bytes of free room. A growing Vec at least doubles its capacity, so a
    /// frame that arrives over many reads is moved O(1) times per byte.
    fn reserve(&mut self, len: usize) {
        let needed = self.end + len;
        if self.bytes.len() < needed {
            self.bytes.resize(needed, 0);
        }
    }

    /// Exactly `len` bytes of free room, when it must grow: for the rest of a frame that the
    /// coming read finishes. Doubling there would only add room no frame uses yet (a 64 KiB
    /// frame plus its header would hold 128 KiB), and memory the allocator must find anew
    /// for every new reader.
    fn reserve_exact(&mut self, len: usize) {
        let needed = self.end + len;
        if self.bytes.len() < needed {
            self.bytes.reserve_exact(needed - self.bytes.len());
            self.bytes.resize(needed, 0);
        }
    }
}

/// The room last offered: a first part at the end of `bufs[0]` (of `bufs[1]` when
/// `in_second`), then a second part at the end of `bufs[1]`.
#[derive(Debug, Clone, Copy, Default)]
struct Room {
    in_second: bool,
    first: usize,
    second: usize,
}

impl<D: Decoder> FrameReader<D> {
    pub fn new(decoder: D) -> Self {
        FrameReader {
            decoder,
            bufs: Default::default(),
            start: 0,
            room: Room::default(),
            offset: 0,
            frames: 0,
        }
    }

    /// Room for the next read of up to `len` bytes, in two parts to be filled in order, as
    /// readv() fills its buffers: the first part stops where the frame in progress ends, when
    /// its header already says so; the second (often empty) takes what follows. Report how
    /// many bytes arrived with [`filled`](Self::filled).
    ///
    /// ```
    /// use std::io::{IoSliceMut, Read};
    /// use sticky_lab::framing::{DEFAULT_MAX_FRAME, FrameReader, LengthCodec, LengthHeader};
    ///
    /// let codec = LengthCodec::new(LengthHeader::default(), DEFAULT_MAX_FRAME);
    /// let mut reader = FrameReader::new(codec);
    /// // Stands in for a TcpStream: its read_vectored() is one readv().
    /// let mut socket: &[u8] = b"\x00\x00\x00\x05hello\x00\x00\x00\x03bye";
    /// let mut messages = Vec::new();
    /// loop {
    ///     let (first, second) = reader.room(8);
    ///     let mut parts = [IoSliceMut::new(first), IoSliceMut::new(second)];
    ///     let n = socket.read_vectored(&mut parts).unwrap();
    ///     reader.filled(n);
    ///     if n == 0 {
    ///         break;
    ///     }
    ///     while let Some(frame) = reader.next_frame().unwrap() {
    ///         messages.push(frame.payload.to_vec());
    ///     }
    /// }
    /// assert_eq!(messages, [b"hello".to_vec(), b"bye".to_vec()]);
    /// assert!(reader.finish().is_ok());
    /// ```
    pub fn room(&mut self, len: usize) -> (&mut [u8], &mut [u8]) {
        self.room = self.plan_room(len.max(1));
        let Room {
            in_second,
            first,
            second,
        } = self.room;
        let [a, b] = &mut self.bufs;
        if in_second {
            (&mut b.bytes[b.end..b.end + first], &mut [])
        } else {
            (
                &mut a.bytes[a.end..a.end + first],
                &mut b.bytes[b.end..b.end + second],
            )
        }
    }

    /// A read put `n` bytes into the room last offered, its first part first.
    ///
    /// # Panics
    /// If `n` is more than that room: bytes never written would pass for received ones.
    pub fn filled(&mut self, n: usize) {
        let Room {
            in_second,
            first,
            second,
        } = std::mem::take(&mut self.room);
        assert!(
            n <= first + second,
            "filled({n}), but the room offered holds {} bytes",
            first + second
        );
        let in_first = n.min(first);
        self.bufs[usize::from(in_second)].end += in_first;
        self.bufs[1].end += n - in_first;
    }

    /// Append bytes that a recv() into some other buffer returned: they are copied into the
    /// room, where a read into it would have put them.
    pub fn feed(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let (first, second) = self.room(bytes.len());
        let (head, tail) = bytes.split_at(first.len().min(bytes.len()));
        first[..head.len()].copy_from_slice(head);
        second[..tail.len()].copy_from_slice(tail);
        self.filled(bytes.len());
    }

    /// Lay out room for a read of up to `len` bytes (`len` ≥ 1); the parts hold `len` or more.
    fn plan_room(&mut self, len: usize) -> Room {
        if self.bufs[1].end > 0 {
            // Frames before the cut were not all taken: the stream already goes on there.
            let second = &mut self.bufs[1];
            second.reserve(len);
            return Room {
                in_second: true,
                first: second.free(),
                second: 0,
            };
        }
        let first = &mut self.bufs[0];
        let pending = first.end - self.start;
        let frame_len = self.decoder.frame_len(&first.bytes[self.start..first.end]);
        // What this read must find room for in the first buffer: the rest of the frame in
        // progress when that is shorter than the read, else the whole read (also when that
        // frame is all here already, not taken yet: a room of 0 bytes would read as a close).
        let remaining = frame_len.filter(|&n| n > pending).map(|n| n - pending);
        let wanted = remaining.map_or(len, |rest| rest.min(len));
        // Taken frames make way for the pending bytes when that is free (nothing pending) or
        // frees at least as many bytes as it moves; else the buffer grows.
        if self.start > 0 && (pending == 0 || (first.free() < wanted && self.start >= pending)) {
            first.bytes.copy_within(self.start..first.end, 0);
            first.end = pending;
            self.start = 0;
        }
        if remaining.is_some_and(|rest| rest <= len) {
            first.reserve_exact(wanted);
        } else {
            first.reserve(wanted);
        }
        match frame_len.map(|n| self.start.saturating_add(n)) {
            // Cut at the frame's end, unless bytes past it are already here (frames not
            // taken yet): the next frame must go on where those are.
            Some(frame_end) if first.end <= frame_end && frame_end <= first.bytes.len() => {
                let first_part = frame_end - first.end;
                let second = &mut self.bufs[1];
                second.reserve(len);
                Room {
                    in_second: false,
                    first: first_part,
                    second: second.free(),
                }
            }
            _ => Room {
                in_second: false,
                first: first.free(),
                second: 0,
            },
        }
    }

    /// Bytes received but not yet part of a returned frame.
    pub fn pending_len(&self) -> usize {
        self.bufs[0].end - self.start + self.bufs[1].end
    }

    /// The next whole frame, `Ok(None)` if more bytes are needed first.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, FrameError> {
        loop {
            if self.start == self.bufs[0].end && self.bufs[1].end > 0 {
                // Every frame before the cut is taken: go on at the front of the other buffer.
                self.bufs.swap(0, 1);
                self.bufs[1].end = 0;
                self.start = 0;
            }
            let first = &self.bufs[0];
            match self.decoder.decode(&first.bytes[self.start..first.end]) {
                Ok(Decoded::NeedMore) if self.bufs[1].end > 0 => self.join_cut(),
                Ok(Decoded::NeedMore) => return Ok(None),
                Ok(Decoded::Frame { consumed, payload }) => {
                    let begin = self.start;
                    self.start += consumed;
                    self.frames += 1;
                    let frame = Frame {
                        index: self.frames,
                        offset: self.offset,
                        wire_len: consumed,
                        payload: &self.bufs[0].bytes[begin + payload.start..begin + payload.end],
                    };
                    self.offset += consumed as u64;
                    return Ok(Some(frame));
                }
                Err(kind) => return Err(self.error(kind)),
            }
        }
    }

    /// The decoder wants bytes past a cut that its `frame_len` placed at a frame's end (a
    /// decoder that misjudged): copy them after the others, so no byte is lost.
    fn join_cut(&mut self) {
        let [first, second] = &mut self.bufs;
        let n = second.end;
        first.reserve(n);
        first.bytes[first.end..first.end + n].copy_from_slice(&second.bytes[..n]);
        first.end += n;
        second.end = 0;
    }

    /// At end of stream: `Ok` if nothing is left over, else the unfinished-frame error.
    pub fn finish(&self) -> Result<(), FrameError> {
        let [first, second] = &self.bufs;
        let unread = &first.bytes[self.start..first.end];
        let after_cut = &second.bytes[..second.end];
        let leftover = match (unread.is_empty(), after_cut.is_empty()) {
            (true, true) => return Ok(()),
            (_, true) => Cow::Borrowed(unread),
            // Only when the frames before a cut were never taken.
            _ => Cow::Owned([unread, after_cut].concat()),
        };
        Err(self.error(self.decoder.unfinished(&leftover)))
    }

    /// Frames returned so far.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Drop the bytes of frames already returned and give back the buffers' capacity beyond
    /// `keep` bytes (or beyond the pending bytes, if more): for a connection gone quiet after
    /// a big frame, so memory follows what is in flight, not what once was. Call it between
    /// reads, not between [`room`](Self::room) and [`filled`](Self::filled).
    pub fn shrink_to(&mut self, keep: usize) {
        self.room = Room::default();
        let first = &mut self.bufs[0];
        first.bytes.copy_within(self.start..first.end, 0);
        first.end -= self.start;
        self.start = 0;
        if self.bufs[1].end > 0 {
            self.join_cut();
        }
        let first = &mut self.bufs[0];
        let len = first.end.max(keep.min(first.bytes.len()));
        first.bytes.truncate(len);
        first.bytes.shrink_to(keep);
        self.bufs[1] = Buffer::default();
    }

    /// Capacity of the internal buffers (to check that memory stays bounded).
    pub fn buffer_capacity(&self) -> usize {
        self.bufs.iter().map(|b| b.bytes.capacity()).sum()
    }

    fn error(&self, kind: FrameErrorKind) -> FrameError {
        FrameError {
            frame: self.frames + 1,
            offset: self.offset,
            kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::{DEFAULT_MAX_FRAME, LengthCodec, LengthHeader};

    fn reader() -> FrameReader<LengthCodec> {
        FrameReader::new(LengthCodec::new(LengthHeader::default(), DEFAULT_MAX_FRAME))
    }

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut out = (payload.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(payload);
        out
    }

    /// Fill the room as readv() would: the first part, then the second.
    fn read_into(reader: &mut FrameReader<LengthCodec>, bytes: &[u8]) {
        let (first, second) = reader.room(bytes.len());
        let (head, tail) = bytes.split_at(first.len().min(bytes.len()));
        first[..head.len()].copy_from_slice(head);
        second[..tail.len()].copy_from_slice(tail);
        reader.filled(bytes.len());
    }

    fn take_all(reader: &mut FrameReader<LengthCodec>) -> Vec<Vec<u8>> {
        let mut frames = Vec::new();
        while let Some(frame) = reader.next_frame().unwrap() {
            frames.push(frame.payload.to_vec());
        }
        frames
    }

    #[test]
    fn the_room_for_a_read_ends_where_the_frame_in_progress_ends() {
        let mut reader = reader();
        reader.feed(b"\x00\x00\x00\x05he");
        let (first, second) = reader.room(100);
        assert_eq!(first.len(), 3, "the 3 bytes that finish \"hello\"");
        assert!(second.len() >= 100);
        reader.filled(0);
    }

    #[test]
    fn a_read_across_a_frame_end_gives_back_both_frames_in_order() {
        let mut reader = reader();
        let stream = [frame(b"hello"), frame(b"byebye"), frame(b"")].concat();
        read_into(&mut reader, &stream[..6]);
        assert!(take_all(&mut reader).is_empty());
        read_into(&mut reader, &stream[6..15]);
        read_into(&mut reader, &stream[15..]);
        assert_eq!(take_all(&mut reader), [&b"hello"[..], b"byebye", b""]);
        assert_eq!(reader.pending_len(), 0);
        assert!(reader.finish().is_ok());
    }

    #[test]
    fn shrinking_between_reads_keeps_every_pending_byte_on_both_sides_of_a_cut() {
        let mut reader = reader();
        let big = vec![9u8; 1 << 16];
        let stream = [frame(&big), frame(b"hello"), frame(b"bye")].concat();
        // The second read crosses the big frame's end: its tail lands in the other buffer.
        read_into(&mut reader, &stream[..1000]);
        read_into(&mut reader, &stream[1000..stream.len() - 2]);
        reader.shrink_to(0);
        assert!(reader.buffer_capacity() < (1 << 16) + 64);
        read_into(&mut reader, &stream[stream.len() - 2..]);
        assert_eq!(take_all(&mut reader), [&big[..], b"hello", b"bye"]);
        reader.shrink_to(0);
        assert_eq!(reader.buffer_capacity(), 0);
        assert!(reader.finish().is_ok());
    }

    #[test]
    fn big_frames_read_a_chunk_at_a_time_keep_the_buffers_bounded() {
        let mut reader = reader();
        let payload = vec![7u8; 64 * 1024];
        let stream: Vec<u8> = (0..40).flat_map(|_| frame(&payload)).collect();
        let mut count = 0;
        for chunk in stream.chunks(64 * 1024) {
            read_into(&mut reader, chunk);
            count += take_all(&mut reader).len();
        }
        assert_eq!(count, 40);
        assert!(reader.buffer_capacity() <= 4 * (64 * 1024 + 4) * 2);
    }

    /// A decoder whose `frame_len` says every frame is 5 bytes long, for frames of 6.
    struct Misjudging;

    impl Decoder for Misjudging {
        fn decode(&mut self, buf: &[u8]) -> Result<Decoded, FrameErrorKind> {
            Ok(match buf.len() {
                0..6 => Decoded::NeedMore,
                _ => Decoded::Frame {
                    consumed: 6,
                    payload: 0..6,
                },
            })
        }

        fn unfinished(&self, buf: &[u8]) -> FrameErrorKind {
            FrameErrorKind::EndedInRecord {
                got: buf.len(),
                need: 6,
            }
        }

        fn frame_len(&self, _buf: &[u8]) -> Option<usize> {
            Some(5)
        }
    }

    #[test]
    fn a_decoder_that_misjudges_where_a_frame_ends_loses_no_byte() {
        let mut reader = FrameReader::new(Misjudging);
        reader.feed(b"ab");
        reader.feed(b"cdefghijkl");
        let mut frames = Vec::new();
        while let Some(frame) = reader.next_frame().unwrap() {
            frames.push(frame.payload.to_vec());
        }
        assert_eq!(frames, [b"abcdef", b"ghijkl"]);
        assert!(reader.finish().is_ok());
    }

    #[test]
    #[should_panic(expected = "filled(9), but the room offered holds 4 bytes")]
    fn filling_more_than_the_room_offered_is_refused() {
        let mut reader = reader();
        let _ = reader.room(4);
        reader.filled(9);
    }
}
