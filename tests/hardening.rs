//! Hostile clients, stuck peers and a machine out of threads, against the real `lab serve`,
//! `lab proxy` and `lab upload` processes: nobody steals an upload, nothing holds up Ctrl-C,
//! nothing panics, and every refusal says why.

mod common;

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use common::tool::{Tool, WAIT};
use common::upload_wire::{read_status, send_json, sha256};
use common::{lab, stderr};
use serde_json::{Value, json};

/// A fresh directory, removed afterwards.
struct Dir(PathBuf);

impl Dir {
    fn new(what: &str) -> Dir {
        let path = std::env::temp_dir().join(format!(
            "lab-hardening-{what}-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        fs::create_dir_all(&path).unwrap();
        Dir(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }

    /// Every name in it, hidden ones included.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream
}

fn serve_uploads(dir: &Dir, extra: &[&str]) -> Tool {
    let mut args = vec!["serve", "--addr", "127.0.0.1:0", "--upload-dir", dir.path()];
    args.extend_from_slice(extra);
    Tool::start(&args)
}

/// Send `bytes` one at a time, `gap` apart, on a thread, until told to stop or the
/// connection fails; the thread hands the stream back.
fn trickle(
    mut stream: TcpStream,
    bytes: Vec<u8>,
    gap: Duration,
) -> (Arc<AtomicBool>, thread::JoinHandle<TcpStream>) {
    let stop = Arc::new(AtomicBool::new(false));
    let stop_here = Arc::clone(&stop);
    let sender = thread::spawn(move || {
        for byte in bytes {
            if stop_here.load(Ordering::SeqCst) || stream.write_all(&[byte]).is_err() {
                break;
            }
            thread::sleep(gap);
        }
        stream
    });
    (stop, sender)
}

// ---- 1. nobody can take another upload's place ----

/// The temporary file of an upload in progress cannot be reached by any upload name: a
/// second client that uploads under the name the first one's temporary file had (or any
/// name found in the directory meanwhile), with --overwrite, cannot change what the first
/// client's file holds.
#[test]
fn an_upload_cannot_replace_another_uploads_unfinished_file() {
    let dir = Dir::new("steal");
    let mut server = serve_uploads(&dir, &["--overwrite"]);
    let server_pid = server.child.id();
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut first = connect(server.addr);
    send_json(&mut first, &json!({"name": "mine.bin", "size": body.len()}));
    assert_eq!(read_status(&mut first)["ok"], true);
    first.write_all(&body[..100_000]).unwrap();
    server.wait_for(|e| e["op"] == "note" && e["detail"].as_str().unwrap().contains("receiving"));

    // Every name in the directory now, and the name lab's temporary files used to have.
    let mut names = dir.names();
    names.push(format!(".upload-{server_pid}-0.part"));
    let evil = b"evil".to_vec();
    for name in names {
        let mut thief = connect(server.addr);
        send_json(&mut thief, &json!({"name": name, "size": evil.len()}));
        if read_status(&mut thief)["ok"] == true {
            thief.write_all(&evil).unwrap();
            send_json(&mut thief, &json!({"sha256": sha256(&evil)}));
            let _ = read_status(&mut thief);
        }
    }

    first.write_all(&body[100_000..]).unwrap();
    send_json(&mut first, &json!({"sha256": sha256(&body)}));
    let status = read_status(&mut first);
    assert_eq!(status["ok"], true, "{status}");
    let stored = fs::read(dir.0.join("mine.bin")).unwrap();
    assert!(
        stored == body,
        "mine.bin holds {} other bytes: {:?}",
        stored.len(),
        String::from_utf8_lossy(&stored[..stored.len().min(16)])
    );
    assert!(
        dir.names().iter().all(|n| !n.starts_with(".lab-upload-")),
        "{:?}",
        dir.names()
    );
}

/// Names that start like a temporary file are refused outright.
#[test]
fn names_kept_for_uploads_in_progress_are_refused() {
    let dir = Dir::new("reserved");
    let server = serve_uploads(&dir, &["--overwrite"]);
    for name in [".lab-upload-0123456789abcdef.part", ".LAB-UPLOAD-x"] {
        let mut client = connect(server.addr);
        send_json(&mut client, &json!({"name": name, "size": 1}));
        let status = read_status(&mut client);
        assert_eq!(status["ok"], false, "{name}: {status}");
        assert!(
            status["error"]
                .as_str()
                .unwrap()
                .contains("uploads in progress"),
            "{status}"
        );
    }
    assert!(dir.names().is_empty(), "{:?}", dir.names());
}

// ---- 2. Ctrl-C stops an upload server in every phase ----

/// A header arriving a byte every 50 ms never times a read out; Ctrl-C still stops the
/// server (the client is told why).
#[test]
fn ctrl_c_stops_an_upload_server_while_a_header_trickles_in() {
    let dir = Dir::new("stop-header");
    let mut server = serve_uploads(&dir, &[]);
    let client = connect(server.addr);
    let header = serde_json::to_vec(&json!({"name": "slow", "size": 10})).unwrap();
    let mut wire = (header.len() as u32).to_be_bytes().to_vec();
    wire.extend(header);
    let (stop, sender) = trickle(client, wire, Duration::from_millis(50));
    server.wait_for(|e| e["op"] == "accepted");
    thread::sleep(Duration::from_millis(200));
    let (status, events) = server.interrupt();
    stop.store(true, Ordering::SeqCst);
    let mut client = sender.join().unwrap();
    assert!(status.success());
    assert!(events.iter().any(|e| e["op"] == "stopped"), "{events:#?}");
    let told = read_status(&mut client);
    assert!(
        told["error"].as_str().unwrap().contains("shutting down"),
        "{told}"
    );
    assert!(dir.names().is_empty(), "{:?}", dir.names());
}

/// A body arriving a byte every 50 ms: Ctrl-C stops the server, nothing is stored under
/// the final name and no temporary file is left.
#[test]
fn ctrl_c_stops_an_upload_server_while_a_body_trickles_in() {
    let dir = Dir::new("stop-body");
    let mut server = serve_uploads(&dir, &[]);
    let body = vec![b'x'; 1000];
    let mut client = connect(server.addr);
    send_json(
        &mut client,
        &json!({"name": "slow.bin", "size": body.len()}),
    );
    assert_eq!(read_status(&mut client)["ok"], true);
    let (stop, sender) = trickle(client, body, Duration::from_millis(50));
    server.wait_for(|e| e["op"] == "note" && e["detail"].as_str().unwrap().contains("receiving"));
    thread::sleep(Duration::from_millis(200));
    let (status, events) = server.interrupt();
    stop.store(true, Ordering::SeqCst);
    let mut client = sender.join().unwrap();
    assert!(status.success());
    let left = events
        .iter()
        .find(|e| e["op"] == "left")
        .expect("the upload's end is logged");
    assert_eq!(left["reason"], "shutdown", "{left}");
    assert!(
        read_status(&mut client)["error"]
            .as_str()
            .unwrap()
            .contains("shutting down")
    );
    assert!(dir.names().is_empty(), "{:?}", dir.names());
}

/// A slowloris: a header, then a trailer, sent a byte at a time, each byte well within the
/// idle timeout. Neither holds the server's only place for longer than that timeout, and
/// the log says why the client was dropped; the next upload is stored.
#[test]
fn a_header_or_trailer_trickled_in_cannot_hold_a_place_for_ever() {
    let dir = Dir::new("slowloris");
    let mut server = serve_uploads(&dir, &["--idle-timeout", "1", "--max-clients", "1"]);
    let header = serde_json::to_vec(&json!({"name": "slow", "size": 3})).unwrap();
    let mut header_wire = (header.len() as u32).to_be_bytes().to_vec();
    header_wire.extend(header);
    let trailer = serde_json::to_vec(&json!({"sha256": sha256(b"abc")})).unwrap();
    let mut trailer_wire = (trailer.len() as u32).to_be_bytes().to_vec();
    trailer_wire.extend(trailer);
    for phase in ["header", "trailer"] {
        let mut client = connect(server.addr);
        let slow = if phase == "header" {
            header_wire.clone()
        } else {
            send_json(&mut client, &json!({"name": "slow", "size": 3}));
            assert_eq!(read_status(&mut client)["ok"], true);
            client.write_all(b"abc").unwrap();
            trailer_wire.clone()
        };
        let (stop, sender) = trickle(client, slow, Duration::from_millis(250));
        let left = server.wait_for(|e| e["op"] == "left");
        server.seen.clear();
        stop.store(true, Ordering::SeqCst);
        drop(sender.join().unwrap());
        let detail = left["detail"].as_str().unwrap();
        assert!(
            detail.contains("still not whole after 1 s (--idle-timeout)"),
            "{phase}: {left}"
        );
    }
    let source = Dir::new("slowloris-source");
    let file = source.0.join("next");
    fs::write(&file, b"next").unwrap();
    let out = upload_file(server.addr, &file);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(dir.names(), ["next"]);
}

// ---- 3. out of threads: that client is refused, the server goes on ----

/// Whether lab's limits (of `what`) can be lowered here — root, and prlimit — else why not.
fn can_limit(what: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: limiting lab's {what} needs root");
        return false;
    }
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("skipped: no prlimit (util-linux) to limit lab's {what}");
        return false;
    }
    true
}

/// Run `lab ARGS…` as a user id of its own (so a thread limit counts only its threads),
/// or `None` (with the reason printed) where that cannot be done.
fn start_as_lone_user(args: &[&str], dir: Option<&Dir>) -> Option<(Tool, u32)> {
    if !can_limit("threads") {
        return None;
    }
    // A user id nothing else runs as, so RLIMIT_NPROC counts lab's threads alone.
    let uid = 3_000_000 + fastrand::u32(..1_000_000);
    if let Some(dir) = dir {
        std::os::unix::fs::chown(&dir.0, Some(uid), Some(uid)).unwrap();
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_lab"));
    command.args(args).uid(uid).gid(uid);
    if let Err(e) = Command::new(env!("CARGO_BIN_EXE_lab"))
        .arg("--version")
        .uid(uid)
        .gid(uid)
        .output()
    {
        eprintln!("skipped: lab cannot run as uid {uid} ({e})");
        return None;
    }
    Some((Tool::spawn(&mut command), uid))
}

/// The threads `pid` has now.
fn threads(pid: u32) -> u64 {
    fs::read_dir(format!("/proc/{pid}/task")).unwrap().count() as u64
}

/// Set the soft RLIMIT_NPROC of `pid` (threads of its user, all processes included) with
/// `prlimit`, run as that user: without CAP_SYS_RESOURCE (containers) only the process's
/// own user may change its limits.
fn limit_threads(pid: u32, uid: u32, n: u64) {
    prlimit(pid, &format!("--nproc={n}:"), Some(uid));
}

/// `prlimit --pid=PID LIMIT`, as `uid` when one is given.
fn prlimit(pid: u32, limit: &str, uid: Option<u32>) {
    let mut command = Command::new("prlimit");
    command.arg(format!("--pid={pid}")).arg(limit);
    if let Some(uid) = uid {
        command.uid(uid).gid(uid);
    }
    let out = command.output().expect("prlimit runs");
    assert!(
        out.status.success(),
        "prlimit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn upload_file(addr: SocketAddr, path: &Path) -> std::process::Output {
    lab(&["upload", path.to_str().unwrap(), "--to", &addr.to_string()])
}

/// No thread for the upload, then no thread for its hash: each time that client is told
/// why, its --max-clients place is given back, and the next upload is stored.
#[test]
fn without_threads_an_upload_is_refused_with_its_reason_and_the_server_goes_on() {
    let dir = Dir::new("nproc-upload");
    let Some((mut server, uid)) = start_as_lone_user(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--max-clients",
            "1",
            "--upload-dir",
            dir.path(),
        ],
        Some(&dir),
    ) else {
        return;
    };
    let pid = server.child.id();
    let source = Dir::new("nproc-source");
    let file = source.0.join("data.bin");
    fs::write(&file, b"some bytes").unwrap();
    let idle = threads(pid);
    for (extra, missing) in [(0, "no thread to serve it"), (1, "cannot start a thread")] {
        limit_threads(pid, uid, idle + extra);
        let out = upload_file(server.addr, &file);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains(missing), "{}", stderr(&out));
    }
    limit_threads(pid, uid, idle + 8);
    let out = upload_file(server.addr, &file);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fs::read(dir.0.join("data.bin")).unwrap(), b"some bytes");
    server.wait_for(|e| e["op"] == "left" && e["detail"] == "upload complete");
}

