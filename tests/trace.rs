//! `lab trace` on real programs: the notes' own Python peers, a threaded and a forking
//! server, sendmsg with several buffers, makefile() reads, a program with no socket, one that
//! fails, the length rewrites, Ctrl-C, and a C client built with the machine's compiler.

mod common;

use std::process::Command;

use common::traced::{
    flat, hex, json_of, pair, printed, python, script, spawn_lab, stop, summary, with_op,
};
use common::{lab, stderr, stdout};
use serde_json::Value;

#[test]
fn the_notes_sticky_pair_prints_what_the_notes_printed_and_lab_says_why() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &format!("{} 0", script("trace_sticky_server.py")),
        &script("trace_sticky_client.py"),
        &["--reader-delay", "100"],
    );
    let text = stdout(&out);
    // The server's own prints pass through untouched, exactly as the notes show them.
    assert_eq!(
        printed(&text),
        ["b'hellobyebyeagain,bye'", "b''", "b''"],
        "{text}"
    );
    // lab's view: one recv holding all three messages, then b'' with the reason.
    let view = flat(&text);
    for said in [
        "recv 20 B hellobyebyeagain,bye = m1 m2 m3 recvfrom(1024) · fd",
        "20 B were already waiting when it ran",
        "recv 0 B b'' end of stream: the client closed its side",
        "recv 0 B b'' end of stream again",
        "verdict 3 send() calls arrived in 1 recv(): the message boundaries are gone",
        "(粘包)",
    ] {
        assert!(view.contains(said), "{said:?} not in {text}");
    }
    // lab's own lines are marked; the program's are not.
    assert!(
        text.lines()
            .any(|l| l.starts_with("lab│") && l.contains("listen("))
    );
}

#[test]
fn the_sticky_pair_in_json_counts_as_sticky_demo_does() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &format!("{} 0", script("trace_sticky_server.py")),
        &script("trace_sticky_client.py"),
        &["--reader-delay", "100", "--json"],
    );
    let lines = json_of(&out);
    let conns = with_op(&lines, "connection");
    assert_eq!(conns.len(), 1);
    let to_server = &conns[0]["to_server"];
    assert_eq!(to_server["sends"], 3);
    assert_eq!(to_server["recvs"], 1);
    assert_eq!(to_server["merged_recvs"], 1);
    assert_eq!(to_server["most_messages_in_one_recv"], 3);
    assert_eq!(to_server["intact"], false);
    let recv = with_op(&lines, "recv")[0];
    assert_eq!(recv["syscall"], "recvfrom");
    assert_eq!(recv["len"], 20);
    assert_eq!(recv["hex"], hex(b"hellobyebyeagain,bye"));
    assert_eq!(recv["messages"], serde_json::json!([1, 2, 3]));
    assert_eq!(recv["asked"], 1024);
    assert!(recv["pid"].as_u64().unwrap() > 0 && recv["fd"].as_i64().unwrap() > 2);
    assert_eq!(with_op(&lines, "eof").len(), 2);
    let sends = with_op(&lines, "send");
    assert_eq!(sends.len(), 3);
    assert!(
        sends
            .iter()
            .all(|s| s["syscall"] == "sendto" && s["direction"] == "to_server")
    );
    let s = summary(&lines);
    assert_eq!(
        (s["op"].as_str(), s["merged_recvs"].as_u64()),
        (Some("summary"), Some(1))
    );
    assert!(
        s["programs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["exit_code"] == 0)
    );
}

