//! Counting what a lesson's transcript shows: how many sends, how many recvs, which recvs
//! merged messages, which messages were split — and what that comes to, as typed facts
//! ([`reading`]: the wire, the verdict, the hint), which the views put into words.
//!
//! Every figure here is counted from recorded events; the lesson's prediction is kept apart
//! and compared with them, never used in their place.

pub mod link;
pub mod reading;
pub mod segments;
pub mod stall;
pub mod stream;
pub mod trials;

use std::time::Duration;

pub use reading::{Arrival, BoundaryRule, Hint, SegmentSource, Verdict, WireReading};

use crate::framing::{Framing, FramingKind};
use crate::lesson::framed_demo::Corruption;
use crate::lesson::{ExchangeRun, Transport};
use crate::structfmt::bytes_repr;
use crate::transcript::{EventNote, Op, Side, Transcript, WireSource};

/// Above this many stream bytes the kernel's buffers, not the knobs, decide how recvs fall,
/// so the lesson makes no prediction.
const PREDICTABLE_BYTES: u64 = 32 * 1024;
/// How much earlier than the reader the sender must finish for the prediction to be safe.
const PREDICTION_MARGIN: Duration = Duration::from_millis(20);

/// The summary of one run: the figures under the view and in the JSON's last line, and what
/// they come to.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub lesson: &'static str,
    /// send() calls the client made.
    pub sends: usize,
    /// recv() calls that returned data (end of stream is not counted).
    pub recvs: usize,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub messages_sent: usize,
    /// sticky-demo: recvs the naive server took as messages; framed-demo: frames decoded.
    pub messages_received: usize,
    /// recv() calls that held bytes of two or more messages (粘包).
    pub merged_recvs: usize,
    /// Messages whose bytes arrived over two or more recv() calls (半包).
    pub split_messages: usize,
    /// framed-demo: decoded frames equal to the message sent in their place.
    pub intact_frames: usize,
    /// The most messages one recv() held bytes of.
    pub most_messages_in_one_recv: usize,
    /// sticky-demo: every recv held exactly one whole message; framed-demo: every decoded
    /// message equals the one sent, none missing.
    pub intact: bool,
    /// Data segments the sender emitted in all (TCP_INFO `tcpi_data_segs_out`), where the
    /// kernel counts them.
    pub data_segments_out: Option<u32>,
    /// `--wire`: data segments captured on the loopback interface.
    pub segments_captured: Option<usize>,
    /// What the segment count says about where merging happened; `None`: nothing to say (a
    /// traced stream whose sender's count is unknown).
    pub wire: Option<WireReading>,
    /// recv() calls the lesson expected, when its knobs make that predictable.
    pub predicted_recvs: Option<usize>,
    pub verdict: Verdict,
    /// What to try next; `None` where the view chooses (a traced stream).
    pub hint: Option<Hint>,
    /// The first error either side recorded.
    pub error: Option<EventNote>,
    pub recv_size: usize,
    pub reader_delay_ms: u64,
    pub send_gap_ms: u64,
    pub nodelay: bool,
    /// framed-demo: which framing.
    pub framing: Option<FramingKind>,
    /// framed-demo with a length header: its struct format, e.g. `!I`.
    pub header: Option<String>,
    /// framed-demo with a delimiter: the delimiter as a Python bytes literal.
    pub delimiter: Option<String>,
    /// framed-demo with fixed records: the record size.
    pub record_size: Option<usize>,
    pub max_frame: Option<usize>,
    /// udp-demo: datagrams cut short by the receive buffer.
    pub truncated: Option<usize>,
    /// framed-demo: how the sender broke its last frame on purpose (`--corrupt`).
    pub corrupt: Option<Corruption>,
    /// `--net`: what the link carried and did to it (packets, losses, the round trip, the
    /// segments held back for an ACK).
    pub link: Option<link::LinkFacts>,
}

/// What the recvs (and, framed, the frames) came to.
struct Received {
    recvs: usize,
    bytes: u64,
    merged_recvs: usize,
    split_messages: usize,
    most_messages_in_one_recv: usize,
    messages_received: usize,
    intact_frames: usize,
    intact: bool,
}

