//! `lab reuseaddr-demo`: why a restarted server can meet "Address already in use", measured.
//!
//! For each combination — who closes first, SO_REUSEADDR on the old server, on the new one —
//! a server accepts a client, they close, the server exits, and a new server binds the same
//! port at once. The kernel's socket table (/proc/net/tcp) says whether a TIME_WAIT socket was
//! left on the port; bind() says whether the new server got it.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use serde::Serialize;

use super::facts::{FactRecorder, Facts};
use crate::error::{Error, errno_text};
use crate::net::kernel::{self, TcpState};
use crate::net::{self, ListenOptions, RecordedStream};
use crate::transcript::{Op, Side, Transcript};

/// How long to wait for the closing handshake to settle before reading the socket table.
const SETTLE_LIMIT: Duration = Duration::from_secs(1);

/// Which side closes the connection first: the one that will hold TIME_WAIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closer {
    Client,
    Server,
}

/// What a row of the matrix did: a restart after one side closed first, or a second bind
/// beside a server that never stopped listening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "&'static str")]
pub enum Case {
    Restart(Closer),
    LiveListener,
}

impl Case {
    /// `client`, `server` or `live listener`: the JSON's `closer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Case::Restart(Closer::Client) => "client",
            Case::Restart(Closer::Server) => "server",
            Case::LiveListener => "live listener",
        }
    }
}

impl From<Case> for &'static str {
    fn from(case: Case) -> Self {
        case.as_str()
    }
}

/// Whose port a connection's TIME_WAIT socket was bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "&'static str")]
pub enum Port {
    Server,
    Client,
}

impl Port {
    /// `server port` or `client port`: the JSON's `time_wait_on`.
    pub fn as_str(self) -> &'static str {
        match self {
            Port::Server => "server port",
            Port::Client => "client port",
        }
    }
}

impl From<Port> for &'static str {
    fn from(port: Port) -> Self {
        port.as_str()
    }
}

/// One measured combination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReuseRow {
    /// SO_REUSEADDR on the server that exited (for the live-listener row: on the listener).
    pub old_reuseaddr: bool,
    pub new_reuseaddr: bool,
    /// Who closed first, or the live listener (the old server never exited).
    pub closer: Case,
    /// A TIME_WAIT socket bound to the server's port was in the kernel's table.
    pub time_wait_seen: bool,
    /// Where the connection's TIME_WAIT socket was, if anywhere.
    pub time_wait_on: Option<Port>,
    pub port: u16,
    pub bind_ok: bool,
    /// The errno name and message when bind() failed, e.g. `EADDRINUSE: Address in use`.
    pub error: Option<String>,
}

/// The matrix and the transcript of every socket call behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReuseRun {
    pub rows: Vec<ReuseRow>,
    pub transcript: Transcript,
    /// What the demo's own events say (the socket calls' details are in the transcript).
    pub details: Facts<Detail>,
}

/// What one of the demo's events says, typed: the views put it into words.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// A restart begins: SO_REUSEADDR on the old server and the new one, who closes first.
    Restart {
        old: bool,
        new: bool,
        closer: Closer,
    },
    /// The old server closes its listening socket and exits.
    OldServerExits,
    /// What /proc/net/tcp showed once the connection settled: TIME_WAIT on a port, or none.
    TimeWait(Option<Port>),
    /// The new server's bind() went through.
    NewBindOk { addr: SocketAddr, reuseaddr: bool },
    /// The new server's bind() failed: the errno and its words.
    NewBindFailed { addr: SocketAddr, error: String },
    /// The last case begins: a live listener, and a second server, both with SO_REUSEADDR.
    LiveListener,
}

/// What the matrix shows, with the figures measured: one value per conclusion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The server closed first: `waits` of `runs` left a TIME_WAIT on its port, and the
    /// rule (a bind past it needs SO_REUSEADDR on both sockets) compared with the binds.
    ServerClosedFirst {
        waits: usize,
        runs: usize,
        rule: ServerRule,
    },
    /// The client closed first: `on_client_port` of `runs` left the TIME_WAIT there.
    ClientClosedFirst {
        on_client_port: usize,
        runs: usize,
        every_bind_ok: bool,
    },
    /// A second bind beside a live listener failed with `error`, as Linux does.
    LiveListenerKeepsPort { error: Option<String> },
    /// A second bind beside a live listener went through: this kernel differs.
    LiveListenerShared,
    /// The moral: set SO_REUSEADDR in every run of a server.
    SetItEveryRun,
}