/// A proxy out of threads refuses that one client (closing it) and serves the next.
#[test]
fn without_threads_a_proxy_refuses_that_client_and_goes_on() {
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = upstream.local_addr().unwrap().to_string();
    let Some((mut proxy, uid)) =
        start_as_lone_user(&["proxy", "--listen", "127.0.0.1:0", "--to", &target], None)
    else {
        return;
    };
    let pid = proxy.child.id();
    let idle = threads(pid);
    let echo = thread::spawn(move || {
        for stream in upstream.incoming() {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 64];
            while let Ok(n @ 1..) = stream.read(&mut buf) {
                let _ = stream.write_all(&buf[..n]);
            }
        }
    });
    // No thread for the client at all, then none for its way back.
    for (extra, op) in [(0, "refused"), (1, "left")] {
        limit_threads(pid, uid, idle + extra);
        let mut client = connect(proxy.addr);
        let port = client.local_addr().unwrap().to_string();
        let event = proxy.wait_for(|e| e["op"] == op && e["peer"] == port.as_str());
        assert!(
            event["detail"].as_str().unwrap().contains("thread"),
            "{event}"
        );
        let mut buf = [0u8; 1];
        assert!(matches!(client.read(&mut buf), Ok(0) | Err(_)));
    }
    limit_threads(pid, uid, idle + 8);
    let mut client = connect(proxy.addr);
    client.write_all(b"still there?").unwrap();
    let mut reply = [0u8; 12];
    client.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"still there?");
    drop(echo);
}

