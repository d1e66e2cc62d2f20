//! Starting a program under the tracer: fork, ask to be traced, install the seccomp filter,
//! exec. The child reports a failed step through a close-on-exec pipe, so the tracer knows
//! whether the program really started before it waits for it.
//!
//! Between fork and exec the child may only make async-signal-safe calls (lab has other
//! threads, whose locks the child inherits held): everything it needs — the program's path,
//! argv, the environment, the filter — is built before the fork.

use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::unistd::Pid;

use super::seccomp;
use super::{ExecFailure, TraceError};

/// A step of the child's set-up, as reported back through the pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The placement hook (a namespace to join, …).
    Place = 1,
    Traceme = 2,
    NoNewPrivs = 3,
    Seccomp = 4,
    Exec = 5,
}

impl Step {
    fn from_byte(byte: u8) -> Step {
        match byte {
            1 => Step::Place,
            2 => Step::Traceme,
            3 => Step::NoNewPrivs,
            4 => Step::Seccomp,
            _ => Step::Exec,
        }
    }
}

/// Runs in the child after fork, before tracing starts: where the program should run (the
/// `--net` link joins a network namespace here). It must be async-signal-safe.
pub type Placement = Box<dyn Fn() -> Result<(), Errno> + Send + Sync>;

/// How to start one program.
pub struct Launch {
    /// The program and its arguments, as the user gave them.
    pub argv: Vec<OsString>,
    /// Variables added to lab's own environment.
    pub env: Vec<(OsString, OsString)>,
    pub placement: Option<Placement>,
}

impl Launch {
    /// `argv[0]` found on PATH, with the rest as its arguments.
    pub fn command(argv: Vec<OsString>) -> Launch {
        Launch {
            argv,
            env: Vec::new(),
            placement: None,
        }
    }

    /// A command line run by `/bin/sh -c`, as a student types it in a terminal.
    pub fn shell(line: &str) -> Launch {
        Launch::command(vec!["/bin/sh".into(), "-c".into(), line.into()])
    }
}

/// Everything the child needs, allocated before the fork.
struct Prepared {
    path: CString,
    /// The strings the pointers below point into.
    _argv: Vec<CString>,
    argv_ptrs: Vec<*const libc::c_char>,
    _envp: Vec<CString>,
    envp_ptrs: Vec<*const libc::c_char>,
    filter: Vec<libc::sock_filter>,
}

fn c_string(bytes: &[u8]) -> Result<CString, TraceError> {
    CString::new(bytes).map_err(|_| TraceError::NulInCommand)
}

