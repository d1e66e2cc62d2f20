//! The ptrace loop: one thread starts the programs, waits for every stop of every traced
//! thread (`__WALL`), and resumes each — all ptrace requests come from this thread, as the
//! kernel requires.
//!
//! A thread stops at a seccomp event when it enters a traced call; the tracer decodes the
//! arguments and resumes it to the call's exit (PTRACE_SYSCALL), decodes the result and lets
//! it run on (PTRACE_CONT). New threads and processes (fork, vfork, clone) are traced from
//! birth; their first stop may be reported before or after their parent's event, so either
//! order registers them. A thread that dies at any point (ESRCH) is simply gone: its exit is
//! reported next. PTRACE_O_EXITKILL ends every traced program if lab itself dies.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::ptrace::{self, Options};
use nix::unistd::Pid;

use super::calls::Pending;
use super::fds::FdTables;
use super::inspect::Inspector;
use super::record::{Closing, Made, Recorder};
use super::{
    Interrupt, Live, LiveQueue, Note, ProgramEnd, ProgramReport, Programs, Role, StopReason,
    TraceError, TraceOptions, TraceReport, spawn,
};
use crate::transcript::{Op, Side};

/// How long the server has to listen() before lab gives up on starting the client.
const LISTEN_WAIT: Duration = Duration::from_secs(10);
/// How long a server may go on after its client ended before lab stops it (unless it is
/// plainly idle, waiting in accept() with no connection open).
const SERVER_LINGER: Duration = Duration::from_secs(1);
/// After SIGTERM, how long before SIGKILL.
const KILL_AFTER: Duration = Duration::from_millis(300);
/// The pause between looks while some thread waits for a deadline.
const POLL: Duration = Duration::from_millis(1);
/// Processes named in the note that says which still run after their program's own ended.
const STILL_RUNNING_SHOWN: usize = 4;

/// Where a traced thread is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    /// Running (or in an untraced call).
    Running,
    /// Resumed into a traced call; its exit stop comes next.
    InCall,
    /// Held at a call's entry (`--reader-delay`).
    Parked,
    /// Just spawned, waiting for the SIGTRAP that follows its exec.
    Spawned,
    /// Announced by its parent, its first stop not seen yet.
    Announced,
}

#[derive(Debug)]
pub(super) struct Task {
    pub tgid: u32,
    pub state: State,
    pub call: Option<Pending>,
    /// A bind() on a UDP socket (this descriptor) by a server a client waits for: its exit
    /// says whether the server is ready.
    pub udp_bind: Option<i32>,
}

/// A traced process (thread group).
#[derive(Debug)]
pub(super) struct Process {
    /// Index into the programs: a forked child belongs to its parent's program.
    pub program: usize,
    /// It has listened: in a one-program trace its own events are the server's.
    pub listens: bool,
}