/// Count everything the summary holds from the run's transcript.
pub fn summarize(run: &ExchangeRun) -> Summary {
    let t = &run.transcript;
    let o = &run.options;
    let sends: Vec<_> = t.events_of(Side::Client, Op::Send).collect();
    let bytes_sent = sends.iter().map(|e| e.bytes.len() as u64).sum();
    let error = first_error(t);
    let received = count_received(run, error.is_some());
    // The sender's last TCP_INFO reading counts every data segment it sent.
    let mut client_events = t.events.iter().rev().filter(|e| e.side == Side::Client);
    let data_segments_out = client_events.find_map(|e| e.data_segs_out);
    let segments_captured = o.wire.then(|| captured_segments(t)).filter(|&n| n > 0);
    let wire = match run.transport {
        Transport::Udp => WireReading::Datagrams,
        Transport::Tcp => WireReading::of(
            sends.len(),
            received.recvs,
            data_segments_out,
            segments_captured,
            o.nodelay,
        ),
    };
    let truncated = (run.transport == Transport::Udp)
        .then(|| t.events.iter().filter(|e| e.op == Op::Truncated).count());
    let judged = Judged {
        arrival: Arrival {
            messages: t.messages.len(),
            sends: sends.len(),
            recvs: received.recvs,
        },
        bytes_sent,
        received: &received,
        error: error.clone(),
        // A receiver that stopped at an error read less than the knobs predict: no prediction.
        predicted_recvs: predict_recvs(run, bytes_sent).filter(|_| error.is_none()),
        recv_size: o.recv_size,
    };
    let (verdict, hint) = judge(run, &judged, truncated);
    let framing = framing_fields(run.framing.as_ref());
    Summary {
        lesson: run.lesson,
        sends: sends.len(),
        recvs: received.recvs,
        bytes_sent,
        bytes_received: received.bytes,
        messages_sent: t.messages.len(),
        messages_received: received.messages_received,
        merged_recvs: received.merged_recvs,
        split_messages: received.split_messages,
        intact_frames: received.intact_frames,
        most_messages_in_one_recv: received.most_messages_in_one_recv,
        intact: received.intact,
        data_segments_out,
        segments_captured,
        wire: Some(wire),
        predicted_recvs: judged.predicted_recvs,
        verdict,
        hint: Some(hint),
        error,
        recv_size: o.recv_size,
        reader_delay_ms: o.reader_delay.as_millis() as u64,
        send_gap_ms: o.send_gap.as_millis() as u64,
        nodelay: o.nodelay,
        framing: run.framing.as_ref().map(Framing::kind),
        header: framing.header,
        delimiter: framing.delimiter,
        record_size: framing.record_size,
        max_frame: framing.max_frame,
        truncated,
        corrupt: run.corrupt,
        link: o
            .net
            .as_ref()
            .filter(|_| t.wire.source == Some(WireSource::Link))
            .map(|spec| link::link_facts(t, spec)),
    }
}

/// The run's verdict, by kind of lesson, and what to try next.
fn judge(run: &ExchangeRun, judged: &Judged<'_>, truncated: Option<usize>) -> (Verdict, Hint) {
    let verdict = match (&run.framing, truncated) {
        (Some(framing), _) => framed_verdict(judged, framing),
        (None, Some(truncated)) => udp_verdict(judged, truncated),
        (None, None) => stream_verdict(judged, true),
    };
    (verdict, exchange_hint(run, judged, truncated.is_some()))
}

/// What the summary says of a framing, by kind.
#[derive(Default)]
struct FramingFields {
    header: Option<String>,
    delimiter: Option<String>,
    record_size: Option<usize>,
    max_frame: Option<usize>,
}

