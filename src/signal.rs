//! Ctrl-C (SIGINT) and SIGTERM as a flag the long-running commands poll, so `lab serve` and
//! `lab proxy` can stop cleanly and print their totals instead of dying mid-line. The flag
//! also has a descriptor ([`stop_fd`]) that turns readable at the same moment, so a thread
//! waiting in poll() for a socket wakes at once instead of at its next timeout.

use std::os::fd::{BorrowedFd, RawFd};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);
/// An eventfd written once a stop is asked for (-1 until [`install`] made it).
static STOP_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn request_stop(_signal: libc::c_int) {
    // A second Ctrl-C means "now": leave at once with the conventional status.
    if STOP.swap(true, Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(130) };
    }
    wake();
}

/// Make the stop descriptor readable (async-signal-safe: one write(2) to an eventfd).
fn wake() {
    let fd = STOP_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live local to a descriptor this module owns for the
        // life of the process. A full counter (EAGAIN) still leaves it readable.
        unsafe { libc::write(fd, (&raw const one).cast(), 8) };
    }
}

/// Route SIGINT and SIGTERM to the stop flag (and its descriptor).
pub fn install() {
    static MADE: Once = Once::new();
    MADE.call_once(|| {
        // SAFETY: eventfd takes no pointers; the descriptor is kept for the whole process.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        // Without it (out of descriptors at start-up) the loops still see the flag at their
        // next timeout.
        STOP_FD.store(fd, Ordering::SeqCst);
    });
    let handler = request_stop as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic and writes to an eventfd, both
    // async-signal-safe.
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
    wake();
}

/// A descriptor that is readable once a stop has been asked for, to poll() next to a
/// socket; `None` before [`install`].
pub fn stop_fd() -> Option<BorrowedFd<'static>> {
    let fd: RawFd = STOP_FD.load(Ordering::SeqCst);
    // SAFETY: once made, the eventfd is never closed: it lives as long as the process.
    (fd >= 0).then(|| unsafe { BorrowedFd::borrow_raw(fd) })
}
