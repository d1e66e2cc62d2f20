//! `lab proxy`: a troublemaker between client and server. It forwards both directions and can
//! re-chunk the stream into random small pieces (`--stammer`) or hold bytes and forward them
//! together (`--coalesce`) — so raw mode breaks visibly and framed mode keeps working, across
//! real processes.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use super::TICK;
use crate::error::Error;
use crate::live::{Emitter, Leave, LiveKind};
use crate::net::ListenOptions;
use crate::signal;

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

/// Accept connections until a stop is requested; each gets its own upstream connection.
pub fn proxy(options: &ProxyOptions, emit: &Emitter) -> Result<(), Error> {
    let listen_on = ListenOptions {
        addr: options.listen,
        reuseaddr: true,
        backlog: 16,
    };
    let detail = format!(
        "forwarding to {}; {}; Ctrl-C stops",
        options.to,
        trouble(options)
    );
    let listener = super::listen(&listen_on, detail, emit)?;
    accept_loop(&listener, options, emit);
    Ok(())
}

fn trouble(options: &ProxyOptions) -> String {
    match (options.stammer, options.coalesce) {
        (true, _) => format!(
            "stammering: pieces of 1..{} bytes, {} ms apart, seed {}",
            options.max_chunk,
            options.pause.as_millis(),
            options.seed
        ),
        (false, Some(window)) => format!("coalescing: bytes held {} ms", window.as_millis()),
        (false, None) => "forwarding as received".into(),
    }
}

fn accept_loop(listener: &TcpListener, options: &ProxyOptions, emit: &Emitter) {
    thread::scope(|scope| {
        let mut connection = 0u64;
        let mut last_error = None;
        while !signal::stop_requested() {
            let Some((client, peer)) = super::accept_next(listener, emit, &mut last_error) else {
                continue;
            };
            connection += 1;
            let upstream = match TcpStream::connect_timeout(&options.to, Duration::from_secs(5)) {
                Ok(s) => s,
                Err(e) => {
                    emit.emit(
                        Some(peer),
                        LiveKind::Left {
                            reason: Leave::Error,
                            detail: format!("cannot reach {}: {e}; client closed", options.to),
                        },
                    );
                    continue;
                }
            };
            emit.emit(Some(peer), LiveKind::Accepted { clients: 1 });
            let seed = options
                .seed
                .wrapping_add(connection.wrapping_mul(1_000_003));
            let (Ok(client_r), Ok(upstream_r)) = (client.try_clone(), upstream.try_clone()) else {
                continue;
            };
            scope.spawn(move || pump(client_r, upstream, true, peer, seed, options, emit));
            scope.spawn(move || pump(upstream_r, client, false, peer, seed ^ 1, options, emit));
        }
    });
}

/// Copy one direction, making the trouble asked for; at end of stream, pass the FIN on.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    to_server: bool,
    peer: SocketAddr,
    seed: u64,
    options: &ProxyOptions,
    emit: &Emitter,
) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let _ = from.set_read_timeout(Some(TICK));
    let mut buf = vec![0u8; 65_536];
    let mut held: Vec<u8> = Vec::new();
    let mut held_since: Option<Instant> = None;
    let forward = |to: &mut TcpStream, bytes: &[u8]| -> io::Result<()> {
        to.write_all(bytes)?;
        emit.emit(
            Some(peer),
            LiveKind::Forward {
                to_server,
                len: bytes.len(),
                bytes: bytes.to_vec(),
            },
        );
        Ok(())
    };
    loop {
        if signal::stop_requested() {
            break;
        }
        // Coalescing: forward what is held once its window has passed.
        if let (Some(window), Some(since)) = (options.coalesce, held_since) {
            if since.elapsed() >= window {
                if forward(&mut to, &held).is_err() {
                    break;
                }
                held.clear();
                held_since = None;
            }
        }
        let n = match from.read(&mut buf) {
            Ok(n) => n,
            Err(e) if crate::net::timed_out(&e) => {
                continue;
            }
            Err(_) => 0,
        };
        if n == 0 {
            if !held.is_empty() {
                let _ = forward(&mut to, &held);
            }
            let _ = to.shutdown(Shutdown::Write);
            break;
        }
        let bytes = &buf[..n];
        let result = if options.stammer {
            stammer(&mut to, bytes, &mut rng, options, &forward)
        } else if options.coalesce.is_some() {
            held.extend_from_slice(bytes);
            held_since.get_or_insert_with(Instant::now);
            if held.len() >= MAX_HELD {
                let result = forward(&mut to, &held);
                held.clear();
                held_since = None;
                result
            } else {
                Ok(())
            }
        } else {
            forward(&mut to, bytes)
        };
        if result.is_err() {
            break;
        }
    }
}

/// Forward `bytes` as random pieces of 1..=max_chunk bytes, pausing between them.
fn stammer(
    to: &mut TcpStream,
    mut bytes: &[u8],
    rng: &mut fastrand::Rng,
    options: &ProxyOptions,
    forward: &dyn Fn(&mut TcpStream, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    while !bytes.is_empty() {
        if signal::stop_requested() {
            return Err(io::Error::other("stopping"));
        }
        let n = rng.usize(1..=options.max_chunk).min(bytes.len());
        forward(to, &bytes[..n])?;
        bytes = &bytes[n..];
        if !options.pause.is_zero() {
            thread::sleep(options.pause);
        }
    }
    Ok(())
}
