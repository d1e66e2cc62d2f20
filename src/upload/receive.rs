//! The receiving side of an upload: check the header, stream the body into a file without a
//! final name while hashing it, read the client's hash after the body, and give the file its
//! name only if the two match (and no stop was asked for).

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::refusal::{Failure, Part, Refusal, Stage};
use super::{
    CHUNK, HashPipe, Progress, Status, UploadHeader, UploadTrailer, check_name, read_json,
    write_json,
};
use crate::lang::Lang;
use crate::render::words::Words;
use crate::tools::signal;
use crate::whole_file::WholeFile;

/// Where uploads go and what is allowed.
#[derive(Debug, Clone)]
pub struct ReceiveOptions {
    pub dir: PathBuf,
    /// The largest body accepted, checked before any body byte is read.
    pub max_size: u64,
    /// Replace a file that already has the name.
    pub overwrite: bool,
    /// The language of the reasons told to clients (a status's `error`; its `code` is fixed).
    pub lang: Lang,
    /// The header and the trailer must each arrive whole within this (the server's idle
    /// timeout): a client that trickles one in, a byte now and then, cannot hold its place
    /// for ever. `None`: no limit.
    pub whole_within: Option<Duration>,
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
pub struct NotStored {
    pub refusal: Refusal,
    pub told_client: bool,
}

/// Receive one upload on `stream`. Every refusal is sent to the client as a status, when the
/// client is still there to read it.
pub fn receive(
    stream: &mut (impl Read + Write),
    options: &ReceiveOptions,
    progress: &dyn Progress,
) -> Result<Received, NotStored> {
    let started = Instant::now();
    let lang = options.lang;
    let header: UploadHeader = match read_json(&mut Within::new(stream, options.whole_within)) {
        Ok(header) => header,
        Err(e) => {
            return Err(match e.refusal(Part::Header) {
                Ok(refusal) => refuse(stream, refusal, lang),
                Err(e) => gone(stream, Stage::BeforeHeader, e, lang),
            });
        }
    };
    check_header(&header, options).map_err(|why| refuse(stream, why, lang))?;
    let target = options.dir.join(&header.name);
    let mut part = WholeFile::create(&options.dir, super::TEMP_PREFIX)
        .map_err(|e| refuse(stream, Refusal::CannotCreate(e.to_string()), lang))?;
    // Every resource the upload needs is had before the go-ahead: past it, only the client
    // or a stop can end it.
    let hasher = HashPipe::start()
        .map_err(|e| refuse(stream, Refusal::NoHashThread(e.to_string()), lang))?;
    write_json(stream, &Status::ok()).map_err(|e| gone(stream, Stage::BeforeAnswer, e, lang))?;

    progress.start(&header.name, header.size);
    let body = receive_body(stream, header.size, &mut part, &hasher, progress, lang)?;
    let digest = hasher.finish();
    let claimed = read_trailer(stream, options.whole_within, lang)?;
    if !digest.eq_ignore_ascii_case(&claimed) {
        let mismatch = Refusal::Mismatch {
            claimed,
            digest: digest.clone(),
        };
        return Err(refuse(stream, mismatch, lang));
    }
    if signal::stop_requested() {
        return Err(refuse(stream, Refusal::ShuttingDown, lang));
    }
    part.finish(&target, options.overwrite).map_err(|e| {
        let name = header.name.clone();
        // Another upload of the same name got there first (checked free before the body,
        // taken since): the same refusal as a name taken before.
        let refusal = if !options.overwrite && e.kind() == io::ErrorKind::AlreadyExists {
            Refusal::Exists { name }
        } else {
            let error = e.to_string();
            Refusal::CannotStore { name, error }
        };
        refuse(stream, refusal, lang)
    })?;
    let elapsed = started.elapsed();
    progress.finish();
    let _ = write_json(
        stream,
        &Status {
            stored: Some(header.name.clone()),
            sha256: Some(digest.clone()),
            ..Status::ok()
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
    part: &mut WholeFile,
    hasher: &HashPipe,
    progress: &dyn Progress,
    lang: Lang,
) -> Result<BodyReads, NotStored> {
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
                return Err(NotStored {
                    refusal: Refusal::LeftEarly { got, size },
                    told_client: false,
                });
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted && !signal::stop_requested() => {
                continue;
            }
            Err(e) => return Err(gone(stream, Stage::InBody { got, size }, e, lang)),
        };
        part.write_all(&buf[..n])
            .map_err(|e| refuse(stream, Refusal::WriteFailed(e.to_string()), lang))?;
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
fn read_trailer(
    stream: &mut (impl Read + Write),
    whole_within: Option<Duration>,
    lang: Lang,
) -> Result<String, NotStored> {
    let trailer: UploadTrailer = match read_json(&mut Within::new(stream, whole_within)) {
        Ok(trailer) => trailer,
        Err(e) => {
            return Err(match e.refusal(Part::Trailer) {
                Ok(refusal) => refuse(stream, refusal, lang),
                Err(e) => gone(stream, Stage::BeforeTrailer, e, lang),
            });
        }
    };
    if trailer.sha256.len() != 64 || !trailer.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(refuse(stream, Refusal::TrailerNotHex, lang));
    }
    Ok(trailer.sha256)
}

/// The reads of one short message (the header, the trailer), all to be done by a deadline:
/// each read may wait the idle timeout, but a byte now and then keeps only the reads alive,
/// not the message.
struct Within<'a, S> {
    stream: &'a mut S,
    limit: Option<Duration>,
    started: Instant,
}

impl<'a, S> Within<'a, S> {
    fn new(stream: &'a mut S, limit: Option<Duration>) -> Self {
        Within {
            stream,
            limit,
            started: Instant::now(),
        }
    }
}

impl<S: Read> Read for Within<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.limit {
            Some(limit) if self.started.elapsed() >= limit => {
                Err(io::Error::new(io::ErrorKind::TimedOut, NotWhole(limit)))
            }
            _ => self.stream.read(buf),
        }
    }
}