// ---- 3b. out of descriptors: that client is told why, the server goes on ----

/// The number the next descriptor `pid` opens would get: the lowest one not open now (there
/// may be gaps, and descriptors inherited far above them).
fn next_descriptor(pid: u32) -> u64 {
    let open: Vec<u64> = fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_str().unwrap().parse().unwrap())
        .collect();
    (0..).find(|n| !open.contains(n)).unwrap()
}

/// Set the soft RLIMIT_NOFILE of `pid`: no descriptor numbered `n` or above can be opened
/// (those open already stay open).
fn limit_descriptors(pid: u32, n: u64) {
    prlimit(pid, &format!("--nofile={n}:"), None);
}

/// One framed message out, its reply back (`lab serve --mode framed`, replies upper-cased).
fn exchange(stream: &mut TcpStream, message: &[u8]) -> Vec<u8> {
    let mut framed = (message.len() as u32).to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    stream.write_all(&framed).unwrap();
    let mut header = [0u8; 4];
    stream.read_exact(&mut header).unwrap();
    let mut reply = vec![0u8; u32::from_be_bytes(header) as usize];
    stream.read_exact(&mut reply).unwrap();
    reply
}

/// Out of descriptors (`ulimit -n`), accept() fails: a client is not left waiting in the
/// backlog without a word, it is told why in its framing and closed; once a descriptor is
/// free again the next client is served.
#[test]
fn out_of_descriptors_a_client_is_told_why_and_the_next_is_served() {
    if !can_limit("descriptors") {
        return;
    }
    let mut server = Tool::start(&["serve", "--mode", "framed", "--addr", "127.0.0.1:0"]);
    let pid = server.child.id();
    let mut first = connect(server.addr);
    assert_eq!(exchange(&mut first, b"hi"), b"HI");
    limit_descriptors(pid, next_descriptor(pid));
    let mut second = connect(server.addr);
    let mut said = Vec::new();
    second.read_to_end(&mut said).unwrap();
    let said = String::from_utf8_lossy(&said);
    assert!(said.contains("out of file descriptors"), "{said:?}");
    let refused = server.wait_for(|e| e["op"] == "refused");
    assert_eq!(refused["reason"], "no_descriptors", "{refused}");
    assert_eq!(exchange(&mut first, b"still here"), b"STILL HERE");
    drop(first);
    server.wait_for(|e| e["op"] == "left");
    let mut third = connect(server.addr);
    assert_eq!(exchange(&mut third, b"next"), b"NEXT");
}

