//! Uploading a large file (大文件上传): a length-prefixed JSON header, then exactly `size`
//! body bytes, streamed in fixed-size chunks and hashed on both sides as they go, then the
//! client's hash of what it sent — so the file is read once.
//!
//! ```text
//! client → server   [len: 4 bytes, !I][header: len bytes of JSON]
//!                   {"name":"notes.pdf","size":1048576}
//! server → client   [len][{"ok":true}]                  — or {"ok":false,"error":"…","code":"…"}: stop
//! client → server   [body: exactly size bytes, in chunks]
//! client → server   [len][{"sha256":"9f86…"}]          — the trailer: the body's hash
//! server → client   [len][{"ok":true,"stored":"notes.pdf",…}] — or the reason it was refused
//! ```
//!
//! The server checks the header's length before reading it and the size before any body byte;
//! it writes the body to a file with no name yet (a temporary one on file systems that need
//! one) and gives it its final name only after the trailer's hash matched its own, so an
//! interrupted or corrupted upload never leaves a file under the final name.

pub mod demo;
pub mod plain;
pub mod receive;
pub mod refusal;
pub mod send;

pub use refusal::{NameProblem, Refusal, UploadError};

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

use crate::structfmt::ConstFormat;

/// The largest header accepted, checked before a byte of it is read.
pub const MAX_HEADER: u32 = 64 * 1024;
/// Bytes read and written at a time: memory stays flat whatever the file size.
pub const CHUNK: usize = 256 * 1024;
/// The longest file name accepted (as most file systems allow).
pub const MAX_NAME: usize = 255;

/// Where an upload reports its progress (a bar, plain lines, or events); views implement it.
pub trait Progress: Sync {
    fn start(&self, name: &str, total: u64);
    fn advance(&self, bytes: u64);
    fn finish(&self);
}

/// Progress nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _name: &str, _total: u64) {}
    fn advance(&self, _bytes: u64) {}
    fn finish(&self) {}
}

/// What the client announces before the body. Unknown fields are refused, so a client
/// that puts the hash here (where it would have to read the file twice) hears why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadHeader {
    pub name: String,
    pub size: u64,
}

/// What the client sends after the body: the hash of the bytes it sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadTrailer {
    /// The body's SHA-256, lowercase hex.
    pub sha256: String,
}

/// The server's answer, after the header and after the body. A refusal carries the server's
/// words (`error`, in the server's language) and a stable `code` (see [`Refusal::code`]), with
/// the server's `limit` where one was passed (`too_large`: `--max-size`; `max_clients`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub limit: Option<u64>,
    /// The name the file was stored under (after the body).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stored: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sha256: Option<String>,
}

impl Status {
    pub fn ok() -> Self {
        Status {
            ok: true,
            error: None,
            code: None,
            limit: None,
            stored: None,
            sha256: None,
        }
    }

    /// A refusal: its code, the server's words for it, and the limit it broke, if any.
    pub fn refused(code: &str, words: String, limit: Option<u64>) -> Self {
        Status {
            ok: false,
            error: Some(words),
            code: Some(code.to_string()),
            limit,
            stored: None,
            sha256: None,
        }
    }
}

/// The length before each JSON message: `struct.Struct('!I')`, checked when compiled.
pub const LENGTH: ConstFormat<1, 4> = ConstFormat::new("!I");

/// Write `value` as a `!I` length followed by its JSON.
pub fn write_json<T: Serialize>(out: &mut impl Write, value: &T) -> io::Result<Vec<u8>> {
    let json = serde_json::to_vec(value).map_err(io::Error::other)?;
    let length = LENGTH
        .pack(&[json.len()])
        .map_err(|e| io::Error::other(format!("a header of {} bytes: {e}", json.len())))?;
    let mut framed = length.to_vec();
    framed.extend_from_slice(&json);
    out.write_all(&framed)?;
    Ok(framed)
}

/// Why a length-prefixed JSON message could not be read.
#[derive(Debug)]
pub enum ReadJsonError {
    /// The stream ended or failed.
    Io(io::Error),
    /// The claimed length is over the limit (nothing more was read).
    TooLong(u32),
    /// The bytes are not the JSON expected.
    Invalid(String),
}

