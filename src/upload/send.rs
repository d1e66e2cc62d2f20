//! The sending side of an upload: hash the file, announce it, wait for the go-ahead, stream
//! the body in fixed-size chunks, and read the verdict.

use std::fs::File;
use std::io::{self, Read, Write};
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

/// The SHA-256 of a file, read in chunks.
pub fn hash_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

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
    let size = File::open(path)
        .and_then(|f| f.metadata())
        .map_err(file_error)?
        .len();
    // The header carries the hash, so the file is read once before the upload starts.
    let hashing_started = Instant::now();
    let sha256 = hash_file(path).map_err(file_error)?;
    let hashing = hashing_started.elapsed();

    let started = Instant::now();
    let mut stream = TcpStream::connect_timeout(&to, Duration::from_secs(5))
        .map_err(|e| Error::io(format!("connect({to})"), e))?;
    let header = UploadHeader {
        name: name.clone(),
        size,
        sha256: sha256.clone(),
    };
    let header_bytes = write_json(&mut stream, &header).map_err(|e| Error::io("send()", e))?;
    expect_ok(read_status(&mut stream)?)?;

    progress.start(&name, size);
    let mut file = File::open(path).map_err(file_error)?;
    let mut buf = vec![0u8; CHUNK];
    let (mut sent, mut chunks) = (0u64, 0u64);
    while sent < size {
        let want = (size - sent).min(CHUNK as u64) as usize;
        let n = file.read(&mut buf[..want]).map_err(file_error)?;
        if n == 0 {
            return Err(Error::Usage(format!(
                "{} shrank while being sent ({sent} of {size} bytes)",
                path.display()
            )));
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
    read_json(stream).map_err(|e| match e {
        ReadJsonError::Io(e) => Error::io("reading the server's answer", e),
        other => Error::Usage(format!("the server's answer is not valid: {other}")),
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
