//! `lab trace`: run the student's own programs and record every socket call they make.
//!
//! A program runs under ptrace with a seccomp filter ([`seccomp`]) that stops it only at
//! socket-related system calls; everything else runs at full speed. At each stop the tracer
//! ([`tracer`]) reads the call's number and arguments (PTRACE_GET_SYSCALL_INFO), lets the
//! call run to its return, and decodes what it did ([`calls`]): the bytes a send or recv
//! moved come out of the program's memory ([`memory`]), a descriptor is told to be a TCP
//! socket or not through /proc and a borrowed copy ([`inspect`], [`fds`]). The two ends of a
//! connection pair by their addresses ([`connections`]), and each call becomes a transcript
//! event ([`record`]) — streamed to the live view as it completes, counted per direction
//! as sticky-demo counts, and kept (first and last events) for the final view.
//!
//! Nothing here prints: events go out on a channel, the report comes back at the end.

mod calls;
mod connections;
mod fds;
mod inspect;
pub mod linked;
mod live_queue;
mod memory;
mod record;
mod regs;
mod report;
mod seccomp;
pub mod spawn;
mod syscalls;
mod tracer;

use std::net::SocketAddr;
use std::time::Duration;

use nix::errno::Errno;

use crate::analysis::Summary;
use crate::analysis::stream::StreamCounts;
use crate::transcript::{Direction, Event, Transcript};
pub use linked::Linked;
pub use live_queue::LiveQueue;
pub use spawn::Launch;

/// Connections drawn side by side at the end (and whose events are kept for it); the rest
/// are counted.
pub const CONNECTION_VIEWS: usize = 8;

/// Bytes of each send or recv kept in its event at most (`len` gives the full count).
pub const PREVIEW: usize = 4096;

/// Which programs to run.
pub enum Programs {
    /// `lab trace -- CMD …`: one program; its sockets' roles decide the sides.
    One(Launch),
    /// `lab trace --server … --client …`: the client starts once the server listens.
    Pair { server: Launch, client: Launch },
}

/// Everything `lab trace` was asked to do.
pub struct TraceOptions {
    pub programs: Programs,
    /// `--recv-max N`: recv calls asking for more are rewritten to ask for N.
    pub recv_max: Option<u64>,
    /// `--send-max N`: send calls offering more are rewritten to offer N.
    pub send_max: Option<u64>,
    /// `--reader-delay MS`: the server's first recv on each connection is held until the
    /// client has been quiet this long.
    pub reader_delay: Duration,
    /// Bytes of each send or recv to copy out of the program (at most [`PREVIEW`]): the text
    /// view shows a line of them, `--json` the first 4 KiB.
    pub preview: usize,
    /// `--net`: the server and the client in the two namespaces of this link, a loopback
    /// address they name rewritten to the link's.
    pub net: Option<Linked>,
}

/// A program's part in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The one program of `lab trace -- CMD`.
    Program,
    Server,
    Client,
}

/// What stopped lab before the traced programs ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// Ctrl-C (SIGINT).
    CtrlC,
    /// SIGTERM, sent to lab (`kill`, a service manager, a test harness).
    Terminated,
    /// lab's own output failed (a closed pipe), so it stopped them itself.
    OutputFailed,
}

impl Interrupt {
    /// The interrupt a stop signal (or none: lab's own request) stands for.
    pub fn from_signal(signal: Option<i32>) -> Interrupt {
        match signal {
            Some(libc::SIGINT) => Interrupt::CtrlC,
            Some(_) => Interrupt::Terminated,
            None => Interrupt::OutputFailed,
        }
    }

    /// The stable name (the JSON's `interrupted_by`).
    pub fn code(self) -> &'static str {
        match self {
            Interrupt::CtrlC => "SIGINT",
            Interrupt::Terminated => "SIGTERM",
            Interrupt::OutputFailed => "output_failed",
        }
    }
}

/// Why lab ended a traced program itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Ctrl-C or SIGTERM reached lab (or its output failed).
    Interrupted(Interrupt),
    /// The client had ended and the server went on serving (a connection loop).
    ClientEnded,
    /// The server did not listen in time, so no client could be started.
    NeverListened,
}

/// How a traced program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgramEnd {
    Exited(i32),
    Signaled(&'static str),
    /// lab sent it `signal` for `reason` (and it then ended).
    Stopped {
        signal: &'static str,
        reason: StopReason,
    },
    /// It never ran (the client, when the server never listened).
    NotStarted,
}

/// One program as it was run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramReport {
    pub role: Role,
    pub command: String,
    pub pid: Option<u32>,
    pub end: ProgramEnd,
    /// A process it started that a signal killed (not lab's): pid and signal. A shell that
    /// ran it exits 128 + the signal's number, which says little by itself.
    pub killed_inside: Option<(u32, &'static str)>,
}

