//! Counting merges and splits as the calls happen, for streams too long to keep (`lab trace`
//! of a 1 GiB upload makes a million recv() calls): only the messages still in flight are
//! held, and each recv() is counted the moment it returns — the same counts
//! [`summarize`](super::summarize) makes from a whole transcript.

use std::collections::VecDeque;
use std::ops::Range;

use crate::transcript::{Part, Piece, Span, pieces_in};

/// One direction of one connection: its messages in flight, and the counts so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamCounter {
    /// Messages not yet wholly received, in stream order, with how many recvs touched each.
    in_flight: VecDeque<(Span, u32)>,
    /// Where the next send's bytes start (sends whose length is not known yet included).
    sent: u64,
    /// Where the next recv's bytes start.
    received: u64,
    counts: StreamCounts,
    /// Every recv so far held exactly one whole message.
    whole_each: bool,
    /// The sizes the recvs asked for: the first, and whether any other differed.
    first_ask: Option<u64>,
    asks_differ: bool,
}

/// What a stream's send() and recv() calls came to: the fields sticky-demo's summary has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamCounts {
    pub sends: usize,
    /// recv() calls that returned data.
    pub recvs: usize,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// recv() calls that held bytes of two or more messages (粘包).
    pub merged_recvs: usize,
    /// Messages whose bytes arrived over two or more recv() calls (半包).
    pub split_messages: usize,
    pub most_messages_in_one_recv: usize,
    /// Every recv held exactly one whole message, and there was one recv per message.
    pub one_whole_message_each: bool,
    /// recv() calls that returned every byte they asked for: the size the reader asked for
    /// ended them, not what had arrived.
    pub filled_recvs: usize,
    /// The size every recv() asked for, when they all asked for the same.
    pub one_recv_size: Option<u64>,
}

/// What one recv() held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecvPieces {
    /// Where its bytes start in the stream.
    pub offset: u64,
    /// The pieces (at most as many as asked for), in stream order.
    pub pieces: Vec<Piece>,
    /// How many pieces there were in all.
    pub total: usize,
}

impl StreamCounter {
    pub fn new() -> StreamCounter {
        StreamCounter {
            whole_each: true,
            ..StreamCounter::default()
        }
    }

    /// A send() of up to `len` bytes began as message `message`: its bytes take the next
    /// stream offsets. Returns where they start.
    pub fn send(&mut self, message: usize, len: u64) -> u64 {
        let start = self.sent;
        self.sent += len;
        self.in_flight.push_back((
            Span {
                message,
                part: Part::Payload,
                range: start..start + len,
            },
            0,
        ));
        start
    }

    /// The send() of `message` returned: it moved `moved` bytes (a short send moves fewer
    /// than it asked; a failed one none). Later sends move back accordingly.
    pub fn sent(&mut self, message: usize, moved: u64) {
        if moved > 0 {
            self.counts.sends += 1;
            self.counts.bytes_sent += moved;
        }
        // The receiver may have taken the whole message already (its recv returned before
        // the send did): then there is nothing left to adjust.
        let Some(at) = self
            .in_flight
            .iter()
            .position(|(s, _)| s.message == message)
        else {
            return;
        };
        let range = self.in_flight[at].0.range.clone();
        let shrink = (range.end - range.start).saturating_sub(moved);
        self.in_flight[at].0.range.end -= shrink;
        for (later, _) in self.in_flight.iter_mut().skip(at + 1) {
            later.range.start -= shrink;
            later.range.end -= shrink;
        }
        self.sent -= shrink;
        if moved == 0 {
            self.in_flight.remove(at);
        }
    }

    /// Bytes sent (by calls that have returned) and not yet received: what a recv() called
    /// now finds waiting.
    pub fn waiting(&self) -> u64 {
        self.counts
            .bytes_sent
            .saturating_sub(self.counts.bytes_received)
    }

    /// A recv() that asked for `asked` bytes (when known) returned `len`: count it, and hand
    /// back the first `keep` of its pieces.
    pub fn recv(&mut self, len: u64, asked: Option<u64>, keep: usize) -> RecvPieces {
        self.count_ask(len, asked);
        let offset = self.received;
        let end = offset + len;
        let pieces = pieces_in(self.in_flight.iter().map(|(s, _)| s), offset, len);
        for (span, recvs) in self.in_flight.iter_mut() {
            if span.range.start >= end {
                break;
            }
            if span.range.end > offset && !span.range.is_empty() {
                *recvs += 1;
            }
        }
        self.received = end;
        // Messages now wholly received are done: a split is final once counted.
        while let Some((span, recvs)) = self.in_flight.front() {
            if span.range.end > self.received {
                break;
            }
            if *recvs > 1 {
                self.counts.split_messages += 1;
            }
            self.in_flight.pop_front();
        }
        let c = &mut self.counts;
        c.recvs += 1;
        c.bytes_received += len;
        if pieces.len() > 1 {
            c.merged_recvs += 1;
        }
        c.most_messages_in_one_recv = c.most_messages_in_one_recv.max(pieces.len());
        self.whole_each &= pieces.len() == 1 && pieces[0].whole;
        let total = pieces.len();
        RecvPieces {
            offset,
            pieces: pieces.into_iter().take(keep).collect(),
            total,
        }
    }

