//! The classroom commands: `lab lessons`, `lab lesson`, step mode, completions, man page.

mod common;

use common::{lab, lab_with_input, stderr, stdout};
use serde_json::Value;

#[test]
fn lessons_lists_every_lesson_in_order_name_first() {
    let out = stdout(&lab(&["lessons"]));
    // One line each, the name first.
    let names: Vec<&str> = out
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "socket-basics",
            "communication-loop",
            "connection-loop",
            "reuseaddr-demo",
            "backlog-demo",
            "sticky-demo",
            "split-messages",
            "struct",
            "framed-demo",
            "other-framings",
            "upload-demo",
            "udp-demo",
            "trace-your-code"
        ]
    );
    let json: Value = serde_json::from_str(&stdout(&lab(&["lessons", "--json"]))).unwrap();
    let first = &json[0];
    assert_eq!(first["name"], "socket-basics");
    assert!(first["title"].is_string() && first["command"].as_str().unwrap().starts_with("lab "));
}

#[test]
fn every_lesson_demo_subcommand_has_a_lesson() {
    let listed = stdout(&lab(&["lessons"]));
    for demo in [
        "sticky-demo",
        "framed-demo",
        "reuseaddr-demo",
        "backlog-demo",
        "udp-demo",
        "upload-demo",
    ] {
        assert!(
            listed.lines().any(|l| l.starts_with(demo)),
            "{demo} has no lesson"
        );
    }
}

#[test]
fn a_lesson_prints_in_the_language_asked_and_follows_lang() {
    let en = stdout(&lab(&["lesson", "sticky-demo", "--lang", "en"]));
    let zh = stdout(&lab(&["lesson", "sticky-demo", "--lang", "zh"]));
    assert_ne!(en, zh);
    assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    let by_env = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["lesson", "sticky-demo"])
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(by_env.stdout).unwrap(), zh);
    assert!(!en.contains('\x1b'), "plain when piped");
    assert!(!en.contains("```"), "code fences are rendered, not shown");
}

#[test]
fn run_shows_the_demo_after_the_text() {
    let out = stdout(&lab(&["lesson", "sticky-demo", "--lang", "en", "--run"]));
    assert!(out.contains("── $ lab sticky-demo ──"), "{out}");
    assert!(out.contains("the message boundaries are gone"), "{out}");
    let two = stdout(&lab(&["lesson", "communication-loop", "--run"]));
    assert!(two.contains("needs two terminals"), "{two}");
}

#[test]
fn an_unknown_lesson_names_the_ones_there_are() {
    let out = lab(&["lesson", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("sticky-demo"), "{}", stderr(&out));
}

#[test]
fn step_mode_shows_the_same_run_event_by_event() {
    // Enter three times, then end of input: the rest comes at once.
    let out = lab_with_input(&["sticky-demo", "--step", "--color", "never"], b"\n\n\n");
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("hellobyebyeagain,bye"), "{text}");
    assert!(text.contains("verdict"), "{text}");
    assert!(stderr(&out).contains("Enter: next"));
    let rows = lab_with_input(&["reuseaddr-demo", "--step", "--color", "never"], b"\n");
    assert!(
        stdout(&rows).contains("live listener"),
        "row-paced demos still show everything"
    );
    let slow = stdout(&lab(&["framed-demo", "--slow", "1", "--color", "never"]));
    assert!(slow.contains("⇒ m3 intact ✓"), "{slow}");
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout(&lab(&["completions", shell]));
        assert!(script.contains("sticky-demo"), "{shell}");
    }
    let man = stdout(&lab(&["man"]));
    assert!(
        man.contains(".TH lab") && man.contains("sticky\\-demo"),
        "{man}"
    );
}
