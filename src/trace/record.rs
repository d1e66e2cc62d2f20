//! Turning decoded calls into transcript events: numbering them, pairing each socket with its
//! connection and side, counting each stream as it flows, keeping each connection's window
//! for the final view, and handing every event to the live view as it completes.
//!
//! `seq` orders events as they happened: a send, close or shutdown at its call (its bytes or
//! its FIN cannot reach the peer before that), everything else at its return. Events are
//! handed on when they complete, so a long send may reach the view after a recv with a higher
//! `seq`. A socket whose side is not known yet (socket, bind, setsockopt before listen or
//! connect) keeps its events back until it is.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;

use super::connections::{Connections, LEGEND_BYTES, LEGEND_MESSAGES, direction_index, side_index};
use super::syscalls::Flow;
use super::{Live, LiveQueue, PREVIEW};
use crate::transcript::{Call, CallSpan, Direction, Event, EventNote, Op, Part, Piece, Side};

/// Pieces kept per recv for the views (a recv may hold thousands of tiny messages).
const KEEP_PIECES: usize = 256;
/// Set-up events kept per socket, to head the view of each of its connections.
const KEEP_SETUP: usize = 8;

/// Who made a call and when: what every traced event has, whatever its result.
#[derive(Debug, Clone, Copy)]
pub struct Made {
    pub pid: u32,
    pub tid: u32,
    pub fd: Option<i32>,
    pub syscall: &'static str,
    pub t_call: u64,
    pub t_return: u64,
    /// The side of the program that made it, for events no connection decides.
    pub side: Side,
}

/// What lab read of a socket as it was closed, while it was still open.
#[derive(Debug, Clone, Copy, Default)]
pub struct Closing {
    /// The sender's TCP_INFO count of data segments.
    pub data_segs_out: Option<u32>,
    /// Bytes arrived and never read (a last close with any resets the connection).
    pub unread: Option<u64>,
    /// The number reserved at the call: the FIN leaves during it, so the peer's b'' may come
    /// back before the call does, and must come after it in the order.
    pub seq: Option<usize>,
}

/// A send that has begun: its place in the order and in its stream.
#[derive(Debug, Clone, Copy)]
pub struct SendTicket {
    seq: usize,
    /// Connection index, direction, message number and stream offset.
    on: Option<(usize, Direction, usize, u64)>,
}

/// What lab knows of one TCP socket (by inode).
#[derive(Debug, Default)]
struct Sock {
    side: Option<Side>,
    /// Index into the connection list.
    conn: Option<usize>,
    local: Option<SocketAddr>,
    /// socket, setsockopt, bind, listen: the start of every connection's view.
    setup: Vec<Event>,
    /// Events held until the side is known.
    deferred: Vec<Event>,
    nodelay: bool,
}

/// Numbers, pairs, counts and hands on the events of one trace.
#[derive(Debug)]
pub struct Recorder {
    next_seq: usize,
    live: std::sync::Arc<LiveQueue>,
    sockets: HashMap<u64, Sock>,
    pub conns: Connections,
    /// Local ports of the traced listeners: a socket found on one is a server's.
    listen_ports: Vec<u16>,
    /// Events handed on in all.
    pub events: usize,
    /// Processes that have made a socket call.
    active: HashSet<u32>,
    /// Process events held back, by the process they are about.
    held: HashMap<u32, Vec<Event>>,
}

impl Recorder {
    pub fn new(live: std::sync::Arc<LiveQueue>) -> Recorder {
        Recorder {
            next_seq: 1,
            live,
            sockets: HashMap::new(),
            conns: Connections::default(),
            listen_ports: Vec::new(),
            events: 0,
            active: HashSet::new(),
            held: HashMap::new(),
        }
    }

    fn take_seq(&mut self) -> usize {
        self.next_seq += 1;
        self.next_seq - 1
    }

    /// An event of `op` made by `made`, numbered now unless `seq` was reserved.
    pub fn event(&mut self, made: &Made, op: Op, seq: Option<usize>) -> Event {
        let seq = seq.unwrap_or_else(|| self.take_seq());
        Event {
            // Charts draw a call from when it was made to when it returned.
            timing: Some(CallSpan {
                called_us: made.t_call,
                returned_us: made.t_return,
            }),
            call: Some(Box::new(Call {
                pid: made.pid,
                tid: (made.tid != made.pid).then_some(made.tid),
                fd: made.fd,
                syscall: made.syscall,
                t_return_us: made.t_return,
                ..Call::default()
            })),
            ..Event::new(seq, made.t_call, made.side, op)
        }
    }

