//! What a run's figures come to, as typed facts: where the merging happened
//! ([`WireReading`]), what the run showed ([`Verdict`]) and what to try next ([`Hint`]).
//! Each carries the numbers it rests on and a stable [`code`](Verdict::code) for graders; the
//! words, in either language, are made in `render/words/summary.rs`.

use crate::framing::FramingKind;
use crate::lesson::framed_demo::Corruption;
use crate::transcript::EventNote;

/// Where the segment count came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentSource {
    /// The sender's own count, TCP_INFO `tcpi_data_segs_out`.
    TcpInfo,
    /// Data segments captured on the loopback interface (`--wire`).
    Captured,
}

/// What the data segments say about where messages merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireReading {
    /// UDP: each send() is one datagram; there is no byte stream to merge or split.
    Datagrams,
    /// The kernel does not count data segments and nothing was captured.
    NotCounted,
    /// As many segments as sends (or more), yet fewer recvs: the receiver's buffer merged them.
    MergedInReceiver {
        sends: usize,
        segments: usize,
        source: SegmentSource,
        recvs: usize,
    },
    /// Fewer segments than sends although Nagle was off: the kernel packed queued sends.
    Autocorked {
        sends: usize,
        segments: usize,
        source: SegmentSource,
    },
    /// Fewer segments than sends: the sender merged small sends (Nagle's algorithm).
    MergedBySender {
        sends: usize,
        segments: usize,
        source: SegmentSource,
    },
    /// The segments, with nothing merged on the way.
    Segments {
        sends: usize,
        segments: usize,
        source: SegmentSource,
    },
}

impl WireReading {
    /// Where the merging happened, from the sender's own segment count (TCP_INFO), else from
    /// the captured segments.
    pub fn of(
        sends: usize,
        recvs: usize,
        counted: Option<u32>,
        captured: Option<usize>,
        nodelay: bool,
    ) -> WireReading {
        let (segments, source) = match (counted, captured) {
            (Some(n), _) => (n as usize, SegmentSource::TcpInfo),
            (None, Some(n)) => (n, SegmentSource::Captured),
            (None, None) => return WireReading::NotCounted,
        };
        if segments >= sends && recvs < sends {
            WireReading::MergedInReceiver {
                sends,
                segments,
                source,
                recvs,
            }
        } else if segments < sends && nodelay {
            WireReading::Autocorked {
                sends,
                segments,
                source,
            }
        } else if segments < sends {
            WireReading::MergedBySender {
                sends,
                segments,
                source,
            }
        } else {
            WireReading::Segments {
                sends,
                segments,
                source,
            }
        }
    }

    /// The stable name of the reading (the JSON's `wire_code`).
    pub fn code(&self) -> &'static str {
        match self {
            WireReading::Datagrams => "datagrams",
            WireReading::NotCounted => "not_counted",
            WireReading::MergedInReceiver { .. } => "merged_in_receiver",
            WireReading::Autocorked { .. } => "autocorked",
            WireReading::MergedBySender { .. } => "merged_by_sender",
            WireReading::Segments { .. } => "segments",
        }
    }
}

/// How many messages went out in how many send() calls, and came back in how many recv()s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub messages: usize,
    pub sends: usize,
    pub recvs: usize,
}

/// How a framing put the boundaries back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoundaryRule {
    /// A length header of this struct format (`!I`).
    Length { format: String },
    /// A delimiter, as a Python bytes literal (`b'\n'`).
    Delimiter { literal: String },
    /// Records of this many bytes.
    Fixed { size: usize },
}

