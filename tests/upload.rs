//! Uploads between real processes: `lab upload` to `lab serve --upload-dir`, and hand-made
//! clients that break the protocol. Judged by the files that exist afterwards.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::upload_wire::{read_status, send_json, sha256};
use common::{lab, stderr};
use serde_json::{Value, json};

struct Server {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let dir = std::env::temp_dir().join(format!(
            "lab-upload-test-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        fs::create_dir_all(&dir).unwrap();
        let mut args = vec!["--upload-dir", dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        let (child, addr) = start_serve(&args);
        Server { child, addr, dir }
    }

    /// The names in the upload directory, temporary files included.
    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Wait (bounded) until the directory holds exactly `want`.
    fn wait_files(&self, want: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.files() != want {
            assert!(
                Instant::now() < deadline,
                "files {:?}, expected {want:?}",
                self.files()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// `lab --json serve --addr 127.0.0.1:0 ARGS…`, and the address it reports listening on.
fn start_serve(args: &[&str]) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["--json", "serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    lines.read_line(&mut first).unwrap();
    // Keep reading: a server whose output is closed stops, as it would on Ctrl-C.
    std::thread::spawn(move || for _ in lines.lines() {});
    let listening: Value = serde_json::from_str(&first).unwrap();
    (child, listening["addr"].as_str().unwrap().parse().unwrap())
}

/// `lab upload PATH --to SERVER`.
fn upload_to(server: &Server, path: &Path) -> std::process::Output {
    lab(&[
        "upload",
        path.to_str().unwrap(),
        "--to",
        &server.addr.to_string(),
    ])
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    path
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

#[test]
fn empty_tiny_odd_and_multi_chunk_files_round_trip() {
    let server = Server::start(&[]);
    let source = tempdir();
    for (name, size) in [
        ("empty", 0usize),
        ("one", 1),
        ("odd", 100_003),
        ("big", 1_048_576 + 7),
    ] {
        let bytes: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        let path = write_file(&source, name, &bytes);
        let out = upload_to(&server, &path);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert_eq!(fs::read(server.dir.join(name)).unwrap(), bytes, "{name}");
    }
    server.wait_files(&["big", "empty", "odd", "one"]);
    let _ = fs::remove_dir_all(source);
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "lab-upload-src-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_bad_header_is_refused_with_its_reason_and_the_server_goes_on() {
    let server = Server::start(&["--max-size", "1KiB"]);
    fs::write(server.dir.join("taken"), b"old").unwrap();
    // Each refusal: the server's words, and the code a client acts on whatever the language.
    let cases = [
        (
            json!({"name": "../escape", "size": 1}),
            "no directories",
            "bad_name",
        ),
        (
            json!({"name": "/etc/passwd", "size": 1}),
            "no directories",
            "bad_name",
        ),
        (
            json!({"name": "a\u{0}b", "size": 1}),
            "holds a NUL byte",
            "bad_name",
        ),
        (
            json!({"name": "..", "size": 1}),
            "not a file name",
            "bad_name",
        ),
        (
            json!({"name": "x".repeat(300), "size": 1}),
            "at most 255",
            "bad_name",
        ),
        (
            json!({"name": "huge", "size": 2048}),
            "--max-size",
            "too_large",
        ),
        (
            json!({"name": "taken", "size": 1}),
            "already exists",
            "exists",
        ),
        (json!({"name": "nosize"}), "not valid", "bad_header"),
        // The hash goes after the body now: a header that still carries it hears why.
        (
            json!({"name": "old", "size": 1, "sha256": sha256(b"x")}),
            "unknown field `sha256`",
            "bad_header",
        ),
    ];
    for (header, reason, code) in cases {
        let mut client = connect(server.addr);
        send_json(&mut client, &header);
        let status = read_status(&mut client);
        assert_eq!(status["ok"], false, "{header}");
        assert!(
            status["error"].as_str().unwrap().contains(reason),
            "{header}: {status}"
        );
        assert_eq!(status["code"], code, "{header}: {status}");
        if code == "too_large" {
            assert_eq!(status["limit"], 1024, "{status}");
        }
    }
    // A header length over the limit is refused before the header is read.
    let mut client = connect(server.addr);
    client.write_all(&[0xff, 0xff, 0xff, 0xff]).unwrap();
    let status = read_status(&mut client);
    assert!(
        status["error"].as_str().unwrap().contains("over the limit"),
        "{status}"
    );
    assert_eq!(status["code"], "header_too_long", "{status}");

    assert_eq!(fs::read(server.dir.join("taken")).unwrap(), b"old");
    // Still serving.
    let source = tempdir();
    let path = write_file(&source, "fine", b"x");
    let out = upload_to(&server, &path);
    assert!(out.status.success(), "{}", stderr(&out));
    server.wait_files(&["fine", "taken"]);
    let _ = fs::remove_dir_all(source);
}

/// A refusal carries a code beside the server's words, so each side speaks its own language:
/// a Chinese client of an English server, an English client of a Chinese server.
#[test]
fn a_refusal_is_said_in_the_clients_language_whatever_the_servers() {
    let cases = [
        ("en", "zh", "服务端拒绝了：\"taken\" 已经存在"),
        ("zh", "en", "the server refused: \"taken\" already exists"),
    ];
    for (server_lang, client_lang, said) in cases {
        let server = Server::start(&["--lang", server_lang]);
        fs::write(server.dir.join("taken"), b"old").unwrap();
        let source = tempdir();
        let path = write_file(&source, "taken", b"new");
        let addr = server.addr.to_string();
        let out = lab(&[
            "upload",
            path.to_str().unwrap(),
            "--to",
            &addr,
            "--lang",
            client_lang,
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains(said), "{}", stderr(&out));
        // What the server says on the wire is in its own language.
        let mut client = connect(server.addr);
        send_json(&mut client, &json!({"name": "taken", "size": 1}));
        let status = read_status(&mut client);
        assert_eq!(status["code"], "exists");
        let chinese = status["error"].as_str().unwrap().contains("已经存在");
        assert_eq!(chinese, server_lang == "zh", "{status}");
        let _ = fs::remove_dir_all(source);
    }
}

#[test]
fn a_disconnect_mid_body_leaves_no_file_at_all() {
    let server = Server::start(&[]);
    let body = vec![7u8; 100_000];
    let mut client = connect(server.addr);
    send_json(&mut client, &json!({"name": "half", "size": body.len()}));
    assert_eq!(read_status(&mut client)["ok"], true);
    client.write_all(&body[..40_000]).unwrap();
    drop(client);
    server.wait_files(&[]);
}

#[test]
fn a_hash_mismatch_is_refused_and_nothing_is_kept() {
    let server = Server::start(&[]);
    let mut client = connect(server.addr);
    send_json(&mut client, &json!({"name": "forged", "size": 5}));
    assert_eq!(read_status(&mut client)["ok"], true);
    client.write_all(b"hello").unwrap();
    send_json(&mut client, &json!({"sha256": sha256(b"other")}));
    let status = read_status(&mut client);
    assert_eq!(status["ok"], false);
    assert!(
        status["error"]
            .as_str()
            .unwrap()
            .contains("sha256 mismatch"),
        "{status}"
    );
    assert_eq!(status["code"], "sha256_mismatch", "{status}");
    // The server's own hash of the body, to compare with the one sent.
    assert_eq!(status["sha256"], sha256(b"hello").as_str(), "{status}");
    server.wait_files(&[]);
}

/// The body arrived whole, but its hash did not: a client that leaves without the trailer,
/// or sends one that is not a hash, stores nothing.
#[test]
fn without_a_valid_hash_after_the_body_nothing_is_kept() {
    let server = Server::start(&[]);
    let trailers: [Option<Value>; 3] = [
        None,
        Some(json!({"sha256": "not hex"})),
        Some(json!({"md5": sha256(b"hello")})),
    ];
    for trailer in trailers {
        let mut client = connect(server.addr);
        send_json(&mut client, &json!({"name": "unsure", "size": 5}));
        assert_eq!(read_status(&mut client)["ok"], true);
        client.write_all(b"hello").unwrap();
        match &trailer {
            None => drop(client),
            Some(trailer) => {
                send_json(&mut client, trailer);
                let status = read_status(&mut client);
                assert_eq!(status["ok"], false, "{trailer}: {status}");
                assert!(
                    status["error"].as_str().unwrap().contains("nothing kept")
                        || status["error"].as_str().unwrap().contains("not valid"),
                    "{status}"
                );
            }
        }
        server.wait_files(&[]);
    }
}

#[test]
fn lab_upload_reports_a_refusal_as_an_error() {
    let server = Server::start(&[]);
    fs::write(server.dir.join("same"), b"old").unwrap();
    let source = tempdir();
    let path = write_file(&source, "same", b"new");
    let out = upload_to(&server, &path);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: the server refused:"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read(server.dir.join("same")).unwrap(), b"old");
    let _ = fs::remove_dir_all(source);
}

#[test]
fn overwrite_replaces_only_when_asked() {
    let server = Server::start(&["--overwrite"]);
    fs::write(server.dir.join("same"), b"old").unwrap();
    let source = tempdir();
    let path = write_file(&source, "same", b"new");
    let out = upload_to(&server, &path);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fs::read(server.dir.join("same")).unwrap(), b"new");
    let _ = fs::remove_dir_all(source);
}

#[test]
fn the_demo_checks_both_sides() {
    let out = lab(&["--json", "upload-demo", "--size", "3MiB"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["identical"], true);
    assert_eq!(s["sha256_sent"], s["sha256_received"]);
    assert_eq!(s["size"], 3 * 1024 * 1024);
    assert!(s["header_hex"].as_str().unwrap().starts_with("000000"));
    // The hash travels after the body, framed like the header: the file is read once.
    let wire = |field: &str| -> Value {
        let hex = s[field].as_str().unwrap();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(
            u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize,
            bytes.len() - 4
        );
        serde_json::from_slice(&bytes[4..]).unwrap()
    };
    assert_eq!(
        wire("header_hex"),
        json!({"name": "lesson.bin", "size": 3 * 1024 * 1024})
    );
    assert_eq!(wire("trailer_hex"), json!({"sha256": s["sha256_sent"]}));
}

#[test]
fn only_regular_files_are_sent() {
    let out = lab(&["upload", "/dev/zero", "--to", "127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

/// Both headers are checked while the name is free; the first body stored takes it, and the
/// other upload is refused as `exists` — not as a failed disk — and the first file is kept.
#[test]
fn of_two_uploads_of_one_name_at_once_the_later_is_refused_as_existing() {
    let server = Server::start(&[]);
    let mut first = connect(server.addr);
    let mut second = connect(server.addr);
    for client in [&mut first, &mut second] {
        send_json(client, &json!({"name": "same.txt", "size": 5}));
        assert_eq!(read_status(client)["ok"], true);
    }
    let finish = |client: &mut TcpStream, body: &[u8]| {
        client.write_all(body).unwrap();
        send_json(client, &json!({"sha256": sha256(body)}));
        read_status(client)
    };
    let stored = finish(&mut first, b"first");
    assert_eq!(stored["ok"], true, "{stored}");
    let refused = finish(&mut second, b"later");
    assert_eq!(refused["ok"], false, "{refused}");
    assert_eq!(refused["code"], "exists", "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("\"same.txt\" already exists"),
        "{refused}"
    );
    server.wait_files(&["same.txt"]);
    assert_eq!(fs::read(server.dir.join("same.txt")).unwrap(), b"first");
}

#[test]
fn names_that_would_garble_a_listing_are_refused() {
    let server = Server::start(&[]);
    for name in [
        "\u{1b}[31mred",
        "a\nb",
        "\u{202e}gpj.exe",
        " ",
        "-rf",
        // Invisible: these would store a name that looks exactly like "notes.pdf".
        "notes\u{200b}.pdf",
        "\u{feff}notes.pdf",
        "notes.pdf\u{2028}",
        "notes\u{2060}.pdf",
        // A space nobody sees, and blanks that are no plain space: "x.txt" and "x y.txt".
        "x.txt ",
        " x.txt",
        "\u{2800}",
        "x\u{2800}.txt",
        "x\u{a0}y.txt",
    ] {
        let mut client = connect(server.addr);
        send_json(&mut client, &json!({"name": name, "size": 1}));
        let status = read_status(&mut client);
        assert_eq!(status["ok"], false, "{name:?}: {status}");
        assert_eq!(status["code"], "bad_name", "{name:?}: {status}");
    }
    server.wait_files(&[]);
}

#[test]
fn uploading_to_a_server_without_upload_dir_says_so() {
    let (mut plain, addr) = start_serve(&["--mode", "framed"]);
    let addr = addr.to_string();
    let source = tempdir();
    let path = write_file(&source, "f", b"hello");
    let out = lab(&["upload", path.to_str().unwrap(), "--to", &addr]);
    let _ = plain.kill();
    let _ = plain.wait();
    let _ = fs::remove_dir_all(source);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("did not answer like an upload server"),
        "{}",
        stderr(&out)
    );
}
