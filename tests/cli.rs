//! The command line as a user meets it: a usage error is clap's whole message (what is wrong,
//! the accepted values, a tip for a typo, the usage line) with exit code 2; lab's own checks
//! are one `error:` line; colour follows --color, NO_COLOR and TERM=dumb; sizes take units;
//! a flag a command cannot honour is refused, never ignored.

mod common;

use std::process::Command;

use common::{lab, stderr, stdout};

/// Exit 2, nothing on stdout, and clap's message naming `names` on stderr.
fn assert_usage_error(args: &[&str], names: &[&str]) -> String {
    let out = lab(args);
    assert_eq!(out.status.code(), Some(2), "lab {args:?}: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    for name in names {
        assert!(err.contains(name), "{args:?} should name {name}: {err}");
    }
    assert!(stdout(&out).is_empty());
    err
}

/// One `error:` line naming `names`, exit 2.
fn assert_one_line_usage_error(args: &[&str], names: &[&str]) {
    let err = assert_usage_error(args, names);
    assert_eq!(err.lines().count(), 1, "one line for {args:?}: {err}");
}

#[test]
fn an_unknown_option_is_named_with_the_usage_line() {
    let err = assert_usage_error(&["sticky-demo", "--bogus"], &["--bogus"]);
    assert!(err.contains("Usage: lab sticky-demo"), "{err}");
}

#[test]
fn a_missing_argument_is_named() {
    assert_usage_error(
        &["struct", "calcsize"],
        &["<FMT>", "Usage: lab struct calcsize"],
    );
}

#[test]
fn a_misspelt_subcommand_or_lesson_gets_the_nearest_name() {
    assert_usage_error(&["stiky-demo"], &["similar", "'sticky-demo'"]);
    assert_usage_error(
        &["lesson", "stiky-demo"],
        &["a similar value exists: 'sticky-demo'"],
    );
}

#[test]
fn a_wrong_value_lists_the_accepted_ones() {
    for (args, listed) in [
        (&["lesson", "struct", "--lang", "fr"][..], "en, zh"),
        (&["serve", "--mode", "rwa"][..], "raw, framed"),
        (
            &["sticky-demo", "--color", "sometimes"][..],
            "auto, always, never",
        ),
        (&["framed-demo", "--framing", "lenght"][..], "length"),
    ] {
        assert_usage_error(args, &["possible values", listed]);
    }
}

#[test]
fn clap_colours_its_message_only_when_asked() {
    let coloured = stderr(&lab(&["--color", "always", "stiky-demo"]));
    assert!(coloured.contains("\x1b["), "{coloured}");
    let plain = stderr(&lab(&["stiky-demo"]));
    assert!(!plain.contains('\x1b'), "stderr is a pipe here: {plain}");
}

#[test]
fn a_zero_recv_size_is_refused() {
    assert_usage_error(&["sticky-demo", "--recv-size", "0"], &["--recv-size"]);
}

#[test]
fn an_empty_message_is_refused() {
    assert_usage_error(&["framed-demo", "--message", ""], &["--message"]);
}

#[test]
fn a_zero_max_frame_is_refused() {
    assert_usage_error(&["framed-demo", "--max-frame", "0"], &["--max-frame"]);
}

