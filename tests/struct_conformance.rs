//! lab's struct against CPython's, case by case: calcsize, pack (bytes and error texts) and
//! unpack (the repr of the tuple, and error texts) over hundreds of generated formats and
//! values. Needs python3; without it the test says why it skipped.

use std::io::Write;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value as Json, json};
use sticky_lab::structfmt::{StructFormat, Value, tuple_repr};

const CASES: usize = 4000;

fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .args([
            "-c",
            "import struct, sys; assert sys.version_info >= (3, 11)",
        ])
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some("python3")
}

fn format_strategy() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec!["", "", "@", "=", "<", ">", "!"]);
    let code = prop::sample::select("xcbB?hHiIlLqQnNefdspP".chars().collect::<Vec<_>>());
    let count = prop_oneof![4 => Just(None), 2 => (0usize..4).prop_map(Some), 1 => (4usize..12).prop_map(Some)];
    let space = prop_oneof![8 => Just(""), 1 => Just(" "), 1 => Just("\t")];
    let item = (count, code, space)
        .prop_map(|(n, c, s)| format!("{}{c}{s}", n.map(|n| n.to_string()).unwrap_or_default()));
    let junk = prop_oneof![20 => Just(""), 1 => Just("z"), 1 => Just("3"), 1 => Just("!"), 1 => Just(" 2 i")];
    (prefix, prop::collection::vec(item, 0..5), junk)
        .prop_map(|(p, items, junk)| format!("{p}{}{junk}", items.concat()))
}

/// Integers near every boundary struct checks, and some anywhere.
fn int_strategy() -> impl Strategy<Value = i128> {
    let edges: Vec<i128> = [7u32, 8, 15, 16, 31, 32, 63, 64]
        .iter()
        .flat_map(|&b| {
            let p = 1i128 << b;
            [p - 1, p, -p, -p - 1]
        })
        .chain([0, 1, -1])
        .collect();
    prop_oneof![
        3 => prop::sample::select(edges),
        2 => any::<i8>().prop_map(i128::from),
        2 => any::<i32>().prop_map(i128::from),
        1 => any::<i64>().prop_map(i128::from),
        1 => any::<u64>().prop_map(i128::from),
        1 => any::<i128>(),
    ]
}

/// An integer that fits `code` under every byte order.
fn in_range(code: char) -> BoxedStrategy<i128> {
    match code {
        'b' => any::<i8>().prop_map(i128::from).boxed(),
        'B' => any::<u8>().prop_map(i128::from).boxed(),
        'h' => any::<i16>().prop_map(i128::from).boxed(),
        'H' => any::<u16>().prop_map(i128::from).boxed(),
        'i' | 'l' => any::<i32>().prop_map(i128::from).boxed(),
        'I' | 'L' => any::<u32>().prop_map(i128::from).boxed(),
        'q' | 'n' => any::<i64>().prop_map(i128::from).boxed(),
        _ => any::<u64>().prop_map(i128::from).boxed(),
    }
}

fn float_strategy() -> impl Strategy<Value = f64> {
    prop_oneof![
        2 => prop::sample::select(vec![0.0, -0.0, 1.5, f64::INFINITY, f64::NEG_INFINITY, f64::NAN,
            65504.0, 65519.0, 65520.0, 1e39, 3.4028234663852886e38, 6e-8, 1e-8, 0.1, 1e16, 1e-5]),
        2 => -1e6f64..1e6,
        2 => any::<u64>().prop_map(f64::from_bits),
        1 => (-1074i32..1024).prop_map(power_of_two),
        1 => -70000.0f64..70000.0,
    ]
}

fn bytes_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..8)
}

/// A value fitting `code` most of the time, and sometimes one of the wrong type.
fn value_for(code: char) -> BoxedStrategy<Value> {
    let right: BoxedStrategy<Value> = match code {
        'c' => prop_oneof![4 => any::<u8>().prop_map(|b| Value::Bytes(vec![b])), 1 => bytes_strategy().prop_map(Value::Bytes)].boxed(),
        's' | 'p' => bytes_strategy().prop_map(Value::Bytes).boxed(),
        'e' | 'f' | 'd' => prop_oneof![3 => float_strategy().prop_map(Value::Float), 1 => int_strategy().prop_map(Value::Int)].boxed(),
        '?' => prop_oneof![any::<bool>().prop_map(Value::Bool), int_strategy().prop_map(Value::Int), bytes_strategy().prop_map(Value::Bytes)].boxed(),
        _ => prop_oneof![
            12 => in_range(code).prop_map(Value::Int),
            3 => int_strategy().prop_map(Value::Int),
            1 => any::<bool>().prop_map(Value::Bool),
        ]
        .boxed(),
    };
    let wrong = prop_oneof![
        float_strategy().prop_map(Value::Float),
        int_strategy().prop_map(Value::Int),
        bytes_strategy().prop_map(Value::Bytes),
        Just(Value::Str("text".into())),
    ];
    prop_oneof![9 => right, 1 => wrong].boxed()
}

