//! `--net`: the lessons run across lab's own link between two real network namespaces — Nagle
//! merging under delay, segments cut at the MTU, seeded losses repaired by retransmission —
//! and nothing is left behind afterwards. Skipped, with the reason, where namespaces or TUN
//! devices are not permitted.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{lab, stderr, stdout};
use serde_json::Value;

/// Run `lab ARGS --json` across the link; `None` (after saying why) where --net cannot run.
fn net_json(args: &[&str]) -> Option<Vec<Value>> {
    let mut all = args.to_vec();
    all.push("--json");
    let output = lab(&all);
    if !output.status.success() {
        let err = stderr(&output);
        assert!(err.contains("--net needs"), "lab {args:?} failed: {err}");
        eprintln!("skipped: {}", err.trim());
        return None;
    }
    Some(
        stdout(&output)
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is JSON"))
            .collect(),
    )
}

fn summary(lines: &[Value]) -> &Value {
    lines.last().expect("a summary line")
}

/// The link's record of each segment event: (direction, fate, relative seq, payload, retx).
fn packets(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter_map(|e| e.get("packet")).collect()
}

fn is_data_to_server(p: &Value) -> bool {
    p["direction"] == "to_server" && p["payload_len"].as_u64().unwrap() > 0
}

#[test]
fn under_delay_nagle_holds_the_later_sends_for_the_first_ones_ack() {
    let Some(lines) = net_json(&["sticky-demo", "--net", "delay=20ms"]) else {
        return;
    };
    let s = summary(&lines);
    assert_eq!(s["sends"], 3);
    assert_eq!(s["data_segments_out"], 2, "{s}");
    assert_eq!(s["link"]["data_segments"], 2);
    // The second segment carries byebye and again,bye, released by the ACK of hello.
    let held = &s["link"]["held"][0];
    assert_eq!(held["bytes"], 15, "{s}");
    assert_eq!(held["acked_pieces"][0]["message"], 1);
    assert!(held["waited_us"].as_u64().unwrap() >= 40_000, "{held}");
    assert!(s["wire"].as_str().unwrap().contains("Nagle"));

    let Some(lines) = net_json(&["sticky-demo", "--net", "delay=20ms", "--nodelay"]) else {
        return;
    };
    let s = summary(&lines);
    assert_eq!(
        s["data_segments_out"], 3,
        "TCP_NODELAY: one segment per send: {s}"
    );
    assert_eq!(s["link"]["data_segments"], 3);
    assert_eq!(s["link"]["held"].as_array().unwrap().len(), 0);
    // The receiver still merged them: the reader was late.
    assert_eq!(s["recvs"], 1);
}

#[test]
fn a_60000_byte_message_leaves_in_full_segments_at_mtu_1500_in_flights() {
    let args = [
        "sticky-demo",
        "--net",
        "mtu=1500,delay=50ms",
        "--message-size",
        "60000",
        "--reader-delay",
        "0",
        "--recv-size",
        "65536",
    ];
    let Some(lines) = net_json(&args) else { return };
    let s = summary(&lines);
    let data: Vec<u64> = packets(&lines)
        .into_iter()
        .filter(|p| is_data_to_server(p))
        .map(|p| p["payload_len"].as_u64().unwrap())
        .collect();
    // 1500 − 20 (IP) − 20 (TCP) − 12 (timestamps) = 1448 bytes a segment.
    assert!(data.iter().all(|&n| n <= 1448), "{data:?}");
    assert_eq!(data.iter().sum::<u64>(), 60_000);
    assert_eq!(data.len(), 42, "{data:?}");
    assert_eq!(s["link"]["largest_segment"], 1448);
    assert_eq!(s["bytes_received"], 60_000);
    // Slow start sends 10 segments, then waits a round trip (100 ms) for ACKs: a prompt
    // reader gets the message in pieces.
    assert_eq!(s["split_messages"], 1, "{s}");
    assert_eq!(s["link"]["flights"][0], 10, "{s}");

    let Some(lines) = net_json(&["sticky-demo", "--net", "mtu=1000", "--message-size", "5000"])
    else {
        return;
    };
    assert_eq!(summary(&lines)["link"]["largest_segment"], 948);
}

