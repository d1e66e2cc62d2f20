//! `lab trace --net`: the notes' own programs, unchanged (they name 127.0.0.1:8080), run in
//! two network namespaces with lab's link between; lab rewrites the address at bind() and
//! connect(), pairs the two ends, fills the link column from the link's packets, and draws
//! and writes them (--svg, --html, --pcap). Skipped, with the reason, where python3,
//! namespaces or ptrace are missing.

mod common;

use std::process::Command;

use common::svg::{marks, slant, sum_attribute};
use common::{lab, path_arg, stderr, stdout};
use serde_json::Value;

/// The notes' programs as the trace-your-code lesson ships them.
fn lesson_program(name: &str) -> String {
    format!("{}/lessons/trace/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn python() -> bool {
    let found = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: python3 is not installed");
    }
    found
}

/// `lab trace --net SPEC --server … --client … EXTRA`, or `None` (after saying why) where the
/// link or ptrace is not permitted.
fn traced_across(spec: &str, server: &str, client: &str, extra: &[&str]) -> Option<String> {
    if !python() {
        return None;
    }
    let net = format!("--net={spec}");
    let server = format!("python3 {}", lesson_program(server));
    let client = format!("python3 {}", lesson_program(client));
    let mut args = vec!["trace", &net, "--server", &server, "--client", &client];
    args.extend_from_slice(extra);
    let output = lab(&args);
    if !output.status.success() {
        let why = stderr(&output);
        assert!(
            why.contains("--net needs") || why.contains("ptrace"),
            "lab {args:?} failed: {why}"
        );
        eprintln!("skipped: {}", why.trim());
        return None;
    }
    Some(stdout(&output))
}

/// The JSON lines of a run (the programs' own prints share stdout: they are skipped).
fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| l.starts_with("{\""))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn with_op<'a>(lines: &'a [Value], op: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["op"] == op).collect()
}

#[test]
fn the_notes_sticky_pair_reaches_across_the_link_and_nagle_merges_the_later_sends() {
    let Some(text) = traced_across(
        "delay=20ms",
        "sticky_server.py",
        "sticky_client.py",
        &["--json"],
    ) else {
        return;
    };
    let lines = json_lines(&text);
    // 127.0.0.1:8080, as the programs name it, became the link's addresses at the calls.
    let bind = with_op(&lines, "bind")[0];
    assert_eq!(bind["address_by_program"], "127.0.0.1:8080");
    assert_eq!(bind["detail"], "127.0.0.1:8080 ⇒ 198.18.0.2:8080");
    let connect = with_op(&lines, "connect")[0];
    assert_eq!(connect["address_by_program"], "127.0.0.1:8080");
    // Both ends paired on one connection between the two namespaces.
    let conns = with_op(&lines, "connection");
    assert_eq!(conns.len(), 1, "{text}");
    let conn = conns[0];
    assert_eq!(conn["server"], "198.18.0.2:8080");
    assert!(conn["client"].as_str().unwrap().starts_with("198.18.0.1:"));
    assert!(conn["client_pid"].is_u64() && conn["server_pid"].is_u64());
    // hello leaves alone; byebye and again,bye wait behind it (Nagle) and leave together.
    let up = &conn["to_server"];
    assert_eq!(up["sends"], 3);
    assert_eq!(up["bytes_received"], 20);
    assert_eq!(up["on_link"]["data_segments"], 2, "{up}");
    assert_eq!(
        up["on_link"]["merged"][0]["messages"],
        serde_json::json!([2, 3])
    );
    assert_eq!(up["on_link"]["merged"][0]["bytes"], 15);
    let link = &conn["link"];
    assert_eq!(link["delay_us"], 20_000);
    assert!(
        link["handshake_rtt_us"].as_u64().unwrap() >= 40_000,
        "{link}"
    );
}

