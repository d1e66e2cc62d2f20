//! A plain byte copy of a file over one TCP connection — no header, no hash — with the same
//! chunk size as uploads: the yardstick `make bench-upload` measures uploads against.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;

use super::CHUNK;

/// Accept one connection and write everything it sends to `out`, synced to disk. Returns
/// the byte count.
pub fn receive_one(listener: &TcpListener, out: &Path) -> io::Result<u64> {
    let (mut stream, _) = listener.accept()?;
    let mut file = File::create(out)?;
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            // On disk, as an upload is before it gets its name: the same work, minus the
            // header and the hash.
            file.sync_all()?;
            return Ok(total);
        }
        file.write_all(&buf[..n])?;
        total += n as u64;
    }
}

/// Send the file's bytes to `to`, then close.
pub fn send(path: &Path, to: SocketAddr) -> io::Result<u64> {
    let mut file = File::open(path)?;
    let mut stream = TcpStream::connect(to)?;
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(total);
        }
        stream.write_all(&buf[..n])?;
        total += n as u64;
    }
}
