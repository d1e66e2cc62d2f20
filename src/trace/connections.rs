//! Connections between traced programs, paired by their addresses: the client's socket
//! (connect: local → peer) and the server's (accept: peer → local) name the same two
//! addresses, so both ends land on one connection, whichever is seen first. Each connection
//! keeps one stream per direction and a bounded window of its events for the final view.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

use crate::analysis::stream::StreamCounter;
use crate::transcript::{Direction, Event, Side};

/// Events of a connection kept whole from its start, and from its end: the view shows
/// these and says how many lay between (the live log and `--json` showed every one).
pub const HEAD_EVENTS: usize = 160;
pub const TAIL_EVENTS: usize = 80;
/// Messages per direction whose first bytes are kept for the view's legend.
pub const LEGEND_MESSAGES: usize = 12;
/// Bytes of a message kept for the legend.
pub const LEGEND_BYTES: usize = 64;

/// The first and the last events of a connection, in `seq` order.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub head: Vec<Event>,
    pub tail: VecDeque<Event>,
    /// Events that fell between the two.
    pub dropped: usize,
    /// Past the first [`super::CONNECTION_VIEWS`] connections no view is drawn, and no events
    /// are kept: a server with thousands of clients stays small.
    pub off: bool,
}

impl Window {
    /// Keep `event` in its place by `seq` (a send is numbered when it starts and may arrive
    /// after later events).
    pub fn push(&mut self, event: Event) {
        if self.off {
            self.dropped += 1;
            return;
        }
        let head_full = self.head.len() == HEAD_EVENTS;
        if !head_full || self.head.last().is_some_and(|last| event.seq < last.seq) {
            let at = self.head.partition_point(|e| e.seq < event.seq);
            self.head.insert(at, event);
            if self.head.len() > HEAD_EVENTS {
                let moved = self.head.pop().expect("over the limit");
                self.tail.push_front(moved);
            }
        } else {
            let at = self.tail.partition_point(|e| e.seq < event.seq);
            self.tail.insert(at, event);
        }
        if self.tail.len() > TAIL_EVENTS {
            self.tail.pop_front();
            self.dropped += 1;
        }
    }
}

/// One direction of a connection.
#[derive(Debug, Clone)]
pub struct Stream {
    pub counter: StreamCounter,
    /// Messages sent this way so far.
    pub messages: usize,
    /// The first messages' first bytes, by number, for the legend.
    pub legend: Vec<(usize, Vec<u8>)>,
    /// The sender's TCP_INFO data segment count, read when it closed.
    pub data_segs_out: Option<u32>,
    /// The sender turned Nagle off (TCP_NODELAY).
    pub nodelay: bool,
    /// The first failed call on this stream (errno name and syscall).
    pub error: Option<(&'static str, &'static str)>,
}

impl Default for Stream {
    fn default() -> Self {
        Stream {
            counter: StreamCounter::new(),
            messages: 0,
            legend: Vec::new(),
            data_segs_out: None,
            nodelay: false,
            error: None,
        }
    }
}

/// One TCP connection between a client address and a server address.
#[derive(Debug, Clone)]
pub struct Connection {
    /// From 1, in the order lab saw the connections.
    pub id: usize,
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// The process seen on each end (client, server); `None` for an end not traced.
    pub pids: [Option<u32>; 2],
    /// Message numbers are shared by both directions, in the order the sends began.
    pub next_message: usize,
    /// to_server, to_client.
    pub streams: [Stream; 2],
    pub window: Window,
    /// When the server side accepted it (µs), for `--reader-delay`.
    pub accepted_at: Option<u64>,
    /// Whether each side has made its first recv() yet.
    pub first_recv_done: [bool; 2],
    /// Each end's socket (client, server), once seen.
    pub inodes: [Option<u64>; 2],
    /// When each end's latest send returned (µs).
    pub last_send_us: [u64; 2],
    /// Each end has closed (or shut down) its sending side.
    pub closed: [bool; 2],
}

impl Connection {
    pub fn stream(&mut self, direction: Direction) -> &mut Stream {
        &mut self.streams[direction_index(direction)]
    }

    /// Whether each end was traced: (client, server).
    pub fn traced(&self) -> (bool, bool) {
        (self.pids[0].is_some(), self.pids[1].is_some())
    }
}

