//! `lab trace` where its first version went wrong: readers that frame the stream themselves,
//! a socket moved onto descriptors 0–2, notes too long for their cell, Ctrl-C and SIGTERM
//! during a busy transfer, a recv still waiting at the end, servers that outlive SIGTERM,
//! launchers that leave a process behind, programs that cannot start, and narrow terminals.

mod common;

use std::time::{Duration, Instant};

use common::traced::{
    flat, json_lines_in, json_of, pair, python, script, spawn_lab, stop, summary, with_op,
};
use common::{lab, scratch_dir, stderr, stdout};
use unicode_width::UnicodeWidthStr;

/// The sized reader and writer in `mode`, traced as a pair with `extra` flags.
fn sized_pair(py: &str, mode: &str, extra: &[&str]) -> std::process::Output {
    pair(
        py,
        &format!("{} {mode}", script("trace_sized_reader.py")),
        &format!("{} {mode}", script("trace_sized_writer.py")),
        extra,
    )
}

#[test]
fn a_late_reader_of_headers_and_bodies_is_said_to_frame_the_stream_itself() {
    let Some(py) = python() else { return };
    // The trace lesson's header pair: recv(4), then recv(length), 100 ms late.
    let out = sized_pair(&py, "header", &["--reader-delay", "100"]);
    let text = flat(&stdout(&out));
    assert!(
        text.contains("B were already waiting when it ran"),
        "{text}"
    );
    assert!(
        text.contains(
            "6 send() calls arrived in 6 recv() calls, one whole message each — because each \
             recv() asked for exactly the next message's length and got all of it: the reader \
             did the framing itself."
        ),
        "{text}"
    );
    assert!(
        !text.contains("the reader was simply fast enough"),
        "{text}"
    );
}

#[test]
fn readers_of_one_fixed_size_are_said_to_frame_the_stream_with_that_size() {
    let Some(py) = python() else { return };
    for (mode, size) in [("recvmsg_into", 20), ("readv", 16), ("late", 100)] {
        let lines = json_of(&sized_pair(&py, mode, &["--json"]));
        let to_server = &with_op(&lines, "connection")[0]["to_server"];
        assert_eq!(to_server["recvs"], 3, "{mode}: {to_server}");
        assert_eq!(to_server["verdict_code"], "framed_by_reader", "{mode}");
        let verdict = to_server["verdict"].as_str().unwrap();
        assert!(
            verdict.contains(&format!("every recv() asked for exactly {size} B")),
            "{mode}: {verdict}"
        );
    }
}

#[test]
fn a_socket_moved_onto_standard_input_and_output_is_traced_there() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &script("trace_inetd_server.py"),
        &script("trace_inetd_client.py"),
        &["--json"],
    );
    let lines = json_of(&out);
    let server_calls: Vec<(&str, i64)> = lines
        .iter()
        .filter(|e| e["side"] == "server" && matches!(e["op"].as_str(), Some("send" | "recv")))
        .map(|e| (e["syscall"].as_str().unwrap(), e["fd"].as_i64().unwrap()))
        .collect();
    assert_eq!(server_calls, [("write", 1), ("read", 0)], "{lines:?}");
    let conn = with_op(&lines, "connection")[0];
    for direction in ["to_server", "to_client"] {
        let d = &conn[direction];
        assert_eq!(
            (d["sends"].as_u64(), d["recvs"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(d["verdict_code"], "one_message", "{d}");
    }
}

#[test]
fn a_long_note_under_a_call_is_kept_whole() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &format!("{} 0", script("trace_whole_message_server.py")),
        &script("trace_plain_send_client.py"),
        &["--send-max", "4", "--reader-delay", "50"],
    );
    let text = flat(&stdout(&out));
    assert!(
        text.contains(
            "a short send: 4 of 34 B went; the other 30 B are the program's to send \
             (sendall() does)"
        ),
        "{text}"
    );
}