    /// Hand on an event about a process (forked, exec'd, ended). A process that has not
    /// touched a TCP socket yet keeps its events back, and one that never does leaves none:
    /// a shell script's helpers (env, readlink, …) would drown the log.
    pub fn emit_process(&mut self, event: Event) {
        let call = event.call.as_ref().expect("traced events have a call");
        let subject = match event.op {
            Op::Fork => call.child.unwrap_or(call.pid),
            _ => call.pid,
        };
        if self.active.contains(&subject) {
            self.hand_on(event);
            return;
        }
        let ended = event.op == Op::Exit;
        let held = self.held.entry(subject).or_default();
        held.push(event);
        if ended {
            self.held.remove(&subject);
        }
    }

    /// `pid` made a socket call: what it held back goes out first.
    fn activate(&mut self, pid: u32) {
        if self.active.insert(pid) {
            for event in self.held.remove(&pid).unwrap_or_default() {
                self.hand_on(event);
            }
        }
    }

    fn hand_on(&mut self, event: Event) {
        self.events += 1;
        self.live.push(Live::Event(Box::new(event)));
    }

    /// Hand on an event of socket `inode`: held back while its side is unknown, kept in its
    /// connection's window, and for set-up calls kept to head later connections' views.
    fn emit(&mut self, inode: u64, mut event: Event) {
        let sock = self.sockets.entry(inode).or_default();
        let Some(side) = sock.side else {
            sock.deferred.push(event);
            return;
        };
        event.side = side;
        if let Some(call) = event.call.as_mut() {
            call.conn = sock.conn.map(|i| i + 1);
        }
        let setup = matches!(event.op, Op::Socket | Op::Sockopt | Op::Bind | Op::Listen);
        if setup && sock.setup.len() < KEEP_SETUP {
            sock.setup.push(event.clone());
        }
        if let Some(i) = sock.conn {
            self.conns.list[i].window.push(event.clone());
        }
        if let Some(call) = event.call.as_ref() {
            self.activate(call.pid);
        }
        self.hand_on(event);
    }

    /// The side of `inode` is now known: its held-back events go out.
    fn settle(&mut self, inode: u64, side: Side) {
        let sock = self.sockets.entry(inode).or_default();
        if sock.side.is_some() {
            return;
        }
        sock.side = Some(side);
        for event in std::mem::take(&mut sock.deferred) {
            self.emit(inode, event);
        }
    }

    /// Tie `inode` to connection `index` on `side`; its set-up (and its listener's) opens the
    /// connection's view.
    fn join(&mut self, inode: u64, index: usize, side: Side, pid: u32, listener: Option<u64>) {
        self.settle(inode, side);
        let mut setup: Vec<Event> = listener
            .and_then(|l| self.sockets.get(&l))
            .map(|l| l.setup.clone())
            .unwrap_or_default();
        let sock = self.sockets.entry(inode).or_default();
        sock.conn = Some(index);
        setup.extend(sock.setup.iter().cloned());
        let nodelay = sock.nodelay;
        let conn = &mut self.conns.list[index];
        conn.pids[side_index(side)].get_or_insert(pid);
        conn.inodes[side_index(side)] = Some(inode);
        conn.streams[direction_index(sending(side))].nodelay |= nodelay;
        for mut event in setup {
            if let Some(call) = event.call.as_mut() {
                call.conn = Some(index + 1);
            }
            conn.window.push(event);
        }
    }

    pub fn socket(&mut self, made: &Made, inode: u64) {
        let event = self.event(made, Op::Socket, None);
        self.sockets.insert(inode, Sock::default());
        self.emit(inode, event);
    }

    /// A socket lab meets in use without having seen it made (inherited, passed over a unix
    /// socket, made before an exec): place it by its addresses.
    pub fn discover(
        &mut self,
        inode: u64,
        local: Option<SocketAddr>,
        peer: Option<SocketAddr>,
        pid: u32,
        listening: bool,
    ) {
        if self.sockets.get(&inode).is_some_and(|s| s.side.is_some()) {
            return;
        }
        self.sockets.entry(inode).or_default().local = local;
        if listening {
            if let Some(local) = local {
                self.listen_ports.push(local.port());
            }
            self.settle(inode, Side::Server);
            return;
        }
        let (Some(local), Some(peer)) = (local, peer) else {
            return;
        };
        let (index, side) = self.conns.find(local, peer).unwrap_or_else(|| {
            // Neither end seen yet: the end on a traced listener's port is the server's.
            if self.listen_ports.contains(&local.port()) {
                (self.conns.find_or_add(peer, local, false), Side::Server)
            } else {
                (self.conns.find_or_add(local, peer, false), Side::Client)
            }
        });
        self.join(inode, index, side, pid, None);
    }

