//! `lab trace --net`: the student's server runs in the link's server namespace, the client in
//! the client's, both *unchanged* — and the notes' programs name `127.0.0.1:8080`, which in a
//! namespace of its own reaches nobody.
//!
//! So lab rewrites the address. At every bind() and connect() of a TCP socket (calls it stops
//! at anyway) a loopback address is replaced in the program's memory by the link's: bind()
//! gets the program's own end (198.18.0.2 for the server, 198.18.0.1 for the client),
//! connect() the server's; the port stays. When the call returns, the program's bytes are put
//! back as they were. An IPv6 loopback (`::1`, from `localhost`) becomes the IPv4-mapped link
//! address, which a dual-stack socket reaches.
//!
//! Why not NAT inside the namespaces (nftables)? A packet from 127.0.0.1 may not leave a
//! non-loopback device (martian source), so NAT needs DNAT *and* SNAT on both sides, the
//! `route_localnet` sysctl, and the kernel's nf_nat modules — none of which lab can count on
//! where it runs — and the addresses each program then sees would disagree with the ones on
//! the wire, which breaks pairing the two ends by their addresses. Rewriting needs nothing but
//! the ptrace lab already holds, and what each program's socket really is (getsockname,
//! accept's peer) is what the link carries: the client's connect and the server's accept name
//! the same two addresses, so the connection pairs as on loopback. The event keeps what the
//! program asked for (`address_by_program`).
//!
//! When the programs have ended, the link's packets are handed to the connections they belong
//! to (by their two addresses), each with a wire model of its own on the trace's clock.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use nix::errno::Errno;

use super::Role;
use super::spawn::Placement;
use crate::net::link::{CLIENT_ADDR, Link, LinkError, NetSpec, SERVER_ADDR};
use crate::transcript::{Direction, Event, Op, Recorder, Side, Wire, WirePacket};

/// The link of a traced run: both namespaces, the thread that carries the packets, and what
/// it records.
#[derive(Debug)]
pub struct Linked {
    link: Link,
    rec: Recorder,
    /// The spec as run (its seed drawn if none was given).
    spec: NetSpec,
}

impl Linked {
    /// Make the link and start carrying packets.
    pub fn start(spec: &NetSpec) -> Result<Linked, LinkError> {
        let rec = Recorder::new();
        let link = Link::start(spec, &rec)?;
        let spec = NetSpec {
            seed: Some(link.seed()),
            ..spec.clone()
        };
        Ok(Linked { link, rec, spec })
    }

    /// The clock the link's packets are timed on: the trace times its calls on it too.
    pub fn clock(&self) -> Instant {
        self.rec.started()
    }

    /// The spec as run.
    pub fn spec(&self) -> &NetSpec {
        &self.spec
    }

    /// Where a program of `role` runs: the server in the server's namespace, anything else
    /// in the client's. Run in the child between fork and exec (async-signal-safe).
    pub fn placement(&self, role: Role) -> Placement {
        let namespace = match role {
            Role::Server => self.link.server(),
            Role::Client | Role::Program => self.link.client(),
        };
        let join = namespace.joiner();
        Box::new(move || join().map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0))))
    }

    /// Let what is still on the path arrive (not after Ctrl-C or SIGTERM: then stop at
    /// once), stop the link, and hand over what it carried.
    pub fn finish(self) -> Carried {
        if crate::tools::signal::stop_signal().is_some() {
            self.link.stop_at_once();
        } else {
            self.link.finish();
        }
        let (events, wire) = self.rec.take();
        Carried {
            wire,
            events,
            spec: self.spec,
        }
    }
}

/// Which call names an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    Bind,
    Connect,
}

/// The link address a program's bind() or connect() uses instead of the loopback address it
/// named, or `None` to leave the call alone. `side`: the end of the link the program is on.
pub fn across_link(named: SocketAddr, naming: Naming, side: Side) -> Option<SocketAddr> {
    let v4 = match named.ip().to_canonical() {
        IpAddr::V4(ip) => ip,
        IpAddr::V6(ip) if ip.is_loopback() => Ipv4Addr::LOCALHOST,
        IpAddr::V6(_) => return None,
    };
    // connect() to 0.0.0.0 means this host on Linux, as 127.0.0.1 does; bind() to it means
    // every address, which works in a namespace as it is.
    let local = v4.is_loopback() || (naming == Naming::Connect && v4.is_unspecified());
    if !local {
        return None;
    }
    let target = match (naming, side) {
        (Naming::Bind, Side::Client) => CLIENT_ADDR,
        (Naming::Bind, Side::Server) | (Naming::Connect, _) => SERVER_ADDR,
    };
    Some(match named {
        SocketAddr::V4(_) => SocketAddr::new(IpAddr::V4(target), named.port()),
        SocketAddr::V6(mut v6) => {
            v6.set_ip(target.to_ipv6_mapped());
            SocketAddr::V6(v6)
        }
    })
}

/// Where the address lies in the `struct sockaddr_in`/`sockaddr_in6` of `addr`, and its bytes
/// (network order): what to write over the program's.
pub fn address_field(addr: SocketAddr) -> (u64, Vec<u8>) {
    match addr {
        SocketAddr::V4(a) => (4, a.ip().octets().to_vec()),
        SocketAddr::V6(a) => (8, a.ip().octets().to_vec()),
    }
}

