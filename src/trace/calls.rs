//! Decoding one traced call: at its entry, what it asks (and `--recv-max`/`--send-max`
//! rewriting the length it asks for); at its exit, what it did — handed to the recorder.
//!
//! Calls interrupted by a signal (-ERESTARTSYS and kin) leave no event: the kernel, or the
//! program (Python retries on EINTR), makes them again, and that call is the one recorded.

use std::net::SocketAddr;

use nix::sys::ptrace;
use nix::unistd::Pid;

use super::inspect::FdKind;
use super::linked::{Naming, across_link, address_field};
use super::memory::{self, Iovec};
use super::record::{Closing, Moved, SendTicket};
use super::regs;
use super::syscalls::{Flow, Syscall};
use super::tracer::{State, Tracer, resume};

/// The kernel's "restart this call" codes, seen only by a tracer at the call's exit.
const RESTARTS: [i64; 4] = [512, 513, 514, 516];
const CLOSE_RANGE_CLOEXEC: u64 = 4;
/// `--reader-delay` never holds a recv longer than the delay and this.
const HOLD_AT_MOST: std::time::Duration = std::time::Duration::from_secs(10);

/// A call between its entry and its exit.
#[derive(Debug)]
pub(super) struct Pending {
    syscall: Syscall,
    args: [u64; 6],
    fd: Option<i32>,
    /// The TCP socket it works on.
    inode: u64,
    t_call: u64,
    ticket: Option<SendTicket>,
    asked: Option<u64>,
    asked_by_program: Option<u64>,
    waiting: Option<u64>,
    /// iovecs shrunk in the program's memory, to put back at the exit: (where, as they were).
    restore: Option<(u64, Vec<Iovec>)>,
    /// The address a bind or connect names (across `--net`, the one it uses).
    address: Option<SocketAddr>,
    /// `--net`: the loopback address the program named, rewritten to `address`.
    address_by_program: Option<SocketAddr>,
    /// `--net`: the program's own address bytes, to put back at the exit: (where, as they were).
    restore_address: Option<(u64, Vec<u8>)>,
    /// close(): the sender's TCP_INFO segment count and the bytes never read, both read while
    /// the descriptor was open.
    data_segs_out: Option<u32>,
    unread: Option<u64>,
    /// µs lab held the call at its entry (`--reader-delay`).
    held_us: Option<u64>,
    /// close() and shutdown(): numbered at the call, since the FIN leaves during it and the
    /// peer's recv() may return b'' before this call does.
    seq: Option<usize>,
}

impl Pending {
    fn closing(&self) -> Closing {
        Closing {
            data_segs_out: self.data_segs_out,
            unread: self.unread,
            seq: self.seq,
        }
    }

    pub fn is_accept(&self) -> bool {
        matches!(self.syscall, Syscall::Accept | Syscall::Accept4)
    }
}

/// Where a call's buffers are: one (`send`, `recv`, `read`, `write`) or an iovec array.
fn buffers(pid: Pid, syscall: Syscall, args: &[u64; 6]) -> (Option<u64>, Vec<Iovec>) {
    match syscall {
        Syscall::Sendmsg | Syscall::Recvmsg => match memory::read_msghdr(pid, args[1]) {
            Some(msg) => (Some(msg.iov), memory::read_iovecs(pid, msg.iov, msg.iovlen)),
            None => (None, Vec::new()),
        },
        Syscall::Readv | Syscall::Writev => {
            (Some(args[1]), memory::read_iovecs(pid, args[1], args[2]))
        }
        _ => (
            None,
            vec![Iovec {
                base: args[1],
                len: args[2],
            }],
        ),
    }
}

/// The iovecs cut to `max` bytes in all, or `None` if they ask for no more than that.
fn shrink(iovecs: &[Iovec], max: u64) -> Option<Vec<Iovec>> {
    let total: u64 = iovecs.iter().map(|i| i.len).sum();
    if total <= max {
        return None;
    }
    let mut left = max;
    Some(
        iovecs
            .iter()
            .map(|iov| {
                let len = iov.len.min(left);
                left -= len;
                Iovec {
                    base: iov.base,
                    len,
                }
            })
            .collect(),
    )
}

