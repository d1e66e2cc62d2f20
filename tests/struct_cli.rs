//! `lab struct` as a student types it: Python's repr first, CPython's errors, JSON shapes.

mod common;

use common::{lab, stderr, stdout};

fn first_line(args: &[&str]) -> String {
    let out = lab(args);
    assert!(out.status.success(), "lab {args:?}: {}", stderr(&out));
    stdout(&out).lines().next().unwrap_or("").to_string()
}

#[test]
fn pack_prints_python_bytes_repr_first() {
    assert_eq!(
        first_line(&["struct", "pack", "!I", "5"]),
        r"b'\x00\x00\x00\x05'"
    );
    assert_eq!(
        first_line(&["struct", "pack", "<hh", "1", "2"]),
        r"b'\x01\x00\x02\x00'"
    );
    assert_eq!(first_line(&["struct", "pack", "5s", "hello"]), "b'hello'");
}

#[test]
fn negative_numbers_are_values_not_options() {
    assert_eq!(first_line(&["struct", "pack", "!h", "-5"]), r"b'\xff\xfb'");
    assert_eq!(
        first_line(&["struct", "pack", "!d", "-1.5"]),
        r"b'\xbf\xf8\x00\x00\x00\x00\x00\x00'"
    );
}

#[test]
fn unpack_prints_the_tuple_as_python_does() {
    assert_eq!(
        first_line(&["struct", "unpack", "!I", "00 00 00 05"]),
        "(5,)"
    );
    assert_eq!(
        first_line(&["struct", "unpack", "!f", "7f800000"]),
        "(inf,)"
    );
    assert_eq!(
        first_line(&["struct", "unpack", "!d", "483d6329f1c35ca5"]),
        "(1e+40,)"
    );
    assert_eq!(
        first_line(&[
            "struct",
            "unpack",
            "<d2s?",
            r"b'\x00\x00\x00\x00\x00\x00\xf8?ab\x01'"
        ]),
        "(1.5, b'ab', True)"
    );
}

#[test]
fn calcsize_counts_native_alignment() {
    assert_eq!(first_line(&["struct", "calcsize", "@ci"]), "8");
    assert_eq!(first_line(&["struct", "calcsize", "<ci"]), "5");
}

#[test]
fn cpython_errors_are_one_line_with_exit_code_1() {
    for (args, message) in [
        (
            &["struct", "pack", "!i", "2147483648"][..],
            "error: 'i' format requires -2147483648 <= number <= 2147483647",
        ),
        (
            &["struct", "unpack", "i", "00"][..],
            "error: unpack requires a buffer of 4 bytes",
        ),
        (
            &["struct", "pack", "i"][..],
            "error: pack expected 1 items for packing (got 0)",
        ),
        (
            &["struct", "calcsize", "2 i"][..],
            "error: bad char in struct format",
        ),
    ] {
        let out = lab(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out).trim_end(), message, "{args:?}");
    }
}

#[test]
fn bad_hex_is_a_usage_error_naming_the_byte() {
    let out = lab(&["struct", "unpack", "!I", "00zz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("'z' at position 2"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_native_format_teaches_network_order() {
    let out = stdout(&lab(&["struct", "pack", "i", "5"]));
    assert!(
        out.contains("struct.pack('!i', …) gives b'\\x00\\x00\\x00\\x05'"),
        "{out}"
    );
    let out = stdout(&lab(&["struct", "pack", "!i", "5"]));
    assert!(!out.contains("note:"), "{out}");
}

#[test]
fn json_shapes_are_stable() {
    let pack: serde_json::Value = serde_json::from_str(&stdout(&lab(&[
        "--json", "struct", "pack", "@ci", "a", "7",
    ])))
    .unwrap();
    assert_eq!(pack["hex"], "6100000007000000");
    assert_eq!(
        pack["fields"][1],
        serde_json::json!({"code": "i", "offset": 4, "size": 4})
    );
    assert_eq!(
        pack["padding"][0],
        serde_json::json!({"offset": 1, "size": 3})
    );
    let unpack: serde_json::Value = serde_json::from_str(&stdout(&lab(&[
        "--json",
        "struct",
        "unpack",
        "!I?",
        "0000000501",
    ])))
    .unwrap();
    assert_eq!(unpack["repr"], "(5, True)");
    assert_eq!(unpack["values"], serde_json::json!([5, true]));
    let size: serde_json::Value =
        serde_json::from_str(&stdout(&lab(&["--json", "struct", "calcsize", "!IH"]))).unwrap();
    assert_eq!(size, serde_json::json!({"size": 6}));
}

#[test]
fn every_negative_literal_is_a_value() {
    for (value, want) in [
        ("-5.5e-08", r"b'\xbem\x87$w\x02\xc0\xd0'"),
        ("-0x10", r"b'\xc00\x00\x00\x00\x00\x00\x00'"),
        ("-inf", r"b'\xff\xf0\x00\x00\x00\x00\x00\x00'"),
        ("-.5", r"b'\xbf\xe0\x00\x00\x00\x00\x00\x00'"),
    ] {
        assert_eq!(
            first_line(&["struct", "pack", "!d", value]),
            want,
            "{value}"
        );
    }
}

#[test]
fn global_options_after_the_values_still_apply() {
    let out = stdout(&lab(&["struct", "pack", "!h", "-5", "--json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["hex"], "fffb");
}

#[test]
fn a_figure_keeps_its_unit_when_the_line_wraps() {
    // `· 4` at the end of one line and `bytes` alone at the start of the next reads as two
    // things; whatever the width, the size stays with its unit.
    for width in 60..=100 {
        let width = width.to_string();
        for lang in ["en", "zh"] {
            for format in ["i", "@ci"] {
                let mut args = vec!["struct", "pack", format];
                args.extend(if format == "i" {
                    &["5"][..]
                } else {
                    &["a", "5"]
                });
                args.extend(["--width", &width, "--lang", lang]);
                let out = stdout(&lab(&args));
                let lines: Vec<&str> = out.lines().collect();
                for pair in lines.windows(2) {
                    let unit = pair[1].trim_start();
                    let cut = pair[0].ends_with(|c: char| c.is_ascii_digit())
                        && ["bytes", "字节"].iter().any(|u| unit.starts_with(u));
                    assert!(!cut, "{args:?}: a figure cut from its unit:\n{out}");
                }
            }
        }
    }
}
