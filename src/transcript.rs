//! The transcript: the ordered list of everything a lesson's sockets did.
//!
//! Every lesson produces one; every view consumes one. Events are numbered in the order they
//! were recorded (`seq`), across both sides, so a view can lay sends and recvs out on one
//! timeline. The byte stream from client to server is described once by its [`Span`]s (which
//! message, which part), so any recv can be traced back to the messages its bytes came from.
//! When something watched the wire (`--wire`, `--net`), the [`Wire`] holds every packet of the
//! connection both ways — what left when, what the path did to it — for the views, charts and
//! pcapng files.

use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use serde::Serialize;

mod note;
pub use note::EventNote;

/// Parts of the stream are framing's words: a header, a payload, a delimiter, padding.
pub use crate::framing::Part;

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

/// What happened. Names match the `op` field of the JSON output ([`Op::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl Op {
    /// The op's name, as the JSON's `op` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Bind => "bind",
            Op::Listen => "listen",
            Op::Connect => "connect",
            Op::Accept => "accept",
            Op::Sockopt => "sockopt",
            Op::Send => "send",
            Op::Recv => "recv",
            Op::Eof => "eof",
            Op::Close => "close",
            Op::Frame => "frame",
            Op::Segment => "segment",
            Op::Truncated => "truncated",
            Op::Note => "note",
            Op::Error => "error",
            Op::Socket => "socket",
            Op::Shutdown => "shutdown",
            Op::Fork => "fork",
            Op::Thread => "thread",
            Op::Exec => "exec",
            Op::Exit => "exit",
        }
    }
}

impl Serialize for Op {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
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
    /// Technical text: an address, an option. (Anything said in words is a `note`.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// What the event says, as a typed fact (the JSON's `code`; the views make its words).
    #[serde(rename = "code", skip_serializing_if = "Option::is_none")]
    pub note: Option<EventNote>,
    /// TCP_INFO `tcpi_data_segs_out` read right after this send() (and at the end): how many
    /// data segments the sender had emitted so far. `None` where the kernel lacks the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_segs_out: Option<u32>,
    /// A `segment` event's packet in [`Transcript::wire`], by number, when it was kept there.
    #[serde(skip)]
    pub packet: Option<usize>,
    /// When the call began and returned, where both were seen (send, recv): `t_us` is one of
    /// the two (a send is recorded as it starts, a recv as it returns). Charts draw the call
    /// from one to the other.
    #[serde(skip)]
    pub timing: Option<CallSpan>,
    /// Which way a send's, recv's or eof's bytes went, where the transcript carries both ways
    /// (`lab trace`); `None` means client → server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// The system call of a traced program behind the event (`lab trace`).
    #[serde(flatten)]
    pub call: Option<Box<Call>>,
}

/// When a blocking call began and when it returned, on the transcript's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSpan {
    pub called_us: u64,
    pub returned_us: u64,
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

    /// An event with its place in the order, its time, side and op, and nothing else yet.
    pub fn new(seq: usize, t_us: u64, side: Side, op: Op) -> Event {
        Event {
            seq,
            t_us,
            side,
            op,
            offset: None,
            bytes: Vec::new(),
            message: None,
            detail: None,
            note: None,
            data_segs_out: None,
            packet: None,
            timing: None,
            direction: None,
            call: None,
        }
    }

    /// The bytes it moved (or decoded), starting at stream offset `offset`.
    pub fn with_bytes(&mut self, offset: u64, bytes: &[u8]) -> &mut Event {
        self.offset = Some(offset);
        self.bytes = bytes.to_vec();
        self
    }

    /// Its technical detail: an address, an option.
    pub fn with_detail(&mut self, detail: impl Into<String>) -> &mut Event {
        self.detail = Some(detail.into());
        self
    }

    /// The message a decoded frame is (from 1).
    pub fn with_message(&mut self, message: usize) -> &mut Event {
        self.message = Some(message);
        self
    }

    /// TCP_INFO's count of data segments sent so far, read with it.
    pub fn with_segments(&mut self, data_segs_out: u32) -> &mut Event {
        self.data_segs_out = Some(data_segs_out);
        self
    }

    /// What it says, as a typed note.
    pub fn with_note(&mut self, note: EventNote) -> &mut Event {
        self.note = Some(note);
        self
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
    /// close() (or a close as the process ended): bytes that had arrived and were never read,
    /// so the kernel reset the connection (RST) instead of sending a FIN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<u64>,
    /// bind() or connect() under `--net`: the loopback address the program named, which lab
    /// rewrote to the link's (the event's `detail` has the address used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_by_program: Option<std::net::SocketAddr>,
    /// Bytes moved when `bytes` holds only a preview (see [`Event::len`]).
    #[serde(skip)]
    pub moved: Option<u64>,
    /// The pieces a send or recv holds, worked out when it happened (a traced run keeps no
    /// stream layout); `None`: from the transcript's spans.
    #[serde(skip)]
    pub pieces: Option<Vec<Piece>>,
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
    /// Every packet of the lesson's connection, both ways, when something watched the wire
    /// (`--wire`, `--net`); empty otherwise.
    pub wire: Wire,
}