/// The errno's name, for the events (the view explains the common ones).
pub(super) fn errno_name(errno: i64) -> &'static str {
    match errno as i32 {
        libc::EAGAIN => "EAGAIN",
        libc::EINTR => "EINTR",
        libc::EBADF => "EBADF",
        libc::EINVAL => "EINVAL",
        libc::EFAULT => "EFAULT",
        libc::EPIPE => "EPIPE",
        libc::EACCES => "EACCES",
        libc::EPERM => "EPERM",
        libc::EADDRINUSE => "EADDRINUSE",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::ECONNRESET => "ECONNRESET",
        libc::ECONNABORTED => "ECONNABORTED",
        libc::ENOTCONN => "ENOTCONN",
        libc::EISCONN => "EISCONN",
        libc::EALREADY => "EALREADY",
        libc::EINPROGRESS => "EINPROGRESS",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::EHOSTUNREACH => "EHOSTUNREACH",
        libc::ENETUNREACH => "ENETUNREACH",
        libc::EMSGSIZE => "EMSGSIZE",
        libc::ENOBUFS => "ENOBUFS",
        libc::ENOMEM => "ENOMEM",
        libc::EMFILE => "EMFILE",
        libc::ENFILE => "ENFILE",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ENOPROTOOPT => "ENOPROTOOPT",
        libc::ENOTSOCK => "ENOTSOCK",
        _ => "EOTHER",
    }
}

/// The socket options a lesson cares about, by level and name.
fn option_name(level: u64, name: u64) -> Option<&'static str> {
    match (level as i32, name as i32) {
        (libc::SOL_SOCKET, libc::SO_REUSEADDR) => Some("SO_REUSEADDR"),
        (libc::SOL_SOCKET, libc::SO_REUSEPORT) => Some("SO_REUSEPORT"),
        (libc::SOL_SOCKET, libc::SO_RCVBUF) => Some("SO_RCVBUF"),
        (libc::SOL_SOCKET, libc::SO_SNDBUF) => Some("SO_SNDBUF"),
        (libc::SOL_SOCKET, libc::SO_KEEPALIVE) => Some("SO_KEEPALIVE"),
        (libc::SOL_SOCKET, libc::SO_LINGER) => Some("SO_LINGER"),
        (libc::IPPROTO_TCP, libc::TCP_NODELAY) => Some("TCP_NODELAY"),
        (libc::IPPROTO_TCP, libc::TCP_CORK) => Some("TCP_CORK"),
        _ => None,
    }
}

fn shutdown_name(how: u64) -> &'static str {
    match how as i32 {
        libc::SHUT_RD => "SHUT_RD",
        libc::SHUT_WR => "SHUT_WR",
        _ => "SHUT_RDWR",
    }
}

impl Tracer {
    /// What descriptor `fd` of `tgid` is, looking at it the first time.
    fn kind_of(&mut self, tgid: u32, fd: i32) -> Option<FdKind> {
        if let Some(kind) = self.fds.get(tgid, fd) {
            return Some(kind);
        }
        let (kind, facts) = self.inspector.classify(tgid, fd)?;
        self.fds.insert(tgid, fd, kind);
        if let Some(f) = facts {
            self.rec
                .discover(f.inode, f.local, f.peer, tgid, f.listening);
        }
        Some(kind)
    }

