//! `lab serve` for messages: every client on one thread, driven by a level-triggered epoll
//! loop. A client costs a few KiB instead of a thread, one recv() and one send() per
//! message is all the work, and a client that stops sending or stops reading holds up no
//! other: nothing here ever blocks.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Instant;

use super::{ServeOptions, Served, Totals};
use crate::error::Error;
use crate::framing::{FrameReader, LengthCodec};
use crate::live::{Emitter, Leave, LiveKind};
use crate::poller::{Interest, Poller, Ready};
use crate::signal;
use crate::tools::{TICK, WireMode};

/// The listening socket's token; clients count up from 0.
const LISTENER: u64 = u64::MAX;
/// Sockets one epoll_wait() reports at most.
const BATCH: usize = 256;
/// Connections taken per wake-up of the listener, so a flood of connects cannot starve the
/// clients already being served.
const ACCEPTS_PER_WAKE: usize = 64;
/// Reply bytes a client may leave untaken before the server stops reading from it: a
/// client that sends without reading gets back-pressure, not unbounded server memory.
const MAX_UNSENT: usize = 256 * 1024;

/// How a client's turn ends when it must leave: why, in the words of a `left` event.
type Verdict = Result<(), (Leave, String)>;

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
    let mut server = Server {
        listener,
        options,
        emit,
        clients: HashMap::new(),
        next_token: 0,
        recv_buf: vec![0; options.recv_size],
        reply_buf: Vec::new(),
        served: Served::default(),
        accepting_again_at: None,
        last_accept_error: None,
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
        server.leave(token, Leave::Shutdown, "the server is shutting down".into());
    }
    Ok(server.served)
}

/// Everything the loop owns.
struct Server<'a> {
    listener: &'a TcpListener,
    options: &'a ServeOptions,
    emit: &'a Emitter,
    clients: HashMap<u64, Client>,
    next_token: u64,
    /// One recv() buffer for every client: only one is read at a time.
    recv_buf: Vec<u8>,
    /// One reply at a time is built here before it is sent.
    reply_buf: Vec<u8>,
    served: Served,
    /// accept() failed (out of descriptors, say): the listener rests until then.
    accepting_again_at: Option<Instant>,
    last_accept_error: Option<Instant>,
}

