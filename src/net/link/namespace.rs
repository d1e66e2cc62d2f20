//! Anonymous network namespaces: made by `unshare(CLONE_NEWNET)` on a thread of their own and
//! held by a descriptor of `/proc/thread-self/ns/net`. Nothing names them (no
//! `/run/netns/…`), so when lab exits — however it exits — the last descriptor closes and the
//! kernel takes them away with everything in them.
//!
//! A namespace is a property of a thread, and a socket keeps the namespace of the thread that
//! created it. So: [`NetNamespace::run`] runs a closure on a fresh thread that has `setns()`'d
//! into the namespace (to open sockets there), and [`NetNamespace::enter_before_exec`] makes a
//! child process start inside it (to run a student's program there).

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::thread;

/// A network namespace, alive as long as this value (or anything opened inside it) is.
#[derive(Debug)]
pub struct NetNamespace {
    fd: OwnedFd,
}

impl NetNamespace {
    /// Make a new, empty namespace (only a loopback device, down).
    pub fn create() -> io::Result<NetNamespace> {
        on_own_thread(|| {
            // SAFETY: unshare only changes this thread's namespaces.
            if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
                return Err(io::Error::last_os_error());
            }
            let fd = File::open("/proc/thread-self/ns/net")?.into();
            Ok(NetNamespace { fd })
        })
    }

    /// Run `f` inside this namespace, on a thread of its own (the caller's thread stays where
    /// it is). Sockets `f` opens belong to this namespace for good.
    pub fn run<T: Send>(&self, f: impl FnOnce() -> T + Send) -> io::Result<T> {
        on_own_thread(|| {
            self.enter_this_thread()?;
            Ok(f())
        })
    }

    /// Make `command`'s process start inside this namespace: it `setns()`es between fork and
    /// exec. The namespace must stay alive until the command has been spawned.
    pub fn enter_before_exec(&self, command: &mut Command) {
        let join = self.joiner();
        // SAFETY: the hook only calls setns(2), which is async-signal-safe (see `joiner`).
        unsafe {
            command.pre_exec(join);
        }
    }

    /// A step for a child process between fork and exec that moves it into this namespace:
    /// it calls only setns(2), which is async-signal-safe, on a descriptor the child
    /// inherited (CLOEXEC closes it at exec, after the step). `lab trace --net` forks its
    /// programs itself and runs this in the child. The namespace must stay alive until the
    /// child has run it.
    pub fn joiner(&self) -> impl Fn() -> io::Result<()> + Send + Sync + 'static {
        let fd = self.fd.as_raw_fd();
        move || {
            // SAFETY: setns on a namespace descriptor changes only the calling thread (in a
            // freshly forked child, the whole process).
            if unsafe { libc::setns(fd, libc::CLONE_NEWNET) } != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        }
    }

    fn enter_this_thread(&self) -> io::Result<()> {
        // SAFETY: setns on a valid namespace descriptor changes only this thread.
        if unsafe { libc::setns(self.fd.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Run `f` on a new scoped thread and return what it returns; a thread that cannot be started
/// or that panics is an error, not a panic here.
fn on_own_thread<T: Send>(f: impl FnOnce() -> io::Result<T> + Send) -> io::Result<T> {
    thread::scope(|scope| {
        let handle = thread::Builder::new()
            .name("lab-netns".into())
            .spawn_scoped(scope, f)?;
        handle
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("a namespace thread panicked")))
    })
}

/// For a user without the right to make network namespaces: become root of a new user
/// namespace first, where making them is allowed (if the kernel lets unprivileged users make
/// user namespaces). Only a single-threaded process may do this, so `main` calls it before
/// anything else starts. Returns why not when it could not.
pub fn enter_user_namespace() -> io::Result<()> {
    // SAFETY: plain getters.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    // SAFETY: unshare only changes this (single-threaded) process's namespaces.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // Map our own ids to root inside; setgroups must be denied before gid_map is written.
    std::fs::write("/proc/self/setgroups", "deny")?;
    std::fs::write("/proc/self/uid_map", format!("0 {uid} 1"))?;
    std::fs::write("/proc/self/gid_map", format!("0 {gid} 1"))?;
    Ok(())
}

/// Whether the effective user is root.
pub fn is_root() -> bool {
    // SAFETY: a plain getter.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Namespaces need root (or a user namespace); say so and skip without.
    fn namespace() -> Option<NetNamespace> {
        match NetNamespace::create() {
            Ok(ns) => Some(ns),
            Err(e) => {
                eprintln!("skipped: cannot make a network namespace here: {e}");
                None
            }
        }
    }

    fn namespace_id(path: &str) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).unwrap().ino()
    }

    #[test]
    fn a_closure_runs_inside_and_the_caller_stays_outside() {
        let Some(ns) = namespace() else { return };
        let outside = namespace_id("/proc/thread-self/ns/net");
        let inside = ns.run(|| namespace_id("/proc/thread-self/ns/net")).unwrap();
        assert_ne!(inside, outside);
        assert_eq!(namespace_id("/proc/thread-self/ns/net"), outside);
        // The same namespace each time.
        assert_eq!(
            ns.run(|| namespace_id("/proc/thread-self/ns/net")).unwrap(),
            inside
        );
    }

    #[test]
    fn a_child_process_starts_inside() {
        let Some(ns) = namespace() else { return };
        let inside = ns.run(|| namespace_id("/proc/thread-self/ns/net")).unwrap();
        let mut command = Command::new("stat");
        command.args(["-L", "-c", "%i", "/proc/self/ns/net"]);
        ns.enter_before_exec(&mut command);
        let Ok(output) = command.output() else {
            eprintln!("skipped: no stat command");
            return;
        };
        let printed = String::from_utf8_lossy(&output.stdout);
        assert_eq!(printed.trim(), inside.to_string());
    }
}