/// What a run showed, with the figures it rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The exchange failed part way.
    Failed { arrival: Arrival, error: EventNote },
    /// The receiver stopped before it had read everything (a traced program).
    Unread {
        arrival: Arrival,
        received: u64,
        sent: u64,
    },
    /// A single message came in pieces (半包). `cut_by`: the recv size, when it alone
    /// accounts for the pieces (as few recv() calls as a message of `len` bytes needs at that
    /// size); `None`: the bytes arrived a few at a time.
    OneMessageSplit {
        arrival: Arrival,
        cut_by: Option<usize>,
        len: u64,
    },
    /// A single message: nothing to merge. `suggest_more`: say how to send several.
    OneMessage {
        arrival: Arrival,
        suggest_more: bool,
    },
    /// One whole message per recv(), because recv(N) happened to match the message sizes.
    IntactBySize { arrival: Arrival, recv_size: usize },
    /// One whole message per recv() this time: the reader was fast enough.
    IntactByTiming { arrival: Arrival },
    /// One whole message per recv(), because each recv() asked for exactly its message's
    /// length and got it all: the reader framed the stream itself (a traced `recv(4)` for a
    /// header, then `recv(length)`). `recv_size`: the one size every recv() asked for, if so.
    FramedByReader {
        arrival: Arrival,
        recv_size: Option<u64>,
    },
    /// No send() went this way and no recv() got anything: nothing to judge.
    NothingSent,
    /// More bytes arrived than the send() calls seen put in: some were written by calls lab
    /// does not see, so the messages cannot be told apart.
    SendsUnseen {
        arrival: Arrival,
        received: u64,
        sent: u64,
    },
    /// The boundaries are gone: recvs that held several messages (粘包), messages split
    /// across recvs (半包).
    BoundariesLost {
        arrival: Arrival,
        merged_recvs: usize,
        split_messages: usize,
    },
    /// UDP: datagrams in, recvfrom() calls out, and how many were cut short.
    Datagrams {
        sent: usize,
        received: usize,
        truncated: usize,
        recv_size: usize,
    },
    /// UDP: a send() failed (a datagram too large to send): `sent` of the `messages` went out
    /// as datagrams and `received` arrived.
    DatagramsFailed {
        messages: usize,
        sent: usize,
        received: usize,
        error: EventNote,
    },
    /// framed-demo: the receiver stopped at an error after decoding some messages.
    DecodingStopped {
        decoded: usize,
        sent: usize,
        error: EventNote,
    },
    /// framed-demo: frames decoded, but not all equal to what was sent.
    FramesDiffer {
        decoded: usize,
        intact: usize,
        sent: usize,
    },
    /// framed-demo: every message decoded intact, whatever the raw recvs did.
    FramesIntact {
        messages: usize,
        recvs: usize,
        rule: BoundaryRule,
        merged_recvs: usize,
        split_messages: usize,
    },
}

impl Verdict {
    /// The stable name of the verdict (the JSON's `verdict_code`).
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Failed { .. } => "failed",
            Verdict::Unread { .. } => "unread",
            Verdict::OneMessageSplit { .. } => "one_message_split",
            Verdict::OneMessage { .. } => "one_message",
            Verdict::IntactBySize { .. } => "intact_by_size",
            Verdict::IntactByTiming { .. } => "intact_by_timing",
            Verdict::FramedByReader { .. } => "framed_by_reader",
            Verdict::NothingSent => "nothing_sent",
            Verdict::SendsUnseen { .. } => "sends_unseen",
            Verdict::BoundariesLost {
                merged_recvs,
                split_messages,
                ..
            } => match (*merged_recvs > 0, *split_messages > 0) {
                (true, true) => "merged_and_split",
                (false, true) => "split",
                _ => "merged",
            },
            Verdict::Datagrams {
                sent,
                received,
                truncated,
                ..
            } => match (*truncated > 0, received.cmp(sent)) {
                (true, _) => "datagrams_truncated",
                (false, std::cmp::Ordering::Less) => "datagrams_lost",
                (false, std::cmp::Ordering::Equal) => "datagrams_intact",
                (false, std::cmp::Ordering::Greater) => "datagrams_duplicated",
            },
            Verdict::DatagramsFailed { .. } => "datagrams_failed",
            Verdict::DecodingStopped { .. } => "decoding_stopped",
            Verdict::FramesDiffer { .. } => "frames_differ",
            Verdict::FramesIntact { .. } => "frames_intact",
        }
    }
}

/// What to try next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// UDP keeps boundaries but loses data; compare TCP with the same knobs.
    CompareWithTcp,
    /// framed-demo refused a frame the sender broke on purpose (or one over the limit).
    Refused {
        corrupt: Option<Corruption>,
        framing: FramingKind,
    },
    /// framed-demo: change how the bytes arrive; the decoded messages stay the same.
    ChangeTheArrival { recv_size_is_one: bool },
    /// A single message: send several to see them merge.
    SendSeveral,
    /// The messages arrived whole with a prompt reader: make it late.
    MakeTheReaderLate,
    /// The messages arrived whole with a late reader: try a small recv size.
    TryASmallRecvSize,
    /// The boundaries were lost: the fix is framing.
    SeeTheFix,
}

impl Hint {
    /// The stable name of the hint (the JSON's `hint_code`).
    pub fn code(&self) -> &'static str {
        match self {
            Hint::CompareWithTcp => "compare_with_tcp",
            Hint::Refused {
                corrupt: Some(Corruption::Oversize),
                framing: FramingKind::Delimiter,
            } => "no_delimiter_sent",
            Hint::Refused {
                corrupt: Some(Corruption::Oversize),
                ..
            } => "claimed_length_refused",
            Hint::Refused {
                corrupt: Some(Corruption::Truncate),
                ..
            } => "truncated_frame_refused",
            Hint::Refused {
                corrupt: Some(Corruption::Negative),
                ..
            } => "negative_length_refused",
            Hint::Refused { corrupt: None, .. } => "raise_max_frame",
            Hint::ChangeTheArrival { .. } => "change_the_arrival",
            Hint::SendSeveral => "send_several",
            Hint::MakeTheReaderLate => "make_the_reader_late",
            Hint::TryASmallRecvSize => "try_a_small_recv_size",
            Hint::SeeTheFix => "see_the_fix",
        }
    }
}

