//! `lab stall-demo`: every way of sending runs its round trips and is timed; across a link the
//! notes' way shows request bodies waiting for the ACK of their header and the server holding
//! its ACKs back. The tests count calls and waits; they never compare times.

mod common;

use common::{json_lines, lab, stderr, stdout};
use serde_json::Value;

fn ways(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter(|l| l["op"] == "way").collect()
}

#[test]
fn every_way_of_sending_runs_its_round_trips() {
    let lines = json_lines(&["stall-demo", "--rounds", "3"]);
    let ways = ways(&lines);
    assert_eq!(ways.len(), 5);
    assert_eq!(ways[0]["sending"], "two_sends");
    assert_eq!(ways[0]["client_nodelay"], false);
    assert!(ways.iter().any(|w| w["sending"] == "one_send"));
    assert!(
        ways.iter()
            .any(|w| w["client_nodelay"] == true && w["server_nodelay"] == true)
    );
    for way in &ways {
        assert_eq!(way["latencies_us"].as_array().unwrap().len(), 3, "{way}");
    }
    let summary = lines.last().unwrap();
    assert_eq!(summary["op"], "summary");
    assert_eq!(summary["rounds"], 3);

    let view = stdout(&lab(&["stall-demo", "--rounds", "3", "--color", "never"]));
    for row in [
        "two send()s: header, body (the notes)",
        "one sendall(header + body)",
        "two send()s, TCP_NODELAY on both sides",
    ] {
        assert!(view.contains(row), "{view}");
    }
    assert!(view.contains("verdict  the notes' way took"), "{view}");
}

#[test]
fn across_a_link_the_waits_for_acks_are_measured() {
    let output = lab(&[
        "stall-demo",
        "--rounds",
        "4",
        "--net",
        "delay=5ms",
        "--json",
    ]);
    if !output.status.success() {
        let err = stderr(&output);
        assert!(err.contains("--net needs"), "{err}");
        eprintln!("skipped: {}", err.trim());
        return;
    }
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let notes = ways(&lines)[0];
    let waits = notes["request_waits_us"].as_array().unwrap();
    assert!(!waits.is_empty(), "no request body waited: {notes}");
    assert!(
        !notes["server_ack_delays_us"].as_array().unwrap().is_empty(),
        "the server held no ACK back: {notes}"
    );
    assert!(notes["seed"].is_u64());
}

#[test]
fn bad_knobs_are_refused() {
    for args in [
        ["stall-demo", "--rounds", "0"],
        ["stall-demo", "--size", "99999"],
    ] {
        let output = lab(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn across_a_link_every_ways_packets_go_into_one_pcapng_and_loopback_has_none() {
    let dir = std::env::temp_dir().join(format!("lab-stall-pcap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("stall.pcapng");
    let path = pcap.to_str().unwrap();
    let output = lab(&["stall-demo", "--rounds", "2", "--net", "--pcap", path]);
    if !output.status.success() {
        let why = stderr(&output);
        assert!(why.contains("--net needs"), "{why}");
        eprintln!("skipped: {}", why.trim());
        return;
    }
    match std::process::Command::new("tshark")
        .args(["-r", path, "-T", "fields", "-e", "frame.comment"])
        .output()
    {
        Err(e) => eprintln!("skipped: tshark not found ({e}); install Debian's tshark package"),
        Ok(out) => {
            let comments = String::from_utf8(out.stdout).unwrap();
            // Each way's packets are named by the way, one way after another.
            let ways: Vec<&str> = comments
                .lines()
                .filter_map(|c| c.split(['[', ']']).nth(1))
                .collect();
            let mut order = ways.clone();
            order.dedup();
            assert_eq!(order.len(), 5, "{order:?}");
            assert_eq!(order[0], "1/5 send(header) send(body)");
            assert!(
                comments.contains("h1=32") && comments.contains(": m1"),
                "{comments}"
            );
        }
    }
    let refused = lab(&["stall-demo", "--pcap", path]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("add --net"),
        "{}",
        stderr(&refused)
    );
    std::fs::remove_dir_all(dir).unwrap();
}
