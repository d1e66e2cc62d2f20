//! Every view in Chinese: each command below runs with `--lang zh`, and no line of what it
//! prints may still be an English sentence (see `common::english`). Commands are added here
//! as their views learn Chinese; the list grows until it holds every command lab has.

mod common;

use std::process::Command;

use common::english::english_lines;
use common::{lab, stderr, stdout};

/// Commands whose whole output is Chinese (apart from code, figures and messages).
const CHINESE_COMMANDS: &[&[&str]] = &[
    &["struct", "calcsize", "!I"],
    // The exchange lessons: defaults, and the flags that add lines.
    &["sticky-demo"],
    &["sticky-demo", "--recv-size", "4"],
    &["sticky-demo", "--hex"],
    &["sticky-demo", "--wire"],
    &["sticky-demo", "--trials", "3"],
    &["sticky-demo", "--nodelay"],
    &["sticky-demo", "--reader-delay", "0", "--send-gap", "20"],
    &["sticky-demo", "--message", "one"],
    &["framed-demo"],
    &["framed-demo", "--recv-size", "7"],
    &["framed-demo", "--framing", "delimiter"],
    &["framed-demo", "--framing", "fixed"],
    &["framed-demo", "--corrupt", "oversize", "--header", "!i"],
    &["framed-demo", "--corrupt", "truncate", "--header", "!i"],
    &["framed-demo", "--corrupt", "negative", "--header", "!i"],
    &["framed-demo", "--trials", "2"],
    &["udp-demo"],
    &["udp-demo", "--recv-size", "4"],
    &["udp-demo", "--trials", "2"],
    &["stall-demo", "--rounds", "2"],
];

/// Commands that need namespaces (`--net`): skipped, saying so, where lab may not make them.
const LINKED_COMMANDS: &[&[&str]] = &[&["sticky-demo", "--net", "delay=20ms"]];

/// The notes' sticky pair, traced as the lesson `trace-your-code` runs it (on the notes'
/// fixed port 8080, so apart from the others).
fn traced_pair() -> &'static [&'static str] {
    sticky_lab::lesson::find("trace-your-code")
        .and_then(|lesson| lesson.run)
        .expect("the lesson runs lab trace on the notes' pair")
}

/// Run `args` with `--lang zh`: the English lines left, or `None` when it may be skipped
/// (`--net` where namespaces are not allowed).
fn english_left(args: &[&str]) -> Option<String> {
    let mut all = args.to_vec();
    all.extend(["--lang", "zh"]);
    let out = lab(&all);
    let err = stderr(&out);
    if !out.status.success() && err.contains("--net needs") {
        eprintln!("skipped `lab {}`: {}", all.join(" "), err.trim());
        return None;
    }
    assert!(out.status.success(), "{all:?}: {err}");
    let left = english_lines(&stdout(&out));
    (!left.is_empty()).then(|| format!("lab {}:\n  {}", all.join(" "), left.join("\n  ")))
}

#[test]
fn every_listed_command_speaks_only_chinese_with_lang_zh() {
    // The lessons wait on purpose (a late reader, a stall): run them side by side.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = CHINESE_COMMANDS
            .iter()
            .chain(LINKED_COMMANDS)
            .map(|args| scope.spawn(move || english_left(args)))
            .collect();
        runs.into_iter()
            .filter_map(|run| run.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "English left:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_traced_pair_speaks_only_chinese_with_lang_zh() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: python3 is not installed");
        return;
    }
    if let Some(left) = english_left(traced_pair()) {
        panic!("English left:\n{left}");
    }
}

#[test]
fn the_json_says_its_readings_in_chinese_and_keeps_its_codes() {
    let out = lab(&["sticky-demo", "--json", "--lang", "zh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let summary: serde_json::Value =
        serde_json::from_str(text.lines().last().unwrap()).expect("a JSON summary");
    assert_eq!(summary["verdict_code"], "merged", "{summary}");
    assert_eq!(summary["wire_code"], "merged_in_receiver", "{summary}");
    assert_eq!(summary["hint_code"], "see_the_fix", "{summary}");
    for field in ["verdict", "wire", "hint"] {
        let said = summary[field].as_str().unwrap();
        assert!(english_lines(said).is_empty(), "{field}: {said}");
        assert!(said.contains("recv"), "{field}: {said}");
    }
    let note = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["code"] == "reader_delay")
        .expect("the reader's pause, as a note");
    assert_eq!(note["detail"], "先等 100 ms 再读（--reader-delay）");
}