impl Transcript {
    /// A transcript of `messages` (each after a `header_len`-byte header), with no events yet.
    pub fn of_messages(messages: Vec<Vec<u8>>, header_len: usize) -> Transcript {
        Transcript {
            spans: layout_spans(&messages, header_len),
            messages,
            ..Transcript::default()
        }
    }

    /// Add an event at `t_us`, numbered after the last one, and hand it back for its details.
    pub fn push(&mut self, t_us: u64, side: Side, op: Op) -> &mut Event {
        let seq = self.events.len() + 1;
        self.events.push(Event::new(seq, t_us, side, op));
        self.events.last_mut().expect("an event was just added")
    }

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
            None if self.is_traced() => {
                self.traced_pieces(event.direction(), event.offset.unwrap_or(0), event.len())
            }
            None => self.pieces(event.offset.unwrap_or(0), event.len()),
        }
    }

    /// The message pieces a packet's payload holds. A lesson's spans describe the
    /// client→server stream only, so there a packet travelling to the client (and one whose
    /// offset is unknown) holds none; a traced connection's sends name both ways' bytes.
    pub fn packet_pieces(&self, packet: &WirePacket) -> Vec<Piece> {
        match (packet.direction, packet.offset) {
            (_, Some(offset)) if packet.payload_len > 0 && self.is_traced() => {
                self.traced_pieces(packet.direction, offset, packet.payload_len)
            }
            (Direction::ToServer, Some(offset)) if packet.payload_len > 0 => {
                self.pieces(offset, packet.payload_len)
            }
            _ => Vec::new(),
        }
    }

    /// A traced program's transcript (`lab trace`): no spans, its sends name their messages.
    fn is_traced(&self) -> bool {
        self.spans.is_empty() && self.events.iter().any(|e| e.call.is_some())
    }

    /// The pieces of `direction`'s stream bytes `offset..offset + len`, from the traced
    /// sends that wrote them (each send() is one message). Sends left out of a long
    /// connection's transcript leave their bytes unnamed.
    fn traced_pieces(&self, direction: Direction, offset: u64, len: usize) -> Vec<Piece> {
        let end = offset + len as u64;
        let mut pieces: Vec<(u64, Piece)> = self
            .events
            .iter()
            .filter(|e| e.op == Op::Send && e.direction() == direction && e.call.is_some())
            .filter_map(|e| {
                let (start, message) = (e.offset?, e.message?);
                let stop = start + e.len() as u64;
                let (from, to) = (start.max(offset), stop.min(end));
                let piece = Piece {
                    message,
                    part: Part::Payload,
                    from: from.checked_sub(start)?,
                    to: to.checked_sub(start)?,
                    whole: from == start && to == stop,
                };
                (from < to).then_some((start, piece))
            })
            .collect();
        // In stream order.
        pieces.sort_by_key(|(start, _)| *start);
        pieces.into_iter().map(|(_, piece)| piece).collect()
    }

    /// Message numbers whose bytes appear in `offset..offset + len`, each once, in order.
    pub fn messages_in(&self, offset: u64, len: usize) -> Vec<usize> {
        let mut numbers: Vec<usize> = self.pieces(offset, len).iter().map(|p| p.message).collect();
        numbers.dedup();
        numbers
    }
}