/// A program as started, and what became of it.
#[derive(Debug)]
struct Program {
    role: Role,
    command: String,
    pid: Option<u32>,
    end: Option<ProgramEnd>,
    /// Why lab is stopping it, once it is.
    stop: Option<StopReason>,
    /// Processes of this program still alive.
    alive: usize,
    /// The last of its other processes a signal killed, lab not stopping it: pid, signal.
    killed_inside: Option<(u32, &'static str)>,
}

pub(super) struct Tracer {
    pub clock: Instant,
    pub recv_max: Option<u64>,
    pub send_max: Option<u64>,
    pub reader_delay: Duration,
    pub preview: usize,
    pub tasks: HashMap<i32, Task>,
    pub processes: HashMap<u32, Process>,
    pub fds: FdTables,
    pub inspector: Inspector,
    pub rec: Recorder,
    /// `--net`: the link the programs run across (bind and connect addresses rewritten).
    pub net: Option<super::Linked>,
    programs: Vec<Program>,
    /// The client of a pair, until the server listens.
    waiting_client: Option<spawn::Launch>,
    started: Instant,
    client_ended: Option<Instant>,
    /// Set by lab's Ctrl-C watcher; the processes to kill, shared with it.
    interrupted: Arc<AtomicBool>,
    alive: Arc<Mutex<Vec<i32>>>,
    live: std::sync::Arc<LiveQueue>,
    term_sent: Option<Instant>,
}

/// Trace the programs to their end.
pub fn trace(
    options: TraceOptions,
    live: std::sync::Arc<LiveQueue>,
) -> Result<TraceReport, TraceError> {
    let (mut first, mut waiting_client, roles) = match options.programs {
        Programs::One(launch) => (launch, None, vec![Role::Program]),
        Programs::Pair { server, client } => {
            (server, Some(client), vec![Role::Server, Role::Client])
        }
    };
    if let Some(net) = &options.net {
        // Each program starts in its namespace; their children stay there.
        first.placement = Some(net.placement(roles[0]));
        if let Some(client) = waiting_client.as_mut() {
            client.placement = Some(net.placement(Role::Client));
        }
        live.push(Live::Note(Note::AcrossLink {
            client: crate::net::link::CLIENT_ADDR,
            server: crate::net::link::SERVER_ADDR,
        }));
    }
    let mut tracer = Tracer {
        // Across a link, the packets' clock: calls and packets share one timeline.
        clock: options
            .net
            .as_ref()
            .map_or_else(Instant::now, super::Linked::clock),
        recv_max: options.recv_max,
        send_max: options.send_max,
        reader_delay: options.reader_delay,
        preview: options.preview.min(super::PREVIEW),
        tasks: HashMap::new(),
        processes: HashMap::new(),
        fds: FdTables::default(),
        inspector: Inspector::default(),
        rec: Recorder::new(std::sync::Arc::clone(&live)),
        net: options.net,
        programs: roles
            .iter()
            .map(|&role| Program {
                role,
                command: String::new(),
                pid: None,
                end: None,
                stop: None,
                alive: 0,
                killed_inside: None,
            })
            .collect(),
        waiting_client: None,
        started: Instant::now(),
        client_ended: None,
        interrupted: Arc::new(AtomicBool::new(false)),
        alive: Arc::new(Mutex::new(Vec::new())),
        live,
        term_sent: None,
    };
    tracer.programs[0].command = command_text(&first);
    if let Some(client) = &waiting_client {
        tracer.programs[1].command = command_text(client);
    }
    // The watcher first: without a thread for it (none can be made) no program starts.
    let watcher = WatcherDone(watch_for_interrupt(
        Arc::clone(&tracer.interrupted),
        Arc::clone(&tracer.alive),
    )?);
    tracer.start(0, &first)?;
    tracer.waiting_client = waiting_client;
    tracer.run_loop();
    drop(watcher);
    Ok(tracer.finish())
}

/// Tells the Ctrl-C watcher its work is over when dropped: on every way out of the trace, an
/// error or a panic included, so it never polls on for the rest of the process.
struct WatcherDone(Arc<AtomicBool>);

impl Drop for WatcherDone {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// The command as the user gave it.
fn command_text(launch: &spawn::Launch) -> String {
    match launch.argv.as_slice() {
        [sh, c, line] if sh == "/bin/sh" && c == "-c" => line.to_string_lossy().into_owned(),
        argv => argv
            .iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A thread that, on Ctrl-C, kills every traced process (kill() may come from any thread;
/// the tracer then sees them die). Returns the flag that ends it, or why no thread was made.
fn watch_for_interrupt(
    interrupted: Arc<AtomicBool>,
    alive: Arc<Mutex<Vec<i32>>>,
) -> Result<Arc<AtomicBool>, TraceError> {
    let done = Arc::new(AtomicBool::new(false));
    let finished = Arc::clone(&done);
    let watcher = std::thread::Builder::new().spawn(move || {
        while !finished.load(Ordering::SeqCst) {
            if crate::tools::signal::stop_requested() {
                interrupted.store(true, Ordering::SeqCst);
                for &pid in alive.lock().unwrap_or_else(PoisonError::into_inner).iter() {
                    // SAFETY: kill() with a pid lab traces; a stale pid fails harmlessly.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    match watcher {
        Ok(_) => Ok(done),
        Err(e) => Err(TraceError::System(nix::errno::Errno::from_raw(
            e.raw_os_error().unwrap_or(libc::EAGAIN),
        ))),
    }
}

/// Resume a stopped thread: on to the call's exit (`syscall`), or on (`cont`), delivering
/// `signal` (0: none). A thread that died meanwhile (ESRCH) reports its exit next.
pub(super) fn resume(tid: i32, to_exit: bool, signal: i32) {
    let request = if to_exit {
        libc::PTRACE_SYSCALL
    } else {
        libc::PTRACE_CONT
    };
    // SAFETY: a ptrace request on a thread this thread traces; no memory is passed.
    unsafe { libc::ptrace(request, tid, 0, signal as libc::c_long) };
}

/// A signal's name, as the man pages write it.
pub(super) fn signal_name(signal: i32) -> &'static str {
    nix::sys::signal::Signal::try_from(signal).map_or("SIGRT", |s| s.as_str())
}

/// A number field (`Tgid:`, `PPid:`) of /proc/TID/status.
fn status_field(tid: i32, field: &str) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().parse().ok())
}

/// The process a thread belongs to.
fn tgid_of(tid: i32) -> Option<u32> {
    status_field(tid, "Tgid:")
}

impl Tracer {
    /// Microseconds since the trace began.
    pub fn now_us(&self) -> u64 {
        self.clock.elapsed().as_micros() as u64
    }

    /// Start program `index`; it is stopped at its exec, its options set on the first stop.
    fn start(&mut self, index: usize, launch: &spawn::Launch) -> Result<(), TraceError> {
        let pid = spawn::spawn(launch)?;
        let raw = pid.as_raw();
        self.tasks.insert(
            raw,
            Task {
                tgid: raw as u32,
                state: State::Spawned,
                call: None,
                udp_bind: None,
            },
        );
        self.add_process(raw as u32, index);
        let program = &mut self.programs[index];
        program.pid = Some(raw as u32);
        self.live.push(Live::Note(Note::Started {
            role: program.role,
            pid: raw as u32,
            command: program.command.clone(),
        }));
        Ok(())
    }

    fn add_process(&mut self, pid: u32, program: usize) {
        self.processes.insert(
            pid,
            Process {
                program,
                listens: false,
            },
        );
        self.programs[program].alive += 1;
        self.alive
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(pid as i32);
    }

    /// The side a process's events belong to when no socket says otherwise.
    pub fn side_of(&self, tgid: u32) -> Side {
        let Some(process) = self.processes.get(&tgid) else {
            return Side::Client;
        };
        match self.programs[process.program].role {
            Role::Server => Side::Server,
            Role::Client => Side::Client,
            Role::Program if process.listens => Side::Server,
            Role::Program => Side::Client,
        }
    }

    /// Who made a call: the part of each event that is not its result.
    pub fn made(&self, tid: i32, fd: Option<i32>, syscall: &'static str, t_call: u64) -> Made {
        let tgid = self.tasks.get(&tid).map_or(tid as u32, |t| t.tgid);
        Made {
            pid: tgid,
            tid: tid as u32,
            fd,
            syscall,
            t_call,
            t_return: self.now_us(),
            side: self.side_of(tgid),
        }
    }

    fn run_loop(&mut self) {
        loop {
            if self.tasks.is_empty() {
                break;
            }
            self.on_deadlines();
            let polling = self.has_deadline();
            let mut status = 0;
            let flags = libc::__WALL | if polling { libc::WNOHANG } else { 0 };
            // SAFETY: waitpid writes the status into a local.
            let tid = unsafe { libc::waitpid(-1, &mut status, flags) };
            if tid == 0 {
                std::thread::sleep(POLL);
                continue;
            }
            if tid < 0 {
                match nix::errno::Errno::last() {
                    nix::errno::Errno::EINTR => continue,
                    // No traced thread left that the kernel knows of.
                    _ => break,
                }
            }
            self.on_status(tid, status);
        }
    }

    fn on_status(&mut self, tid: i32, status: i32) {
        if libc::WIFEXITED(status) {
            return self.on_gone(tid, ProgramEnd::Exited(libc::WEXITSTATUS(status)));
        }
        if libc::WIFSIGNALED(status) {
            let name = signal_name(libc::WTERMSIG(status));
            return self.on_gone(tid, ProgramEnd::Signaled(name));
        }
        if !libc::WIFSTOPPED(status) {
            return;
        }
        let signal = libc::WSTOPSIG(status);
        let event = status >> 16;
        if !self.tasks.contains_key(&tid) {
            self.on_early_child(tid);
            return;
        }
        match (signal, event) {
            (libc::SIGTRAP, libc::PTRACE_EVENT_SECCOMP) => self.on_entry(tid),
            (s, 0) if s == libc::SIGTRAP | 0x80 => self.on_exit(tid),
            (libc::SIGTRAP, libc::PTRACE_EVENT_FORK)
            | (libc::SIGTRAP, libc::PTRACE_EVENT_VFORK)
            | (libc::SIGTRAP, libc::PTRACE_EVENT_CLONE) => self.on_new_child(tid, event),
            (libc::SIGTRAP, libc::PTRACE_EVENT_EXEC) => self.on_exec(tid),
            (libc::SIGTRAP, libc::PTRACE_EVENT_EXIT) => self.on_exiting(tid),
            (_, 0) => self.on_signal(tid, signal),
            _ => resume(tid, false, 0),
        }
    }

    /// A plain stop: the first stop of a spawned or new thread, or a signal to pass on.
    fn on_signal(&mut self, tid: i32, signal: i32) {
        let task = self.tasks.get_mut(&tid).expect("known thread");
        match (task.state, signal) {
            (State::Spawned, libc::SIGTRAP) => {
                task.state = State::Running;
                let options = Options::PTRACE_O_TRACESECCOMP
                    | Options::PTRACE_O_TRACESYSGOOD
                    | Options::PTRACE_O_TRACEFORK
                    | Options::PTRACE_O_TRACEVFORK
                    | Options::PTRACE_O_TRACECLONE
                    | Options::PTRACE_O_TRACEEXEC
                    | Options::PTRACE_O_TRACEEXIT
                    | Options::PTRACE_O_EXITKILL;
                let _ = ptrace::setoptions(Pid::from_raw(tid), options);
                resume(tid, false, 0);
            }
            (State::Announced, libc::SIGSTOP) => {
                task.state = State::Running;
                resume(tid, false, 0);
            }
            _ => {
                // A group-stop (its siginfo cannot be read) is not a signal to deliver again.
                let group_stop = ptrace::getsiginfo(Pid::from_raw(tid)).is_err();
                resume(tid, false, if group_stop { 0 } else { signal });
            }
        }
    }

    /// A fork, vfork or clone: the new thread is traced already.
    fn on_new_child(&mut self, parent: i32, event: i32) {
        let child = ptrace::getevent(Pid::from_raw(parent)).unwrap_or(0) as i32;
        let parent_tgid = self.tasks.get(&parent).map_or(parent as u32, |t| t.tgid);
        if child > 0 {
            let thread = event == libc::PTRACE_EVENT_CLONE
                && tgid_of(child).is_none_or(|t| t == parent_tgid);
            self.register_child(child, parent_tgid, thread);
            if let Some(task) = self.tasks.get_mut(&child) {
                if task.state == State::Running {
                    // Its first stop came before this event and was already passed.
                } else {
                    task.state = State::Announced;
                }
            }
        }
        resume(parent, false, 0);
    }

    /// A new thread's first stop, seen before its parent's event: register it now.
    fn on_early_child(&mut self, tid: i32) {
        let Some(tgid) = tgid_of(tid) else {
            resume(tid, false, 0);
            return;
        };
        let thread = self.processes.contains_key(&tgid);
        // A forked child's parent is found through /proc; its program is the parent's.
        let parent = if thread {
            tgid
        } else {
            status_field(tid, "PPid:").unwrap_or(tgid)
        };
        self.register_child(tid, parent, thread);
        if let Some(task) = self.tasks.get_mut(&tid) {
            task.state = State::Running;
        }
        resume(tid, false, 0);
    }

    fn register_child(&mut self, child: i32, parent_tgid: u32, thread: bool) {
        if self.tasks.contains_key(&child) {
            return;
        }
        let tgid = if thread { parent_tgid } else { child as u32 };
        self.tasks.insert(
            child,
            Task {
                tgid,
                state: State::Announced,
                call: None,
                udp_bind: None,
            },
        );
        let program = self.processes.get(&parent_tgid).map_or(0, |p| p.program);
        let t = self.now_us();
        let made = self.made(child, None, if thread { "clone" } else { "fork" }, t);
        let made = Made {
            pid: parent_tgid,
            side: self.side_of(parent_tgid),
            ..made
        };
        let op = if thread { Op::Thread } else { Op::Fork };
        let mut event = self.rec.event(&made, op, None);
        if let Some(call) = event.call.as_mut() {
            call.tid = None;
            call.child = Some(child as u32);
        }
        self.rec.emit_process(event);
        if !thread {
            self.fds.fork(parent_tgid, child as u32);
            self.add_process(child as u32, program);
            if let Some(listens) = self.processes.get(&parent_tgid).map(|p| p.listens) {
                if let Some(p) = self.processes.get_mut(&(child as u32)) {
                    p.listens = listens;
                }
            }
        }
    }

    /// exec: the process runs a new program; its descriptor table is looked at afresh.
    fn on_exec(&mut self, tid: i32) {
        let former = ptrace::getevent(Pid::from_raw(tid)).unwrap_or(tid as libc::c_long) as i32;
        if former != tid {
            // A thread other than the leader exec'd: it now has the leader's id.
            self.tasks.remove(&former);
        }
        let tgid = self.tasks.get(&tid).map_or(tid as u32, |t| t.tgid);
        self.tasks.retain(|&t, task| task.tgid != tgid || t == tid);
        self.fds.exec(tgid);
        let path = std::fs::read_link(format!("/proc/{tid}/exe"))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let t = self.now_us();
        let made = self.made(tid, None, "execve", t);
        let mut event = self.rec.event(&made, Op::Exec, None);
        event.detail = Some(path);
        self.rec.emit_process(event);
        resume(tid, false, 0);
    }

    /// A thread is about to end (PTRACE_EVENT_EXIT), its descriptors still open. When it is its
    /// process's only thread, its sockets close now: recorded here, before the peer can see
    /// the FIN (a b'' or ECONNRESET there must not come before its cause), not when lab learns
    /// of the exit later.
    fn on_exiting(&mut self, tid: i32) {
        let Some(tgid) = self.tasks.get(&tid).map(|t| t.tgid) else {
            return resume(tid, false, 0);
        };
        let alone = self.tasks.values().filter(|t| t.tgid == tgid).count() == 1;
        if alone && tid as u32 == tgid {
            if let Some(call) = self.tasks.get_mut(&tid).and_then(|t| t.call.take()) {
                self.unfinished(tid, tgid, call);
            }
            let t = self.now_us();
            self.close_at_exit(tid, tgid, t);
        }
        resume(tid, false, 0);
    }

    /// The sockets process `tgid` still had open close as it ends, at `t`.
    fn close_at_exit(&mut self, tid: i32, tgid: u32, t: u64) {
        for (fd, inode) in self.fds.exit(tgid) {
            let made = self.made(tid, Some(fd), "exit", t);
            let held_by = self.fds.holder(inode, tgid);
            // Still open at an exit stop; gone (None) once the process has ended.
            let unread = self.inspector.unread(tgid, fd);
            let closing = Closing {
                unread,
                ..Closing::default()
            };
            self.rec.close(&made, inode, held_by, closing);
        }
    }

    /// A thread ended; when it was its process's last, the process ended, closing its sockets.
    fn on_gone(&mut self, tid: i32, end: ProgramEnd) {
        let Some(task) = self.tasks.remove(&tid) else {
            return;
        };
        let tgid = task.tgid;
        if let Some(call) = task.call {
            self.unfinished(tid, tgid, call);
        }
        if tid as u32 != tgid {
            return;
        }
        // Threads that ended with the process (exit_group) may still be listed, their calls
        // still waiting.
        let threads: Vec<i32> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.tgid == tgid)
            .map(|(&thread, _)| thread)
            .collect();
        for thread in threads {
            if let Some(call) = self.tasks.remove(&thread).and_then(|t| t.call) {
                self.unfinished(thread, tgid, call);
            }
        }
        let t = self.now_us();
        self.close_at_exit(tid, tgid, t);
        self.inspector.forget(tgid);
        let made = self.made(tid, None, "exit", t);
        let mut event = self.rec.event(&made, Op::Exit, None);
        if let Some(call) = event.call.as_mut() {
            match end {
                ProgramEnd::Exited(code) => call.exit_code = Some(code),
                ProgramEnd::Signaled(name) => call.signal = Some(name),
                _ => {}
            }
        }
        self.rec.emit_process(event);
        self.alive
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|&p| p != tgid as i32);
        if let Some(process) = self.processes.remove(&tgid) {
            self.on_process_ended(process.program, tgid, end);
        }
    }

    /// Process `pid` of program `index` ended with `end`. The program's end is its own
    /// process's; when lab stopped it, the signal that ended its last process is what stopped
    /// it (a shell's child that ignores SIGTERM dies of the SIGKILL after it).
    fn on_process_ended(&mut self, index: usize, pid: u32, end: ProgramEnd) {
        let program = &mut self.programs[index];
        program.alive -= 1;
        if let (ProgramEnd::Signaled(signal), None, false) =
            (end, program.stop, program.pid == Some(pid))
        {
            program.killed_inside = Some((pid, signal));
        }
        let stopped = match (program.stop, end) {
            (Some(reason), ProgramEnd::Signaled(signal)) => ProgramEnd::Stopped { signal, reason },
            _ => end,
        };
        let stopped_before = matches!(program.end, Some(ProgramEnd::Stopped { .. }));
        let last_killed = program.alive == 0 && matches!(end, ProgramEnd::Signaled(_));
        if program.pid == Some(pid) || (last_killed && stopped_before) {
            program.end = Some(stopped);
        }
        if program.pid == Some(pid) && program.alive > 0 && program.stop.is_none() {
            self.tell_still_running(index, pid);
        }
        if self.programs[index].alive == 0 {
            self.on_program_ended(index);
        }
    }

    /// A program's own process ended before processes it started: say what lab waits for.
    fn tell_still_running(&mut self, index: usize, pid: u32) {
        if self.interrupted.load(Ordering::SeqCst) {
            return;
        }
        let mut running: Vec<u32> = self
            .processes
            .iter()
            .filter(|(_, p)| p.program == index)
            .map(|(&pid, _)| pid)
            .collect();
        running.sort_unstable();
        let count = running.len();
        running.truncate(STILL_RUNNING_SHOWN);
        self.live.push(Live::Note(Note::StillRunning {
            role: self.programs[index].role,
            pid,
            running,
            count,
        }));
    }

    fn on_program_ended(&mut self, index: usize) {
        match self.programs[index].role {
            Role::Server if self.waiting_client.is_some() => {
                self.waiting_client = None;
                self.live.push(Live::Note(Note::ServerEndedFirst));
            }
            Role::Client => self.client_ended = Some(Instant::now()),
            _ => {}
        }
    }

    /// Is a client waiting for its server to be ready?
    pub fn waiting_for_server(&self) -> bool {
        self.waiting_client.is_some()
    }

    /// The server bound a UDP socket: it will never listen, so the client starts now rather
    /// than after the wait for a listen() runs out.
    pub fn on_udp_bound(&mut self, addr: Option<std::net::SocketAddr>) {
        if self.waiting_client.is_some() {
            self.start_waiting_client(addr, Some(Note::ServerBoundUdp { addr }));
        }
    }

    /// A process of the server listened: time to start the client.
    pub fn on_listening(&mut self, tgid: u32, addr: Option<std::net::SocketAddr>) {
        if let Some(p) = self.processes.get_mut(&tgid) {
            p.listens = true;
        }
        let note = addr.map(|addr| Note::ServerListening { addr });
        self.start_waiting_client(addr, note);
    }

    /// Start the client that waits for the server, telling it where the server is (in its
    /// environment) and the live view why now (`note`).
    fn start_waiting_client(&mut self, addr: Option<std::net::SocketAddr>, note: Option<Note>) {
        let Some(mut client) = self.waiting_client.take() else {
            return;
        };
        if let Some(addr) = addr {
            client
                .env
                .push(("LAB_SERVER_PORT".into(), addr.port().to_string().into()));
            client
                .env
                .push(("LAB_SERVER_ADDR".into(), addr.to_string().into()));
        }
        if let Some(note) = note {
            self.live.push(Live::Note(note));
        }
        if self.interrupted.load(Ordering::SeqCst) {
            return;
        }
        if self.start(1, &client).is_err() {
            self.programs[1].end = Some(ProgramEnd::NotStarted);
        }
    }

    fn has_deadline(&self) -> bool {
        self.tasks.values().any(|t| t.state == State::Parked)
            || self.waiting_client.is_some()
            || (self.client_ended.is_some() && self.server_alive())
    }

    fn server_alive(&self) -> bool {
        self.programs
            .iter()
            .any(|p| p.role == Role::Server && p.alive > 0)
    }

    /// Resume parked threads whose time has come; start, or stop, what is due.
    fn on_deadlines(&mut self) {
        let now = Instant::now();
        let due: Vec<i32> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.state == State::Parked)
            .filter(|(_, t)| t.call.as_ref().is_none_or(|c| self.may_release(c)))
            .map(|(&tid, _)| tid)
            .collect();
        for tid in due {
            self.release(tid);
        }
        if self.waiting_client.is_some() && now - self.started > LISTEN_WAIT {
            self.waiting_client = None;
            self.programs[1].end = Some(ProgramEnd::NotStarted);
            self.live.push(Live::Note(Note::ServerNeverListened {
                waited_ms: LISTEN_WAIT.as_millis() as u64,
            }));
            self.stop_server(StopReason::NeverListened);
        }
        if let Some(ended) = self.client_ended.filter(|_| self.server_alive()) {
            if self.term_sent.is_none() && (now - ended > SERVER_LINGER || self.server_idle()) {
                let idle = self.server_idle();
                self.live.push(Live::Note(Note::StoppingServer { idle }));
                self.stop_server(StopReason::ClientEnded);
            }
        }
        if let Some(sent) = self.term_sent {
            if now - sent > KILL_AFTER {
                self.kill_server(libc::SIGKILL);
            }
        }
    }

    /// Every thread of the server waits in accept() and no connection is open.
    fn server_idle(&self) -> bool {
        let server: Vec<&Task> = self
            .tasks
            .values()
            .filter(|t| {
                self.processes
                    .get(&t.tgid)
                    .is_some_and(|p| self.programs[p.program].role == Role::Server)
            })
            .collect();
        !server.is_empty()
            && server.iter().all(|t| {
                t.state == State::InCall && t.call.as_ref().is_some_and(Pending::is_accept)
            })
            && self.rec.open_connections(Side::Server) == 0
    }

    fn stop_server(&mut self, reason: StopReason) {
        self.term_sent = Some(Instant::now());
        for program in self.programs.iter_mut().filter(|p| p.role == Role::Server) {
            program.stop = Some(reason);
        }
        self.kill_server(libc::SIGTERM);
    }

    fn kill_server(&mut self, signal: i32) {
        for (&pid, process) in &self.processes {
            if self.programs[process.program].role == Role::Server {
                // SAFETY: kill() on a process this thread traces.
                unsafe { libc::kill(pid as i32, signal) };
            }
        }
    }

    fn finish(mut self) -> TraceReport {
        let interrupted = self.interrupted.load(Ordering::SeqCst);
        let interrupt = Interrupt::from_signal(crate::tools::signal::stop_signal());
        // The programs have ended: what is still on the link arrives, then it stops.
        let carried = self.net.take().map(super::Linked::finish);
        let programs = self
            .programs
            .iter()
            .map(|p| ProgramReport {
                role: p.role,
                command: p.command.clone(),
                pid: p.pid,
                end: match (p.end, interrupted) {
                    (Some(ProgramEnd::Signaled("SIGKILL")), true) => ProgramEnd::Stopped {
                        signal: "SIGKILL",
                        reason: StopReason::Interrupted(interrupt),
                    },
                    (Some(end), _) => end,
                    (None, _) => ProgramEnd::NotStarted,
                },
                killed_inside: p.killed_inside,
            })
            .collect();
        let report = self.rec.finish(programs, interrupted, carried);
        TraceReport {
            interrupted_by: interrupted.then_some(interrupt),
            recv_max: self.recv_max,
            send_max: self.send_max,
            reader_delay_ms: self.reader_delay.as_millis() as u64,
            ..report
        }
    }
}
