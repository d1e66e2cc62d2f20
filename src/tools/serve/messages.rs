//! `lab serve` for messages: every client on one thread, driven by a level-triggered epoll
//! loop. A client costs a few KiB instead of a thread, one recv() and one send() per
//! message is all the work, and a client that stops sending or stops reading holds up no
//! other: nothing here ever blocks, not even the log.

use std::collections::HashMap;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use super::event_log::EventLog;
use super::outbox::{Outbox, Verdict};
use super::{ServeOptions, Served, Totals};
use crate::error::Error;
use crate::framing::{FrameReader, LengthCodec};
use crate::render::words::Words;
use crate::tools::live::{Emitter, LiveKind, preview};
use crate::tools::poller::{Interest, Poller, Ready};
use crate::tools::reasons::{Departure, TurnAway};
use crate::tools::reserve::Reserve;
use crate::tools::signal;
use crate::tools::{TICK, WireMode, accept_error_note};

/// The listening socket's token; clients count up from 0.
const LISTENER: u64 = u64::MAX;
/// The stop descriptor's token.
const STOP: u64 = u64::MAX - 1;
/// Sockets one epoll_wait() reports at most.
const BATCH: usize = 256;
/// Connections taken per wake-up of the listener, so a flood of connects cannot starve the
/// clients already being served.
const ACCEPTS_PER_WAKE: usize = 64;
/// Reply bytes a client may leave untaken before the server stops reading from it: a
/// client that sends without reading gets back-pressure, not unbounded server memory.
const MAX_UNSENT: usize = 256 * 1024;
/// Silence after which a client's read buffer is given back.
const QUIET: Duration = Duration::from_secs(1);
/// Freed buffers worth handing back to the system at once (see [`return_free_memory`]).
const RETURN_TO_SYSTEM: usize = 1024 * 1024;

/// Hand freed heap pages back to the system. glibc keeps freed memory inside its heap for
/// the next allocation, so a burst of big frames would keep the server's resident memory
/// at its peak for good (measured: 20 MiB of 46 stayed after 40 idle clients gave their
/// 1 MiB buffers back); malloc_trim(0) returns whole free pages wherever they are.
fn return_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Serve messages until Ctrl-C; every client still connected then is told why it goes.
pub(super) fn event_loop(
    listener: &TcpListener,
    options: &ServeOptions,
    emit: &Emitter,
) -> Result<Served, Error> {
    let mut poller = Poller::new(BATCH).map_err(|e| Error::io("epoll_create1()", e))?;
    poller
        .add(listener, LISTENER, Interest::READ)
        .map_err(|e| Error::io("epoll_ctl()", e))?;
    // Ctrl-C wakes the loop at once, not at its next tick (without it, the tick still does).
    if let Some(stop) = signal::stop_fd() {
        let _ = poller.add(&stop, STOP, Interest::READ);
    }
    let mut server = Server {
        listener,
        options,
        log: EventLog::new(emit),
        clients: HashMap::new(),
        next_token: 0,
        recv_buf: vec![0; options.recv_size],
        reply_buf: Vec::new(),
        served: Served::default(),
        accepting_again_at: None,
        last_accept_error: None,
        reserve: Reserve::new(listener),
    };
    let mut ready = Vec::with_capacity(BATCH);
    let mut last_sweep = Instant::now();
    while !signal::stop_requested() {
        poller
            .wait(&mut ready, TICK)
            .map_err(|e| Error::io("epoll_wait()", e))?;
        // Clients first, the listener last: a client that just left frees its place
        // before a newcomer is measured against --max-clients.
        let mut newcomers = false;
        for &event in &ready {
            if event.token == LISTENER {
                newcomers = true;
            } else if event.token == STOP {
                continue;
            } else {
                server.serve(&poller, event);
            }
        }
        if newcomers {
            server.accept(&poller);
        }
        if last_sweep.elapsed() >= TICK {
            server.sweep(&poller);
            last_sweep = Instant::now();
        }
    }
    let tokens: Vec<u64> = server.clients.keys().copied().collect();
    for token in tokens {
        server.leave(token, Departure::ServerStopping);
    }
    server.log.finish();
    Ok(server.served)
}