#[test]
fn every_size_flag_takes_units() {
    let out = lab(&[
        "framed-demo",
        "--max-frame",
        "8MiB",
        "--recv-size",
        "64KiB",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = stdout(&out);
    let summary = summary.lines().last().unwrap();
    assert!(
        summary.contains("\"max_frame\":8388608") && summary.contains("\"recv_size\":65536"),
        "{summary}"
    );
    let fixed = lab(&["framed-demo", "--framing", "fixed", "--record-size", "1KiB"]);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    // The limit is said in the same units.
    assert_usage_error(&["sticky-demo", "--recv-size", "17MiB"], &["16 MiB"]);
    assert_usage_error(&["serve", "--max-frame", "5GiB"], &["--max-frame"]);
    assert_usage_error(
        &["proxy", "--to", "127.0.0.1:1", "--max-chunk", "1MiB"],
        &["64 KiB"],
    );
}

#[test]
fn a_send_gap_that_would_run_for_minutes_is_refused() {
    let mut args = vec!["sticky-demo", "--send-gap", "10000"];
    for _ in 0..5 {
        args.extend(["--message", "x"]);
    }
    assert_one_line_usage_error(&args, &["--send-gap"]);
}

#[test]
fn flags_a_command_cannot_honour_are_refused() {
    for (args, flag) in [
        (&["serve", "--step"][..], "--step"),
        (&["chat", "--slow", "5"][..], "--slow"),
        (&["man", "--json"][..], "--json"),
        (&["completions", "bash", "--json"][..], "--json"),
        (&["lesson", "sticky-demo", "--step"][..], "--step"),
        (&["lesson", "sticky-demo", "--json"][..], "--json"),
        (&["udp-demo", "--nodelay"][..], "--nodelay"),
    ] {
        assert_one_line_usage_error(args, &[flag]);
    }
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

#[test]
fn every_line_fits_the_width_asked_for() {
    use unicode_width::UnicodeWidthStr;
    let commands: &[&[&str]] = &[
        &["sticky-demo"],
        &["sticky-demo", "--recv-size", "4", "--hex"],
        &["framed-demo", "--recv-size", "7"],
        &["udp-demo", "--trials", "3"],
        &["reuseaddr-demo"],
        &["struct", "pack", "@ci", "a", "5"],
        &["lessons"],
        &["lesson", "sticky-demo", "--lang", "zh"],
        &["lesson", "other-framings"],
        &["upload-demo", "--size", "1MiB"],
        // Four columns: the wire (or the link) between the sides.
        &["sticky-demo", "--wire"],
        &["framed-demo", "--wire", "--lang", "zh"],
        &["sticky-demo", "--net", "delay=20ms"],
        &[
            "sticky-demo",
            "--net",
            "delay=5ms",
            "--message-size",
            "20000",
        ],
        &["udp-demo", "--net"],
        &["stall-demo"],
        &["stall-demo", "--lang", "zh"],
    ];
    // Several commands wait on purpose (a late reader, round trips): run them side by side.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = ["60", "80"]
            .iter()
            .flat_map(|width| commands.iter().map(move |args| (*width, *args)))
            .map(|(width, args)| scope.spawn(move || too_wide(args, width)))
            .collect();
        runs.into_iter()
            .flat_map(|run| run.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{failures:#?}");

    /// The lines of `lab ARGS --width WIDTH` wider than that.
    fn too_wide(args: &[&str], width: &str) -> Vec<String> {
        let mut all = args.to_vec();
        all.extend(["--width", width]);
        let out = lab(&all);
        let err = stderr(&out);
        // --net needs namespaces: where they are not permitted, say so and go on.
        if !out.status.success() && err.contains("--net needs") {
            eprintln!("skipped {all:?}: {}", err.trim());
            return Vec::new();
        }
        assert!(out.status.success(), "{all:?}: {err}");
        let limit: usize = width.parse().unwrap();
        stdout(&out)
            .lines()
            // A command in a code block stays whole, to be copied.
            .filter(|line| !line.starts_with("    lab ") && line.width() > limit)
            .map(|line| format!("{all:?}: {line:?} is wider than {limit}"))
            .collect()
    }
}

#[test]
fn a_demo_help_lists_its_own_options_before_the_global_ones() {
    // A newcomer reading `lab sticky-demo --help` looks for the lesson's knobs: they must not
    // be shuffled in among --color, --json and --lang.
    for flag in ["-h", "--help"] {
        let help = stdout(&lab(&["sticky-demo", flag]));
        let at = |option: &str| {
            help.find(&format!("  {option}"))
                .unwrap_or_else(|| panic!("{option} missing:\n{help}"))
        };
        let heading = help
            .find("Global options:")
            .expect("a heading for the global options");
        for own in [
            "--message",
            "--recv-size",
            "--reader-delay",
            "--net",
            "--pcap",
        ] {
            assert!(at(own) < heading, "{own} after the global options:\n{help}");
        }
        for global in ["--color", "--json", "--step", "--width", "--lang"] {
            assert!(
                at(global) > heading,
                "{global} among the demo's options:\n{help}"
            );
        }
    }
}

#[test]
fn help_fits_the_terminal() {
    // Help lines the terminal wraps at its edge land under the option names; clap wraps
    // them itself, to the terminal's width, at most 100 columns (as lab's views).
    for (columns, args) in [
        ("80", &["sticky-demo", "--help"][..]),
        ("60", &["sticky-demo", "-h"]),
        ("80", &["--help"]),
        ("200", &["framed-demo", "--help"]),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(args)
            .env("COLUMNS", columns)
            .output()
            .unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        let widest = columns.parse::<usize>().unwrap().min(100);
        for line in help.lines() {
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= widest,
                "COLUMNS={columns} {args:?}: {line:?}"
            );
        }
    }
}
