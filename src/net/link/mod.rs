//! `--net`: a real network path between a lesson's two ends. The client and the server each
//! get an anonymous network namespace with a TUN device in it (`lab0`, MTU as asked), and lab
//! itself carries the IP packets between the two devices in user space — the design mahimahi
//! uses — applying the [`NetSpec`]: delay, jitter, loss, reordering, duplicates, a rate with a
//! drop-tail queue. Both ends are the running kernel's real TCP; only the path is lab's.
//!
//! ```text
//!  client namespace                  lab (one thread)                  server namespace
//!  socket ─ TCP ─ lab0 198.18.0.1 ═▶ read · path decides · write ═▶ lab0 198.18.0.2 ─ TCP ─ socket
//!                                 ◀═ write · path decides · read ◀═
//! ```
//!
//! Because lab carries every packet, it records each one in the transcript's wire model (no
//! capture needed). Addresses come from 198.18.0.0/15, the range set aside for benchmarks, and
//! nothing is routed anywhere else. Nothing outlives lab: the namespaces have no names and the
//! devices are not persistent, so they go when the last descriptor closes, however lab exits.
//!
//! One job per file: [`spec`] reads `--net`, [`namespace`] makes and enters namespaces,
//! [`tun`] makes the devices, [`path`] decides each packet's fate, [`forwarder`] moves them,
//! [`record`] writes them down, [`gso`] cuts an offloaded super-packet into its segments.

pub mod forwarder;
pub mod gso;
pub mod namespace;
pub mod path;
pub mod record;
pub mod spec;
pub mod tun;

use std::fmt;
use std::io;
use std::net::Ipv4Addr;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use forwarder::{Forwarder, LinkStats, StopSignal};
pub use namespace::NetNamespace;
pub use spec::NetSpec;
use tun::{Tun, TunError};

use crate::transcript::Recorder;

/// The client's address, in its namespace.
pub const CLIENT_ADDR: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// The server's address, in its namespace.
pub const SERVER_ADDR: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
/// Both addresses share one /30: each namespace routes the other's address to its device.
const PREFIX: u8 = 30;

/// Why the link could not be made (for a user who is not root: what to run instead).
#[derive(Debug)]
pub enum LinkError {
    /// No new network namespace: the user may not make one. `user_namespace` says why the
    /// unprivileged way (a user namespace) was not there either, when it was tried.
    Namespace {
        source: io::Error,
        user_namespace: Option<String>,
    },
    /// No TUN device: /dev/net/tun did not open or TUNSETIFF failed.
    Tun(io::Error),
    /// Anything else while setting up (a thread, an eventfd, an interface ioctl).
    Setup(io::Error),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Namespace {
                source,
                user_namespace,
            } => {
                let tried = user_namespace
                    .as_deref()
                    .map(|why| format!("; a user namespace failed too: {why}"))
                    .unwrap_or_default();
                write!(
                    f,
                    "--net needs network namespaces and this user may not make them \
                     (unshare: {}{tried}); run lab as root (sudo lab …), or let users make \
                     user namespaces (sysctl kernel.unprivileged_userns_clone=1 on Debian; \
                     user.max_user_namespaces above 0)",
                    words(source)
                )
            }
            LinkError::Tun(e) if e.kind() == io::ErrorKind::NotFound => write!(
                f,
                "--net needs a TUN device and /dev/net/tun is missing ({}); load the module \
                 with sudo modprobe tun",
                words(e)
            ),
            LinkError::Tun(e) if e.kind() == io::ErrorKind::PermissionDenied => write!(
                f,
                "--net needs a TUN device and this user may not open /dev/net/tun ({}); run \
                 lab as root (sudo lab …), or open it to users with sudo chmod 0666 /dev/net/tun",
                words(e)
            ),
            LinkError::Tun(e) => write!(f, "--net could not make its TUN device: {}", words(e)),
            LinkError::Setup(e) => write!(f, "--net could not set up its link: {}", words(e)),
        }
    }
}

impl std::error::Error for LinkError {}

/// The system's words for an error, without Rust's ` (os error N)`.
fn words(e: &io::Error) -> String {
    let text = e.to_string();
    text.split(" (os error").next().unwrap_or(&text).to_string()
}

/// What happened when `main` tried a user namespace for a user who is not root.
static USER_NAMESPACE: OnceLock<Result<(), String>> = OnceLock::new();

/// For a user who is not root: become root of a new user namespace, where making network
/// namespaces and TUN devices is allowed (where the kernel lets users do so). Call it from
/// `main` before any thread starts; a failure is remembered for [`Link::start`]'s message.
pub fn prepare_unprivileged() {
    if namespace::is_root() {
        return;
    }
    let outcome = namespace::enter_user_namespace().map_err(|e| e.to_string());
    let _ = USER_NAMESPACE.set(outcome);
}

/// The two namespaces and the thread that carries packets between them.
#[derive(Debug)]
pub struct Link {
    client: NetNamespace,
    server: NetNamespace,
    seed: u64,
    stop: Arc<StopSignal>,
    forwarder: Option<JoinHandle<LinkStats>>,
}