#[test]
fn ctrl_c_in_a_busy_transfer_stops_writing_sends_and_recvs_and_says_how_many() {
    let Some(py) = python() else { return };
    let bulk = script("trace_bulk.py");
    let (mut child, mut lines) = spawn_lab(&["--json", "trace", "--", &py, &bulk]);
    // Busy: wait for a few hundred recv events.
    let mut recvs = 0;
    while recvs < 300 {
        let line = lines.next().expect("lab ended early").unwrap();
        recvs += usize::from(line.contains("\"op\":\"recv\""));
    }
    assert!(stop(&mut child, libc::SIGINT).success());
    let rest = json_lines_in(&lines.map_while(Result::ok).collect::<Vec<_>>().join("\n"));
    let at = rest
        .iter()
        .position(|l| l["event"] == "interrupted")
        .expect("an interrupted line");
    assert_eq!(rest[at]["by"], "SIGINT");
    let after: Vec<&str> = rest[at..].iter().filter_map(|l| l["op"].as_str()).collect();
    assert!(
        !after
            .iter()
            .any(|op| matches!(*op, "send" | "recv" | "eof")),
        "sends and recvs written after Ctrl-C: {after:?}"
    );
    if let Some(left) = rest.iter().find(|l| l["event"] == "not_written") {
        assert!(left["events"].as_u64().unwrap() > 0, "{left}");
    }
    let last = summary(&rest);
    assert_eq!(last["interrupted_by"], "SIGINT", "{last}");
    assert!(last["recvs"].as_u64().unwrap() >= 300, "{last}");
}

/// The system call a process waits in, from /proc (x86_64 and aarch64 number them apart).
fn waits_in(pid: &str, call: libc::c_long) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/syscall"))
        .is_ok_and(|s| s.split(' ').next() == Some(&call.to_string()))
}

#[test]
fn sigterm_to_lab_is_named_and_a_recv_still_waiting_is_shown() {
    let Some(py) = python() else { return };
    let reader = script("trace_waiting_reader.py");
    let (mut child, mut lines) = spawn_lab(&["trace", "--", &py, &reader]);
    let mut pid = String::new();
    loop {
        let line = lines.next().expect("lab ended early").unwrap();
        if let Some(rest) = line.split("(pid ").nth(1).filter(|_| pid.is_empty()) {
            pid = rest.trim_end_matches(')').to_string();
        }
        if line.starts_with("b'x'") {
            break;
        }
    }
    // The program printed its first recv: wait until it sits in the second.
    let started = Instant::now();
    while !waits_in(&pid, libc::SYS_recvfrom) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no second recv"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(stop(&mut child, libc::SIGTERM).success());
    let text = flat(&lines.map_while(Result::ok).collect::<Vec<_>>().join("\n"));
    for said in [
        "SIGTERM sent to lab: stopping the traced programs",
        "recvfrom(100) had waited",
        "when its process ended: it never returned",
        "was stopped by lab with SIGKILL (SIGTERM sent to lab)",
        "stopped by SIGTERM sent to lab",
    ] {
        assert!(text.contains(said), "{said:?} not in {text}");
    }
}

#[test]
fn a_server_that_ignores_sigterm_is_reported_as_ended_by_the_sigkill_that_did_it() {
    let Some(py) = python() else { return };
    // `; true` keeps a shell between lab and the server: the shell dies of the SIGTERM.
    let out = pair(
        &py,
        &format!("{}; true", script("trace_stubborn_server.py")),
        &script("trace_sticky_client.py"),
        &[],
    );
    let text = flat(&stdout(&out));
    assert!(
        text.contains("was stopped by lab with SIGKILL (its client had ended"),
        "{text}"
    );
}

