//! Every view in Chinese: each command below runs with `--lang zh`, and no line of what it
//! prints may still be an English sentence (see `common::english`). Commands are added here
//! as their views learn Chinese; the list grows until it holds every command lab has.

mod common;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::english::english_lines;
use common::tool::WAIT;
use common::{lab, lab_with_input, stderr, stdout};

/// Commands whose whole output is Chinese (apart from code, figures and messages).
const CHINESE_COMMANDS: &[&[&str]] = &[
    &["struct", "calcsize", "!I"],
    // The exchange lessons: defaults, and the flags that add lines.
    &["sticky-demo"],
    &["sticky-demo", "--recv-size", "4"],
    &["sticky-demo", "--hex"],
    &["sticky-demo", "--wire"],
    &["sticky-demo", "--trials", "3"],
    &["sticky-demo", "--nodelay"],
    &["sticky-demo", "--reader-delay", "0", "--send-gap", "20"],
    &["sticky-demo", "--message", "one"],
    &["framed-demo"],
    &["framed-demo", "--recv-size", "7"],
    &["framed-demo", "--framing", "delimiter"],
    &["framed-demo", "--framing", "fixed"],
    &["framed-demo", "--corrupt", "oversize", "--header", "!i"],
    &["framed-demo", "--corrupt", "truncate", "--header", "!i"],
    &["framed-demo", "--corrupt", "negative", "--header", "!i"],
    &["framed-demo", "--trials", "2"],
    &["udp-demo"],
    &["udp-demo", "--recv-size", "4"],
    &["udp-demo", "--trials", "2"],
    &["stall-demo", "--rounds", "2"],
    &["struct", "calcsize", "ci"],
    &["struct", "calcsize", "=ci"],
    &["struct", "pack", "i", "5"],
    &["struct", "pack", "!I", "5"],
    &["struct", "pack", "@ci", "a", "5"],
    &["struct", "pack", "xxB3x", "1"],
    &["struct", "unpack", "h", "00", "01"],
    &["struct", "unpack", "!I", "00", "00", "00", "05"],
    &[
        "struct", "unpack", "ci", "61", "00", "00", "00", "05", "00", "00", "00",
    ],
    &["backlog-demo", "--wait", "50"],
    &["backlog-demo", "--backlog", "0", "--clients", "3"],
    &["reuseaddr-demo"],
    &["reuseaddr-demo", "--closer", "client"],
    &["reuseaddr-demo", "--closer", "server"],
    &["lessons"],
    &["lessons", "--width", "60"],
    &["lesson", "backlog-demo", "--no-pager"],
    &["lesson", "struct", "--no-pager"],
    // A launcher that leaves a process behind: lab says what it waits for. (`--lang zh` goes
    // before `--`: what follows is the program's; the one added at the end is its $0.)
    &[
        "--lang",
        "zh",
        "trace",
        "--",
        "sh",
        "-c",
        "sleep 0.2 & exit 0",
    ],
    &[
        "--lang",
        "zh",
        "--width",
        "50",
        "trace",
        "--",
        "sh",
        "-c",
        "sleep 0.2 & exit 0",
    ],
];

