//! The words of the two-terminal tools (`lab serve`, `lab chat`, `lab proxy`): how each was set
//! up, who came, who was turned away and why, why a connection ended, the notes, the totals,
//! and the errors only these tools give. System error texts are quoted as the system gives them.

use std::net::SocketAddr;

use super::Words;
use crate::framing::{EncodeError, FrameError, FrameErrorKind};
use crate::lang::Lang;
use crate::tools::Reply;
use crate::tools::reasons::{Departure, End, Note, Setup, Trouble, TurnAway, Work};

impl Words {
    /// `listening on ADDR — listen(5), SO_REUSEADDR on, raw mode, replies: echo; Ctrl-C stops`.
    pub fn listening(self, addr: SocketAddr, setup: &Setup) -> String {
        match self.0 {
            Lang::En => format!("listening on {addr} — {}", self.setup(setup)),
            Lang::Zh => format!("正在监听 {addr} — {}", self.setup(setup)),
        }
    }

    /// How a tool was set up (the JSON `detail` of `listening`).
    pub fn setup(self, setup: &Setup) -> String {
        match (self.0, setup) {
            (
                Lang::En,
                Setup::Serve {
                    backlog,
                    reuseaddr,
                    work,
                },
            ) => format!(
                "listen({backlog}), SO_REUSEADDR {}, {}; Ctrl-C stops",
                if *reuseaddr { "on" } else { "off" },
                self.work(work)
            ),
            (
                Lang::Zh,
                Setup::Serve {
                    backlog,
                    reuseaddr,
                    work,
                },
            ) => format!(
                "listen({backlog})，SO_REUSEADDR {}，{}；按 Ctrl-C 停止",
                if *reuseaddr { "开" } else { "关" },
                self.work(work)
            ),
            (Lang::En, Setup::Proxy { to, trouble }) => {
                format!(
                    "forwarding to {to}; {}; Ctrl-C stops",
                    self.trouble(trouble)
                )
            }
            (Lang::Zh, Setup::Proxy { to, trouble }) => {
                format!("转发到 {to}；{}；按 Ctrl-C 停止", self.trouble(trouble))
            }
        }
    }

    fn work(self, work: &Work) -> String {
        let reply = |reply: &Reply| match (self.0, reply) {
            (Lang::En, reply) => format!("replies: {}", reply.as_str()),
            (Lang::Zh, Reply::Echo) => "原样回复".into(),
            (Lang::Zh, Reply::Upper) => "回复大写".into(),
            (Lang::Zh, Reply::None) => "不回复".into(),
        };
        match (self.0, work) {
            (Lang::En, Work::Uploads { dir }) => format!("uploads into {}", dir.display()),
            (Lang::Zh, Work::Uploads { dir }) => format!("上传的文件存入 {}", dir.display()),
            (
                Lang::En,
                Work::Messages {
                    header: None,
                    reply: r,
                },
            ) => {
                format!("raw mode, {}", reply(r))
            }
            (
                Lang::Zh,
                Work::Messages {
                    header: None,
                    reply: r,
                },
            ) => {
                format!("raw 模式，{}", reply(r))
            }
            (
                Lang::En,
                Work::Messages {
                    header: Some(h),
                    reply: r,
                },
            ) => {
                format!("framed mode ({h} header), {}", reply(r))
            }
            (
                Lang::Zh,
                Work::Messages {
                    header: Some(h),
                    reply: r,
                },
            ) => {
                format!("分帧模式（{h} 报头），{}", reply(r))
            }
        }
    }