/// The same for uploads: `lab upload` says why, the upload in progress is stored, and so is
/// the next one once descriptors are free.
#[test]
fn out_of_descriptors_an_upload_is_told_why_and_the_one_in_progress_goes_on() {
    if !can_limit("descriptors") {
        return;
    }
    let dir = Dir::new("nofile-upload");
    let mut server = serve_uploads(&dir, &[]);
    let pid = server.child.id();
    let mut first = connect(server.addr);
    send_json(&mut first, &json!({"name": "first", "size": 3}));
    assert_eq!(read_status(&mut first)["ok"], true);
    limit_descriptors(pid, next_descriptor(pid));
    let source = Dir::new("nofile-source");
    let file = source.0.join("second");
    fs::write(&file, b"second").unwrap();
    let out = upload_file(server.addr, &file);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("out of file descriptors"),
        "{}",
        stderr(&out)
    );
    first.write_all(b"abc").unwrap();
    send_json(&mut first, &json!({"sha256": sha256(b"abc")}));
    assert_eq!(read_status(&mut first)["stored"], "first");
    drop(first);
    server.wait_for(|e| e["op"] == "totals");
    let out = upload_file(server.addr, &file);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(dir.names(), ["first", "second"]);
}

// ---- 4. a proxy stops whatever its peers do ----