impl ReadJsonError {
    /// The refusal for a `part` that could not be read, unless the connection failed.
    pub fn refusal(self, part: refusal::Part) -> Result<Refusal, io::Error> {
        match self {
            ReadJsonError::Io(e) => Err(e),
            ReadJsonError::TooLong(claimed) => Ok(Refusal::TooLong { part, claimed }),
            ReadJsonError::Invalid(why) => Ok(Refusal::Invalid { part, why }),
        }
    }
}

/// Read a `!I` length and that much JSON, refusing a length over [`MAX_HEADER`] first.
pub fn read_json<T: for<'de> Deserialize<'de>>(input: &mut impl Read) -> Result<T, ReadJsonError> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len).map_err(ReadJsonError::Io)?;
    let [len] = LENGTH.unpack(&len);
    // At most u32::MAX, so the checks and casts below lose nothing.
    let len = len as u32;
    if len > MAX_HEADER {
        return Err(ReadJsonError::TooLong(len));
    }
    let mut json = vec![0u8; len as usize];
    input.read_exact(&mut json).map_err(ReadJsonError::Io)?;
    serde_json::from_slice(&json).map_err(|e| ReadJsonError::Invalid(e.to_string()))
}

/// A name from a header is a plain file name, or what is wrong with it.
pub fn check_name(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(NameProblem::NotAName);
    }
    if name.len() > MAX_NAME {
        return Err(NameProblem::TooLong { len: name.len() });
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '/' | '\\' | '\0')) {
        return Err(NameProblem::Separator(c));
    }
    // Control characters, invisible ones and bidi controls would garble `ls` or let a stored
    // name look exactly like another.
    if let Some(c) = name.chars().find(|&c| c.is_control() || is_invisible(c)) {
        return Err(NameProblem::Invisible(c));
    }
    if name.trim().is_empty() || name.starts_with('-') {
        return Err(NameProblem::Unusable);
    }
    if let Some(c) = name.chars().find(|&c| looks_blank(c)) {
        return Err(NameProblem::LooksBlank(c));
    }
    // Nobody sees a space at either end of `x.txt `: it would pass for `x.txt`.
    if name.trim() != name {
        return Err(NameProblem::EdgeSpace);
    }
    // ASCII case ignored: on a case-insensitive file system `.LAB-UPLOAD-…` is the same file.
    let prefix = TEMP_PREFIX.as_bytes();
    if name.len() >= prefix.len() && name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix) {
        return Err(NameProblem::Reserved);
    }
    Ok(())
}

/// Where a temporary upload file's name starts, when the upload directory cannot hold a file
/// without a name (O_TMPFILE); no upload may be stored under a name that starts so.
pub const TEMP_PREFIX: &str = ".lab-upload-";

/// Characters that show as nothing, or move the text around them: Unicode's default
/// ignorable code points (zero-width spaces and joiners, bidi marks and controls, the BOM,
/// variation selectors, fillers, tags) and the line and paragraph separators.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{61c}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fff8}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// Characters that show as blank space but are not the plain space (U+0020) or the
/// ideographic space Chinese text uses (U+3000): the no-break, en, em, thin and other
/// spaces, and the blank braille pattern (U+2800), which is no space at all. A name holding
/// one would look exactly like a name with a plain space, or like one without.
fn looks_blank(c: char) -> bool {
    (c.is_whitespace() && c != ' ' && c != '\u{3000}') || c == '\u{2800}'
}

/// SHA-256 on a second thread, so hashing overlaps the socket and the disk. Buffers go round
/// a small fixed pool: memory stays at [`PIPE_BUFFERS`] chunks whatever the file size.
pub struct HashPipe {
    to_hasher: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    free: std::sync::mpsc::Receiver<Vec<u8>>,
    hasher: std::thread::JoinHandle<String>,
}

/// Chunks in flight between the reading thread and the hashing thread.
pub const PIPE_BUFFERS: usize = 4;