    fn trouble(self, trouble: &Trouble) -> String {
        match (self.0, trouble) {
            (
                Lang::En,
                Trouble::Stammer {
                    max_chunk,
                    pause,
                    seed,
                },
            ) => format!(
                "stammering: pieces of 1..{max_chunk} bytes, {} ms apart, seed {seed}",
                pause.as_millis()
            ),
            (
                Lang::Zh,
                Trouble::Stammer {
                    max_chunk,
                    pause,
                    seed,
                },
            ) => format!(
                "结巴模式：切成 1..{max_chunk} 字节的小块，每块间隔 {} ms，种子 {seed}",
                pause.as_millis()
            ),
            (Lang::En, Trouble::Coalesce { window }) => {
                format!("coalescing: bytes held {} ms", window.as_millis())
            }
            (Lang::Zh, Trouble::Coalesce { window }) => {
                format!("合并模式：字节攒 {} ms 再一起转发", window.as_millis())
            }
            (_, Trouble::Forward) => self
                .pick("forwarding as received", "收到什么就转发什么")
                .into(),
        }
    }

    /// `connected (2 clients now)`.
    pub fn accepted(self, clients: usize) -> String {
        match (self.0, clients) {
            (Lang::En, 1) => "connected (1 client now)".into(),
            (Lang::En, n) => format!("connected ({n} clients now)"),
            (Lang::Zh, n) => format!("已连接（现有 {n} 个客户端）"),
        }
    }

    /// A `refused` line: `refused: WHY`.
    pub fn refused(self, why: &TurnAway) -> String {
        format!(
            "{}{}",
            self.pick("refused: ", "拒绝："),
            self.turn_away(why)
        )
    }

    /// Why a connection was turned away (also what the server tells that client).
    pub fn turn_away(self, why: &TurnAway) -> String {
        match (self.0, why) {
            (Lang::En, TurnAway::MaxClients(1)) => {
                "already serving 1 client (--max-clients); connection closed".into()
            }
            (Lang::En, TurnAway::MaxClients(n)) => {
                format!("already serving {n} clients (--max-clients); connection closed")
            }
            (Lang::Zh, TurnAway::MaxClients(n)) => {
                format!("已在服务 {n} 个客户端（--max-clients）；连接已关闭")
            }
            (Lang::En, TurnAway::CannotWatch(e)) => {
                format!("cannot watch this connection ({e}); connection closed")
            }
            (Lang::Zh, TurnAway::CannotWatch(e)) => {
                format!("无法监视这个连接（{e}）；连接已关闭")
            }
            (Lang::En, TurnAway::NoThread { error, retry }) => format!(
                "no thread to serve it ({error}); {}",
                if *retry {
                    "try again later"
                } else {
                    "connection closed"
                }
            ),
            (Lang::Zh, TurnAway::NoThread { error, retry }) => format!(
                "没有线程可以服务它（{error}）；{}",
                if *retry {
                    "请稍后再试"
                } else {
                    "连接已关闭"
                }
            ),
            (Lang::En, TurnAway::NoDescriptors { limit: Some(n) }) => {
                format!("out of file descriptors (ulimit -n is {n}); try again later")
            }
            (Lang::En, TurnAway::NoDescriptors { limit: None }) => {
                "the system is out of file descriptors; try again later".into()
            }
            (Lang::Zh, TurnAway::NoDescriptors { limit: Some(n) }) => {
                format!("文件描述符用完了（ulimit -n 为 {n}）；请稍后再试")
            }
            (Lang::Zh, TurnAway::NoDescriptors { limit: None }) => {
                "系统的文件描述符用完了；请稍后再试".into()
            }
        }
    }

    /// What `lab serve` sends a client over `--max-clients` before closing, in its framing.
    pub fn turn_away_on_wire(self, why: &TurnAway) -> String {
        format!("lab serve: {}", self.turn_away(why))
    }

