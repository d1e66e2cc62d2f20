//! The transcript: the ordered list of everything a lesson's sockets did.
//!
//! Every lesson produces one; every view consumes one. Events are numbered in the order they
//! were recorded (`seq`), across both sides, so a view can lay sends and recvs out on one
//! timeline. The byte stream from client to server is described once by its [`Span`]s (which
//! message, which part), so any recv can be traced back to the messages its bytes came from.

use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use serde::Serialize;

/// Which end of the connection did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Client,
    Server,
}

/// Which way bytes travel on a connection. A lesson's client→server stream is `ToServer`; a
/// traced program's replies and the ACKs of a captured connection travel `ToClient`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    ToServer,
    ToClient,
}

impl Direction {
    /// The side whose send() puts bytes in this direction.
    pub fn sender(self) -> Side {
        match self {
            Direction::ToServer => Side::Client,
            Direction::ToClient => Side::Server,
        }
    }

    /// The other way.
    pub fn reverse(self) -> Direction {
        match self {
            Direction::ToServer => Direction::ToClient,
            Direction::ToClient => Direction::ToServer,
        }
    }
}

/// What happened. Names match the `op` field of the JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Bind,
    Listen,
    Connect,
    Accept,
    Sockopt,
    Send,
    Recv,
    Eof,
    Close,
    Frame,
    /// A TCP segment captured on the wire (`--wire`).
    Segment,
    /// A datagram cut short by a small receive buffer (UDP).
    Truncated,
    Note,
    Error,
    /// `lab trace`: a TCP socket created.
    Socket,
    /// `lab trace`: shutdown() of one or both directions.
    Shutdown,
    /// `lab trace`: a traced process forked a new process (`child`).
    Fork,
    /// `lab trace`: a traced process started a thread (`child` is its id).
    Thread,
    /// `lab trace`: a traced process ran a new program (`detail` is its path).
    Exec,
    /// `lab trace`: a traced process ended (`exit_code` or `signal`).
    Exit,
}

/// One thing that happened on one side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Position in the whole transcript, from 1.
    pub seq: usize,
    /// Microseconds since the lesson started.
    pub t_us: u64,
    pub side: Side,
    pub op: Op,
    /// Offset in the client→server stream of the first byte (send, recv, frame).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The bytes moved (send, recv) or decoded (frame).
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// Which message a decoded frame is (from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<usize>,
    /// Free text: an address, an option, a note, an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// TCP_INFO `tcpi_data_segs_out` read right after this send() (and at the end): how many
    /// data segments the sender had emitted so far. `None` where the kernel lacks the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_segs_out: Option<u32>,
    /// Which way a send's, recv's or eof's bytes went, where the transcript carries both ways
    /// (`lab trace`); `None` means client → server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// The system call of a traced program behind the event (`lab trace`).
    #[serde(flatten)]
    pub call: Option<Box<Call>>,
}

impl Event {
    /// Bytes the call moved: `bytes` may hold only the first of them (a traced call's preview).
    pub fn len(&self) -> usize {
        match self.call.as_ref().and_then(|c| c.moved) {
            Some(n) => n as usize,
            None => self.bytes.len(),
        }
    }

    /// Whether the event moved no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stream direction of a send, recv or eof.
    pub fn direction(&self) -> Direction {
        self.direction.unwrap_or(Direction::ToServer)
    }
}

/// A traced program's system call: who made it, on which descriptor, and what it returned.
/// Everything here is a measured fact; the views put it into words.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Call {
    /// The process (thread group) that made the call.
    pub pid: u32,
    /// The thread, when it is not the process's first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fd: Option<i32>,
    /// The system call's name, e.g. `recvfrom`.
    pub syscall: &'static str,
    /// Microseconds since the trace started when the call returned (`t_us`: when it was made).
    pub t_return_us: u64,
    /// The connection, numbered from 1 in the order lab saw them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conn: Option<usize>,
    /// The length a send or recv asked for (its buffer), after any rewrite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asked: Option<u64>,
    /// The length the program asked for before `--recv-max` / `--send-max` shrank it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asked_by_program: Option<u64>,
    /// Bytes already waiting in the receive buffer when a recv ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting: Option<u64>,
    /// Microseconds lab held the call before letting it run (`--reader-delay`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_us: Option<u64>,
    /// The error a failed call returned, e.g. `ECONNREFUSED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errno: Option<&'static str>,
    /// A new process or thread (fork, thread).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The signal that ended a process, e.g. `SIGKILL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<&'static str>,
    /// sendfile(): the bytes went from a file to the socket inside the kernel, unseen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unseen: bool,
    /// close(): another traced process still holds the socket, so no FIN was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_open_in: Option<u32>,
    /// Bytes moved when `bytes` holds only a preview (see [`Event::len`]).
    #[serde(skip)]
    pub moved: Option<u64>,
    /// The pieces a send or recv holds, worked out when it happened (a traced run keeps no
    /// stream layout); `None`: from the transcript's spans.
    #[serde(skip)]
    pub pieces: Option<Vec<Piece>>,
}

