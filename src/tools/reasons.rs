//! Why the tools' events happened — how a tool was set up, why a connection was turned away or
//! ended, what a note is about — as typed facts with their measured numbers. The tools never
//! make sentences: `render::words` says these in English or Chinese, and the JSON gives each a
//! stable code (`as_str`/`code`) beside the words.
//!
//! System error texts (`Connection refused (os error 111)`) stay as the system gives them: they
//! are technical details, quoted, not sentences of ours.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::Reply;
use crate::framing::{EncodeError, FrameError};
use crate::upload::Refusal;
use crate::upload::receive::Received;

/// What a tool announces once it listens.
#[derive(Debug, Clone, PartialEq)]
pub enum Setup {
    Serve {
        backlog: i32,
        reuseaddr: bool,
        work: Work,
    },
    Proxy {
        to: SocketAddr,
        trouble: Trouble,
    },
}

/// What `lab serve` does with its clients.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// `--upload-dir`: files, stored here.
    Uploads { dir: PathBuf },
    /// Messages: raw (`header` none) or framed by a length header in this struct format.
    Messages {
        header: Option<String>,
        reply: Reply,
    },
}

/// The trouble `lab proxy` makes.
#[derive(Debug, Clone, PartialEq)]
pub enum Trouble {
    /// `--stammer`: pieces of 1..=`max_chunk` bytes, `pause` apart.
    Stammer {
        max_chunk: usize,
        pause: Duration,
        seed: u64,
    },
    /// `--coalesce`: bytes held this long, then forwarded together.
    Coalesce { window: Duration },
    /// None: bytes forwarded as they come.
    Forward,
}

/// Why a connection was turned away as soon as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnAway {
    /// The server already serves `--max-clients` clients.
    MaxClients(usize),
    /// The connection could not be made non-blocking or watched (the system's words).
    CannotWatch(String),
    /// No thread could be had for it; `retry`: the client was told to try again later.
    NoThread { error: String, retry: bool },
    /// Out of descriptors: the process's limit (`ulimit -n`, as read then), or the whole
    /// system's (`None`).
    NoDescriptors { limit: Option<u64> },
}

impl TurnAway {
    /// The JSON `reason` of a `refused` event, and the `code` of an upload refusal.
    pub fn code(&self) -> &'static str {
        match self {
            TurnAway::MaxClients(_) => "max_clients",
            TurnAway::CannotWatch(_) => "cannot_watch",
            TurnAway::NoThread { .. } => "no_thread",
            TurnAway::NoDescriptors { .. } => "no_descriptors",
        }
    }
}

/// Why a connection ended, in the few kinds a script tells apart (the JSON `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    /// recv() returned 0 bytes: the peer closed its side.
    Closed,
    /// The peer reset the connection.
    Reset,
    /// Nothing arrived for the idle timeout.
    Idle,
    /// The bytes broke the framing rules.
    ProtocolError,
    /// The server is shutting down.
    Shutdown,
    /// Some other socket error.
    Error,
}

impl Leave {
    pub fn as_str(self) -> &'static str {
        match self {
            Leave::Closed => "closed",
            Leave::Reset => "reset",
            Leave::Idle => "idle",
            Leave::ProtocolError => "protocol_error",
            Leave::Shutdown => "shutdown",
            Leave::Error => "error",
        }
    }

    /// How bad it is: a proxied connection leaves with its worse direction's reason.
    fn severity(self) -> u8 {
        match self {
            Leave::Closed => 0,
            Leave::Idle | Leave::ProtocolError => 1,
            Leave::Reset => 2,
            Leave::Error => 3,
            Leave::Shutdown => 4,
        }
    }
}

