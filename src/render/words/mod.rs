//! Every word lab shows, in English and in Chinese: one [`Words`] value per language, its
//! methods spread over this folder by view (this file: the exchange lessons' words, shared by
//! the side-by-side view and the pictures). Numbers, call names (`send()`), flags (`SYN`),
//! piece names (`m1[0..3]`) and Python literals are the same in both languages.
//!
//! Each sentence is one method with both languages side by side (`pick` for fixed text, a
//! `match` for sentences with figures), so a sentence cannot exist in one language only. The
//! Chinese follows the notes' and the lesson texts' terms: 粘包, 半包, 报头, 半连接池, 通信循环,
//! 链接循环, 服务端, 客户端.

mod backlog;
mod lessons;
mod link;
mod linked;
mod live;
mod notes;
mod pictures;
mod refusals;
mod reuseaddr;
mod stall;
pub mod structs;
mod summary;
mod table;
mod terminal;
mod trace;
mod trials;
pub mod upload;
mod usage;

pub(crate) use stall::round_trip_ms;

use std::time::Duration;

use crate::analysis::Summary;
use crate::lang::Lang;
use crate::transcript::DropCause;

/// The words of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words(pub Lang);

impl Words {
    /// The English or the Chinese of a fixed text.
    pub(crate) fn pick(self, en: &'static str, zh: &'static str) -> &'static str {
        match self.0 {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    /// Whether the words are Chinese.
    pub(crate) fn zh(self) -> bool {
        self.0 == Lang::Zh
    }

    /// The `lang` attribute of an HTML page.
    pub fn html_lang(self) -> &'static str {
        self.pick("en", "zh-CN")
    }

