//! `lab backlog-demo`: listen(n) as a waiting room (半连接池), measured.
//!
//! The server listens and does not accept. Clients connect without blocking; after a wait,
//! each is checked: did its handshake complete (the kernel queued it for accept()), or is it
//! still waiting (its SYN was dropped and will be retried)? Then the server accepts all it
//! can, and the waiting clients are watched as their retried SYNs get through.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::facts::{FactRecorder, Facts};
use crate::error::{Error, errno_text};
use crate::net::kernel;
use crate::net::{self, ListenOptions};
use crate::transcript::{Op, Side, Transcript};

/// How long, at most, the server keeps accepting after the wait: the first SYN retry
/// comes after about a second, so one round of retries fits.
const ACCEPT_WINDOW: Duration = Duration::from_millis(2500);
const POLL: Duration = Duration::from_millis(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BacklogOptions {
    pub backlog: i32,
    pub clients: usize,
    pub wait: Duration,
}

/// What happened to one client.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClientOutcome {
    /// Client number, from 1, in connect order.
    pub client: usize,
    pub port: u16,
    /// The handshake had completed when the wait ended, before any accept().
    pub connected_before_accept: bool,
    /// When the handshake was seen complete, in ms since the first connect.
    pub connected_ms: Option<f64>,
    /// When the server's accept() returned a connection from this client.
    pub accepted_ms: Option<f64>,
    /// The client socket's state in the kernel's table when the wait ended (ESTABLISHED,
    /// or SYN_SENT while its SYN goes unanswered).
    pub state_before_accept: Option<String>,
    /// A connect that failed (refused, timed out).
    pub error: Option<String>,
}

/// Kernel counters (TcpExt) that moved during the run, in this network namespace.
pub const WATCHED_COUNTERS: [&str; 4] = [
    "ListenOverflows",
    "ListenDrops",
    "SyncookiesSent",
    "TCPReqQFullDoCookies",
];

#[derive(Debug, Clone, PartialEq)]
pub struct BacklogRun {
    pub options: BacklogOptions,
    /// `net.core.somaxconn` as read at run time.
    pub somaxconn: Option<i32>,
    /// The backlog the kernel applies, as TCP_INFO on the listening socket reports it.
    pub applied_backlog: Option<u32>,
    /// Connections waiting in the accept queue when the wait ended (TCP_INFO).
    pub queue_len_before_accept: Option<u32>,
    /// How much each of [`WATCHED_COUNTERS`] rose during the run.
    pub counters: Vec<(&'static str, u64)>,
    pub clients: Vec<ClientOutcome>,
    /// When the server began to accept, in ms since the first connect.
    pub accept_began_ms: f64,
    pub transcript: Transcript,
    /// What the demo's own events say (the socket calls' details are in the transcript).
    pub details: Facts<Detail>,
}

/// What one of the demo's events says, typed: the views put it into words.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// The server waits this long before its first accept() (`--wait`).
    NoAcceptFor { ms: u128 },
    /// Client `client` connects to `addr` from `local`, without blocking.
    Connecting {
        client: usize,
        addr: SocketAddr,
        local: SocketAddr,
    },
    /// Client `client`'s connect() failed outright.
    ConnectFailed {
        client: usize,
        addr: SocketAddr,
        error: String,
    },
    /// The wait is over: the server accepts all it can.
    StartsToAccept,
    /// accept() returned client `client`'s connection.
    Accepted { client: usize, peer: SocketAddr },
    /// Client `client` sees its handshake complete (after accept() began).
    HandshakeComplete { client: usize },
}