fn framing_fields(framing: Option<&Framing>) -> FramingFields {
    match framing {
        Some(Framing::Length { codec, format }) => FramingFields {
            header: Some(format.clone()),
            max_frame: Some(codec.max_frame),
            ..FramingFields::default()
        },
        Some(Framing::Delimiter(codec)) => FramingFields {
            delimiter: Some(bytes_repr(codec.delimiter())),
            max_frame: Some(codec.max_frame),
            ..FramingFields::default()
        },
        // A fixed record is its own limit; --max-frame plays no part there.
        Some(Framing::Fixed(codec)) => FramingFields {
            record_size: Some(codec.record_size()),
            ..FramingFields::default()
        },
        None => FramingFields::default(),
    }
}

/// The first error either side recorded, as its note (or a bare detail, as a failed call).
pub fn first_error(t: &Transcript) -> Option<EventNote> {
    let e = t.events.iter().find(|e| e.op == Op::Error)?;
    Some(e.note.clone().unwrap_or_else(|| EventNote::CallFailed {
        call: "?",
        error: e.detail.clone().unwrap_or_default(),
    }))
}

/// Data segments captured on the wire, retransmissions left out.
fn captured_segments(t: &Transcript) -> usize {
    t.events
        .iter()
        .filter(|e| e.op == Op::Segment && e.note != Some(EventNote::Retransmission))
        .count()
}

/// How the server's recvs fell across the messages, and (framed) what the decoder made of
/// them; `failed`: an error stopped the exchange.
fn count_received(run: &ExchangeRun, failed: bool) -> Received {
    let t = &run.transcript;
    let recvs: Vec<_> = t.events_of(Side::Server, Op::Recv).collect();
    let frames: Vec<_> = t.events_of(Side::Server, Op::Frame).collect();
    // A message's header counts as the message's bytes, here as in the JSON `messages`.
    let per_recv: Vec<Vec<usize>> = recvs
        .iter()
        .map(|e| t.messages_in(e.offset.unwrap_or(0), e.bytes.len()))
        .collect();
    let messages_sent = t.messages.len();
    let intact_frames = frames
        .iter()
        .filter(|f| f.message.and_then(|n| t.messages.get(n - 1)) == Some(&f.bytes))
        .count();
    let (messages_received, intact) = if run.framing.is_some() {
        let all_equal = frames.len() == messages_sent && intact_frames == messages_sent;
        (frames.len(), all_equal && !failed)
    } else {
        let one_whole_each = recvs.len() == messages_sent
            && recvs.iter().all(|e| {
                let pieces = t.pieces(e.offset.unwrap_or(0), e.bytes.len());
                pieces.len() == 1 && pieces[0].whole
            });
        (recvs.len(), one_whole_each && !failed)
    };
    Received {
        recvs: recvs.len(),
        bytes: recvs.iter().map(|e| e.bytes.len() as u64).sum(),
        merged_recvs: per_recv.iter().filter(|m| m.len() > 1).count(),
        split_messages: count_split_messages(messages_sent, &per_recv),
        most_messages_in_one_recv: per_recv.iter().map(Vec::len).max().unwrap_or(0),
        messages_received,
        intact_frames,
        intact,
    }
}

/// What a traced stream (one direction of one connection, `lab trace`) came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamFacts {
    pub counts: stream::StreamCounts,
    /// send() calls that moved bytes: each one a message.
    pub messages: usize,
    /// The sender's TCP_INFO count, read as it closed.
    pub data_segments_out: Option<u32>,
    /// The sender turned Nagle off.
    pub nodelay: bool,
    /// The first failed call.
    pub error: Option<EventNote>,
    /// The largest buffer a recv() asked for.
    pub largest_recv: usize,
}