    pub fn client(self) -> &'static str {
        self.pick("client", "客户端")
    }

    pub fn server(self) -> &'static str {
        self.pick("server", "服务端")
    }

    /// `lab sticky-demo — client → server over one TCP connection on loopback`; `linked`:
    /// across lab's link (`--net`).
    pub fn title(self, lesson: &str, udp: bool, linked: bool) -> String {
        let carrier = match (udp, linked) {
            (false, false) => self.pick("one TCP connection on loopback", "回环上的一条 TCP 连接"),
            (true, false) => self.pick("UDP datagrams on loopback", "回环上的 UDP 数据报"),
            (false, true) => self.pick(
                "one TCP connection across lab's link",
                "经过 lab 链路的一条 TCP 连接",
            ),
            (true, true) => self.pick(
                "UDP datagrams across lab's link",
                "经过 lab 链路的 UDP 数据报",
            ),
        };
        if self.zh() {
            format!("lab {lesson} — 客户端 → 服务端，{carrier}")
        } else {
            format!("lab {lesson} — client → server over {carrier}")
        }
    }

    /// The knobs of an exchange run in one line; `nagle` is `None` for UDP (which reads with
    /// recvfrom() and has no Nagle).
    pub fn knobs(
        self,
        recv_size: usize,
        reader_delay: Duration,
        send_gap: Duration,
        nagle: Option<bool>,
    ) -> String {
        let (reader, gap) = (reader_delay.as_millis(), send_gap.as_millis());
        let call = if nagle.is_some() { "recv" } else { "recvfrom" };
        let nagle = match (nagle, self.zh()) {
            (None, _) => "",
            (Some(true), false) => " · Nagle on",
            (Some(false), false) => " · Nagle off (TCP_NODELAY)",
            (Some(true), true) => " · Nagle 开启",
            (Some(false), true) => " · Nagle 关闭（TCP_NODELAY）",
        };
        if self.zh() {
            format!("{call}({recv_size}) · 读方晚 {reader} ms · 发送间隔 {gap} ms{nagle}")
        } else {
            format!("{call}({recv_size}) · reader {reader} ms late · send gap {gap} ms{nagle}")
        }
    }

    /// Where the arrows between the lifelines come from.
    pub fn wire_source(self, source: Option<crate::transcript::WireSource>) -> &'static str {
        use crate::transcript::WireSource;
        match source {
            Some(WireSource::Loopback) => self.pick(
                "arrows: every packet, captured on loopback (--wire); flat because loopback \
                 delivers in microseconds",
                "箭头：回环接口上抓到的每个数据包（--wire）；回环几微秒就送达，所以箭头是平的",
            ),
            Some(WireSource::Link) => self.pick(
                "arrows: every packet, carried by lab's link (--net); slanted by its flight time",
                "箭头：lab 的链路转发的每个数据包（--net）；倾斜程度就是在途时间",
            ),
            None => self.pick(
                "dotted lines: where each send()'s bytes came out; add --wire to see the packets",
                "虚线：每次 send() 的字节从哪次 recv() 出来；加 --wire 可看到数据包",
            ),
        }
    }

    /// The key to the piece names: `m1`, `h1`, `d1`, `p1`, slices.
    pub fn piece_key(self) -> &'static str {
        self.pick(
            "mN = message N · hN its length header · dN its delimiter · pN its padding · \
             [a..b] bytes a to b of it",
            "mN = 第 N 条消息 · hN 它的报头 · dN 它的分隔符 · pN 它的填充 · [a..b] 其中第 a 到 b 字节",
        )
    }

    pub fn messages(self) -> &'static str {
        self.pick("messages:", "消息：")
    }

    /// `send() 5 B · bytes 0..5`.
    pub fn send(self, len: usize, from: u64) -> String {
        let to = from + len as u64;
        if self.zh() {
            format!("send() {len} B · 字节 {from}..{to}")
        } else {
            format!("send() {len} B · bytes {from}..{to}")
        }
    }

    /// `recv() 20 B · bytes 0..20` (`recvfrom()` for UDP).
    pub fn recv(self, udp: bool, len: usize, from: u64) -> String {
        let call = if udp { "recvfrom()" } else { "recv()" };
        let to = from + len as u64;
        if self.zh() {
            format!("{call} {len} B · 字节 {from}..{to}")
        } else {
            format!("{call} {len} B · bytes {from}..{to}")
        }
    }

    /// A send() or recv() of the server→client stream, which holds no message pieces.
    pub fn reply_bytes(self, call: &str, len: usize) -> String {
        if self.zh() {
            format!("{call} {len} B（回复方向）")
        } else {
            format!("{call} {len} B (reply stream)")
        }
    }

    pub fn eof(self) -> &'static str {
        self.pick(
            "recv() → 0: end of stream",
            "recv() → 0：流结束（对方关闭）",
        )
    }

    pub fn close(self) -> &'static str {
        self.pick("close(): no more bytes (FIN)", "close()：不再发送（FIN）")
    }

    pub fn connect(self) -> &'static str {
        self.pick("connect()", "connect()")
    }

    pub fn accept(self) -> &'static str {
        self.pick("accept()", "accept()")
    }

    /// `⇒ m1 intact ✓` or `⇒ m1 differs ✗` (a decoded frame).
    pub fn frame(self, message: usize, intact: bool) -> String {
        match (self.zh(), intact) {
            (false, true) => format!("frame ⇒ m{message} intact ✓"),
            (false, false) => format!("frame ⇒ m{message} differs from what was sent ✗"),
            (true, true) => format!("解出一帧 ⇒ m{message} 完整 ✓"),
            (true, false) => format!("解出一帧 ⇒ m{message} 与发送的不同 ✗"),
        }
    }

    pub fn error(self, detail: &str) -> String {
        format!("{}{detail}", self.pick("error: ", "错误："))
    }

    pub fn truncated(self, detail: &str) -> String {
        format!("{}{detail}", self.pick("truncated: ", "被截断："))
    }

    pub fn dropped(self, cause: Option<DropCause>) -> &'static str {
        match cause {
            Some(DropCause::Loss) => self.pick("✕ dropped (loss)", "✕ 丢弃（随机丢包）"),
            Some(DropCause::QueueFull) => self.pick("✕ dropped (queue full)", "✕ 丢弃（队列已满）"),
            None => self.pick("✕ dropped", "✕ 丢弃"),
        }
    }

    pub fn retransmission(self) -> &'static str {
        self.pick("↻ retransmission", "↻ 重传")
    }

    pub fn duplicate_of(self, number: usize) -> String {
        if self.zh() {
            format!("⧉ #{number} 的副本")
        } else {
            format!("⧉ duplicate of #{number}")
        }
    }

    pub fn reordered(self) -> &'static str {
        self.pick("⇅ reordered", "⇅ 乱序到达")
    }

    pub fn arrival_unseen(self) -> &'static str {
        self.pick("? arrival not seen", "? 未见到达")
    }

    /// How long a packet was on the path, when that is worth saying (over a millisecond).
    pub fn flight(self, us: u64) -> String {
        format!("{} {}", self.pick("flight", "在途"), millis(us))
    }

    /// `+ 21 ACKs` folded into a bundle of segments.
    pub fn acks_folded(self, n: usize) -> String {
        if self.zh() {
            format!("+ {n} 个 ACK")
        } else if n == 1 {
            "+ 1 ACK".into()
        } else {
            format!("+ {n} ACKs")
        }
    }

    /// Where a long run's middle is left out of the chart.
    pub fn elided(self, events: usize, packets: usize) -> String {
        match (self.zh(), packets) {
            (false, 0) => {
                format!("⋯ {events} events left out here (--json lists every event) ⋯")
            }
            (false, _) => format!(
                "⋯ {events} events and {packets} packets left out here (--json lists every \
                 event) ⋯"
            ),
            (true, 0) => format!("⋯ 此处省略 {events} 个事件（--json 列出全部事件）⋯"),
            (true, _) => {
                format!("⋯ 此处省略 {events} 个事件、{packets} 个数据包（--json 列出全部事件）⋯")
            }
        }
    }

    pub fn measured(self) -> &'static str {
        self.pick("measured", "测得")
    }

    pub fn wire(self) -> &'static str {
        self.pick("wire", "线路")
    }

    pub fn verdict(self) -> &'static str {
        self.pick("verdict", "结论")
    }

    pub fn check(self) -> &'static str {
        self.pick("check", "核对")
    }

    pub fn next_step(self) -> &'static str {
        self.pick("next", "下一步")
    }

    /// The counts under a run's chart.
    pub fn figures(self, s: &Summary) -> String {
        // A UDP run has datagrams, not a stream: nothing to merge or split, but some to lose.
        if let Some(truncated) = s.truncated {
            let lost = s.sends.saturating_sub(s.recvs);
            // Messages whose send() failed (a datagram too large) never became datagrams.
            let failed = match (s.messages_sent.saturating_sub(s.sends), self.zh()) {
                (0, _) => String::new(),
                (n, false) => format!(" · {n} send() failed"),
                (n, true) => format!(" · {n} 次 send() 失败"),
            };
            return if self.zh() {
                format!(
                    "发出 {} 个数据报{failed} · {} 次 recvfrom() · 发送 {} B，收到 {} B · 丢失 {} \
                     个 · 截断 {} 个",
                    s.sends, s.recvs, s.bytes_sent, s.bytes_received, lost, truncated
                )
            } else {
                format!(
                    "{} datagrams sent{failed} · {} recvfrom() · {} B sent, {} B received · {} \
                     lost · {} truncated",
                    s.sends, s.recvs, s.bytes_sent, s.bytes_received, lost, truncated
                )
            };
        }
        if self.zh() {
            format!(
                "{} 次 send() · {} 次有数据的 recv() · 发送 {} B，收到 {} B · {} 次 recv() 粘包 · \
                 {} 条消息被拆开（半包）",
                s.sends, s.recvs, s.bytes_sent, s.bytes_received, s.merged_recvs, s.split_messages
            )
        } else {
            format!(
                "{} send() · {} recv() with data · {} B sent, {} B received · {} merged recv() \
                 · {} split message{}",
                s.sends,
                s.recvs,
                s.bytes_sent,
                s.bytes_received,
                s.merged_recvs,
                s.split_messages,
                if s.split_messages == 1 { "" } else { "s" }
            )
        }
    }

    pub fn back(self) -> &'static str {
        self.pick("← Back", "← 上一步")
    }

    pub fn next(self) -> &'static str {
        self.pick("Next →", "下一步 →")
    }

    /// What the step counter says before the first step: everything is shown.
    pub fn overview(self) -> &'static str {
        self.pick(
            "all events shown — Next steps through them",
            "显示全部事件 —— 点“下一步”逐个查看",
        )
    }

    /// The step counter's template: `{k}` and `{n}` are filled in by the page's script.
    pub fn step_of(self) -> &'static str {
        self.pick("event {k} of {n}", "第 {k} / {n} 个事件")
    }

    pub fn trial_of(self) -> &'static str {
        self.pick("run {k} of {n}", "第 {k} / {n} 次运行")
    }

    pub fn keys_hint(self) -> &'static str {
        self.pick("keys: → next · ← back", "按键：→ 下一步 · ← 上一步")
    }

    pub fn json_heading(self) -> &'static str {
        self.pick(
            "JSON of this event (the page embeds every line of --json)",
            "此事件的 JSON（页面内嵌了 --json 的全部行）",
        )
    }

    pub fn time_ms(self) -> &'static str {
        self.pick("t ms", "t ms")
    }

    pub fn client_column(self) -> &'static str {
        self.pick("client: send()", "客户端：send()")
    }

    pub fn wire_column(self) -> &'static str {
        self.pick("wire: packets", "线路：数据包")
    }

    pub fn server_column(self, udp: bool, recv_size: usize) -> String {
        let call = if udp { "recvfrom" } else { "recv" };
        format!("{}{call}({recv_size})", self.pick("server: ", "服务端："))
    }

    pub fn segments_per_run(self) -> &'static str {
        self.pick(
            "data segments per run (TCP_INFO)",
            "每次运行的数据段数（TCP_INFO）",
        )
    }

    pub fn not_measured(self) -> &'static str {
        self.pick("(not measured on this kernel)", "（这个内核不计数）")
    }

    /// The height of a histogram bar: how many runs.
    pub fn runs(self, n: usize) -> String {
        match (self.zh(), n) {
            (true, _) => format!("{n} 次"),
            (false, 1) => "1 run".into(),
            (false, _) => format!("{n} runs"),
        }
    }

    pub fn trial_columns(self) -> [&'static str; 6] {
        if self.zh() {
            [
                "第几次",
                "recv() 次数",
                "数据段",
                "粘包 recv()",
                "被拆开的消息",
                "逐条完整",
            ]
        } else {
            [
                "run",
                "recv() calls",
                "data segments",
                "merged recv()",
                "split messages",
                "intact",
            ]
        }
    }

    pub fn yes_no(self, yes: bool) -> &'static str {
        match (self.zh(), yes) {
            (false, true) => "yes",
            (false, false) => "no",
            (true, true) => "是",
            (true, false) => "否",
        }
    }
}

/// `1 recv()`, `3 recv() calls`: a count and its English noun (Chinese counts need no plural).
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `0.012 ms`, `4.3 ms`, `100 ms`, `2.5 s`: a duration as a person reads it.
pub fn millis(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms < 1.0 {
        format!("{ms:.3} ms")
    } else if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(millis(12), "0.012 ms");
        assert_eq!(millis(4_300), "4.3 ms");
        assert_eq!(millis(100_400), "100 ms");
        assert_eq!(millis(25_000_000), "25.0 s");
    }

    #[test]
    fn chinese_words_are_chinese() {
        let zh = Words(Lang::Zh);
        assert_eq!(zh.client(), "客户端");
        assert!(zh.title("sticky-demo", false, false).contains("回环"));
        assert_ne!(Words(Lang::En).overview(), zh.overview());
    }
}
