//! The two-terminal lessons (communication-loop, connection-loop, upload-demo) quote what
//! `lab serve`, `lab chat` and `lab upload` print; the lesson commands do not run those. So
//! they run here as a class would run them, in Chinese: a chat with an empty line, a silent
//! client dropped by `--idle-timeout`, a reset connection, a burst, a client over
//! `--max-clients`, a server that never replies, framed mode, and uploads refused and kept.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::common::{lab_with_input, path_arg, scratch_dir, stderr, stdout};

/// Every tool's own language and a width no line reaches.
const ZH: [&str; 4] = ["--lang", "zh", "--width", "1000"];
/// The longest any step here waits for a child.
const WAIT: Duration = Duration::from_secs(15);

/// A `lab` child whose output lines are read as they come.
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: String,
}

impl Running {
    fn spawn(args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(args)
            .args(ZH)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lab starts");
        let (tx, lines) = channel();
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        let stdin = child.stdin.take();
        Running {
            child,
            stdin,
            lines,
            seen: String::new(),
        }
    }

    /// The first line (seen or to come) that holds `text`.
    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(line) = self.seen.lines().find(|l| l.contains(text)) {
                return line.to_string();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|_| {
                panic!("{text:?} not seen within {WAIT:?}; saw:\n{}", self.seen)
            });
            self.seen.push_str(&line);
            self.seen.push('\n');
        }
    }

    fn write(&mut self, input: &[u8]) {
        let stdin = self.stdin.as_mut().expect("input still open");
        stdin.write_all(input).unwrap();
        stdin.flush().unwrap();
    }

    /// Ctrl-C (a server), or the end of its input (a client); then all it printed.
    fn finish(mut self, interrupt: bool) -> String {
        if interrupt {
            // SAFETY: a signal to our own child process.
            unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        }
        self.stdin = None;
        let deadline = Instant::now() + WAIT;
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "lab did not stop:\n{}",
                self.seen
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(1)) {
            self.seen.push_str(&line);
            self.seen.push('\n');
        }
        std::mem::take(&mut self.seen)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `lab serve ARGS…`, once it says where it listens.
fn serve(args: &[&str]) -> (Running, String) {
    let mut server = Running::spawn(&[&["serve", "--addr", "127.0.0.1:0"], args].concat());
    let line = server.wait_for("正在监听");
    let at = line.find("127.0.0.1:").expect("an address");
    let addr: String = line[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
        .collect();
    (server, addr)
}

/// `lab chat --addr ADDR ARGS…` with `input`, to its end.
fn chat(addr: &str, args: &[&str], input: &[u8]) -> String {
    let all = [&["chat", "--addr", addr], args, &ZH].concat();
    let out = lab_with_input(&all, input);
    stdout(&out) + &stderr(&out)
}

/// What the tools print in the two-terminal lessons, in Chinese.
pub fn tools_in_chinese() -> String {
    conversations() + &turned_away() + &unanswered_and_framed() + &uploads()
}

/// One server and the clients of communication-loop and connection-loop: a chat (with an
/// empty line), two at once, one dropped for silence, a reset, a burst while the server was
/// busy, and a second server on the same port.
fn conversations() -> String {
    let (mut server, addr) = serve(&["--idle-timeout", "1"]);
    let mut printed = chat(&addr, &[], "hello\nwelcome world\n你好\n\n".as_bytes());
    let mut b = Running::spawn(&["chat", "--addr", &addr]);
    b.write(b"hi from B\n");
    b.wait_for("HI FROM B");
    // C stays silent after its line: dropped after the idle timeout, and told at once.
    let mut c = Running::spawn(&["chat", "--addr", &addr]);
    c.write(b"hi from C\n");
    c.wait_for("HI FROM C");
    printed += &b.finish(false);
    server.wait_for("--idle-timeout");
    c.wait_for("服务端关闭了连接");
    printed += &c.finish(false);
    reset_a_connection(&addr);
    server.wait_for("RST");
    // The server busy (stopped) while three lines arrive: its next recv() takes them all.
    // SAFETY: signals to our own child process.
    unsafe { libc::kill(server.child.id() as i32, libc::SIGSTOP) };
    let mut burst = Running::spawn(&["chat", "--addr", &addr, "--burst"]);
    burst.write(b"one\ntwo\nthree\n");
    burst.stdin = None;
    burst.wait_for("three");
    unsafe { libc::kill(server.child.id() as i32, libc::SIGCONT) };
    printed += &burst.finish(false);
    let taken = lab_with_input(&[&["serve", "--addr", &addr][..], &ZH].concat(), b"");
    printed += &stderr(&taken);
    printed + &server.finish(true)
}

/// A server that takes one client, and a second client it turns away.
fn turned_away() -> String {
    let (mut server, addr) = serve(&["--max-clients", "1"]);
    let mut holder = Running::spawn(&["chat", "--addr", &addr]);
    server.wait_for("已连接");
    // Its input still open: the refusal comes before it could send anything.
    let mut refused = Running::spawn(&["chat", "--addr", &addr]);
    refused.wait_for("服务端拒绝了这个客户端");
    let mut printed = refused.finish(false);
    holder.write(b"still here\n");
    printed += &holder.finish(false);
    printed + &server.finish(true)
}

/// A server that never replies, and framed mode on both sides.
fn unanswered_and_framed() -> String {
    let (server, addr) = serve(&["--reply", "none"]);
    let mut printed = chat(&addr, &["--reply-timeout", "0.2"], b"hello\n");
    printed += &server.finish(true);
    let (server, addr) = serve(&["--mode", "framed"]);
    printed += &chat(
        &addr,
        &["--mode", "framed", "--burst"],
        b"one\ntwo\nthree\n",
    );
    printed + &server.finish(true)
}

/// A connection closed with SO_LINGER 0: a reset (RST), not a FIN.
fn reset_a_connection(addr: &str) {
    let addr: SocketAddr = addr.parse().unwrap();
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.connect(&addr.into()).unwrap();
    socket.set_linger(Some(Duration::ZERO)).unwrap();
}

/// upload-demo's two terminals: one file over `--max-size`, one kept, the same again, one
/// under a name with a directory in it.
fn uploads() -> String {
    let dir = scratch_dir("lesson-texts", "uploads");
    let inbox = dir.join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let big = dir.join("big.bin");
    let small = dir.join("small.bin");
    std::fs::write(&big, vec![1u8; 3_000_000]).unwrap();
    std::fs::write(&small, vec![2u8; 1_000_000]).unwrap();
    let (server, addr) = serve(&["--upload-dir", path_arg(&inbox), "--max-size", "2MiB"]);
    let mut printed = String::new();
    for (file, extra) in [
        (&big, &[][..]),
        (&small, &[][..]),
        (&small, &[][..]),
        (&small, &["--name", "../evil"][..]),
    ] {
        let all = [&["upload", path_arg(file), "--to", &addr], extra, &ZH].concat();
        let out = lab_with_input(&all, b"");
        printed += &(stdout(&out) + &stderr(&out));
    }
    printed += &server.finish(true);
    let _ = std::fs::remove_dir_all(&dir);
    printed
}
