//! Every view in Chinese: each command below runs with `--lang zh`, and no line of what it
//! prints may still be an English sentence (see `common::english`). Commands are added here
//! as their views learn Chinese; the list grows until it holds every command lab has.

mod common;

use std::process::Output;

use common::english::english_lines;
use common::{lab, lab_with_input, stderr, stdout};

/// Commands whose whole output is Chinese (apart from code, figures and messages).
const CHINESE_COMMANDS: &[&[&str]] = &[
    &["struct", "calcsize", "!I"],
    &["struct", "calcsize", "ci"],
    &["struct", "calcsize", "=ci"],
    &["struct", "pack", "i", "5"],
    &["struct", "pack", "!I", "5"],
    &["struct", "pack", "@ci", "a", "5"],
    &["struct", "pack", "xxB3x", "1"],
    &["struct", "unpack", "h", "00", "01"],
    &["struct", "unpack", "!I", "00", "00", "00", "05"],
    &[
        "struct", "unpack", "ci", "61", "00", "00", "00", "05", "00", "00", "00",
    ],
    &["backlog-demo", "--wait", "50"],
    &["backlog-demo", "--backlog", "0", "--clients", "3"],
    &["reuseaddr-demo"],
    &["reuseaddr-demo", "--closer", "client"],
    &["reuseaddr-demo", "--closer", "server"],
    &["lessons"],
    &["lessons", "--width", "60"],
    &["lesson", "backlog-demo", "--no-pager"],
    &["lesson", "struct", "--no-pager"],
];

/// Commands that fail with an error lab words itself: the `error:` line must be Chinese too.
const CHINESE_ERRORS: &[&[&str]] = &[
    &["struct", "unpack", "!I", "00", "05"],
    &["struct", "pack", "!Q7", "5"],
    &["struct", "unpack", "!I", "0g"],
    &["struct", "unpack", "!I", "000"],
    &["serve", "--step"],
    &["man", "nosuch"],
    &["lesson", "sticky-demo", "--json"],
    &["udp-demo", "--nodelay"],
];

#[test]
fn every_listed_command_speaks_only_chinese_with_lang_zh() {
    assert_all_chinese(CHINESE_COMMANDS, |all, out| {
        assert!(out.status.success(), "{all:?}: {}", stderr(out));
        stdout(out)
    });
}

#[test]
fn errors_lab_words_itself_are_chinese_with_lang_zh() {
    assert_all_chinese(CHINESE_ERRORS, |all, out| {
        assert!(!out.status.success(), "{all:?} should fail");
        let err = stderr(out);
        assert!(err.starts_with("错误："), "{all:?}: {err}");
        err
    });
}

/// Run each command with `--lang zh`; `shown` checks the run and picks the text to read.
/// Fails naming every line, of every command, that still speaks English.
fn assert_all_chinese(commands: &[&[&str]], shown: impl Fn(&[&str], &Output) -> String) {
    let mut failures = Vec::new();
    for args in commands {
        let mut all = args.to_vec();
        all.extend(["--lang", "zh"]);
        let out = lab(&all);
        let left = english_lines(&shown(&all, &out));
        if !left.is_empty() {
            failures.push(format!("lab {}:\n  {}", all.join(" "), left.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "English left:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_step_prompt_through_a_pipe_is_chinese() {
    let out = lab_with_input(
        &[
            "reuseaddr-demo",
            "--closer",
            "client",
            "--step",
            "--lang",
            "zh",
        ],
        b"\nq\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let prompts = stderr(&out);
    assert!(prompts.contains("回车：下一步"), "{prompts}");
    assert_eq!(english_lines(&prompts), Vec::<String>::new());
    assert!(stdout(&out).contains("仍在监听"), "the rest still comes");
}

#[test]
fn the_two_terminals_banner_is_chinese() {
    // The lesson's text quotes the live tools' output; the banner after it is lab's own.
    let out = lab(&[
        "lesson",
        "communication-loop",
        "--run",
        "--no-pager",
        "--lang",
        "zh",
    ]);
    let text = stdout(&out);
    let banner = text.lines().rev().find(|l| !l.is_empty()).unwrap();
    assert!(banner.starts_with("这一课要开两个以上的终端"), "{banner}");
    assert_eq!(english_lines(banner), Vec::<String>::new());
}