/// The summary of a traced stream, judged exactly as sticky-demo judges its run: a traced
/// program's send() calls are its messages.
pub fn stream_summary(facts: &StreamFacts) -> Summary {
    let c = &facts.counts;
    let unread = c.bytes_received < c.bytes_sent;
    let arrival = Arrival {
        messages: facts.messages,
        sends: c.sends,
        recvs: c.recvs,
    };
    let received = Received {
        recvs: c.recvs,
        bytes: c.bytes_received,
        merged_recvs: c.merged_recvs,
        split_messages: c.split_messages,
        most_messages_in_one_recv: c.most_messages_in_one_recv,
        messages_received: c.recvs,
        intact_frames: 0,
        intact: c.one_whole_message_each && facts.error.is_none(),
    };
    let judged = Judged {
        arrival,
        bytes_sent: c.bytes_sent,
        received: &received,
        error: facts.error.clone(),
        predicted_recvs: None,
        recv_size: facts.largest_recv,
    };
    let verdict = traced_verdict(facts, &judged);
    Summary {
        lesson: "trace",
        sends: c.sends,
        recvs: c.recvs,
        bytes_sent: c.bytes_sent,
        bytes_received: c.bytes_received,
        messages_sent: facts.messages,
        messages_received: c.recvs,
        merged_recvs: c.merged_recvs,
        split_messages: c.split_messages,
        intact_frames: 0,
        most_messages_in_one_recv: c.most_messages_in_one_recv,
        intact: received.intact,
        data_segments_out: facts.data_segments_out,
        segments_captured: None,
        // Without the sender's own count there is nothing to say about the wire; when the
        // receiver stopped early, nothing about where the merge happened either.
        wire: facts.data_segments_out.filter(|_| c.sends > 0).map(|n| {
            let recvs = if unread { c.sends } else { c.recvs };
            WireReading::of(c.sends, recvs, Some(n), None, facts.nodelay)
        }),
        predicted_recvs: None,
        verdict,
        hint: None,
        error: facts.error.clone(),
        recv_size: facts.largest_recv,
        reader_delay_ms: 0,
        send_gap_ms: 0,
        nodelay: facts.nodelay,
        framing: None,
        header: None,
        delimiter: None,
        record_size: None,
        max_frame: None,
        truncated: None,
        corrupt: None,
        link: None,
    }
}

/// A traced stream's verdict: sticky-demo's, unless the receiver stopped early, or its own
/// sizes kept the messages apart.
fn traced_verdict(facts: &StreamFacts, judged: &Judged<'_>) -> Verdict {
    let (c, arrival) = (&facts.counts, judged.arrival);
    if c.bytes_received < c.bytes_sent && facts.error.is_none() {
        return Verdict::Unread {
            arrival,
            received: c.bytes_received,
            sent: c.bytes_sent,
        };
    }
    // Each recv() got all it asked for and held one whole message: the reader's own sizes
    // (a header's, then the length it gave) kept the messages apart, whatever the timing.
    if judged.received.intact && facts.messages > 1 && c.filled_recvs == c.recvs {
        return Verdict::FramedByReader {
            arrival,
            recv_size: c.one_recv_size,
        };
    }
    stream_verdict(judged, false)
}

/// Messages whose bytes (header or payload) arrived in more than one recv().
fn count_split_messages(messages: usize, per_recv: &[Vec<usize>]) -> usize {
    let mut recvs_per_message = vec![0usize; messages];
    for numbers in per_recv {
        for &n in numbers {
            recvs_per_message[n - 1] += 1;
        }
    }
    recvs_per_message.iter().filter(|&&c| c > 1).count()
}

/// With the reader asleep until every byte is queued, loopback hands each recv() as many
/// bytes as fit: ceil(total / recv size). Otherwise timing decides, and we predict nothing.
fn predict_recvs(run: &ExchangeRun, total: u64) -> Option<usize> {
    // UDP: one recvfrom() per datagram, whatever the timing.
    // Across a link that loses or copies datagrams, chance decides.
    if run.transport == Transport::Udp {
        let chancy = run
            .options
            .net
            .as_ref()
            .is_some_and(|n| !(n.loss.is_zero() && n.duplicate.is_zero() && n.rate.is_none()));
        return (!chancy).then_some(run.transcript.messages.len());
    }
    let o = &run.options;
    let gaps = run.transcript.messages.len().saturating_sub(1) as u32;
    let mut sender_done = o.send_gap * gaps + PREDICTION_MARGIN;
    if let Some(net) = &o.net {
        // Across a link the bytes arrive a few round trips later (Nagle waits for one), and
        // a lossy or slow path makes arrival a matter of chance: predict nothing then.
        if !(net.loss.is_zero() && net.reorder.is_zero() && net.rate.is_none()) {
            return None;
        }
        sender_done += 6 * (net.delay + net.jitter);
    }
    if o.reader_delay < sender_done || total > PREDICTABLE_BYTES || total == 0 {
        return None;
    }
    Some(total.div_ceil(o.recv_size as u64) as usize)
}