#[test]
fn a_launcher_that_leaves_a_process_behind_says_what_lab_waits_for() {
    let out = lab(&["trace", "--", "sh", "-c", "sleep 0.2 & exit 0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The note wraps at 80 columns: each part carries lab's mark.
    let text = flat(&stdout(&out).replace("lab│", ""));
    assert!(
        text.contains("has ended, but 1 process it started still runs (pid"),
        "{text}"
    );
    assert!(
        text.contains("lab traces it until it ends — Ctrl-C stops it"),
        "{text}"
    );
}

#[test]
fn a_program_that_cannot_start_is_one_error_line_saying_why() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch_dir("trace-exec", "refused");
    let file = |name: &str, bytes: &[u8], mode: u32| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path.to_str().unwrap().to_string()
    };
    let script = file("script", b"#!/no/such/interpreter\nprint(1)\n", 0o755);
    let garbage = file("garbage", &[0x7f, 0x00, 0x13, 0x37, 0xff, 0xfe], 0o755);
    let plain = file("plain.py", b"print(1)\n", 0o644);
    let folder = dir.to_str().unwrap().to_string();
    for (program, why) in [
        (
            &script,
            "its #! line names the interpreter /no/such/interpreter, which does not exist \
             (ENOENT)",
        ),
        (
            &garbage,
            "it is no program this machine runs: no #! line, and not a binary for this \
             machine (ENOEXEC)",
        ),
        (&plain, "it may not be executed (EACCES)"),
        (&folder, "it is a directory (EACCES)"),
    ] {
        let out = lab(&["trace", "--", program]);
        assert_eq!(out.status.code(), Some(1), "{program}");
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!("error: {program} could not be started: {why}")),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!stdout(&out).contains("status 127"), "{}", stdout(&out));
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn empty_commands_are_refused_and_length_flags_take_units() {
    let out = lab(&["trace", "--server", "", "--client", "true"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: --server is empty: give the command line to run, e.g. lab trace --server \
         'python3 server.py' --client 'python3 client.py'\n"
    );
    let out = lab(&["trace", "--server", "true", "--client", "  "]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("error: --client is empty"));
    let out = lab(&[
        "trace",
        "--recv-max",
        "2KiB",
        "--send-max",
        "1 KiB",
        "--",
        "true",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = lab(&["trace", "--recv-max", "0", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_line_lab_writes_fits_a_narrow_width() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &format!("{} 0", script("trace_sticky_server.py")),
        &script("trace_sticky_client.py"),
        &["--width", "60", "--reader-delay", "100"],
    );
    let text = stdout(&out);
    // The server's own prints (b'…') pass through as they are.
    let too_wide: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("b'"))
        .filter(|l| l.width() > 60)
        .collect();
    assert!(
        too_wide.is_empty(),
        "wider than 60:\n{}",
        too_wide.join("\n")
    );
    assert!(text.contains("lab trace — connection #1"), "{text}");
}

/// A UDP server never listens: lab starts the client as soon as the server has bound its
/// socket (with the port in LAB_SERVER_PORT), and says that UDP calls are not shown —
/// instead of waiting for a listen() that never comes.
#[test]
fn a_udp_server_starts_its_client_once_it_has_bound() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &format!("{} 0", script("trace_udp_server.py")),
        &script("trace_udp_client.py"),
        &["--width", "120"],
    );
    let text = stdout(&out);
    assert!(text.contains("b'HELLO'"), "{text}");
    assert!(text.contains("the server bound a UDP socket"), "{text}");
    assert!(!text.contains("did not listen"), "{text}");
}

/// `lab trace … | less`, the pager scrolled back: the live log fills the pipe. Ctrl-C must
/// still stop lab and its programs (it waited for a reader who was not reading).
#[test]
fn ctrl_c_stops_a_trace_whose_output_nobody_reads() {
    let Some(py) = python() else { return };
    let server = format!("{py} {} 0", script("trace_chat_server.py"));
    let client = format!("{py} {}", script("trace_endless_client.py"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["trace", "--server", &server, "--client", &client])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The first 8 KB of the live log: the calls are flowing. From here on nobody reads, and
    // the views that follow Ctrl-C (over 100 KB of calls) cannot all go into the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = vec![0u8; 8000];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let deadline = Instant::now() + Duration::from_secs(10);
    let stopped = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = child.kill();
    let _ = child.wait();
    drop(stdout);
    assert!(stopped.is_some(), "lab trace did not stop on Ctrl-C");
}
