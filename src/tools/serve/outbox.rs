//! Reply bytes on their way out of a non-blocking socket: sent straight away when the kernel
//! takes them, kept in order when it does not, and timed, so a client that never reads can
//! be told apart from one that reads slowly.

use std::io::{self, Write};
use std::net::TcpStream;
use std::time::Instant;

use super::Totals;
use crate::tools::reasons::Departure;

/// Why a connection must end: the reason of its `left` event.
pub(super) type Verdict = Result<(), Departure>;

/// Reply bytes the kernel has not taken yet, in order.
#[derive(Debug)]
pub(super) struct Outbox {
    bytes: Vec<u8>,
    /// Where the unsent bytes start: those before it are sent.
    start: usize,
    /// When a byte last went out, or the first waiting byte began to wait: the clock for a
    /// client that does not read.
    pub(super) stalled_since: Instant,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox {
            bytes: Vec::new(),
            start: 0,
            stalled_since: Instant::now(),
        }
    }
}

impl Outbox {
    pub(super) fn len(&self) -> usize {
        self.bytes.len() - self.start
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Send replies: straight to the kernel when nothing waits before them, else queued
    /// behind what does, so replies keep their order. Returns the bytes the kernel took.
    pub(super) fn send(
        &mut self,
        stream: &TcpStream,
        replies: &[u8],
        totals: &mut Totals,
    ) -> Result<usize, Departure> {
        let taken = if self.is_empty() {
            write_some(stream, replies)?
        } else {
            0
        };
        totals.bytes_out += taken as u64;
        if taken < replies.len() {
            if self.is_empty() {
                self.bytes.clear();
                self.start = 0;
                self.stalled_since = Instant::now();
            }
            self.bytes.extend_from_slice(&replies[taken..]);
        }
        Ok(taken)
    }

    /// Send as much of what waits as the kernel takes now.
    pub(super) fn flush(&mut self, stream: &TcpStream, totals: &mut Totals) -> Verdict {
        let taken = write_some(stream, &self.bytes[self.start..])?;
        if taken > 0 {
            totals.bytes_out += taken as u64;
            self.start += taken;
            self.stalled_since = Instant::now();
        }
        if self.is_empty() {
            self.bytes.clear();
            self.start = 0;
            // A burst should not pin its peak memory to the client for good.
            self.bytes.shrink_to(64 * 1024);
        } else if self.start >= self.bytes.len() / 2 {
            self.bytes.drain(..self.start);
            self.start = 0;
        }
        Ok(())
    }
}

/// One send(): how many bytes the kernel took (0 when its buffer is full).
fn write_some(mut stream: &TcpStream, bytes: &[u8]) -> Result<usize, Departure> {
    match stream.write(bytes) {
        Ok(n) => Ok(n),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            ) =>
        {
            Ok(0)
        }
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            ) =>
        {
            Err(Departure::ResetDuringReply(e.to_string()))
        }
        Err(e) => Err(Departure::SendFailed(e.to_string())),
    }
}