fn prepare(launch: &Launch) -> Result<Prepared, TraceError> {
    let program = launch.argv.first().ok_or(TraceError::NoCommand)?;
    if program.is_empty() {
        return Err(TraceError::EmptyCommand { flag: None });
    }
    let path = find_program(program).ok_or_else(|| TraceError::ProgramNotFound {
        program: program.to_string_lossy().into_owned(),
    })?;
    let argv = launch
        .argv
        .iter()
        .map(|a| c_string(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(k, _)| !launch.env.iter().any(|(added, _)| added == k))
        .collect();
    env.extend(launch.env.iter().cloned());
    let envp = env
        .into_iter()
        .map(|(k, v)| {
            let mut pair = k.into_vec();
            pair.push(b'=');
            pair.extend(v.into_vec());
            c_string(&pair)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let pointers = |strings: &[CString]| {
        strings
            .iter()
            .map(|s| s.as_ptr())
            .chain([std::ptr::null()])
            .collect::<Vec<_>>()
    };
    Ok(Prepared {
        path: c_string(path.as_os_str().as_bytes())?,
        argv_ptrs: pointers(&argv),
        envp_ptrs: pointers(&envp),
        _argv: argv,
        _envp: envp,
        filter: seccomp::filter(),
    })
}

/// Where the shell would find `program`: itself if it has a slash and exists, else the first
/// executable file of that name on PATH (or, if none is executable, the first file of that
/// name: exec then says why it cannot run, as a shell does).
pub fn find_program(program: &OsStr) -> Option<PathBuf> {
    if program.as_bytes().contains(&b'/') {
        let path = PathBuf::from(program);
        return path.exists().then_some(path);
    }
    let executable = |p: &&PathBuf| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let named: Vec<PathBuf> = std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .collect();
    named
        .iter()
        .find(executable)
        .or_else(|| named.iter().find(|p| p.is_file()))
        .cloned()
}

/// What the file at `path` is, to say why execve() refused it with `errno`.
fn exec_failure(path: &Path, errno: Errno) -> ExecFailure {
    match errno {
        Errno::EACCES if path.is_dir() => ExecFailure::Directory,
        Errno::EACCES => ExecFailure::NotExecutable,
        Errno::ENOEXEC => ExecFailure::NotAProgram,
        Errno::ENOENT => match interpreter(path) {
            Some(interpreter) if !Path::new(&interpreter).exists() => {
                ExecFailure::MissingInterpreter { interpreter }
            }
            _ => ExecFailure::Other,
        },
        _ => ExecFailure::Other,
    }
}

/// The interpreter a script's `#!` line names, if it has one.
fn interpreter(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path).ok()?.read(&mut head).ok()?;
    let line = head[..n].strip_prefix(b"#!")?;
    let line = line.split(|&b| b == b'\n').next()?;
    let text = String::from_utf8_lossy(line);
    text.split_whitespace().next().map(str::to_string)
}

/// Start the program traced. On success it is stopped at the SIGTRAP that follows its exec,
/// waiting for the tracer's options; the caller must be the thread that will trace it.
pub fn spawn(launch: &Launch) -> Result<Pid, TraceError> {
    let prepared = prepare(launch)?;
    let (read_end, write_end) = cloexec_pipe()?;
    let parent = nix::unistd::getpid().as_raw();
    // SAFETY: the child runs only async-signal-safe calls on memory prepared before the fork
    // (see `child`), then execs or _exits.
    match unsafe { nix::unistd::fork() }.map_err(TraceError::System)? {
        nix::unistd::ForkResult::Child => {
            drop(read_end);
            child(&prepared, launch.placement.as_ref(), &write_end, parent)
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(write_end);
            let mut report = [0u8; 5];
            let n = read_full(&read_end, &mut report);
            if n < report.len() {
                return Ok(child); // exec succeeded: the pipe closed with it
            }
            // The child failed a step and exits: reap it so it leaves no zombie.
            let _ = nix::sys::wait::waitpid(child, None);
            let errno = Errno::from_raw(i32::from_ne_bytes([
                report[1], report[2], report[3], report[4],
            ]));
            let path = Path::new(OsStr::from_bytes(prepared.path.as_bytes()));
            Err(failed_step(Step::from_byte(report[0]), errno, launch, path))
        }
    }
}

/// A pipe whose ends close on exec: the child's report channel.
fn cloexec_pipe() -> Result<(OwnedFd, OwnedFd), TraceError> {
    let mut ends = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the two-element array it is given.
    if unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(TraceError::System(Errno::last()));
    }
    // SAFETY: pipe2 succeeded, so both are fresh open descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(ends[0]), OwnedFd::from_raw_fd(ends[1])) })
}

fn read_full(fd: &OwnedFd, buf: &mut [u8]) -> usize {
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: reads into the unfilled rest of `buf`.
        let n = unsafe {
            libc::read(
                fd.as_raw_fd(),
                buf[got..].as_mut_ptr().cast(),
                buf.len() - got,
            )
        };
        match n {
            0 => break,
            n if n > 0 => got += n as usize,
            _ if Errno::last() == Errno::EINTR => continue,
            _ => break,
        }
    }
    got
}

fn failed_step(step: Step, errno: Errno, launch: &Launch, path: &Path) -> TraceError {
    let program = launch
        .argv
        .first()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    match step {
        Step::Traceme => TraceError::PtraceDenied {
            errno,
            ptrace_scope: ptrace_scope(),
        },
        Step::NoNewPrivs | Step::Seccomp => TraceError::SeccompUnavailable { errno },
        Step::Place => TraceError::PlacementFailed { errno },
        Step::Exec => TraceError::ExecFailed {
            program,
            errno,
            failure: exec_failure(path, errno),
        },
    }
}