    /// A call on `inode` that failed with `errno` (its name); `detail`: the address it named.
    pub fn failed(
        &mut self,
        made: &Made,
        inode: u64,
        errno: &'static str,
        flow: Flow,
        detail: Option<String>,
    ) {
        let mut event = self.event(made, Op::Error, None);
        event.detail = detail;
        if let Some(call) = event.call.as_mut() {
            call.errno = Some(errno);
        }
        if let Some((i, side)) = self.placed(inode) {
            let direction = match flow {
                Flow::Send => Some(sending(side)),
                Flow::Recv => Some(sending(side).reverse()),
                Flow::Other => None,
            };
            if let Some(direction) = direction {
                let stream = self.conns.list[i].stream(direction);
                stream.error.get_or_insert((errno, made.syscall));
            }
        }
        self.emit(inode, event);
    }

    /// A send that began moved nothing after all (it failed, or was interrupted to be made
    /// again): its place in the stream is given back.
    pub fn send_abandoned(&mut self, ticket: SendTicket) {
        if let Some((i, direction, message, _)) = ticket.on {
            let conn = &mut self.conns.list[i];
            conn.stream(direction).counter.sent(message, 0);
            if conn.next_message == message + 1 {
                conn.next_message = message;
            }
        }
    }

    /// bind() to `addr`; `named`: the loopback address the program gave, when `--net`
    /// rewrote it.
    pub fn bind(
        &mut self,
        made: &Made,
        inode: u64,
        addr: Option<SocketAddr>,
        named: Option<SocketAddr>,
    ) {
        let mut event = self.event(made, Op::Bind, None);
        event.detail = addr.map(|a| rewritten(named, a));
        if let Some(call) = event.call.as_mut() {
            call.address_by_program = named;
        }
        self.sockets.entry(inode).or_default().local = addr;
        self.emit(inode, event);
    }

    pub fn listen(&mut self, made: &Made, inode: u64, backlog: i64, local: Option<SocketAddr>) {
        self.sockets.entry(inode).or_default().local = local;
        let mut event = self.event(made, Op::Listen, None);
        event.detail = Some(format!("backlog {backlog}"));
        if let Some(local) = local {
            self.listen_ports.push(local.port());
        }
        self.settle(inode, Side::Server);
        self.emit(inode, event);
    }

    /// `name=value` of an option a lesson cares about (SO_REUSEADDR, TCP_NODELAY, buffers).
    pub fn sockopt(&mut self, made: &Made, inode: u64, name: &'static str, value: Option<i32>) {
        let mut event = self.event(made, Op::Sockopt, None);
        event.detail = Some(match value {
            Some(v) => format!("{name}={v}"),
            None => name.to_string(),
        });
        let sock = self.sockets.entry(inode).or_default();
        if name == "TCP_NODELAY" {
            sock.nodelay = value.unwrap_or(0) != 0;
            if let (Some(i), Some(side)) = (sock.conn, sock.side) {
                let nodelay = sock.nodelay;
                self.conns.list[i].stream(sending(side)).nodelay = nodelay;
            }
        }
        self.emit(inode, event);
    }

    /// accept() returned socket `inode` for a client at `peer`, on the server's `local`.
    pub fn accept(
        &mut self,
        made: &Made,
        listener: u64,
        inode: u64,
        local: SocketAddr,
        peer: SocketAddr,
    ) {
        let index = self.conns.find_or_add(peer, local, false);
        self.conns.list[index].accepted_at = Some(made.t_return);
        self.sockets.insert(inode, Sock::default());
        self.join(inode, index, Side::Server, made.pid, Some(listener));
        let mut event = self.event(made, Op::Accept, None);
        event.note = Some(EventNote::Accepted { peer });
        self.emit(inode, event);
    }

    /// connect() to `peer` from `local` (done, or under way on a non-blocking socket);
    /// `named`: the loopback address the program gave, when `--net` rewrote it.
    pub fn connect(
        &mut self,
        made: &Made,
        inode: u64,
        peer: SocketAddr,
        local: SocketAddr,
        named: Option<SocketAddr>,
    ) {
        let index = self.conns.find_or_add(local, peer, false);
        self.join(inode, index, Side::Client, made.pid, None);
        let mut event = self.event(made, Op::Connect, None);
        event.note = Some(EventNote::Connected {
            peer,
            local,
            udp: false,
            named,
        });
        if let Some(call) = event.call.as_mut() {
            call.address_by_program = named;
        }
        self.emit(inode, event);
    }