/// Something about the run itself (not a socket call), for the live view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    Started {
        role: Role,
        pid: u32,
        command: String,
    },
    /// The server listens: the client starts now, with the port in its environment.
    ServerListening { addr: SocketAddr },
    /// The server bound a UDP socket: no listen() will come, so the client starts now (lab
    /// trace shows TCP calls only).
    ServerBoundUdp { addr: Option<SocketAddr> },
    /// The server ended before it listened: the client is not started.
    ServerEndedFirst,
    /// The server did not listen within this many milliseconds.
    ServerNeverListened { waited_ms: u64 },
    /// The client ended; lab stops the server, which was still running.
    StoppingServer { idle: bool },
    /// lab was stopped: it stops the traced programs.
    Interrupted(Interrupt),
    /// A program's own process (`pid`) ended, but processes it started still run (`running`,
    /// the first few of `count`): lab goes on tracing them until they end.
    StillRunning {
        role: Role,
        pid: u32,
        running: Vec<u32>,
        count: usize,
    },
    /// After Ctrl-C (or SIGTERM): this many send, recv and eof events were not written, so
    /// lab stops at once.
    NotWritten { events: usize },
    /// `--net`: the server runs at `server`, the client at `client`, with lab's link
    /// between; a loopback address they name is rewritten to these.
    AcrossLink {
        client: std::net::Ipv4Addr,
        server: std::net::Ipv4Addr,
    },
}

/// What the tracer hands the live view.
#[derive(Debug, Clone, PartialEq)]
pub enum Live {
    Event(Box<Event>),
    Note(Note),
}

/// One direction of a connection, counted.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectionReport {
    pub direction: Direction,
    pub counts: StreamCounts,
    /// send() calls that moved bytes this way: each is a message.
    pub messages: usize,
    /// The first messages' first bytes, by message number.
    pub legend: Vec<(usize, Vec<u8>)>,
    /// The counts judged as sticky-demo judges them.
    pub summary: Summary,
    pub sender_traced: bool,
    pub receiver_traced: bool,
    /// `--net`: how this direction's bytes left on the link.
    pub on_link: Option<crate::analysis::segments::LinkSegments>,
}

/// One connection, for the final view.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionReport {
    pub id: usize,
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// The process on each end: client, server.
    pub pids: [Option<u32>; 2],
    /// Its first and last events.
    pub transcript: Transcript,
    /// Events left out between the first and the last: (after how many, how many).
    pub gap: Option<(usize, usize)>,
    /// to_server, to_client.
    pub directions: [DirectionReport; 2],
    /// `--net`: what the link carried for this connection and did to it.
    pub link: Option<crate::analysis::link::LinkFacts>,
}

/// Everything a trace found.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceReport {
    pub programs: Vec<ProgramReport>,
    pub connections: Vec<ConnectionReport>,
    /// Events handed to the live view.
    pub events: usize,
    pub interrupted: bool,
    /// What stopped lab, when it was stopped.
    pub interrupted_by: Option<Interrupt>,
    pub recv_max: Option<u64>,
    pub send_max: Option<u64>,
    pub reader_delay_ms: u64,
    /// `--net`: the link's spec as run (its seed included).
    pub net: Option<crate::net::link::NetSpec>,
    /// `--net`: the link's packets that belong to no traced connection (a refused connect,
    /// UDP); empty otherwise.
    pub other_packets: crate::transcript::Wire,
}

/// Why tracing could not start.
#[derive(Debug)]
pub enum TraceError {
    NoCommand,
    NulInCommand,
    /// `--server ''`, `--client ''` or `lab trace -- ''`: `flag` names the one that was empty
    /// (`None`: the program after `--`).
    EmptyCommand {
        flag: Option<&'static str>,
    },
    ProgramNotFound {
        program: String,
    },
    /// execve() refused the program: `errno`, and what lab found the file to be.
    ExecFailed {
        program: String,
        errno: Errno,
        failure: ExecFailure,
    },
    /// ptrace(PTRACE_TRACEME) was refused: Yama, a container's seccomp profile, …
    PtraceDenied {
        errno: Errno,
        ptrace_scope: Option<u8>,
    },
    SeccompUnavailable {
        errno: Errno,
    },
    PlacementFailed {
        errno: Errno,
    },
    /// The kernel lacks what the tracer needs (PTRACE_GET_SYSCALL_INFO, pidfd_getfd).
    KernelTooOld {
        needs: &'static str,
    },
    UnsupportedArchitecture,
    System(Errno),
}

/// Why execve() refused a program, as far as its file tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecFailure {
    /// It is a directory (EACCES).
    Directory,
    /// It may not be executed: no execute permission, or a file system mounted noexec
    /// (EACCES).
    NotExecutable,
    /// A script whose `#!` line names an interpreter that does not exist (ENOENT).
    MissingInterpreter { interpreter: String },
    /// No `#!` line, and not a binary for this machine (ENOEXEC).
    NotAProgram,
    /// Anything else: the errno says it.
    Other,
}

/// Run the programs traced until they end (or Ctrl-C), streaming events to `live`.
pub fn run(
    options: TraceOptions,
    live: std::sync::Arc<LiveQueue>,
) -> Result<TraceReport, TraceError> {
    if !regs::SUPPORTED {
        return Err(TraceError::UnsupportedArchitecture);
    }
    if !inspect::Inspector::supported() {
        return Err(TraceError::KernelTooOld {
            needs: "pidfd_getfd (Linux 5.6)",
        });
    }
    // The view waits until the queue closes: it closes however the tracer ends.
    struct CloseOnDrop(std::sync::Arc<LiveQueue>);
    impl Drop for CloseOnDrop {
        fn drop(&mut self) {
            self.0.close();
        }
    }
    let _closing = CloseOnDrop(std::sync::Arc::clone(&live));
    tracer::trace(options, live)
}