    /// Whether a recv returned all it asked for, and whether the asks all had one size.
    fn count_ask(&mut self, len: u64, asked: Option<u64>) {
        if asked == Some(len) {
            self.counts.filled_recvs += 1;
        }
        match (self.first_ask, asked) {
            (None, Some(n)) if self.counts.recvs == 0 => self.first_ask = Some(n),
            (first, asked) if first != asked => self.asks_differ = true,
            _ => {}
        }
    }

    /// The stream range the next recv would start at, and where sending has got to.
    pub fn position(&self) -> Range<u64> {
        self.received..self.sent
    }

    /// The counts so far (messages still in flight count as split if two recvs touched them).
    pub fn counts(&self, messages: usize) -> StreamCounts {
        let mut counts = self.counts;
        counts.split_messages += self.in_flight.iter().filter(|(_, r)| *r > 1).count();
        counts.one_whole_message_each = self.whole_each && counts.recvs == messages;
        counts.one_recv_size = self.first_ask.filter(|_| !self.asks_differ);
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notes_sends(counter: &mut StreamCounter) {
        for (n, len) in [(1, 5), (2, 6), (3, 9)] {
            counter.send(n, len);
            counter.sent(n, len);
        }
    }

    #[test]
    fn one_recv_of_the_three_notes_messages_is_one_merge() {
        let mut counter = StreamCounter::new();
        notes_sends(&mut counter);
        assert_eq!(counter.waiting(), 20);
        let got = counter.recv(20, Some(1024), 10);
        assert_eq!(got.total, 3);
        let c = counter.counts(3);
        assert_eq!(
            (c.sends, c.recvs, c.merged_recvs, c.split_messages),
            (3, 1, 1, 0)
        );
        assert_eq!(c.most_messages_in_one_recv, 3);
        assert!(!c.one_whole_message_each);
    }

    #[test]
    fn small_recvs_split_every_message_as_summarize_counts_them() {
        let mut counter = StreamCounter::new();
        notes_sends(&mut counter);
        for _ in 0..5 {
            counter.recv(4, Some(4), 10);
        }
        let c = counter.counts(3);
        assert_eq!((c.recvs, c.split_messages, c.merged_recvs), (5, 3, 2));
    }

    #[test]
    fn recvs_on_the_boundaries_are_one_whole_message_each() {
        let mut counter = StreamCounter::new();
        notes_sends(&mut counter);
        for len in [5, 6, 9] {
            counter.recv(len, Some(len), 10);
        }
        let c = counter.counts(3);
        assert!(c.one_whole_message_each);
        // Each recv asked for exactly its message: the reader's sizes ended them.
        assert_eq!((c.filled_recvs, c.one_recv_size), (3, None));
    }

    #[test]
    fn recvs_of_one_size_that_each_got_it_all_are_counted_as_filled() {
        let mut counter = StreamCounter::new();
        for n in 1..=3 {
            counter.send(n, 8);
            counter.sent(n, 8);
        }
        counter.recv(8, Some(8), 10);
        counter.recv(8, Some(1024), 10);
        counter.recv(8, Some(8), 10);
        let c = counter.counts(3);
        assert_eq!((c.filled_recvs, c.one_recv_size), (2, None));
        let mut same = StreamCounter::new();
        same.send(1, 16);
        same.sent(1, 16);
        same.recv(8, Some(8), 10);
        same.recv(8, Some(8), 10);
        assert_eq!(same.counts(1).one_recv_size, Some(8));
    }

    #[test]
    fn a_short_send_moves_the_later_sends_back() {
        let mut counter = StreamCounter::new();
        counter.send(1, 10);
        counter.send(2, 4); // another thread's send began before the first returned
        counter.sent(1, 6);
        counter.sent(2, 4);
        let got = counter.recv(10, Some(10), 10);
        assert_eq!(got.pieces.len(), 2);
        assert!(got.pieces.iter().all(|p| p.whole));
        assert_eq!(counter.counts(2).bytes_sent, 10);
    }

    #[test]
    fn a_send_whose_bytes_were_received_before_it_returned_still_counts() {
        let mut counter = StreamCounter::new();
        counter.send(1, 3);
        counter.recv(3, None, 10);
        counter.sent(1, 3);
        let c = counter.counts(1);
        assert_eq!((c.sends, c.bytes_sent, c.recvs), (1, 3, 1));
        assert!(c.one_whole_message_each);
    }

    #[test]
    fn a_failed_send_leaves_no_message_behind() {
        let mut counter = StreamCounter::new();
        counter.send(1, 5);
        counter.sent(1, 0);
        assert_eq!(counter.position(), 0..0);
        assert_eq!(counter.counts(0).sends, 0);
    }
}