#[test]
fn the_chat_loop_shows_both_directions_and_lab_stops_the_server_after_the_client() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &format!("{} 0", script("trace_chat_server.py")),
        &format!("{} hello again", script("trace_chat_client.py")),
        &["--json"],
    );
    let text = stdout(&out);
    assert!(text.contains("HELLO") && text.contains("AGAIN"), "{text}");
    let lines = json_of(&out);
    let conn = with_op(&lines, "connection")[0];
    assert_eq!(conn["to_server"]["sends"], 2);
    assert_eq!(conn["to_client"]["sends"], 2);
    assert_eq!(conn["to_client"]["recvs"], 2);
    let replies: Vec<_> = with_op(&lines, "send")
        .into_iter()
        .filter(|e| e["direction"] == "to_client")
        .collect();
    assert_eq!(replies[0]["side"], "server");
    assert_eq!(replies[0]["hex"], "48454c4c4f0a"); // HELLO\n
    let programs = summary(&lines)["programs"].as_array().unwrap().clone();
    assert_eq!(programs[1]["exit_code"], 0, "{programs:?}");
    assert_eq!(programs[0]["stopped_by_lab"], true, "{programs:?}");
}

#[test]
fn the_chat_view_puts_replies_in_the_client_column() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &format!("{} 0", script("trace_chat_server.py")),
        &format!("{} hi", script("trace_chat_client.py")),
        &[],
    );
    let text = flat(&stdout(&out));
    assert!(text.contains("server → client: m2 HI\\n"), "{text}");
    assert!(text.contains("server → client measured 1 send()"), "{text}");
    assert!(text.contains("was stopped by lab with SIGTERM"), "{text}");
}

#[test]
fn a_threaded_server_is_followed_into_its_threads() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &script("notes_threaded_server.py"),
        &format!(
            "{} 127.0.0.1 $LAB_SERVER_PORT one two",
            script("notes_framed_client.py")
        ),
        &["--json"],
    );
    let lines = json_of(&out);
    assert!(!with_op(&lines, "thread").is_empty(), "no thread event");
    // The server's recvs come from the new thread, not the process's first one.
    let server_recvs: Vec<_> = with_op(&lines, "recv")
        .into_iter()
        .filter(|e| e["side"] == "server")
        .collect();
    assert!(!server_recvs.is_empty());
    assert!(
        server_recvs.iter().all(|e| e["tid"].is_u64()),
        "{server_recvs:?}"
    );
    let conn = with_op(&lines, "connection")[0];
    assert_eq!(conn["to_server"]["bytes_sent"], 4 + 3 + 4 + 3);
    assert_eq!(conn["to_client"]["bytes_received"], 4 + 3 + 4 + 3);
}

#[test]
fn a_forking_server_is_followed_into_its_children() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &format!("{} 0", script("trace_forking_server.py")),
        &format!("{} forked", script("trace_chat_client.py")),
        &["--json"],
    );
    let text = stdout(&out);
    assert!(text.contains("FORKED"), "{text}");
    let lines = json_of(&out);
    let server = with_op(&lines, "listen")[0]["pid"].clone();
    let child = with_op(&lines, "fork")
        .into_iter()
        .find(|f| f["pid"] == server)
        .and_then(|f| f["child"].as_u64())
        .expect("the server forked");
    let served_by_child = with_op(&lines, "send")
        .into_iter()
        .any(|e| e["side"] == "server" && e["pid"] == child);
    assert!(served_by_child, "the child's reply was not seen");
    let conn = with_op(&lines, "connection")[0];
    assert_eq!(conn["to_client"]["bytes_sent"], 7);
}

#[test]
fn sendmsg_with_several_buffers_is_one_send_of_all_of_them() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &format!("{} 0", script("trace_chat_server.py")),
        &script("trace_sendmsg_client.py"),
        &["--json"],
    );
    let lines = json_of(&out);
    let send = with_op(&lines, "send")
        .into_iter()
        .find(|e| e["syscall"] == "sendmsg")
        .expect("a sendmsg event");
    assert_eq!(send["len"], 19);
    assert_eq!(send["hex"], format!("0000000f{}", hex(b"hello, gathered")));
}

#[test]
fn makefile_reads_are_recvs_of_8192() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &format!("{} 0 --makefile", script("trace_chat_server.py")),
        &format!("{} line", script("trace_chat_client.py")),
        &["--json"],
    );
    assert!(stdout(&out).contains("LINE"));
    let lines = json_of(&out);
    let server_recv = with_op(&lines, "recv")
        .into_iter()
        .find(|e| e["side"] == "server")
        .expect("a server recv");
    assert_eq!(server_recv["asked"], 8192);
    assert_eq!(server_recv["hex"], "6c696e650a");
}

