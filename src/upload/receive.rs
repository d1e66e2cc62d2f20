//! The receiving side of an upload: check the header, stream the body into a temporary file
//! while hashing it, and give the file its final name only if the hash matches.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{
    CHUNK, HashPipe, Progress, ReadJsonError, Status, UploadHeader, check_name, read_json,
    write_json,
};

/// Where uploads go and what is allowed.
#[derive(Debug, Clone)]
pub struct ReceiveOptions {
    pub dir: PathBuf,
    /// The largest body accepted, checked before any body byte is read.
    pub max_size: u64,
    /// Replace a file that already has the name.
    pub overwrite: bool,
}

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub elapsed: Duration,
    /// recv() calls the body took, and their smallest and largest sizes.
    pub recv_calls: u64,
    pub smallest_recv: usize,
    pub largest_recv: usize,
}

/// Why an upload was not stored; `told_client` says whether the client got the reason.
#[derive(Debug)]
pub struct Refusal {
    pub reason: String,
    pub told_client: bool,
}

/// A temporary file that deletes itself unless it was given its final name.
struct PartFile {
    path: PathBuf,
    file: File,
    kept: bool,
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Distinguishes temporary files of uploads running at the same time.
static NEXT_PART: AtomicU64 = AtomicU64::new(0);

impl PartFile {
    fn create(dir: &Path, name: &str) -> io::Result<PartFile> {
        let n = NEXT_PART.fetch_add(1, Ordering::SeqCst);
        // A fixed-length name: any name the header may carry (255 bytes) still fits.
        let _ = name;
        let path = dir.join(format!(".upload-{}-{n}.part", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(PartFile {
            path,
            file,
            kept: false,
        })
    }

    /// Give the file its final name: never replacing a file unless asked to.
    fn finish(mut self, target: &Path, overwrite: bool) -> io::Result<()> {
        self.file.flush()?;
        // On disk before it gets its name: a power cut never leaves a short file there.
        self.file.sync_all()?;
        if overwrite {
            fs::rename(&self.path, target)?;
        } else {
            // A hard link fails if the name exists, even if it appeared during the upload.
            fs::hard_link(&self.path, target)?;
            let _ = fs::remove_file(&self.path);
        }
        self.kept = true;
        Ok(())
    }
}

/// Receive one upload on `stream`. Every refusal is sent to the client as a status, when the
/// client is still there to read it.
pub fn receive(
    stream: &mut (impl Read + Write),
    options: &ReceiveOptions,
    progress: &dyn Progress,
) -> Result<Received, Refusal> {
    let started = Instant::now();
    let header: UploadHeader = match read_json(stream) {
        Ok(header) => header,
        Err(ReadJsonError::Io(e)) => {
            return Err(Refusal {
                reason: format!("left before its header was complete ({e})"),
                told_client: false,
            });
        }
        Err(e) => return Err(refuse(stream, e.to_string())),
    };
    check_header(&header, options).map_err(|why| refuse(stream, why))?;
    let target = options.dir.join(&header.name);
    let mut part = PartFile::create(&options.dir, &header.name).map_err(|e| {
        refuse(
            stream,
            format!("cannot create a file in the upload directory: {e}"),
        )
    })?;
    write_json(stream, &Status::ok()).map_err(|e| Refusal {
        reason: format!("left before the header was answered ({e})"),
        told_client: false,
    })?;

    progress.start(&header.name, header.size);
    let hasher = HashPipe::start();
    let (mut got, mut recv_calls, mut smallest, mut largest) = (0u64, 0u64, usize::MAX, 0usize);
    while got < header.size {
        let want = (header.size - got).min(CHUNK as u64) as usize;
        let mut buf = hasher.buffer();
        let n = match stream.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(Refusal {
                    reason: format!(
                        "left after {got} of {} body bytes; nothing kept",
                        header.size
                    ),
                    told_client: false,
                });
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(Refusal {
                    reason: format!(
                        "the body stopped after {got} of {} bytes ({e}); nothing kept",
                        header.size
                    ),
                    told_client: false,
                });
            }
        };
        part.file.write_all(&buf[..n]).map_err(|e| {
            refuse(
                stream,
                format!("writing the upload failed: {e}; nothing kept"),
            )
        })?;
        hasher.hash(buf, n);
        got += n as u64;
        recv_calls += 1;
        smallest = smallest.min(n);
        largest = largest.max(n);
        progress.advance(n as u64);
    }
    let digest = hasher.finish();
    if !digest.eq_ignore_ascii_case(&header.sha256) {
        return Err(refuse(
            stream,
            format!(
                "sha256 mismatch: the header says {}, the body hashes to {digest}; nothing kept",
                header.sha256
            ),
        ));
    }
    part.finish(&target, options.overwrite)
        .map_err(|e| refuse(stream, format!("cannot store {:?}: {e}", header.name)))?;
    let elapsed = started.elapsed();
    progress.finish();
    let _ = write_json(
        stream,
        &Status {
            ok: true,
            error: None,
            stored: Some(header.name.clone()),
            sha256: Some(digest.clone()),
        },
    );
    Ok(Received {
        name: header.name,
        size: header.size,
        sha256: digest,
        elapsed,
        recv_calls,
        smallest_recv: if recv_calls == 0 { 0 } else { smallest },
        largest_recv: largest,
    })
}

/// Name, size and an existing file: all checked before any body byte is read.
fn check_header(header: &UploadHeader, options: &ReceiveOptions) -> Result<(), String> {
    check_name(&header.name)?;
    if header.size > options.max_size {
        return Err(format!(
            "{} bytes is over the server's limit of {} (--max-size)",
            header.size, options.max_size
        ));
    }
    if header.sha256.len() != 64 || !header.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("sha256 must be 64 hex digits".into());
    }
    // symlink_metadata: a dangling symlink counts as taken too.
    if !options.overwrite && options.dir.join(&header.name).symlink_metadata().is_ok() {
        return Err(format!(
            "{:?} already exists and the server does not overwrite (--overwrite)",
            header.name
        ));
    }
    Ok(())
}

/// Tell the client why, and say whether that worked.
fn refuse(stream: &mut impl Write, reason: String) -> Refusal {
    let told_client = write_json(stream, &Status::refused(reason.clone())).is_ok();
    Refusal {
        reason,
        told_client,
    }
}