/// One connected client between two of its events.
struct Client {
    stream: TcpStream,
    peer: SocketAddr,
    reader: Option<FrameReader<LengthCodec>>,
    outbox: Outbox,
    totals: Totals,
    last_heard: Instant,
    /// The client closed its side; it leaves with this detail once its replies are out.
    closed: Option<String>,
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
                    crate::tools::report_accept_error(&e, self.emit, &mut self.last_accept_error);
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
            self.emit.emit(
                Some(peer),
                LiveKind::Refused {
                    detail: super::refusal(self.options.max_clients),
                },
            );
            return;
        }
        // A blocking socket would stall every client, so one that cannot be made
        // non-blocking is not served at all.
        let token = self.next_token;
        let registered = stream
            .set_nonblocking(true)
            .and_then(|()| poller.add(&stream, token, Interest::READ));
        if let Err(e) = registered {
            self.emit.emit(
                Some(peer),
                LiveKind::Refused {
                    detail: format!("cannot watch this connection ({e}); connection closed"),
                },
            );
            return;
        }
        // Replies go out at once: a reply waits for nothing else of ours.
        let _ = stream.set_nodelay(true);
        self.next_token += 1;
        let now = Instant::now();
        self.clients.insert(
            token,
            Client {
                stream,
                peer,
                reader: match &self.options.mode {
                    WireMode::Framed { codec, .. } => Some(FrameReader::new(*codec)),
                    WireMode::Raw => None,
                },
                outbox: Outbox::default(),
                totals: Totals::default(),
                last_heard: now,
                closed: None,
                interest: Interest::READ,
            },
        );
        self.emit.emit(
            Some(peer),
            LiveKind::Accepted {
                clients: self.clients.len(),
            },
        );
    }

    /// One client is ready: send what waits, take one recv(), reply to what it completes.
    fn serve(&mut self, poller: &Poller, event: Ready) {
        let Some(client) = self.clients.get_mut(&event.token) else {
            return;
        };
        let mut verdict = Ok(());
        if (event.writable || event.hangup) && !client.outbox.is_empty() {
            verdict = client.flush();
        }
        if verdict.is_ok() && (event.readable || event.hangup) && client.interest.read {
            verdict = client.receive(
                &mut self.recv_buf,
                &mut self.reply_buf,
                self.options,
                self.emit,
            );
        }
        if verdict.is_ok() && client.outbox.is_empty() {
            if let Some(detail) = client.closed.take() {
                verdict = Err((Leave::Closed, detail));
            }
        }
        match verdict {
            Ok(()) => client.watch(poller, event.token),
            Err((reason, detail)) => self.leave(event.token, reason, detail),
        }
    }

    /// Once a tick: close clients silent (or not reading) for the idle timeout, and let the
    /// listener accept again after a rest.
    fn sweep(&mut self, poller: &Poller) {
        if self
            .accepting_again_at
            .is_some_and(|at| Instant::now() >= at)
        {
            self.accepting_again_at = None;
            let _ = poller.add(self.listener, LISTENER, Interest::READ);
        }
        let idle = self.options.idle_timeout;
        let seconds = idle.as_secs_f64();
        let idle_ones: Vec<(u64, String)> = self
            .clients
            .iter()
            .filter_map(|(&token, client)| {
                if !client.outbox.is_empty() {
                    (client.outbox.stalled_since.elapsed() >= idle).then(|| {
                        format!(
                            "took no reply bytes for {seconds} s (it does not read); \
                             connection closed"
                        )
                    })
                } else {
                    (client.last_heard.elapsed() >= idle).then(|| {
                        format!("sent nothing for {seconds} s (--idle-timeout): connection closed")
                    })
                }
                .map(|detail| (token, detail))
            })
            .collect();
        for (token, detail) in idle_ones {
            self.leave(token, Leave::Idle, detail);
        }
    }

    /// Close a client's connection, say why, and add what it did to the run's totals.
    fn leave(&mut self, token: u64, reason: Leave, detail: String) {
        let Some(client) = self.clients.remove(&token) else {
            return;
        };
        let peer = Some(client.peer);
        self.emit.emit(peer, LiveKind::Left { reason, detail });
        let totals = &client.totals;
        self.emit.emit(
            peer,
            LiveKind::Totals {
                bytes_in: totals.bytes_in,
                bytes_out: totals.bytes_out,
                recv_calls: totals.recv_calls,
                messages: totals.messages,
            },
        );
        self.served.add(totals);
        // Dropping the stream closes it, which also takes it out of the epoll set.
    }
}