/// At most this many packets are kept in a [`Wire`]; later ones are only counted, so a long
/// run cannot grow memory without limit (the views and a pcapng need far fewer).
pub const MAX_KEPT_PACKETS: usize = 100_000;
/// Packet bytes kept whole across a [`Wire`], 16 MiB; past it each packet keeps only its IP
/// and TCP/UDP headers (a pcapng then shows a snapped packet, with its original length).
pub const PACKET_BYTES_BUDGET: usize = 16 * 1024 * 1024;

/// What watched the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WireSource {
    /// `--wire`: an AF_PACKET socket on loopback. A packet's `sent_us` is the moment the
    /// kernel queued it on `lo`, its delivery the moment `lo` handed it to the receiving stack.
    Loopback,
    /// `--net`: lab's own link between two network namespaces. A packet's `sent_us` is the
    /// moment the link read it from the sender's TUN device, its delivery the moment the link
    /// wrote it to the receiver's.
    Link,
}

/// Every packet of one lesson connection, both ways, in the order they left their sender.
///
/// Filled by the `--wire` capture (`capture.rs`) and by the `--net` link (`net/link/`), read
/// by the views (the wire column, charts, pcapng). Bounded by [`MAX_KEPT_PACKETS`] and
/// [`PACKET_BYTES_BUDGET`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Wire {
    /// Who filled it in; `None` when nothing watched the wire (the packet list is empty).
    pub source: Option<WireSource>,
    /// The packets, ordered by the time they left their sender; `packets[i].number == i + 1`.
    pub packets: Vec<WirePacket>,
    /// Packets seen after [`MAX_KEPT_PACKETS`] were kept: counted, not stored.
    pub packets_not_kept: u64,
    /// The wall clock (microseconds since the Unix epoch) when the transcript's clock read 0,
    /// for files that carry absolute times (pcapng); 0 when unknown.
    pub clock_origin_unix_us: u64,
}

impl Wire {
    /// The packet numbered `number` (from 1), if it was kept.
    pub fn packet(&self, number: usize) -> Option<&WirePacket> {
        self.packets.get(number.checked_sub(1)?)
    }

    /// The packets travelling one way, in the order they left.
    pub fn packets_to(&self, direction: Direction) -> impl Iterator<Item = &WirePacket> {
        self.packets
            .iter()
            .filter(move |p| p.direction == direction)
    }
}