impl Link {
    /// Make both namespaces and devices and start carrying packets, recording each in `rec`.
    pub fn start(spec: &NetSpec, rec: &Recorder) -> Result<Link, LinkError> {
        // A path that leaves nothing to chance may forward whole offloaded super-packets;
        // one that drops, reorders or paces needs every segment on its own.
        let offload = spec.leaves_nothing_to_chance();
        let (client, client_tun) = namespace_with_tun(CLIENT_ADDR, spec.mtu, offload)?;
        let (server, server_tun) = namespace_with_tun(SERVER_ADDR, spec.mtu, offload)?;
        // Short enough to type back: `seed=4711`.
        let seed = spec.seed.unwrap_or_else(|| fastrand::u64(1..100_000));
        let stop = Arc::new(StopSignal::new().map_err(LinkError::Setup)?);
        let forwarder = Forwarder::new([client_tun, server_tun], spec, seed, rec.clone());
        let signal = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("lab-link".into())
            .spawn(move || forwarder.run(&signal))
            .map_err(LinkError::Setup)?;
        Ok(Link {
            client,
            server,
            seed,
            stop,
            forwarder: Some(handle),
        })
    }

    /// The client's namespace: open the client's sockets here.
    pub fn client(&self) -> &NetNamespace {
        &self.client
    }

    /// The server's namespace: open the server's sockets here.
    pub fn server(&self) -> &NetNamespace {
        &self.server
    }

    /// The seed of this run's losses and other draws (given, or chosen at start).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Let what is still on the path arrive (within the delay), then stop carrying packets.
    pub fn finish(mut self) -> LinkStats {
        self.stop.request();
        self.join_forwarder()
    }

    /// Stop carrying packets now, leaving what is on the path undelivered: after Ctrl-C, which
    /// must not wait out a delay of seconds.
    pub fn stop_at_once(mut self) -> LinkStats {
        self.stop.request_at_once();
        self.join_forwarder()
    }

    fn join_forwarder(&mut self) -> LinkStats {
        self.forwarder
            .take()
            .and_then(|handle| handle.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Link {
    /// Not finished: an error or a panic is on its way out, and waits for nothing.
    fn drop(&mut self) {
        self.stop.request_at_once();
        self.join_forwarder();
    }
}

/// A new namespace with its device up at `addr`.
fn namespace_with_tun(
    addr: Ipv4Addr,
    mtu: u32,
    offload: bool,
) -> Result<(NetNamespace, Tun), LinkError> {
    let ns = NetNamespace::create().map_err(|source| {
        if source.kind() == io::ErrorKind::PermissionDenied {
            LinkError::Namespace {
                source,
                user_namespace: USER_NAMESPACE.get().and_then(|r| r.clone().err()),
            }
        } else {
            LinkError::Setup(source)
        }
    })?;
    let tun = ns
        .run(|| Tun::create(addr, PREFIX, mtu, offload))
        .map_err(LinkError::Setup)?
        .map_err(|e| match e {
            TunError::Open(e) | TunError::Create(e) => LinkError::Tun(e),
            TunError::Configure { call, source } => {
                LinkError::Setup(io::Error::new(source.kind(), format!("{call}: {source}")))
            }
        })?;
    Ok((ns, tun))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};

    /// A link as `spec` says, or `None` (saying so) where namespaces cannot be made here.
    fn start_or_skip(spec: &str, rec: &Recorder) -> Option<Link> {
        let spec: NetSpec = spec.parse().unwrap();
        Link::start(&spec, rec)
            .inspect_err(|e| eprintln!("skipped: {e}"))
            .ok()
    }

    #[test]
    fn bytes_cross_the_link_each_packet_is_recorded_and_none_arrives_early() {
        let rec = Recorder::new();
        let Some(link) = start_or_skip("delay=5ms", &rec) else {
            return;
        };
        let listener = link
            .server()
            .run(|| TcpListener::bind(SocketAddr::from((SERVER_ADDR, 0))))
            .unwrap()
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = link
            .client()
            .run(|| TcpStream::connect(addr))
            .unwrap()
            .unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let data: Vec<u8> = (0..60_000u32).map(|i| i as u8).collect();
        client.write_all(&data).unwrap();
        drop(client);
        let mut got = Vec::new();
        server.read_to_end(&mut got).unwrap();
        assert_eq!(got, data);
        drop(server);
        link.finish();
        let wire = rec.wire();
        let carried: usize = wire
            .packets_to(crate::transcript::Direction::ToServer)
            .filter(|p| p.is_data())
            .map(|p| p.payload_len)
            .sum();
        assert_eq!(carried, 60_000);
        for p in &wire.packets {
            if let Some(flight) = p.flight_us() {
                assert!(
                    flight >= 5_000,
                    "packet {} crossed in {flight} µs",
                    p.number
                );
            }
        }
    }

    #[test]
    fn a_link_dropped_without_finish_stops_at_once_leaving_what_is_on_the_path() {
        // Ctrl-C and error paths drop the link: they must not wait out the path's delay.
        let rec = Recorder::new();
        let Some(link) = start_or_skip("delay=2s", &rec) else {
            return;
        };
        let server = link
            .server()
            .run(|| std::net::UdpSocket::bind(SocketAddr::from((SERVER_ADDR, 0))))
            .unwrap()
            .unwrap();
        let to = server.local_addr().unwrap();
        link.client()
            .run(|| {
                let client = std::net::UdpSocket::bind(SocketAddr::from((CLIENT_ADDR, 0)))?;
                client.send_to(b"on the path", to)
            })
            .unwrap()
            .unwrap();
        // The datagram is on the link once the forwarder has recorded it.
        while rec.wire().packets.is_empty() {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        drop(link);
        let wire = rec.wire();
        assert_eq!(wire.packets.len(), 1);
        assert_eq!(
            wire.packets[0].fate,
            crate::transcript::Fate::Unknown,
            "the datagram was still delivered: the drop waited out the delay"
        );
    }
}