    /// The connection and side of `inode`, if it has both.
    fn placed(&self, inode: u64) -> Option<(usize, Side)> {
        let sock = self.sockets.get(&inode)?;
        Some((sock.conn?, sock.side?))
    }

    /// A send on `inode` begins, asking to move `asked` bytes: number it now.
    pub fn send_begins(&mut self, inode: u64, asked: u64) -> SendTicket {
        let seq = self.take_seq();
        let on = self.placed(inode).map(|(i, side)| {
            let direction = sending(side);
            let conn = &mut self.conns.list[i];
            let message = conn.next_message;
            conn.next_message += 1;
            let offset = conn.stream(direction).counter.send(message, asked);
            (i, direction, message, offset)
        });
        SendTicket { seq, on }
    }

    /// The send returned: `moved` bytes, of which `preview` are the first.
    pub fn send_ends(&mut self, made: &Made, inode: u64, ticket: SendTicket, outcome: Moved) {
        let mut event = self.event(made, Op::Send, Some(ticket.seq));
        let moved = outcome.moved;
        if let Some((i, direction, message, offset)) = ticket.on {
            let conn = &mut self.conns.list[i];
            conn.stream(direction).counter.sent(message, moved);
            conn.last_send_us[side_index(direction.sender())] = made.t_return;
            if moved == 0 && conn.next_message == message + 1 {
                conn.next_message = message; // nothing sent: the number is free again
            } else {
                let stream = conn.stream(direction);
                stream.messages += 1;
                if stream.legend.len() < LEGEND_MESSAGES {
                    let first = outcome.preview.len().min(LEGEND_BYTES);
                    stream
                        .legend
                        .push((message, outcome.preview[..first].to_vec()));
                }
                event.offset = Some(offset);
                event.message = Some(message);
                event.direction = Some(direction);
                let call = event.call.as_mut().expect("traced events have a call");
                call.pieces = Some(vec![Piece {
                    message,
                    part: Part::Payload,
                    from: 0,
                    to: moved,
                    whole: true,
                }]);
            }
        }
        fill(&mut event, outcome);
        self.emit(inode, event);
    }

    /// Bytes waiting for a recv on `inode` now: sent by the traced peer, not yet received.
    pub fn waiting(&self, inode: u64) -> Option<u64> {
        let (i, side) = self.placed(inode)?;
        let conn = &self.conns.list[i];
        conn.traced().0.then_some(())?;
        conn.traced().1.then_some(())?;
        Some(
            conn.streams[direction_index(sending(side).reverse())]
                .counter
                .waiting(),
        )
    }

    /// A recv on `inode` returned `moved` bytes (0: end of stream).
    pub fn recv(&mut self, made: &Made, inode: u64, outcome: Moved) {
        let op = if outcome.moved == 0 {
            Op::Eof
        } else {
            Op::Recv
        };
        let mut event = self.event(made, op, None);
        if let Some((i, side)) = self.placed(inode) {
            let direction = sending(side).reverse();
            let conn = &mut self.conns.list[i];
            conn.first_recv_done[side_index(side)] = true;
            event.direction = Some(direction);
            if outcome.moved > 0 {
                let got =
                    conn.stream(direction)
                        .counter
                        .recv(outcome.moved, outcome.asked, KEEP_PIECES);
                event.offset = Some(got.offset);
                let call = event.call.as_mut().expect("traced events have a call");
                call.pieces = Some(got.pieces);
            }
        }
        fill(&mut event, outcome);
        self.emit(inode, event);
    }

    /// A send or recv on `inode` that had not returned when its process ended.
    pub fn unfinished(&mut self, made: &Made, inode: u64, asked: Option<u64>) {
        let mut event = self.event(made, Op::Note, None);
        event.note = Some(EventNote::Unfinished {
            syscall: made.syscall,
            asked,
            waited_us: made.t_return.saturating_sub(made.t_call),
        });
        if let Some(call) = event.call.as_mut() {
            call.asked = asked;
        }
        self.emit(inode, event);
    }

    /// A number in the order now, for an event that completes later (see [`Self::close`]).
    pub fn reserve_seq(&mut self) -> usize {
        self.take_seq()
    }

