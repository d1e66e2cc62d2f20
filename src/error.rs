//! The crate's error type: each variant's message says what went wrong and what to do.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Exit code for a run that could not complete (a socket call failed).
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for bad usage: an unknown option, a value out of range.
pub const EXIT_USAGE: i32 = 2;
/// Exit code after Ctrl-C ended a command early (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

#[derive(Debug)]
pub enum Error {
    /// A socket call failed; `call` names it, e.g. `bind(127.0.0.1:8080)`.
    Io { call: String, source: io::Error },
    /// Python's struct refused the format or the values; the text is CPython's.
    Struct(String),
    /// Writing the output failed (a closed pipe is not worth a message: see `main`).
    Output(io::Error),
    /// A whole message `render::words` already said in the user's language — a peer that
    /// refused (an upload), a machine that cannot do it as it stands, a value out of range —
    /// and the exit code it deserves (`main` adds the `error:` label in the same language).
    Said { text: String, exit: i32 },
    /// The user stopped the command (Ctrl-C at a `--step` prompt): no message, exit 130.
    Interrupted,
    /// `--net` could not build its link (namespaces, TUN devices), and what to do about it.
    Link(crate::net::link::LinkError),
    /// `lab trace` could not start tracing.
    Trace(crate::trace::TraceError),
    /// Something lab explains in its own words: the fact, typed; `render::phrases` says it in
    /// the chosen language.
    Problem(Problem),
}

/// What went wrong, with what the words need; `render::phrases` words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A global flag the subcommand would ignore: refused, saying why.
    FlagIgnored {
        flag: &'static str,
        command: &'static str,
        why: Ignored,
    },
    /// `lab man` asked for a page that is not there.
    NoSuchPage { path: Vec<String> },
    /// The port is taken (every tool that listens says the same).
    AddressInUse { addr: SocketAddr, reuseaddr: bool },
    /// `lab chat`: the server closed before this client sent a line, saying `said` (which
    /// may be nothing).
    TurnedAway { said: String },
    /// `lab lesson NAME --run` for a lesson whose programs (in `dir`, relative to the source
    /// folder) are neither here nor in the folder lab was built from.
    LessonProgramsMissing { dir: &'static str },
    /// `lab upload-demo --size` larger than the disk can hold twice.
    NotEnoughSpace {
        dir: PathBuf,
        size: u64,
        needed: u64,
        free: u64,
    },
    /// `lab struct unpack`: a character in HEX that is no hex digit, and where.
    NotHex { character: char, at: usize },
    /// `lab struct unpack`: an odd count of hex digits.
    OddHexDigits { count: usize },
    /// A lesson's demo does not parse (the registry is wrong), and clap's words for it.
    DemoDoesNotParse { error: String },
    /// `--wire` with `--net`: the capture listens on loopback, which the link does not use.
    WireAcrossLink,
    /// udp-demo's `--wire`, or its `--pcap` on loopback: they capture one TCP connection.
    NoStreamToCapture { flag: &'static str },
    /// `--step`/`--slow` (`flag`) or `--wire` with `--trials`: they show one run.
    OneRunOnly { flag: &'static str },
    /// `--send-gap` so long that sending the messages would outlast `max_s` seconds.
    SendingTooLong {
        gap_ms: u64,
        messages: usize,
        max_s: u64,
    },
    /// A framing option (`--header`) given with another `--framing`.
    FramingMismatch {
        flag: &'static str,
        wanted: &'static str,
        given: &'static str,
    },
    /// `--delimiter ''`.
    EmptyDelimiter,
    /// `--header FORMAT` that is no length header, and why.
    BadHeader {
        format: String,
        why: crate::framing::HeaderFormatError,
    },
    /// `--delimiter TEXT` with a `\x` escape that lacks its two hex digits.
    BadDelimiter { text: String },
    /// A body of `len` bytes that the lesson's length header cannot count (CPython's words).
    BodyTooLong { len: usize, cpython: String },
    /// A path that cannot be handed to the system: it holds a NUL byte.
    NulInPath { path: PathBuf },
    /// `lab lesson NAME` for a lesson that is not in the registry.
    NoSuchLesson { name: String },
    /// A thread lab needs could not be started (out of threads or memory): which one, and
    /// the system's words.
    NoThread { what: ThreadRole, error: String },
    /// framed-demo: `--corrupt` (by name) cannot break this framing that way.
    CannotCorrupt {
        corruption: &'static str,
        why: NoCorruption,
    },
    /// framed-demo: `--message` number `message` cannot be framed (refused before sending).
    Unsendable {
        message: usize,
        error: crate::framing::EncodeError,
    },
    /// `--svg`, `--html` or `--pcap` (`flag`) names no file lab can write (checked before
    /// anything runs).
    NoFileThere {
        flag: &'static str,
        path: PathBuf,
        why: NoFileThere,
    },
    /// `--pcap` for a command (`lab stall-demo`, `lab trace`) that sees packets only across
    /// `--net`.
    PacketsNeedLink { command: PacketsNeedLink },
    /// `lab trace --net` without both `--server` and `--client`.
    LinkNeedsTwoPrograms,
    /// `lab trace --svg`/`--html` (`flag`): the programs made no TCP connection to draw.
    NothingToDraw { flag: &'static str },
    /// `--pcap` after a run that captured no packet: why, when the capture said
    /// (`needs_privilege`, the capture's error).
    NothingCaptured { failed: Option<(bool, String)> },
}

/// The threads lab starts, named when one cannot be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadRole {
    /// An exchange lesson's client.
    Sender,
    /// A lesson's or `lab chat --net`'s server.
    Server,
    /// upload-demo's server.
    Receiving,
    /// upload-demo's remover of its scratch directory on a signal.
    CleanUp,
    /// `lab trace`'s ptrace loop.
    Tracer,
    /// A live tool's work (serve, proxy, chat).
    Tool,
}

/// Why a picture or packet file cannot be written where `--svg`, `--html` or `--pcap` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoFileThere {
    /// The path is a directory, or ends in one (`dir/`, `..`).
    Directory,
    /// The file's directory does not exist.
    NoDirectory(PathBuf),
}

/// The commands whose `--pcap` needs `--net`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketsNeedLink {
    StallDemo,
    Trace,
}

