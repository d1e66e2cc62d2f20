//! Events of the long-running commands (`lab serve`, `lab chat`, `lab proxy`), streamed to a
//! view as they happen — never collected, so a server that runs for days stays bounded.

use std::net::SocketAddr;
use std::sync::mpsc::SyncSender;
use std::time::Instant;

use serde::Serialize;

use super::reasons::{Departure, Note, Setup, TurnAway};

/// One thing that happened, tagged with the peer it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    /// Milliseconds since the command started (to the microsecond).
    pub t_ms: f64,
    /// The client (serve, proxy) or server (chat) this is about.
    pub peer: Option<SocketAddr>,
    pub kind: LiveKind,
}

/// What happened. Serialized, it gives a JSON line's `op` and its figures; the typed reasons
/// (skipped here) become the line's `detail` in render/, in the chosen language.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum LiveKind {
    Listening {
        addr: SocketAddr,
        #[serde(skip)]
        setup: Setup,
    },
    Accepted {
        clients: usize,
    },
    /// A connection turned away (the client cap, no thread).
    Refused {
        #[serde(skip)]
        why: TurnAway,
    },
    /// One recv() that returned data.
    Recv {
        len: usize,
        #[serde(rename = "hex", serialize_with = "as_hex")]
        bytes: Vec<u8>,
    },
    /// A whole message (framed mode, or a line in chat).
    Message {
        len: usize,
        #[serde(rename = "hex", serialize_with = "as_hex")]
        bytes: Vec<u8>,
    },
    /// Bytes sent back (serve) or sent (chat).
    Send {
        len: usize,
        #[serde(rename = "hex", serialize_with = "as_hex")]
        bytes: Vec<u8>,
    },
    /// A piece the proxy forwarded; `to_server` says which way.
    Forward {
        to_server: bool,
        len: usize,
        #[serde(rename = "hex", serialize_with = "as_hex")]
        bytes: Vec<u8>,
    },
    Left {
        /// JSON: `reason`, the kind of leaving (`closed`, `reset`, …).
        #[serde(rename = "reason", serialize_with = "leave_reason")]
        why: Departure,
    },
    Note {
        #[serde(skip)]
        note: Note,
    },
    /// Chat waits for a line (the text view shows a prompt on a terminal).
    Prompt,
    /// The server stopped (Ctrl-C): what the whole run served.
    Stopped {
        clients: u64,
        bytes_in: u64,
        bytes_out: u64,
        recv_calls: u64,
        messages: u64,
    },
    /// A client's totals, when it leaves.
    Totals {
        bytes_in: u64,
        bytes_out: u64,
        recv_calls: u64,
        messages: u64,
    },
}

/// A departure in JSON: its kind (`closed`, `reset`, …); the view adds its words.
fn leave_reason<S: serde::Serializer>(why: &Departure, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(why.reason().as_str())
}

/// Bytes in JSON as lowercase hex, like the lessons' `hex` fields.
fn as_hex<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::transcript::hex(bytes))
}

/// Bytes an event carries at most (`len` still gives the full size): a stalled output can
/// queue events, and this keeps the queue small.
pub const PREVIEW: usize = 4096;

/// Hands events to the view, stamped with the time since `started`.
#[derive(Debug, Clone)]
pub struct Emitter {
    started: Instant,
    sender: SyncSender<LiveEvent>,
    /// Drop the per-byte events (recv, message, send, forward): `--quiet`, for load.
    quiet: bool,
}

impl Emitter {
    pub fn new(sender: SyncSender<LiveEvent>) -> Self {
        Emitter {
            started: Instant::now(),
            sender,
            quiet: false,
        }
    }

    /// Whether per-byte events would be shown: callers skip building them when not.
    pub fn wants_bytes(&self) -> bool {
        !self.quiet
    }

    /// Keep only what a busy server should log: joins, leaves, refusals, notes, totals.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// Send one event, waiting for room if the view is behind; if the view has gone (its
    /// output closed), the event is dropped.
    pub fn emit(&self, peer: Option<SocketAddr>, kind: LiveKind) {
        if let Some(event) = self.prepare(peer, kind) {
            let _ = self.sender.send(event);
        }
    }

    /// Send one event only if the view has room for it now: for an event loop, which must
    /// never wait on a terminal. `false` when the event was dropped for want of room (or
    /// because the view has gone); an event `--quiet` leaves out counts as sent.
    pub fn try_emit(&self, peer: Option<SocketAddr>, kind: LiveKind) -> bool {
        match self.prepare(peer, kind) {
            Some(event) => self.sender.try_send(event).is_ok(),
            None => true,
        }
    }

    /// The event as the view gets it, or `None` if `--quiet` leaves it out.
    fn prepare(&self, peer: Option<SocketAddr>, mut kind: LiveKind) -> Option<LiveEvent> {
        let per_byte = matches!(
            kind,
            LiveKind::Recv { .. }
                | LiveKind::Message { .. }
                | LiveKind::Send { .. }
                | LiveKind::Forward { .. }
        );
        if self.quiet && per_byte {
            return None;
        }
        match &mut kind {
            LiveKind::Recv { bytes, .. }
            | LiveKind::Message { bytes, .. }
            | LiveKind::Send { bytes, .. }
            | LiveKind::Forward { bytes, .. } => bytes.truncate(PREVIEW),
            _ => {}
        }
        Some(LiveEvent {
            t_ms: self.started.elapsed().as_micros() as f64 / 1000.0,
            peer,
            kind,
        })
    }
}

/// The first [`PREVIEW`] bytes of `bytes`, copied: all an event keeps, so a 16 MiB recv()
/// costs a 4 KiB copy to log.
pub fn preview(bytes: &[u8]) -> Vec<u8> {
    bytes[..bytes.len().min(PREVIEW)].to_vec()
}