/// Commands that fail with an error lab words itself: the `error:` line must be Chinese too.
const CHINESE_ERRORS: &[&[&str]] = &[
    &["struct", "unpack", "!I", "00", "05"],
    &["struct", "pack", "!Q7", "5"],
    &["struct", "unpack", "!I", "0g"],
    &["struct", "unpack", "!I", "000"],
    &["serve", "--step"],
    &["man", "nosuch"],
    &["lesson", "sticky-demo", "--json"],
    &["udp-demo", "--nodelay"],
    &["--lang", "zh", "trace", "--", "no-such-program-for-lab"],
    &["--lang", "zh", "trace", "--", "/no/such/file"],
    &["--lang", "zh", "trace", "--", "/"],
    &["--lang", "zh", "trace", "--", "/etc/passwd"],
    &["--lang", "zh", "trace", "--", ""],
    &["trace", "--server", "", "--client", "true"],
    // The exchange demos' refusals of flags, and a datagram too large to send.
    &["sticky-demo", "--wire", "--net"],
    &["udp-demo", "--pcap", "x.pcapng"],
    // A picture file lab cannot make: refused before the run.
    &["sticky-demo", "--svg", "/no/such/dir/x.svg"],
    &["framed-demo", "--html", "/"],
    &["udp-demo", "--wire"],
    &["sticky-demo", "--wire", "--trials", "2"],
    &["sticky-demo", "--step", "--trials", "2"],
    &[
        "sticky-demo",
        "--send-gap",
        "10000",
        "--message",
        "a",
        "--message",
        "b",
        "--message",
        "c",
        "--message",
        "d",
        "--message",
        "e",
    ],
    &["framed-demo", "--delimiter", ","],
    &["framed-demo", "--framing", "delimiter", "--delimiter", ""],
    &["udp-demo", "--message-size", "65508"],
    &["framed-demo", "--corrupt", "negative"],
    &["framed-demo", "--framing", "fixed", "--corrupt", "oversize"],
    &["framed-demo", "--header", "B", "--corrupt", "oversize"],
    &["framed-demo", "--framing", "fixed", "--record-size", "8"],
    &["framed-demo", "--framing", "delimiter", "--delimiter", ","],
    // Picture and packet files refused before anything runs.
    &["sticky-demo", "--svg", "/no/such/dir/x.svg"],
    &["sticky-demo", "--html", "/"],
    &["sticky-demo", "--trials", "2", "--pcap", "x.pcapng"],
    &["stall-demo", "--pcap", "x.pcapng"],
    &["--lang", "zh", "trace", "--pcap", "x.pcapng", "--", "true"],
    &["--lang", "zh", "trace", "--net", "--", "true"],
    &["--lang", "zh", "trace", "--svg", "x.svg", "--", "true"],
    // Length headers and delimiters lab cannot use.
    &["framed-demo", "--header", "!d"],
    &["framed-demo", "--header", "!2I"],
    &["framed-demo", "--header", "!II"],
    &["framed-demo", "--header", "!Z"],
    &[
        "framed-demo",
        "--framing",
        "delimiter",
        "--delimiter",
        "\\x0",
    ],
    &["serve", "--mode", "framed", "--header", "!d"],
    &["chat", "--mode", "framed", "--header", "<q2"],
];

/// Commands that need namespaces (`--net`): skipped, saying so, where lab may not make them.
const LINKED_COMMANDS: &[&[&str]] = &[&["sticky-demo", "--net", "delay=20ms"]];

/// The notes' sticky pair, traced as the lesson `trace-your-code` runs it (on the notes'
/// fixed port 8080, so apart from the others).
fn traced_pair() -> &'static [&'static str] {
    sticky_lab::lesson::find("trace-your-code")
        .and_then(|lesson| lesson.run)
        .expect("the lesson runs lab trace on the notes' pair")
}

/// Run `args` with `--lang zh`: the English lines left, or `None` when it may be skipped
/// (`--net` where namespaces are not allowed).
fn english_left(args: &[&str]) -> Option<String> {
    let mut all = args.to_vec();
    all.extend(["--lang", "zh"]);
    let out = lab(&all);
    let err = stderr(&out);
    if !out.status.success() && err.contains("--net needs") {
        eprintln!("skipped `lab {}`: {}", all.join(" "), err.trim());
        return None;
    }
    assert!(out.status.success(), "{all:?}: {err}");
    let left = english_lines(&stdout(&out));
    (!left.is_empty()).then(|| format!("lab {}:\n  {}", all.join(" "), left.join("\n  ")))
}

#[test]
fn every_listed_command_speaks_only_chinese_with_lang_zh() {
    // The lessons wait on purpose (a late reader, a stall): run them side by side.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = CHINESE_COMMANDS
            .iter()
            .chain(LINKED_COMMANDS)
            .map(|args| scope.spawn(move || english_left(args)))
            .collect();
        runs.into_iter()
            .filter_map(|run| run.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "English left:\n{}",
        failures.join("\n")
    );
}

#[test]
fn errors_lab_words_itself_are_chinese_with_lang_zh() {
    assert_all_chinese(CHINESE_ERRORS, |all, out| {
        assert!(!out.status.success(), "{all:?} should fail");
        let err = stderr(out);
        assert!(err.starts_with("错误："), "{all:?}: {err}");
        err
    });
}

/// A client started before its server (the commonest slip of the two-terminal lessons): the
/// failed connect() is one Chinese error line, exit 1, the system's own words quoted.
#[test]
fn a_client_with_no_server_to_reach_says_so_in_chinese() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap().to_string();
    drop(closed);
    let dir = scratch_dir("no-server");
    let file = dir.join("notes.txt");
    std::fs::write(&file, "hi").unwrap();
    let file = file.to_str().unwrap();
    for args in [
        &["chat", "--addr", &addr][..],
        &["upload", file, "--to", &addr],
    ] {
        let out = lab_with_input(&[args, &["--lang", "zh"]].concat(), b"hi\n");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with(&format!("错误：connect({addr}) 失败：")),
            "{args:?}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(std::path::Path::new(file).parent().unwrap());
}