/// Why a connection ended, with what was measured.
#[derive(Debug, Clone, PartialEq)]
pub enum Departure {
    /// The client closed (recv() returned 0 bytes).
    PeerClosed,
    /// The client reset the connection.
    PeerReset,
    /// The client reset the connection while a reply was being sent.
    ResetDuringReply(String),
    RecvFailed(String),
    SendFailed(String),
    /// The client closed inside a frame.
    ClosedMidFrame(FrameError),
    /// The bytes cannot be a frame: the server closed the connection.
    BadFrame(FrameError),
    /// A reply does not fit the framing.
    ReplyUnframable(EncodeError),
    CannotWatch(String),
    /// The client sent nothing for the idle timeout.
    Silent {
        seconds: f64,
    },
    /// The client took no reply bytes for the idle timeout.
    NotReading {
        seconds: f64,
    },
    /// A frame still not whole the idle timeout after its first byte: its bytes trickled in,
    /// each in time (a slowloris).
    FrameNotWhole {
        seconds: f64,
    },
    /// Ctrl-C: the server is shutting down.
    ServerStopping,
    NonBlockingFailed(String),
    UploadComplete,
    /// The upload was not stored; `stopping`: the server was shutting down.
    UploadRefused {
        refusal: Refusal,
        told_client: bool,
        stopping: bool,
    },
    /// How each direction of a proxied connection ended.
    Proxied {
        there: End,
        back: End,
    },
    /// The proxy could not open the server's end (the client was closed).
    NoUpstream(End),
    /// `lab chat`: the server closed while the chat waited for a line.
    ServerLeftWhileWaiting,
    /// `lab chat`: the server closed before the chat sent anything, saying nothing.
    ServerClosedFirst,
    /// `lab chat`: the server closed instead of answering a line (`replied`: some reply came).
    ServerClosedAfterLine {
        replied: bool,
        framed: bool,
    },
}

impl Departure {
    /// The kind of leaving, as a script sees it.
    pub fn reason(&self) -> Leave {
        match self {
            Departure::PeerClosed
            | Departure::UploadComplete
            | Departure::ServerLeftWhileWaiting
            | Departure::ServerClosedFirst
            | Departure::ServerClosedAfterLine { .. } => Leave::Closed,
            Departure::PeerReset | Departure::ResetDuringReply(_) => Leave::Reset,
            Departure::RecvFailed(_)
            | Departure::SendFailed(_)
            | Departure::ReplyUnframable(_)
            | Departure::CannotWatch(_)
            | Departure::NonBlockingFailed(_) => Leave::Error,
            Departure::ClosedMidFrame(_) | Departure::BadFrame(_) => Leave::ProtocolError,
            Departure::Silent { .. }
            | Departure::NotReading { .. }
            | Departure::FrameNotWhole { .. } => Leave::Idle,
            Departure::ServerStopping => Leave::Shutdown,
            Departure::UploadRefused { stopping: true, .. } => Leave::Shutdown,
            Departure::UploadRefused { .. } => Leave::ProtocolError,
            Departure::Proxied { there, back } => {
                let (a, b) = (there.reason(), back.reason());
                if b.severity() > a.severity() { b } else { a }
            }
            Departure::NoUpstream(end) => end.reason(),
        }
    }
}

/// How one direction through the proxy ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum End {
    /// The sender closed its side (its FIN was passed on).
    #[default]
    Closed,
    Reset,
    /// Ctrl-C.
    Stopped,
    /// The server could not be reached.
    Unreachable {
        to: SocketAddr,
        error: String,
    },
    NonBlocking(String),
    /// No thread for the way back.
    NoThread(String),
    /// The forwarding thread panicked.
    ThreadFailed,
    /// A socket call failed (the system's words).
    Failed(String),
}

impl End {
    pub fn reason(&self) -> Leave {
        match self {
            End::Closed => Leave::Closed,
            End::Reset => Leave::Reset,
            End::Stopped => Leave::Shutdown,
            _ => Leave::Error,
        }
    }
}

/// What a `note` event is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// accept() failed (out of descriptors, say); the server goes on.
    AcceptFailed(String),
    /// The output fell behind: this many events were not shown.
    OutputBehind { dropped: u64 },
    /// `lab chat` connected from this address.
    Connected { local: Option<SocketAddr> },
    /// `lab chat` did not send an empty line.
    EmptyLine,
    /// `lab chat` could not frame a line.
    LineNotSent(EncodeError),
    /// No reply came within `--reply-timeout`.
    NoReply { seconds: f64 },
    /// An upload's body begins.
    Receiving { name: String, size: u64 },
    /// An upload's body so far.
    Progress { got: u64, total: u64 },
    /// An upload stored, checked.
    Stored(Received),
    /// `lab chat --net`: lab's own server runs at this address across the link.
    AcrossLink { server: SocketAddr },
}

impl Note {
    /// The JSON `code` of a `note` event.
    pub fn code(&self) -> &'static str {
        match self {
            Note::AcceptFailed(_) => "accept_failed",
            Note::OutputBehind { .. } => "output_behind",
            Note::Connected { .. } => "connected",
            Note::EmptyLine => "empty_line",
            Note::LineNotSent(_) => "line_not_sent",
            Note::NoReply { .. } => "no_reply",
            Note::Receiving { .. } => "receiving",
            Note::Progress { .. } => "progress",
            Note::Stored(_) => "stored",
            Note::AcrossLink { .. } => "across_link",
        }
    }
}