/// What a run of stream bytes is, from the sender's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// A run of the client→server stream that belongs to one part of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Message number, from 1.
    pub message: usize,
    pub part: Part,
    /// Stream offsets the span covers.
    pub range: Range<u64>,
}

/// The piece of one span that a given run of bytes (say, one recv) holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Piece {
    pub message: usize,
    pub part: Part,
    /// Bytes `from..to` of that part.
    pub from: u64,
    pub to: u64,
    /// True when the piece is the whole part, not a slice of it.
    pub whole: bool,
}

/// Everything a lesson recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transcript {
    /// The messages the client meant to send, in order (message `n` is `messages[n - 1]`).
    pub messages: Vec<Vec<u8>>,
    /// The layout of the client→server stream, in stream order, without gaps.
    pub spans: Vec<Span>,
    pub events: Vec<Event>,
}

impl Transcript {
    /// Events with the given side and op, in order.
    pub fn events_of(&self, side: Side, op: Op) -> impl Iterator<Item = &Event> {
        self.events
            .iter()
            .filter(move |e| e.side == side && e.op == op)
    }

    /// The spans' pieces that the stream bytes `offset..offset + len` hold, in stream order.
    pub fn pieces(&self, offset: u64, len: usize) -> Vec<Piece> {
        // Spans are in stream order: skip straight to the first one that ends after `offset`.
        let first = self.spans.partition_point(|s| s.range.end <= offset);
        pieces_in(&self.spans[first..], offset, len as u64)
    }

    /// The pieces an event's bytes hold: worked out when it happened (traced calls), or from
    /// the spans.
    pub fn pieces_of(&self, event: &Event) -> Vec<Piece> {
        match event.call.as_ref().and_then(|c| c.pieces.as_ref()) {
            Some(pieces) => pieces.clone(),
            None => self.pieces(event.offset.unwrap_or(0), event.len()),
        }
    }

    /// Message numbers whose bytes appear in `offset..offset + len`, each once, in order.
    pub fn messages_in(&self, offset: u64, len: usize) -> Vec<usize> {
        let mut numbers: Vec<usize> = self.pieces(offset, len).iter().map(|p| p.message).collect();
        numbers.dedup();
        numbers
    }
}

/// A reserved place in the transcript, filled in by [`Recorder::complete`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(usize);

