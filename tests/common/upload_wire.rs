//! The upload protocol spoken by hand, for clients that break it on purpose.

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256, as the protocol carries it.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A `!I` length, then the JSON.
pub fn send_json(stream: &mut TcpStream, value: &Value) {
    let json = serde_json::to_vec(value).unwrap();
    stream
        .write_all(&(json.len() as u32).to_be_bytes())
        .unwrap();
    stream.write_all(&json).unwrap();
}

/// The server's next length-prefixed status.
pub fn read_status(stream: &mut TcpStream) -> Value {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).unwrap();
    let mut json = vec![0u8; u32::from_be_bytes(len) as usize];
    stream.read_exact(&mut json).unwrap();
    serde_json::from_slice(&json).unwrap()
}
