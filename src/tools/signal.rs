//! Ctrl-C (SIGINT) and SIGTERM as a flag the long-running commands poll, so `lab serve` and
//! `lab proxy` can stop cleanly and print their totals instead of dying mid-line. The flag
//! also has a descriptor ([`stop_fd`]) that turns readable at the same moment, so a thread
//! waiting in poll() for a socket wakes at once instead of at its next timeout.

use std::os::fd::{BorrowedFd, RawFd};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);
/// The signal that asked for the stop (0: none, or [`request`]).
static STOP_SIGNAL: AtomicI32 = AtomicI32::new(0);
/// An eventfd written once a stop is asked for (-1 until [`install`] made it).
static STOP_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn request_stop(signal: libc::c_int) {
    // The first signal is the one that asked; a later one does not change the story.
    let _ = STOP_SIGNAL.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
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

/// The signal (SIGINT, SIGTERM) that asked for the stop; `None` when none has, or when lab
/// asked itself ([`request`]).
pub fn stop_signal() -> Option<i32> {
    match STOP_SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
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

/// While this lives, SIGINT, SIGTERM and SIGHUP remove a directory (with everything in it)
/// and end the process (status 128 + the signal): for work that runs on threads which never
/// look at a stop flag, such as `lab upload-demo` writing gigabytes into a scratch directory.
///
/// Create it before the work spawns its threads: the signals are blocked in this thread and
/// so in every thread it spawns after, and one thread of its own waits for them (sigwait) —
/// an ordinary thread, free to remove files, unlike a signal handler.
pub struct RemoveOnSignal {
    previous: libc::sigset_t,
}

/// The signals that end lab with cleanup.
fn ending_signals() -> libc::sigset_t {
    let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigemptyset initialises the set; sigaddset adds valid signal numbers to it.
    unsafe {
        libc::sigemptyset(set.as_mut_ptr());
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(set.as_mut_ptr(), signal);
        }
        set.assume_init()
    }
}

impl RemoveOnSignal {
    pub fn new(dir: std::path::PathBuf) -> std::io::Result<Self> {
        let set = ending_signals();
        let mut previous = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: valid sets; the previous mask is written into `previous`.
        let failed = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, previous.as_mut_ptr()) };
        if failed != 0 {
            return Err(std::io::Error::from_raw_os_error(failed));
        }
        // SAFETY: written by the successful pthread_sigmask above.
        let previous = unsafe { previous.assume_init() };
        std::thread::Builder::new()
            .name("cleanup on signal".into())
            .spawn(move || {
                let mut signal = 0;
                // SAFETY: a valid set, and an int for the signal taken.
                if unsafe { libc::sigwait(&set, &mut signal) } == 0 {
                    let _ = std::fs::remove_dir_all(&dir);
                    crate::render::terminal::leave_on_a_fresh_line();
                    std::process::exit(128 + signal);
                }
            })?;
        Ok(RemoveOnSignal { previous })
    }
}

impl Drop for RemoveOnSignal {
    fn drop(&mut self) {
        // The work is over and its files are gone: signals act as before again (a late one
        // is still taken by the waiting thread, which removes nothing that is left).
        // SAFETY: restoring the mask saved when this was made.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.previous, std::ptr::null_mut()) };
    }
}