/// The server never reads, the client keeps sending: the proxy is stuck forwarding, and
/// Ctrl-C still stops it.
#[test]
fn ctrl_c_stops_a_proxy_stuck_on_a_server_that_never_reads() {
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = upstream.local_addr().unwrap().to_string();
    let mut proxy = Tool::start(&["proxy", "--listen", "127.0.0.1:0", "--to", &target]);
    let mut client = connect(proxy.addr);
    let (held, _) = upstream.accept().unwrap();
    client
        .set_write_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    // Until every buffer on the way is full and the proxy's send() waits.
    let block = vec![b'x'; 1 << 20];
    let full = (0..256).any(|_| client.write_all(&block).is_err());
    assert!(full, "256 MiB went into a server that never reads");
    proxy.wait_for(|e| e["op"] == "forward");
    let (stop, sender) = trickle(client, vec![b'y'; 1000], Duration::from_millis(10));
    let (status, events) = proxy.interrupt();
    stop.store(true, Ordering::SeqCst);
    let _ = sender.join();
    drop(held);
    assert!(status.success());
    assert!(events.iter().any(|e| e["op"] == "stopped"), "{events:#?}");
}

/// A server whose accept queue is full leaves the proxy's connect() hanging: the next
/// client is served meanwhile, and Ctrl-C does not wait for the connect to give up.
#[test]
fn a_hanging_upstream_connect_holds_up_no_other_client_and_no_stop() {
    use socket2::{Domain, SockAddr, Socket, Type};
    // listen(0), never accept(), one connection already queued: the next SYNs are dropped.
    let full = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    full.bind(&SockAddr::from(
        "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
    ))
    .unwrap();
    full.listen(0).unwrap();
    let target = full.local_addr().unwrap().as_socket().unwrap();
    let fillers: Vec<Socket> = (0..2)
        .map(|_| {
            let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
            s.set_nonblocking(true).unwrap();
            let _ = s.connect(&target.into());
            s
        })
        .collect();
    let target = target.to_string();
    let mut proxy = Tool::start(&["proxy", "--listen", "127.0.0.1:0", "--to", &target]);
    let first = connect(proxy.addr);
    let first_port = first.local_addr().unwrap().to_string();
    proxy.wait_for(|e| e["op"] == "accepted" && e["peer"] == first_port.as_str());
    let second = connect(proxy.addr);
    let second_port = second.local_addr().unwrap().to_string();
    proxy.wait_for(|e| e["op"] == "accepted" && e["peer"] == second_port.as_str());
    let (status, events) = proxy.interrupt();
    assert!(status.success());
    let gave_up =
        |e: &&Value| e["op"] == "left" && e["detail"].as_str().unwrap().contains("cannot reach");
    assert!(
        !events.iter().any(|e| gave_up(&e)),
        "the stop waited for a connect() to time out: {events:#?}"
    );
    drop(fillers);
}