/// Yama's `kernel.yama.ptrace_scope`, where the kernel has Yama.
pub fn ptrace_scope() -> Option<u8> {
    std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The child's side: only async-signal-safe calls from here to exec.
fn child(
    prepared: &Prepared,
    placement: Option<&Placement>,
    report: &OwnedFd,
    parent: libc::pid_t,
) -> ! {
    // Until the tracer sets PTRACE_O_EXITKILL at the first stop, nothing would end this
    // program if lab were killed (SIGKILL): the death signal covers that stretch. It fires
    // when the forking thread (the tracer) ends; a parent already gone is checked after.
    // SAFETY: prctl, getppid and _exit are plain system calls (async-signal-safe).
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        if libc::getppid() != parent {
            libc::_exit(127);
        }
    }
    let fail = |step: Step, errno: i32| -> ! {
        let mut message = [step as u8, 0, 0, 0, 0];
        message[1..].copy_from_slice(&errno.to_ne_bytes());
        let iov = libc::iovec {
            iov_base: message.as_mut_ptr().cast(),
            iov_len: message.len(),
        };
        // Once the filter is in, write() stops for a tracer that has not set its options yet,
        // and the kernel fails it (ENOSYS): the report would never arrive. pwritev2 at offset
        // -1 is a plain write the filter lets through.
        // SAFETY: pwritev2 and _exit are plain system calls (async-signal-safe); the iovec
        // points into a buffer on this stack.
        unsafe {
            libc::syscall(
                libc::SYS_pwritev2,
                report.as_raw_fd(),
                &iov as *const libc::iovec,
                1,
                -1 as libc::c_long,
                -1 as libc::c_long,
                0,
            );
            libc::_exit(127)
        }
    };
    if let Some(place) = placement {
        if let Err(e) = place() {
            fail(Step::Place, e as i32);
        }
    }
    let program = libc::sock_fprog {
        len: prepared.filter.len() as u16,
        filter: prepared.filter.as_ptr().cast_mut(),
    };
    // SAFETY: plain system calls on memory prepared before the fork.
    unsafe {
        if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) != 0 {
            fail(Step::Traceme, *libc::__errno_location());
        }
        // A filter without privileges needs no_new_privs; it also keeps set-uid programs from
        // gaining rights under a tracer.
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            fail(Step::NoNewPrivs, *libc::__errno_location());
        }
        let mode = libc::SECCOMP_SET_MODE_FILTER as libc::c_long;
        if libc::syscall(
            libc::SYS_seccomp,
            mode,
            0,
            &program as *const libc::sock_fprog,
        ) != 0
        {
            fail(Step::Seccomp, *libc::__errno_location());
        }
        libc::execve(
            prepared.path.as_ptr(),
            prepared.argv_ptrs.as_ptr(),
            prepared.envp_ptrs.as_ptr(),
        );
        fail(Step::Exec, *libc::__errno_location())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_on_path_or_by_their_own_path() {
        assert!(find_program(OsStr::new("sh")).is_some());
        assert_eq!(
            find_program(OsStr::new("/bin/sh")),
            Some(PathBuf::from("/bin/sh"))
        );
        assert_eq!(find_program(OsStr::new("no-such-program-lab")), None);
        assert_eq!(find_program(OsStr::new("./no/such/path")), None);
        // A path that exists is taken as it is: exec says why it cannot run.
        assert_eq!(find_program(OsStr::new("/")), Some(PathBuf::from("/")));
    }

    #[test]
    fn a_refused_exec_is_told_by_what_the_file_is() {
        let dir = std::env::temp_dir().join(format!("lab-spawn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("script");
        std::fs::write(&script, "#!/no/such/interp -x\nprint(1)\n").unwrap();
        assert_eq!(
            exec_failure(&script, Errno::ENOENT),
            ExecFailure::MissingInterpreter {
                interpreter: "/no/such/interp".into()
            }
        );
        assert_eq!(exec_failure(&dir, Errno::EACCES), ExecFailure::Directory);
        assert_eq!(
            exec_failure(&script, Errno::EACCES),
            ExecFailure::NotExecutable
        );
        assert_eq!(
            exec_failure(&script, Errno::ENOEXEC),
            ExecFailure::NotAProgram
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