#[test]
fn the_view_has_a_link_column_and_says_where_the_sends_merged() {
    let Some(text) = traced_across(
        "delay=20ms",
        "sticky_server.py",
        "sticky_client.py",
        &["--width", "150"],
    ) else {
        return;
    };
    let view = text.replace('│', " ");
    let flat: String = view.split_whitespace().collect::<Vec<_>>().join(" ");
    for said in [
        "link: 198.18.0.1 → 198.18.0.2 · MTU 1500 · delay 20 ms each way",
        "bind 127.0.0.1:8080 ⇒ 198.18.0.2:8080",
        "link: packets",
        "→ 5 B hello",
        "→ 15 B byebyeagain,bye = m2 m3",
        "3 send() calls left as 2 data segments on the link",
        "carried m2 m3 together: the sender merged them — Nagle's algorithm",
    ] {
        assert!(flat.contains(said), "{said:?} not in {text}");
    }
    // The server's own prints still pass through: all 20 bytes, in two recv() calls or one.
    let printed: String = common::traced::printed(&text)
        .into_iter()
        .map(|l| l.trim_start_matches("b'").trim_end_matches('\''))
        .collect();
    assert_eq!(printed, "hellobyebyeagain,bye", "{text}");
}

#[test]
fn one_program_alone_has_no_peer_across_the_link_and_pcap_needs_the_link() {
    let out = lab(&["trace", "--net", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--server 'CMD' --client 'CMD'"), "{err}");
    let out = lab(&["trace", "--pcap", "x.pcapng", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("add --net"), "{}", stderr(&out));
}

#[test]
fn a_traced_run_across_the_link_is_drawn_and_its_packets_open_in_tshark() {
    let dir = common::scratch_dir("trace-net", "pictures");
    let (svg, html, pcap) = (dir.join("t.svg"), dir.join("t.html"), dir.join("t.pcapng"));
    let Some(text) = traced_across(
        "delay=10ms",
        "sticky_server.py",
        "sticky_client.py",
        &[
            "--json",
            "--svg",
            path_arg(&svg),
            "--html",
            path_arg(&html),
            "--pcap",
            path_arg(&pcap),
        ],
    ) else {
        return;
    };
    let lines = json_lines(&text);
    let conn = with_op(&lines, "connection")[0];
    let up = &conn["to_server"];
    let link = &conn["link"];

    // One mark per send() and recv(), one per packet, slanted by the 10 ms flight.
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&svg_text).expect("the SVG is well-formed XML");
    assert_eq!(
        marks(&doc, &["send"]).len() as u64,
        up["sends"].as_u64().unwrap()
    );
    assert_eq!(
        marks(&doc, &["recv"]).len() as u64,
        up["recvs"].as_u64().unwrap()
    );
    let packets =
        link["packets_to_server"].as_u64().unwrap() + link["packets_to_client"].as_u64().unwrap();
    assert_eq!(
        sum_attribute(&marks(&doc, &["packet"]), "data-packets"),
        packets
    );
    let data_up = marks(&doc, &["packet", "data", "to-server"]);
    assert_eq!(
        sum_attribute(&data_up, "data-segments"),
        up["on_link"]["data_segments"].as_u64().unwrap()
    );
    assert!(slant(&data_up[0]) > 10.0, "a 10 ms flight is drawn slanted");

    // The page embeds the connection's events, numbered as its steps are, then --json's
    // lines: every step of the table has its event's JSON line.
    let page = std::fs::read_to_string(&html).unwrap();
    let start = page.find("id=\"lab-json\">\n").unwrap() + "id=\"lab-json\">\n".len();
    let embedded = json_lines(&page[start..start + page[start..].find("</script>").unwrap()]);
    assert_eq!(with_op(&embedded, "connection").len(), 1);
    let steps: Vec<&str> = page
        .split("data-seq=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert!(steps.len() >= 6, "{steps:?}");
    for seq in steps {
        let seq: u64 = seq.parse().unwrap();
        assert!(
            embedded.iter().any(|l| l["seq"] == seq),
            "step {seq} has no JSON line"
        );
    }

    // tshark reads the file and counts the data segments the summary counts.
    let output = Command::new("tshark")
        .args([
            "-r",
            path_arg(&pcap),
            "-Y",
            "tcp.len > 0 && tcp.dstport == 8080",
        ])
        .args(["-T", "fields", "-e", "frame.comment"])
        .output();
    match output {
        Err(e) => eprintln!("skipped: tshark not found ({e}); install Debian's tshark package"),
        Ok(output) => {
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let comments = String::from_utf8(output.stdout).unwrap();
            let comments: Vec<&str> = comments.lines().collect();
            assert_eq!(
                comments.len() as u64,
                link["data_segments"].as_u64().unwrap()
            );
            assert!(comments[1].contains(": m2 m3"), "{comments:?}");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}