    /// The byte events' labels: `recv`, `message`, `send`, `→ server`, `← client`.
    pub fn recv_label(self) -> &'static str {
        "recv"
    }

    pub fn message_label(self) -> &'static str {
        self.pick("message", "消息")
    }

    pub fn send_label(self) -> &'static str {
        "send"
    }

    pub fn forward_label(self, to_server: bool) -> &'static str {
        match to_server {
            true => self.pick("→ server", "→ 服务端"),
            false => self.pick("← client", "← 客户端"),
        }
    }

    /// A `left` line: `left: WHY`.
    pub fn left(self, why: &Departure) -> String {
        format!("{}{}", self.pick("left: ", "断开："), self.departure(why))
    }

    /// Why a connection ended, with its figures (the JSON `detail` of `left`).
    pub fn departure(self, why: &Departure) -> String {
        if let Some(text) = self.server_departure(why) {
            return text;
        }
        match why {
            Departure::UploadComplete => self.pick("upload complete", "上传完成").into(),
            Departure::UploadRefused {
                refusal,
                told_client,
                ..
            } => {
                let told = match (told_client, self.0) {
                    (false, _) => "",
                    (true, Lang::En) => " (the client was told)",
                    (true, Lang::Zh) => "（已告知客户端）",
                };
                let head = self.pick("upload refused: ", "上传被拒绝：");
                format!("{head}{}{told}", self.upload_refusal(refusal))
            }
            Departure::Proxied { there, back } => match self.0 {
                Lang::En => format!(
                    "client → server: {}; server → client: {}",
                    self.end(there),
                    self.end(back)
                ),
                Lang::Zh => format!(
                    "客户端 → 服务端：{}；服务端 → 客户端：{}",
                    self.end(there),
                    self.end(back)
                ),
            },
            Departure::NoUpstream(end) => match self.0 {
                Lang::En => format!("{}; client closed", self.end(end)),
                Lang::Zh => format!("{}；已关闭客户端的连接", self.end(end)),
            },
            other => self.chat_departure(other),
        }
    }

    /// The departures `lab serve` measures for a message client; `None` for the others.
    fn server_departure(self, why: &Departure) -> Option<String> {
        let zh = self.zh();
        Some(match why {
            Departure::PeerClosed => self
                .pick(
                    "closed the connection (recv() returned 0 bytes)",
                    "关闭了连接（recv() 返回 0 字节）",
                )
                .into(),
            Departure::PeerReset => self
                .pick("reset the connection (RST)", "重置了连接（RST）")
                .into(),
            Departure::ResetDuringReply(e) if zh => format!("在回复途中重置了连接（{e}）"),
            Departure::ResetDuringReply(e) => format!("reset the connection during a reply ({e})"),
            Departure::RecvFailed(e) if zh => format!("recv() 失败：{e}"),
            Departure::RecvFailed(e) => format!("recv() failed: {e}"),
            Departure::SendFailed(e) if zh => format!("回复的 send() 失败：{e}"),
            Departure::SendFailed(e) => format!("send() of the reply failed: {e}"),
            Departure::ClosedMidFrame(e) => self.broken_frame(e),
            Departure::BadFrame(e) if zh => format!("{}；连接已关闭", self.broken_frame(e)),
            Departure::BadFrame(e) => format!("{}; connection closed", self.broken_frame(e)),
            Departure::ReplyUnframable(e) if zh => format!("回复无法分帧：{}", self.unsendable(e)),
            Departure::ReplyUnframable(e) => {
                format!("cannot frame the reply: {}", self.unsendable(e))
            }
            Departure::CannotWatch(e) if zh => format!("无法监视这个连接（{e}）"),
            Departure::CannotWatch(e) => format!("cannot watch this connection ({e})"),
            Departure::Silent { seconds } if zh => {
                format!("{seconds} s 内什么也没发（--idle-timeout）：连接已关闭")
            }
            Departure::Silent { seconds } => {
                format!("sent nothing for {seconds} s (--idle-timeout): connection closed")
            }
            Departure::FrameNotWhole { seconds } if zh => {
                format!("{seconds} s 后一条消息仍未收全（--idle-timeout）：连接已关闭")
            }
            Departure::FrameNotWhole { seconds } => format!(
                "a message still not whole after {seconds} s (--idle-timeout): connection closed"
            ),
            Departure::NotReading { seconds } if zh => {
                format!("{seconds} s 内没有取走任何回复字节（它不读）；连接已关闭")
            }
            Departure::NotReading { seconds } => {
                format!("took no reply bytes for {seconds} s (it does not read); connection closed")
            }
            Departure::ServerStopping => self
                .pick("the server is shutting down", "服务端正在关闭")
                .into(),
            Departure::NonBlockingFailed(e) if zh => {
                format!("无法把连接设为非阻塞（{e}）；已关闭")
            }
            Departure::NonBlockingFailed(e) => {
                format!("cannot make the connection non-blocking ({e}); closed")
            }
            _ => return None,
        })
    }

    /// How `lab chat` saw the server leave.
    fn chat_departure(self, why: &Departure) -> String {
        match why {
            Departure::ServerLeftWhileWaiting => self.pick(
                "the server closed the connection while this client waited for a line: it was \
                 stopped, or it dropped this client (lab serve --idle-timeout)",
                "这个客户端等待输入下一行时，服务端关闭了连接：它被停止了，或者它断开了这个客户端\
                 （lab serve --idle-timeout）",
            ),
            Departure::ServerClosedFirst => self.pick(
                "the server closed the connection before this client sent anything: it may be \
                 serving all the clients it takes already (lab serve --max-clients), or it was \
                 stopped",
                "这个客户端还什么都没发，服务端就关闭了连接：它可能已经在服务它能接待的全部客户端\
                 （lab serve --max-clients），或者它被停止了",
            ),
            Departure::ServerClosedAfterLine { replied: true, .. } => {
                self.pick("the server closed the connection", "服务端关闭了连接")
            }
            Departure::ServerClosedAfterLine { framed: false, .. } => self.pick(
                "the server closed the connection without replying to this line: a server in \
                 --mode framed does that when the bytes are not a frame (it reads the first 4 as \
                 a length); if it runs --mode framed, run lab chat --mode framed too",
                "服务端没有回复这一行就关闭了连接：--mode framed 的服务端收到不成帧的字节时就会这样\
                 （它把前 4 个字节当作长度）；如果它运行的是 --mode framed，这边也请用 \
                 lab chat --mode framed",
            ),
            Departure::ServerClosedAfterLine { framed: true, .. } => self.pick(
                "the server closed the connection without replying to this line: if it runs \
                 --mode raw or another --header, use the same here",
                "服务端没有回复这一行就关闭了连接：如果它用的是 --mode raw 或别的 --header，\
                 这边也请用同样的设置",
            ),
            _ => "",
        }
        .into()
    }

    /// How one direction through the proxy ended.
    fn end(self, end: &End) -> String {
        let failed = |why: String| match self.0 {
            Lang::En => format!("failed: {why}"),
            Lang::Zh => format!("失败：{why}"),
        };
        match (self.0, end) {
            (_, End::Closed) => self.pick("closed", "已关闭").into(),
            (_, End::Reset) => self.pick("reset (RST)", "被重置（RST）").into(),
            (_, End::Stopped) => self.pick("stopped (Ctrl-C)", "已停止（Ctrl-C）").into(),
            (Lang::En, End::Unreachable { to, error }) => {
                failed(format!("cannot reach {to}: {error}"))
            }
            (Lang::Zh, End::Unreachable { to, error }) => failed(format!("连不上 {to}：{error}")),
            (Lang::En, End::NonBlocking(e)) => {
                failed(format!("cannot make the connection non-blocking ({e})"))
            }
            (Lang::Zh, End::NonBlocking(e)) => failed(format!("无法把连接设为非阻塞（{e}）")),
            (Lang::En, End::NoThread(e)) => failed(format!("no thread for the way back ({e})")),
            (Lang::Zh, End::NoThread(e)) => failed(format!("没有线程转发回程（{e}）")),
            (_, End::ThreadFailed) => failed(
                self.pick("the forwarding thread failed", "转发线程出错")
                    .into(),
            ),
            (_, End::Failed(e)) => failed(e.clone()),
        }
    }

    /// A `note` line (also its JSON `detail`).
    pub fn live_note(self, note: &Note) -> String {
        let zh = self.zh();
        match note {
            Note::AcceptFailed(e) if zh => format!("accept() 失败：{e}；仍在服务"),
            Note::AcceptFailed(e) => format!("accept() failed: {e}; still serving"),
            Note::OutputBehind { dropped } if zh => {
                format!("输出跟不上：有 {dropped} 个事件没有显示；每个客户端都照常得到了服务")
            }
            Note::OutputBehind { dropped } => format!(
                "the output fell behind: {dropped} event{} not shown; every client was still \
                 served",
                if *dropped == 1 { " was" } else { "s were" }
            ),
            Note::Connected { local } => {
                let local = local.map_or_else(|| "?".to_string(), |a| a.to_string());
                match self.0 {
                    Lang::En => format!(
                        "connected from {local}; an empty line is not sent; end the input \
                         (Ctrl-D) to leave"
                    ),
                    Lang::Zh => {
                        format!("已从 {local} 连上；空行不会发送；结束输入（Ctrl-D）即可离开")
                    }
                }
            }
            Note::EmptyLine => self
                .pick(
                    "empty line not sent: send(b'') puts nothing on the wire, so no reply would \
                     come and the client would wait in recv() for ever",
                    "空行没有发送：send(b'') 不会往线路上放任何字节，所以不会有回复，\
                     客户端会在 recv() 里永远等下去",
                )
                .into(),
            Note::LineNotSent(e) if zh => format!("这一行没有发送：{}", self.unsendable(e)),
            Note::LineNotSent(e) => format!("line not sent: {}", self.unsendable(e)),
            // `--reply=none`: one token, a flag as typed, in either language.
            Note::NoReply { seconds } if zh => {
                format!("{seconds} s 内没有回复（服务端可能用了 --reply=none）")
            }
            Note::NoReply { seconds } => {
                format!("no reply within {seconds} s (the server may use --reply none)")
            }
            Note::Receiving { name, size } if zh => format!("正在接收 {name:?}：{size} B"),
            Note::Receiving { name, size } => format!("receiving {name:?}: {size} B"),
            Note::Progress { got, total } => {
                let percent = got * 100 / (*total).max(1);
                match self.0 {
                    Lang::En => format!("{percent}% ({got} of {total} B)"),
                    Lang::Zh => format!("{percent}%（{got} / {total} B）"),
                }
            }
            Note::Stored(got) => self.stored(got),
            Note::AcrossLink { server } => self.chat_across_link(*server),
        }
    }

    /// `totals: 10 B in over 2 recv() calls, 2 messages, 10 B out`.
    pub fn totals(
        self,
        clients: Option<u64>,
        bytes_in: u64,
        bytes_out: u64,
        recv_calls: u64,
        messages: u64,
    ) -> String {
        match self.0 {
            Lang::En => {
                let head = match clients {
                    None => "totals: ".to_string(),
                    Some(n) => format!("stopped: {} served, ", count(n, "client", "clients")),
                };
                format!(
                    "{head}{bytes_in} B in over {}, {}, {bytes_out} B out",
                    count(recv_calls, "recv() call", "recv() calls"),
                    count(messages, "message", "messages")
                )
            }
            Lang::Zh => {
                let head = match clients {
                    None => "合计：".to_string(),
                    Some(n) => format!("已停止：共服务 {n} 个客户端，"),
                };
                format!(
                    "{head}收到 {bytes_in} B，用了 {recv_calls} 次 recv()，{messages} 条消息，\
                     发出 {bytes_out} B"
                )
            }
        }
    }

    /// `lab chat`'s error when a reply cannot be a frame.
    pub fn bad_reply(self, e: &FrameError) -> String {
        format!(
            "{}{}",
            self.pick("bad reply: ", "回复无法解帧："),
            self.broken_frame(e)
        )
    }

    /// `--upload-dir DIR` that is not a directory.
    pub fn not_a_directory(self, dir: &std::path::Path) -> String {
        match self.0 {
            Lang::En => format!(
                "--upload-dir {}: not a directory (create it first)",
                dir.display()
            ),
            Lang::Zh => format!("--upload-dir {}：不是目录（请先创建它）", dir.display()),
        }
    }

    /// A number of seconds out of range (`--idle-timeout`, `--reply-timeout`, `--timeout`).
    pub fn seconds_out_of_range(self, flag: &str, value: f64) -> String {
        match self.0 {
            Lang::En => {
                format!("{flag} {value}: give a number of seconds above 0 and at most 86400")
            }
            Lang::Zh => format!("{flag} {value}：请给出大于 0、最多 86400 的秒数"),
        }
    }

    /// Why bytes cannot be framed (a received stream): the frame, its offset, the rule broken.
    pub fn broken_frame(self, e: &FrameError) -> String {
        let (n, at) = (e.frame, e.offset);
        if !self.zh() {
            return e.to_string();
        }
        match &e.kind {
            FrameErrorKind::TooLarge { claimed, max } => format!(
                "第 {n} 帧（流偏移 {at}）声称有 {claimed} 字节，超过最大帧 {max} 字节；\
                 没等它的数据、也没给它预留空间就拒绝了（见 --max-frame）"
            ),
            FrameErrorKind::NegativeLength { claimed } => {
                format!("第 {n} 帧（流偏移 {at}）声称长度为负（{claimed}）；有符号的报头绝不能这样")
            }
            FrameErrorKind::EndedInHeader { got, need } => format!(
                "流在第 {n} 帧（流偏移 {at}）的报头里结束：报头 {need} 字节只到了 {got} 字节"
            ),
            FrameErrorKind::EndedInPayload { got, claimed } => format!(
                "流在一个 {claimed} 字节的帧里第 {got} 字节处结束（第 {n} 帧，流偏移 {at}）：\
                 还有 {} 字节没有到",
                claimed - got
            ),
            FrameErrorKind::NoDelimiter { max } => format!(
                "第 {n} 帧（流偏移 {at}）在最大帧 {max} 字节内没有分隔符；拒绝（见 --max-frame）"
            ),
            FrameErrorKind::EndedWithoutDelimiter { got } => {
                format!("流在第 {n} 帧（流偏移 {at}）第 {got} 字节处结束，它的分隔符还没有到")
            }
            FrameErrorKind::EndedInRecord { got, need } => {
                format!("流在一个 {need} 字节的记录里第 {got} 字节处结束（第 {n} 帧，流偏移 {at}）")
            }
        }
    }

    /// Why a message cannot be framed for sending.
    pub fn unsendable(self, e: &EncodeError) -> String {
        if !self.zh() {
            return e.to_string();
        }
        match e {
            EncodeError::TooLongForHeader { len, max, header } => format!(
                "{len} 字节的消息放不进 {header} 长度报头（最多 {max} 字节）；拒绝发送被截断的长度"
            ),
            EncodeError::ContainsDelimiter { at, delimiter } => format!(
                "消息在第 {at} 字节处含有分隔符 {}：接收方会在那里把它切开；拒绝发送",
                crate::structfmt::bytes_repr(delimiter)
            ),
            EncodeError::TooLongForRecord { len, record } => format!(
                "{len} 字节的消息放不进 {record} 字节的记录（见 --record-size）；拒绝把它切开"
            ),
        }
    }
}

/// `1 client`, `2 clients`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_the_same_in_the_log_and_on_the_wire() {
        let en = Words(Lang::En);
        let why = TurnAway::MaxClients(1);
        assert_eq!(
            en.turn_away_on_wire(&why),
            "lab serve: already serving 1 client (--max-clients); connection closed"
        );
        assert!(
            Words(Lang::Zh)
                .turn_away(&why)
                .contains("已在服务 1 个客户端")
        );
    }

    #[test]
    fn totals_count_in_either_language() {
        assert_eq!(
            Words(Lang::En).totals(Some(1), 5, 5, 1, 1),
            "stopped: 1 client served, 5 B in over 1 recv() call, 1 message, 5 B out"
        );
        assert_eq!(
            Words(Lang::Zh).totals(None, 5, 5, 2, 2),
            "合计：收到 5 B，用了 2 次 recv()，2 条消息，发出 5 B"
        );
    }
}
