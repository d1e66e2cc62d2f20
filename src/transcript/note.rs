//! What an event says beyond its op — a knob's pause, an address pair, a count, why a call
//! failed — as a fact with its numbers. The views say it in words (`render/words/notes.rs`);
//! the JSON carries its [`code`](EventNote::code) next to those words.

use std::net::SocketAddr;

use serde::{Serialize, Serializer};

use crate::framing::{FrameError, FrameErrorKind};

/// A typed note on an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventNote {
    /// The reader sleeps before its first recv() (`--reader-delay`).
    ReaderDelay { ms: u64 },
    /// The sender sleeps before its next message (`--send-gap`).
    SendGap { ms: u64 },
    /// connect() to `peer` from `local`; over UDP it only sets the default destination.
    /// `named`: the address a traced program named, when lab rewrote it for `--net`'s link.
    Connected {
        peer: SocketAddr,
        local: SocketAddr,
        udp: bool,
        named: Option<SocketAddr>,
    },
    /// accept() of a client at `peer`.
    Accepted { peer: SocketAddr },
    /// TCP_NODELAY set on (Nagle's algorithm off) or off.
    NoDelay { on: bool },
    /// SO_REUSEADDR set on or off on a listening socket.
    ReuseAddr { on: bool },
    /// A UDP socket bound (its address is the event's detail): no listen, no accept follow.
    UdpBind,
    /// TCP_INFO's count of the data segments this side sent in all; `None`: this kernel
    /// does not count them (`tcpi_data_segs_out` needs Linux 4.6).
    SegmentsSent { count: Option<u32> },
    /// `--wire` could not capture: it needs privileges, or the OS said `error`.
    NoCapture {
        needs_privilege: bool,
        error: String,
    },
    /// `--wire`: the capture's buffer overflowed and lost this many packets.
    CaptureMissed { packets: u64 },
    /// A captured segment carries bytes already sent once.
    Retransmission,
    /// UDP: no datagram came for a while, and UDP has no end of stream to say so.
    NoMoreDatagrams,
    /// UDP: a datagram longer than the buffer; `lost` of its `whole` bytes were thrown away.
    Truncated { lost: usize, whole: usize },
    /// A lesson's socket call (`send()`, `recv()`) failed; `error` is the OS's description.
    CallFailed { call: &'static str, error: String },
    /// UDP: send() refused a datagram of `len` bytes, over the `max` one can carry (EMSGSIZE).
    DatagramTooLarge { len: usize, max: usize },
    /// The frame decoder refused the stream.
    FrameRefused(FrameError),
    /// A traced program's system call failed with `errno`.
    Errno {
        syscall: &'static str,
        errno: &'static str,
    },
    /// A traced program's send or recv had not returned when its process ended (it was
    /// still waiting, for bytes or for room, `waited_us` since its call); `asked`: the length
    /// it asked for.
    Unfinished {
        syscall: &'static str,
        asked: Option<u64>,
        waited_us: u64,
    },
}

impl EventNote {
    /// The stable, language-free name of the note (the JSON's `code`).
    pub fn code(&self) -> &'static str {
        match self {
            EventNote::ReaderDelay { .. } => "reader_delay",
            EventNote::SendGap { .. } => "send_gap",
            EventNote::Connected { .. } => "connected",
            EventNote::Accepted { .. } => "accepted",
            EventNote::NoDelay { .. } => "nodelay",
            EventNote::ReuseAddr { .. } => "reuseaddr",
            EventNote::UdpBind => "udp_bind",
            EventNote::SegmentsSent { .. } => "segments_sent",
            EventNote::NoCapture { .. } => "no_capture",
            EventNote::CaptureMissed { .. } => "capture_missed",
            EventNote::Retransmission => "retransmission",
            EventNote::NoMoreDatagrams => "no_more_datagrams",
            EventNote::Truncated { .. } => "truncated",
            EventNote::CallFailed { .. } | EventNote::Errno { .. } => "call_failed",
            EventNote::Unfinished { .. } => "unfinished",
            EventNote::DatagramTooLarge { .. } => "datagram_too_large",
            EventNote::FrameRefused(e) => frame_error_code(&e.kind),
        }
    }
}

/// Each way a frame can be refused, by name.
fn frame_error_code(kind: &FrameErrorKind) -> &'static str {
    match kind {
        FrameErrorKind::TooLarge { .. } => "frame_too_large",
        FrameErrorKind::NegativeLength { .. } => "negative_length",
        FrameErrorKind::EndedInHeader { .. } => "ended_in_header",
        FrameErrorKind::EndedInPayload { .. } => "ended_in_payload",
        FrameErrorKind::NoDelimiter { .. } => "no_delimiter",
        FrameErrorKind::EndedWithoutDelimiter { .. } => "ended_without_delimiter",
        FrameErrorKind::EndedInRecord { .. } => "ended_in_record",
    }
}

/// A note goes into the JSON as its code; its words go in `detail`.
impl Serialize for EventNote {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One note of each kind (a refused frame of each kind too).
    pub fn every_note() -> Vec<EventNote> {
        let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let frame = |kind| {
            EventNote::FrameRefused(FrameError {
                frame: 1,
                offset: 0,
                kind,
            })
        };
        vec![
            EventNote::ReaderDelay { ms: 100 },
            EventNote::SendGap { ms: 20 },
            EventNote::Connected {
                peer: addr,
                local: addr,
                udp: true,
                named: None,
            },
            EventNote::Accepted { peer: addr },
            EventNote::NoDelay { on: true },
            EventNote::ReuseAddr { on: false },
            EventNote::UdpBind,
            EventNote::SegmentsSent { count: Some(3) },
            EventNote::NoCapture {
                needs_privilege: true,
                error: String::new(),
            },
            EventNote::CaptureMissed { packets: 2 },
            EventNote::Retransmission,
            EventNote::NoMoreDatagrams,
            EventNote::Truncated { lost: 1, whole: 5 },
            EventNote::CallFailed {
                call: "send()",
                error: "Broken pipe".into(),
            },
            EventNote::DatagramTooLarge {
                len: 65508,
                max: 65507,
            },
            frame(FrameErrorKind::TooLarge { claimed: 9, max: 8 }),
            frame(FrameErrorKind::NegativeLength { claimed: -1 }),
            frame(FrameErrorKind::EndedInHeader { got: 2, need: 4 }),
            frame(FrameErrorKind::EndedInPayload { got: 2, claimed: 9 }),
            frame(FrameErrorKind::NoDelimiter { max: 8 }),
            frame(FrameErrorKind::EndedWithoutDelimiter { got: 3 }),
            frame(FrameErrorKind::EndedInRecord { got: 8, need: 16 }),
            EventNote::Unfinished {
                syscall: "recvfrom",
                asked: Some(1024),
                waited_us: 1500,
            },
        ]
    }

    #[test]
    fn every_note_code_is_documented_in_the_readme() {
        let readme = include_str!("../../README.md");
        for note in every_note() {
            let code = note.code();
            assert!(
                readme.contains(&format!("`{code}`")),
                "{code} is not in README"
            );
        }
    }

    #[test]
    fn every_note_says_itself_in_chinese() {
        use crate::lang::Lang;
        use crate::render::words::Words;
        for note in every_note() {
            let zh = Words(Lang::Zh).note(&note, Some("127.0.0.1:8080"));
            let english = Words(Lang::En).note(&note, Some("127.0.0.1:8080"));
            assert_ne!(zh, english, "{note:?}");
            let chinese = zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            assert!(chinese, "{zh}");
        }
    }
}