/// Shared, thread-safe recorder handed to both sides of a lesson.
///
/// Cloning is cheap; every clone appends to the same transcript, and `seq` is taken under the
/// same lock as the append, so the order of `seq` is the order events were recorded in.
#[derive(Debug, Clone)]
pub struct Recorder {
    started: Instant,
    events: Arc<Mutex<Vec<Event>>>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    pub fn new() -> Self {
        Recorder {
            started: Instant::now(),
            events: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Record an event with only a side, an op and optional detail.
    pub fn record(&self, side: Side, op: Op, detail: impl Into<Option<String>>) {
        self.push(side, op, None, Vec::new(), None, detail.into());
    }

    /// Record the start of a call whose detail is already known (e.g. a close).
    pub fn record_now(&self, side: Side, op: Op) -> Slot {
        self.push(side, op, None, Vec::new(), None, None)
    }

    /// Record bytes that moved at stream offset `offset` (send, recv).
    pub fn record_bytes(&self, side: Side, op: Op, offset: u64, bytes: &[u8]) {
        self.push(side, op, Some(offset), bytes.to_vec(), None, None);
    }

    /// Record a captured segment (`detail` marks a retransmission).
    pub fn record_segment(&self, offset: u64, payload: &[u8], detail: Option<String>) {
        self.push(
            Side::Client,
            Op::Segment,
            Some(offset),
            payload.to_vec(),
            None,
            detail,
        );
    }

    /// Record a decoded frame: message number, its payload and where its header started.
    pub fn record_frame(&self, message: usize, offset: u64, payload: &[u8]) {
        self.push(
            Side::Server,
            Op::Frame,
            Some(offset),
            payload.to_vec(),
            Some(message),
            None,
        );
    }

    fn push(
        &self,
        side: Side,
        op: Op,
        offset: Option<u64>,
        bytes: Vec<u8>,
        message: Option<usize>,
        detail: Option<String>,
    ) -> Slot {
        // A panic on the other thread must not hide what this one saw.
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        // The clock is read under the lock, so `t_us` never runs backwards against `seq`.
        let t_us = self.started.elapsed().as_micros() as u64;
        let seq = events.len() + 1;
        events.push(Event {
            seq,
            t_us,
            side,
            op,
            offset,
            bytes,
            message,
            detail,
            data_segs_out: None,
            direction: None,
            call: None,
        });
        Slot(seq - 1)
    }

    /// Take a place in the order *before* a send() call, fill it in after.
    ///
    /// Bytes cannot reach the peer before send() starts, so reserving first guarantees a send
    /// is listed before any recv that returns its bytes — whichever thread wakes first.
    pub fn begin(&self, side: Side, op: Op, offset: u64) -> Slot {
        self.push(side, op, Some(offset), Vec::new(), None, None)
    }

    /// Fill in a reserved event with the bytes the call moved.
    pub fn complete(&self, slot: Slot, bytes: &[u8], data_segs_out: Option<u32>) {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        events[slot.0].bytes = bytes.to_vec();
        events[slot.0].data_segs_out = data_segs_out;
    }

    /// Record the sender's final data-segment count (TCP_INFO) as a note.
    pub fn record_segments(&self, side: Side, data_segs_out: Option<u32>, detail: String) {
        let slot = self.push(side, Op::Note, None, Vec::new(), None, Some(detail));
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        events[slot.0].data_segs_out = data_segs_out;
    }

    /// Turn a reserved event whose call failed into an error event saying why.
    pub fn abandon(&self, slot: Slot, why: String) {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let event = &mut events[slot.0];
        event.op = Op::Error;
        event.offset = None;
        event.detail = Some(why);
    }

    /// The events recorded so far, in order.
    pub fn events(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The pieces of `spans` (in stream order, without gaps) that the stream bytes
/// `offset..offset + len` hold, in stream order.
pub fn pieces_in<'a>(
    spans: impl IntoIterator<Item = &'a Span>,
    offset: u64,
    len: u64,
) -> Vec<Piece> {
    let end = offset + len;
    spans
        .into_iter()
        // Spans are in stream order: those that end before `offset` are skipped.
        .skip_while(|s| s.range.end <= offset)
        .take_while(|s| s.range.start < end)
        .filter(|s| !s.range.is_empty())
        .map(|s| {
            let from = offset.max(s.range.start);
            let to = end.min(s.range.end);
            Piece {
                message: s.message,
                part: s.part,
                from: from - s.range.start,
                to: to - s.range.start,
                whole: from == s.range.start && to == s.range.end,
            }
        })
        .collect()
}

/// Lay messages out as stream spans: for each message an optional header of `header_len`
/// bytes, then its payload. Returns the spans in stream order.
pub fn layout_spans(messages: &[Vec<u8>], header_len: usize) -> Vec<Span> {
    let parts: Vec<Vec<(Part, usize)>> = messages
        .iter()
        .map(|m| {
            let header = (header_len > 0).then_some((Part::Header, header_len));
            header
                .into_iter()
                .chain([(Part::Payload, m.len())])
                .collect()
        })
        .collect();
    spans_of(&parts)
}

/// Stream spans from what each message put on the wire, part by part, in order.
pub fn spans_of(parts: &[Vec<(Part, usize)>]) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut at = 0u64;
    for (i, message) in parts.iter().enumerate() {
        for &(part, len) in message {
            spans.push(Span {
                message: i + 1,
                part,
                range: at..at + len as u64,
            });
            at += len as u64;
        }
    }
    spans
}

/// Lowercase hex, two digits a byte, no separators.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = std::fmt::Write::write_fmt(&mut s, format_args!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sticky() -> Transcript {
        let messages = vec![b"hello".to_vec(), b"byebye".to_vec(), b"again,bye".to_vec()];
        Transcript {
            spans: layout_spans(&messages, 0),
            messages,
            events: Vec::new(),
        }
    }

    #[test]
    fn one_recv_of_the_whole_stream_holds_all_three_messages_whole() {
        let t = sticky();
        let pieces = t.pieces(0, 20);
        assert_eq!(pieces.len(), 3);
        assert!(pieces.iter().all(|p| p.whole));
        assert_eq!(t.messages_in(0, 20), vec![1, 2, 3]);
    }

    #[test]
    fn a_recv_that_cuts_a_message_holds_a_slice_of_it() {
        let t = sticky();
        // bytes 3..8: "lo" of hello and "byb" of byebye
        let pieces = t.pieces(3, 5);
        assert_eq!(
            (pieces[0].from, pieces[0].to, pieces[0].whole),
            (3, 5, false)
        );
        assert_eq!(
            (pieces[1].from, pieces[1].to, pieces[1].whole),
            (0, 3, false)
        );
    }

    #[test]
    fn headers_get_their_own_spans() {
        let spans = layout_spans(&[b"ab".to_vec()], 4);
        assert_eq!(spans[0].part, Part::Header);
        assert_eq!(spans[0].range, 0..4);
        assert_eq!(spans[1].range, 4..6);
    }

    #[test]
    fn empty_payloads_take_no_stream_bytes_and_belong_to_no_recv() {
        let messages = vec![Vec::new(), b"x".to_vec()];
        let t = Transcript {
            spans: layout_spans(&messages, 0),
            messages,
            events: Vec::new(),
        };
        assert_eq!(t.messages_in(0, 1), vec![2]);
    }
}
