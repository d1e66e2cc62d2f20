//! The live log's output, given up on when a stop comes while nobody reads it: `lab serve |
//! less` with the pager scrolled back fills the pipe, and Ctrl-C must not wait for a reader
//! who is not reading.

use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::time::Duration;

use crate::error::Error;
use crate::tools::signal;
use crate::tools::stoppable::{self, Polled};

/// How long output that stopped moving may keep a stop waiting: the last lines and the
/// totals still go out to a reader that is only slow.
const GRACE: Duration = Duration::from_millis(25);

/// The most bytes handed on after one wait. A pipe said writable has a free page (4 KiB);
/// this plus what standard output's own line buffer may hold (1 KiB) fits in it, so no
/// write() after the wait can block.
const CHUNK: usize = 1024;

/// Writes to `out`, which goes to standard output, [`CHUNK`] bytes at a time, each once
/// standard output can take them without blocking. Before a stop that wait has no limit; once
/// a stop is asked for, a wait longer than [`GRACE`] fails the write with
/// [`stoppable::stopping`].
pub struct PatientOutput<'a> {
    out: &'a mut dyn Write,
}

impl<'a> PatientOutput<'a> {
    pub fn new(out: &'a mut dyn Write) -> Self {
        PatientOutput { out }
    }
}

impl Write for PatientOutput<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        until_writable()?;
        self.out.write(&buf[..buf.len().min(CHUNK)])
    }

    fn flush(&mut self) -> io::Result<()> {
        until_writable()?;
        self.out.flush()
    }
}

/// The error for output that failed: a stop that gave up on it is the stop (the user asked
/// for it), anything else the output's own failure.
pub fn output_error(e: io::Error) -> Error {
    if stoppable::is_stopping(&e) {
        Error::Interrupted
    } else {
        Error::Output(e)
    }
}

/// Wait until standard output can be written, or fail once a stop has waited [`GRACE`].
fn until_writable() -> io::Result<()> {
    let stdout = io::stdout().as_raw_fd();
    loop {
        let stopping = signal::stop_requested();
        let stop_fd = match stopping {
            // Once asked, the stop descriptor stays readable: leave it out, wait the grace.
            true => -1,
            false => signal::stop_fd().map_or(-1, |fd| fd.as_raw_fd()),
        };
        let millis = match (stopping, stop_fd) {
            (true, _) => GRACE.as_millis() as i32,
            // Without a stop descriptor the flag is looked at every tenth of a second.
            (false, -1) => 100,
            (false, _) => -1,
        };
        match stoppable::poll_beside_stop(stdout, libc::POLLOUT, stop_fd, millis) {
            // poll() itself failed: let the write meet the trouble.
            Polled::Failed | Polled::Ready => return Ok(()),
            Polled::Nothing if stopping => return Err(stoppable::stopping()),
            // A stop came: look again, now with the grace.
            Polled::Stop | Polled::Nothing => {}
        }
    }
}