/// One of each reading, for tests that must cover every kind.
#[cfg(test)]
pub(crate) mod samples {
    use super::*;
    use crate::framing::{FrameError, FrameErrorKind};

    pub fn arrival() -> Arrival {
        Arrival {
            messages: 3,
            sends: 3,
            recvs: 1,
        }
    }

    pub fn error() -> EventNote {
        EventNote::FrameRefused(FrameError {
            frame: 3,
            offset: 19,
            kind: FrameErrorKind::NegativeLength { claimed: -9 },
        })
    }

    pub fn wire_readings() -> Vec<WireReading> {
        let (sends, segments, source) = (3, 3, SegmentSource::TcpInfo);
        vec![
            WireReading::Datagrams,
            WireReading::NotCounted,
            WireReading::MergedInReceiver {
                sends,
                segments,
                source,
                recvs: 1,
            },
            WireReading::Autocorked {
                sends,
                segments: 2,
                source,
            },
            WireReading::MergedBySender {
                sends,
                segments: 2,
                source: SegmentSource::Captured,
            },
            WireReading::Segments {
                sends,
                segments,
                source,
            },
        ]
    }

    pub fn verdicts() -> Vec<Verdict> {
        let arrival = arrival();
        let lost = |merged_recvs, split_messages| Verdict::BoundariesLost {
            arrival,
            merged_recvs,
            split_messages,
        };
        let datagrams = |received, truncated| Verdict::Datagrams {
            sent: 3,
            received,
            truncated,
            recv_size: 4,
        };
        vec![
            Verdict::Failed {
                arrival,
                error: error(),
            },
            Verdict::Unread {
                arrival,
                received: 12,
                sent: 20,
            },
            Verdict::OneMessageSplit {
                arrival,
                cut_by: None,
                len: 20,
            },
            Verdict::OneMessage {
                arrival,
                suggest_more: true,
            },
            Verdict::IntactBySize {
                arrival,
                recv_size: 5,
            },
            Verdict::IntactByTiming { arrival },
            lost(1, 0),
            lost(0, 2),
            lost(1, 2),
            datagrams(3, 0),
            datagrams(2, 0),
            datagrams(3, 3),
            datagrams(4, 0),
            Verdict::DatagramsFailed {
                messages: 2,
                sent: 1,
                received: 1,
                error: EventNote::DatagramTooLarge {
                    len: 65508,
                    max: 65507,
                },
            },
            Verdict::DecodingStopped {
                decoded: 2,
                sent: 3,
                error: error(),
            },
            Verdict::FramesDiffer {
                decoded: 3,
                intact: 2,
                sent: 3,
            },
            Verdict::FramesIntact {
                messages: 3,
                recvs: 1,
                rule: BoundaryRule::Fixed { size: 16 },
                merged_recvs: 1,
                split_messages: 0,
            },
            Verdict::FramedByReader {
                arrival,
                recv_size: None,
            },
            Verdict::NothingSent,
            Verdict::SendsUnseen {
                arrival,
                received: 11,
                sent: 0,
            },
        ]
    }

    pub fn hints() -> Vec<Hint> {
        let refused = |corrupt, framing| Hint::Refused { corrupt, framing };
        vec![
            Hint::CompareWithTcp,
            refused(Some(Corruption::Oversize), FramingKind::Delimiter),
            refused(Some(Corruption::Oversize), FramingKind::Length),
            refused(Some(Corruption::Truncate), FramingKind::Length),
            refused(Some(Corruption::Negative), FramingKind::Length),
            refused(None, FramingKind::Length),
            Hint::ChangeTheArrival {
                recv_size_is_one: false,
            },
            Hint::SendSeveral,
            Hint::MakeTheReaderLate,
            Hint::TryASmallRecvSize,
            Hint::SeeTheFix,
        ]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::samples;

    const README: &str = include_str!("../../README.md");

    #[test]
    fn every_code_is_distinct_and_documented_in_the_readme() {
        let codes = [
            samples::wire_readings().iter().map(|r| r.code()).collect(),
            samples::verdicts().iter().map(|v| v.code()).collect(),
            samples::hints()
                .iter()
                .map(|h| h.code())
                .collect::<Vec<_>>(),
        ];
        for kind in codes {
            assert_eq!(
                kind.iter().collect::<HashSet<_>>().len(),
                kind.len(),
                "{kind:?}"
            );
            for code in kind {
                assert!(
                    README.contains(&format!("`{code}`")),
                    "{code} is not in README"
                );
            }
        }
    }
}