/// What the run shows, with the figures measured: one value per conclusion.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// listen() asked for more than `net.core.somaxconn`; the kernel applies `applied`.
    BacklogCapped {
        asked: i32,
        somaxconn: i32,
        applied: u32,
    },
    /// The backlog the kernel applies, next to `net.core.somaxconn`.
    BacklogApplied { somaxconn: i32, applied: u32 },
    /// The applied backlog, where `net.core.somaxconn` could not be read.
    SomaxconnUnread { applied: u32 },
    /// The applied backlog could not be read (TCP_INFO on the listener).
    BacklogUnread { somaxconn: Option<i32> },
    /// How many handshakes completed before any accept(), and the Linux rule compared.
    BeforeAccept {
        completed: usize,
        total: usize,
        /// The accept queue's length then (TCP_INFO).
        queued: Option<u32>,
        /// `None` when the applied backlog is unknown.
        rule: Option<RoomRule>,
    },
    /// Waiting clients that got in once accept() began, on a retried SYN.
    InOnSynRetry { clients: usize, first_ms: f64 },
    /// Clients connected on their side but never accepted.
    Stranded {
        clients: usize,
        /// The kernel answered with SYN cookies (the final ACK met a full queue).
        syn_cookies: bool,
    },
    /// Clients still waiting when the demo stopped, `window` after accept() began.
    StillWaiting { clients: usize, window: Duration },
    /// connect() calls that failed outright.
    ConnectsFailed { calls: usize },
    /// The moral: a waiting room for finished handshakes, not a limit on clients.
    WaitingRoomNotLimit,
}

/// The Linux rule — backlog + 1 handshakes complete without accept() — against the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomRule {
    /// The room (backlog + 1) had space for every client.
    RoomForAll { room: usize },
    /// Exactly backlog + 1 completed; `overflows` is how much ListenOverflows rose.
    BacklogPlusOne { room: usize, overflows: u64 },
    /// Linux would have completed `predicted`; this kernel did not.
    Differs { predicted: usize },
}

impl Finding {
    /// The finding's stable code, for JSON (`finding_codes`).
    pub fn code(&self) -> &'static str {
        match self {
            Finding::BacklogCapped { .. } => "backlog_capped",
            Finding::BacklogApplied { .. } => "backlog_applied",
            Finding::SomaxconnUnread { .. } => "somaxconn_unread",
            Finding::BacklogUnread { .. } => "backlog_unread",
            Finding::BeforeAccept { rule: None, .. } => "handshakes_before_accept",
            Finding::BeforeAccept {
                rule: Some(rule), ..
            } => match rule {
                RoomRule::RoomForAll { .. } => "room_for_all",
                RoomRule::BacklogPlusOne { .. } => "backlog_plus_one",
                RoomRule::Differs { .. } => "backlog_rule_differs",
            },
            Finding::InOnSynRetry { .. } => "in_on_syn_retry",
            Finding::Stranded {
                syn_cookies: true, ..
            } => "stranded_by_syn_cookies",
            Finding::Stranded {
                syn_cookies: false, ..
            } => "stranded_too_late",
            Finding::StillWaiting { .. } => "still_waiting",
            Finding::ConnectsFailed { .. } => "connects_failed",
            Finding::WaitingRoomNotLimit => "waiting_room_not_limit",
        }
    }
}

impl BacklogRun {
    pub fn connected_before_accept(&self) -> usize {
        self.clients
            .iter()
            .filter(|c| c.connected_before_accept)
            .count()
    }

    pub fn accepted(&self) -> usize {
        self.clients
            .iter()
            .filter(|c| c.accepted_ms.is_some())
            .count()
    }

    /// Clients whose handshake completed (client side) but that the server never accepted.
    pub fn stranded(&self) -> usize {
        self.clients
            .iter()
            .filter(|c| c.connected_ms.is_some() && c.accepted_ms.is_none())
            .count()
    }

    /// How much a watched kernel counter rose during the run.
    pub fn counter(&self, name: &str) -> u64 {
        self.counters
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, v)| *v)
    }
}

struct Client {
    socket: Option<Socket>,
    local: SocketAddr,
    outcome: ClientOutcome,
}

impl Client {
    /// A client whose connect() failed: nothing to watch, only its error to report.
    fn failed(outcome: ClientOutcome) -> Client {
        Client {
            socket: None,
            local: SocketAddr::from(([0, 0, 0, 0], 0)),
            outcome,
        }
    }
}