/// One IPv4 packet of the connection, as the capture or the link saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WirePacket {
    /// Its number in [`Wire::packets`], from 1.
    pub number: usize,
    /// Which way it travels: `ToServer` from the client's address, `ToClient` back.
    pub direction: Direction,
    /// When it left its sender, in microseconds on the transcript's clock (the same clock
    /// as [`Event::t_us`]).
    pub sent_us: u64,
    /// What became of it: delivered (and when), dropped (and why), or unknown.
    pub fate: Fate,
    /// The path made this packet as an extra copy of the packet with this number (the
    /// `duplicate` knob); the copy has its own delivery time. `None` for a packet its sender sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<usize>,
    /// The path delivered it after a packet that left later in the same direction (the
    /// `reorder` knob held it back).
    pub reordered: bool,
    /// The IP protocol: 6 for TCP, 17 for UDP.
    pub protocol: u8,
    /// The TCP header's fields; `None` for UDP and for IP fragments after the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpFields>,
    /// The packet's length on the wire: the IP header's total length.
    pub ip_len: usize,
    /// Bytes of payload after the TCP or UDP header (for a later fragment: after the IP header).
    pub payload_len: usize,
    /// Where the payload starts in this direction's byte stream (TCP: the sequence number
    /// counted from the sender's SYN, so the first data byte is offset 0; UDP: the payload
    /// bytes of the datagrams this end sent before). For a pure ACK or a FIN, the offset of
    /// the next byte (one past the end after a FIN, which takes a sequence number). `None` for a SYN, a later IP fragment, or before the sender's SYN was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// It carries sequence space (data, SYN or FIN) its sender had already sent once: the
    /// sender retransmitted it (a path's duplicate is not a retransmission).
    pub retransmission: bool,
    /// The packet from the first byte of its IPv4 header (pcap's LINKTYPE_RAW), cut after the
    /// TCP/UDP header once [`PACKET_BYTES_BUDGET`] is spent: `bytes.len() < ip_len` then.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl WirePacket {
    /// When the receiver got it, if it was delivered.
    pub fn delivered_us(&self) -> Option<u64> {
        match self.fate {
            Fate::Delivered { at_us } => Some(at_us),
            _ => None,
        }
    }

    /// How long the path held it (delivery minus departure), if it was delivered.
    pub fn flight_us(&self) -> Option<u64> {
        Some(self.delivered_us()?.saturating_sub(self.sent_us))
    }

    /// The TCP flags, empty for a packet that is not TCP.
    pub fn flags(&self) -> TcpFlags {
        self.tcp.as_ref().map_or(TcpFlags(0), |t| t.flags)
    }

    /// A TCP segment that only acknowledges: no payload, no SYN, FIN or RST.
    pub fn is_pure_ack(&self) -> bool {
        let flags = self.flags();
        self.tcp.is_some()
            && self.payload_len == 0
            && flags.contains(TcpFlags::ACK)
            && !flags.intersects(TcpFlags(
                TcpFlags::SYN.0 | TcpFlags::FIN.0 | TcpFlags::RST.0,
            ))
    }

    /// A TCP segment carrying payload bytes.
    pub fn is_data(&self) -> bool {
        self.tcp.is_some() && self.payload_len > 0
    }
}

/// What the path did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "fate")]
pub enum Fate {
    /// Handed to the receiver's network stack at `at_us` (the transcript's clock).
    Delivered { at_us: u64 },
    /// Never delivered: the path dropped it.
    Dropped { cause: DropCause },
    /// Not known: the run ended while it was still on the path, or (loopback capture) its
    /// arrival was not seen.
    Unknown,
}

/// Why the path dropped a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropCause {
    /// The `loss` knob: a random loss.
    Loss,
    /// The `rate` knob's queue was full (drop-tail).
    QueueFull,
}

/// The TCP header of one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TcpFields {
    pub src_port: u16,
    pub dst_port: u16,
    /// The sequence number as sent.
    pub seq: u32,
    /// The acknowledgment number as sent (meaningful only with the ACK flag).
    pub ack: u32,
    /// `seq` minus the sender's initial sequence number (its SYN is 0, its first data byte 1),
    /// as Wireshark shows it; `None` before the sender's SYN was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rel_seq: Option<u32>,
    /// `ack` minus the peer's initial sequence number; `None` without the ACK flag or before
    /// the peer's SYN was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rel_ack: Option<u32>,
    pub flags: TcpFlags,
    /// The window field as sent (before scaling).
    pub window: u16,
    /// The window in bytes: `window` shifted by the scale its sender announced in its SYN
    /// (RFC 7323; a SYN's own window is never scaled). `None` when the SYNs were not seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_bytes: Option<u32>,
    /// The MSS option (SYN and SYN-ACK only): the largest payload the sender will accept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mss: Option<u16>,
    /// The window-scale option (SYN and SYN-ACK only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_scale: Option<u8>,
    /// Bytes of TCP options in the header (timestamps take 12); 0 is left out.
    #[serde(skip_serializing_if = "is_zero")]
    pub options_len: u8,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// TCP header flags, as the bits of byte 13 of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: TcpFlags = TcpFlags(0x01);
    pub const SYN: TcpFlags = TcpFlags(0x02);
    pub const RST: TcpFlags = TcpFlags(0x04);
    pub const PSH: TcpFlags = TcpFlags(0x08);
    pub const ACK: TcpFlags = TcpFlags(0x10);
    pub const URG: TcpFlags = TcpFlags(0x20);
    pub const ECE: TcpFlags = TcpFlags(0x40);
    pub const CWR: TcpFlags = TcpFlags(0x80);

    /// Every flag in `other` is set.
    pub fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Any flag in `other` is set.
    pub fn intersects(self, other: TcpFlags) -> bool {
        self.0 & other.0 != 0
    }
}