    /// A thread stopped entering a traced call.
    pub(super) fn on_entry(&mut self, tid: i32) {
        let pid = Pid::from_raw(tid);
        let info = match ptrace::syscall_info(pid) {
            Ok(info) if info.op == libc::PTRACE_SYSCALL_INFO_SECCOMP => info,
            _ => return resume(tid, false, 0),
        };
        // SAFETY: `op` says the seccomp member of the union is the one filled in.
        let (nr, args) = unsafe { (info.u.seccomp.nr, info.u.seccomp.args) };
        let Some(syscall) = Syscall::from_number(nr) else {
            return resume(tid, false, 0);
        };
        let tgid = self.tasks.get(&tid).map_or(tid as u32, |t| t.tgid);
        let fd = args[0] as i32;
        let inode = match syscall {
            Syscall::Close => match self.fds.remove(tgid, fd) {
                Some(FdKind::Tcp(inode)) => Some(inode),
                _ => None,
            },
            Syscall::CloseRange => {
                if args[2] & CLOSE_RANGE_CLOEXEC == 0 {
                    self.close_range(
                        tid,
                        tgid,
                        args[0] as i32,
                        args[1].min(i32::MAX as u64) as i32,
                    );
                }
                None
            }
            Syscall::Dup2 | Syscall::Dup3 => {
                self.fds.remove(tgid, args[1] as i32);
                None
            }
            Syscall::Socket => {
                let inet = matches!(args[0] as i32, libc::AF_INET | libc::AF_INET6);
                let stream = args[1] as i32 & 0xf == libc::SOCK_STREAM;
                (inet && stream).then_some(0)
            }
            _ => match self.kind_of(tgid, fd) {
                Some(FdKind::Tcp(inode)) => Some(inode),
                _ => None,
            },
        };
        let Some(inode) = inode else {
            let udp_bind = syscall == Syscall::Bind
                && self.waiting_for_server()
                && self.inspector.udp_local(tgid, fd).is_some();
            if let (true, Some(task)) = (udp_bind, self.tasks.get_mut(&tid)) {
                task.udp_bind = Some(fd);
            }
            return resume(tid, udp_bind, 0);
        };
        let call = self.begin(tid, syscall, args, inode);
        let park = self.parking(&call);
        let task = self.tasks.get_mut(&tid).expect("known thread");
        task.call = Some(call);
        if park {
            task.state = State::Parked;
        } else {
            task.state = State::InCall;
            resume(tid, true, 0);
        }
    }

    /// Read what the call asks, rewrite its length if asked to, number a send.
    fn begin(&mut self, tid: i32, syscall: Syscall, args: [u64; 6], inode: u64) -> Pending {
        let pid = Pid::from_raw(tid);
        let tgid = self.tasks.get(&tid).map_or(tid as u32, |t| t.tgid);
        let mut call = Pending {
            syscall,
            args,
            fd: syscall.fd_argument().map(|i| args[i] as i32),
            inode,
            t_call: self.now_us(),
            ticket: None,
            asked: None,
            asked_by_program: None,
            waiting: None,
            restore: None,
            address: None,
            address_by_program: None,
            restore_address: None,
            data_segs_out: None,
            unread: None,
            held_us: None,
            seq: matches!(syscall, Syscall::Close | Syscall::Shutdown)
                .then(|| self.rec.reserve_seq()),
        };
        let flow = syscall.flow();
        let max = match flow {
            Flow::Send => self.send_max,
            Flow::Recv => self.recv_max,
            Flow::Other => None,
        };
        match syscall {
            Syscall::Bind | Syscall::Connect => {
                call.address = memory::read_sockaddr(pid, args[1], args[2]);
                if self.net.is_some() {
                    self.rewrite_address(pid, tgid, &mut call);
                }
            }
            Syscall::Close => {
                call.data_segs_out = self.inspector.data_segs_out(tgid, args[0] as i32);
                call.unread = self.inspector.unread(tgid, args[0] as i32);
            }
            _ if flow == Flow::Other
                || matches!(syscall, Syscall::Sendmmsg | Syscall::Recvmmsg) => {}
            _ => self.ask(pid, &mut call, max),
        }
        if let Some(asked) = call.asked.filter(|_| flow == Flow::Send) {
            call.ticket = Some(self.rec.send_begins(inode, asked));
        }
        if flow == Flow::Recv {
            call.waiting = self.waiting(inode);
        }
        call
    }

    /// `--net`: a bind or connect naming a loopback address gets the link's instead, written
    /// over the program's sockaddr until the call returns (see [`super::linked`]).
    fn rewrite_address(&mut self, pid: Pid, tgid: u32, call: &mut Pending) {
        let Some(named) = call.address else { return };
        let naming = match call.syscall {
            Syscall::Bind => Naming::Bind,
            _ => Naming::Connect,
        };
        let Some(used) = across_link(named, naming, self.side_of(tgid)) else {
            return;
        };
        let (at, bytes) = address_field(used);
        let field = call.args[1] + at;
        let original = memory::read_bytes(pid, field, bytes.len());
        if original.len() == bytes.len() && memory::write_bytes(pid, field, &bytes) {
            call.restore_address = Some((field, original));
            call.address_by_program = Some(named);
            call.address = Some(used);
        }
    }