/// What a verdict is judged from.
struct Judged<'a> {
    arrival: Arrival,
    /// Bytes the send() calls put in.
    bytes_sent: u64,
    received: &'a Received,
    error: Option<EventNote>,
    predicted_recvs: Option<usize>,
    recv_size: usize,
}

/// How a byte stream's messages fell into recv() calls (sticky-demo, a traced stream);
/// `suggest_more`: a single message is met with how to send several.
fn stream_verdict(j: &Judged<'_>, suggest_more: bool) -> Verdict {
    let (arrival, r) = (j.arrival, j.received);
    if let Some(error) = &j.error {
        return Verdict::Failed {
            arrival,
            error: error.clone(),
        };
    }
    if arrival.sends == 0 && r.recvs == 0 {
        return Verdict::NothingSent;
    }
    // Bytes no send() was seen to write: there is no message to tell merged from split.
    if r.bytes > j.bytes_sent {
        return Verdict::SendsUnseen {
            arrival,
            received: r.bytes,
            sent: j.bytes_sent,
        };
    }
    if arrival.messages == 1 && r.split_messages > 0 {
        // recv(N) returns at most N bytes: when the pieces are no more than that demands, the
        // size cut the message, not its arrival.
        let fewest = r.bytes.div_ceil(j.recv_size.max(1) as u64);
        let cut_by = (r.recvs as u64 == fewest).then_some(j.recv_size);
        return Verdict::OneMessageSplit {
            arrival,
            cut_by,
            len: r.bytes,
        };
    }
    if arrival.messages == 1 {
        return Verdict::OneMessage {
            arrival,
            suggest_more,
        };
    }
    match (r.intact, j.predicted_recvs) {
        (true, Some(_)) => Verdict::IntactBySize {
            arrival,
            recv_size: j.recv_size,
        },
        (true, None) => Verdict::IntactByTiming { arrival },
        (false, _) => Verdict::BoundariesLost {
            arrival,
            merged_recvs: r.merged_recvs,
            split_messages: r.split_messages,
        },
    }
}

fn udp_verdict(j: &Judged<'_>, truncated: usize) -> Verdict {
    if let Some(error) = &j.error {
        return Verdict::DatagramsFailed {
            messages: j.arrival.messages,
            sent: j.arrival.sends,
            received: j.arrival.recvs,
            error: error.clone(),
        };
    }
    Verdict::Datagrams {
        sent: j.arrival.sends,
        received: j.arrival.recvs,
        truncated,
        recv_size: j.recv_size,
    }
}

fn framed_verdict(j: &Judged<'_>, framing: &Framing) -> Verdict {
    let (sent, r) = (j.arrival.messages, j.received);
    if let Some(error) = &j.error {
        return Verdict::DecodingStopped {
            decoded: r.messages_received,
            sent,
            error: error.clone(),
        };
    }
    if !r.intact {
        return Verdict::FramesDiffer {
            decoded: r.messages_received,
            intact: r.intact_frames,
            sent,
        };
    }
    let rule = match framing {
        Framing::Length { format, .. } => BoundaryRule::Length {
            format: format.clone(),
        },
        Framing::Delimiter(codec) => BoundaryRule::Delimiter {
            literal: bytes_repr(codec.delimiter()),
        },
        Framing::Fixed(codec) => BoundaryRule::Fixed {
            size: codec.record_size(),
        },
    };
    Verdict::FramesIntact {
        messages: sent,
        recvs: j.arrival.recvs,
        rule,
        merged_recvs: r.merged_recvs,
        split_messages: r.split_messages,
    }
}