/// A reserved place in the transcript, filled in by [`Recorder::complete`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(usize);

impl Slot {
    /// The event's number in the transcript (its `seq`).
    pub fn seq(self) -> usize {
        self.0 + 1
    }
}

/// Shared, thread-safe recorder handed to both sides of a lesson.
///
/// Cloning is cheap; every clone appends to the same transcript, and `seq` is taken under the
/// same lock as the append, so the order of `seq` is the order events were recorded in.
#[derive(Debug, Clone)]
pub struct Recorder {
    started: Instant,
    events: Arc<Mutex<Vec<Event>>>,
    wire: Arc<Mutex<WireLog>>,
}

/// The wire being filled, and how much of the byte budget it has used.
#[derive(Debug, Default)]
struct WireLog {
    wire: Wire,
    bytes_kept: usize,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    pub fn new() -> Self {
        let started = Instant::now();
        let origin = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        let mut log = WireLog::default();
        log.wire.clock_origin_unix_us = origin;
        Recorder {
            started,
            events: Arc::new(Mutex::new(Vec::new())),
            wire: Arc::new(Mutex::new(log)),
        }
    }

    /// Record an event with only a side, an op and optional detail.
    pub fn record(&self, side: Side, op: Op, detail: impl Into<Option<String>>) {
        let mut event = Event::new(0, 0, side, op);
        event.detail = detail.into();
        self.push(event);
    }

    /// Record an event that says something (a knob's pause, an address pair, a count), with
    /// its technical detail if any.
    pub fn record_note(&self, side: Side, op: Op, detail: Option<String>, note: EventNote) {
        let mut event = Event::new(0, 0, side, op);
        event.detail = detail;
        event.note = Some(note);
        self.push(event);
    }

    /// Record the start of a call whose detail is already known (e.g. a close).
    pub fn record_now(&self, side: Side, op: Op) -> Slot {
        self.push(Event::new(0, 0, side, op))
    }

    /// Record a call that returned just now after starting at `called_us` ([`Self::now_us`]
    /// read before the call): a recv with its bytes at `offset`, or an `eof`.
    pub fn record_returned(
        &self,
        side: Side,
        op: Op,
        offset: Option<u64>,
        bytes: &[u8],
        called_us: u64,
    ) {
        let mut event = Event::new(0, 0, side, op);
        event.offset = offset;
        event.bytes = bytes.to_vec();
        let slot = self.push(event);
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let event = &mut events[slot.0];
        event.timing = Some(CallSpan {
            called_us: called_us.min(event.t_us),
            returned_us: event.t_us,
        });
    }

    /// Record a captured segment (a retransmission is marked so), and which packet of the
    /// wire it is.
    pub fn record_segment(
        &self,
        offset: u64,
        payload: &[u8],
        retransmission: bool,
        packet: Option<usize>,
    ) {
        let mut event = Event::new(0, 0, Side::Client, Op::Segment);
        event.with_bytes(offset, payload).packet = packet;
        event.note = retransmission.then_some(EventNote::Retransmission);
        self.push(event);
    }

    /// Record a segment the `--net` link carried from `side`: its stream offset, its payload
    /// (empty for an ACK) and its packet in the wire.
    pub fn record_link_segment(
        &self,
        side: Side,
        offset: u64,
        payload: &[u8],
        packet: Option<usize>,
    ) {
        let mut event = Event::new(0, 0, side, Op::Segment);
        event.with_bytes(offset, payload).packet = packet;
        self.push(event);
    }