pub fn run(options: BacklogOptions) -> Result<BacklogRun, Error> {
    let rec = FactRecorder::new();
    let somaxconn = kernel::somaxconn().ok();
    let counters_before = kernel::tcp_ext_counters().unwrap_or_default();
    let listener = net::open_listener(
        &ListenOptions {
            backlog: options.backlog,
            ..ListenOptions::loopback()
        },
        rec.recorder(),
    )?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))?;
    let started = Instant::now();
    let ms = |at: Instant| at.duration_since(started).as_secs_f64() * 1000.0;

    let clients: Vec<Client> = (1..=options.clients)
        .filter_map(|n| start_connect(n, addr, &rec))
        .collect();
    let mut clients = clients;
    rec.record(
        Side::Server,
        Op::Note,
        Detail::NoAcceptFor {
            ms: options.wait.as_millis(),
        },
    );
    std::thread::sleep(options.wait);
    let listening = kernel::tcp_info(&listener).ok();
    let table = kernel::tcp_sockets().unwrap_or_default();
    for client in &mut clients {
        if check_connected(client, started) {
            client.outcome.connected_before_accept = true;
        }
        client.outcome.state_before_accept = table
            .iter()
            .find(|s| s.local == client.local && s.remote == addr)
            .map(|s| s.state.name());
    }
    let accept_began = Instant::now();
    rec.record(Side::Server, Op::Note, Detail::StartsToAccept);
    accept_until_done(&listener, &mut clients, accept_began, started, &rec)?;
    let counters_after = kernel::tcp_ext_counters().unwrap_or_default();
    let counters = WATCHED_COUNTERS
        .iter()
        .map(|&name| {
            let rise = counters_after
                .get(name)
                .unwrap_or(&0)
                .saturating_sub(*counters_before.get(name).unwrap_or(&0));
            (name, rise)
        })
        .collect();

    let outcomes = clients.into_iter().map(|c| c.outcome).collect();
    let (transcript, details) = rec.finish();
    Ok(BacklogRun {
        options,
        somaxconn,
        applied_backlog: listening.map(|info| info.sacked),
        queue_len_before_accept: listening.map(|info| info.unacked),
        counters,
        clients: outcomes,
        accept_began_ms: ms(accept_began),
        transcript,
        details,
    })
}

/// socket(), non-blocking, connect(): returns at once, the handshake goes on in the kernel.
/// A client whose connect fails outright keeps its error; the others go on.
fn start_connect(n: usize, addr: SocketAddr, rec: &FactRecorder<Detail>) -> Option<Client> {
    let mut outcome = ClientOutcome {
        client: n,
        port: 0,
        connected_before_accept: false,
        connected_ms: None,
        accepted_ms: None,
        state_before_accept: None,
        error: None,
    };
    let started = (|| -> io::Result<(Socket, SocketAddr)> {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
        socket.set_nonblocking(true)?;
        match socket.connect(&SockAddr::from(addr)) {
            Err(e) if e.raw_os_error() != Some(libc::EINPROGRESS) => return Err(e),
            _ => {}
        }
        let local = socket
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("no local address"))?;
        Ok((socket, local))
    })();
    match started {
        Ok((socket, local)) => {
            outcome.port = local.port();
            rec.record(
                Side::Client,
                Op::Connect,
                Detail::Connecting {
                    client: n,
                    addr,
                    local,
                },
            );
            Some(Client {
                socket: Some(socket),
                local,
                outcome,
            })
        }
        Err(e) => {
            let text = errno_text(&e);
            rec.record(
                Side::Client,
                Op::Error,
                Detail::ConnectFailed {
                    client: n,
                    addr,
                    error: text.clone(),
                },
            );
            outcome.error = Some(text);
            Some(Client::failed(outcome))
        }
    }
}

/// Has this client's handshake completed? getpeername() answers only once it has; a failed
/// connect shows in SO_ERROR.
fn check_connected(client: &mut Client, started: Instant) -> bool {
    if client.outcome.connected_ms.is_some() {
        return true;
    }
    let Some(socket) = &client.socket else {
        return false;
    };
    if let Ok(Some(e)) = socket.take_error() {
        client.outcome.error = Some(errno_text(&e));
        return false;
    }
    if socket.peer_addr().is_ok() {
        client.outcome.connected_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        return true;
    }
    false
}