/// The rule for binding past a TIME_WAIT, against the measured binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerRule {
    /// No TIME_WAIT was left on the port: nothing to judge.
    NoTimeWait,
    /// The new bind() succeeded only where both sockets had set SO_REUSEADDR.
    Held,
    /// The binds went otherwise: the combinations (old, new SO_REUSEADDR) that bound.
    Differs { bound: Vec<(bool, bool)> },
}

impl Finding {
    /// The finding's stable code, for JSON (`finding_codes`).
    pub fn code(&self) -> &'static str {
        match self {
            Finding::ServerClosedFirst { rule, .. } => match rule {
                ServerRule::NoTimeWait => "server_closed_no_time_wait",
                ServerRule::Held => "server_closed_rule_held",
                ServerRule::Differs { .. } => "server_closed_rule_differs",
            },
            Finding::ClientClosedFirst {
                every_bind_ok: true,
                ..
            } => "client_closed_port_free",
            Finding::ClientClosedFirst {
                every_bind_ok: false,
                ..
            } => "client_closed_binds_failed",
            Finding::LiveListenerKeepsPort { .. } => "live_listener_keeps_port",
            Finding::LiveListenerShared => "live_listener_shared",
            Finding::SetItEveryRun => "set_reuseaddr_every_run",
        }
    }
}

/// Run every combination for each closer asked for, then the live-listener case.
pub fn run(closers: &[Closer]) -> Result<ReuseRun, Error> {
    let rec = FactRecorder::new();
    let mut rows = Vec::new();
    for &who in closers {
        for old in [false, true] {
            for new in [false, true] {
                rows.push(restart(who, old, new, &rec)?);
            }
        }
    }
    rows.push(bind_beside_live_listener(&rec)?);
    let (transcript, details) = rec.finish();
    Ok(ReuseRun {
        rows,
        transcript,
        details,
    })
}

/// One server life: accept, close in the given order, exit, and a new bind on its port.
fn restart(
    closer: Closer,
    old: bool,
    new: bool,
    rec: &FactRecorder<Detail>,
) -> Result<ReuseRow, Error> {
    rec.record(Side::Server, Op::Note, Detail::Restart { old, new, closer });
    let listener = net::open_listener(
        &ListenOptions {
            reuseaddr: old,
            ..ListenOptions::loopback()
        },
        rec.recorder(),
    )?;
    let addr = local_addr(&listener)?;
    let client = net::connect(addr, false, rec.recorder())?;
    let server = net::accept(&listener, rec.recorder())?;
    let client_addr = client
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))?;
    let (first, second) = if closer == Closer::Server {
        (server, client)
    } else {
        (client, server)
    };
    close_in_order(first, second)?;
    drop(listener);
    rec.record(Side::Server, Op::Close, Detail::OldServerExits);

    let time_wait_on = settle_time_wait(addr, client_addr);
    rec.record(Side::Server, Op::Note, Detail::TimeWait(time_wait_on));
    let outcome = bind_new_server(addr, new, rec);
    Ok(ReuseRow {
        old_reuseaddr: old,
        new_reuseaddr: new,
        closer: Case::Restart(closer),
        time_wait_seen: time_wait_on == Some(Port::Server),
        time_wait_on,
        port: addr.port(),
        bind_ok: outcome.is_ok(),
        error: outcome.err(),
    })
}

/// `first` closes (sends FIN); `second` reads end of stream and closes too, so `first`
/// goes on to TIME_WAIT — the side that closes first is the one that waits.
fn close_in_order(first: RecordedStream, mut second: RecordedStream) -> Result<(), Error> {
    first.close();
    let mut buf = [0u8; 16];
    loop {
        match second.recv(&mut buf) {
            Ok(0) => break,
            Ok(_) => continue,
            Err(e) => return Err(Error::io("recv()", e)),
        }
    }
    second.close();
    Ok(())
}