impl HashPipe {
    /// Start the hashing thread; an error when no thread can be made (the caller refuses
    /// the upload rather than fall over).
    pub fn start() -> io::Result<Self> {
        use sha2::{Digest, Sha256};
        let (to_hasher, work) = std::sync::mpsc::sync_channel::<Vec<u8>>(PIPE_BUFFERS);
        let (give_back, free) = std::sync::mpsc::sync_channel(PIPE_BUFFERS);
        for _ in 0..PIPE_BUFFERS {
            let _ = give_back.send(vec![0u8; CHUNK]);
        }
        let hasher = std::thread::Builder::new()
            .name("sha256".into())
            .spawn(move || {
                let mut sha = Sha256::new();
                for buf in work {
                    sha.update(&buf);
                    let _ = give_back.send(buf);
                }
                hex(&sha.finalize())
            })?;
        Ok(HashPipe {
            to_hasher: Some(to_hasher),
            free,
            hasher,
        })
    }

    /// A free chunk-sized buffer (waits while all are being hashed).
    pub fn buffer(&self) -> Vec<u8> {
        let mut buf = self.free.recv().unwrap_or_default();
        buf.resize(CHUNK, 0);
        buf
    }

    /// Hash `buf[..len]` (in order with everything before it), then recycle the buffer.
    pub fn hash(&self, mut buf: Vec<u8>, len: usize) {
        buf.truncate(len);
        if let Some(to_hasher) = &self.to_hasher {
            let _ = to_hasher.send(buf);
        }
    }

    /// The digest of everything hashed, lowercase hex.
    pub fn finish(mut self) -> String {
        drop(self.to_hasher.take());
        self.hasher.join().unwrap_or_default()
    }
}

/// Lowercase hex of a digest.
pub use crate::transcript::hex;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_file_names_pass() {
        assert!(check_name("notes.pdf").is_ok());
        assert!(check_name("粘包.txt").is_ok());
        for bad in [
            "",
            ".",
            "..",
            "../etc/passwd",
            "/etc/passwd",
            "a/b",
            "a\\b",
            "a\0b",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name(&"x".repeat(256)).is_err());
    }

    #[test]
    fn names_that_look_like_other_names_are_refused() {
        for bad in [
            "a\u{200b}b",
            "a\u{200f}b",
            "a\u{2028}b",
            "a\u{2029}b",
            "\u{feff}notes.pdf",
            "a\u{2060}b",
            "a\u{2066}b",
            "a\u{61c}b",
            "a\u{ad}b",
            // Spaces nobody sees, and blanks that are no plain space.
            "x.txt ",
            " x.txt",
            "x.txt\u{3000}",
            "\u{2800}",
            "a\u{2800}b",
            "a\u{a0}b",
            "a\u{2002}b",
            "a\u{202f}b",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name("a b.txt").is_ok());
        assert!(check_name("粘包\u{3000}笔记.txt").is_ok());
    }

    #[test]
    fn no_name_can_address_a_temporary_file() {
        for bad in [".lab-upload-0123.part", ".LAB-Upload-x", ".lab-upload-"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name(".lab-uploads").is_ok());
        assert!(check_name(".bashrc").is_ok());
    }

    #[test]
    fn a_header_over_the_limit_is_refused_before_reading_it() {
        let mut input: &[u8] = &[0xff, 0xff, 0xff, 0xff];
        let err = read_json::<UploadHeader>(&mut input).unwrap_err();
        assert!(matches!(err, ReadJsonError::TooLong(u32::MAX)));
    }

    #[test]
    fn a_header_that_carries_the_hash_is_refused_by_name() {
        let mut wire = Vec::new();
        let old_style = serde_json::json!({"name": "a", "size": 1, "sha256": "00"});
        write_json(&mut wire, &old_style).unwrap();
        let err = read_json::<UploadHeader>(&mut wire.as_slice()).unwrap_err();
        match err.refusal(refusal::Part::Header) {
            Ok(Refusal::Invalid { why, .. }) => assert!(why.contains("unknown field `sha256`")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn headers_round_trip() {
        let header = UploadHeader {
            name: "a.bin".into(),
            size: 3,
        };
        let mut wire = Vec::new();
        write_json(&mut wire, &header).unwrap();
        assert_eq!(
            read_json::<UploadHeader>(&mut wire.as_slice()).unwrap(),
            header
        );
    }
}