    /// The length a send or recv asks for; shrunk to `max` at the call if it is larger.
    fn ask(&mut self, pid: Pid, call: &mut Pending, max: Option<u64>) {
        if let Some(index) = call.syscall.length_argument() {
            let asked = call.args[index];
            call.asked = Some(asked);
            if let Some(max) = max.filter(|&m| asked > m) {
                if regs::set_argument(pid, index, max).is_ok() {
                    call.asked = Some(max);
                    call.asked_by_program = Some(asked);
                    call.args[index] = max;
                }
            }
            return;
        }
        let (array, iovecs) = buffers(pid, call.syscall, &call.args);
        let asked: u64 = iovecs.iter().map(|i| i.len).sum();
        call.asked = Some(asked);
        let shrunk = max.and_then(|m| shrink(&iovecs, m));
        if let (Some(array), Some(shrunk)) = (array, shrunk) {
            if memory::write_iovecs(pid, array, &shrunk) {
                call.asked = Some(shrunk.iter().map(|i| i.len).sum());
                call.asked_by_program = Some(asked);
                call.restore = Some((array, iovecs));
            }
        }
    }

    /// Bytes waiting for a recv on `inode`: sent by the traced peer and not yet received. On
    /// loopback they are in the receive buffer at once; across `--net` some may still be on
    /// the link, so lab does not say.
    fn waiting(&self, inode: u64) -> Option<u64> {
        match self.net {
            Some(_) => None,
            None => self.rec.waiting(inode),
        }
    }

    /// `--reader-delay`: the server's first recv on a connection is held (see
    /// [`Tracer::may_release`]).
    fn parking(&self, call: &Pending) -> bool {
        !self.reader_delay.is_zero()
            && call.syscall.flow() == Flow::Recv
            && self.rec.first_recv_pending(call.inode)
    }

    /// Whether a held recv may run now: the client has sent nothing for the delay, or has
    /// closed, or waits for a reply itself — or it has been held far too long. Measured from
    /// the client's last send, not from the clock alone, so a slow machine gives the same
    /// lesson as a fast one.
    pub(super) fn may_release(&self, call: &Pending) -> bool {
        let now = self.now_us();
        let delay = self.reader_delay.as_micros() as u64;
        let Some(peer) = self.rec.peer_of(call.inode) else {
            return true;
        };
        let quiet = now >= peer.last_activity_us + delay;
        let too_long = now >= peer.accepted_us + delay + HOLD_AT_MOST.as_micros() as u64;
        let waits_for_reply = peer.inode.is_some_and(|inode| {
            self.tasks.values().any(|t| {
                t.state == State::InCall
                    && t.call
                        .as_ref()
                        .is_some_and(|c| c.inode == inode && c.syscall.flow() == Flow::Recv)
            })
        });
        quiet || peer.closed || waits_for_reply || too_long
    }

    /// A parked call's time has come: it runs now, and finds what is waiting now.
    pub(super) fn release(&mut self, tid: i32) {
        let now = self.now_us();
        let Some(call) = self.tasks.get(&tid).and_then(|t| t.call.as_ref()) else {
            return;
        };
        let (inode, t_call) = (call.inode, call.t_call);
        let waiting = self.waiting(inode);
        if let Some(call) = self.tasks.get_mut(&tid).and_then(|t| t.call.as_mut()) {
            call.waiting = waiting;
            call.held_us = Some(now.saturating_sub(t_call));
        }
        if let Some(task) = self.tasks.get_mut(&tid) {
            task.state = State::InCall;
        }
        resume(tid, true, 0);
    }

    /// A thread's call had not returned when its process ended: a send or recv is shown as
    /// still waiting (a server stopped in recv(), a client killed mid-send); other calls
    /// (an accept, a connect) go unsaid.
    pub(super) fn unfinished(&mut self, tid: i32, tgid: u32, call: Pending) {
        if call.syscall.flow() == Flow::Other {
            return;
        }
        if let Some(ticket) = call.ticket {
            self.rec.send_abandoned(ticket);
        }
        let made = super::record::Made {
            pid: tgid,
            tid: tid as u32,
            fd: call.fd,
            syscall: call.syscall.name(),
            t_call: call.t_call,
            t_return: self.now_us(),
            side: self.side_of(tgid),
        };
        self.rec.unfinished(&made, call.inode, call.asked);
    }