pub fn side_index(side: Side) -> usize {
    match side {
        Side::Client => 0,
        Side::Server => 1,
    }
}

pub fn direction_index(direction: Direction) -> usize {
    match direction {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

/// An address as both ends name it: a dual-stack socket's IPv4-mapped IPv6 address
/// (`[::ffff:127.0.0.1]:8080`) is the IPv4 address its IPv4 peer sees.
fn canonical(addr: SocketAddr) -> SocketAddr {
    SocketAddr::new(addr.ip().to_canonical(), addr.port())
}

/// Every connection seen, findable by its two addresses.
#[derive(Debug, Default)]
pub struct Connections {
    pub list: Vec<Connection>,
    by_addresses: HashMap<(SocketAddr, SocketAddr), usize>,
}

impl Connections {
    /// The connection between `client` and `server`, made on first sight. A new connection
    /// on the same two addresses (after the old one closed) gets a new number: `reopen`.
    pub fn find_or_add(&mut self, client: SocketAddr, server: SocketAddr, reopen: bool) -> usize {
        let (client, server) = (canonical(client), canonical(server));
        let key = (client, server);
        if let Some(&index) = self.by_addresses.get(&key).filter(|_| !reopen) {
            return index;
        }
        let index = self.list.len();
        self.list.push(Connection {
            id: index + 1,
            client,
            server,
            pids: [None, None],
            next_message: 1,
            streams: [Stream::default(), Stream::default()],
            window: Window {
                off: index >= super::CONNECTION_VIEWS,
                ..Window::default()
            },
            accepted_at: None,
            first_recv_done: [false, false],
            inodes: [None, None],
            last_send_us: [0, 0],
            closed: [false, false],
        });
        self.by_addresses.insert(key, index);
        index
    }

    /// The connection on these two addresses, if any, and which side `local` is on it.
    pub fn find(&self, local: SocketAddr, peer: SocketAddr) -> Option<(usize, Side)> {
        let (local, peer) = (canonical(local), canonical(peer));
        if let Some(&i) = self.by_addresses.get(&(local, peer)) {
            return Some((i, Side::Client));
        }
        self.by_addresses
            .get(&(peer, local))
            .map(|&i| (i, Side::Server))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Op;

    fn event(seq: usize) -> Event {
        Event::new(seq, 0, Side::Client, Op::Note)
    }

    #[test]
    fn both_ends_pair_on_one_connection() {
        let mut conns = Connections::default();
        let client: SocketAddr = "127.0.0.1:50000".parse().unwrap();
        let server: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let i = conns.find_or_add(client, server, false);
        assert_eq!(conns.find(server, client), Some((i, Side::Server)));
        assert_eq!(conns.find(client, server), Some((i, Side::Client)));
        assert_eq!(conns.find_or_add(client, server, false), i);
        assert_ne!(conns.find_or_add(client, server, true), i);
    }

    #[test]
    fn a_dual_stack_client_pairs_with_an_ipv4_server() {
        let mut conns = Connections::default();
        let client: SocketAddr = "[::ffff:127.0.0.1]:50000".parse().unwrap();
        let server: SocketAddr = "[::ffff:127.0.0.1]:8080".parse().unwrap();
        let i = conns.find_or_add(client, server, false);
        let seen_by_server = (
            "127.0.0.1:8080".parse().unwrap(),
            "127.0.0.1:50000".parse().unwrap(),
        );
        assert_eq!(
            conns.find(seen_by_server.0, seen_by_server.1),
            Some((i, Side::Server))
        );
        assert_eq!(conns.list[i].client.to_string(), "127.0.0.1:50000");
    }

    #[test]
    fn the_window_keeps_the_first_and_last_events_in_order() {
        let mut window = Window::default();
        for seq in 1..=1000 {
            window.push(event(seq));
        }
        // A send numbered early but finished late still lands in its place.
        let mut late = Window::default();
        late.push(event(2));
        late.push(event(1));
        assert_eq!(late.head[0].seq, 1);
        assert_eq!(window.head.len(), HEAD_EVENTS);
        assert_eq!(window.tail.len(), TAIL_EVENTS);
        assert_eq!(window.dropped, 1000 - HEAD_EVENTS - TAIL_EVENTS);
        assert_eq!(window.head[0].seq, 1);
        assert_eq!(window.tail.back().unwrap().seq, 1000);
    }
}
