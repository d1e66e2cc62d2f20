//! `make load`: many framed clients, each sending messages one at a time and checking every
//! echo, against `lab serve --mode framed --reply echo` and against a threaded Python server
//! written as the notes teach — measured in the same run: messages per second and the
//! server's peak RSS.
//!
//! Usage: load LAB_BINARY PYTHON_SERVER_SCRIPT [CLIENTS] [MESSAGES] [PAYLOAD_BYTES]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The peak resident set size of a process, from /proc (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Start a server whose first stdout line gives its port or address; keep reading the rest.
fn start(name: &'static str, mut command: Command) -> Server {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .expect("server starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    lines.read_line(&mut first).unwrap();
    std::thread::spawn(move || for _ in lines.lines() {});
    let first = first.trim();
    let addr = if let Ok(port) = first.parse::<u16>() {
        SocketAddr::from(([127, 0, 0, 1], port))
    } else {
        let v: serde_json::Value = serde_json::from_str(first).expect("a JSON listening line");
        v["addr"].as_str().unwrap().parse().unwrap()
    };
    Server { name, child, addr }
}

/// Every client sends `messages` framed messages one by one and checks each echo.
fn run_clients(addr: SocketAddr, clients: usize, messages: usize, payload: usize) -> Duration {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for c in 0..clients {
            scope.spawn(move || {
                let mut stream = TcpStream::connect(addr).expect("connect");
                stream.set_nodelay(true).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(60)))
                    .unwrap();
                let mut message = vec![b'a' + (c % 26) as u8; payload + 4];
                message[..4].copy_from_slice(&(payload as u32).to_be_bytes());
                let mut reply = vec![0u8; payload + 4];
                for n in 0..messages {
                    message[4..12.min(payload + 4)]
                        .copy_from_slice(&(n as u64).to_be_bytes()[..8.min(payload)]);
                    stream.write_all(&message).expect("send");
                    stream.read_exact(&mut reply).expect("echo");
                    assert_eq!(reply, message, "client {c} message {n}: wrong echo");
                }
            });
        }
    });
    started.elapsed()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let lab = args
        .get(1)
        .expect("usage: load LAB_BINARY PYTHON_SERVER [CLIENTS] [MESSAGES] [BYTES]");
    let python = args.get(2).expect("the Python server script");
    let clients: usize = args.get(3).map_or(100, |v| v.parse().unwrap());
    let messages: usize = args.get(4).map_or(10_000, |v| v.parse().unwrap());
    let payload: usize = args.get(5).map_or(16, |v| v.parse().unwrap()).max(8);

    let mut lab_cmd = Command::new(lab);
    lab_cmd.args([
        "--json",
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--mode",
        "framed",
        "--reply",
        "echo",
        "--quiet",
        "--max-clients",
        "10000",
        "--backlog",
        "1024",
    ]);
    let mut py_cmd = Command::new("python3");
    py_cmd.arg(python);

    println!(
        "{clients} clients × {messages} messages of {payload} B each, one at a time, every echo checked"
    );
    for (name, command) in [
        ("lab serve (Rust, a thread per client)", lab_cmd),
        ("Python, threaded, as the notes teach", py_cmd),
    ] {
        let server = start(name, command);
        let elapsed = run_clients(server.addr, clients, messages, payload);
        let total = (clients * messages) as f64;
        println!(
            "{:<40} {:>10.0} messages/s  ({:.2} s)  server peak RSS {:.1} MiB",
            server.name,
            total / elapsed.as_secs_f64(),
            elapsed.as_secs_f64(),
            peak_rss_mib(server.child.id())
        );
    }
}
