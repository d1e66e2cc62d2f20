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

use crate::error::{Error, errno_text};
use crate::net::kernel;
use crate::net::{self, ListenOptions};
use crate::transcript::{Op, Recorder, Side, Transcript};

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
    let rec = Recorder::new();
    let somaxconn = kernel::somaxconn().ok();
    let counters_before = kernel::tcp_ext_counters().unwrap_or_default();
    let listener = net::open_listener(
        &ListenOptions {
            backlog: options.backlog,
            ..ListenOptions::loopback()
        },
        &rec,
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
        format!(
            "does not accept() for {} ms (--wait)",
            options.wait.as_millis()
        ),
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
    rec.record(Side::Server, Op::Note, "starts to accept()".to_string());
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
    Ok(BacklogRun {
        options,
        somaxconn,
        applied_backlog: listening.map(|info| info.sacked),
        queue_len_before_accept: listening.map(|info| info.unacked),
        counters,
        clients: outcomes,
        accept_began_ms: ms(accept_began),
        transcript: Transcript {
            events: rec.events(),
            ..Transcript::default()
        },
    })
}

/// socket(), non-blocking, connect(): returns at once, the handshake goes on in the kernel.
/// A client whose connect fails outright keeps its error; the others go on.
fn start_connect(n: usize, addr: SocketAddr, rec: &Recorder) -> Option<Client> {
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
                format!("c{n} {addr} from {local} (non-blocking)"),
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
                format!("c{n} connect({addr}): {text}"),
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
    rec: &Recorder,
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
                            format!("c{} from {peer}", c.outcome.client),
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
                    format!("c{} handshake complete", client.outcome.client),
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

/// What the run shows, in plain words, from what was measured; the Linux rule (backlog + 1
/// handshakes complete without accept()) is a prediction compared with it.
pub fn findings(run: &BacklogRun) -> Vec<String> {
    let mut out = Vec::new();
    let asked = run.options.backlog;
    let applied = run.applied_backlog;
    out.push(match (run.somaxconn, applied) {
        (Some(cap), Some(applied)) if i64::from(asked) > i64::from(cap) => format!(
            "listen({asked}) asked for more than net.core.somaxconn ({cap}): TCP_INFO on the \
             listening socket shows the kernel applies {applied}."
        ),
        (Some(cap), Some(applied)) => format!(
            "net.core.somaxconn is {cap}; TCP_INFO on the listening socket shows a backlog of \
             {applied}."
        ),
        (None, Some(applied)) => format!(
            "TCP_INFO on the listening socket shows a backlog of {applied} \
             (net.core.somaxconn could not be read)."
        ),
        (cap, None) => format!(
            "The applied backlog could not be read (TCP_INFO on the listener); \
             net.core.somaxconn is {}.",
            cap.map_or("unknown".to_string(), |c| c.to_string())
        ),
    });
    let total = run.clients.len();
    let before = run.connected_before_accept();
    let queued = run
        .queue_len_before_accept
        .map_or(String::new(), |q| format!(" (the accept queue held {q})"));
    let mut text = format!(
        "Before any accept(): {before} of {total} handshakes completed{queued}; {} waited.",
        total - before
    );
    if let Some(applied) = applied {
        let room = applied as usize + 1;
        let predicted = room.min(total);
        if before == predicted && room >= total {
            text.push_str(&format!(
                " The waiting room (backlog + 1 = {room}) had space for every client."
            ));
        } else if before == predicted {
            text.push_str(&format!(
                " That is backlog + 1 = {room}, as Linux does: the accept queue holds backlog \
                 + 1 finished connections, and SYNs that find it full are dropped \
                 (ListenOverflows rose by {}).",
                run.counter("ListenOverflows")
            ));
        } else {
            text.push_str(&format!(
                " Linux usually completes backlog + 1 = {predicted}; this kernel differs."
            ));
        }
    }
    out.push(text);
    let late: Vec<f64> = run
        .clients
        .iter()
        .filter(|c| !c.connected_before_accept)
        .filter_map(|c| c.accepted_ms)
        .collect();
    if !late.is_empty() {
        let first = late.iter().cloned().fold(f64::INFINITY, f64::min);
        out.push(format!(
            "Once the server accepted, {} waiting client{} got in — not at once, but when the \
             client retried its dropped SYN (the first at {first:.0} ms).",
            late.len(),
            if late.len() == 1 { "" } else { "s" },
        ));
    }
    let stranded = run.stranded();
    if stranded > 0 {
        let cookies = run.counter("SyncookiesSent") + run.counter("TCPReqQFullDoCookies");
        let why = if cookies > 0 {
            "their retried SYNs found the queue full again, the kernel answered with SYN \
             cookies, and the final ACK was dropped because the queue was still full: the \
             client believes it is connected, the server never heard of it (it would be let \
             in when the client first sends data and the queue has room)"
        } else {
            "their handshakes completed too late for the demo's window"
        };
        out.push(format!(
            "{stranded} client{} connected on the client side but never accepted: {why}.",
            if stranded == 1 { "" } else { "s" }
        ));
    }
    let never = run
        .clients
        .iter()
        .filter(|c| c.connected_ms.is_none() && c.accepted_ms.is_none() && c.error.is_none())
        .count();
    if never > 0 {
        out.push(format!(
            "{never} client{} still waiting when the demo stopped ({} s after accept() began): \
             their next SYN retry comes later still.",
            if never == 1 { " was" } else { "s were" },
            ACCEPT_WINDOW.as_secs_f64()
        ));
    }
    let failed = run.clients.iter().filter(|c| c.error.is_some()).count();
    if failed > 0 {
        out.push(format!(
            "{failed} connect() calls failed outright: see the table."
        ));
    }
    out.push(
        "The backlog is a waiting room for finished handshakes, not a limit on clients: a \
         full room makes newcomers wait and retry."
            .into(),
    );
    out
}
