//! `lab upload-demo`: both ends of an upload on loopback with a generated file — the header
//! bytes, the chunk flow on each side, and the checks — then everything generated is removed,
//! however the demo ends (an error, a panic, Ctrl-C, SIGTERM). It starts only when the disk
//! has room for the file twice (the original and the received copy).

use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use super::receive::{ReceiveOptions, Received, receive};
use super::send::{Sent, upload};
use super::{CHUNK, Progress, UploadError};
use crate::error::{Error, Problem, ThreadRole};
use crate::lang::Lang;
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

/// Room kept free beyond the two copies, for everything else on the disk.
const SPARE: u64 = 64 << 20;

/// `progress`: making the file, sending it, receiving it; `lang`: the language the demo's
/// server would refuse in.
pub fn run(size: u64, progress: [&dyn Progress; 3], lang: Lang) -> Result<DemoReport, UploadError> {
    let [make_progress, send_progress, receive_progress] = progress;
    check_free_space(&std::env::temp_dir(), size)?;
    let dir = private_dir()?;
    // From here on a signal removes the scratch directory before lab ends. Declared before
    // the scratch guard, so it is dropped after it: no signal finds the files unguarded.
    let _cleanup = crate::tools::signal::RemoveOnSignal::new(dir.clone()).map_err(|e| {
        let _ = fs::remove_dir(&dir);
        Error::no_thread(ThreadRole::CleanUp, e)
    })?;
    let scratch = Scratch(dir);
    let inbox = scratch.0.join("received");
    fs::create_dir(&inbox).map_err(|e| Error::io(format!("creating {}", inbox.display()), e))?;
    let file = scratch.0.join("lesson.bin");
    generate(&file, size, make_progress)
        .map_err(|e| Error::io(format!("writing {}", file.display()), e))?;

    let listener = net::open_listener(&ListenOptions::loopback(), &Recorder::new())?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))?;
    let options = ReceiveOptions {
        dir: inbox.clone(),
        max_size: u64::MAX,
        overwrite: false,
        lang,
        whole_within: None,
    };
    let (sent, received) = thread::scope(|scope| -> Result<_, Error> {
        let server = thread::Builder::new().spawn_scoped(scope, || {
            // Never wait for ever: if the client fails before connecting, give up.
            if !net::wait_readable(&listener, Duration::from_secs(30)) {
                return Err(
                    Error::io("accept()", io::Error::other("no client within 30 s")).into(),
                );
            }
            let (mut stream, _) = listener.accept().map_err(|e| Error::io("accept()", e))?;
            receive(&mut stream, &options, receive_progress)
                .map_err(|n| UploadError::NotStored(n.refusal))
        });
        // No thread for the receiver (none can be made): an error, and no client either.
        let server = server.map_err(|e| Error::no_thread(ThreadRole::Receiving, e))?;
        let sent = upload(&file, addr, None, send_progress);
        let received = server.join().unwrap_or_else(|_| {
            Err(Error::io("the receiving thread", io::Error::other("panicked")).into())
        });
        Ok((sent, received))
    })?;
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

/// Refuse to start when `dir` cannot hold the file and its received copy.
fn check_free_space(dir: &Path, size: u64) -> Result<(), UploadError> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).map_err(|_| {
        Error::from(Problem::NulInPath {
            path: dir.to_path_buf(),
        })
    })?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: a NUL-terminated path and a statvfs to fill.
    if unsafe { libc::statvfs(path.as_ptr(), stats.as_mut_ptr()) } != 0 {
        let e = io::Error::last_os_error();
        return Err(Error::io(format!("statvfs({})", dir.display()), e).into());
    }
    // SAFETY: filled by the successful statvfs above.
    let stats = unsafe { stats.assume_init() };
    #[allow(clippy::useless_conversion)] // the field types differ between libcs
    let free = u64::from(stats.f_bavail).saturating_mul(u64::from(stats.f_frsize));
    let needed = size.saturating_mul(2).saturating_add(SPARE);
    if free < needed {
        return Err(UploadError::NoSpace {
            dir: dir.to_path_buf(),
            size,
            needed,
            free,
        });
    }
    Ok(())
}

/// `size` bytes of varied content, written a chunk at a time.
fn generate(path: &Path, size: u64, progress: &dyn Progress) -> io::Result<()> {
    let mut out = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let mut rng = fastrand::Rng::with_seed(size);
    let mut chunk = vec![0u8; CHUNK];
    let mut left = size;
    progress.start("lesson.bin", size);
    while left > 0 {
        let n = left.min(CHUNK as u64) as usize;
        rng.fill(&mut chunk[..n]);
        out.write_all(&chunk[..n])?;
        left -= n as u64;
        progress.advance(n as u64);
    }
    progress.finish();
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
