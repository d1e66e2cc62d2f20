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

use super::reuseaddr_demo::errno_text;
use crate::error::Error;
use crate::kernel;
use crate::net::{self, ListenOptions};
use crate::transcript::{Op, Recorder, Side, Transcript};

/// How long, at most, the server keeps accepting after the wait (SYN retries come at 1 s,
/// then 3 s; one retry round fits).
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

#[derive(Debug, Clone, PartialEq)]
pub struct BacklogRun {
    pub options: BacklogOptions,
    /// `net.core.somaxconn` as read at run time.
    pub somaxconn: Option<i32>,
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

    /// The backlog the kernel applies: what listen() asked for, capped by somaxconn.
    pub fn applied_backlog(&self) -> i32 {
        self.somaxconn
            .map_or(self.options.backlog, |cap| self.options.backlog.min(cap))
    }
}

struct Client {
    socket: Socket,
    local: SocketAddr,
    outcome: ClientOutcome,
}

pub fn run(options: BacklogOptions) -> Result<BacklogRun, Error> {
    let rec = Recorder::new();
    let somaxconn = kernel::somaxconn().ok();
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

    let mut clients = Vec::with_capacity(options.clients);
    for n in 1..=options.clients {
        clients.push(start_connect(n, addr, &rec)?);
    }
    rec.record(
        Side::Server,
        Op::Note,
        format!(
            "does not accept() for {} ms (--wait)",
            options.wait.as_millis()
        ),
    );
    std::thread::sleep(options.wait);
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

    let outcomes = clients.into_iter().map(|c| c.outcome).collect();
    Ok(BacklogRun {
        options,
        somaxconn,
        clients: outcomes,
        accept_began_ms: ms(accept_began),
        transcript: Transcript {
            events: rec.events(),
            ..Transcript::default()
        },
    })
}

/// socket(), non-blocking, connect(): returns at once, the handshake goes on in the kernel.
fn start_connect(n: usize, addr: SocketAddr, rec: &Recorder) -> Result<Client, Error> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))
        .map_err(|e| Error::io("socket()", e))?;
    socket
        .set_nonblocking(true)
        .map_err(|e| Error::io("fcntl(O_NONBLOCK)", e))?;
    match socket.connect(&SockAddr::from(addr)) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(Error::io(format!("connect({addr})"), e)),
    }
    let local = socket
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .ok_or_else(|| Error::io("getsockname()", io::Error::other("no local address")))?;
    rec.record(
        Side::Client,
        Op::Connect,
        format!("c{n} {addr} from {local} (non-blocking)"),
    );
    Ok(Client {
        socket,
        local,
        outcome: ClientOutcome {
            client: n,
            port: local.port(),
            connected_before_accept: false,
            connected_ms: None,
            accepted_ms: None,
            state_before_accept: None,
            error: None,
        },
    })
}

/// Has this client's handshake completed? getpeername() answers only once it has; a failed
/// connect shows in SO_ERROR.
fn check_connected(client: &mut Client, started: Instant) -> bool {
    if client.outcome.connected_ms.is_some() {
        return true;
    }
    if let Ok(Some(e)) = client.socket.take_error() {
        client.outcome.error = Some(errno_text(&e));
        return false;
    }
    if client.socket.peer_addr().is_ok() {
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
                    format!("c{} connected (its SYN was retried)", client.outcome.client),
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

/// What the run shows, in plain words, from the measured counts; the Linux rule (backlog + 1
/// handshakes complete without accept()) is a prediction compared with them.
pub fn findings(run: &BacklogRun) -> Vec<String> {
    let mut out = Vec::new();
    let asked = run.options.backlog;
    let applied = run.applied_backlog();
    match run.somaxconn {
        Some(cap) if asked > cap => out.push(format!(
            "listen({asked}) asked for more than net.core.somaxconn ({cap}): the kernel \
             silently uses {cap}."
        )),
        Some(cap) => out.push(format!(
            "net.core.somaxconn is {cap}, so listen({asked}) keeps a backlog of {asked}."
        )),
        None => out.push("net.core.somaxconn could not be read; the backlog is as asked.".into()),
    }
    let total = run.clients.len();
    let before = run.connected_before_accept();
    let waiting = total - before;
    let predicted = (applied as usize + 1).min(total);
    let mut text =
        format!("Before any accept(): {before} of {total} handshakes completed; {waiting} waited.");
    let room = applied as usize + 1;
    if before == predicted && room >= total {
        text.push_str(&format!(
            " The waiting room (backlog + 1 = {room}) had space for every client."
        ));
    } else if before == predicted {
        text.push_str(&format!(
            " That is backlog + 1 = {predicted}, as Linux does: the accept queue holds \
             backlog + 1 finished connections, and SYNs beyond it are dropped."
        ));
    } else {
        text.push_str(&format!(
            " Linux usually completes backlog + 1 = {predicted}; this kernel differs."
        ));
    }
    out.push(text);
    let late: Vec<f64> = run
        .clients
        .iter()
        .filter(|c| !c.connected_before_accept)
        .filter_map(|c| c.connected_ms)
        .collect();
    if !late.is_empty() {
        let first = late.iter().cloned().fold(f64::INFINITY, f64::min);
        out.push(format!(
            "Once the server accepted, {} waiting client{} got through — not at once, but when \
             the client retried its dropped SYN (first at {:.0} ms after the connects).",
            late.len(),
            if late.len() == 1 { "" } else { "s" },
            first
        ));
    }
    let never = run
        .clients
        .iter()
        .filter(|c| c.accepted_ms.is_none())
        .count();
    if never > 0 {
        out.push(format!(
            "{never} client{} not accepted within the demo's window ({} s): their next SYN \
             retry comes later still.",
            if never == 1 { " was" } else { "s were" },
            ACCEPT_WINDOW.as_secs_f64()
        ));
    }
    out.push(
        "The backlog is a waiting room, not a limit on clients: a full room makes newcomers \
         wait (and retry), it does not refuse them."
            .into(),
    );
    out
}