fn to_json(v: &Value) -> Json {
    match v {
        Value::Int(n) => json!({"t": "int", "v": n.to_string()}),
        Value::BigInt(s) => json!({"t": "int", "v": s}),
        Value::Bool(b) => json!({"t": "bool", "v": b}),
        Value::Float(x) => json!({"t": "float", "bits": hex(&x.to_le_bytes())}),
        Value::Bytes(b) => json!({"t": "bytes", "hex": hex(b)}),
        Value::Str(s) => json!({"t": "str", "v": s}),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct Case {
    fmt: String,
    values: Option<Vec<Value>>,
    buffer: Option<Vec<u8>>,
}

fn generate(runner: &mut TestRunner) -> Case {
    let fmt = format_strategy().new_tree(runner).unwrap().current();
    let Ok(parsed) = StructFormat::parse(&fmt) else {
        return Case {
            fmt,
            values: None,
            buffer: None,
        };
    };
    let codes: Vec<char> = parsed
        .fields()
        .iter()
        .flat_map(|f| std::iter::repeat_n(f.code, f.values()))
        .collect();
    let mut values: Vec<Value> = codes
        .iter()
        .map(|&c| value_for(c).new_tree(runner).unwrap().current())
        .collect();
    // Now and then a wrong number of values.
    match (0u8..20).new_tree(runner).unwrap().current() {
        0 => values.push(Value::Int(1)),
        1 => {
            values.pop();
        }
        _ => {}
    }
    let size = parsed.size();
    let buffer = (size <= 256).then(|| {
        let len = match (0u8..20).new_tree(runner).unwrap().current() {
            0 => size + 1,
            1 => size.saturating_sub(1),
            _ => size,
        };
        prop::collection::vec(any::<u8>(), len)
            .new_tree(runner)
            .unwrap()
            .current()
    });
    Case {
        fmt,
        values: Some(values),
        buffer,
    }
}

fn ours(case: &Case) -> Json {
    let parsed = StructFormat::parse(&case.fmt);
    let mut out = json!({"calcsize": match &parsed {
        Ok(f) => json!({"ok": f.size()}),
        Err(e) => json!({"err": e.to_string()}),
    }});
    if let (Ok(f), Some(values)) = (&parsed, &case.values) {
        out["pack"] = match f.pack(values) {
            Ok(bytes) => json!({"ok": hex(&bytes)}),
            Err(e) => json!({"err": e.to_string()}),
        };
    }
    if let (Ok(f), Some(buffer)) = (&parsed, &case.buffer) {
        out["unpack"] = match f.unpack(buffer) {
            Ok(values) => json!({"ok": tuple_repr(&values)}),
            Err(e) => json!({"err": e.to_string()}),
        };
    }
    out
}

#[test]
fn pack_unpack_and_calcsize_match_cpython() {
    let Some(python) = python() else {
        eprintln!("skipped: python3 (3.11 or newer) is not available to compare with");
        return;
    };
    let mut runner = TestRunner::deterministic();
    let cases: Vec<Case> = (0..CASES).map(|_| generate(&mut runner)).collect();
    let mut input = String::new();
    for case in &cases {
        let mut line = json!({"fmt": case.fmt});
        if let Some(values) = &case.values {
            line["values"] = Json::Array(values.iter().map(to_json).collect());
        }
        if let Some(buffer) = &case.buffer {
            line["buffer"] = json!(hex(buffer));
        }
        input.push_str(&line.to_string());
        input.push('\n');
    }
    let oracle = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/struct_oracle.py");
    let mut child = Command::new(python)
        .arg(oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("the oracle runs");
    writer.join().unwrap().expect("cases written to the oracle");
    assert!(
        output.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<Json> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), cases.len());

    let mut mismatches = Vec::new();
    let (mut packs, mut unpacks, mut errors, mut packed) = (0, 0, 0, 0);
    for (case, want) in cases.iter().zip(&answers) {
        let got = ours(case);
        for key in ["calcsize", "pack", "unpack"] {
            if want.get(key).is_none() {
                continue;
            }
            match key {
                "pack" => packs += 1,
                "unpack" => unpacks += 1,
                _ => {}
            }
            if want[key].get("err").is_some() {
                errors += 1;
            } else if key == "pack" {
                packed += 1;
            }
            if got.get(key) != want.get(key) {
                mismatches.push(format!(
                    "{key} {:?} values={:?} buffer={:?}\n    cpython: {}\n    lab:     {}",
                    case.fmt,
                    case.values,
                    case.buffer.as_deref().map(hex),
                    want[key],
                    got.get(key).unwrap_or(&Json::Null)
                ));
            }
        }
    }
    eprintln!(
        "compared {} formats, {packs} packs ({packed} packed), {unpacks} unpacks, {errors} \
         CPython errors in all, with CPython",
        cases.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches with CPython, first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// 2**e as an exact double, subnormals included.
fn power_of_two(e: i32) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e + 1074))
    }
}

#[test]
fn every_power_of_two_and_every_half_prints_as_python_does() {
    let Some(python) = python() else {
        eprintln!("skipped: python3 (3.11) is not available to compare with");
        return;
    };
    // Powers of two and halves are where two shortest strings tie most often.
    let script = "import struct\n\
        for e in range(-1074, 1024): print(repr(2.0**e))\n\
        for h in range(65536): print(repr(struct.unpack('<e', h.to_bytes(2, 'little'))[0]))\n";
    let out = Command::new(python)
        .args(["-c", script])
        .output()
        .expect("python3 runs");
    let want = String::from_utf8(out.stdout).unwrap();
    let half = StructFormat::parse("<e").unwrap();
    let got: Vec<String> = (-1074..1024)
        .map(|e| sticky_lab::structfmt::float_repr(power_of_two(e)))
        .chain(
            (0..=u16::MAX).map(|h| match &half.unpack(&h.to_le_bytes()).unwrap()[0] {
                Value::Float(x) => sticky_lab::structfmt::float_repr(*x),
                other => panic!("{other:?}"),
            }),
        )
        .collect();
    let want: Vec<&str> = want.lines().collect();
    assert_eq!(want.len(), got.len());
    let wrong: Vec<String> = want
        .iter()
        .zip(&got)
        .filter(|(w, g)| *w != g)
        .take(10)
        .map(|(w, g)| format!("python {w}, lab {g}"))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}