/// A header or trailer not whole within its time limit.
#[derive(Debug)]
struct NotWhole(Duration);

impl std::fmt::Display for NotWhole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not whole within {:?}", self.0)
    }
}

impl std::error::Error for NotWhole {}

/// Name, size and an existing file: all checked before any body byte is read.
fn check_header(header: &UploadHeader, options: &ReceiveOptions) -> Result<(), Refusal> {
    check_name(&header.name).map_err(|problem| Refusal::BadName {
        name: header.name.clone(),
        problem,
    })?;
    if header.size > options.max_size {
        return Err(Refusal::TooLarge {
            size: header.size,
            max: options.max_size,
        });
    }
    // symlink_metadata: a dangling symlink counts as taken too.
    if !options.overwrite && options.dir.join(&header.name).symlink_metadata().is_ok() {
        return Err(Refusal::Exists {
            name: header.name.clone(),
        });
    }
    Ok(())
}

/// The connection failed at `stage`: a stop is told to the client (if it still listens),
/// anything else means the client is gone.
fn gone(stream: &mut impl Write, stage: Stage, e: io::Error, lang: Lang) -> NotStored {
    if signal::stop_requested() {
        return refuse(stream, Refusal::ShuttingDown, lang);
    }
    let not_whole = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<NotWhole>());
    let failure = match (not_whole, e.kind()) {
        (Some(NotWhole(limit)), _) => Failure::NotWholeWithin {
            seconds: limit.as_secs_f64(),
        },
        (None, io::ErrorKind::TimedOut) => Failure::TimedOut,
        (None, io::ErrorKind::UnexpectedEof) => Failure::Closed,
        (None, _) => Failure::Io(e.to_string()),
    };
    NotStored {
        refusal: Refusal::ConnectionFailed { stage, failure },
        told_client: false,
    }
}

/// Tell the client why (its code, and the words in the server's language), and say whether
/// that worked.
fn refuse(stream: &mut impl Write, refusal: Refusal, lang: Lang) -> NotStored {
    let words = Words(lang).upload_refusal(&refusal);
    let mut status = Status::refused(refusal.code(), words, refusal.limit());
    if let Refusal::Mismatch { digest, .. } = &refusal {
        // The server's own hash, for a client to compare with the one it sent.
        status.sha256 = Some(digest.clone());
    }
    let told_client = write_json(stream, &status).is_ok();
    NotStored {
        refusal,
        told_client,
    }
}
