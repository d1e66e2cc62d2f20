//! Events whose detail is a typed fact rather than text, for the demos whose every word is
//! made in `render/` (backlog-demo, reuseaddr-demo): the event goes into the transcript with
//! no detail, and the fact is kept beside it by the event's `seq`, for a view to put into
//! words in the chosen language (the JSON's `detail` too).

use std::sync::{Mutex, PoisonError};

use crate::transcript::{Op, Recorder, Side, Transcript};

/// A recorder whose events carry typed facts `T`.
#[derive(Debug)]
pub struct FactRecorder<T> {
    rec: Recorder,
    facts: Mutex<Vec<(usize, T)>>,
}

/// The facts of a finished run, by event.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts<T>(Vec<(usize, T)>);

impl<T> FactRecorder<T> {
    pub fn new() -> Self {
        FactRecorder {
            rec: Recorder::new(),
            facts: Mutex::new(Vec::new()),
        }
    }

    /// The plain recorder, for calls that record their own (technical) details.
    pub fn recorder(&self) -> &Recorder {
        &self.rec
    }

    /// Record an event whose detail is `fact`.
    pub fn record(&self, side: Side, op: Op, fact: T) {
        let mut facts = self.facts.lock().unwrap_or_else(PoisonError::into_inner);
        // Under the facts' lock, so the facts stay in the order of their events.
        let seq = self.rec.record_now(side, op).seq();
        facts.push((seq, fact));
    }

    /// The transcript, and the facts beside its events.
    pub fn finish(self) -> (Transcript, Facts<T>) {
        let transcript = Transcript {
            events: self.rec.events(),
            ..Transcript::default()
        };
        let facts = self
            .facts
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        (transcript, Facts(facts))
    }
}

impl<T> Default for FactRecorder<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Facts<T> {
    /// The fact of event `seq`, if it has one.
    pub fn of(&self, seq: usize) -> Option<&T> {
        self.0
            .binary_search_by_key(&seq, |(s, _)| *s)
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// Every fact, in the order of its event.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.iter().map(|(_, fact)| fact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fact_is_found_by_its_event_and_the_event_has_no_text() {
        let rec = FactRecorder::new();
        rec.recorder()
            .record(Side::Server, Op::Bind, "127.0.0.1:1".to_string());
        rec.record(Side::Client, Op::Note, 7u8);
        let (transcript, facts) = rec.finish();
        assert_eq!(transcript.events[1].detail, None);
        assert_eq!(facts.of(2), Some(&7));
        assert_eq!(facts.of(1), None);
    }
}