/// Everything the loop owns.
struct Server<'a> {
    listener: &'a TcpListener,
    options: &'a ServeOptions,
    log: EventLog<'a>,
    clients: HashMap<u64, Client>,
    next_token: u64,
    /// One recv() buffer for every client: only one is read at a time.
    recv_buf: Vec<u8>,
    /// The replies to one recv() are built here before they are sent.
    reply_buf: Vec<u8>,
    served: Served,
    /// accept() failed (out of descriptors, say): the listener rests until then.
    accepting_again_at: Option<Instant>,
    last_accept_error: Option<Instant>,
    /// Out of descriptors, a waiting client is still told why.
    reserve: Reserve,
}

/// One connected client between two of its events.
struct Client {
    stream: TcpStream,
    peer: SocketAddr,
    reader: Option<FrameReader<LengthCodec>>,
    outbox: Outbox,
    totals: Totals,
    last_heard: Instant,
    /// When the frame in progress began to arrive: a frame trickled in a byte at a time
    /// must still be whole within the idle timeout.
    frame_since: Option<Instant>,
    /// The client is done (it closed its side, or broke the framing): nothing more is read,
    /// and it leaves with this reason once the replies already made are out.
    leaving: Option<Departure>,
    interest: Interest,
}

impl Server<'_> {
    /// Take the connections that are waiting (up to a batch), or turn them away at the cap.
    fn accept(&mut self, poller: &Poller) {
        for _ in 0..ACCEPTS_PER_WAKE {
            match self.listener.accept() {
                Ok((stream, peer)) => self.admit(poller, stream, peer),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    let (options, log) = (self.options, &self.log);
                    let told = |stream, peer, why| turn_away(options, log, stream, peer, why);
                    if self.reserve.turn_away_one(self.listener, &e, told) {
                        continue;
                    }
                    if let Some(note) = accept_error_note(&e, &mut self.last_accept_error) {
                        self.log.event(None, note);
                    }
                    // Level-triggered, a listener whose accept() keeps failing would wake
                    // the loop without end: it rests a tick instead.
                    let _ = poller.delete(self.listener);
                    self.accepting_again_at = Some(Instant::now() + TICK);
                    return;
                }
            }
        }
    }

    fn admit(&mut self, poller: &Poller, stream: TcpStream, peer: SocketAddr) {
        if self.clients.len() >= self.options.max_clients {
            let why = TurnAway::MaxClients(self.options.max_clients);
            turn_away(self.options, &self.log, stream, peer, why);
            return;
        }
        // A blocking socket would stall every client, so one that cannot be made
        // non-blocking is not served at all.
        let token = self.next_token;
        let registered = stream
            .set_nonblocking(true)
            .and_then(|()| poller.add(&stream, token, Interest::READ));
        if let Err(e) = registered {
            let why = TurnAway::CannotWatch(e.to_string());
            self.log.event(Some(peer), LiveKind::Refused { why });
            return;
        }
        // Replies go out at once: a reply waits for nothing else of ours.
        let _ = stream.set_nodelay(true);
        self.next_token += 1;
        let reader = match &self.options.mode {
            WireMode::Framed { codec, .. } => Some(FrameReader::new(*codec)),
            WireMode::Raw => None,
        };
        let client = Client {
            stream,
            peer,
            reader,
            outbox: Outbox::default(),
            totals: Totals::default(),
            last_heard: Instant::now(),
            frame_since: None,
            leaving: None,
            interest: Interest::READ,
        };
        self.clients.insert(token, client);
        let clients = self.clients.len();
        self.log.event(Some(peer), LiveKind::Accepted { clients });
    }

    /// One client is ready: send what waits, take one recv(), reply to what it completes.
    fn serve(&mut self, poller: &Poller, event: Ready) {
        let Some(client) = self.clients.get_mut(&event.token) else {
            return;
        };
        let mut verdict = Ok(());
        if (event.writable || event.hangup) && !client.outbox.is_empty() {
            verdict = client.outbox.flush(&client.stream, &mut client.totals);
        }
        if verdict.is_ok() && (event.readable || event.hangup) && client.interest.read {
            verdict = client.receive(
                &mut self.recv_buf,
                &mut self.reply_buf,
                self.options,
                &self.log,
            );
        }
        let verdict = verdict
            .and_then(|()| client.leave_if_done())
            .and_then(|()| client.watch(poller, event.token));
        if let Err(why) = verdict {
            self.leave(event.token, why);
        }
    }

    /// Once a tick: close clients silent (or not reading) for the idle timeout, and let the
    /// listener accept again after a rest.
    fn sweep(&mut self, poller: &Poller) {
        if self
            .accepting_again_at
            .is_some_and(|at| Instant::now() >= at)
        {
            // Should the listener not go back (it always can, short of ENOMEM), try again
            // next tick rather than stop accepting for good.
            self.accepting_again_at = match poller.add(self.listener, LISTENER, Interest::READ) {
                Ok(()) => None,
                Err(_) => Some(Instant::now() + TICK),
            };
        }
        // A client gone quiet gives back the buffer its biggest frame grew, as the outbox
        // does once it empties.
        let mut released = 0;
        for client in self.clients.values_mut() {
            if let Some(reader) = &mut client.reader {
                if reader.buffer_capacity() > 0 && client.last_heard.elapsed() >= QUIET {
                    released += reader.buffer_capacity();
                    reader.shrink_to(0);
                }
            }
        }
        if released >= RETURN_TO_SYSTEM {
            return_free_memory();
        }
        let idle = self.options.idle_timeout;
        let seconds = idle.as_secs_f64();
        let idle_ones: Vec<(u64, Departure)> = self
            .clients
            .iter()
            .filter_map(|(&token, client)| {
                if !client.outbox.is_empty() {
                    (client.outbox.stalled_since.elapsed() >= idle)
                        .then_some(Departure::NotReading { seconds })
                } else if !client.interest.read {
                    // Silence counts only while the server is listening for more.
                    None
                } else if client.last_heard.elapsed() >= idle {
                    Some(Departure::Silent { seconds })
                } else {
                    let trickled = client.frame_since.is_some_and(|at| at.elapsed() >= idle);
                    trickled.then_some(Departure::FrameNotWhole { seconds })
                }
                .map(|why| (token, why))
            })
            .collect();
        for (token, why) in idle_ones {
            self.leave(token, why);
        }
    }

    /// Close a client's connection, say why, and add what it did to the run's totals.
    fn leave(&mut self, token: u64, why: Departure) {
        let Some(client) = self.clients.remove(&token) else {
            return;
        };
        let peer = Some(client.peer);
        let totals = &client.totals;
        let events = [LiveKind::Left { why }, totals.event()];
        for kind in events {
            if signal::stop_requested() {
                // Serving is over: the record of who was still here is worth a wait.
                self.log.event_waiting(peer, kind);
            } else {
                self.log.event(peer, kind);
            }
        }
        self.served.add(totals);
        // Dropping the stream closes it, which also takes it out of the epoll set.
    }
}