    /// Record a decoded frame: message number, its payload and where its header started.
    pub fn record_frame(&self, message: usize, offset: u64, payload: &[u8]) {
        let mut event = Event::new(0, 0, Side::Server, Op::Frame);
        event.with_bytes(offset, payload).with_message(message);
        self.push(event);
    }

    /// Append `event`, numbered and timed now.
    fn push(&self, mut event: Event) -> Slot {
        // A panic on the other thread must not hide what this one saw.
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        // The clock is read under the lock, so `t_us` never runs backwards against `seq`.
        event.t_us = self.started.elapsed().as_micros() as u64;
        event.seq = events.len() + 1;
        events.push(event);
        Slot(events.len() - 1)
    }

    /// Take a place in the order *before* a send() call, fill it in after.
    ///
    /// Bytes cannot reach the peer before send() starts, so reserving first guarantees a send
    /// is listed before any recv that returns its bytes — whichever thread wakes first.
    pub fn begin(&self, side: Side, op: Op, offset: u64) -> Slot {
        let mut event = Event::new(0, 0, side, op);
        event.offset = Some(offset);
        self.push(event)
    }

    /// Fill in a reserved event with the bytes the call moved; the call returned just now.
    pub fn complete(&self, slot: Slot, bytes: &[u8], data_segs_out: Option<u32>) {
        let returned_us = self.now_us();
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let event = &mut events[slot.0];
        event.bytes = bytes.to_vec();
        event.data_segs_out = data_segs_out;
        event.timing = Some(CallSpan {
            called_us: event.t_us,
            returned_us: returned_us.max(event.t_us),
        });
    }

    /// Record the sender's final data-segment count (TCP_INFO) as a note; `None` where the
    /// kernel does not count them.
    pub fn record_segments(&self, side: Side, data_segs_out: Option<u32>) {
        let mut event = Event::new(0, 0, side, Op::Note);
        event.data_segs_out = data_segs_out;
        event.note = Some(EventNote::SegmentsSent {
            count: data_segs_out,
        });
        self.push(event);
    }

    /// Turn a reserved event whose call failed into an error event saying why.
    pub fn abandon(&self, slot: Slot, why: EventNote) {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let event = &mut events[slot.0];
        event.op = Op::Error;
        event.offset = None;
        event.note = Some(why);
    }

    /// The moment the transcript's clock read 0 (a traced run times its calls from it too,
    /// so the link's packets and the calls share one clock).
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Microseconds since the lesson started: the clock of every event and packet.
    pub fn now_us(&self) -> u64 {
        self.started.elapsed().as_micros() as u64
    }

    /// Say what watches the wire (the capture or the link), before its first packet.
    pub fn set_wire_source(&self, source: WireSource) {
        self.wire_log().wire.source = Some(source);
    }

    /// Add a packet to the wire and return its number, or `None` once [`MAX_KEPT_PACKETS`]
    /// are kept (it is counted). Its `number` is set here; past [`PACKET_BYTES_BUDGET`] its
    /// bytes are cut to the headers.
    pub fn record_packet(&self, mut packet: WirePacket) -> Option<usize> {
        let mut log = self.wire_log();
        if log.wire.packets.len() >= MAX_KEPT_PACKETS {
            log.wire.packets_not_kept += 1;
            return None;
        }
        if log.bytes_kept + packet.bytes.len() > PACKET_BYTES_BUDGET {
            let headers = packet.ip_len.saturating_sub(packet.payload_len);
            packet.bytes.truncate(headers);
            // Truncating keeps the allocation: give the payload's memory back.
            packet.bytes.shrink_to_fit();
        }
        log.bytes_kept += packet.bytes.len();
        packet.number = log.wire.packets.len() + 1;
        let number = packet.number;
        log.wire.packets.push(packet);
        Some(number)
    }

    /// Count packets seen but not described once the wire was full.
    pub fn count_packets_not_kept(&self, n: u64) {
        self.wire_log().wire.packets_not_kept += n;
    }

