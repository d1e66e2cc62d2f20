//! Helpers for tests that run the real `lab` binary.
#![allow(dead_code)] // each test file uses a different subset

pub mod english;
pub mod svg;
pub mod tmux;
pub mod tool;
pub mod traced;
pub mod upload_wire;

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// No single run of `lab` in the tests may take longer than this.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// Run `lab` with `args` (stdout is a pipe, so colour is off unless asked for); a run that
/// outlives [`RUN_LIMIT`] is killed and fails the test.
pub fn lab(args: &[&str]) -> Output {
    lab_with_input(args, b"")
}

/// [`lab`], with `input` on its stdin.
pub fn lab_with_input(args: &[&str], input: &[u8]) -> Output {
    lab_in(None, args, input)
}

/// [`lab`] run in the directory `dir` (the files a command writes by a relative name land
/// there, not in the checkout).
pub fn lab_in_dir(dir: &std::path::Path, args: &[&str]) -> Output {
    lab_in(Some(dir), args, b"")
}

fn lab_in(dir: Option<&std::path::Path>, args: &[&str], input: &[u8]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lab"));
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lab binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(&input);
    });
    // Read both pipes on their own threads so a full pipe never blocks the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for lab") {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            panic!("lab {args:?} ran for over {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// A fresh, empty directory for one test's files (`lab-test-PREFIX-NAME-PID` in the temp dir),
/// removed when the test is done with it.
pub fn scratch_dir(prefix: &str, name: &str) -> Scratch {
    Scratch::new(&format!("{prefix}-{name}"))
}

/// A path as a command-line argument.
pub fn path_arg(path: &std::path::Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// Run a lesson with `--json` and return every line parsed; panics with stderr on failure.
pub fn json_lines(args: &[&str]) -> Vec<Value> {
    let mut all = args.to_vec();
    all.push("--json");
    let output = lab(&all);
    assert!(
        output.status.success(),
        "lab {all:?} failed: {}",
        stderr(&output)
    );
    stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// The summary line of a `--json` run.
pub fn summary(args: &[&str]) -> Value {
    let lines = json_lines(args);
    let last = lines.last().expect("at least the summary line").clone();
    assert_eq!(last["op"], "summary");
    last
}

/// Split a command the way a shell would for the simple quoting lesson texts use.
pub fn shell_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ') => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// A view with its measured figures masked (times, ports, counts) and runs of spaces
/// collapsed: two runs of the same lesson look the same.
pub fn masked(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let mut out = String::new();
            for c in line.chars() {
                let c = if c.is_ascii_digit() || c == '.' {
                    '#'
                } else {
                    c
                };
                if (c == '#' || c == ' ') && out.ends_with(c) {
                    continue;
                }
                out.push(c);
            }
            out.trim_end().to_string()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// A scratch directory under the system's temporary directory, removed when dropped (also
/// when the test fails), so no test leaves files behind.
pub struct Scratch(std::path::PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("lab-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Scratch(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl std::ops::Deref for Scratch {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for Scratch {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
