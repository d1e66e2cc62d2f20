//! `lab trace`'s words: what a traced call did beyond its bytes (a rewritten length, a short
//! send, how long it waited), why a recv returned b'', what a failed call's errno means, how
//! each program ended, lab's own lines in the live log, and why tracing could not start.

use std::net::SocketAddr;

use super::{Words, plural};
use crate::analysis::Verdict;
use crate::trace::{ExecFailure, Interrupt, Note, ProgramEnd, Role, StopReason, TraceError};
use crate::transcript::{Direction, Side};
use nix::errno::Errno;

impl Words {
    /// `client`, `server`, `program`.
    pub fn role(self, role: Role) -> &'static str {
        match role {
            Role::Program => self.pick("program", "程序"),
            Role::Server => self.server(),
            Role::Client => self.client(),
        }
    }

    pub fn side(self, side: Side) -> &'static str {
        match side {
            Side::Client => self.client(),
            Side::Server => self.server(),
        }
    }

    /// `client → server`.
    pub fn arrow(self, direction: Direction) -> &'static str {
        match direction {
            Direction::ToServer => self.pick("client → server", "客户端 → 服务端"),
            Direction::ToClient => self.pick("server → client", "服务端 → 客户端"),
        }
    }

    /// Before a direction's legend: `client → server:`.
    pub fn arrow_legend(self, direction: Direction) -> String {
        format!("{}{}", self.arrow(direction), self.pick(":", "："))
    }

    /// A program under the view: `server  python3 server.py (pid 42) exited with status 0`.
    pub fn program_line(
        self,
        role: Role,
        command: &str,
        pid: Option<u32>,
        end: ProgramEnd,
    ) -> String {
        let role = crate::render::text::pad(self.role(role), 7);
        let end = self.program_end(end);
        match (pid, self.zh()) {
            (Some(pid), false) => format!("{role} {command} (pid {pid}) {end}"),
            (None, false) => format!("{role} {command} {end}"),
            (Some(pid), true) => format!("{role} {command}（pid {pid}）{end}"),
            (None, true) => format!("{role} {command} {end}"),
        }
    }

    /// After `exited with status 139`: a process the program ran was killed by a signal (a
    /// shell reports that as 128 + the signal's number).
    pub fn killed_inside(self, pid: u32, signal: &str) -> String {
        if self.zh() {
            format!("：它启动的进程 {pid} 被 {signal} 杀死了")
        } else {
            format!(": pid {pid}, which it ran, was killed by {signal}")
        }
    }

    /// Under a call whose notes would not fit its cell: how many were left out.
    pub fn notes_left_out(self, n: usize) -> String {
        if self.zh() {
            format!("…… 还有 {n} 条说明没有显示（--json 里有每个数字）")
        } else {
            format!(
                "… {} left out (--json has every figure)",
                plural(n, "more note", "more notes")
            )
        }
    }

    /// `the program asked for 1024 B; --recv-max made it 4`.
    pub fn rewritten(self, original: u64, flag: &str, asked: u64) -> String {
        if self.zh() {
            format!("程序要 {original} B；{flag} 把它改成了 {asked}")
        } else {
            format!("the program asked for {original} B; {flag} made it {asked}")
        }
    }

    /// A send() that moved fewer bytes than it was given.
    pub fn short_send(self, moved: u64, wanted: u64) -> String {
        let rest = wanted - moved;
        if self.zh() {
            format!(
                "一次不完整的 send：{wanted} B 只发出了 {moved} B；剩下的 {rest} B 得由程序自己\
                 再发（sendall() 会这么做）"
            )
        } else {
            format!(
                "a short send: {moved} of {wanted} B went; the other {rest} B are the program's \
                 to send (sendall() does)"
            )
        }
    }

    /// A recv() that returned fewer bytes than the program asked for.
    pub fn short_recv(self, moved: u64, original: u64) -> String {
        if self.zh() {
            format!("程序要 {original} B，只拿到 {moved} B：指望一次拿全的代码在这里就会出错")
        } else {
            format!(
                "it got {moved} of the {original} B the program asked for: code that expects \
                 them all breaks here"
            )
        }
    }

    pub fn sendfile_unseen(self) -> &'static str {
        self.pick(
            "the bytes went from a file to the socket inside the kernel, never through the \
             program",
            "字节在内核里直接从文件进了套接字，从没经过程序",
        )
    }

    /// `lab held it 100.0 ms (--reader-delay): the reader came late`.
    pub fn held_by_lab(self, held_us: u64) -> String {
        let ms = held_us as f64 / 1000.0;
        if self.zh() {
            format!("lab 把它扣了 {ms:.1} ms（--reader-delay）：读方来晚了")
        } else {
            format!("lab held it {ms:.1} ms (--reader-delay): the reader came late")
        }
    }

    /// What a recv found in the receive buffer as it ran: `waiting` bytes, or none (and then
    /// how long it slept).
    pub fn found_waiting(self, waiting: u64, slept_us: u64) -> String {
        let slept = slept_us as f64 / 1000.0;
        match (self.zh(), waiting) {
            (false, 0) => format!("nothing was waiting: it slept {slept:.1} ms for bytes"),
            (false, w) => format!("{w} B were already waiting when it ran"),
            (true, 0) => format!("当时没有字节在等：它睡了 {slept:.1} ms 才等到字节"),
            (true, w) => format!("它执行时已经有 {w} B 在等着"),
        }
    }

    /// Why a recv returned b'': the peer (`other`) closed its side, `ago_us` before if known;
    /// `again`: an end of stream already met.
    pub fn eof_reason(self, other: Side, ago_us: Option<u64>, again: bool) -> String {
        let zh = self.zh();
        if again {
            return self
                .pick(
                    "end of stream again: once the peer has closed, every recv() returns b'' \
                     at once",
                    "又一次流结束：对方一旦关闭，每次 recv() 都会立即返回 b''",
                )
                .into();
        }
        let other = self.side(other);
        match (ago_us, zh) {
            (Some(us), false) => format!(
                "end of stream: the {other} closed its side {:.1} ms before — b'' is how recv() \
                 says so",
                us as f64 / 1000.0
            ),
            (None, false) => {
                format!("end of stream: the {other} closed its side — b'' is how recv() says so")
            }
            (Some(us), true) => format!(
                "流结束：{other}在 {:.1} ms 前关闭了它那一端 —— recv() 用 b'' 表示这一点",
                us as f64 / 1000.0
            ),
            (None, true) => format!("流结束：{other}关闭了它那一端 —— recv() 用 b'' 表示这一点"),
        }
    }

    /// A send or recv still waiting when its process ended, `waited_us` after it was made.
    pub fn unfinished_call(self, syscall: &str, asked: Option<u64>, waited_us: u64) -> String {
        let asked = asked.map_or(String::new(), |n| n.to_string());
        let ms = waited_us as f64 / 1000.0;
        if self.zh() {
            format!("{syscall}({asked}) 等了 {ms:.1} ms，进程结束时还在等：它一直没有返回")
        } else {
            format!(
                "{syscall}({asked}) had waited {ms:.1} ms when its process ended: it never \
                 returned"
            )
        }
    }

    pub fn closed_at_exit(self) -> &'static str {
        self.pick(
            "closed as its process ended (FIN)",
            "随进程结束而关闭（FIN）",
        )
    }

    /// A last close (or an exit) with bytes never read: the kernel sent a reset, not a FIN.
    pub fn closed_with_unread(self, unread: u64, at_exit: bool) -> String {
        match (self.zh(), at_exit) {
            (false, false) => format!(
                "close with {unread} B never read: RST, not FIN — the kernel resets a \
                 connection closed with bytes unread, and the peer's next recv() fails \
                 (ECONNRESET)"
            ),
            (false, true) => format!(
                "closed as its process ended, with {unread} B never read: RST, not FIN — the \
                 peer's next recv() fails (ECONNRESET)"
            ),
            (true, false) => format!(
                "close 时还有 {unread} B 没有读：发出的是 RST 而不是 FIN —— 带着未读的字节关闭，\
                 内核会重置连接，对方下一次 recv() 会失败（ECONNRESET）"
            ),
            (true, true) => format!(
                "随进程结束而关闭，还有 {unread} B 没有读：发出的是 RST 而不是 FIN —— 对方下一次 \
                 recv() 会失败（ECONNRESET）"
            ),
        }
    }

    /// `close(fd 3): 5 B never read → RST` in the live log.
    pub fn reset_by_close(self, closed: &str, unread: u64) -> String {
        if self.zh() {
            format!("{closed}：{unread} B 没有读 → RST")
        } else {
            format!("{closed}: {unread} B never read → RST")
        }
    }

    /// A close() that sent no FIN: another process still holds the socket.
    pub fn close_still_open(self, pid: u32) -> String {
        if self.zh() {
            format!("close：pid {pid} 还持有这个套接字，所以还没有 FIN")
        } else {
            format!("close: pid {pid} still has this socket, so no FIN yet")
        }
    }

    /// `shutdown(SHUT_WR): FIN — no more bytes this way, replies may still come`.
    pub fn shutdown(self, how: Option<&str>) -> String {
        let meaning = match how {
            Some("SHUT_WR") => self.pick(
                "FIN — no more bytes this way, replies may still come",
                "FIN —— 这个方向不再有字节，回复仍可能到来",
            ),
            Some("SHUT_RD") => self.pick("no more reading on this side", "这一端不再读取"),
            _ => self.pick(
                "FIN — no more bytes either way",
                "FIN —— 两个方向都不再有字节",
            ),
        };
        let sep = self.pick(": ", "：");
        format!("shutdown({}){sep}{meaning}", how.unwrap_or(""))
    }

    /// `connect failed: ECONNREFUSED — nothing listens at 127.0.0.1:8080`; `at` is the address
    /// the call named.
    pub fn failed_call(self, syscall: &str, errno: &str, at: Option<&str>) -> String {
        let zh = self.zh();
        let at = at.unwrap_or(self.pick("that address", "那个地址"));
        let why = match (errno, zh) {
            ("ECONNREFUSED", false) => format!("nothing listens at {at}"),
            ("ECONNREFUSED", true) => format!("{at} 上没有程序在监听"),
            ("EADDRINUSE", false) => format!(
                "{at} is in use (another socket, or TIME_WAIT: see lab lesson reuseaddr-demo)"
            ),
            ("EADDRINUSE", true) => {
                format!("{at} 已被占用（另一个套接字，或 TIME_WAIT：见 lab lesson reuseaddr-demo）")
            }
            (errno, _) => self.errno_meaning(errno).to_string(),
        };
        match (why.is_empty(), zh) {
            (true, false) => format!("{syscall} failed: {errno}"),
            (false, false) => format!("{syscall} failed: {errno} — {why}"),
            (true, true) => format!("{syscall} 失败：{errno}"),
            (false, true) => format!("{syscall} 失败：{errno} —— {why}"),
        }
    }

    fn errno_meaning(self, errno: &str) -> &'static str {
        match errno {
            "ECONNRESET" => self.pick(
                "the peer reset the connection (it closed with bytes unread, or bytes reached \
                 it after it had closed)",
                "对方重置了连接（它关闭时还有字节没读，或者它关闭之后又有字节到达）",
            ),
            "EPIPE" => self.pick(
                "the peer has closed: nothing more can be sent",
                "对方已经关闭：不能再发送了",
            ),
            "ENOTCONN" => self.pick("the socket is not connected", "套接字没有连接"),
            "ETIMEDOUT" => self.pick("no answer in time", "没有及时应答"),
            _ => "",
        }
    }

    /// How a program ended, in words.
    pub fn program_end(self, end: ProgramEnd) -> String {
        let zh = self.zh();
        match end {
            ProgramEnd::Exited(0) => self.pick("exited with status 0", "以状态 0 退出").into(),
            ProgramEnd::Exited(code) if zh => format!("以状态 {code} 退出（失败）"),
            ProgramEnd::Exited(code) => format!("exited with status {code} (a failure)"),
            ProgramEnd::Signaled(signal) if zh => format!("被 {signal} 杀死"),
            ProgramEnd::Signaled(signal) => format!("was killed by {signal}"),
            ProgramEnd::Stopped { signal, reason } => {
                let why = match reason {
                    StopReason::Interrupted(by) => self.interrupt(by),
                    StopReason::ClientEnded => self.pick(
                        "its client had ended and it went on serving",
                        "它的客户端已经结束，它还在继续服务",
                    ),
                    StopReason::NeverListened => self.pick(
                        "it never listened, so no client could start",
                        "它一直没有 listen，所以没有客户端能启动",
                    ),
                };
                if zh {
                    format!("被 lab 用 {signal} 停止（{why}）")
                } else {
                    format!("was stopped by lab with {signal} ({why})")
                }
            }
            ProgramEnd::NotStarted => self.pick("was not started", "没有启动").into(),
        }
    }

    /// A traced process's end in the live log.
    pub fn process_exit(self, code: Option<i32>, signal: Option<&str>) -> String {
        match (code, signal, self.zh()) {
            (Some(code), _, false) => format!("exited with status {code}"),
            (Some(code), _, true) => format!("以状态 {code} 退出"),
            (None, Some(signal), false) => format!("killed by {signal}"),
            (None, Some(signal), true) => format!("被 {signal} 杀死"),
            (None, None, _) => self.pick("exited", "已退出").into(),
        }
    }

    /// `fd 3 closed as the process ended`.
    pub fn fd_closed_at_exit(self, fd: &str) -> String {
        if self.zh() {
            format!("{fd} 随进程结束而关闭")
        } else {
            format!("{fd} closed as the process ended")
        }
    }

    /// `close(fd 3) — pid 42 still has the socket`.
    pub fn close_shared(self, fd: &str, pid: u32) -> String {
        if self.zh() {
            format!("close({fd}) —— pid {pid} 还持有这个套接字")
        } else {
            format!("close({fd}) — pid {pid} still has the socket")
        }
    }

    pub fn new_thread(self, tid: u32) -> String {
        format!("{} {tid}", self.pick("new thread", "新线程"))
    }

    /// Where the live log stops listing a connection's sends and recvs.
    pub fn live_calls_left_out(self, conn: usize) -> String {
        if self.zh() {
            format!("#{conn}：此处起省略更多 send() 和 recv() 调用；最后的视图会全部统计")
        } else {
            format!(
                "#{conn}: more send() and recv() calls are left out here; the view at the end \
                 counts them all"
            )
        }
    }

    /// lab's own lines in the live log.
    pub fn trace_note(self, note: &Note) -> String {
        let zh = self.zh();
        match note {
            Note::Started { role, pid, command } if zh => {
                format!("{}已启动：{command}（pid {pid}）", self.role(*role))
            }
            Note::Started { role, pid, command } => {
                format!("{} started: {command} (pid {pid})", self.role(*role))
            }
            Note::ServerListening { addr } => self.server_listening(*addr),
            Note::ServerBoundUdp { addr } => self.server_bound_udp(*addr),
            Note::ServerEndedFirst => self
                .pick(
                    "the server ended before it listened: the client is not started",
                    "服务端在 listen 之前就结束了：不启动客户端",
                )
                .into(),
            Note::ServerNeverListened { waited_ms } if zh => {
                format!("服务端 {} s 内没有 listen：不启动客户端", waited_ms / 1000)
            }
            Note::ServerNeverListened { waited_ms } => format!(
                "the server did not listen within {} s: the client is not started",
                waited_ms / 1000
            ),
            Note::StoppingServer { idle: true } => self
                .pick(
                    "the client has ended and the server waits in accept() for the next: lab \
                     stops it",
                    "客户端已经结束，服务端在 accept() 里等下一个：lab 停止它",
                )
                .into(),
            Note::StoppingServer { idle: false } => self
                .pick(
                    "the client has ended and the server still runs: lab stops it",
                    "客户端已经结束，服务端还在运行：lab 停止它",
                )
                .into(),
            Note::Interrupted(by) if zh => format!("{}：停止被跟踪的程序", self.interrupt(*by)),
            Note::Interrupted(by) => {
                format!("{}: stopping the traced programs", self.interrupt(*by))
            }
            Note::StillRunning {
                role,
                pid,
                running,
                count,
            } => self.still_running(*role, *pid, running, *count),
            Note::NotWritten { events } if zh => format!(
                "为了立即停止，有 {events} 个 send/recv 事件没有写出（最后的统计仍然包括它们）"
            ),
            Note::NotWritten { events } => format!(
                "{} left unwritten to stop at once (the counts at the end include them)",
                plural(*events, "send/recv event was", "send/recv events were")
            ),
            Note::AcrossLink { client, server } => self.across_link(*client, *server),
        }
    }

    fn server_listening(self, addr: SocketAddr) -> String {
        let port = addr.port();
        if self.zh() {
            format!("服务端在 {addr} 上监听：启动客户端（LAB_SERVER_PORT={port}）")
        } else {
            format!("the server listens on {addr}: starting the client (LAB_SERVER_PORT={port})")
        }
    }

    fn server_bound_udp(self, addr: Option<SocketAddr>) -> String {
        let at = addr.map_or(String::new(), |a| format!(" {a}"));
        if self.zh() {
            format!(
                "服务端绑定了 UDP 套接字{at}：UDP 没有 listen，所以现在就启动客户端（lab trace \
                 只显示 TCP 的调用）"
            )
        } else {
            format!(
                "the server bound a UDP socket{at}: UDP has no listen(), so the client starts \
                 now (lab trace shows TCP calls only)"
            )
        }
    }

    /// `lab trace — connection #1: client 127.0.0.1:50000 → server 127.0.0.1:8080`.
    pub fn connection_title(self, id: usize, client: SocketAddr, server: SocketAddr) -> String {
        if self.zh() {
            format!("lab trace — 连接 #{id}：客户端 {client} → 服务端 {server}")
        } else {
            format!("lab trace — connection #{id}: client {client} → server {server}")
        }
    }

    /// `reader 100 ms late (--reader-delay)` among a trace's knobs.
    pub fn reader_late(self, ms: u64) -> String {
        if self.zh() {
            format!("读方晚 {ms} ms（--reader-delay）")
        } else {
            format!("reader {ms} ms late (--reader-delay)")
        }
    }

    /// Where a traced connection's clock starts.
    pub fn trace_clock(self, origin_us: u64) -> String {
        let ms = origin_us as f64 / 1000.0;
        if self.zh() {
            format!("t ms：从 connect 算起，即跟踪开始后 {ms:.1} ms")
        } else {
            format!("t ms: from the connect, {ms:.1} ms into the trace")
        }
    }

    /// A column title: `client (pid 42)`, `server (not traced)`.
    pub fn traced_end(self, side: Side, pid: Option<u32>) -> String {
        let who = match pid {
            Some(pid) => format!("pid {pid}"),
            None => self.pick("not traced", "未跟踪").into(),
        };
        if self.zh() {
            format!("{}（{who}）", self.side(side))
        } else {
            format!("{} ({who})", self.side(side))
        }
    }

    /// After a direction's legend: `… 42 messages in all`.
    pub fn messages_in_all(self, n: usize) -> String {
        if self.zh() {
            format!("  … 共 {n} 条消息")
        } else {
            format!("  … {n} messages in all")
        }
    }

    /// One side was not traced, so a direction cannot be judged: `sender` is the untraced
    /// side that sends (else the untraced receiver).
    pub fn untraced(self, side: Side, sender: bool) -> String {
        let who = self.side(side);
        match (self.zh(), sender) {
            (false, true) => format!(
                "the {who} was not traced: its send() calls are unknown, so merges and splits \
                 cannot be counted"
            ),
            (false, false) => {
                format!("the {who} was not traced: how its recv() calls fell is unknown")
            }
            (true, true) => {
                format!("{who}没有被跟踪：不知道它的 send() 调用，所以无法统计粘包和半包")
            }
            (true, false) => {
                format!("{who}没有被跟踪：不知道它的 recv() 调用是怎样划分字节的")
            }
        }
    }

    /// The readings a traced stream may come to beyond sticky-demo's: messages the reader's
    /// own sizes kept apart, a direction nothing went, bytes from sends lab did not see.
    pub(super) fn read_by_size_or_unseen(self, verdict: &Verdict) -> String {
        let zh = self.zh();
        match verdict {
            Verdict::FramedByReader { arrival, recv_size } => {
                let arrived = self.arrived(*arrival);
                match (recv_size, zh) {
                    (None, false) => format!(
                        "{arrived}, one whole message each — because each recv() asked for \
                         exactly the next message's length and got all of it: the reader did \
                         the framing itself. TCP kept no boundaries; the sizes asked for put \
                         them back, not the timing."
                    ),
                    (Some(n), false) => format!(
                        "{arrived}, one whole message each — because every recv() asked for \
                         exactly {n} B, the size of each message, and got all of it: the \
                         reader's size did the framing. TCP kept no boundaries; the size asked \
                         for put them back, not the timing."
                    ),
                    (None, true) => format!(
                        "{arrived}，每次一条完整的消息 —— 因为每次 recv() 要的正好是下一条消息的\
                         长度，而且全都拿到了：是读方自己做了分帧。TCP 没有保留边界；把边界找回来\
                         的是要读的长度，不是时机。"
                    ),
                    (Some(n), true) => format!(
                        "{arrived}，每次一条完整的消息 —— 因为每次 recv() 要的都正好是 {n} B，\
                         也就是每条消息的大小，而且全都拿到了：是读方的读取大小做了分帧。TCP \
                         没有保留边界；把边界找回来的是要读的长度，不是时机。"
                    ),
                }
            }
            Verdict::SendsUnseen {
                arrival,
                received,
                sent,
            } if zh => format!(
                "{} 次 recv() 收到了 {received} B，但 lab 看到的 send() 只发出了 {sent} B：其余的\
                 是由 lab 看不到的调用写入的，所以无法分辨消息，也无法统计粘包和半包。",
                arrival.recvs
            ),
            Verdict::SendsUnseen {
                arrival,
                received,
                sent,
            } => format!(
                "{received} B arrived in {}, but the send() calls lab saw put in only {sent} B: \
                 the rest was written by calls lab does not see, so the messages cannot be told \
                 apart, nor merges and splits counted.",
                plural(arrival.recvs, "recv()", "recv() calls")
            ),
            _ => self
                .pick("nothing was sent this way", "这个方向没有发送任何数据")
                .into(),
        }
    }

    /// What to try next after a trace: make the reader late, ask for less, or read in a loop.
    pub fn trace_hint(self, late_reader: bool, small_recvs: bool) -> String {
        let base = self.pick(
            "recv(N) returns whatever bytes have arrived, up to N: TCP keeps no message \
             boundaries. Read in a loop, with a length header saying how much (lab \
             framed-demo).",
            "recv(N) 返回已经到达的字节，最多 N 个：TCP 不保留消息边界。要循环读取，并用长度\
             报头说明要读多少（lab framed-demo）。",
        );
        match (late_reader, small_recvs, self.zh()) {
            (true, _, false) => format!(
                "Make the server's first recv() late and watch messages merge: --reader-delay \
                 100. {base}"
            ),
            (true, _, true) => {
                format!(
                    "让服务端的第一次 recv() 晚一点，看消息粘在一起：--reader-delay 100。{base}"
                )
            }
            (false, true, false) => format!(
                "Make every recv() ask for less and watch messages split: --recv-max 4. {base}"
            ),
            (false, true, true) => {
                format!("让每次 recv() 要得少一点，看消息被拆开：--recv-max 4。{base}")
            }
            (false, false, _) => base.into(),
        }
    }

    pub fn more_connections(self, n: usize) -> String {
        if self.zh() {
            format!("… 还有 {n} 个连接（--json 列出全部）")
        } else {
            format!("… and {n} more connections (--json lists every one)")
        }
    }

    pub fn no_connection(self) -> &'static str {
        self.pick(
            "no TCP connection was made (files, pipes, the terminal, UDP and AF_UNIX sockets \
             are not shown)",
            "没有建立 TCP 连接（文件、管道、终端、UDP 和 AF_UNIX 套接字不显示）",
        )
    }

    pub fn traced_label(self) -> &'static str {
        self.pick("traced", "跟踪")
    }

    pub fn programs_label(self) -> &'static str {
        self.pick("programs", "程序")
    }

    /// Under the programs, when lab itself was stopped: by what.
    pub fn stopped_by(self, by: Interrupt) -> String {
        match (by, self.zh()) {
            (Interrupt::CtrlC, true) => "被 Ctrl-C 停止".into(),
            (Interrupt::Terminated, true) => "被发给 lab 的 SIGTERM 停止".into(),
            (Interrupt::OutputFailed, true) => "因 lab 的输出关闭而停止".into(),
            (by, false) => format!("stopped by {}", self.interrupt(by)),
        }
    }

    /// What stopped lab: `Ctrl-C`, `SIGTERM sent to lab`, `lab's output closing`.
    fn interrupt(self, by: Interrupt) -> &'static str {
        match by {
            Interrupt::CtrlC => "Ctrl-C",
            Interrupt::Terminated => self.pick("SIGTERM sent to lab", "发给 lab 的 SIGTERM"),
            Interrupt::OutputFailed => self.pick("lab's output closing", "lab 的输出关闭"),
        }
    }

    /// A program's own process ended; the processes it started still run, and lab waits.
    fn still_running(self, role: Role, pid: u32, running: &[u32], count: usize) -> String {
        let mut pids = running
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        if count > running.len() {
            pids.push_str(", …");
        }
        let role = self.role(role);
        if self.zh() {
            format!(
                "{role}自己的进程（pid {pid}）已经结束，但它启动的 {count} 个进程还在运行（pid \
                 {pids}）：lab 会一直跟踪到它们结束 —— 按 Ctrl-C 停止它们"
            )
        } else {
            let (runs, them, end) = match count {
                1 => ("runs", "it", "it ends"),
                _ => ("run", "them", "they end"),
            };
            format!(
                "the {role}'s own process (pid {pid}) has ended, but {} it started still \
                 {runs} (pid {pids}): lab traces {them} until {end} — Ctrl-C stops {them}",
                plural(count, "process", "processes"),
            )
        }
    }

    /// Why tracing could not start, and what to do.
    pub fn trace_error(self, e: &TraceError) -> String {
        let zh = self.zh();
        match e {
            TraceError::NoCommand => self
                .pick(
                    "give a program to trace: lab trace -- python3 client.py, or --server … \
                     --client …",
                    "给出要跟踪的程序：lab trace -- python3 client.py，或者 --server … --client …",
                )
                .into(),
            TraceError::NulInCommand => self
                .pick("the command holds a NUL byte", "命令里有 NUL 字节")
                .into(),
            TraceError::EmptyCommand { flag } => self.empty_command(*flag),
            TraceError::ProgramNotFound { program } if program.contains('/') => match zh {
                true => format!("{program}：没有这个文件"),
                false => format!("{program}: no such file"),
            },
            TraceError::ProgramNotFound { program } if zh => {
                format!("{program}：没有这个程序（不是路径，也不在 PATH 上）")
            }
            TraceError::ProgramNotFound { program } => {
                format!("{program}: no such program (not a path, and not on PATH)")
            }
            TraceError::ExecFailed {
                program,
                errno,
                failure,
            } => self.exec_failed(program, *errno, failure),
            _ => self.tracer_refused(e),
        }
    }

    /// `--server ''`: an empty command is refused before anything runs.
    fn empty_command(self, flag: Option<&str>) -> String {
        let example = "lab trace --server 'python3 server.py' --client 'python3 client.py'";
        match (flag, self.zh()) {
            (Some(flag), false) => {
                format!("{flag} is empty: give the command line to run, e.g. {example}")
            }
            (Some(flag), true) => format!("选项 {flag} 是空的：给出要运行的命令行，例如 {example}"),
            (None, false) => "the program after -- is empty: give the program to run, e.g. \
                              lab trace -- python3 client.py"
                .into(),
            (None, true) => {
                "-- 后面的程序是空的：给出要运行的程序，例如 lab trace -- python3 client.py".into()
            }
        }
    }

    /// Why execve() refused the program, from what its file is, with the errno's name.
    fn exec_failed(self, program: &str, errno: Errno, failure: &ExecFailure) -> String {
        let name = format!("{errno:?}");
        let why = match (failure, self.zh()) {
            (ExecFailure::Directory, false) => format!("it is a directory ({name})"),
            (ExecFailure::Directory, true) => format!("它是一个目录（{name}）"),
            (ExecFailure::NotExecutable, false) => format!(
                "it may not be executed ({name}) — chmod +x {program}, or name its \
                 interpreter: lab trace -- python3 {program}"
            ),
            (ExecFailure::NotExecutable, true) => format!(
                "它不允许执行（{name}）—— 用 chmod +x {program}，或者写出它的解释器：lab trace \
                 -- python3 {program}"
            ),
            (ExecFailure::MissingInterpreter { interpreter }, false) => format!(
                "its #! line names the interpreter {interpreter}, which does not exist ({name})"
            ),
            (ExecFailure::MissingInterpreter { interpreter }, true) => {
                format!("它的 #! 行指定的解释器 {interpreter} 不存在（{name}）")
            }
            (ExecFailure::NotAProgram, false) => format!(
                "it is no program this machine runs: no #! line, and not a binary for this \
                 machine ({name})"
            ),
            (ExecFailure::NotAProgram, true) => {
                format!(
                    "它不是这台机器能运行的程序：没有 #! 行，也不是这台机器的二进制文件（{name}）"
                )
            }
            (ExecFailure::Other, false) => format!("{} ({name})", errno.desc()),
            (ExecFailure::Other, true) => format!("{}（{name}）", errno.desc()),
        };
        match self.zh() {
            true => format!("{program} 无法启动：{why}"),
            false => format!("{program} could not be started: {why}"),
        }
    }

    /// The tracer itself could not run here: ptrace, seccomp, the kernel, the machine.
    fn tracer_refused(self, e: &TraceError) -> String {
        let zh = self.zh();
        match e {
            TraceError::PtraceDenied {
                ptrace_scope: Some(3),
                ..
            } => self
                .pick(
                    "ptrace is switched off on this machine (kernel.yama.ptrace_scope = 3, which \
                     only a reboot undoes): lab trace cannot run here",
                    "这台机器关闭了 ptrace（kernel.yama.ptrace_scope = 3，只有重启才能撤销）：\
                     lab trace 无法在这里运行",
                )
                .into(),
            TraceError::PtraceDenied {
                ptrace_scope: Some(2),
                ..
            } => self
                .pick(
                    "ptrace needs admin rights here (kernel.yama.ptrace_scope = 2): run lab \
                     trace as root, or set the scope to 1 with sudo sysctl \
                     kernel.yama.ptrace_scope=1",
                    "这里的 ptrace 需要管理员权限（kernel.yama.ptrace_scope = 2）：以 root 运行 \
                     lab trace，或者用 sudo sysctl kernel.yama.ptrace_scope=1 把它设为 1",
                )
                .into(),
            TraceError::PtraceDenied { errno, .. } if zh => format!(
                "这里不允许 ptrace（{}）：在容器里，用 --cap-add SYS_PTRACE（或允许 ptrace 的 \
                 seccomp 配置）启动它",
                errno.desc()
            ),
            TraceError::PtraceDenied { errno, .. } => format!(
                "ptrace is not allowed here ({}): in a container, start it with --cap-add \
                 SYS_PTRACE (or a seccomp profile that allows ptrace)",
                errno.desc()
            ),
            TraceError::SeccompUnavailable { errno } if zh => format!(
                "这个内核拒绝了 seccomp 过滤器（{}）：lab trace 需要 CONFIG_SECCOMP_FILTER",
                errno.desc()
            ),
            TraceError::SeccompUnavailable { errno } => format!(
                "this kernel refused a seccomp filter ({}): lab trace needs \
                 CONFIG_SECCOMP_FILTER",
                errno.desc()
            ),
            TraceError::PlacementFailed { errno } if zh => {
                format!("程序无法放到指定的位置：{}", errno.desc())
            }
            TraceError::PlacementFailed { errno } => {
                format!(
                    "the program could not be placed where asked: {}",
                    errno.desc()
                )
            }
            TraceError::KernelTooOld { needs } if zh => {
                format!("lab trace 需要 {needs} 或更新的内核；这个内核没有")
            }
            TraceError::KernelTooOld { needs } => {
                format!("lab trace needs {needs} or newer; this kernel lacks it")
            }
            TraceError::UnsupportedArchitecture => self
                .pick(
                    "lab trace knows the system calls of x86_64 and aarch64 only",
                    "lab trace 只认识 x86_64 和 aarch64 的系统调用",
                )
                .into(),
            TraceError::System(errno) if zh => format!("启动程序失败：{}", errno.desc()),
            TraceError::System(errno) => format!("starting the program failed: {}", errno.desc()),
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use nix::errno::Errno;

    #[test]
    fn a_refused_ptrace_says_why_and_what_to_do() {
        let denied = |scope| TraceError::PtraceDenied {
            errno: Errno::EPERM,
            ptrace_scope: scope,
        };
        let en = Words(Lang::En);
        assert!(
            en.trace_error(&denied(Some(3)))
                .contains("only a reboot undoes")
        );
        assert!(
            en.trace_error(&denied(Some(2)))
                .contains("kernel.yama.ptrace_scope=1")
        );
        assert!(
            en.trace_error(&denied(Some(1)))
                .contains("--cap-add SYS_PTRACE")
        );
        assert!(!en.trace_error(&denied(None)).contains('\n'));
        assert!(
            Words(Lang::Zh)
                .trace_error(&denied(Some(3)))
                .contains("重启")
        );
    }
}