    /// Say what became of a recorded packet (delivered, dropped).
    pub fn set_packet_fate(&self, number: usize, fate: Fate) {
        if let Some(packet) = self.wire_log().wire.packets.get_mut(number.wrapping_sub(1)) {
            packet.fate = fate;
        }
    }

    /// Mark a recorded packet as delivered after one that left later.
    pub fn mark_reordered(&self, number: usize) {
        if let Some(packet) = self.wire_log().wire.packets.get_mut(number.wrapping_sub(1)) {
            packet.reordered = true;
        }
    }

    /// The wire as recorded so far.
    pub fn wire(&self) -> Wire {
        self.wire_log().wire.clone()
    }

    fn wire_log(&self) -> std::sync::MutexGuard<'_, WireLog> {
        self.wire.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Everything recorded, taken out (the recorder is left empty): the events and the wire,
    /// without copying them — for a long run, whose wire may hold megabytes.
    pub fn take(&self) -> (Vec<Event>, Wire) {
        let events =
            std::mem::take(&mut *self.events.lock().unwrap_or_else(PoisonError::into_inner));
        (events, std::mem::take(&mut self.wire_log().wire))
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
        Transcript::of_messages(messages, 0)
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

    fn packet(payload_len: usize) -> WirePacket {
        WirePacket {
            number: 0,
            direction: Direction::ToServer,
            sent_us: 0,
            fate: Fate::Unknown,
            duplicate_of: None,
            reordered: false,
            protocol: 6,
            tcp: None,
            ip_len: 40 + payload_len,
            payload_len,
            offset: Some(0),
            retransmission: false,
            bytes: vec![0; 40 + payload_len],
        }
    }

    #[test]
    fn the_wire_keeps_whole_packets_until_the_budget_then_headers_then_only_counts() {
        let rec = Recorder::new();
        let big = PACKET_BYTES_BUDGET / 2;
        assert_eq!(rec.record_packet(packet(big)), Some(1));
        assert_eq!(rec.record_packet(packet(big)), Some(2));
        let wire = rec.wire();
        assert_eq!(wire.packets[0].bytes.len(), 40 + big);
        assert_eq!(wire.packets[1].bytes.len(), 40, "over budget: headers only");
        for _ in 2..MAX_KEPT_PACKETS {
            rec.record_packet(packet(0));
        }
        assert_eq!(rec.record_packet(packet(0)), None);
        let wire = rec.wire();
        assert_eq!(
            (wire.packets.len(), wire.packets_not_kept),
            (MAX_KEPT_PACKETS, 1)
        );
        rec.set_packet_fate(2, Fate::Delivered { at_us: 7 });
        rec.set_packet_fate(0, Fate::Delivered { at_us: 7 });
        assert_eq!(rec.wire().packet(2).unwrap().flight_us(), Some(7));
    }

    #[test]
    fn only_packets_to_the_server_hold_message_pieces() {
        let t = sticky();
        let mut p = packet(5);
        p.offset = Some(3);
        assert_eq!(t.packet_pieces(&p).len(), 2);
        p.direction = Direction::ToClient;
        assert!(t.packet_pieces(&p).is_empty());
    }

    #[test]
    fn empty_payloads_take_no_stream_bytes_and_belong_to_no_recv() {
        let t = Transcript::of_messages(vec![Vec::new(), b"x".to_vec()], 0);
        assert_eq!(t.messages_in(0, 1), vec![2]);
    }

    #[test]
    fn a_packet_past_the_byte_budget_keeps_only_its_headers_and_frees_the_rest() {
        let rec = Recorder::new();
        rec.record_packet(packet(PACKET_BYTES_BUDGET - 40));
        rec.record_packet(packet(60_000));
        let log = rec.wire_log();
        let late = &log.wire.packets[1].bytes;
        assert_eq!(late.len(), 40);
        assert!(late.capacity() < 1_000, "capacity {}", late.capacity());
    }
}
