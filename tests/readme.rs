//! README stays true: every `lab …` command it shows parses, every one that runs by itself
//! runs, and the output it shows is what lab prints. (The two-terminal commands — serve,
//! chat, proxy, upload — are run against each other in tests/serve.rs and tests/upload.rs.)

mod common;

use clap::Parser;
use common::{Scratch, lab, lab_in_dir, masked, shell_words, stderr, stdout};
use sticky_lab::cli::Cli;

const README: &str = include_str!("../README.md");

/// `lab …` in inline code, and in code blocks after a prompt (`$ `, `terminal 1$ `, `&& `) or
/// at a line's start; a `# comment` and a pipe's other end left off.
fn commands() -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut in_block = false;
    for line in README.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            let trimmed = line.trim_start();
            let start = if trimmed.starts_with("lab ") {
                Some(line.len() - trimmed.len())
            } else {
                ["$ lab ", "&& lab "]
                    .iter()
                    .find_map(|p| line.find(p).map(|i| i + p.len() - 4))
            };
            if let Some(start) = start {
                found.push(line[start..].to_string());
            }
        } else {
            found.extend(
                line.split('`')
                    .skip(1)
                    .step_by(2)
                    .filter(|span| span.starts_with("lab "))
                    .map(str::to_string),
            );
        }
    }
    found
        .into_iter()
        .map(|c| {
            let c = c.split("  #").next().unwrap();
            c.split(" | ").next().unwrap().trim().to_string()
        })
        .collect()
}

/// A template, not a command: `lab lesson NAME`, `lab completions bash|zsh|fish`.
fn is_template(words: &[String]) -> bool {
    words.iter().any(|w| {
        w.contains('|')
            || w.starts_with('[')
            || w.contains('…')
            || w.contains("...")
            || (w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase()))
    })
}

/// Commands the README shows to say that lab refuses them.
const SHOWN_REFUSED: &[&str] = &[
    "lab lesson stiky-demo",
    "lab man --json",
    "lab completions bash --json",
    "lab serve --step",
];

#[test]
fn every_command_the_readme_shows_parses_and_the_standalone_ones_run() {
    let commands = commands();
    assert!(commands.len() > 30, "found only {commands:?}");
    let mut ran = 0;
    let scratch = Scratch::new("readme");
    for command in &commands {
        let words = shell_words(command);
        if is_template(&words) {
            continue;
        }
        if SHOWN_REFUSED.contains(&command.as_str()) {
            let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            assert_eq!(lab(&args).status.code(), Some(2), "`{command}` is refused");
            continue;
        }
        if let Err(e) = Cli::try_parse_from(&words) {
            use clap::error::ErrorKind;
            // A subcommand named alone (`lab proxy`, `lab struct`) is a name in prose.
            let named = words.len() == 2
                && matches!(
                    e.kind(),
                    ErrorKind::MissingRequiredArgument
                        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                );
            assert!(named, "README's `{command}` does not parse: {e}");
            continue;
        }
        if ["serve", "chat", "proxy", "upload"].contains(&words[1].as_str()) {
            continue;
        }
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        // Pictures a command writes (`--html split.html`) land in a scratch directory.
        let out = lab_in_dir(scratch.path(), &args);
        assert!(out.status.success(), "`{command}` failed: {}", stderr(&out));
        ran += 1;
    }
    assert!(ran > 15, "ran only {ran}");
}

/// The code block that follows the first line containing `after`.
fn block_after(after: &str) -> String {
    let from = README.find(after).expect("the README has it");
    let rest = &README[from..];
    let start = rest.find("```\n").unwrap() + 4;
    let end = start + rest[start..].find("```").unwrap();
    rest[start..end].to_string()
}

#[test]
fn the_sample_views_are_what_lab_prints() {
    for (after, args) in [
        (
            "This is the heart of `lab sticky-demo`",
            &["sticky-demo"][..],
        ),
        (
            "and the fix, `lab framed-demo --recv-size 7`",
            &["framed-demo", "--recv-size", "7"][..],
        ),
    ] {
        let actual = masked(&stdout(&lab(args)));
        for line in masked(&block_after(after)) {
            assert!(
                actual.contains(&line),
                "README shows {line:?} for lab {args:?}; lab prints:\n{}",
                actual.join("\n")
            );
        }
    }
    let block = block_after("## `lab struct`");
    let (command, output) = block.split_once('\n').unwrap();
    let words = shell_words(command.trim_start_matches("$ "));
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    assert_eq!(stdout(&lab(&args)), output, "README's `{command}`");
}

#[test]
fn the_json_example_names_fields_the_summary_has() {
    let line = README
        .lines()
        .find(|l| l.starts_with("lab sticky-demo --json | tail -1 | jq"))
        .expect("the jq example");
    let fields = line.split('{').nth(1).unwrap().split('}').next().unwrap();
    let summary = common::summary(&["sticky-demo"]);
    for field in fields.split(',').map(str::trim) {
        assert!(!summary[field].is_null(), "the summary has no {field}");
    }
}

#[test]
fn make_install_is_the_cargo_install_the_readme_names() {
    let make = std::process::Command::new("make")
        .args(["-n", "install"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    let Ok(make) = make else {
        eprintln!("skipped: make is not installed");
        return;
    };
    let plan = String::from_utf8_lossy(&make.stdout);
    assert!(plan.contains("install --path . --locked"), "{plan}");
    assert!(README.contains("cargo install --path . --locked"));
}

#[test]
fn every_field_of_the_demos_json_summaries_is_documented() {
    // A grader reads the README to know what a field means: each one the summaries print
    // (and those of the objects inside them) is named there, in backticks or quotes.
    fn keys(value: &serde_json::Value, into: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    into.push(key.clone());
                    keys(inner, into);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| keys(i, into)),
            _ => {}
        }
    }
    for args in [
        &["sticky-demo"][..],
        &["udp-demo"],
        &["framed-demo"],
        &["stall-demo", "--rounds", "1"],
        &["reuseaddr-demo"],
        &["backlog-demo", "--clients", "3", "--wait", "10"],
        &["upload-demo", "--size", "64KiB"],
    ] {
        let mut found = Vec::new();
        keys(&common::summary(args), &mut found);
        for key in found {
            let named = [format!("`{key}`"), format!("\"{key}\"")]
                .iter()
                .any(|n| README.contains(n.as_str()));
            assert!(named, "lab {args:?} --json: `{key}` is not in the README");
        }
    }
}