/// What the link carried in a traced run.
#[derive(Debug, Clone)]
pub struct Carried {
    pub wire: Wire,
    /// Its `segment` events: the data, and the ACKs of data, that a view shows.
    pub events: Vec<Event>,
    pub spec: NetSpec,
}

/// A packet's two ends, (client, server) whichever way it travels, for TCP and UDP.
fn ends_of(p: &WirePacket) -> Option<(SocketAddr, SocketAddr)> {
    let packet = crate::net::packet::parse_ipv4(&p.bytes)?;
    let (src_port, dst_port) = packet.ports()?;
    let src = SocketAddr::new(IpAddr::V4(packet.src), src_port);
    let dst = SocketAddr::new(IpAddr::V4(packet.dst), dst_port);
    Some(match p.direction {
        Direction::ToServer => (src, dst),
        Direction::ToClient => (dst, src),
    })
}

/// An address as the link writes it: an IPv4-mapped IPv6 address is the IPv4 one.
fn canonical(a: SocketAddr) -> SocketAddr {
    SocketAddr::new(a.ip().to_canonical(), a.port())
}

impl Carried {
    /// Hand every packet to the connection between `pairs[i]` (client, server) it belongs
    /// to: a wire of its own for each, numbered from 1, with its `segment` events (each with
    /// its direction and its new number); the packets of none come last. The packets move,
    /// they are not copied: a long run's wire holds megabytes.
    pub fn split(self, pairs: &[(SocketAddr, SocketAddr)]) -> (Vec<(Wire, Vec<Event>)>, Wire) {
        let pairs: Vec<_> = pairs
            .iter()
            .map(|&(c, s)| (canonical(c), canonical(s)))
            .collect();
        let others = pairs.len();
        let empty = || Wire {
            source: self.wire.source,
            packets: Vec::new(),
            // Counted for the whole link: past the limit no packet is told apart.
            packets_not_kept: self.wire.packets_not_kept,
            clock_origin_unix_us: self.wire.clock_origin_unix_us,
        };
        let mut wires: Vec<Wire> = (0..=others).map(|_| empty()).collect();
        // Each packet's old number → (its wire, its new number).
        let mut placed = vec![(others, 0usize); self.wire.packets.len() + 1];
        for mut p in self.wire.packets {
            let owner = ends_of(&p)
                .and_then(|ends| pairs.iter().position(|&pair| pair == ends))
                .unwrap_or(others);
            let wire = &mut wires[owner];
            let number = wire.packets.len() + 1;
            placed[p.number] = (owner, number);
            p.number = number;
            p.duplicate_of = p
                .duplicate_of
                .and_then(|n| placed.get(n).copied())
                .filter(|&(o, n)| o == owner && n > 0)
                .map(|(_, n)| n);
            wire.packets.push(p);
        }
        let mut segments: Vec<Vec<Event>> = (0..=others).map(|_| Vec::new()).collect();
        for mut event in self.events.into_iter().filter(|e| e.op == Op::Segment) {
            let Some(&(owner, number)) = event.packet.and_then(|n| placed.get(n)) else {
                continue;
            };
            let Some(packet) = wires[owner].packets.get(number.wrapping_sub(1)) else {
                continue;
            };
            event.packet = Some(number);
            event.direction = Some(packet.direction);
            segments[owner].push(event);
        }
        let rest = wires.pop().unwrap_or_else(empty);
        segments.pop();
        (wires.into_iter().zip(segments).collect(), rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn loopback_names_the_link_and_other_addresses_stay() {
        let server = Some(addr("198.18.0.2:8080"));
        let bind = |a, side| across_link(addr(a), Naming::Bind, side);
        let connect = |a| across_link(addr(a), Naming::Connect, Side::Client);
        assert_eq!(bind("127.0.0.1:8080", Side::Server), server);
        assert_eq!(
            bind("127.0.0.1:0", Side::Client),
            Some(addr("198.18.0.1:0"))
        );
        assert_eq!(connect("127.0.0.1:8080"), server);
        assert_eq!(connect("127.5.6.7:8080"), server);
        assert_eq!(connect("0.0.0.0:8080"), server);
        assert_eq!(bind("0.0.0.0:8080", Side::Server), None);
        assert_eq!(connect("198.18.0.2:8080"), None);
        assert_eq!(connect("10.1.2.3:80"), None);
        assert_eq!(
            connect("[::1]:8080"),
            Some(addr("[::ffff:198.18.0.2]:8080"))
        );
        assert_eq!(
            connect("[::ffff:127.0.0.1]:8080"),
            Some(addr("[::ffff:198.18.0.2]:8080"))
        );
        assert_eq!(connect("[2001:db8::1]:8080"), None);
    }

    #[test]
    fn the_address_field_sits_where_the_kernel_reads_it() {
        assert_eq!(
            address_field(addr("198.18.0.2:8080")),
            (4, vec![198, 18, 0, 2])
        );
        let (at, bytes) = address_field(addr("[::ffff:198.18.0.2]:80"));
        assert_eq!(at, 8);
        assert_eq!(bytes[10..], [0xff, 0xff, 198, 18, 0, 2]);
    }
}