/// Tell a client why it is turned away, in its own framing, so `lab chat` (or the notes'
/// client) can say it, then close it; a few bytes into an empty send buffer never block.
fn turn_away(
    options: &ServeOptions,
    log: &EventLog,
    stream: TcpStream,
    peer: SocketAddr,
    why: TurnAway,
) {
    let words = Words(options.lang).turn_away_on_wire(&why);
    if let Ok(reason) = options.mode.frame(words.as_bytes()) {
        let _ = stream.set_nonblocking(true);
        let _ = std::io::Write::write(&mut &stream, &reason);
    }
    log.event(Some(peer), LiveKind::Refused { why });
}

/// Answer every whole frame the reader holds. A bad frame makes the client leave: nothing
/// after a bad header can be trusted (it leaves once the replies before it are out; the other
/// clients go on).
fn answer_frames(
    reader: &mut FrameReader<LengthCodec>,
    answer: &mut impl FnMut(&[u8]) -> Verdict,
    leaving: &mut Option<Departure>,
) -> Verdict {
    loop {
        match reader.next_frame() {
            Ok(Some(frame)) => answer(frame.payload)?,
            Ok(None) => return Ok(()),
            Err(e) => {
                *leaving = Some(Departure::BadFrame(e));
                return Ok(());
            }
        }
    }
}

