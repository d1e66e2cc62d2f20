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

use crate::error::{Error, errno_text};
use crate::net::kernel::{self, TcpState};
use crate::net::{self, ListenOptions, RecordedStream};
use crate::transcript::{Op, Recorder, Side, Transcript};

/// How long to wait for the closing handshake to settle before reading the socket table.
const SETTLE_LIMIT: Duration = Duration::from_secs(1);

/// `--closer`: which side closes the connection first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Closer {
    Client,
    Server,
    /// Run the matrix both ways.
    Both,
}

/// One measured combination.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReuseRow {
    /// SO_REUSEADDR on the server that exited (for the live-listener row: on the listener).
    pub old_reuseaddr: bool,
    pub new_reuseaddr: bool,
    /// `client`, `server`, or `live listener` (the old server never exited).
    pub closer: &'static str,
    /// A TIME_WAIT socket bound to the server's port was in the kernel's table.
    pub time_wait_seen: bool,
    /// Where the connection's TIME_WAIT socket was: `server port`, `client port`, or none.
    pub time_wait_on: Option<&'static str>,
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
}

/// Run every combination for the chosen closer(s), then the live-listener case.
pub fn run(closer: Closer) -> Result<ReuseRun, Error> {
    let rec = Recorder::new();
    let closers: &[&'static str] = match closer {
        Closer::Server => &["server"],
        Closer::Client => &["client"],
        Closer::Both => &["server", "client"],
    };
    let mut rows = Vec::new();
    for &who in closers {
        for old in [false, true] {
            for new in [false, true] {
                rows.push(restart(who, old, new, &rec)?);
            }
        }
    }
    rows.push(bind_beside_live_listener(&rec)?);
    Ok(ReuseRun {
        rows,
        transcript: Transcript {
            events: rec.events(),
            ..Transcript::default()
        },
    })
}

/// One server life: accept, close in the given order, exit, and a new bind on its port.
fn restart(closer: &'static str, old: bool, new: bool, rec: &Recorder) -> Result<ReuseRow, Error> {
    rec.record(
        Side::Server,
        Op::Note,
        format!(
            "old server SO_REUSEADDR {}, new server {}, {closer} closes first",
            on_off(old),
            on_off(new)
        ),
    );
    let listener = net::open_listener(
        &ListenOptions {
            reuseaddr: old,
            ..ListenOptions::loopback()
        },
        rec,
    )?;
    let addr = local_addr(&listener)?;
    let client = net::connect(addr, false, rec)?;
    let server = net::accept(&listener, rec)?;
    let client_addr = client
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))?;
    let (first, second) = if closer == "server" {
        (server, client)
    } else {
        (client, server)
    };
    close_in_order(first, second)?;
    drop(listener);
    rec.record(Side::Server, Op::Close, "the old server exits".to_string());

    let time_wait_on = settle_time_wait(addr, client_addr);
    rec.record(
        Side::Server,
        Op::Note,
        match time_wait_on {
            Some(side) => format!("/proc/net/tcp: TIME_WAIT on the {side}"),
            None => "/proc/net/tcp: no TIME_WAIT for this connection".to_string(),
        },
    );
    let outcome = bind_new_server(addr, new, rec);
    Ok(ReuseRow {
        old_reuseaddr: old,
        new_reuseaddr: new,
        closer,
        time_wait_seen: time_wait_on == Some("server port"),
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
fn settle_time_wait(server: SocketAddr, client: SocketAddr) -> Option<&'static str> {
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
                Some("server port")
            } else if client_side == Some(TcpState::TimeWait) {
                Some("client port")
            } else {
                None
            };
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A new server: socket(), SO_REUSEADDR as asked, bind() to the old port, listen().
fn bind_new_server(addr: SocketAddr, reuseaddr: bool, rec: &Recorder) -> Result<(), String> {
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
                format!(
                    "{addr} (new server, SO_REUSEADDR {}): ok",
                    on_off(reuseaddr)
                ),
            );
            Ok(())
        }
        Err(e) => {
            let text = errno_text(&e);
            rec.record(Side::Server, Op::Error, format!("new bind({addr}): {text}"));
            Err(text)
        }
    }
}