/// The first transmissions the link dropped: (relative seq, length).
fn dropped_first_transmissions(lines: &[Value]) -> Vec<(u64, u64)> {
    packets(lines)
        .into_iter()
        .filter(|p| is_data_to_server(p) && p["retransmission"] == false)
        .filter(|p| p["fate"]["fate"] == "dropped")
        .map(|p| {
            (
                p["tcp"]["rel_seq"].as_u64().unwrap(),
                p["payload_len"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn seeded_loss_drops_the_same_segments_again_and_every_byte_still_arrives() {
    let args = [
        "sticky-demo",
        "--net",
        "delay=2ms,loss=8%,seed=4",
        "--message-size",
        "30000",
        "--reader-delay",
        "0",
    ];
    let Some(first) = net_json(&args) else { return };
    let Some(second) = net_json(&args) else {
        return;
    };
    let lost = dropped_first_transmissions(&first);
    assert!(!lost.is_empty(), "seed 4 loses no data segment any more");
    assert_eq!(dropped_first_transmissions(&second), lost);
    for lines in [&first, &second] {
        let s = summary(lines);
        assert_eq!(s["bytes_received"], 30_000);
        assert!(s["link"]["retransmissions"].as_u64().unwrap() >= lost.len() as u64);
        // The bytes arrived intact and in order, whatever was lost on the way.
        let received: String = lines
            .iter()
            .filter(|e| e["op"] == "recv")
            .map(|e| e["hex"].as_str().unwrap())
            .collect();
        let sent: String = lines
            .iter()
            .filter(|e| e["op"] == "send")
            .map(|e| e["hex"].as_str().unwrap())
            .collect();
        assert_eq!(received, sent);
    }
}

#[test]
fn udp_across_a_lossy_link_loses_datagrams_for_good() {
    let mut args = vec!["udp-demo", "--net", "loss=50%,seed=3"];
    for _ in 0..8 {
        args.extend(["--message", "datagram"]);
    }
    let Some(lines) = net_json(&args) else { return };
    let s = summary(&lines);
    let dropped = s["link"]["lost"].as_u64().unwrap();
    assert!(dropped > 0, "{s}");
    assert_eq!(s["recvs"].as_u64().unwrap() + dropped, 8, "{s}");
    assert!(s["verdict"].as_str().unwrap().contains("never arrived"));
}

#[test]
fn the_view_shows_the_link_the_held_segment_and_the_acks() {
    let output = lab(&["sticky-demo", "--net", "delay=20ms", "--color", "never"]);
    if !output.status.success() {
        eprintln!("skipped: {}", stderr(&output).trim());
        return;
    }
    let view = stdout(&output);
    assert!(view.contains("across lab's link"), "{view}");
    assert!(view.contains("link: 198.18.0.1 → 198.18.0.2 · MTU 1500 · delay 20 ms"));
    assert!(view.contains("← ACK up to 5 B"), "{view}");
    assert!(
        view.contains("held") && view.contains("for the ACK of m1"),
        "{view}"
    );
    assert!(view.contains("m2 m3 (15 B) waited"), "{view}");
}

#[test]
fn wire_and_net_together_are_refused_and_a_bad_spec_names_its_knob() {
    let output = lab(&["sticky-demo", "--net", "--wire"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("drop --wire"));
    let output = lab(&["sticky-demo", "--net", "dealy=20ms"]);
    assert_eq!(output.status.code(), Some(2));
    // clap's whole usage message, its first line naming the knob.
    let err = stderr(&output);
    let first = err.lines().next().unwrap_or_default();
    assert!(first.contains("unknown knob \"dealy\""), "{err}");
}

#[test]
fn without_permission_to_make_namespaces_one_error_line_says_what_to_run() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("skipped: no strace to refuse unshare() with");
        return;
    }
    // strace makes every unshare() fail as it fails for a user without the right.
    let output = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-o",
            "/dev/null",
            "-e",
            "inject=unshare:error=EPERM",
        ])
        .args([env!("CARGO_BIN_EXE_lab"), "sticky-demo", "--net"])
        .output()
        .expect("strace runs");
    if stderr(&output).contains("PTRACE") || stderr(&output).contains("ptrace") {
        eprintln!(
            "skipped: strace cannot trace here: {}",
            stderr(&output).trim()
        );
        return;
    }
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: --net needs network namespaces"),
        "{err}"
    );
    assert!(err.contains("run lab as root"), "{err}");
}

#[test]
fn a_user_who_is_not_root_gets_a_user_namespace_or_one_error_line() {
    // setpriv (util-linux) runs lab as nobody; only root can do that.
    let output = Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .args([
            env!("CARGO_BIN_EXE_lab"),
            "sticky-demo",
            "--net",
            "--reader-delay",
            "0",
        ])
        .args(["--json"])
        .output();
    let Ok(output) = output else {
        eprintln!("skipped: no setpriv to run lab as another user");
        return;
    };
    let err = stderr(&output);
    if output.status.code() == Some(127) || err.contains("setpriv:") {
        eprintln!("skipped: cannot run lab as nobody here: {}", err.trim());
        return;
    }
    if nobody_could_make_a_link() {
        // The kernel allows unprivileged user namespaces and /dev/net/tun opens to anyone:
        // lab must find its way through.
        assert!(output.status.success(), "{err}");
        assert!(
            stdout(&output).contains("\"link\":{"),
            "{}",
            stdout(&output)
        );
    } else {
        assert_eq!(output.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: --net needs"), "{err}");
    }
}

/// Whether `nobody` may make a user namespace with a network namespace (util-linux's unshare
/// tries) and open /dev/net/tun.
fn nobody_could_make_a_link() -> bool {
    use std::os::unix::fs::PermissionsExt;
    let tun_open_to_all =
        std::fs::metadata("/dev/net/tun").is_ok_and(|m| m.permissions().mode() & 0o006 == 0o006);
    let namespaces = Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .args(["unshare", "--user", "--map-root-user", "--net", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    tun_open_to_all && namespaces
}

/// What the machine's network looks like from outside lab: its TUN devices' name among the
/// interfaces (other programs on a shared machine may add and remove their own meanwhile),
/// and the named namespaces.
fn network_outside() -> Option<(String, String)> {
    let run = |args: &[&str]| {
        let out = Command::new("ip").args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let links: String = run(&["-o", "link"])?
        .lines()
        .filter(|l| l.contains(": lab"))
        .collect();
    Some((links, run(&["netns", "list"])?))
}

#[test]
fn nothing_is_left_behind_after_a_run_or_a_ctrl_c() {
    let Some(before) = network_outside() else {
        eprintln!("skipped: no ip command (iproute2) to look with");
        return;
    };
    if net_json(&["sticky-demo", "--net", "delay=1ms", "--reader-delay", "0"]).is_none() {
        return;
    }
    assert_eq!(network_outside().unwrap(), before, "after a run");

    // Ctrl-C in the middle of a slow run: the reader sleeps 3 s.
    let child = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args([
            "sticky-demo",
            "--net",
            "delay=50ms",
            "--reader-delay",
            "3000",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("lab starts");
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: a plain kill(2) of our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait_with_output().expect("lab ends").status;
    assert!(!status.success(), "SIGINT ended it");
    assert_eq!(network_outside().unwrap(), before, "after a Ctrl-C");
}

#[test]
fn chat_across_the_link_talks_to_labs_own_server_and_says_what_the_link_carried() {
    let output = common::lab_with_input(
        &["chat", "--burst", "--net", "delay=20ms", "--json"],
        b"hello\nbyebye\nagain,bye\n",
    );
    if !output.status.success() {
        let err = stderr(&output);
        assert!(err.contains("--net needs"), "lab chat --net failed: {err}");
        eprintln!("skipped: {}", err.trim());
        return;
    }
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    // The chat's events name the server it talks to; the server's name the chat's address.
    let listening = lines.iter().find(|l| l["op"] == "listening").unwrap();
    assert_eq!(listening["addr"], "198.18.0.2:8080");
    let chat_sends: Vec<&Value> = lines
        .iter()
        .filter(|l| l["op"] == "send" && l["peer"] == "198.18.0.2:8080")
        .collect();
    assert_eq!(chat_sends.len(), 3);
    let served = lines.iter().find(|l| l["op"] == "stopped").unwrap();
    assert_eq!(served["bytes_in"], 20);
    let reply: String = lines
        .iter()
        .filter(|l| l["op"] == "recv" && l["peer"] == "198.18.0.2:8080")
        .map(|l| l["hex"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        reply, "48454c4c4f425945425945414741494e2c425945",
        "HELLOBYEBYEAGAIN,BYE"
    );
    // Three sends back to back across a 20 ms path: hello leaves alone, Nagle holds the
    // other two until the chat's close pushes them out together.
    let link = lines.last().unwrap();
    assert_eq!(link["op"], "link");
    assert_eq!(link["data_segments"], 2, "{link}");
    assert_eq!(link["largest_segment"], 15);
}

#[test]
fn a_lost_handshake_packet_is_named_with_the_wait_it_caused_not_left_unexplained() {
    // seed=1 at 1 % drops the handshake's last ACK (packets are drawn by their place in the
    // stream): the server sends its SYN-ACK again a second later, and no data is lost.
    let args = ["sticky-demo", "--net", "mtu=600,loss=1%,seed=1"];
    let Some(lines) = net_json(&args) else { return };
    let link = &summary(&lines)["link"];
    assert_eq!(
        (link["lost"].as_u64(), link["lost_with_data"].as_u64()),
        (Some(1), Some(0)),
        "{link}"
    );
    assert!(
        link["handshake_resent_after_us"].as_u64().unwrap() >= 900_000,
        "{link}"
    );
    let text = stdout(&lab(&args))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains(
            "the link dropped 1 packet (0 carrying data); the client sent 0 segments again"
        ) && text.contains("the handshake lost a packet, so a SYN or SYN-ACK left again"),
        "{text}"
    );
}
