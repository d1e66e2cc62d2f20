//! `lab proxy`: a troublemaker between client and server. It forwards both directions and can
//! re-chunk the stream into random small pieces (`--stammer`) or hold bytes and forward them
//! together (`--coalesce`) — so raw mode breaks visibly and framed mode keeps working, across
//! real processes.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::serve::{Served, Totals};
use super::stoppable;
use crate::error::Error;
use crate::net::ListenOptions;
use crate::tools::live::{Emitter, LiveKind};
use crate::tools::reasons::{Departure, End, Setup, Trouble, TurnAway};
use crate::tools::signal;

/// `--coalesce` forwards early once this much is held: memory stays bounded.
const MAX_HELD: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct ProxyOptions {
    pub listen: SocketAddr,
    pub to: SocketAddr,
    /// Re-chunk into random pieces of 1..=max_chunk bytes.
    pub stammer: bool,
    pub max_chunk: usize,
    /// Pause between stammered pieces.
    pub pause: Duration,
    pub seed: u64,
    /// Hold bytes this long after the first one arrives, then forward them together.
    pub coalesce: Option<Duration>,
}

/// Accept connections until a stop is requested; each gets its own upstream connection,
/// made on its own thread. The sums of every client's totals come back.
pub fn proxy(options: &ProxyOptions, emit: &Emitter) -> Result<Served, Error> {
    let listen_on = ListenOptions {
        addr: options.listen,
        reuseaddr: true,
        backlog: 16,
    };
    let setup = Setup::Proxy {
        to: options.to,
        trouble: trouble(options),
    };
    let listener = super::listen(&listen_on, setup, emit)?;
    Ok(accept_loop(&listener, options, emit))
}

fn trouble(options: &ProxyOptions) -> Trouble {
    match (options.stammer, options.coalesce) {
        (true, _) => Trouble::Stammer {
            max_chunk: options.max_chunk,
            pause: options.pause,
            seed: options.seed,
        },
        (false, Some(window)) => Trouble::Coalesce { window },
        (false, None) => Trouble::Forward,
    }
}

/// How long a client's upstream connect() may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Accept clients and give each a thread; nothing a client or the server does (a full
/// accept queue upstream, a peer that never reads, no thread to be had) holds up the next
/// client or a stop.
fn accept_loop(listener: &TcpListener, options: &ProxyOptions, emit: &Emitter) -> Served {
    let active = AtomicUsize::new(0);
    let served = Mutex::new(Served::default());
    thread::scope(|scope| {
        let mut connection = 0u64;
        let mut last_error = None;
        while !signal::stop_requested() {
            // A transparent proxy has no words of its own for a client it cannot accept.
            let accepted = super::accept_next(listener, emit, &mut last_error, |_| false);
            let Some((client, peer)) = accepted else {
                continue;
            };
            connection += 1;
            let seed = options
                .seed
                .wrapping_add(connection.wrapping_mul(1_000_003));
            let clients = active.fetch_add(1, Ordering::SeqCst) + 1;
            let (active, served) = (&active, &served);
            let spawned = thread::Builder::new().spawn_scoped(scope, move || {
                emit.emit(Some(peer), LiveKind::Accepted { clients });
                let totals = session(&client, peer, seed, options, emit);
                if let Ok(mut served) = served.lock() {
                    served.add(&totals);
                }
                active.fetch_sub(1, Ordering::SeqCst);
            });
            if let Err(e) = spawned {
                // The client went with the closure: closed. Its place is free again.
                active.fetch_sub(1, Ordering::SeqCst);
                let why = TurnAway::NoThread {
                    error: e.to_string(),
                    retry: false,
                };
                emit.emit(Some(peer), LiveKind::Refused { why });
            }
        }
    });
    served.into_inner().unwrap_or_default()
}

/// One client: connect upstream, forward both ways, then say how it ended and what went
/// through.
fn session(
    client: &TcpStream,
    peer: SocketAddr,
    seed: u64,
    options: &ProxyOptions,
    emit: &Emitter,
) -> Totals {
    let left = |why: Departure| emit.emit(Some(peer), LiveKind::Left { why });
    let upstream = match open_upstream(client, options) {
        Ok(upstream) => upstream,
        Err(end) => {
            left(Departure::NoUpstream(end));
            return totals_event(peer, emit, &Flow::default(), &Flow::default());
        }
    };
    let pump = |from, to, to_server, seed| Pump {
        from,
        to,
        to_server,
        peer,
        seed,
        options,
        emit,
    };
    let (there, back) = forward_both_ways(
        pump(client, &upstream, true, seed),
        pump(&upstream, client, false, seed ^ 1),
    );
    left(Departure::Proxied {
        there: there.end.clone(),
        back: back.end.clone(),
    });
    totals_event(peer, emit, &there, &back)
}

/// The server's end of a client's connection, both made non-blocking.
fn open_upstream(client: &TcpStream, options: &ProxyOptions) -> Result<TcpStream, End> {
    let upstream = stoppable::connect(options.to, CONNECT_TIMEOUT).map_err(|e| {
        if stoppable::is_stopping(&e) {
            End::Stopped
        } else {
            End::Unreachable {
                to: options.to,
                error: e.to_string(),
            }
        }
    })?;
    client
        .set_nonblocking(true)
        .map_err(|e| End::NonBlocking(e.to_string()))?;
    Ok(upstream)
}

