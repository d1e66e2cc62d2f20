//! `lab trace` run as a student runs the course's programs, where it said something wrong:
//! the order of a close and the b'' it causes, a close that resets the connection, the set-up
//! line and the next step with a server lab does not trace, a crash inside a shell's program.

mod common;

use std::process::Command;

use common::stdout;
use common::tool::Tool;
use common::traced::{flat, pair, python, script};

/// The rows of the final view's table (from its header to the first blank line), flattened.
fn table_rows(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.contains("t ms │"))
        .take_while(|l| !l.trim().is_empty())
        .map(flat)
        .collect()
}

#[test]
fn a_close_comes_before_the_b_empty_it_causes_even_when_the_recv_returns_first() {
    let Some(py) = python() else { return };
    // The server waits in recv(1024) while the client sleeps, then the client closes (or its
    // process ends, closing the socket): the server's recv() returns b'' while the client's
    // close() — or its exit — is still under way.
    for (mode, closed) in [
        ("close", "close (FIN"),
        ("exit", "closed as its process ended"),
        ("exit", "closed as its process ended"),
        ("exit", "closed as its process ended"),
    ] {
        let out = pair(
            &py,
            &format!("{} 0", script("trace_sticky_server.py")),
            &format!("{} {mode}", script("trace_late_close_client.py")),
            &[],
        );
        let text = stdout(&out);
        let rows = table_rows(&text);
        let at = |what: &str| rows.iter().position(|r| r.contains(what));
        let close = at(closed).expect("the client's close row");
        let eof = at("recv 0 B b''").expect("the server's b'' row");
        assert!(close < eof, "the close comes after its b'':\n{text}");
        let row_ms = |i: usize| -> f64 { rows[i].split(' ').next().unwrap().parse().unwrap() };
        assert!(row_ms(close) <= row_ms(eof), "{text}");
        let view = flat(&text);
        assert!(
            view.contains("end of stream: the client closed its side")
                && view.contains("ms before — b'' is how recv() says so"),
            "{text}"
        );
    }
}

#[test]
fn a_client_traced_alone_against_a_server_lab_does_not_trace_has_no_empty_server_setup() {
    let Some(py) = python() else { return };
    let serve = Tool::start(&["serve", "--addr", "127.0.0.1:0"]);
    let client = script("trace_chat_client.py");
    let out = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["trace", "--", &py, &client, "hello"])
        .env("LAB_SERVER_PORT", serve.addr.port().to_string())
        .output()
        .expect("lab runs");
    drop(serve);
    let text = stdout(&out);
    assert!(text.contains("HELLO"), "{text}");
    let setup = text
        .lines()
        .find(|l| l.starts_with("setup:"))
        .expect("a setup line");
    assert!(
        setup.starts_with("setup: client connect from 127.0.0.1:"),
        "{text}"
    );
    // lab cannot hold a recv() in a program it does not trace.
    assert!(!text.contains("--reader-delay"), "{text}");
}

#[test]
fn a_close_with_a_reply_unread_is_a_reset_and_the_view_says_so() {
    let Some(py) = python() else { return };
    // The client sends, sleeps while the server's reply arrives, and closes without reading
    // it: the kernel answers with a reset, and the server's next recv() fails.
    let out = pair(
        &py,
        &format!("{} 0", script("trace_chat_server.py")),
        &format!("{} close", script("trace_late_close_client.py")),
        &[],
    );
    let text = stdout(&out);
    let view = flat(&text);
    assert!(
        view.contains("close with 5 B never read: RST, not FIN"),
        "{text}"
    );
    assert!(view.contains("recvfrom failed: ECONNRESET"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("lab│") && l.contains("5 B never read → RST")),
        "{text}"
    );
}

#[test]
fn a_shell_whose_python_crashed_is_said_to_have_had_it_killed_not_just_status_139() {
    let Some(py) = python() else { return };
    // The shell runs python as a child; python dies of SIGSEGV; the shell exits 139.
    let crash = format!("{py} -c 'import ctypes; ctypes.string_at(0)'; exit $?");
    let out = common::lab(&["trace", "--", "sh", "-c", &crash]);
    let view = flat(&stdout(&out));
    assert!(view.contains("exited with status 139"), "{view}");
    assert!(
        view.contains("which it ran, was killed by SIGSEGV"),
        "{view}"
    );
}