/// Watch the kernel's table until the connection has left its closing states, then say
/// which side holds TIME_WAIT (if any). Bounded by [`SETTLE_LIMIT`].
fn settle_time_wait(server: SocketAddr, client: SocketAddr) -> Option<Port> {
    let started = Instant::now();
    loop {
        let table = kernel::tcp_sockets().unwrap_or_default();
        let state_of = |local: SocketAddr, remote: SocketAddr| {
            table
                .iter()
                .find(|s| s.local == local && s.remote == remote)
                .map(|s| s.state)
        };
        let server_side = state_of(server, client);
        let client_side = state_of(client, server);
        let settled = |s: Option<TcpState>| matches!(s, None | Some(TcpState::TimeWait));
        if (settled(server_side) && settled(client_side)) || started.elapsed() > SETTLE_LIMIT {
            return if server_side == Some(TcpState::TimeWait) {
                Some(Port::Server)
            } else if client_side == Some(TcpState::TimeWait) {
                Some(Port::Client)
            } else {
                None
            };
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A new server: socket(), SO_REUSEADDR as asked, bind() to the old port, listen().
fn bind_new_server(
    addr: SocketAddr,
    reuseaddr: bool,
    rec: &FactRecorder<Detail>,
) -> Result<(), String> {
    let attempt = || -> io::Result<Socket> {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(reuseaddr)?;
        socket.bind(&SockAddr::from(addr))?;
        socket.listen(5)?;
        Ok(socket)
    };
    match attempt() {
        Ok(_socket) => {
            rec.record(
                Side::Server,
                Op::Bind,
                Detail::NewBindOk { addr, reuseaddr },
            );
            Ok(())
        }
        Err(e) => {
            let error = errno_text(&e);
            rec.record(
                Side::Server,
                Op::Error,
                Detail::NewBindFailed {
                    addr,
                    error: error.clone(),
                },
            );
            Err(error)
        }
    }
}

/// A second server binds the port while the first still listens, both with SO_REUSEADDR.
fn bind_beside_live_listener(rec: &FactRecorder<Detail>) -> Result<ReuseRow, Error> {
    rec.record(Side::Server, Op::Note, Detail::LiveListener);
    let listener = net::open_listener(
        &ListenOptions {
            reuseaddr: true,
            ..ListenOptions::loopback()
        },
        rec.recorder(),
    )?;
    let addr = local_addr(&listener)?;
    let outcome = bind_new_server(addr, true, rec);
    drop(listener);
    Ok(ReuseRow {
        old_reuseaddr: true,
        new_reuseaddr: true,
        closer: Case::LiveListener,
        time_wait_seen: false,
        time_wait_on: None,
        port: addr.port(),
        bind_ok: outcome.is_ok(),
        error: outcome.err(),
    })
}

fn local_addr(listener: &TcpListener) -> Result<SocketAddr, Error> {
    listener
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))
}

/// What the matrix shows, checked row by row against the rule Linux follows (the bind
/// succeeds past a TIME_WAIT only if both the old and the new socket set SO_REUSEADDR; a live
/// listener always blocks). Deviations are found, not hidden; `render::reuseaddr_view` says
/// them in words.
pub fn findings(rows: &[ReuseRow]) -> Vec<Finding> {
    let mut out = Vec::new();
    let closed_by = |closer| {
        rows.iter()
            .filter(move |r| r.closer == Case::Restart(closer))
    };
    let server: Vec<&ReuseRow> = closed_by(Closer::Server).collect();
    if !server.is_empty() {
        // The rule is about binding past a TIME_WAIT: judge it only where one was seen.
        let judged: Vec<&&ReuseRow> = server.iter().filter(|r| r.time_wait_seen).collect();
        let rule = if judged.is_empty() {
            ServerRule::NoTimeWait
        } else if judged
            .iter()
            .all(|r| r.bind_ok == (r.old_reuseaddr && r.new_reuseaddr))
        {
            ServerRule::Held
        } else {
            ServerRule::Differs {
                bound: judged
                    .iter()
                    .filter(|r| r.bind_ok)
                    .map(|r| (r.old_reuseaddr, r.new_reuseaddr))
                    .collect(),
            }
        };
        out.push(Finding::ServerClosedFirst {
            waits: judged.len(),
            runs: server.len(),
            rule,
        });
    }
    let client: Vec<&ReuseRow> = closed_by(Closer::Client).collect();
    if !client.is_empty() {
        out.push(Finding::ClientClosedFirst {
            on_client_port: client
                .iter()
                .filter(|r| r.time_wait_on == Some(Port::Client))
                .count(),
            runs: client.len(),
            every_bind_ok: client.iter().all(|r| r.bind_ok),
        });
    }
    if let Some(live) = rows.iter().find(|r| r.closer == Case::LiveListener) {
        out.push(if live.bind_ok {
            Finding::LiveListenerShared
        } else {
            Finding::LiveListenerKeepsPort {
                error: live.error.clone(),
            }
        });
    }
    out.push(Finding::SetItEveryRun);
    out
}
