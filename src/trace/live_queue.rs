//! The hand-over from the tracer to the live view. The tracer must never wait on a terminal,
//! and must not wake the view for every call either (a wake-up costs as much as the call):
//! it only appends; the view takes everything waiting a few times a second. A view that falls
//! far behind makes the tracer wait for room, so memory stays bounded.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use super::Live;

/// Items waiting before the tracer waits for the view.
const ROOM: usize = 4096;

/// A bounded queue of live items, taken in batches.
#[derive(Debug, Default)]
pub struct LiveQueue {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    items: Vec<Live>,
    /// The tracer has finished: no more items will come.
    closed: bool,
    /// The view has gone: items are dropped.
    abandoned: bool,
}

impl LiveQueue {
    /// Append an item, waiting for room if the view is far behind.
    pub fn push(&self, item: Live) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.items.len() >= ROOM && !state.abandoned {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if !state.abandoned {
            state.items.push(item);
        }
    }

    /// No more items will come.
    pub fn close(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.closed = true;
        self.changed.notify_all();
    }

    /// The view will take no more: drop what comes.
    pub fn abandon(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.abandoned = true;
        state.items.clear();
        self.changed.notify_all();
    }

    /// Wait up to `wait` (less if the tracer finishes), then take everything waiting; `None`
    /// once the tracer has finished and all was taken.
    pub fn take(&self, wait: Duration) -> Option<Vec<Live>> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut state, _) = self
            .changed
            .wait_timeout_while(state, wait, |s| !s.closed && s.items.len() < ROOM)
            .unwrap_or_else(PoisonError::into_inner);
        let items = std::mem::take(&mut state.items);
        self.changed.notify_all();
        (!(items.is_empty() && state.closed)).then_some(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Note;

    #[test]
    fn items_come_out_in_order_and_the_end_is_told() {
        let queue = LiveQueue::default();
        queue.push(Live::Note(Note::Interrupted(
            crate::trace::Interrupt::CtrlC,
        )));
        queue.push(Live::Note(Note::ServerEndedFirst));
        queue.close();
        let batch = queue.take(Duration::from_secs(5)).unwrap();
        assert_eq!(
            batch,
            [
                Live::Note(Note::Interrupted(crate::trace::Interrupt::CtrlC)),
                Live::Note(Note::ServerEndedFirst)
            ]
        );
        assert_eq!(queue.take(Duration::from_secs(5)), None);
    }

    #[test]
    fn an_abandoned_queue_never_blocks_the_tracer() {
        let queue = LiveQueue::default();
        queue.abandon();
        for _ in 0..ROOM * 2 {
            queue.push(Live::Note(Note::Interrupted(
                crate::trace::Interrupt::CtrlC,
            )));
        }
    }
}