#[test]
fn a_program_without_sockets_runs_and_is_reported() {
    let Some(py) = python() else { return };
    let out = lab(&["trace", "--", &py, "-c", "print('no sockets here')"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("no sockets here"), "{text}");
    assert!(text.contains("no TCP connection was made"), "{text}");
    assert!(text.contains("exited with status 0"), "{text}");
}

#[test]
fn a_failing_program_is_reported_and_lab_still_succeeds() {
    let Some(py) = python() else { return };
    let out = lab(&[
        "trace",
        "--json",
        "--",
        &py,
        "-c",
        "import sys; sys.exit(3)",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_of(&out);
    assert_eq!(summary(&lines)["programs"][0]["exit_code"], 3);
    let out = lab(&["trace", "--", &py, "-c", "import sys; sys.exit(3)"]);
    assert!(stdout(&out).contains("exited with status 3 (a failure)"));
}

#[test]
fn a_program_that_crashes_mid_run_is_reported_and_never_hangs_lab() {
    let Some(py) = python() else { return };
    let crash = "import os, signal, socket\n\
                 s = socket.socket()\n\
                 s.bind(('127.0.0.1', 0))\n\
                 os.kill(os.getpid(), signal.SIGSEGV)";
    let out = lab(&["trace", "--", &py, "-c", crash]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        flat(&stdout(&out)).contains("was killed by SIGSEGV"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn recv_max_breaks_a_server_that_expects_a_whole_message_per_recv() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &format!("{} 0", script("trace_whole_message_server.py")),
        &format!(
            "{} 127.0.0.1 $LAB_SERVER_PORT 'a whole message'",
            script("notes_framed_client.py")
        ),
        &["--recv-max", "3", "--json"],
    );
    let lines = json_of(&out);
    let first = with_op(&lines, "recv")
        .into_iter()
        .find(|e| e["side"] == "server")
        .expect("a server recv");
    assert_eq!(first["asked_by_program"], 4);
    assert_eq!(first["asked"], 3);
    assert_eq!(first["len"], 3);
    // The header arrived in pieces: the program's struct.unpack failed, and it said so.
    let server = &summary(&lines)["programs"][0];
    assert_eq!(server["exit_code"], 1, "{server}");
    assert!(
        stderr(&out).contains("unpack requires a buffer of 4 bytes"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn send_max_shows_a_short_send_where_sendall_was_needed() {
    let Some(py) = python() else { return };
    let out = pair(
        &py,
        &format!("{} 0", script("trace_whole_message_server.py")),
        &script("trace_plain_send_client.py"),
        &["--send-max", "4"],
    );
    let text = flat(&stdout(&out));
    assert!(text.contains("send() took 4 of 34 bytes"), "{text}");
    assert!(
        text.contains("the program asked for 34 B; --send-max made it 4"),
        "{text}"
    );
    assert!(text.contains("a short send: 4 of 34 B went;"), "{text}");
    assert!(text.contains("expected 34 bytes") || stderr(&out).contains("expected 34 bytes"));
}

#[test]
fn ctrl_c_stops_lab_and_the_traced_server() {
    let Some(py) = python() else { return };
    let server = script("trace_chat_server.py");
    let (mut child, mut lines) = spawn_lab(&["trace", "--json", "--", &py, &server, "0"]);
    // Wait for the server to listen: its pid is in the listen event.
    let pid = loop {
        let line = lines.next().expect("lab ended early").unwrap();
        let value: Value = serde_json::from_str(&line).unwrap_or_default();
        if value["op"] == "listen" {
            break value["pid"].as_i64().unwrap() as i32;
        }
    };
    let status = stop(&mut child, libc::SIGINT);
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let last: Value = serde_json::from_str(rest.last().unwrap()).unwrap();
    assert_eq!(last["interrupted"], true);
    // The traced server is gone too.
    // SAFETY: signal 0 only asks whether the process exists.
    assert_ne!(
        unsafe { libc::kill(pid, 0) },
        0,
        "the server {pid} still runs"
    );
}

#[test]
fn a_missing_program_is_one_error_line() {
    let out = lab(&["trace", "--", "no-such-program-for-lab"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: no-such-program-for-lab: no such program (not a path, and not on PATH)\n"
    );
    let out = lab(&["trace"]);
    assert_eq!(out.status.code(), Some(2));
}

const C_CLIENT: &str = r#"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(atoi(getenv("LAB_SERVER_PORT")));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) return 2;
    if (write(fd, "from c\n", 7) != 7) return 3;
    char reply[64];
    ssize_t n = read(fd, reply, sizeof reply);
    struct iovec parts[2] = {{"ab", 2}, {"c\n", 2}};
    if (writev(fd, parts, 2) != 4) return 4;
    n += read(fd, reply + n, sizeof reply - n);
    fwrite(reply, 1, n, stdout);
    close(fd);
    return 0;
}
"#;

#[test]
fn a_c_client_built_here_is_traced_through_read_write_and_writev() {
    let Some(py) = python() else { return };
    let dir = std::env::temp_dir().join(format!("lab-trace-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("client.c");
    let binary = dir.join("client");
    std::fs::write(&source, C_CLIENT).unwrap();
    let built = Command::new("cc")
        .arg(&source)
        .arg("-o")
        .arg(&binary)
        .output();
    match built {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            eprintln!("skipped: cc failed: {}", String::from_utf8_lossy(&o.stderr));
            return;
        }
        Err(e) => {
            eprintln!("skipped: no C compiler (cc: {e})");
            return;
        }
    }
    let out = pair(
        &py,
        &format!("{} 0", script("trace_chat_server.py")),
        binary.to_str().unwrap(),
        &["--json"],
    );
    let _ = std::fs::remove_dir_all(&dir);
    let text = stdout(&out);
    assert!(text.contains("FROM C") && text.contains("ABC"), "{text}");
    let lines = json_of(&out);
    let client_calls: Vec<&str> = lines
        .iter()
        .filter(|e| e["side"] == "client" && matches!(e["op"].as_str(), Some("send" | "recv")))
        .filter_map(|e| e["syscall"].as_str())
        .collect();
    assert_eq!(
        client_calls,
        ["write", "read", "writev", "read"],
        "{lines:?}"
    );
}

#[test]
fn a_traced_pair_is_drawn_with_one_mark_per_call_and_no_connection_draws_nothing() {
    let Some(py) = python() else { return };
    let dir = std::env::temp_dir().join(format!("lab-trace-svg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("pair.svg");
    let svg_arg = svg.to_str().unwrap();
    pair(
        &py,
        &format!("{} 0", script("trace_sticky_server.py")),
        &script("trace_sticky_client.py"),
        &["--reader-delay", "100", "--svg", svg_arg],
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    let count = |class: &str| {
        doc.descendants()
            .filter(|n| {
                let classes: Vec<&str> = n.attribute("class").unwrap_or("").split(' ').collect();
                n.has_tag_name("g") && classes.contains(&"mark") && classes.contains(&class)
            })
            .count()
    };
    // Three sends, one recv holding them all, then b'' twice; dotted lines show where the
    // bytes went (no packets without --net).
    assert_eq!((count("send"), count("recv"), count("eof")), (3, 1, 2));
    // The one recv() box is filled with the three messages' colours, one band each.
    let recv = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("mark call recv"))
        .unwrap();
    let bands = recv
        .descendants()
        .filter(|n| {
            n.has_tag_name("rect") && n.attribute("fill").is_some_and(|f| f.starts_with('#'))
        })
        .count();
    assert_eq!(bands, 3, "{text}");
    assert!(text.contains("class=\"flow\""));
    assert!(text.contains("lab trace — connection #1"));

    let out = lab(&["trace", "--svg", svg_arg, "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nothing to draw"), "{}", stderr(&out));
    std::fs::remove_dir_all(dir).unwrap();
}