/// Why `--corrupt` cannot break a framing the way asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoCorruption {
    /// `oversize`: the `header` cannot claim more than `max`, which the receiver accepts;
    /// a `--max-frame` of `smaller` would do.
    HeaderTooNarrow {
        header: String,
        max: u64,
        smaller: usize,
    },
    /// `negative` with an unsigned header.
    NeedsSignedHeader,
    /// `oversize` with fixed records.
    FixedHasNoLength,
    /// `negative` without a length header.
    NeedsLengthHeader,
}

/// Why a global flag does nothing for a subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    /// `--step`, `--slow`: the command runs live.
    RunsLive,
    /// The command prints a script or a manual page.
    PrintsScriptOrPage,
    /// `--json` for a lesson's text.
    LessonIsText,
    /// `--step`, `--slow` for a lesson without `--run`.
    PacesDemo,
    /// `--nodelay` for UDP.
    NodelayIsTcp,
}

impl Problem {
    /// The process exit code: bad usage, or a machine that cannot do it as it stands.
    pub fn exit_code(&self) -> i32 {
        match self {
            Problem::FlagIgnored { .. }
            | Problem::NoSuchPage { .. }
            | Problem::NotHex { .. }
            | Problem::OddHexDigits { .. }
            | Problem::DemoDoesNotParse { .. }
            | Problem::WireAcrossLink
            | Problem::NoStreamToCapture { .. }
            | Problem::OneRunOnly { .. }
            | Problem::SendingTooLong { .. }
            | Problem::FramingMismatch { .. }
            | Problem::EmptyDelimiter
            | Problem::BadHeader { .. }
            | Problem::BadDelimiter { .. }
            | Problem::BodyTooLong { .. }
            | Problem::NulInPath { .. }
            | Problem::NoSuchLesson { .. }
            | Problem::Unsendable { .. }
            | Problem::CannotCorrupt { .. }
            | Problem::NoFileThere { .. }
            | Problem::PacketsNeedLink { .. }
            | Problem::LinkNeedsTwoPrograms
            | Problem::NothingToDraw { .. }
            | Problem::NothingCaptured { .. } => EXIT_USAGE,
            Problem::AddressInUse { .. }
            | Problem::TurnedAway { .. }
            | Problem::LessonProgramsMissing { .. }
            | Problem::NotEnoughSpace { .. }
            | Problem::NoThread { .. } => EXIT_FAILURE,
        }
    }
}

impl From<Problem> for Error {
    fn from(problem: Problem) -> Self {
        Error::Problem(problem)
    }
}

impl Error {
    /// A message already said in the user's language, for a failure (exit 1).
    pub fn said(text: String) -> Self {
        Error::Said {
            text,
            exit: EXIT_FAILURE,
        }
    }

    /// A message already said in the user's language, for bad usage (exit 2).
    pub fn said_usage(text: String) -> Self {
        Error::Said {
            text,
            exit: EXIT_USAGE,
        }
    }

    /// A thread that could not be started, the system's words kept.
    pub fn no_thread(what: ThreadRole, source: io::Error) -> Self {
        Problem::NoThread {
            what,
            error: source.to_string(),
        }
        .into()
    }

    pub fn io(call: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            call: call.into(),
            source,
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Io { .. }
            | Error::Struct(_)
            | Error::Output(_)
            | Error::Link(_)
            | Error::Trace(_) => EXIT_FAILURE,
            Error::Said { exit, .. } => *exit,
            Error::Interrupted => EXIT_INTERRUPTED,
            Error::Problem(problem) => problem.exit_code(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { call, source } => write!(f, "{call} failed: {source}"),
            Error::Struct(text) | Error::Said { text, .. } => f.write_str(text),
            Error::Interrupted => f.write_str("interrupted"),
            Error::Output(e) => write!(f, "writing the output failed: {e}"),
            Error::Link(e) => e.fmt(f),
            Error::Trace(e) => {
                let words = crate::render::words::Words(crate::lang::Lang::En);
                f.write_str(&words.trace_error(e))
            }
            // In English here; `main` says it in the chosen language.
            Error::Problem(problem) => f.write_str(&crate::render::phrases::problem(
                problem,
                crate::render::words::Words(crate::lang::Lang::En),
            )),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::Output(source) => Some(source),
            Error::Struct(_)
            | Error::Said { .. }
            | Error::Link(_)
            | Error::Trace(_)
            | Error::Problem(_)
            | Error::Interrupted => None,
        }
    }
}

/// `EADDRINUSE: Address in use`: the errno's name, then the system's words for it.
pub fn errno_text(e: &io::Error) -> String {
    let name = match e.raw_os_error() {
        Some(libc::EADDRINUSE) => "EADDRINUSE",
        Some(libc::EADDRNOTAVAIL) => "EADDRNOTAVAIL",
        Some(libc::EACCES) => "EACCES",
        Some(libc::EINVAL) => "EINVAL",
        Some(libc::ECONNREFUSED) => "ECONNREFUSED",
        Some(libc::ETIMEDOUT) => "ETIMEDOUT",
        Some(libc::EINPROGRESS) => "EINPROGRESS",
        Some(_) | None => "error",
    };
    let words = e.to_string();
    let words = words.split(" (os error").next().unwrap_or(&words);
    format!("{name}: {words}")
}