/// Accept every connection that arrives and watch the waiting clients, until every client
/// is accepted (or failed) or the window closes.
fn accept_until_done(
    listener: &TcpListener,
    clients: &mut [Client],
    began: Instant,
    started: Instant,
    rec: &FactRecorder<Detail>,
) -> Result<(), Error> {
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::io("fcntl(O_NONBLOCK)", e))?;
    let mut accepted = Vec::new();
    while began.elapsed() < ACCEPT_WINDOW {
        loop {
            match listener.accept() {
                Ok((stream, peer)) => {
                    let at = started.elapsed().as_secs_f64() * 1000.0;
                    if let Some(c) = clients.iter_mut().find(|c| c.local == peer) {
                        c.outcome.accepted_ms = Some(at);
                        rec.record(
                            Side::Server,
                            Op::Accept,
                            Detail::Accepted {
                                client: c.outcome.client,
                                peer,
                            },
                        );
                    }
                    accepted.push(stream);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(Error::io("accept()", e)),
            }
        }
        for client in clients.iter_mut() {
            let was = client.outcome.connected_ms.is_some();
            if check_connected(client, started) && !was {
                rec.record(
                    Side::Client,
                    Op::Note,
                    Detail::HandshakeComplete {
                        client: client.outcome.client,
                    },
                );
            }
        }
        let done = clients
            .iter()
            .all(|c| c.outcome.accepted_ms.is_some() || c.outcome.error.is_some());
        if done {
            break;
        }
        std::thread::sleep(POLL);
    }
    Ok(())
}

/// What the run shows, measured; the Linux rule (backlog + 1 handshakes complete without
/// accept()) is a prediction compared with it. `render::backlog_view` says it in words.
pub fn findings(run: &BacklogRun) -> Vec<Finding> {
    let mut out = vec![backlog_applied(run)];
    let total = run.clients.len();
    let completed = run.connected_before_accept();
    let rule = run.applied_backlog.map(|applied| {
        let room = applied as usize + 1;
        let predicted = room.min(total);
        if completed == predicted && room >= total {
            RoomRule::RoomForAll { room }
        } else if completed == predicted {
            RoomRule::BacklogPlusOne {
                room,
                overflows: run.counter("ListenOverflows"),
            }
        } else {
            RoomRule::Differs { predicted }
        }
    });
    out.push(Finding::BeforeAccept {
        completed,
        total,
        queued: run.queue_len_before_accept,
        rule,
    });
    let late: Vec<f64> = run
        .clients
        .iter()
        .filter(|c| !c.connected_before_accept)
        .filter_map(|c| c.accepted_ms)
        .collect();
    if !late.is_empty() {
        out.push(Finding::InOnSynRetry {
            clients: late.len(),
            first_ms: late.iter().cloned().fold(f64::INFINITY, f64::min),
        });
    }
    let stranded = run.stranded();
    if stranded > 0 {
        let cookies = run.counter("SyncookiesSent") + run.counter("TCPReqQFullDoCookies");
        out.push(Finding::Stranded {
            clients: stranded,
            syn_cookies: cookies > 0,
        });
    }
    let never = run
        .clients
        .iter()
        .filter(|c| c.connected_ms.is_none() && c.accepted_ms.is_none() && c.error.is_none())
        .count();
    if never > 0 {
        out.push(Finding::StillWaiting {
            clients: never,
            window: ACCEPT_WINDOW,
        });
    }
    let failed = run.clients.iter().filter(|c| c.error.is_some()).count();
    if failed > 0 {
        out.push(Finding::ConnectsFailed { calls: failed });
    }
    out.push(Finding::WaitingRoomNotLimit);
    out
}

/// What the kernel made of the backlog asked for.
fn backlog_applied(run: &BacklogRun) -> Finding {
    let asked = run.options.backlog;
    match (run.somaxconn, run.applied_backlog) {
        (Some(somaxconn), Some(applied)) if i64::from(asked) > i64::from(somaxconn) => {
            Finding::BacklogCapped {
                asked,
                somaxconn,
                applied,
            }
        }
        (Some(somaxconn), Some(applied)) => Finding::BacklogApplied { somaxconn, applied },
        (None, Some(applied)) => Finding::SomaxconnUnread { applied },
        (somaxconn, None) => Finding::BacklogUnread { somaxconn },
    }
}