    /// close_range() closes every TCP socket in the range at once.
    fn close_range(&mut self, tid: i32, tgid: u32, first: i32, last: i32) {
        let t = self.now_us();
        for (fd, inode) in self.fds.remove_range(tgid, first, last) {
            let made = self.made(tid, Some(fd), Syscall::CloseRange.name(), t);
            let held_by = self.fds.holder(inode, tgid);
            self.rec.close(&made, inode, held_by, Closing::default());
        }
    }

    /// A thread stopped leaving a traced call.
    pub(super) fn on_exit(&mut self, tid: i32) {
        let pid = Pid::from_raw(tid);
        let Some(task) = self.tasks.get_mut(&tid) else {
            return resume(tid, false, 0);
        };
        task.state = State::Running;
        let (tgid, udp_bind) = (task.tgid, task.udp_bind.take());
        let Some(call) = task.call.take() else {
            if let Some(fd) = udp_bind {
                let bound = matches!(ptrace::syscall_info(pid),
                    Ok(info) if info.op == libc::PTRACE_SYSCALL_INFO_EXIT
                        // SAFETY: `op` says the exit member of the union is the one filled in.
                        && unsafe { info.u.exit.is_error } == 0);
                if bound {
                    let local = self.inspector.udp_local(tgid, fd).flatten();
                    self.on_udp_bound(local);
                }
            }
            return resume(tid, false, 0);
        };
        if let Some((array, iovecs)) = &call.restore {
            memory::write_iovecs(pid, *array, iovecs);
        }
        if let Some((at, bytes)) = &call.restore_address {
            memory::write_bytes(pid, *at, bytes);
        }
        let (value, is_error) = match ptrace::syscall_info(pid) {
            // SAFETY: `op` says the exit member of the union is the one filled in.
            Ok(info) if info.op == libc::PTRACE_SYSCALL_INFO_EXIT => unsafe {
                (info.u.exit.sval, info.u.exit.is_error != 0)
            },
            _ => return resume(tid, false, 0),
        };
        if is_error && RESTARTS.contains(&-value) {
            // Interrupted: the call is made again, and recorded then.
            if let Some(ticket) = call.ticket {
                self.rec.send_abandoned(ticket);
            }
            return resume(tid, false, 0);
        }
        self.finish_call(tid, call, value, is_error);
        resume(tid, false, 0);
    }

    fn finish_call(&mut self, tid: i32, call: Pending, value: i64, is_error: bool) {
        let pid = Pid::from_raw(tid);
        let tgid = self.tasks.get(&tid).map_or(tid as u32, |t| t.tgid);
        let made = self.made(tid, call.fd, call.syscall.name(), call.t_call);
        let inode = call.inode;
        let errno = is_error.then(|| errno_name(-value));
        // A non-blocking socket's "not now" is not an event; a connect under way is.
        if errno == Some("EAGAIN") {
            if let Some(ticket) = call.ticket {
                self.rec.send_abandoned(ticket);
            }
            return;
        }
        let connect_under_way = call.syscall == Syscall::Connect && errno == Some("EINPROGRESS");
        if let (Some(errno), false) = (errno, connect_under_way) {
            if call.syscall == Syscall::Close {
                // close() frees the descriptor even when it reports an error.
                let held_by = self.fds.holder(inode, tgid);
                return self.rec.close(&made, inode, held_by, call.closing());
            }
            let detail = call.address.map(|a| a.to_string());
            if let Some(ticket) = call.ticket {
                self.rec.send_abandoned(ticket);
            }
            return self
                .rec
                .failed(&made, inode, errno, call.syscall.flow(), detail);
        }
        match call.syscall {
            Syscall::Socket => {
                let fd = value as i32;
                if let Some((FdKind::Tcp(inode), _)) = self.inspector.classify(tgid, fd) {
                    self.fds.insert(tgid, fd, FdKind::Tcp(inode));
                    self.rec.socket(
                        &super::record::Made {
                            fd: Some(fd),
                            ..made
                        },
                        inode,
                    );
                }
            }
            Syscall::Bind => self
                .rec
                .bind(&made, inode, call.address, call.address_by_program),
            Syscall::Listen => {
                let local = self
                    .inspector
                    .classify(tgid, call.fd.unwrap_or(-1))
                    .and_then(|(_, f)| f?.local);
                self.rec
                    .listen(&made, inode, call.args[1] as i32 as i64, local);
                self.on_listening(tgid, local);
            }
            Syscall::Accept | Syscall::Accept4 => self.accepted(made, inode, value as i32),
            Syscall::Connect => {
                let local = self
                    .inspector
                    .classify(tgid, call.fd.unwrap_or(-1))
                    .and_then(|(_, f)| f?.local);
                if let (Some(peer), Some(local)) = (call.address, local) {
                    self.rec
                        .connect(&made, inode, peer, local, call.address_by_program);
                }
            }
            Syscall::Setsockopt => {
                if let Some(name) = option_name(call.args[1], call.args[2]) {
                    let value = memory::read_int(pid, call.args[3]);
                    self.rec.sockopt(&made, inode, name, value);
                }
            }
            Syscall::Shutdown => {
                self.rec
                    .shutdown(&made, inode, shutdown_name(call.args[1]), call.seq)
            }
            Syscall::Close => {
                let held_by = self.fds.holder(inode, tgid);
                self.rec.close(&made, inode, held_by, call.closing());
            }
            Syscall::Sendmmsg | Syscall::Recvmmsg => self.many_messages(pid, &made, &call, value),
            _ => self.moved(pid, &made, call, value as u64),
        }
    }

