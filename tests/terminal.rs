//! lab in a real terminal (a tmux pane), as a student or a teacher meets it: `--step` takes
//! single keys and leaves a clean table, the terminal is restored however lab ends, views
//! fit the terminal's width, lesson texts are paged, TERM=dumb gets no colour.

mod common;

use common::tmux::{self, Pane};
use common::{lab, masked, stdout};
use unicode_width::UnicodeWidthStr;

/// What lab printed on the screen, before the `[exit N]` line.
fn before_exit(screen: &str) -> String {
    screen
        .lines()
        .take_while(|l| !l.starts_with("[exit "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn step_takes_single_keys_goes_back_and_leaves_a_clean_table() {
    if !tmux::available() {
        return;
    }
    let pane = Pane::start(&["sticky-demo", "--step", "--color", "never"], 100, 60, &[]);
    let prompt = "Enter/space: next";
    pane.wait_for("the step prompt", |s| s.contains(prompt));
    // Space, Enter, back one step, then the rest with q: no Enter after any key.
    for key in ["Space", "Enter", "b", "Space", "q"] {
        pane.keys(&[key]);
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (code, terminal) = pane.exit();
    assert_eq!(code, 0);
    assert_eq!(terminal.trim(), "icanon echo", "the terminal is restored");
    let screen = before_exit(&pane.screen(false));
    assert!(!screen.contains(prompt), "the prompt is gone:\n{screen}");
    let piped = stdout(&lab(&["sticky-demo", "--color", "never", "--width", "100"]));
    // Two runs: the server's "sleeps" note and the client's first send() race for the first
    // row, so compare the rows as sets — each there once, nothing left over from the steps.
    let rows = |text: &str| {
        let mut rows = masked(text);
        rows.sort();
        rows
    };
    assert_eq!(
        rows(&screen),
        rows(&piped),
        "the table as if printed at once"
    );
}

#[test]
fn ctrl_d_shows_the_rest_and_ctrl_c_stops_with_the_terminal_restored() {
    if !tmux::available() {
        return;
    }
    let pane = Pane::start(&["framed-demo", "--step", "--color", "never"], 100, 60, &[]);
    pane.wait_for("the step prompt", |s| s.contains("Enter/space"));
    pane.keys(&["C-d"]);
    let (code, terminal) = pane.exit();
    assert_eq!(code, 0);
    assert_eq!(terminal.trim(), "icanon echo");
    let screen = before_exit(&pane.screen(false));
    assert!(screen.contains("verdict"), "{screen}");
    assert!(!screen.contains("Enter/space"), "{screen}");

    let pane = Pane::start(&["framed-demo", "--step"], 100, 60, &[]);
    pane.wait_for("the step prompt", |s| s.contains("Enter/space"));
    pane.keys(&["C-c"]);
    let (code, terminal) = pane.exit();
    assert_eq!(code, 130);
    assert_eq!(terminal.trim(), "icanon echo");
}

#[test]
fn sigterm_at_the_step_prompt_restores_the_terminal() {
    if !tmux::available() {
        return;
    }
    let pane = Pane::start(&["sticky-demo", "--step"], 100, 60, &[]);
    pane.wait_for("the step prompt", |s| s.contains("Enter/space"));
    // SAFETY: a signal to the lab process this test started.
    unsafe { libc::kill(pane.lab_pid(), libc::SIGTERM) };
    let (code, terminal) = pane.exit();
    assert_eq!(code, 128 + libc::SIGTERM);
    assert_eq!(terminal.trim(), "icanon echo");
}

#[test]
fn views_fit_a_narrow_terminal_without_being_told() {
    if !tmux::available() {
        return;
    }
    for args in [
        &["sticky-demo"][..],
        &["lessons"][..],
        &["backlog-demo", "--wait", "0"][..],
    ] {
        let pane = Pane::start(args, 60, 80, &[]);
        pane.exit();
        // Joined: a line the terminal had to wrap comes back whole, and too long.
        let screen = before_exit(&pane.screen(true));
        for line in screen.lines() {
            assert!(
                line.width() <= 60,
                "{args:?}: {line:?} wrapped on a 60-column terminal"
            );
        }
    }
}

#[test]
fn a_lesson_text_is_paged_on_a_terminal_and_not_with_no_pager() {
    if !tmux::available() {
        return;
    }
    if std::process::Command::new("less")
        .arg("-V")
        .output()
        .is_err()
    {
        eprintln!("skipped: less is not installed (apt-get install less)");
        return;
    }
    let pane = Pane::start(&["lesson", "sticky-demo", "--lang", "en"], 80, 20, &[]);
    let screen = pane.wait_for("less's prompt", |s| {
        s.contains("Sticky packets") && s.lines().any(|l| l.trim() == ":")
    });
    assert!(
        !screen.contains("[exit"),
        "lab waits for the pager:\n{screen}"
    );
    assert!(
        !screen.contains("Answers"),
        "one screen at a time:\n{screen}"
    );
    pane.keys(&["q"]);
    assert_eq!(pane.exit().0, 0);

    let pane = Pane::start(&["lesson", "sticky-demo", "--no-pager"], 80, 200, &[]);
    assert_eq!(pane.exit().0, 0);
    assert!(pane.screen(false).contains("Answers"));
}

#[test]
fn a_dumb_terminal_gets_no_colour() {
    if !tmux::available() {
        return;
    }
    let coloured = Pane::start(&["struct", "pack", "!I", "5"], 80, 30, &[("TERM", "xterm")]);
    coloured.exit();
    assert!(
        coloured.screen_with_escapes().contains("\x1b["),
        "colour on a terminal"
    );
    let dumb = Pane::start(&["struct", "pack", "!I", "5"], 80, 30, &[("TERM", "dumb")]);
    dumb.exit();
    let screen = dumb.screen_with_escapes();
    assert!(
        !screen.contains("\x1b["),
        "no escape codes for TERM=dumb:\n{screen}"
    );
}
