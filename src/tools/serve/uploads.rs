//! `lab serve --upload-dir`: a thread per upload, each receiving one file into the
//! directory, with progress and the outcome as live events.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use super::{ServeOptions, Served, Totals};
use crate::error::Error;
use crate::lang::Lang;
use crate::render::words::Words;
use crate::tools::live::{Emitter, LiveKind};
use crate::tools::reasons::{Departure, Note, TurnAway};
use crate::tools::reserve::Reserve;
use crate::tools::signal;
use crate::tools::stoppable;
use crate::upload::receive::{ReceiveOptions, receive};
use crate::upload::{Progress, Status, write_json};

/// The connection loop for uploads: accept, hand each upload its own thread (it writes a
/// file, which would stall an event loop), never stop for a client.
pub(super) fn accept_loop(
    listener: &TcpListener,
    options: &ServeOptions,
    upload: &ReceiveOptions,
    emit: &Emitter,
) -> Result<Served, Error> {
    let active = Arc::new(AtomicUsize::new(0));
    let finished = Mutex::new(Served::default());
    let mut last_error = None;
    // Out of descriptors, a waiting client is still told why.
    let mut reserve = Reserve::new(listener);
    thread::scope(|scope| {
        while !signal::stop_requested() {
            let told = |stream, peer, why| turn_away(stream, peer, why, options.lang, emit);
            let out_of_descriptors = |e: &io::Error| reserve.turn_away_one(listener, e, told);
            let accepted =
                crate::tools::accept_next(listener, emit, &mut last_error, out_of_descriptors);
            let Some((stream, peer)) = accepted else {
                continue;
            };
            if active.load(Ordering::SeqCst) >= options.max_clients {
                let why = TurnAway::MaxClients(options.max_clients);
                turn_away(stream, peer, why, options.lang, emit);
                continue;
            }
            let place = Place::take(&active);
            emit.emit(Some(peer), LiveKind::Accepted { clients: place.now });
            let finished = &finished;
            // The stream is handed to the thread once there is one: until then it stays
            // here, to tell the client why should no thread be had (no copy of it, which
            // would cost a descriptor, the very thing that may be short).
            let (hand_over, handed) = sync_channel::<TcpStream>(1);
            let spawned = thread::Builder::new().spawn_scoped(scope, move || {
                let Ok(stream) = handed.recv() else { return };
                let totals = serve_upload(stream, peer, upload, options.idle_timeout, emit);
                emit.emit(Some(peer), totals.event());
                if let Ok(mut served) = finished.lock() {
                    served.add(&totals);
                }
                drop(place);
            });
            match spawned {
                Ok(_) => {
                    let _ = hand_over.send(stream);
                }
                Err(e) => {
                    // The closure and its place are gone with the failed spawn: the place
                    // is free again, and the stream says why.
                    let why = TurnAway::NoThread {
                        error: e.to_string(),
                        retry: true,
                    };
                    turn_away(stream, peer, why, options.lang, emit);
                }
            }
        }
    });
    let served = finished.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(served)
}

/// A place under `--max-clients`, given back when dropped — however its thread ends.
struct Place {
    active: Arc<AtomicUsize>,
    /// Clients now connected, this one included.
    now: usize,
}

impl Place {
    fn take(active: &Arc<AtomicUsize>) -> Place {
        let now = active.fetch_add(1, Ordering::SeqCst) + 1;
        Place {
            active: Arc::clone(active),
            now,
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        self.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Refuse a connection with its reason: logged, and sent as the upload protocol's status
/// (its code, its limit, and the words in `lang`) so `lab upload` can say it (a fresh socket
/// always has room for these few bytes; if not, the client just sees the close).
fn turn_away(stream: TcpStream, peer: SocketAddr, why: TurnAway, lang: Lang, emit: &Emitter) {
    let limit = match why {
        TurnAway::MaxClients(n) => Some(n as u64),
        TurnAway::NoDescriptors { limit } => limit,
        _ => None,
    };
    let status = Status::refused(why.code(), Words(lang).turn_away(&why), limit);
    let _ = stream.set_nonblocking(true);
    let _ = write_json(&mut &stream, &status);
    emit.emit(Some(peer), LiveKind::Refused { why });
}

/// One upload: receive it, and say what became of it.
fn serve_upload(
    stream: TcpStream,
    peer: SocketAddr,
    upload: &ReceiveOptions,
    idle: Duration,
    emit: &Emitter,
) -> Totals {
    // Non-blocking, every wait a poll() that Ctrl-C ends at once (see `stoppable`).
    if let Err(e) = stream.set_nonblocking(true) {
        let why = Departure::NonBlockingFailed(e.to_string());
        emit.emit(Some(peer), LiveKind::Left { why });
        return Totals::default();
    }
    let mut patient = Patient {
        stream,
        idle,
        totals: Totals::default(),
    };
    let progress = EventProgress::new(emit, peer);
    let outcome = receive(&mut patient, upload, &progress);
    let mut totals = patient.totals;
    let why = match outcome {
        Ok(got) => {
            totals.messages = 1;
            let note = Note::Stored(got);
            emit.emit(Some(peer), LiveKind::Note { note });
            Departure::UploadComplete
        }
        Err(not_stored) => Departure::UploadRefused {
            refusal: not_stored.refusal.with_idle_timeout(idle),
            told_client: not_stored.told_client,
            stopping: signal::stop_requested(),
        },
    };
    emit.emit(Some(peer), LiveKind::Left { why });
    totals
}

/// The client's non-blocking stream: reads wait at most the idle timeout, any wait ends at
/// once on Ctrl-C, and every byte that arrives or leaves is counted — refused uploads too.
struct Patient {
    stream: TcpStream,
    idle: Duration,
    totals: Totals,
}

impl Read for Patient {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // A wait that runs out is a TimedOut error: the refusal then names the idle timeout.
        let n = stoppable::read(&self.stream, buf, Some(self.idle))?;
        if n > 0 {
            self.totals.bytes_in += n as u64;
            self.totals.recv_calls += 1;
        }
        Ok(n)
    }
}

impl Write for Patient {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Status messages are small: all or an error, within the idle timeout.
        stoppable::write_all(&self.stream, buf, Some(self.idle))?;
        self.totals.bytes_out += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
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
        let note = Note::Receiving {
            name: name.to_string(),
            size: total,
        };
        self.emit.emit(Some(self.peer), LiveKind::Note { note });
    }

    fn advance(&self, bytes: u64) {
        let Ok(mut s) = self.state.lock() else { return };
        s.1 += bytes;
        if s.0 > 0 && s.1 >= s.2 && s.1 < s.0 {
            s.2 = s.1 + s.0 / 10;
            let note = Note::Progress {
                got: s.1,
                total: s.0,
            };
            self.emit.emit(Some(self.peer), LiveKind::Note { note });
        }
    }

    fn finish(&self) {}
}
