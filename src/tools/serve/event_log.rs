//! The event loop's log: events handed to the view without ever waiting for it, so a
//! terminal that falls behind (or a pipe nobody reads) slows no client down.

use std::cell::Cell;
use std::net::SocketAddr;

use crate::tools::live::{Emitter, LiveKind};
use crate::tools::reasons::Note;

/// Events for the view; those that find no room are counted, and the count is shown as
/// soon as there is room again.
pub(super) struct EventLog<'a> {
    emit: &'a Emitter,
    dropped: Cell<u64>,
}

impl<'a> EventLog<'a> {
    pub(super) fn new(emit: &'a Emitter) -> Self {
        EventLog {
            emit,
            dropped: Cell::new(0),
        }
    }

    /// Whether per-byte events are shown (not `--quiet`): skip building them when not.
    pub(super) fn wants_bytes(&self) -> bool {
        self.emit.wants_bytes()
    }

    /// Log an event if the view has room now; otherwise count it as not shown.
    pub(super) fn event(&self, peer: Option<SocketAddr>, kind: LiveKind) {
        if self.dropped.get() > 0 && !self.emit.try_emit(None, self.dropped_note()) {
            self.dropped.set(self.dropped.get() + 1);
            return;
        }
        self.dropped.set(0);
        if !self.emit.try_emit(peer, kind) {
            self.dropped.set(1);
        }
    }

    /// The loop is over: say what was not shown, waiting for the view if need be.
    pub(super) fn finish(&self) {
        if self.dropped.get() > 0 {
            self.emit.emit(None, self.dropped_note());
            self.dropped.set(0);
        }
    }

    /// An event that waits for the view: only once serving is over (shutdown).
    pub(super) fn event_waiting(&self, peer: Option<SocketAddr>, kind: LiveKind) {
        self.finish();
        self.emit.emit(peer, kind);
    }

    fn dropped_note(&self) -> LiveKind {
        LiveKind::Note {
            note: Note::OutputBehind {
                dropped: self.dropped.get(),
            },
        }
    }
}