// ---- 5. lab upload: files it cannot send, servers that stop reading ----

#[test]
fn a_fifo_a_directory_or_a_missing_file_is_a_usage_error() {
    let dir = Dir::new("not-files");
    let fifo = dir.0.join("fifo");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    let missing = dir.0.join("missing");
    for (path, says) in [
        (fifo.as_path(), "not a regular file"),
        (dir.0.as_path(), "not a regular file"),
        (missing.as_path(), "no such file"),
    ] {
        let out = lab(&["upload", path.to_str().unwrap(), "--to", "127.0.0.1:9"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.starts_with("error: ") && err.contains(says) && err.lines().count() == 1,
            "{err}"
        );
    }
}

/// A server that takes part of the body and then stops reading (but keeps the
/// connection): the upload gives up after --timeout without progress, and says so.
#[test]
fn an_upload_gives_up_on_a_server_that_stops_reading() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done, finished) = std::sync::mpsc::channel::<()>();
    // Not joined: should lab fail before connecting, this thread waits in accept() for good.
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut len = [0u8; 4];
        stream.read_exact(&mut len).unwrap();
        let mut header = vec![0u8; u32::from_be_bytes(len) as usize];
        stream.read_exact(&mut header).unwrap();
        send_json(&mut stream, &json!({"ok": true}));
        let mut first = vec![0u8; 1 << 20];
        stream.read_exact(&mut first).unwrap();
        // Hold the connection, read nothing more, until the test is done.
        let _ = finished.recv_timeout(Duration::from_secs(120));
    });
    let source = Dir::new("stall");
    let file = source.0.join("big.bin");
    fs::write(&file, vec![7u8; 64 << 20]).unwrap();
    let out = lab(&[
        "upload",
        file.to_str().unwrap(),
        "--to",
        &addr.to_string(),
        "--timeout",
        "1",
    ]);
    let _ = done.send(());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the server took no bytes for 1 s"),
        "{}",
        stderr(&out)
    );
}

// ---- 7. every refusal says why; every figure is measured ----

