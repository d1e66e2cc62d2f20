//! `make bench-net`: what lab's `--net` link costs and how well it keeps time, measured in one
//! run (needs root, or a user namespace and /dev/net/tun):
//!
//! - bulk TCP through a clean link (MTU 1500, no delay), every packet recorded as a lesson
//!   records it, next to the same transfer on loopback — and through a link that may drop
//!   packets (1 in 100 000), which handles every segment on its own;
//! - a configured one-way delay of 20, 50 and 100 ms: 1-byte ping-pongs with TCP_NODELAY,
//!   each round trip timed by the client (one way = half of it), and each packet's own time on
//!   the link from the wire model.
//!
//! Usage: net [BYTES] [PINGS]   (defaults: 1 GiB, 20 ping-pongs per delay)

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Instant;

use sticky_lab::net::link::{Link, NetSpec, SERVER_ADDR};
use sticky_lab::transcript::Recorder;

const CHUNK: usize = 64 * 1024;

fn main() {
    let mut args = std::env::args().skip(1);
    let bytes: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1 << 30);
    let pings: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    sticky_lab::net::link::prepare_unprivileged();
    println!("machine: {} cores, load average {}", cores(), load());
    let loopback = bulk(None, bytes);
    println!(
        "bulk TCP, {} MiB, loopback:              {:>6.2} Gbit/s",
        bytes >> 20,
        loopback
    );
    let linked = bulk(Some(&NetSpec::default()), bytes);
    println!(
        "bulk TCP, {} MiB, --net (MTU 1500):      {:>6.2} Gbit/s",
        bytes >> 20,
        linked
    );
    // A path that may drop anything handles every segment on its own (no offload).
    let per_segment: NetSpec = "loss=0.001%,seed=1".parse().expect("a spec");
    let slow = bulk(Some(&per_segment), bytes);
    println!(
        "bulk TCP, {} MiB, --net loss=0.001%:     {:>6.2} Gbit/s (every segment on its own)",
        bytes >> 20,
        slow
    );
    for ms in [20u64, 50, 100] {
        delay_accuracy(ms, pings);
    }
    println!("machine after: load average {}", load());
}

/// Gbit/s of one bulk transfer of `bytes`, across a link with `spec` or on loopback.
fn bulk(spec: Option<&NetSpec>, bytes: u64) -> f64 {
    let rec = Recorder::new();
    let link = spec.map(|s| Link::start(s, &rec).unwrap_or_else(|e| fail(&e.to_string())));
    let (listener, mut client) = connect_pair(link.as_ref());
    let receiver = thread::spawn(move || {
        let (mut server, _) = listener.accept().expect("accept");
        let mut buf = vec![0u8; CHUNK];
        let mut got = 0u64;
        loop {
            match server.read(&mut buf) {
                Ok(0) => return got,
                Ok(n) => got += n as u64,
                Err(e) => fail(&format!("recv: {e}")),
            }
        }
    });
    let chunk = vec![0x5au8; CHUNK];
    let started = Instant::now();
    let mut sent = 0u64;
    while sent < bytes {
        let n = CHUNK.min((bytes - sent) as usize);
        client.write_all(&chunk[..n]).expect("send");
        sent += n as u64;
    }
    client
        .shutdown(std::net::Shutdown::Write)
        .expect("shutdown");
    let got = receiver.join().expect("the receiver");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(got, bytes, "every byte arrives");
    drop(link);
    bytes as f64 * 8.0 / seconds / 1e9
}

/// A listener (in the server's namespace) and a client connected to it.
fn connect_pair(link: Option<&Link>) -> (TcpListener, TcpStream) {
    let Some(link) = link else {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let client = TcpStream::connect(listener.local_addr().unwrap()).expect("connect");
        return (listener, client);
    };
    let listener = link
        .server()
        .run(|| TcpListener::bind(SocketAddr::from((SERVER_ADDR, 0))))
        .expect("setns")
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    let client = link
        .client()
        .run(|| TcpStream::connect(addr))
        .expect("setns")
        .expect("connect");
    (listener, client)
}

/// 1-byte ping-pongs across a link with `ms` one way: the client's round trips halved, and the
/// link's own record of each packet's time on the path.
fn delay_accuracy(ms: u64, pings: usize) {
    let rec = Recorder::new();
    let spec: NetSpec = format!("delay={ms}ms").parse().expect("a spec");
    let link = Link::start(&spec, &rec).unwrap_or_else(|e| fail(&e.to_string()));
    let (listener, mut client) = connect_pair(Some(&link));
    client.set_nodelay(true).expect("nodelay");
    let echo = thread::spawn(move || {
        let (mut server, _) = listener.accept().expect("accept");
        server.set_nodelay(true).expect("nodelay");
        let mut byte = [0u8; 1];
        while server.read(&mut byte).map(|n| n == 1).unwrap_or(false) {
            server.write_all(&byte).expect("echo");
        }
    });
    let mut one_way_us = Vec::with_capacity(pings);
    let mut byte = [7u8; 1];
    for _ in 0..pings {
        let started = Instant::now();
        client.write_all(&byte).expect("ping");
        client.read_exact(&mut byte).expect("pong");
        one_way_us.push(started.elapsed().as_micros() as f64 / 2.0);
    }
    client.shutdown(std::net::Shutdown::Write).ok();
    echo.join().expect("the echo thread");
    link.finish();
    let on_link: Vec<f64> = rec
        .wire()
        .packets
        .iter()
        .filter_map(|p| p.flight_us())
        .map(|us| us as f64)
        .collect();
    let target = (ms * 1000) as f64;
    println!(
        "delay {ms:>3} ms: one way (ping-pong / 2) {} · each packet on the link {}",
        spread(&one_way_us, target),
        spread(&on_link, target)
    );
}

/// `mean 20.06 ms (+0.06), worst +0.31 ms, n=20`.
fn spread(values: &[f64], target_us: f64) -> String {
    if values.is_empty() {
        return "no samples".into();
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let worst = values
        .iter()
        .map(|v| v - target_us)
        .fold(0.0f64, |w, e| if e.abs() > w.abs() { e } else { w });
    format!(
        "mean {:.2} ms ({:+.2}), worst {:+.2} ms, n={}",
        mean / 1000.0,
        (mean - target_us) / 1000.0,
        worst / 1000.0,
        values.len()
    )
}

fn cores() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn fail(why: &str) -> ! {
    eprintln!("error: {why}");
    std::process::exit(1)
}
