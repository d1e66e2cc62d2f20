//! `lab upload-demo` with big sizes: it checks the disk first, says what it is doing while
//! it makes the file, and leaves nothing behind however it ends.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{lab, stderr, stdout};

/// A fresh directory for TMPDIR, so a test can see everything the demo leaves there.
fn scratch_tmpdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lab-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &PathBuf) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_size_the_disk_cannot_hold_twice_is_refused_before_anything_is_written() {
    let tmp = scratch_tmpdir("space");
    let out = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["upload-demo", "--size", "100TiB"])
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: --size 100 TiB: the demo writes the file and receives a copy")
            && err.contains("200.0 TiB free"),
        "{err}"
    );
    assert!(entries(&tmp).is_empty(), "nothing was created");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn each_phase_is_announced_when_it_starts() {
    let out = lab(&["upload-demo", "--size", "1MiB"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    let at = |text: &str| {
        lines
            .iter()
            .position(|l| *l == text)
            .unwrap_or_else(|| panic!("no line {text:?} in:\n{err}"))
    };
    // Made first, then sent (hashed as it goes, in one pass): no phase shows before it starts.
    assert_eq!(at("make: lesson.bin, 1048576 B"), 0);
    let made = at("make: 100% (1048576 B)");
    assert!(made < at("send: lesson.bin, 1048576 B"));
    assert!(made < at("receive: lesson.bin, 1048576 B"));
    assert!(!err.contains("sha256 of the whole file first"), "{err}");
    assert!(stdout(&out).contains("byte for byte identical"));
}

#[test]
fn ctrl_c_and_sigterm_leave_nothing_in_tmp() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let tmp = scratch_tmpdir(&format!("signal{signal}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(["upload-demo", "--size", "2GiB"])
            .env("TMPDIR", &tmp)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the file is being written, then stop the demo.
        let deadline = Instant::now() + Duration::from_secs(20);
        let growing = || {
            std::fs::read_dir(&tmp).ok().into_iter().flatten().any(|e| {
                std::fs::metadata(e.unwrap().path().join("lesson.bin")).is_ok_and(|m| m.len() > 0)
            })
        };
        while !growing() {
            assert!(Instant::now() < deadline, "the demo never started writing");
            std::thread::sleep(Duration::from_millis(5));
        }
        // SAFETY: a signal to the child this test started.
        unsafe { libc::kill(child.id() as i32, signal) };
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(128 + signal));
        assert!(entries(&tmp).is_empty(), "left behind: {:?}", entries(&tmp));
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