/// Run `there` on this thread and `back` on a second one, until both have ended.
fn forward_both_ways(there: Pump, back: Pump) -> (Flow, Flow) {
    thread::scope(|scope| {
        let reverse = thread::Builder::new().spawn_scoped(scope, || back.run());
        let reverse = match reverse {
            Ok(reverse) => reverse,
            Err(e) => {
                let end = End::NoThread(e.to_string());
                return (
                    Flow {
                        end,
                        ..Flow::default()
                    },
                    Flow::default(),
                );
            }
        };
        let there = there.run();
        let back = reverse.join().unwrap_or_else(|_| Flow {
            end: End::ThreadFailed,
            ..Flow::default()
        });
        (there, back)
    })
}

/// The client's totals, logged and returned: what it sent, what came back to it.
fn totals_event(peer: SocketAddr, emit: &Emitter, there: &Flow, back: &Flow) -> Totals {
    let totals = Totals {
        bytes_in: there.bytes,
        bytes_out: back.bytes,
        recv_calls: there.reads + back.reads,
        messages: 0,
    };
    emit.emit(Some(peer), totals.event());
    totals
}

/// What went one way.
#[derive(Debug, Clone, Default)]
struct Flow {
    bytes: u64,
    /// recv() calls that brought bytes.
    reads: u64,
    end: End,
}

/// One direction of a session, on non-blocking sockets shared with the other direction.
struct Pump<'a> {
    from: &'a TcpStream,
    to: &'a TcpStream,
    to_server: bool,
    peer: SocketAddr,
    seed: u64,
    options: &'a ProxyOptions,
    emit: &'a Emitter,
}

impl Pump<'_> {
    /// Copy until the sender closes (then pass the FIN on), a failure, or a stop, making the
    /// trouble asked for.
    fn run(&self) -> Flow {
        let mut flow = Flow::default();
        let mut rng = fastrand::Rng::with_seed(self.seed);
        let mut buf = vec![0u8; 65_536];
        let mut held: Vec<u8> = Vec::new();
        let mut held_since: Option<Instant> = None;
        flow.end = loop {
            // Coalescing: wait for more only until what is held is due.
            let due = match (self.options.coalesce, held_since) {
                (Some(window), Some(since)) => Some(window.saturating_sub(since.elapsed())),
                _ => None,
            };
            let read = match due {
                Some(due) if due.is_zero() => Err(io::ErrorKind::TimedOut.into()),
                _ => stoppable::read(self.from, &mut buf, due),
            };
            let n = match read {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    if let Err(end) = self.forward(&held) {
                        break end;
                    }
                    held.clear();
                    held_since = None;
                    continue;
                }
                Err(e) => break ended(&e),
            };
            if n == 0 {
                if let Err(end) = self.forward(&held) {
                    break end;
                }
                let _ = self.to.shutdown(Shutdown::Write);
                break End::Closed;
            }
            flow.bytes += n as u64;
            flow.reads += 1;
            let bytes = &buf[..n];
            let result = if self.options.stammer {
                self.stammer(bytes, &mut rng)
            } else if self.options.coalesce.is_some() {
                held.extend_from_slice(bytes);
                held_since.get_or_insert_with(Instant::now);
                if held.len() >= MAX_HELD {
                    let result = self.forward(&held);
                    held.clear();
                    held_since = None;
                    result
                } else {
                    Ok(())
                }
            } else {
                self.forward(bytes)
            };
            if let Err(end) = result {
                break end;
            }
        };
        if flow.end != End::Closed {
            // Broken one way: end the other way too, rather than leave it half alive.
            let _ = self.from.shutdown(Shutdown::Both);
            let _ = self.to.shutdown(Shutdown::Both);
        }
        flow
    }

    /// Send `bytes` on (nothing if empty) and log them.
    fn forward(&self, bytes: &[u8]) -> Result<(), End> {
        if bytes.is_empty() {
            return Ok(());
        }
        stoppable::write_all(self.to, bytes, None).map_err(|e| ended(&e))?;
        self.emit.emit(
            Some(self.peer),
            LiveKind::Forward {
                to_server: self.to_server,
                len: bytes.len(),
                bytes: bytes.to_vec(),
            },
        );
        Ok(())
    }

    /// Forward `bytes` as random pieces of 1..=max_chunk bytes, pausing between them.
    fn stammer(&self, mut bytes: &[u8], rng: &mut fastrand::Rng) -> Result<(), End> {
        while !bytes.is_empty() {
            let n = rng.usize(1..=self.options.max_chunk).min(bytes.len());
            self.forward(&bytes[..n])?;
            bytes = &bytes[n..];
            if !self.options.pause.is_zero() && !stoppable::sleep(self.options.pause) {
                return Err(End::Stopped);
            }
        }
        Ok(())
    }
}

/// How a failed socket call ended a direction.
fn ended(e: &io::Error) -> End {
    if stoppable::is_stopping(e) {
        End::Stopped
    } else if matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
    ) {
        End::Reset
    } else {
        End::Failed(e.to_string())
    }
}
