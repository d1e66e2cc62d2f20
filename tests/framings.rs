//! framed-demo with every framing, any header, and a sender that misbehaves on purpose:
//! judged by the JSON summary a grader reads and the error line a student sees.

mod common;

use common::{json_lines, lab, stderr, summary};

fn send_hexes(args: &[&str]) -> Vec<String> {
    json_lines(args)
        .iter()
        .filter(|e| e["op"] == "send")
        .map(|e| e["hex"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn any_integer_header_keeps_messages_intact() {
    for header in ["!H", "<Q", "i", "!b", ">q"] {
        let s = summary(&["framed-demo", "--header", header, "--recv-size", "1"]);
        assert_eq!(s["intact"], true, "{header}: {s}");
        assert_eq!(s["header"], header);
    }
}

#[test]
fn the_header_bytes_follow_the_format() {
    assert_eq!(
        send_hexes(&["framed-demo", "--header", "!H", "--message", "hello"])[0],
        "0005"
    );
    assert_eq!(
        send_hexes(&["framed-demo", "--header", "<I", "--message", "hello"])[0],
        "05000000"
    );
}

#[test]
fn a_message_too_long_for_the_header_is_refused_before_sending() {
    let long = "x".repeat(70_000);
    let out = lab(&["framed-demo", "--header", "!H", "--message", &long]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim_end(),
        "error: --message #1: a 70000-byte message does not fit a !H length header (at most \
         65535 bytes); refusing to send a truncated length"
    );
}

#[test]
fn a_header_that_is_not_one_integer_is_refused() {
    let out = lab(&["framed-demo", "--header", "!2I"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--header \"!2I\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn delimiter_framing_keeps_messages_intact() {
    let s = summary(&["framed-demo", "--framing", "delimiter", "--recv-size", "1"]);
    assert_eq!(s["intact"], true, "{s}");
    assert_eq!(s["delimiter"], "b'\\n'");
    let s = summary(&[
        "framed-demo",
        "--framing",
        "delimiter",
        "--delimiter",
        "\\r\\n",
        "--recv-size",
        "3",
    ]);
    assert_eq!(s["intact"], true, "{s}");
    assert_eq!(
        send_hexes(&["framed-demo", "--framing", "delimiter", "--message", "ab"]),
        ["61620a"]
    );
}

#[test]
fn a_message_holding_the_delimiter_is_refused() {
    let out = lab(&[
        "framed-demo",
        "--framing",
        "delimiter",
        "--message",
        "one\ntwo",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("holds the delimiter b'\\n' at byte 3"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn fixed_records_pad_and_keep_messages_intact() {
    let lines = json_lines(&[
        "framed-demo",
        "--framing",
        "fixed",
        "--record-size",
        "12",
        "--recv-size",
        "5",
    ]);
    let s = lines.last().unwrap();
    assert_eq!(s["intact"], true, "{s}");
    assert_eq!(s["bytes_sent"], 36);
    let first_send = lines.iter().find(|e| e["op"] == "send").unwrap();
    assert_eq!(first_send["pieces"][1]["part"], "padding");
    assert_eq!(first_send["hex"], "68656c6c6f00000000000000");
}

#[test]
fn corrupt_oversize_is_refused_by_the_receiver() {
    let s = summary(&["framed-demo", "--corrupt", "oversize"]);
    assert_eq!(s["messages_received"], 2);
    assert_eq!(s["intact"], false);
    let error = s["error"].as_str().unwrap();
    assert!(
        error.starts_with("frame 3 (stream offset 19) claims 8388609 bytes"),
        "{error}"
    );
}

#[test]
fn corrupt_truncate_says_how_far_the_frame_got() {
    let s = summary(&["framed-demo", "--corrupt", "truncate"]);
    let error = s["error"].as_str().unwrap();
    assert!(
        error.starts_with("stream ended 2 bytes into a 9-byte frame (frame 3"),
        "{error}"
    );
    let s = summary(&[
        "framed-demo",
        "--corrupt",
        "truncate",
        "--framing",
        "delimiter",
    ]);
    assert!(
        s["error"]
            .as_str()
            .unwrap()
            .contains("before its delimiter arrived"),
        "{s}"
    );
    let s = summary(&["framed-demo", "--corrupt", "truncate", "--framing", "fixed"]);
    assert!(
        s["error"]
            .as_str()
            .unwrap()
            .contains("into a 16-byte record"),
        "{s}"
    );
}

#[test]
fn corrupt_negative_needs_a_signed_header() {
    let s = summary(&["framed-demo", "--corrupt", "negative", "--header", "!i"]);
    assert!(
        s["error"]
            .as_str()
            .unwrap()
            .contains("negative length (-9)"),
        "{s}"
    );
    let out = lab(&["framed-demo", "--corrupt", "negative"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("signed header"), "{}", stderr(&out));
}

#[test]
fn corrupt_oversize_with_a_delimiter_sends_no_delimiter_in_time() {
    let s = summary(&[
        "framed-demo",
        "--corrupt",
        "oversize",
        "--framing",
        "delimiter",
        "--max-frame",
        "64",
    ]);
    assert!(
        s["error"]
            .as_str()
            .unwrap()
            .contains("no delimiter within the maximum frame of 64"),
        "{s}"
    );
}

#[test]
fn a_message_overlapping_a_long_delimiter_is_refused() {
    let out = lab(&[
        "framed-demo",
        "--framing",
        "delimiter",
        "--delimiter",
        "\\r\\n\\r\\n",
        "--message",
        "abc\r\n",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("at byte 3"), "{}", stderr(&out));
}

#[test]
fn options_of_another_framing_are_refused_not_ignored() {
    for (args, flag) in [
        (&["framed-demo", "--delimiter", "x"][..], "--delimiter"),
        (
            &["framed-demo", "--framing", "fixed", "--header", "!H"][..],
            "--header",
        ),
        (
            &[
                "framed-demo",
                "--framing",
                "delimiter",
                "--record-size",
                "8",
            ][..],
            "--record-size",
        ),
    ] {
        let out = lab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).starts_with(&format!("error: {flag} applies to")),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_bad_delimiter_escape_is_refused() {
    let out = lab(&[
        "framed-demo",
        "--framing",
        "delimiter",
        "--delimiter",
        "\\x4",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("two hex digits"), "{}", stderr(&out));
}

#[test]
fn corrupt_oversize_with_a_two_byte_delimiter_is_refused_for_the_right_reason() {
    let s = summary(&[
        "framed-demo",
        "--corrupt",
        "oversize",
        "--framing",
        "delimiter",
        "--delimiter",
        "\\r\\n",
        "--max-frame",
        "10",
    ]);
    assert!(
        s["error"]
            .as_str()
            .unwrap()
            .contains("no delimiter within the maximum frame of 10"),
        "{s}"
    );
    assert!(
        s["hint"]
            .as_str()
            .unwrap()
            .contains("never sent the delimiter"),
        "{s}"
    );
}
