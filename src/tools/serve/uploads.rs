//! `lab serve --upload-dir`: a thread per upload, each receiving one file into the
//! directory, with progress and the outcome as live events.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::{ServeOptions, Served, Totals};
use crate::error::Error;
use crate::live::{Emitter, Leave, LiveKind};
use crate::signal;
use crate::tools::TICK;
use crate::upload::Progress;
use crate::upload::receive::{ReceiveOptions, receive};

/// The connection loop for uploads: accept, hand each upload its own thread (it writes a
/// file, which would stall an event loop), never stop for a client.
pub(super) fn accept_loop(
    listener: &TcpListener,
    options: &ServeOptions,
    upload: &ReceiveOptions,
    emit: &Emitter,
) -> Result<Served, Error> {
    let active = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(Mutex::new(Served::default()));
    let mut last_error = None;
    thread::scope(|scope| {
        while !signal::stop_requested() {
            let Some((stream, peer)) = crate::tools::accept_next(listener, emit, &mut last_error)
            else {
                continue;
            };
            if active.load(Ordering::SeqCst) >= options.max_clients {
                emit.emit(
                    Some(peer),
                    LiveKind::Refused {
                        detail: super::refusal(options.max_clients),
                    },
                );
                drop(stream);
                continue;
            }
            let now = active.fetch_add(1, Ordering::SeqCst) + 1;
            emit.emit(Some(peer), LiveKind::Accepted { clients: now });
            let (active_here, finished) = (Arc::clone(&active), Arc::clone(&finished));
            let spawned = thread::Builder::new().spawn_scoped(scope, move || {
                let totals = serve_upload(stream, peer, upload, options.idle_timeout, emit);
                emit.emit(
                    Some(peer),
                    LiveKind::Totals {
                        bytes_in: totals.bytes_in,
                        bytes_out: totals.bytes_out,
                        recv_calls: totals.recv_calls,
                        messages: totals.messages,
                    },
                );
                if let Ok(mut served) = finished.lock() {
                    served.add(&totals);
                }
                active_here.fetch_sub(1, Ordering::SeqCst);
            });
            if let Err(e) = spawned {
                // No thread for this client: close it, keep serving the others.
                active.fetch_sub(1, Ordering::SeqCst);
                emit.emit(
                    Some(peer),
                    LiveKind::Left {
                        reason: Leave::Error,
                        detail: format!("no thread to serve it ({e}); connection closed"),
                    },
                );
            }
        }
    });
    let served = finished.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(served)
}

/// One upload: receive it, and say what became of it.
fn serve_upload(
    stream: TcpStream,
    peer: SocketAddr,
    upload: &ReceiveOptions,
    idle: Duration,
    emit: &Emitter,
) -> Totals {
    let _ = stream.set_read_timeout(Some(TICK));
    let mut patient = Patient { stream, idle };
    let progress = EventProgress::new(emit, peer);
    match receive(&mut patient, upload, &progress) {
        Ok(got) => {
            let secs = got.elapsed.as_secs_f64().max(1e-9);
            emit.emit(
                Some(peer),
                LiveKind::Note {
                    detail: format!(
                        "stored {:?}: {} B in {secs:.2} s ({:.1} MiB/s), sha256 matches; the \
                         body came in {} recv() calls of {}..{} B",
                        got.name,
                        got.size,
                        got.size as f64 / secs / 1048576.0,
                        got.recv_calls,
                        got.smallest_recv,
                        got.largest_recv
                    ),
                },
            );
            emit.emit(
                Some(peer),
                LiveKind::Left {
                    reason: Leave::Closed,
                    detail: "upload complete".into(),
                },
            );
            Totals {
                bytes_in: got.size,
                recv_calls: got.recv_calls,
                messages: 1,
                ..Totals::default()
            }
        }
        Err(refusal) => {
            let told = if refusal.told_client {
                " (the client was told)"
            } else {
                ""
            };
            emit.emit(
                Some(peer),
                LiveKind::Left {
                    reason: Leave::ProtocolError,
                    detail: format!("upload refused: {}{told}", refusal.reason),
                },
            );
            Totals::default()
        }
    }
}

/// A stream whose reads wait out the short poll timeout (so Ctrl-C is noticed) and give up
/// only after the idle timeout.
struct Patient {
    stream: TcpStream,
    idle: Duration,
}

impl Read for Patient {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let started = Instant::now();
        loop {
            match self.stream.read(buf) {
                Err(e) if crate::net::timed_out(&e) => {
                    if signal::stop_requested() {
                        return Err(io::Error::other("the server is shutting down"));
                    }
                    if started.elapsed() >= self.idle {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("nothing for {} s (--idle-timeout)", self.idle.as_secs_f64()),
                        ));
                    }
                }
                other => return other,
            }
        }
    }
}

impl Write for Patient {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// Upload progress as event lines, one every tenth of the file.
struct EventProgress<'a> {
    emit: &'a Emitter,
    peer: SocketAddr,
    state: Mutex<(u64, u64, u64)>, // total, received, next mark
}

impl<'a> EventProgress<'a> {
    fn new(emit: &'a Emitter, peer: SocketAddr) -> Self {
        EventProgress {
            emit,
            peer,
            state: Mutex::new((0, 0, 0)),
        }
    }
}

impl Progress for EventProgress<'_> {
    fn start(&self, name: &str, total: u64) {
        if let Ok(mut s) = self.state.lock() {
            *s = (total, 0, total / 10);
        }
        self.emit.emit(
            Some(self.peer),
            LiveKind::Note {
                detail: format!("receiving {name:?}: {total} B"),
            },
        );
    }

    fn advance(&self, bytes: u64) {
        let Ok(mut s) = self.state.lock() else { return };
        s.1 += bytes;
        if s.0 > 0 && s.1 >= s.2 && s.1 < s.0 {
            let percent = s.1 * 100 / s.0;
            s.2 = s.1 + s.0 / 10;
            self.emit.emit(
                Some(self.peer),
                LiveKind::Note {
                    detail: format!("{percent}% ({} of {} B)", s.1, s.0),
                },
            );
        }
    }

    fn finish(&self) {}
}
