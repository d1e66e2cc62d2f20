//! The sending side of an upload: hash the file, announce it, wait for the go-ahead, stream
//! the body in fixed-size chunks, and read the verdict.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::{CHUNK, Progress, ReadJsonError, Status, UploadHeader, hex, read_json, write_json};
use crate::error::Error;

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    /// The length-prefixed header exactly as it went on the wire.
    pub header_bytes: Vec<u8>,
    /// write() calls of the body (each at most one chunk).
    pub chunks: u64,
    /// From connect to the server's verdict.
    pub elapsed: Duration,
    /// Reading the file once to hash it, before connecting.
    pub hashing: Duration,
}

/// The SHA-256 of the first `size` bytes of `file`, read in chunks.
pub fn hash_file(file: &mut File, size: u64) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut limited = file.take(size);
    loop {
        let n = limited.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

/// How long the client waits for the server to take bytes or answer.
const PEER_TIMEOUT: Duration = Duration::from_secs(30);

/// Upload `path` to `to`, stored under `name` (the file's own name by default).
pub fn upload(
    path: &Path,
    to: SocketAddr,
    name: Option<&str>,
    progress: &dyn Progress,
) -> Result<Sent, Error> {
    let name = match name {
        Some(n) => n.to_string(),
        None => path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                Error::Usage(format!("{}: not a file name lab can send", path.display()))
            })?
            .to_string(),
    };
    let file_error = |e: io::Error| Error::io(format!("reading {}", path.display()), e);
    let mut file = File::open(path).map_err(file_error)?;
    let meta = file.metadata().map_err(file_error)?;
    if !meta.is_file() {
        // /dev/zero never ends and a FIFO cannot be read twice: only regular files.
        return Err(Error::Usage(format!(
            "{}: not a regular file; lab uploads files whose size is known",
            path.display()
        )));
    }
    let size = meta.len();
    // The header carries the hash, so the file is read once before the upload starts — the
    // same open file, exactly `size` bytes, then rewound for sending.
    let hashing_started = Instant::now();
    let sha256 = hash_file(&mut file, size).map_err(file_error)?;
    let hashing = hashing_started.elapsed();
    file.seek(SeekFrom::Start(0)).map_err(file_error)?;

    let started = Instant::now();
    let mut stream = TcpStream::connect_timeout(&to, Duration::from_secs(5))
        .map_err(|e| Error::io(format!("connect({to})"), e))?;
    stream
        .set_read_timeout(Some(PEER_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(PEER_TIMEOUT)))
        .map_err(|e| Error::io("setsockopt(SO_RCVTIMEO/SO_SNDTIMEO)", e))?;
    let header = UploadHeader {
        name: name.clone(),
        size,
        sha256: sha256.clone(),
    };
    let header_bytes = write_json(&mut stream, &header).map_err(|e| Error::io("send()", e))?;
    expect_ok(read_status(&mut stream)?)?;

    progress.start(&name, size);
    let mut buf = vec![0u8; CHUNK];
    let (mut sent, mut chunks) = (0u64, 0u64);
    while sent < size {
        let want = (size - sent).min(CHUNK as u64) as usize;
        let n = file.read(&mut buf[..want]).map_err(file_error)?;
        if n == 0 {
            return Err(Error::io(
                format!("reading {}", path.display()),
                io::Error::other(format!(
                    "it shrank while being sent ({sent} of {size} bytes)"
                )),
            ));
        }
        if let Err(e) = stream.write_all(&buf[..n]) {
            // The server may have refused mid-way: its reason beats our broken pipe.
            return Err(match read_status(&mut stream) {
                Ok(status) if !status.ok => refused(status),
                _ => Error::io("send()", e),
            });
        }
        sent += n as u64;
        chunks += 1;
        progress.advance(n as u64);
    }
    let status = read_status(&mut stream)?;
    let elapsed = started.elapsed();
    expect_ok(status)?;
    progress.finish();
    Ok(Sent {
        name,
        size,
        sha256,
        header_bytes,
        chunks,
        elapsed,
        hashing,
    })
}

fn read_status(stream: &mut TcpStream) -> Result<Status, Error> {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "the server".to_string(), |a| a.to_string());
    let not_upload = || {
        format!("{peer} did not answer like an upload server (is it `lab serve --upload-dir DIR`?)")
    };
    read_json(stream).map_err(|e| match e {
        ReadJsonError::Io(e) if crate::net::timed_out(&e) => Error::io(
            "waiting for the server's answer",
            io::Error::new(e.kind(), not_upload()),
        ),
        ReadJsonError::Io(e) => Error::io("reading the server's answer", e),
        _ => Error::Refused(not_upload()),
    })
}

fn expect_ok(status: Status) -> Result<(), Error> {
    if status.ok {
        Ok(())
    } else {
        Err(refused(status))
    }
}

fn refused(status: Status) -> Error {
    Error::Refused(status.error.unwrap_or_else(|| "no reason given".into()))
}