    /// shutdown(); `seq`: reserved at its call.
    pub fn shutdown(&mut self, made: &Made, inode: u64, how: &'static str, seq: Option<usize>) {
        if how != "SHUT_RD" {
            self.mark_closed(inode);
        }
        let mut event = self.event(made, Op::Shutdown, seq);
        event.detail = Some(how.to_string());
        self.emit(inode, event);
    }

    /// `inode` closed (by close(), or as its process ended); `held_by`: another process still
    /// has it open, so the connection goes on.
    pub fn close(&mut self, made: &Made, inode: u64, held_by: Option<u32>, facts: Closing) {
        let Closing {
            data_segs_out,
            unread,
            seq,
        } = facts;
        let side = made.side;
        self.settle(inode, side);
        if let (Some((i, side)), Some(n)) = (self.placed(inode), data_segs_out) {
            self.conns.list[i].stream(sending(side)).data_segs_out = Some(n);
        }
        if held_by.is_none() {
            self.mark_closed(inode);
        }
        let mut event = self.event(made, Op::Close, seq);
        let call = event.call.as_mut().expect("traced events have a call");
        call.still_open_in = held_by;
        call.unread = unread.filter(|&n| n > 0 && held_by.is_none());
        self.emit(inode, event);
        if held_by.is_none() {
            self.sockets.remove(&inode);
        }
    }

    fn mark_closed(&mut self, inode: u64) {
        if let Some((i, side)) = self.placed(inode) {
            self.conns.list[i].closed[side_index(side)] = true;
        }
    }

    /// Whether `inode` is the server's end of a connection that has not had its first recv.
    pub fn first_recv_pending(&self, inode: u64) -> bool {
        self.placed(inode).is_some_and(|(i, side)| {
            let conn = &self.conns.list[i];
            side == Side::Server && !conn.first_recv_done[1] && conn.accepted_at.is_some()
        })
    }

    /// The other end of the connection of `inode`, as far as lab has seen it.
    pub fn peer_of(&self, inode: u64) -> Option<Peer> {
        let (i, side) = self.placed(inode)?;
        let conn = &self.conns.list[i];
        let other = side_index(side) ^ 1;
        let accepted_us = conn.accepted_at.unwrap_or(0);
        Some(Peer {
            inode: conn.inodes[other],
            last_activity_us: conn.last_send_us[other].max(accepted_us),
            accepted_us,
            closed: conn.closed[other],
        })
    }

    /// Open sockets of the server side that are connections (not listeners).
    pub fn open_connections(&self, side: Side) -> usize {
        self.sockets
            .values()
            .filter(|s| s.side == Some(side) && s.conn.is_some())
            .count()
    }
}

/// The far end of a connection, for `--reader-delay`.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    pub inode: Option<u64>,
    /// When it last sent (or the connection was accepted), µs.
    pub last_activity_us: u64,
    pub accepted_us: u64,
    /// It has closed or shut down its sending side.
    pub closed: bool,
}

/// What a send or recv moved.
#[derive(Debug, Clone, Default)]
pub struct Moved {
    pub moved: u64,
    /// The first bytes (at most [`PREVIEW`]).
    pub preview: Vec<u8>,
    /// The length asked for, after any rewrite, and before it.
    pub asked: Option<u64>,
    pub asked_by_program: Option<u64>,
    /// Bytes waiting when a recv ran.
    pub waiting: Option<u64>,
    /// How long lab held the call (`--reader-delay`).
    pub held_us: Option<u64>,
    /// sendfile: the bytes never passed through the program.
    pub unseen: bool,
}

fn fill(event: &mut Event, outcome: Moved) {
    let call = event.call.as_mut().expect("traced events have a call");
    call.moved = Some(outcome.moved);
    call.asked = outcome.asked;
    call.asked_by_program = outcome.asked_by_program;
    call.waiting = outcome.waiting;
    call.held_us = outcome.held_us;
    call.unseen = outcome.unseen;
    let mut bytes = outcome.preview;
    bytes.truncate(PREVIEW);
    event.bytes = bytes;
}

/// An address as a detail: `127.0.0.1:8080 ⇒ 198.18.0.2:8080` when `--net` rewrote the one
/// the program named.
fn rewritten(named: Option<SocketAddr>, used: SocketAddr) -> String {
    match named {
        Some(named) => format!("{named} ⇒ {used}"),
        None => used.to_string(),
    }
}

/// The direction a side's sends go.
pub fn sending(side: Side) -> Direction {
    match side {
        Side::Client => Direction::ToServer,
        Side::Server => Direction::ToClient,
    }
}
