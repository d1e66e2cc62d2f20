//! Ctrl-C (SIGINT) and SIGTERM as a flag the long-running commands poll, so `lab serve` and
//! `lab proxy` can stop cleanly and print their totals instead of dying mid-line.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn request_stop(_signal: libc::c_int) {
    // A second Ctrl-C means "now": leave at once with the conventional status.
    if STOP.swap(true, Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(130) };
    }
}

/// Route SIGINT and SIGTERM to the stop flag.
pub fn install() {
    let handler = request_stop as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// Has a stop been asked for (by a signal or by [`request`])?
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Ask every loop to stop, as a signal would.
pub fn request() {
    STOP.store(true, Ordering::SeqCst);
}