    fn accepted(&mut self, made: super::record::Made, listener: u64, fd: i32) {
        let tgid = made.pid;
        let Some((FdKind::Tcp(inode), Some(facts))) = self.inspector.classify(tgid, fd) else {
            return;
        };
        self.fds.insert(tgid, fd, FdKind::Tcp(inode));
        if let (Some(local), Some(peer)) = (facts.local, facts.peer) {
            let made = super::record::Made {
                fd: Some(fd),
                ..made
            };
            self.rec.accept(&made, listener, inode, local, peer);
        }
    }

    /// A send or recv returned `moved` bytes: copy the first of them.
    fn moved(&mut self, pid: Pid, made: &super::record::Made, call: Pending, moved: u64) {
        let unseen = call.syscall == Syscall::Sendfile;
        let preview = if unseen {
            Vec::new()
        } else {
            // The call filled (or took) the first `moved` bytes of its buffers, in order.
            let (_, iovecs) = buffers(pid, call.syscall, &call.args);
            memory::gather(pid, &iovecs, (moved as usize).min(self.preview))
        };
        let outcome = Moved {
            moved,
            preview,
            asked: call.asked,
            asked_by_program: call.asked_by_program,
            waiting: call.waiting,
            held_us: call.held_us,
            unseen,
        };
        match call.ticket {
            Some(ticket) => self.rec.send_ends(made, call.inode, ticket, outcome),
            None => self.rec.recv(made, call.inode, outcome),
        }
    }

    /// sendmmsg/recvmmsg: each message is its own send or recv.
    fn many_messages(&mut self, pid: Pid, made: &super::record::Made, call: &Pending, count: i64) {
        let lengths = memory::read_mmsg_lengths(pid, call.args[1], count.max(0) as usize);
        for (i, len) in lengths.into_iter().enumerate() {
            let header = call.args[1] + (i * memory::MMSGHDR_SIZE) as u64;
            let (_, iovecs) = buffers(pid, Syscall::Sendmsg, &[0, header, 0, 0, 0, 0]);
            let moved = u64::from(len);
            let outcome = Moved {
                moved,
                preview: memory::gather(pid, &iovecs, (moved as usize).min(self.preview)),
                asked: Some(iovecs.iter().map(|i| i.len).sum()),
                ..Moved::default()
            };
            if call.syscall == Syscall::Sendmmsg {
                let ticket = self.rec.send_begins(call.inode, moved);
                self.rec.send_ends(made, call.inode, ticket, outcome);
            } else {
                self.rec.recv(made, call.inode, outcome);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_keeps_the_first_bytes_across_iovecs() {
        let iovecs = [Iovec { base: 100, len: 4 }, Iovec { base: 200, len: 10 }];
        let shrunk = shrink(&iovecs, 6).unwrap();
        assert_eq!(
            shrunk,
            [Iovec { base: 100, len: 4 }, Iovec { base: 200, len: 2 }]
        );
        assert_eq!(shrink(&iovecs, 14), None);
    }

    #[test]
    fn errnos_have_their_names() {
        assert_eq!(errno_name(i64::from(libc::ECONNREFUSED)), "ECONNREFUSED");
        assert_eq!(errno_name(9999), "EOTHER");
    }
}