/// What an exchange lesson suggests trying next.
fn exchange_hint(run: &ExchangeRun, j: &Judged<'_>, udp: bool) -> Hint {
    if udp {
        return Hint::CompareWithTcp;
    }
    if let Some(framing) = &run.framing {
        return if j.error.is_some() {
            Hint::Refused {
                corrupt: run.corrupt,
                framing: framing.kind(),
            }
        } else {
            Hint::ChangeTheArrival {
                recv_size_is_one: j.recv_size == 1,
            }
        };
    }
    if j.arrival.messages == 1 {
        return Hint::SendSeveral;
    }
    match (j.received.intact, run.options.reader_delay.is_zero()) {
        (true, true) => Hint::MakeTheReaderLate,
        (true, false) => Hint::TryASmallRecvSize,
        (false, _) => Hint::SeeTheFix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::exchange::ExchangeOptions;
    use crate::transcript::Transcript;

    fn run_with_recvs(cuts: &[usize]) -> ExchangeRun {
        let messages = vec![b"hello".to_vec(), b"byebye".to_vec(), b"again,bye".to_vec()];
        let stream: Vec<u8> = messages.concat();
        let mut t = Transcript::of_messages(messages.clone(), 0);
        let mut at = 0;
        for m in &messages {
            t.push(0, Side::Client, Op::Send).with_bytes(at as u64, m);
            at += m.len();
        }
        let mut at = 0;
        for &n in cuts {
            t.push(0, Side::Server, Op::Recv)
                .with_bytes(at as u64, &stream[at..at + n]);
            at += n;
        }
        ExchangeRun {
            lesson: "sticky-demo",
            transport: Transport::Tcp,
            options: ExchangeOptions::default(),
            framing: None,
            corrupt: None,
            transcript: t,
        }
    }

    #[test]
    fn one_recv_of_everything_is_a_merge_of_three() {
        let s = summarize(&run_with_recvs(&[20]));
        assert_eq!(
            (s.sends, s.recvs, s.merged_recvs, s.split_messages),
            (3, 1, 1, 0)
        );
        assert_eq!(s.most_messages_in_one_recv, 3);
        assert!(!s.intact);
        assert_eq!(s.verdict.code(), "merged");
        assert_eq!(s.predicted_recvs, Some(1));
    }

    #[test]
    fn recvs_on_the_boundaries_are_intact() {
        let s = summarize(&run_with_recvs(&[5, 6, 9]));
        assert!(s.intact);
        assert_eq!((s.merged_recvs, s.split_messages), (0, 0));
        assert_eq!(s.verdict.code(), "intact_by_size");
    }

    fn traced(sends: usize, recvs: usize, sent: u64, received: u64) -> Summary {
        stream_summary(&StreamFacts {
            counts: stream::StreamCounts {
                sends,
                recvs,
                bytes_sent: sent,
                bytes_received: received,
                ..stream::StreamCounts::default()
            },
            messages: sends,
            data_segments_out: Some(1),
            nodelay: false,
            error: None,
            largest_recv: 100,
        })
    }

    #[test]
    fn a_stream_whose_sends_were_not_seen_gets_no_sentence_about_its_messages() {
        // A server that wrote with a call lab did not see: 11 B arrived, no send() seen.
        let unseen = traced(0, 1, 0, 11);
        assert_eq!(
            unseen.verdict,
            Verdict::SendsUnseen {
                arrival: Arrival {
                    messages: 0,
                    sends: 0,
                    recvs: 1
                },
                received: 11,
                sent: 0
            }
        );
        assert_eq!(unseen.wire, None, "no segments to compare with no sends");
        assert_eq!(traced(0, 0, 0, 0).verdict, Verdict::NothingSent);
        assert_eq!(traced(2, 2, 10, 15).verdict.code(), "sends_unseen");
    }

    #[test]
    fn small_recvs_split_messages() {
        let s = summarize(&run_with_recvs(&[4, 4, 4, 4, 4]));
        assert_eq!(s.recvs, 5);
        assert_eq!(s.split_messages, 3);
        assert_eq!(s.verdict.code(), "merged_and_split", "{:?}", s.verdict);
    }
}
