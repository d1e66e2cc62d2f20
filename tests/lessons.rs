//! The headline lessons, run for real on loopback through the `lab` binary, judged by what a
//! student or a grader would read: the JSON summary and the view.

mod common;

use common::{json_lines, lab, stdout, summary};

#[test]
fn default_sticky_demo_merges_all_three_messages_into_one_recv() {
    let s = summary(&["sticky-demo"]);
    assert_eq!(s["sends"], 3);
    assert_eq!(s["messages_sent"], 3);
    assert_eq!(s["recvs"], 1, "{s}");
    assert_eq!(s["most_messages_in_one_recv"], 3);
    assert_eq!(s["merged_recvs"], 1);
    assert_eq!(s["intact"], false);
    assert_eq!(s["bytes_received"], 20);
}

#[test]
fn default_sticky_demo_view_says_the_boundaries_are_gone() {
    let out = stdout(&lab(&["sticky-demo", "--color", "never"]));
    assert!(out.contains("hellobyebyeagain,bye"), "{out}");
    assert!(out.contains("= m1 m2 m3"), "{out}");
    assert!(
        out.contains("3 send() calls arrived in 1 recv(): the message boundaries are gone"),
        "{out}"
    );
    assert!(
        out.contains("lab framed-demo"),
        "the view points at the fix: {out}"
    );
}

#[test]
fn small_recv_size_splits_messages_over_more_recvs_than_sends() {
    let s = summary(&["sticky-demo", "--recv-size", "4"]);
    assert!(s["recvs"].as_u64() > s["sends"].as_u64(), "{s}");
    assert_eq!(s["bytes_received"], s["bytes_sent"]);
    assert!(s["split_messages"].as_u64().unwrap() >= 1, "{s}");
}

#[test]
fn one_message_cut_by_a_small_recv_blames_the_recv_size_not_the_segments() {
    // One 13-byte message in one segment, read with recv(4): the verdict must not say the
    // bytes came a few segments at a time — the wire line above it says one segment.
    for lang in ["en", "zh"] {
        let args = [
            "sticky-demo",
            "--recv-size",
            "4",
            "--message",
            "welcome world",
            "--lang",
            lang,
        ];
        let s = summary(&args);
        assert_eq!(
            (s["recvs"].as_u64(), s["data_segments_out"].as_u64()),
            (Some(4), Some(1))
        );
        let verdict = s["verdict"].as_str().unwrap();
        assert_eq!(s["verdict_code"], "one_message_split");
        let (cut, not_timing) = match lang {
            "en" => ("recv(4) returns at most 4 bytes", "segments at a time"),
            _ => ("recv(4) 一次最多返回 4 个字节", "分几批"),
        };
        assert!(verdict.contains(cut), "{verdict}");
        assert!(!verdict.contains(not_timing), "{verdict}");
        let view = stdout(&lab(&args));
        assert!(view.contains(cut.split(' ').next().unwrap()), "{view}");
    }
}

#[test]
fn json_events_carry_seq_side_op_and_recvs_name_their_messages() {
    let lines = json_lines(&["sticky-demo"]);
    let (summary, events) = lines.split_last().unwrap();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], i + 1, "{e}");
        assert!(e["side"] == "client" || e["side"] == "server", "{e}");
        assert!(e["op"].is_string(), "{e}");
    }
    let recv = events
        .iter()
        .find(|e| e["op"] == "recv")
        .expect("a recv event");
    assert_eq!(recv["len"], 20);
    assert_eq!(recv["hex"], hex(b"hellobyebyeagain,bye"));
    assert_eq!(recv["messages"], serde_json::json!([1, 2, 3]));
    assert!(
        events
            .iter()
            .any(|e| e["op"] == "eof" && e["side"] == "server")
    );
    assert_eq!(summary["lesson"], "sticky-demo");
}

#[test]
fn framed_demo_is_intact_with_one_byte_recvs() {
    let s = summary(&["framed-demo", "--recv-size", "1"]);
    assert_eq!(s["intact"], true, "{s}");
    assert_eq!(s["messages_received"], 3);
    // 3 headers of 4 bytes and 20 payload bytes, one recv each.
    assert_eq!(s["recvs"], 32);
}

#[test]
fn framed_demo_is_intact_when_the_reader_keeps_up() {
    let s = summary(&["framed-demo", "--send-gap", "20", "--reader-delay", "0"]);
    assert_eq!(s["intact"], true, "{s}");
    assert_eq!(s["messages_received"], 3);
}

#[test]
fn framed_demo_keeps_chinese_and_whitespace_messages_intact() {
    let args = [
        "framed-demo",
        "--recv-size",
        "3",
        "--message",
        "你好，世界",
        "--message",
        " ",
        "--message",
        "\t",
        "--message",
        "0",
    ];
    let lines = json_lines(&args);
    let s = lines.last().unwrap();
    assert_eq!(s["intact"], true, "{s}");
    assert_eq!(s["messages_received"], 4);
    let frames: Vec<_> = lines.iter().filter(|e| e["op"] == "frame").collect();
    assert_eq!(frames[0]["hex"], hex("你好，世界".as_bytes()));
    assert_eq!(frames[1]["hex"], "20");
}

