//! A long-running `lab` (serve, proxy) as a child process speaking JSON Lines, with its events
//! read as they come and Ctrl-C sent as a real signal.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a test waits for an event before failing: bounded, generous for a busy machine.
pub const WAIT: Duration = Duration::from_secs(15);

/// A `lab serve` or `lab proxy` child speaking JSON Lines.
pub struct Tool {
    pub child: Child,
    lines: Receiver<Value>,
    pub addr: SocketAddr,
    /// Every event read so far.
    pub seen: Vec<Value>,
}

impl Tool {
    /// `lab ARGS… --json`, once it says where it listens.
    pub fn start(args: &[&str]) -> Tool {
        Tool::spawn(Command::new(env!("CARGO_BIN_EXE_lab")).args(args))
    }

    /// The prepared `lab` command (arguments, user, limits), with `--json` added.
    pub fn spawn(command: &mut Command) -> Tool {
        let mut child = command
            .arg("--json")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lab starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
            }
        });
        let mut tool = Tool {
            child,
            lines: rx,
            addr: "0.0.0.0:0".parse().unwrap(),
            seen: Vec::new(),
        };
        let listening = tool.wait_for(|e| e["op"] == "listening");
        tool.addr = listening["addr"].as_str().unwrap().parse().unwrap();
        tool
    }

    /// The first event (seen or still to come) that matches.
    pub fn wait_for(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(e) = self.seen.iter().find(|e| want(e)) {
            return e.clone();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(e) => {
                    self.seen.push(e.clone());
                    if want(&e) {
                        return e;
                    }
                }
                Err(_) => panic!("event not seen within {WAIT:?}; saw {:#?}", self.seen),
            }
        }
    }

    /// Ctrl-C, then the exit status and every event.
    pub fn interrupt(mut self) -> (ExitStatus, Vec<Value>) {
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "lab did not stop on Ctrl-C");
            std::thread::sleep(Duration::from_millis(10));
        };
        // The reader thread ends when the child's output closes: take every last line.
        while let Ok(e) = self.lines.recv_timeout(WAIT) {
            self.seen.push(e);
        }
        (status, std::mem::take(&mut self.seen))
    }
}

impl Drop for Tool {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
