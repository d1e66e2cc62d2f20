//! `lab upload-demo`: both ends of an upload on loopback with a generated file — the header
//! bytes, the chunk flow on each side, and the checks — then everything generated is removed.

use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use super::receive::{ReceiveOptions, Received, receive};
use super::send::{Sent, upload};
use super::{CHUNK, Progress};
use crate::error::Error;
use crate::net::{self, ListenOptions};
use crate::transcript::Recorder;

/// What the demo measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    pub size: u64,
    pub sent: Sent,
    pub received: Received,
    /// The stored file equals the generated one, byte for byte.
    pub identical: bool,
}

/// A directory that removes itself, whatever happens.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

pub fn run(
    size: u64,
    send_progress: &dyn Progress,
    receive_progress: &dyn Progress,
) -> Result<DemoReport, Error> {
    let scratch = Scratch(private_dir()?);
    let inbox = scratch.0.join("received");
    fs::create_dir(&inbox).map_err(|e| Error::io(format!("creating {}", inbox.display()), e))?;
    let file = scratch.0.join("lesson.bin");
    generate(&file, size).map_err(|e| Error::io(format!("writing {}", file.display()), e))?;

    let listener = net::open_listener(&ListenOptions::loopback(), &Recorder::new())?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))?;
    let options = ReceiveOptions {
        dir: inbox.clone(),
        max_size: u64::MAX,
        overwrite: false,
    };
    let (sent, received) = thread::scope(|scope| {
        let server = scope.spawn(|| {
            // Never wait for ever: if the client fails before connecting, give up.
            if !net::wait_readable(&listener, Duration::from_secs(30)) {
                return Err(Error::io(
                    "accept()",
                    io::Error::other("no client within 30 s"),
                ));
            }
            let (mut stream, _) = listener.accept().map_err(|e| Error::io("accept()", e))?;
            receive(&mut stream, &options, receive_progress).map_err(|r| Error::Refused(r.reason))
        });
        let sent = upload(&file, addr, None, send_progress);
        let received = server.join().unwrap_or_else(|_| {
            Err(Error::io(
                "the receiving thread",
                io::Error::other("panicked"),
            ))
        });
        (sent, received)
    });
    let (sent, received) = (sent?, received?);
    let identical = same_bytes(&file, &inbox.join(&received.name))
        .map_err(|e| Error::io("comparing the files", e))?;
    Ok(DemoReport {
        size,
        sent,
        received,
        identical,
    })
}

/// A new directory only this user can enter, under a name nobody could have prepared: on a
/// shared machine a guessable /tmp path with a planted symlink would let the demo overwrite
/// someone else's file.
fn private_dir() -> Result<PathBuf, Error> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    for _ in 0..16 {
        let path = base.join(format!("lab-upload-demo-{:016x}", fastrand::u64(..)));
        match fs::DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(format!("creating {}", path.display()), e)),
        }
    }
    Err(Error::io(
        "creating a scratch directory",
        io::Error::other("no free name"),
    ))
}

/// `size` bytes of varied content, written a chunk at a time.
fn generate(path: &Path, size: u64) -> io::Result<()> {
    let mut out = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let mut rng = fastrand::Rng::with_seed(size);
    let mut chunk = vec![0u8; CHUNK];
    let mut left = size;
    while left > 0 {
        let n = left.min(CHUNK as u64) as usize;
        rng.fill(&mut chunk[..n]);
        out.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    Ok(())
}

/// Two files, compared a chunk at a time.
fn same_bytes(a: &Path, b: &Path) -> io::Result<bool> {
    let (mut a, mut b) = (
        BufReader::new(File::open(a)?),
        BufReader::new(File::open(b)?),
    );
    let (mut x, mut y) = (vec![0u8; CHUNK], vec![0u8; CHUNK]);
    loop {
        let n = read_full(&mut a, &mut x)?;
        let m = read_full(&mut b, &mut y)?;
        if n != m || x[..n] != y[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
