//! Every view in Chinese: each command below runs with `--lang zh`, and no line of what it
//! prints may still be an English sentence (see `common::english`). Commands are added here
//! as their views learn Chinese; the list grows until it holds every command lab has.

mod common;

use common::english::english_lines;
use common::{lab, stderr, stdout};

/// Commands whose whole output is Chinese (apart from code, figures and messages).
const CHINESE_COMMANDS: &[&[&str]] = &[&["struct", "calcsize", "!I"]];

#[test]
fn every_listed_command_speaks_only_chinese_with_lang_zh() {
    let mut failures = Vec::new();
    for args in CHINESE_COMMANDS {
        let mut all = args.to_vec();
        all.extend(["--lang", "zh"]);
        let out = lab(&all);
        assert!(out.status.success(), "{all:?}: {}", stderr(&out));
        let left = english_lines(&stdout(&out));
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
