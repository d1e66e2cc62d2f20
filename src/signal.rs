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
                    // Leave the cursor on a fresh line, below any progress bar.
                    eprintln!();
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