/// An upload server that refuses with a code the client has its own words for, in words of
/// its own (English here): `lab upload --lang zh` says the code in Chinese, quoting the
/// server's words; in English the line is the server's words, as they were.
#[test]
fn a_refusal_by_code_is_said_in_chinese_and_quoted_in_english() {
    let dir = scratch_dir("refused");
    let file = dir.join("notes.txt");
    std::fs::write(&file, "hi").unwrap();
    let file = file.to_str().unwrap();
    let refusals = [
        (
            "storage",
            "cannot store \"notes.txt\": No space left on device",
        ),
        (
            "bad_header",
            "the header is not valid: missing field `size`",
        ),
        (
            "bad_trailer",
            "the trailer's sha256 must be 64 hex digits; nothing kept",
        ),
        (
            "busy",
            "the server cannot start a thread to hash the upload; try again later",
        ),
        ("no_thread", "no thread to serve it; try again later"),
        (
            "header_too_long",
            "the header claims 99999 bytes, over the limit of 65536",
        ),
        (
            "cannot_watch",
            "cannot watch this connection; connection closed",
        ),
    ];
    let mut failures = Vec::new();
    for (code, said) in refusals {
        for lang in ["zh", "en"] {
            let addr = upload_server_that(Some((code, said)));
            let out = lab(&["upload", file, "--to", &addr, "--lang", lang]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{code}: {err}");
            if lang == "en" {
                assert_eq!(
                    err,
                    format!("error: the server refused: {said}\n"),
                    "{code}"
                );
                continue;
            }
            assert!(err.starts_with("错误：服务端拒绝了："), "{code}: {err}");
            assert!(
                err.contains(said),
                "{code}: the server's words quoted: {err}"
            );
            let left = english_lines(&err);
            if !left.is_empty() {
                failures.push(format!("{code}:\n  {}", left.join("\n  ")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "English left:\n{}",
        failures.join("\n")
    );
    let _ = std::fs::remove_dir_all(std::path::Path::new(file).parent().unwrap());
}

/// A one-connection server that reads an upload's header and refuses it with `code` and the
/// words `said`, as `lab serve --upload-dir` frames its status, or (`None`) closes without an
/// answer; its address.
fn upload_server_that(refuses: Option<(&str, &str)>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let status = refuses.map(|(code, said)| {
        serde_json::json!({ "ok": false, "error": said, "code": code }).to_string()
    });
    std::thread::spawn(move || {
        let (mut client, _) = listener.accept().unwrap();
        let mut len = [0u8; 4];
        client.read_exact(&mut len).unwrap();
        let mut header = vec![0u8; u32::from_be_bytes(len) as usize];
        client.read_exact(&mut header).unwrap();
        let Some(status) = status else { return };
        let mut framed = (status.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(status.as_bytes());
        client.write_all(&framed).unwrap();
        // Until the client has read the answer and gone.
        let _ = client.read_to_end(&mut Vec::new());
    });
    addr
}

/// An upload server that reads the header and closes without answering: the client says so
/// in Chinese, and in English as it did.
#[test]
fn a_server_that_closes_without_answering_is_said_in_chinese() {
    let dir = scratch_dir("unanswered");
    let file = dir.join("notes.txt");
    std::fs::write(&file, "hi").unwrap();
    let file = file.to_str().unwrap();
    let upload = |lang| {
        let addr = upload_server_that(None);
        let out = lab(&["upload", file, "--to", &addr, "--lang", lang]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        stderr(&out)
    };
    assert_eq!(
        upload("en"),
        "error: reading the server's answer failed: failed to fill whole buffer\n"
    );
    assert_eq!(
        upload("zh"),
        "错误：读取服务端的答复失败：服务端没有答复就关闭了连接\n"
    );
    let _ = std::fs::remove_dir_all(std::path::Path::new(file).parent().unwrap());
}

/// A thread lab cannot start (a stack larger than any address space, via `RUST_MIN_STACK`):
/// one error line naming the thread, in Chinese under `--lang zh`, the English as it was.
#[test]
fn a_thread_that_cannot_start_is_said_in_chinese() {
    let commands: [(&[&str], &str); 6] = [
        (&["sticky-demo"], "sender's"),
        (&["udp-demo"], "sender's"),
        (&["stall-demo", "--rounds", "1"], "server's"),
        (&["upload-demo", "--size", "1KiB"], "clean-up"),
        (&["serve", "--addr", "127.0.0.1:0"], "tool's"),
        (&["trace", "--", "true"], "tracer's"),
    ];
    let mut failures = Vec::new();
    for (args, thread) in commands {
        for lang in ["zh", "en"] {
            let out = Command::new(env!("CARGO_BIN_EXE_lab"))
                .args(["--lang", lang])
                .args(args)
                .env("RUST_MIN_STACK", (1u64 << 50).to_string())
                .output()
                .unwrap();
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
            if lang == "en" {
                let said = format!("error: starting the {thread} thread failed: ");
                assert!(err.starts_with(&said), "{args:?}: {err}");
                continue;
            }
            assert!(err.starts_with("错误：无法启动"), "{args:?}: {err}");
            let left = english_lines(&err);
            if !left.is_empty() {
                failures.push(format!("{args:?}:\n  {}", left.join("\n  ")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "English left:\n{}",
        failures.join("\n")
    );
}

/// Run each command with `--lang zh`; `shown` checks the run and picks the text to read.
/// Fails naming every line, of every command, that still speaks English.
fn assert_all_chinese(commands: &[&[&str]], shown: impl Fn(&[&str], &Output) -> String) {
    let mut failures = Vec::new();
    for args in commands {
        let mut all = args.to_vec();
        all.extend(["--lang", "zh"]);
        let out = lab(&all);
        let left = english_lines(&shown(&all, &out));
        if !left.is_empty() {
            failures.push(format!("lab {}:\n  {}", all.join(" "), left.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "English left:\n{}",
        failures.join("\n")
    );
}

/// The two-terminal tools and uploads, as a class would run them, all with `--lang zh`: a raw
/// server (one client at most) behind a stammering proxy, a second client turned away, a
/// framed server with a client that speaks framed and one that does not, an upload server
/// with an upload and a refused one (the name exists), upload-demo, the commands' errors;
/// every server stopped with Ctrl-C. No line of any output (stdout or stderr) may be English.
#[test]
fn the_tools_and_uploads_speak_only_chinese_with_lang_zh() {
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut keep = |what: &str, text: String| outputs.push((what.to_string(), text));

    let mut raw = TextTool::start(&["serve", "--addr", "127.0.0.1:0", "--max-clients", "1"]);
    let raw_addr = raw.addr.clone();
    let proxy_args = [
        "proxy",
        "--listen",
        "127.0.0.1:0",
        "--to",
        &raw_addr,
        "--stammer",
    ];
    let proxy = TextTool::start(&[&proxy_args[..], &["--max-chunk", "3", "--pause", "0"]].concat());

    // One client through the proxy holds the server's only place…
    let mut holder = TextTool::spawn(&["chat", "--addr", &proxy.addr]);
    holder.write(b"\xe4\xbd\xa0\xe5\xa5\xbd hello\n");
    raw.wait_for("已连接");
    // …so a second one is turned away, with the reason (its input still open).
    let turned = TextTool::spawn(&["chat", "--addr", &raw_addr]);
    let (status, out, err) = turned.finish();
    assert_eq!(status.code(), Some(1), "{out}{err}");
    assert!(err.contains("服务端拒绝了这个客户端"), "{err}");
    keep("chat (turned away)", out + &err);
    holder.write(b"\nbye\n");
    holder.end_input();
    let (status, out, err) = holder.finish();
    assert!(status.success(), "{out}{err}");
    assert!(out.contains("空行没有发送"), "{out}");
    keep("chat (through the proxy)", out + &err);

    let mut framed = TextTool::start(&["serve", "--mode", "framed", "--addr", "127.0.0.1:0"]);
    let framed_addr = framed.addr.clone();
    let chat = lab_with_input(
        &[
            "chat",
            "--mode",
            "framed",
            "--addr",
            &framed_addr,
            "--lang",
            "zh",
        ],
        b"hello\n\nworld\n",
    );
    assert!(chat.status.success(), "{}", stderr(&chat));
    keep("chat --mode framed", stdout(&chat) + &stderr(&chat));
    let wrong = lab_with_input(
        &["chat", "--addr", &framed_addr, "--lang", "zh"],
        b"hello\n",
    );
    keep(
        "chat (raw, to a framed server)",
        stdout(&wrong) + &stderr(&wrong),
    );
    framed.wait_for("声称有");

    let inbox = scratch_dir("inbox");
    let outbox = scratch_dir("outbox");
    let file = outbox.join("notes.bin");
    std::fs::write(&file, vec![7u8; 300_000]).unwrap();
    let inbox_arg = inbox.to_str().unwrap();
    let mut uploads =
        TextTool::start(&["serve", "--upload-dir", inbox_arg, "--addr", "127.0.0.1:0"]);
    let file_arg = file.to_str().unwrap();
    let sent = lab(&["upload", file_arg, "--to", &uploads.addr, "--lang", "zh"]);
    assert!(sent.status.success(), "{}", stderr(&sent));
    keep("upload", stdout(&sent) + &stderr(&sent));
    let again = lab(&["upload", file_arg, "--to", &uploads.addr, "--lang", "zh"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("已经存在"), "{}", stderr(&again));
    keep("upload (the name exists)", stdout(&again) + &stderr(&again));
    uploads.wait_for("上传被拒绝");

    // The errors of these commands: one line each, in Chinese too.
    let missing = outbox.join("missing");
    let missing = missing.to_str().unwrap();
    let outbox_arg = outbox.to_str().unwrap();
    let errors: [(&[&str], i32); 6] = [
        (&["serve", "--addr", &raw_addr], 1),
        (&["serve", "--upload-dir", missing], 2),
        (&["chat", "--reply-timeout", "0"], 2),
        (&["upload", outbox_arg, "--to", &uploads.addr], 2),
        (&["upload", missing, "--to", &uploads.addr], 2),
        (&["upload-demo", "--size", "100TiB"], 1),
    ];
    for (args, code) in errors {
        let out = lab(&[args, &["--lang", "zh"]].concat());
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        keep(&format!("lab {}", args.join(" ")), stderr(&out));
    }

    let demo = lab(&["upload-demo", "--size", "1MiB", "--lang", "zh"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    keep("upload-demo", stdout(&demo) + &stderr(&demo));

    for (what, tool) in [
        ("proxy", proxy),
        ("serve (raw)", raw),
        ("serve --mode framed", framed),
        ("serve --upload-dir", uploads),
    ] {
        let (status, out, err) = tool.interrupt();
        assert!(status.success(), "{what}: {out}{err}");
        assert!(out.contains("已停止"), "{what}: {out}");
        keep(what, out + &err);
    }
    let _ = std::fs::remove_dir_all(&inbox);
    let _ = std::fs::remove_dir_all(&outbox);

    let failures: Vec<String> = outputs
        .iter()
        .filter_map(|(what, text)| {
            let left = english_lines(text);
            (!left.is_empty()).then(|| format!("{what}:\n  {}", left.join("\n  ")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "English left:\n{}",
        failures.join("\n")
    );
}

/// A directory of this test's own under the system's temporary directory, removed when
/// the test is done with it.
fn scratch_dir(name: &str) -> common::Scratch {
    common::scratch_dir("zh", name)
}

/// A `lab … --lang zh` child whose text output is read line by line as it comes.
struct TextTool {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
    err: std::thread::JoinHandle<String>,
    /// Where it listens (serve, proxy), from its first line.
    addr: String,
}

impl TextTool {
    /// Start a server or proxy and wait for the line that says where it listens.
    fn start(args: &[&str]) -> TextTool {
        let mut tool = TextTool::spawn(args);
        let listening = tool.wait_for("正在监听");
        let at = listening.find("127.0.0.1:").expect("an address");
        let addr: String = listening[at..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
            .collect();
        tool.addr = addr;
        tool
    }

    /// Start `lab ARGS --lang zh` with its stdin open.
    fn spawn(args: &[&str]) -> TextTool {
        use std::io::{BufRead, Read};
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(args)
            .args(["--lang", "zh", "--width", "100"])
            .env_remove("COLUMNS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lab starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        let mut stderr = child.stderr.take().unwrap();
        let err = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        TextTool {
            child,
            lines,
            seen: Vec::new(),
            err,
            addr: String::new(),
        }
    }

    /// The first line (seen or still to come) that holds `text`.
    fn wait_for(&mut self, text: &str) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.contains(text)) {
            return line.clone();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line with {text:?} within {WAIT:?}; saw {:#?}",
                    self.seen
                ),
            }
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Close the child's input (Ctrl-D at a terminal).
    fn end_input(&mut self) {
        drop(self.child.stdin.take());
    }

    /// Wait for the child to end by itself, then its exit status, stdout and stderr.
    fn finish(mut self) -> (std::process::ExitStatus, String, String) {
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "lab did not end: {:#?}",
                self.seen
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        self.collect(status)
    }

    /// Ctrl-C, then as [`TextTool::finish`].
    fn interrupt(self) -> (std::process::ExitStatus, String, String) {
        // SAFETY: a signal to the child this test started.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        self.finish()
    }

    fn collect(
        mut self,
        status: std::process::ExitStatus,
    ) -> (std::process::ExitStatus, String, String) {
        drop(self.child.stdin.take());
        // The reader ends when the child's output closes: every last line.
        while let Ok(line) = self.lines.recv_timeout(WAIT) {
            self.seen.push(line);
        }
        let err = self.err.join().unwrap_or_default();
        (status, self.seen.join("\n") + "\n", err)
    }
}

#[test]
fn a_traced_pair_speaks_only_chinese_with_lang_zh() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: python3 is not installed");
        return;
    }
    if let Some(left) = english_left(traced_pair()) {
        panic!("English left:\n{left}");
    }
}

#[test]
fn the_json_says_its_readings_in_chinese_and_keeps_its_codes() {
    let out = lab(&["sticky-demo", "--json", "--lang", "zh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let summary: serde_json::Value =
        serde_json::from_str(text.lines().last().unwrap()).expect("a JSON summary");
    assert_eq!(summary["verdict_code"], "merged", "{summary}");
    assert_eq!(summary["wire_code"], "merged_in_receiver", "{summary}");
    assert_eq!(summary["hint_code"], "see_the_fix", "{summary}");
    for field in ["verdict", "wire", "hint"] {
        let said = summary[field].as_str().unwrap();
        assert!(english_lines(said).is_empty(), "{field}: {said}");
        assert!(said.contains("recv"), "{field}: {said}");
    }
    let note = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["code"] == "reader_delay")
        .expect("the reader's pause, as a note");
    assert_eq!(note["detail"], "先等 100 ms 再读（--reader-delay）");
}

/// An address pair is technical: the JSON's connect and accept details keep one form in
/// every language (the English one, as before), while the view says them in Chinese.
#[test]
fn the_json_keeps_connect_and_accept_addresses_in_one_form() {
    for lesson in ["sticky-demo", "udp-demo"] {
        let out = lab(&[lesson, "--json", "--lang", "zh", "--reader-delay", "0"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let events: Vec<serde_json::Value> = stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let detail = |op: &str| {
            let event = events.iter().find(|e| e["op"] == op);
            event.map(|e| e["detail"].as_str().unwrap().to_string())
        };
        let connect = detail("connect").expect("a connect event");
        let (peer, local) = connect.split_once(" from ").expect(&connect);
        assert!(peer.starts_with("127.0.0.1:"), "{connect}");
        assert!(local.starts_with("127.0.0.1:"), "{connect}");
        if lesson == "udp-demo" {
            assert!(
                local.ends_with(" (UDP: only sets the default destination)"),
                "{connect}"
            );
        } else {
            let accept = detail("accept").expect("an accept event");
            assert!(accept.starts_with("from 127.0.0.1:"), "{accept}");
        }
    }
    let view = stdout(&lab(&[
        "sticky-demo",
        "--lang",
        "zh",
        "--reader-delay",
        "0",
    ]));
    assert!(view.contains("connect，本端 127.0.0.1:"), "{view}");
}

#[test]
fn the_step_prompt_through_a_pipe_is_chinese() {
    let out = lab_with_input(
        &[
            "reuseaddr-demo",
            "--closer",
            "client",
            "--step",
            "--lang",
            "zh",
        ],
        b"\nq\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let prompts = stderr(&out);
    assert!(prompts.contains("回车：下一步"), "{prompts}");
    assert_eq!(english_lines(&prompts), Vec::<String>::new());
    assert!(stdout(&out).contains("仍在监听"), "the rest still comes");
}

#[test]
fn the_two_terminals_banner_is_chinese() {
    // The lesson's text quotes the live tools' output; the banner after it is lab's own.
    let out = lab(&[
        "lesson",
        "communication-loop",
        "--run",
        "--no-pager",
        "--lang",
        "zh",
    ]);
    let text = stdout(&out);
    let banner = text.lines().rev().find(|l| !l.is_empty()).unwrap();
    assert!(banner.starts_with("这一课要开两个以上的终端"), "{banner}");
    assert_eq!(english_lines(banner), Vec::<String>::new());
}
