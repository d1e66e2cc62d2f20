//! Helpers for tests that run the real `lab` binary.
#![allow(dead_code)] // each test file uses a different subset

use std::process::{Command, Output};

use serde_json::Value;

/// Run `lab` with `args`, colour off unless the args say otherwise.
pub fn lab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("the lab binary runs")
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
