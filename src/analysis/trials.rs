//! `--trials`: what many runs of one lesson came to, counted from their summaries — how many
//! merged, split or came out whole, and whether the runs differed at all.

use std::collections::BTreeSet;

use super::Summary;

/// The runs, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialsFacts {
    pub runs: usize,
    /// Runs with a recv() that held several messages.
    pub merged: usize,
    /// Runs with a message split across recv() calls.
    pub split: usize,
    /// Runs whose messages came out intact.
    pub intact: usize,
    /// Different recv() counts seen: more than one means timing decided.
    pub shapes: usize,
    /// The reader was made late (`--reader-delay` above 0).
    pub late_reader: bool,
    /// framed-demo.
    pub framed: bool,
    /// udp-demo.
    pub udp: bool,
    /// Runs in which a datagram never arrived.
    pub lost: usize,
    /// Runs in which a datagram was cut short.
    pub truncated: usize,
    /// Runs in which a send() failed (a datagram too large to send).
    pub failed: usize,
    /// Runs in which a datagram arrived at all.
    pub received: usize,
}

/// Count what the runs came to.
pub fn trials_facts(runs: &[Summary]) -> TrialsFacts {
    let count = |f: fn(&Summary) -> bool| runs.iter().filter(|s| f(s)).count();
    let first = runs.first();
    TrialsFacts {
        runs: runs.len(),
        merged: count(|s| s.merged_recvs > 0),
        split: count(|s| s.split_messages > 0),
        intact: count(|s| s.intact),
        shapes: runs.iter().map(|s| s.recvs).collect::<BTreeSet<_>>().len(),
        late_reader: first.is_some_and(|s| s.reader_delay_ms > 0),
        framed: first.is_some_and(|s| s.framing.is_some()),
        udp: first.is_some_and(|s| s.truncated.is_some()),
        lost: count(|s| s.recvs < s.sends),
        truncated: count(|s| s.truncated.unwrap_or(0) > 0),
        failed: count(|s| s.error.is_some()),
        received: count(|s| s.recvs > 0),
    }
}