/// A second server binds the port while the first still listens, both with SO_REUSEADDR.
fn bind_beside_live_listener(rec: &Recorder) -> Result<ReuseRow, Error> {
    rec.record(
        Side::Server,
        Op::Note,
        "a live listener with SO_REUSEADDR on, and a second server with it on too".to_string(),
    );
    let listener = net::open_listener(
        &ListenOptions {
            reuseaddr: true,
            ..ListenOptions::loopback()
        },
        rec,
    )?;
    let addr = local_addr(&listener)?;
    let outcome = bind_new_server(addr, true, rec);
    drop(listener);
    Ok(ReuseRow {
        old_reuseaddr: true,
        new_reuseaddr: true,
        closer: "live listener",
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

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// What the matrix shows, in plain words, checked row by row against the rule Linux follows
/// (the bind succeeds past a TIME_WAIT only if both the old and the new socket set
/// SO_REUSEADDR; a live listener always blocks). Deviations are said, not hidden.
pub fn findings(rows: &[ReuseRow]) -> Vec<String> {
    let mut out = Vec::new();
    let server: Vec<&ReuseRow> = rows.iter().filter(|r| r.closer == "server").collect();
    if !server.is_empty() {
        let waits = server.iter().filter(|r| r.time_wait_seen).count();
        // The rule is about binding past a TIME_WAIT: judge it only where one was seen.
        let judged: Vec<&&ReuseRow> = server.iter().filter(|r| r.time_wait_seen).collect();
        let rule_held = judged
            .iter()
            .all(|r| r.bind_ok == (r.old_reuseaddr && r.new_reuseaddr));
        let mut text = format!(
            "Server closed first: the kernel listed a TIME_WAIT socket on the server's port in \
             {waits} of {} runs (the side that closes first waits, about 60 s on Linux). ",
            server.len()
        );
        if judged.is_empty() {
            text.push_str(
                "With no TIME_WAIT left on the port (this kernel kept none), nothing stood in \
                 the new bind()'s way.",
            );
        } else if rule_held {
            text.push_str(
                "The new bind() succeeded only when both the old and the new socket had set \
                 SO_REUSEADDR.",
            );
        } else {
            let ok: Vec<String> = judged
                .iter()
                .filter(|r| r.bind_ok)
                .map(|r| {
                    format!(
                        "old {}/new {}",
                        on_off(r.old_reuseaddr),
                        on_off(r.new_reuseaddr)
                    )
                })
                .collect();
            text.push_str(&format!(
                "The new bind() succeeded for: {}. This kernel differs from the usual Linux \
                 rule (both sockets must set SO_REUSEADDR).",
                if ok.is_empty() {
                    "none".to_string()
                } else {
                    ok.join(", ")
                }
            ));
        }
        out.push(text);
    }
    let client: Vec<&ReuseRow> = rows.iter().filter(|r| r.closer == "client").collect();
    if !client.is_empty() {
        let on_client = client
            .iter()
            .filter(|r| r.time_wait_on == Some("client port"))
            .count();
        let all_ok = client.iter().all(|r| r.bind_ok);
        out.push(format!(
            "Client closed first: the TIME_WAIT sat on the client's port in {on_client} of {} \
             runs, so the server's port was free{}",
            client.len(),
            if all_ok {
                ": every new bind() succeeded, with or without SO_REUSEADDR.".to_string()
            } else {
                ", yet some binds failed — see the table; this kernel differs here.".to_string()
            }
        ));
    }
    if let Some(live) = rows.iter().find(|r| r.closer == "live listener") {
        out.push(if live.bind_ok {
            "A second server bound the port while the first still listened: this kernel \
             allowed it (Linux normally refuses)."
                .to_string()
        } else {
            format!(
                "A server still listening keeps its port: the second bind() failed ({}) even \
                 with SO_REUSEADDR on both. SO_REUSEADDR lets a port go past TIME_WAIT, not \
                 past a live server.",
                live.error.as_deref().unwrap_or("refused")
            )
        });
    }
    out.push(
        "So do what the notes say — setsockopt(SO_REUSEADDR) before bind() — in every run of \
         your server: it only helps if the old server had set it too."
            .to_string(),
    );
    out
}