impl Client {
    /// One recv(), then a reply for each whole message it completes.
    fn receive(
        &mut self,
        recv_buf: &mut [u8],
        reply_buf: &mut Vec<u8>,
        options: &ServeOptions,
        emit: &Emitter,
    ) -> Verdict {
        let n = match (&self.stream).read(recv_buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) =>
            {
                return Ok(());
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                return Err((Leave::Reset, "reset the connection (RST)".into()));
            }
            Err(e) => return Err((Leave::Error, format!("recv() failed: {e}"))),
        };
        self.last_heard = Instant::now();
        if n == 0 {
            if let Some(Err(e)) = self.reader.as_ref().map(FrameReader::finish) {
                return Err((Leave::ProtocolError, e.to_string()));
            }
            self.closed = Some("closed the connection (recv() returned 0 bytes)".into());
            return Ok(());
        }
        let bytes = &recv_buf[..n];
        self.totals.bytes_in += n as u64;
        self.totals.recv_calls += 1;
        if emit.wants_bytes() {
            emit.emit(
                Some(self.peer),
                LiveKind::Recv {
                    len: n,
                    bytes: bytes.to_vec(),
                },
            );
        }
        // Every reply this recv() completes is built first and leaves in one send(): a
        // burst of requests costs one syscall each way, and framing lets the client cut
        // the replies apart again, as it must whenever they merge.
        reply_buf.clear();
        let Client {
            peer,
            reader,
            totals,
            ..
        } = self;
        let mut answer = |message: &[u8]| -> Verdict {
            totals.messages += 1;
            if emit.wants_bytes() {
                emit.emit(
                    Some(*peer),
                    LiveKind::Message {
                        len: message.len(),
                        bytes: message.to_vec(),
                    },
                );
            }
            options
                .reply
                .frame_into(&options.mode, message, reply_buf)
                .map(|_| ())
                .map_err(|e| (Leave::Error, format!("cannot frame the reply: {e}")))
        };
        let outcome = match reader {
            None => answer(bytes),
            Some(reader) => {
                reader.feed(bytes);
                loop {
                    match reader.next_frame() {
                        Ok(Some(frame)) => {
                            if let Err(e) = answer(frame.payload) {
                                break Err(e);
                            }
                        }
                        Ok(None) => break Ok(()),
                        // Nothing after a bad header can be trusted: this client is done,
                        // the others go on; the replies before it still go out.
                        Err(e) => {
                            break Err((Leave::ProtocolError, format!("{e}; connection closed")));
                        }
                    }
                }
            }
        };
        if !reply_buf.is_empty() {
            self.outbox
                .send(&self.stream, reply_buf, &mut self.totals)?;
            if emit.wants_bytes() {
                emit.emit(
                    Some(self.peer),
                    LiveKind::Send {
                        len: reply_buf.len(),
                        bytes: reply_buf.clone(),
                    },
                );
            }
        }
        outcome
    }

    /// Send what replies are waiting, as far as the kernel takes them.
    fn flush(&mut self) -> Verdict {
        self.outbox.flush(&self.stream, &mut self.totals)
    }

    /// Watch for what this client needs next: more requests unless it closed or has too
    /// much unsent; room to send while replies wait.
    fn watch(&mut self, poller: &Poller, token: u64) {
        let wanted = Interest {
            read: self.closed.is_none() && self.outbox.len() < MAX_UNSENT,
            write: !self.outbox.is_empty(),
        };
        if wanted != self.interest && poller.modify(&self.stream, token, wanted).is_ok() {
            self.interest = wanted;
        }
    }
}

/// Reply bytes the kernel has not taken yet, in order.
#[derive(Debug)]
struct Outbox {
    bytes: Vec<u8>,
    /// Where the unsent bytes start: those before it are sent.
    start: usize,
    /// When the last byte went out, or the first byte began to wait: the clock for a
    /// client that does not read.
    stalled_since: Instant,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox {
            bytes: Vec::new(),
            start: 0,
            stalled_since: Instant::now(),
        }
    }
}

impl Outbox {
    fn len(&self) -> usize {
        self.bytes.len() - self.start
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Send one reply: straight to the kernel when nothing waits before it, else queued
    /// behind what does, so replies keep their order.
    fn send(&mut self, stream: &TcpStream, reply: &[u8], totals: &mut Totals) -> Verdict {
        let taken = if self.is_empty() {
            write_some(stream, reply)?
        } else {
            0
        };
        totals.bytes_out += taken as u64;
        if taken < reply.len() {
            if self.is_empty() {
                self.bytes.clear();
                self.start = 0;
                self.stalled_since = Instant::now();
            }
            self.bytes.extend_from_slice(&reply[taken..]);
        }
        Ok(())
    }

    /// Send as much of what waits as the kernel takes now.
    fn flush(&mut self, stream: &TcpStream, totals: &mut Totals) -> Verdict {
        let taken = write_some(stream, &self.bytes[self.start..])?;
        if taken > 0 {
            totals.bytes_out += taken as u64;
            self.start += taken;
            self.stalled_since = Instant::now();
        }
        if self.is_empty() {
            self.bytes.clear();
            self.start = 0;
            // A burst should not pin its peak memory to the client for good.
            self.bytes.shrink_to(64 * 1024);
        } else if self.start >= self.bytes.len() / 2 {
            self.bytes.drain(..self.start);
            self.start = 0;
        }
        Ok(())
    }
}

/// One send(): how many bytes the kernel took (0 when its buffer is full).
fn write_some(mut stream: &TcpStream, bytes: &[u8]) -> Result<usize, (Leave, String)> {
    match stream.write(bytes) {
        Ok(n) => Ok(n),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            ) =>
        {
            Ok(0)
        }
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            ) =>
        {
            Err((
                Leave::Reset,
                format!("reset the connection during a reply ({e})"),
            ))
        }
        Err(e) => Err((Leave::Error, format!("send() of the reply failed: {e}"))),
    }
}
