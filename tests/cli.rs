//! The command line as a user meets it: bad input gets one `error:` line naming the flag and
//! exit code 2; colour follows --color and NO_COLOR.

mod common;

use std::process::Command;

use common::{lab, stderr, stdout};

fn assert_usage_error(args: &[&str], names: &str) {
    let out = lab(args);
    assert_eq!(out.status.code(), Some(2), "lab {args:?}");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line for {args:?}: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(names), "{args:?} should name {names}: {err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn an_unknown_option_is_one_line_naming_it() {
    assert_usage_error(&["sticky-demo", "--bogus"], "--bogus");
}

#[test]
fn a_zero_recv_size_is_refused() {
    assert_usage_error(&["sticky-demo", "--recv-size", "0"], "--recv-size");
}

#[test]
fn an_empty_message_is_refused() {
    assert_usage_error(&["framed-demo", "--message", ""], "--message");
}

#[test]
fn a_zero_max_frame_is_refused() {
    assert_usage_error(&["framed-demo", "--max-frame", "0"], "--max-frame");
}

#[test]
fn a_send_gap_that_would_run_for_minutes_is_refused() {
    let mut args = vec!["sticky-demo", "--send-gap", "10000"];
    for _ in 0..5 {
        args.extend(["--message", "x"]);
    }
    assert_usage_error(&args, "--send-gap");
}

#[test]
fn color_always_colours_and_never_does_not() {
    let coloured = stdout(&lab(&["sticky-demo", "--color", "always"]));
    assert!(coloured.contains("\x1b["), "escape codes expected");
    let plain = stdout(&lab(&["sticky-demo", "--color", "never"]));
    assert!(!plain.contains('\x1b'));
}

#[test]
fn auto_colour_stays_off_when_piped_and_under_no_color() {
    // stdout here is a pipe, so auto means no colour.
    let piped = stdout(&lab(&["sticky-demo"]));
    assert!(!piped.contains('\x1b'));
    let out = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["sticky-demo", "--color", "auto"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
}

#[test]
fn help_lists_both_headline_lessons() {
    let out = lab(&["--help"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("sticky-demo") && text.contains("framed-demo"),
        "{text}"
    );
}
