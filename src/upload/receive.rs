//! The receiving side of an upload: check the header, stream the body into a file without a
//! final name while hashing it, read the client's hash after the body, and give the file its
//! name only if the two match (and no stop was asked for).

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::part_file::PartFile;
use super::{
    CHUNK, HashPipe, Progress, ReadJsonError, Status, UploadHeader, UploadTrailer, check_name,
    read_json, write_json,
};
use crate::tools::signal;

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
        Err(ReadJsonError::Io(e)) => return Err(gone(stream, "before its header was complete", e)),
        Err(e) => return Err(refuse(stream, e.about("the header"))),
    };
    check_header(&header, options).map_err(|why| refuse(stream, why))?;
    let target = options.dir.join(&header.name);
    let mut part = PartFile::create(&options.dir).map_err(|e| {
        refuse(
            stream,
            format!("cannot create a file in the upload directory: {e}"),
        )
    })?;
    // Every resource the upload needs is had before the go-ahead: past it, only the client
    // or a stop can end it.
    let hasher = HashPipe::start().map_err(|e| {
        refuse(
            stream,
            format!("the server cannot start a thread to hash the upload ({e}); try again later"),
        )
    })?;
    write_json(stream, &Status::ok())
        .map_err(|e| gone(stream, "before the header was answered", e))?;

    progress.start(&header.name, header.size);
    let body = receive_body(stream, header.size, &mut part, &hasher, progress)?;
    let digest = hasher.finish();
    let claimed = read_trailer(stream)?;
    if !digest.eq_ignore_ascii_case(&claimed) {
        return Err(refuse(
            stream,
            format!(
                "sha256 mismatch: the client sent {claimed}, the body hashes to {digest}; \
                 nothing kept"
            ),
        ));
    }
    if signal::stop_requested() {
        return Err(refuse(stream, SHUTTING_DOWN.into()));
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
        recv_calls: body.recv_calls,
        smallest_recv: body.smallest,
        largest_recv: body.largest,
    })
}

/// What the client is told when a stop ends its upload.
const SHUTTING_DOWN: &str = "the server is shutting down; nothing kept";

/// recv() calls of a body, and their smallest and largest sizes.
struct BodyReads {
    recv_calls: u64,
    smallest: usize,
    largest: usize,
}

/// Exactly `size` bytes into `part`, each chunk hashed on the way.
fn receive_body(
    stream: &mut (impl Read + Write),
    size: u64,
    part: &mut PartFile,
    hasher: &HashPipe,
    progress: &dyn Progress,
) -> Result<BodyReads, Refusal> {
    let mut reads = BodyReads {
        recv_calls: 0,
        smallest: 0,
        largest: 0,
    };
    while part.len() < size {
        let got = part.len();
        let want = (size - got).min(CHUNK as u64) as usize;
        let mut buf = hasher.buffer();
        let n = match stream.read(&mut buf[..want]) {
            Ok(0) => {
                let why = format!("left after {got} of {size} body bytes; nothing kept");
                return Err(Refusal {
                    reason: why,
                    told_client: false,
                });
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted && !signal::stop_requested() => {
                continue;
            }
            Err(e) => {
                let when = format!("after {got} of {size} body bytes (nothing kept)");
                return Err(gone(stream, &when, e));
            }
        };
        part.write_all(&buf[..n]).map_err(|e| {
            refuse(
                stream,
                format!("writing the upload failed: {e}; nothing kept"),
            )
        })?;
        hasher.hash(buf, n);
        reads.smallest = if reads.recv_calls == 0 {
            n
        } else {
            reads.smallest.min(n)
        };
        reads.largest = reads.largest.max(n);
        reads.recv_calls += 1;
        progress.advance(n as u64);
    }
    Ok(reads)
}

/// The client's hash of the body, from the trailer after it.
fn read_trailer(stream: &mut (impl Read + Write)) -> Result<String, Refusal> {
    let trailer: UploadTrailer = match read_json(stream) {
        Ok(trailer) => trailer,
        Err(ReadJsonError::Io(e)) => {
            return Err(gone(
                stream,
                "before the sha256 after the body (nothing kept)",
                e,
            ));
        }
        Err(e) => return Err(refuse(stream, e.about("the trailer after the body"))),
    };
    if trailer.sha256.len() != 64 || !trailer.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(refuse(
            stream,
            "the trailer's sha256 must be 64 hex digits; nothing kept".into(),
        ));
    }
    Ok(trailer.sha256)
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
    // symlink_metadata: a dangling symlink counts as taken too.
    if !options.overwrite && options.dir.join(&header.name).symlink_metadata().is_ok() {
        return Err(format!(
            "{:?} already exists and the server does not overwrite (--overwrite)",
            header.name
        ));
    }
    Ok(())
}

/// The connection failed `when`: a stop is told to the client (if it still listens), anything
/// else means the client is gone.
fn gone(stream: &mut impl Write, when: &str, e: io::Error) -> Refusal {
    if signal::stop_requested() {
        return refuse(stream, SHUTTING_DOWN.into());
    }
    Refusal {
        reason: format!("the connection failed {when}: {e}"),
        told_client: false,
    }
}

/// Tell the client why, and say whether that worked.
fn refuse(stream: &mut impl Write, reason: String) -> Refusal {
    let told_client = write_json(stream, &Status::refused(reason.clone())).is_ok();
    Refusal {
        reason,
        told_client,
    }
}