impl Client {
    /// One recv(), then a reply for each whole message it completes.
    fn receive(
        &mut self,
        recv_buf: &mut [u8],
        reply_buf: &mut Vec<u8>,
        options: &ServeOptions,
        log: &EventLog,
    ) -> Verdict {
        let Some(n) = self.read_some(recv_buf)? else {
            return Ok(());
        };
        self.last_heard = Instant::now();
        if n == 0 {
            self.leaving = Some(match self.reader.as_ref().map(FrameReader::finish) {
                Some(Err(e)) => Departure::ClosedMidFrame(e),
                _ => Departure::PeerClosed,
            });
            return Ok(());
        }
        let bytes = &recv_buf[..n];
        self.totals.bytes_in += n as u64;
        self.totals.recv_calls += 1;
        let peer = Some(self.peer);
        if log.wants_bytes() {
            let bytes = preview(bytes);
            log.event(peer, LiveKind::Recv { len: n, bytes });
        }
        // Every reply this recv() completes is built first and leaves in one send(): a
        // burst of requests costs one syscall each way, and framing lets the client cut
        // the replies apart again, as it must whenever they merge.
        reply_buf.clear();
        let totals = &mut self.totals;
        let mut answer = |message: &[u8]| -> Verdict {
            totals.messages += 1;
            if log.wants_bytes() {
                let (len, bytes) = (message.len(), preview(message));
                log.event(peer, LiveKind::Message { len, bytes });
            }
            options
                .reply
                .frame_into(&options.mode, message, reply_buf)
                .map(|_| ())
                .map_err(Departure::ReplyUnframable)
        };
        let outcome = match &mut self.reader {
            None => answer(bytes),
            Some(reader) => {
                reader.feed(bytes);
                let frames_before = reader.frames();
                let outcome = answer_frames(reader, &mut answer, &mut self.leaving);
                // A frame in progress starts its clock when its first bytes arrive.
                self.frame_since = match reader.pending_len() {
                    0 => None,
                    _ if reader.frames() > frames_before => Some(self.last_heard),
                    _ => self.frame_since.or(Some(self.last_heard)),
                };
                outcome
            }
        };
        if !reply_buf.is_empty() {
            self.outbox
                .send(&self.stream, reply_buf, &mut self.totals)?;
            if log.wants_bytes() {
                let (len, bytes) = (reply_buf.len(), preview(reply_buf));
                log.event(peer, LiveKind::Send { len, bytes });
            }
        }
        outcome
    }

    /// One recv() into `buf`: `None` when nothing is there yet (or a signal came first).
    fn read_some(&self, buf: &mut [u8]) -> Result<Option<usize>, Departure> {
        match (&self.stream).read(buf) {
            Ok(n) => Ok(Some(n)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(None)
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Err(Departure::PeerReset),
            Err(e) => Err(Departure::RecvFailed(e.to_string())),
        }
    }

    /// A client that is done leaves once nothing waits to be sent.
    fn leave_if_done(&mut self) -> Verdict {
        match self.leaving.take() {
            Some(why) if self.outbox.is_empty() => Err(why),
            still => {
                self.leaving = still;
                Ok(())
            }
        }
    }

    /// Watch for what this client needs next: more requests unless it is done or has too
    /// much unsent; room to send while replies wait.
    fn watch(&mut self, poller: &Poller, token: u64) -> Verdict {
        let wanted = Interest {
            read: self.leaving.is_none() && self.outbox.len() < MAX_UNSENT,
            write: !self.outbox.is_empty(),
        };
        if wanted == self.interest {
            return Ok(());
        }
        poller
            .modify(&self.stream, token, wanted)
            .map_err(|e| Departure::CannotWatch(e.to_string()))?;
        if wanted.read && !self.interest.read {
            // Its requests waited on us, not the other way round: the idle clocks restart.
            self.last_heard = Instant::now();
            self.frame_since = self.frame_since.map(|_| self.last_heard);
        }
        self.interest = wanted;
        Ok(())
    }
}