#[test]
fn framed_demo_puts_a_big_endian_length_header_before_each_message() {
    let lines = json_lines(&["framed-demo"]);
    let sends: Vec<_> = lines
        .iter()
        .filter(|e| e["op"] == "send")
        .map(|e| e["hex"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        sends,
        [
            "00000005",
            "68656c6c6f",
            "00000006",
            "627965627965",
            "00000009",
            "616761696e2c627965"
        ]
    );
}

#[test]
fn framed_demo_refuses_a_frame_over_the_maximum_and_says_so() {
    let s = summary(&["framed-demo", "--max-frame", "5"]);
    assert_eq!(s["intact"], false);
    assert_eq!(
        s["messages_received"], 1,
        "hello fits, byebye does not: {s}"
    );
    let error = s["error"].as_str().unwrap();
    assert!(
        error.contains("frame 2") && error.contains("claims 6 bytes"),
        "{error}"
    );
    assert!(error.contains("--max-frame"), "{error}");
}

#[test]
fn a_utf8_character_cut_by_a_recv_shows_the_cut_instead_of_panicking() {
    let out = lab(&[
        "sticky-demo",
        "--color",
        "never",
        "--recv-size",
        "4",
        "--message",
        "你好",
    ]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("你\\xe5"), "{text}");
    assert!(text.contains("\\xa5\\xbd"), "{text}");
}

#[test]
fn hex_view_shows_the_header_bytes() {
    let out = stdout(&lab(&["framed-demo", "--color", "never", "--hex"]));
    assert!(out.contains("00 00 00 05"), "{out}");
    assert!(out.contains("68 65 6c 6c 6f"), "{out}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn no_recv_is_listed_before_the_send_that_carried_its_bytes() {
    // A fast reader wakes the moment bytes land; the transcript must still list the send
    // first, or the view would show bytes arriving before they were sent.
    for args in [
        &["sticky-demo", "--reader-delay", "0", "--send-gap", "5"][..],
        &["sticky-demo", "--reader-delay", "0", "--nodelay"][..],
        &["framed-demo", "--reader-delay", "0", "--recv-size", "3"][..],
    ] {
        for _ in 0..5 {
            let lines = json_lines(args);
            let (mut sent, mut received) = (0u64, 0u64);
            let mut last_t = 0;
            for e in &lines[..lines.len() - 1] {
                let len = e["len"].as_u64().unwrap_or(0);
                match (e["side"].as_str(), e["op"].as_str()) {
                    (Some("client"), Some("send")) => sent += len,
                    (Some("server"), Some("recv")) => received += len,
                    _ => {}
                }
                assert!(received <= sent, "{args:?}: recv of unsent bytes at {e}");
                let t = e["t_us"].as_u64().unwrap();
                assert!(t >= last_t, "{args:?}: time runs backwards at {e}");
                last_t = t;
            }
        }
    }
}

#[test]
fn a_refused_frame_makes_no_prediction_and_points_at_max_frame() {
    let s = summary(&["framed-demo", "--max-frame", "5", "--recv-size", "1"]);
    assert!(s.get("predicted_recvs").is_none(), "{s}");
    assert!(s["hint"].as_str().unwrap().contains("--max-frame"), "{s}");
}

#[test]
fn recvs_that_hold_a_header_and_another_message_count_as_merged() {
    // recv(7) over "\0\0\0\x05hello\0\0\0\x06byebye…": the second recv holds the end of m1
    // and the header of m2.
    let lines = json_lines(&["framed-demo", "--recv-size", "7"]);
    let s = lines.last().unwrap();
    let merged_in_events = lines
        .iter()
        .filter(|e| e["op"] == "recv" && e["messages"].as_array().is_some_and(|m| m.len() > 1))
        .count();
    assert_eq!(s["merged_recvs"], merged_in_events);
}

#[test]
fn with_nagle_off_every_send_is_its_own_segment_and_still_one_recv_gets_them_all() {
    // The merge is in the receiver's buffer, not the sender: TCP_INFO counts the segments.
    let s = summary(&["sticky-demo", "--nodelay"]);
    assert_eq!(s["data_segments_out"], 3, "{s}");
    assert_eq!(s["recvs"], 1, "{s}");
    assert!(
        s["wire"].as_str().unwrap().contains("receiver's buffer"),
        "{s}"
    );
}

#[test]
fn trials_count_every_run_in_the_histograms() {
    let lines = json_lines(&["sticky-demo", "--trials", "5", "--reader-delay", "0"]);
    let (summary, trials) = lines.split_last().unwrap();
    assert_eq!(trials.len(), 5);
    assert!(trials.iter().all(|t| t["op"] == "trial"));
    assert_eq!(summary["trials"], 5);
    let total: u64 = summary["recvs_histogram"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total, 5, "{summary}");
}

#[test]
fn wire_capture_shows_every_byte_between_its_send_and_its_recv() {
    let lines = json_lines(&["framed-demo", "--wire", "--recv-size", "5"]);
    let s = lines.last().unwrap();
    if s.get("segments_captured").is_none() {
        // Without root or CAP_NET_RAW the lesson says why and goes on with counts.
        assert!(
            lines.iter().any(|e| e["op"] == "note"
                && e["detail"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("--wire: no capture")),
            "no capture and no note saying why"
        );
        return;
    }
    let (mut sent, mut on_wire, mut received) = (0u64, 0u64, 0u64);
    for e in &lines[..lines.len() - 1] {
        let len = e["len"].as_u64().unwrap_or(0);
        match e["op"].as_str().unwrap() {
            "send" => sent += len,
            "segment" if e["detail"] == "retransmission" => {}
            "segment" => {
                assert_eq!(e["offset"], on_wire, "segments arrive in stream order: {e}");
                on_wire += len;
                assert!(on_wire <= sent, "a segment before its send: {e}");
            }
            "recv" => {
                received += len;
                assert!(received <= on_wire, "a recv before its segment: {e}");
            }
            _ => {}
        }
    }
    assert_eq!(on_wire, sent);
    // The view gives the wire its own column between send() and recv().
    let view = stdout(&lab(&["framed-demo", "--wire", "--color", "never"]));
    let header = view.lines().find(|l| l.contains("client: send()")).unwrap();
    assert!(header.contains("│ wire: segments"), "{header}");
}

#[test]
fn udp_keeps_one_datagram_per_recvfrom_and_truncation_loses_the_rest() {
    let s = summary(&["udp-demo"]);
    assert_eq!(
        (s["sends"].as_u64(), s["recvs"].as_u64()),
        (Some(3), Some(3)),
        "{s}"
    );
    assert_eq!(s["truncated"], 0);
    assert_eq!(s["merged_recvs"], 0);
    let s = summary(&["udp-demo", "--recv-size", "4"]);
    assert_eq!(s["truncated"], 3, "{s}");
    assert_eq!(
        s["bytes_received"], 12,
        "the cut-off bytes are gone, not delivered later"
    );
}

#[test]
fn a_udp_run_speaks_only_of_udp() {
    let text = common::stdout(&common::lab(&["udp-demo", "--trials", "3"]));
    for tcp_word in [
        "Nagle",
        "not measured on this kernel",
        "Only framing",
        "segments",
        "TCP_INFO",
    ] {
        assert!(
            !text.contains(tcp_word),
            "{tcp_word:?} in a UDP run:\n{text}"
        );
    }
    assert!(text.contains("recvfrom() calls per run"), "{text}");
    let one = common::stdout(&common::lab(&["udp-demo", "--recv-size", "4"]));
    for tcp_word in [
        "Nagle",
        "merged recv()",
        "split message",
        "recv() with data",
    ] {
        assert!(!one.contains(tcp_word), "{tcp_word:?} in a UDP run:\n{one}");
    }
    let joined = one.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(joined.contains("· 3 truncated"), "{one}");
    assert!(joined.contains("knobs: recvfrom(4)"), "{one}");
    assert!(
        text.replace('\n', " ")
            .contains("UDP keeps message boundaries"),
        "{text}"
    );
}

/// A datagram over 65507 B cannot be sent (EMSGSIZE): the view says so whole, the verdict
/// does not call anything whole, the figures count the failed send(), and lab exits 1 with
/// the reason on stderr. Across `--net` the failed send() is recorded the same way.
#[test]
fn a_datagram_too_large_to_send_is_said_and_never_called_whole() {
    let args = ["udp-demo", "--message", "hi", "--message-size", "65508"];
    // Wide enough that the error row is one line of the table.
    let out = lab(&[&args[..], &["--color", "never", "--width", "400"]].concat());
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let err = common::stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("EMSGSIZE") && err.contains("at most 65507 B"),
        "{err}"
    );
    let view = stdout(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        view.contains(
            "error: send() failed: a datagram of 65508 B is too long (EMSGSIZE) — over IPv4 a \
             UDP datagram carries at most 65507 B"
        ),
        "{view}"
    );
    assert!(
        view.contains("1 datagrams sent · 1 send() failed"),
        "{view}"
    );
    assert!(!view.contains("one whole message each"), "{view}");

    for extra in [&[][..], &["--net"][..]] {
        let all = [&args[..], extra, &["--json"]].concat();
        let out = lab(&all);
        if extra == ["--net"] && common::stderr(&out).contains("--net needs") {
            eprintln!("skipped {all:?}: {}", common::stderr(&out).trim());
            continue;
        }
        assert_eq!(out.status.code(), Some(1), "{all:?}");
        let lines: Vec<serde_json::Value> = stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let (s, events) = lines.split_last().unwrap();
        let failed = events.iter().find(|e| e["op"] == "error");
        assert_eq!(
            failed.map(|e| (&e["side"], &e["code"])),
            Some((&"client".into(), &"datagram_too_large".into())),
            "{all:?}: {events:?}"
        );
        assert_eq!(s["verdict_code"], "datagrams_failed", "{s}");
        assert_eq!((&s["sends"], &s["recvs"]), (&1.into(), &1.into()), "{s}");
        assert!(s["verdict"].as_str().unwrap().contains("never sent"), "{s}");
    }
}
