//! The sending side of an upload: announce the file, wait for the go-ahead, stream the body
//! in fixed-size chunks, hashing each as it goes, send the hash after the body, and read the
//! verdict. The file is read once.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::{
    CHUNK, Progress, ReadJsonError, Status, UploadError, UploadHeader, UploadTrailer, hex,
    read_json, write_json,
};
use crate::error::Error;
use crate::tools::stoppable;

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    /// The length-prefixed header exactly as it went on the wire.
    pub header_bytes: Vec<u8>,
    /// The length-prefixed trailer (the hash) exactly as it went on the wire.
    pub trailer_bytes: Vec<u8>,
    /// write() calls of the body (each at most one chunk).
    pub chunks: u64,
    /// From connect to the server's verdict.
    pub elapsed: Duration,
}

/// How long the client waits, by default, for the server to take bytes or answer.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(30);

/// Upload `path` to `to`, stored under `name` (the file's own name by default).
pub fn upload(
    path: &Path,
    to: SocketAddr,
    name: Option<&str>,
    progress: &dyn Progress,
) -> Result<Sent, UploadError> {
    upload_within(path, to, name, PEER_TIMEOUT, progress)
}

/// [`upload`], giving up when the server takes no byte and sends no answer for `timeout`.
pub fn upload_within(
    path: &Path,
    to: SocketAddr,
    name: Option<&str>,
    timeout: Duration,
    progress: &dyn Progress,
) -> Result<Sent, UploadError> {
    let name = match name {
        Some(n) => n.to_string(),
        None => path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| UploadError::NoName(path.to_path_buf()))?
            .to_string(),
    };
    let (mut file, size) = open_regular_file(path)?;
    let started = Instant::now();
    let stream = TcpStream::connect_timeout(&to, Duration::from_secs(5))
        .map_err(|e| Error::io(format!("connect({to})"), e))?;
    // Non-blocking, every wait bounded by `timeout` since the server last took a byte.
    stream
        .set_nonblocking(true)
        .map_err(|e| Error::io("fcntl(O_NONBLOCK)", e))?;
    let mut server = Server {
        stream: &stream,
        timeout,
    };
    let header = UploadHeader {
        name: name.clone(),
        size,
    };
    let header_bytes =
        write_json(&mut server, &header).map_err(|e| server.send_error(e, 0, &header, None))?;
    expect_ok(read_status(&mut server)?, &header, None)?;

    progress.start(&name, size);
    let (chunks, sha256) = send_body(&mut file, path, &header, &mut server, progress)?;
    let trailer = UploadTrailer {
        sha256: sha256.clone(),
    };
    let trailer_bytes = write_json(&mut server, &trailer)
        .map_err(|e| server.send_error(e, size, &header, Some(&sha256)))?;
    let status = read_status(&mut server)?;
    let elapsed = started.elapsed();
    expect_ok(status, &header, Some(&sha256))?;
    progress.finish();
    Ok(Sent {
        name,
        size,
        sha256,
        header_bytes,
        trailer_bytes,
        chunks,
        elapsed,
    })
}

/// Exactly `size` bytes of `file` to the server, each chunk hashed once it is sent: the
/// write() calls it took, and the hash. One buffer, one thread: the client's memory stays
/// what a plain copy needs, and SHA-256 (about 1.6 GiB/s with the CPU's SHA extensions) is
/// rarely what limits an upload.
fn send_body(
    file: &mut File,
    path: &Path,
    header: &UploadHeader,
    server: &mut Server,
    progress: &dyn Progress,
) -> Result<(u64, String), UploadError> {
    let size = header.size;
    let file_error = |e: io::Error| Error::io(format!("reading {}", path.display()), e);
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let (mut sent, mut chunks) = (0u64, 0u64);
    while sent < size {
        let want = (size - sent).min(CHUNK as u64) as usize;
        let n = file.read(&mut buf[..want]).map_err(file_error)?;
        if n == 0 {
            return Err(file_error(io::Error::other(format!(
                "it shrank while being sent ({sent} of {size} bytes)"
            )))
            .into());
        }
        if let Err(e) = server.write_all(&buf[..n]) {
            return Err(server.send_error(e, sent, header, None));
        }
        sha.update(&buf[..n]);
        sent += n as u64;
        chunks += 1;
        progress.advance(n as u64);
    }
    Ok((chunks, hex(&sha.finalize())))
}

/// Open `path` for reading, if it is a regular file, and its size. Checked before opening
/// (a FIFO would block the open until a writer came), opened without blocking all the same
/// (the path may change in between), and checked again on what was opened.
fn open_regular_file(path: &Path) -> Result<(File, u64), UploadError> {
    // /dev/zero never ends and a FIFO cannot be read twice: only regular files.
    let not_regular = || UploadError::NotRegular(path.to_path_buf());
    let meta = std::fs::metadata(path).map_err(|error| UploadError::Unreadable {
        path: path.to_path_buf(),
        error,
    })?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let meta = file
        .metadata()
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    Ok((file, meta.len()))
}

/// The connection to the server: every wait ends after `timeout` without progress.
struct Server<'a> {
    stream: &'a TcpStream,
    timeout: Duration,
}

impl Read for Server<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        stoppable::read(self.stream, buf, Some(self.timeout))
    }
}

impl Write for Server<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        stoppable::write_all(self.stream, buf, Some(self.timeout))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Server<'_> {
    /// Why sending failed after `sent` body bytes: a server that stopped taking bytes, its
    /// refusal (which beats our broken pipe), or the socket's error.
    fn send_error(
        &mut self,
        e: io::Error,
        sent: u64,
        header: &UploadHeader,
        sha256: Option<&str>,
    ) -> UploadError {
        if e.kind() == io::ErrorKind::TimedOut {
            return UploadError::Stalled {
                seconds: self.timeout.as_secs_f64(),
                sent,
                size: header.size,
            };
        }
        match read_status(self) {
            Ok(status) if !status.ok => refused(status, header, sha256),
            _ => Error::io("send()", e).into(),
        }
    }
}

fn read_status(server: &mut Server) -> Result<Status, UploadError> {
    // Empty when the address is not known: the words then say "the server".
    let peer = server
        .stream
        .peer_addr()
        .map_or_else(|_| String::new(), |a| a.to_string());
    read_json(server).map_err(|e| match e {
        ReadJsonError::Io(error) if crate::net::timed_out(&error) => {
            UploadError::NoAnswer { peer, error }
        }
        ReadJsonError::Io(e) => UploadError::AnswerFailed(e),
        _ => UploadError::NotAnUploadServer { peer },
    })
}

fn expect_ok(
    status: Status,
    header: &UploadHeader,
    sha256: Option<&str>,
) -> Result<(), UploadError> {
    if status.ok {
        Ok(())
    } else {
        Err(refused(status, header, sha256))
    }
}

fn refused(status: Status, header: &UploadHeader, sha256: Option<&str>) -> UploadError {
    UploadError::Refused {
        status: Box::new(status),
        name: header.name.clone(),
        size: header.size,
        sha256: sha256.map(str::to_string),
    }
}