/// The server's log counts a body's recv() calls in plain English: one call is "1 recv()
/// call", an empty body took none (tests/upload.rs: a NUL byte in a name is named as such).
#[test]
fn the_stored_note_counts_a_bodys_reads_in_plain_words() {
    let dir = Dir::new("words");
    let mut server = serve_uploads(&dir, &[]);
    for (name, body) in [("five", &b"12345"[..]), ("empty", b"")] {
        let mut client = connect(server.addr);
        send_json(&mut client, &json!({"name": name, "size": body.len()}));
        assert_eq!(read_status(&mut client)["ok"], true);
        client.write_all(body).unwrap();
        send_json(&mut client, &json!({"sha256": sha256(body)}));
        assert_eq!(read_status(&mut client)["stored"], name);
    }
    let stored: Vec<String> = (0..2)
        .map(|_| {
            let note = server.wait_for(|e| e["code"] == "stored");
            server.seen.retain(|e| *e != note);
            note["detail"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(
        stored[0].ends_with("the body came in 1 recv() call of 5 B"),
        "{stored:?}"
    );
    assert!(stored[1].ends_with("the body was empty"), "{stored:?}");
}

/// In upload mode, a client over --max-clients gets the reason as a status, which
/// `lab upload` prints.
#[test]
fn an_upload_over_the_client_cap_is_told_why() {
    let dir = Dir::new("cap");
    let mut server = serve_uploads(&dir, &["--max-clients", "1"]);
    let _holder = connect(server.addr);
    server.wait_for(|e| e["op"] == "accepted");
    let source = Dir::new("cap-source");
    let file = source.0.join("f");
    fs::write(&file, b"x").unwrap();
    let out = upload_file(server.addr, &file);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("already serving 1 client (--max-clients)"),
        "{}",
        stderr(&out)
    );
}

/// An upload that breaks off mid-body is refused, and its totals count every byte that
/// did arrive.
#[test]
fn a_refused_upload_counts_the_bytes_that_arrived() {
    let dir = Dir::new("count");
    let mut server = serve_uploads(&dir, &[]);
    let body = vec![3u8; 2 << 20];
    let mut client = connect(server.addr);
    send_json(&mut client, &json!({"name": "cut", "size": body.len()}));
    assert_eq!(read_status(&mut client)["ok"], true);
    client.write_all(&body[..1 << 20]).unwrap();
    drop(client);
    let totals = server.wait_for(|e| e["op"] == "totals");
    assert!(
        totals["bytes_in"].as_u64().unwrap() > 1 << 20,
        "the header and 1 MiB of body arrived: {totals}"
    );
    assert!(dir.names().is_empty(), "{:?}", dir.names());
}

/// The proxy logs the real number of clients, each client's end and totals, and the run's
/// totals after Ctrl-C, as `lab serve` does.
#[test]
fn the_proxy_logs_clients_their_totals_and_the_stop() {
    let server = Tool::start(&["serve", "--addr", "127.0.0.1:0", "--reply", "echo"]);
    let target = server.addr.to_string();
    let mut proxy = Tool::start(&["proxy", "--listen", "127.0.0.1:0", "--to", &target]);
    let mut one = connect(proxy.addr);
    proxy.wait_for(|e| e["op"] == "accepted" && e["clients"] == 1);
    let mut two = connect(proxy.addr);
    proxy.wait_for(|e| e["op"] == "accepted" && e["clients"] == 2);
    for (client, text) in [(&mut one, &b"hello"[..]), (&mut two, &b"hi"[..])] {
        client.write_all(text).unwrap();
        let mut back = vec![0u8; text.len()];
        client.read_exact(&mut back).unwrap();
    }
    let port = one.local_addr().unwrap().to_string();
    drop(one);
    proxy.wait_for(|e| e["op"] == "left" && e["peer"] == port.as_str());
    let totals = proxy.wait_for(|e| e["op"] == "totals" && e["peer"] == port.as_str());
    assert_eq!(
        (totals["bytes_in"].as_u64(), totals["bytes_out"].as_u64()),
        (Some(5), Some(5))
    );
    let (status, events) = proxy.interrupt();
    assert!(status.success());
    let stopped = events
        .iter()
        .find(|e| e["op"] == "stopped")
        .expect("a stopped event");
    assert_eq!(stopped["clients"], 2, "{stopped}");
    assert_eq!(stopped["bytes_in"], 7, "{stopped}");
    drop(two);
}

#[test]
fn a_proxy_port_in_use_is_one_clear_error() {
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().to_string();
    let out = lab(&["proxy", "--listen", &port, "--to", "127.0.0.1:9"]);
    // The same code and words as lab serve: the machine is in the way, not the command line.
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!("error: {port}: address already in use")),
        "{err}"
    );
}

/// `lab serve | less` with the pager scrolled back: the pipe fills and the log cannot be
/// written. Ctrl-C must still stop lab (its lines were for a reader who is not reading).
#[test]
fn ctrl_c_stops_a_server_whose_output_nobody_reads() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["serve", "--addr", "127.0.0.1:0", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut output = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut output, &mut first).unwrap();
    let listening: serde_json::Value = serde_json::from_str(&first).unwrap();
    let addr: SocketAddr = listening["addr"].as_str().unwrap().parse().unwrap();
    // From here on nobody reads: a few thousand logged exchanges fill the pipe many times.
    let mut client = connect(addr);
    let message = [b'x'; 200];
    let mut reply = [0u8; 200];
    for _ in 0..3000 {
        client.write_all(&message).unwrap();
        client.read_exact(&mut reply).unwrap();
    }
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let stopped = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let _ = child.kill();
    let _ = child.wait();
    drop(output);
    assert!(
        stopped.is_some(),
        "lab serve did not stop on Ctrl-C while its output was full"
    );
}
