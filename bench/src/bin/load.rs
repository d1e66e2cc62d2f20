//! `make load`: many framed clients, each sending messages one at a time and checking every
//! echo, against `lab serve --mode framed --reply echo`, a tokio echo server (`tokio_echo`),
//! a threaded Python server written as the notes teach, and a bare recv/send loop
//! (`bare_echo`) as the kernel-bound yardstick — one after the other in the same run:
//! messages per second, the server's CPU time and its peak RSS.
//!
//! Usage: load LAB_BINARY PYTHON_SERVER_SCRIPT [CLIENTS] [MESSAGES] [PAYLOAD_BYTES]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BARE: &str = "bare recv/send loop (one epoll loop)";
const LAB: &str = "lab serve (Rust, one epoll loop)";
const TOKIO: &str = "tokio + tokio-util (Rust, a task each)";
const PYTHON: &str = "Python, threaded, as the notes teach";

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

/// CPU seconds a process has used so far (user + system), from /proc/PID/stat.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the name.
    // SAFETY: sysconf takes no pointers.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / hz,
        _ => f64::NAN,
    }
}

/// CPU seconds the whole machine has spent so far (all cores, all processes), from the first
/// line of /proc/stat: user, nice, system, irq and softirq time.
fn machine_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(f64::NAN))
        .collect();
    // SAFETY: sysconf takes no pointers.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    [0, 1, 2, 5, 6]
        .iter()
        .map(|&i| ticks.get(i).copied().unwrap_or(f64::NAN))
        .sum::<f64>()
        / hz
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

/// Every client sends `messages` framed messages, `burst` at a time (1: one message, then
/// wait for its echo), and checks every echo. All clients are driven from one thread (a
/// single-threaded tokio runtime), so the load generator spends its CPU on sockets rather
/// than on switching between 100 threads.
fn run_clients(
    addr: SocketAddr,
    clients: usize,
    messages: usize,
    payload: usize,
    burst: usize,
) -> Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let mut connected = Vec::with_capacity(clients);
        for _ in 0..clients {
            let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).unwrap();
            connected.push(stream);
        }
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for (c, mut stream) in connected.into_iter().enumerate() {
            tasks.spawn(async move {
                let frame = payload + 4;
                let mut requests = Vec::with_capacity(burst * frame);
                let mut replies = vec![0u8; burst * frame];
                let mut n = 0;
                while n < messages {
                    let count = burst.min(messages - n);
                    // Each message carries its client and number, so a reply sent to the
                    // wrong client or out of order cannot pass the check.
                    requests.clear();
                    for k in n..n + count {
                        requests.extend_from_slice(&(payload as u32).to_be_bytes());
                        requests.extend_from_slice(&(c as u32).to_be_bytes());
                        requests.extend_from_slice(&(k as u32).to_be_bytes());
                        requests.resize(requests.len() + payload - 8, b'a' + (c % 26) as u8);
                    }
                    stream.write_all(&requests).await.expect("send");
                    let replies = &mut replies[..count * frame];
                    stream.read_exact(replies).await.expect("echo");
                    assert!(
                        replies == &requests[..],
                        "client {c}, messages {n}..{}: wrong echo",
                        n + count
                    );
                    n += count;
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("a client task");
        }
        started.elapsed()
    })
}

/// Whether `LOAD_ONLY` (say `LOAD_ONLY=bare,lab`, to profile or compare a few) leaves this
/// server in; without it, every server runs.
fn chosen(name: &str) -> bool {
    std::env::var("LOAD_ONLY").map_or(true, |only| {
        let name = name.to_lowercase();
        only.split(',')
            .any(|word| name.contains(&word.trim().to_lowercase()))
    })
}

/// A server binary built next to this one (`cargo build -p lab-bench --bins`).
fn sibling(name: &str) -> Command {
    let me = std::env::current_exe().expect("the load binary's path");
    Command::new(me.with_file_name(name))
}

fn main() {
    let usage = "usage: load LAB_BINARY PYTHON_SERVER [CLIENTS] [MESSAGES] [BYTES] [BURST]";
    let args: Vec<String> = std::env::args().collect();
    let lab = args.get(1).expect(usage);
    let python = args.get(2).expect(usage);
    let number =
        |i: usize, default: usize| args.get(i).map_or(default, |v| v.parse().expect(usage));
    let clients = number(3, 100);
    let messages = number(4, 10_000);
    let payload = number(5, 16).max(8);
    let burst = number(6, 16).max(1);

    let servers = || -> [(&'static str, Command); 4] {
        let mut lab = Command::new(lab);
        lab.args([
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
        let mut notes = Command::new("python3");
        notes.arg(python);
        [
            (BARE, sibling("bare_echo")),
            (LAB, lab),
            (TOKIO, sibling("tokio_echo")),
            (PYTHON, notes),
        ]
    };

    for (workload, burst) in [("one at a time", 1), ("in bursts", burst)] {
        println!(
            "\n{clients} clients × {messages} messages of {payload} B each, {workload}{}, every \
             echo checked",
            if burst > 1 {
                format!(" of {burst} (sent in one write, then {burst} echoes read)")
            } else {
                " (send one, wait for its echo)".to_string()
            }
        );
        let mut rates = std::collections::HashMap::new();
        for (name, command) in servers().into_iter().filter(|(name, _)| chosen(name)) {
            let server = start(name, command);
            let us = std::process::id();
            let before = [cpu_seconds(server.child.id()), cpu_seconds(us)];
            let machine_before = machine_cpu_seconds();
            let elapsed = run_clients(server.addr, clients, messages, payload, burst);
            let rate = (clients * messages) as f64 / elapsed.as_secs_f64();
            let cpu = cpu_seconds(server.child.id()) - before[0];
            // The machine is shared: what other processes ran meanwhile says how far to
            // trust this row.
            let others =
                machine_cpu_seconds() - machine_before - cpu - (cpu_seconds(us) - before[1]);
            println!(
                "  {:<38} {:>9.0} messages/s  ({:.2} s, server CPU {:.2} s, peak RSS {:.1} MiB, \
                 other processes' CPU {:.2} s)",
                server.name,
                rate,
                elapsed.as_secs_f64(),
                cpu,
                peak_rss_mib(server.child.id()),
                others.max(0.0)
            );
            rates.insert(name, rate);
        }
        let [Some(bare), Some(lab), Some(tokio), Some(python)] =
            [BARE, LAB, TOKIO, PYTHON].map(|name| rates.get(name).copied())
        else {
            continue;
        };
        println!(
            "  lab serve / tokio: {:.2}×   lab serve / Python: {:.1}×   of the bare loop's \
             rate: lab serve {:.0} %, tokio {:.0} %",
            lab / tokio,
            lab / python,
            100.0 * lab / bare,
            100.0 * tokio / bare
        );
    }
}
