//! Helpers for the tests that run `lab trace` on real programs: the Python interpreter, the
//! test scripts, a traced pair, and the output read as JSON lines or as flat words.

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{lab, stderr, stdout};

/// The Python interpreter itself (not a shim script), or `None` with the reason printed.
pub fn python() -> Option<String> {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    let path = String::from_utf8(out.stdout).ok()?.trim().to_string();
    if path.is_empty() {
        eprintln!("skipped: python3 is not installed");
        return None;
    }
    Some(path)
}

/// A script of `tests/python/`, by name.
pub fn script(name: &str) -> String {
    format!("{}/tests/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The JSON lines of a run (the traced programs' own output shares stdout: it is skipped).
pub fn json_of(output: &Output) -> Vec<Value> {
    json_lines_in(&stdout(output))
}

/// The JSON lines of a text, the other lines skipped.
pub fn json_lines_in(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| l.starts_with("{\""))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The text with the table's rules gone and every run of spaces and line breaks made one
/// space: what the words say, however the columns wrapped them.
pub fn flat(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lines a traced Python program printed of bytes (`b'…'`). They share stdout with lab's
/// live lines, which may land between two writes of one print (unbuffered Python writes the
/// text and its newline apart): what follows lab's mark on a line is lab's.
pub fn printed(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.split("lab│").next())
        .filter(|l| l.starts_with("b'"))
        .collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn with_op<'a>(lines: &'a [Value], op: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["op"] == op).collect()
}

pub fn summary(lines: &[Value]) -> &Value {
    lines.last().expect("a summary line")
}

/// `lab trace --server 'PY SERVER' --client 'PY CLIENT'` (a client starting with `/` runs
/// as it is), which must succeed.
pub fn pair(py: &str, server: &str, client: &str, extra: &[&str]) -> Output {
    let server = format!("{py} {server}");
    let client = if client.ends_with("/client") {
        client.to_string()
    } else {
        format!("{py} {client}")
    };
    let mut args = vec!["trace", "--server", &server, "--client", &client];
    args.extend_from_slice(extra);
    let out = lab(&args);
    assert!(out.status.success(), "lab trace failed: {}", stderr(&out));
    out
}

/// `lab ARGS` with its stdout read line by line, and stderr thrown away.
pub fn spawn_lab(args: &[&str]) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("lab runs");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

/// Send `signal` to lab; its exit status once it has ended (the test fails after 20 s).
pub fn stop(child: &mut Child, signal: i32) -> std::process::ExitStatus {
    // SAFETY: a signal to the lab process this test started.
    unsafe { libc::kill(child.id() as i32, signal) };
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "lab did not stop"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
