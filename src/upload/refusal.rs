//! Why an upload was not taken or not kept, as typed facts with their figures. Each reason the
//! client is told has a stable `code`, sent in the status next to the server's words
//! (`{"ok":false,"error":"…","code":"exists"}`), so a client can say it in its own language
//! whatever language the server speaks.

use std::time::Duration;

/// Which length-prefixed JSON message was wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Header,
    /// The hash after the body.
    Trailer,
}

/// What is wrong with a file name a header asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// Empty, `.` or `..`.
    NotAName,
    /// Longer than [`super::MAX_NAME`] bytes.
    TooLong { len: usize },
    /// `/`, `\` or NUL: a path, not a name.
    Separator(char),
    /// A control character or one that shows as nothing.
    Invisible(char),
    /// A character that shows as blank space but is not a plain space (U+2800, U+00A0 …):
    /// the name would look like another.
    LooksBlank(char),
    /// White space at the start or the end: `"x.txt "` looks like `"x.txt"`.
    EdgeSpace,
    /// Blank, or starting with `-`.
    Unusable,
    /// Starts with [`super::TEMP_PREFIX`], kept for uploads in progress.
    Reserved,
}

/// Where in an upload the connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    BeforeHeader,
    BeforeAnswer,
    /// After `got` of `size` body bytes.
    InBody {
        got: u64,
        size: u64,
    },
    BeforeTrailer,
}

/// How the connection failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Nothing came for the server's `--idle-timeout`.
    Idle { seconds: f64 },
    /// A wait ran out (the limit not known here).
    TimedOut,
    /// The header or trailer still not whole after this long: bytes trickled in, each in
    /// time, so no wait ran out (a slowloris).
    NotWholeWithin { seconds: f64 },
    /// The client closed the connection.
    Closed,
    /// The system's words.
    Io(String),
}

/// Why an upload was not stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The header or trailer claims more than [`super::MAX_HEADER`] bytes.
    TooLong {
        part: Part,
        claimed: u32,
    },
    /// The header or trailer is not the JSON expected (serde's words).
    Invalid {
        part: Part,
        why: String,
    },
    /// The trailer's hash is not 64 hex digits.
    TrailerNotHex,
    BadName {
        name: String,
        problem: NameProblem,
    },
    /// Over `--max-size`.
    TooLarge {
        size: u64,
        max: u64,
    },
    /// The name is taken and the server does not overwrite.
    Exists {
        name: String,
    },
    CannotCreate(String),
    /// No thread to hash the body.
    NoHashThread(String),
    /// The client's hash and the server's differ.
    Mismatch {
        claimed: String,
        digest: String,
    },
    ShuttingDown,
    CannotStore {
        name: String,
        error: String,
    },
    WriteFailed(String),
    /// The connection failed (the client is not told: it is gone).
    ConnectionFailed {
        stage: Stage,
        failure: Failure,
    },
    /// The client closed inside the body (not told either).
    LeftEarly {
        got: u64,
        size: u64,
    },
}

impl Refusal {
    /// The stable code a status carries (`"code"`): what a client can act on.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::TooLong {
                part: Part::Header, ..
            } => "header_too_long",
            Refusal::Invalid {
                part: Part::Header, ..
            } => "bad_header",
            Refusal::TooLong { .. } | Refusal::Invalid { .. } | Refusal::TrailerNotHex => {
                "bad_trailer"
            }
            Refusal::BadName { .. } => "bad_name",
            Refusal::TooLarge { .. } => "too_large",
            Refusal::Exists { .. } => "exists",
            Refusal::CannotCreate(_) | Refusal::CannotStore { .. } | Refusal::WriteFailed(_) => {
                "storage"
            }
            Refusal::NoHashThread(_) => "busy",
            Refusal::Mismatch { .. } => "sha256_mismatch",
            Refusal::ShuttingDown => "shutting_down",
            Refusal::ConnectionFailed { .. } => "connection_failed",
            Refusal::LeftEarly { .. } => "left_early",
        }
    }

    /// The figure a status adds for a client to quote: the server's limit.
    pub fn limit(&self) -> Option<u64> {
        match self {
            Refusal::TooLarge { max, .. } => Some(*max),
            _ => None,
        }
    }

    /// A wait that ran out was the server's idle timeout: say how long it was.
    pub fn with_idle_timeout(self, idle: Duration) -> Refusal {
        match self {
            Refusal::ConnectionFailed {
                stage,
                failure: Failure::TimedOut,
            } => Refusal::ConnectionFailed {
                stage,
                failure: Failure::Idle {
                    seconds: idle.as_secs_f64(),
                },
            },
            other => other,
        }
    }
}

/// Why `lab upload` or `lab upload-demo` did not upload, for the command to put into words.
#[derive(Debug)]
pub enum UploadError {
    /// The server refused: its status, and what the client asked for (its own hash, once sent).
    Refused {
        status: Box<super::Status>,
        name: String,
        size: u64,
        sha256: Option<String>,
    },
    /// The peer answered, but not like an upload server.
    NotAnUploadServer { peer: String },
    /// The peer did not answer within the timeout: likely not an upload server.
    NoAnswer { peer: String, error: std::io::Error },
    /// The server took no byte for `seconds`, after `sent` of `size` body bytes.
    Stalled { seconds: f64, sent: u64, size: u64 },
    /// The demo's own server did not store the file.
    NotStored(Refusal),
    /// The demo needs `needed` bytes free in `dir`, which has `free`, for a `size`-byte file.
    NoSpace {
        dir: std::path::PathBuf,
        size: u64,
        needed: u64,
        free: u64,
    },
    /// The path is not a regular file (a FIFO, a directory, a device).
    NotRegular(std::path::PathBuf),
    /// The path has no name to store the file under.
    NoName(std::path::PathBuf),
    /// The path cannot be looked at.
    Unreadable {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
    /// Reading the server's answer failed (it closed without one, or the socket failed).
    AnswerFailed(std::io::Error),
    /// Anything else: a socket call, the disk.
    Failed(crate::error::Error),
}

impl From<crate::error::Error> for UploadError {
    fn from(e: crate::error::Error) -> Self {
        UploadError::Failed(e)
    }
}
