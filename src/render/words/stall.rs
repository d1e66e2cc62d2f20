//! `lab stall-demo`'s words: each way of sending, why the notes' way stalls (Nagle ×
//! delayed ACK, measured packet by packet across a link) and what to do.

use super::{Words, plural};
use crate::analysis::stall::{StallFacts, VariantFacts, median};
use crate::lesson::stall_demo::{HEADER_LEN, Sending, Variant};

impl Words {
    /// The view's title.
    pub fn stall_title(self, facts: &StallFacts, linked: bool) -> String {
        let (rounds, size) = (facts.rounds, facts.size);
        match (self.zh(), linked) {
            (false, _) => format!(
                "lab stall-demo — {rounds} request/reply round trips {}, each message a \
                 {HEADER_LEN}-byte !I header and a {size}-byte body",
                if linked {
                    "across lab's link"
                } else {
                    "on loopback"
                }
            ),
            (true, _) => format!(
                "lab stall-demo — {rounds} 次请求/回复往返，{}，每条消息是 {HEADER_LEN} 字节的 \
                 !I 报头加 {size} 字节的正文",
                if linked {
                    "经过 lab 的链路"
                } else {
                    "在回环上"
                }
            ),
        }
    }

    /// The table's column titles: the way of sending, the median round trip, the slowest.
    pub fn stall_columns(self) -> [&'static str; 3] {
        if self.zh() {
            ["两端怎样发送", "每次往返", "最慢"]
        } else {
            ["how both sides send", "per round trip", "slowest"]
        }
    }

    /// `two send()s: header, body (the notes)`, `one sendall(header + body)`, and so on.
    pub fn way(self, v: &Variant) -> String {
        let zh = self.zh();
        let nodelay = match (v.client_nodelay, v.server_nodelay, zh) {
            (false, false, _) => "",
            (true, false, false) => ", TCP_NODELAY on the client",
            (false, true, false) => ", TCP_NODELAY on the server",
            (true, true, false) => ", TCP_NODELAY on both sides",
            (true, false, true) => "，客户端开 TCP_NODELAY",
            (false, true, true) => "，服务端开 TCP_NODELAY",
            (true, true, true) => "，两端都开 TCP_NODELAY",
        };
        match (v.sending, nodelay.is_empty(), zh) {
            (Sending::OneSend, _, false) => format!("one sendall(header + body){nodelay}"),
            (Sending::OneSend, _, true) => format!("一次 sendall(header + body){nodelay}"),
            (Sending::TwoSends, true, false) => "two send()s: header, body (the notes)".into(),
            (Sending::TwoSends, true, true) => "两次 send()：报头、正文（笔记的写法）".into(),
            (Sending::TwoSends, false, false) => format!("two send()s{nodelay}"),
            (Sending::TwoSends, false, true) => format!("两次 send(){nodelay}"),
        }
    }

    pub fn rounds_label(self) -> &'static str {
        self.pick("rounds", "各轮")
    }

    pub fn why_label(self) -> &'static str {
        self.pick("why", "原因")
    }

    /// `the notes' way, one by one: 88 ms, 87 ms … +3`.
    pub fn stall_rounds(self, listed: &[String], more: usize) -> String {
        let more = if more > 0 {
            format!(" … +{more}")
        } else {
            String::new()
        };
        if self.zh() {
            format!("笔记的写法，逐轮：{}{more}", listed.join(", "))
        } else {
            format!("the notes' way, one by one: {}{more}", listed.join(", "))
        }
    }

    /// What held the notes' way up: measured across a link, else the mechanism and how to see
    /// it.
    pub fn stall_why(self, notes: &VariantFacts, linked: bool) -> Vec<String> {
        if !linked {
            return vec![self.stall_mechanism().into()];
        }
        let rounds = notes.latencies_us.len();
        let mut lines = Vec::new();
        for (waits, client) in [
            (&notes.request_waits_us, true),
            (&notes.reply_waits_us, false),
        ] {
            if !waits.is_empty() {
                lines.push(self.bodies_waited(waits, rounds, client));
            }
        }
        for (delays, server) in [
            (&notes.server_ack_delays_us, true),
            (&notes.client_ack_delays_us, false),
        ] {
            if !delays.is_empty() {
                lines.push(self.acks_held(delays, server));
            }
        }
        if lines.is_empty() {
            let none = self.pick(
                "no segment waited for an ACK this time",
                "这一次没有报文段在等 ACK",
            );
            lines.push(none.into());
        }
        lines
    }

    fn stall_mechanism(self) -> &'static str {
        self.pick(
            "the body waits for the ACK of its header (Nagle's algorithm: a small segment \
             waits while an earlier one is unacknowledged), and the receiver holds that ACK \
             back, up to 40 ms, hoping to send it with a reply — which needs the body first \
             (delayed ACK). That happens once each way, so a round trip holds two such waits. \
             Run it with --net delay=5ms to see every wait, packet by packet.",
            "正文要等报头的 ACK（Nagle 算法：前面的小报文段还没被确认时，新的小报文段先等着），\
             而接收方把这个 ACK 扣住最多 40 ms，想和回复一起发 —— 可回复要先收到正文才有\
             （延迟确认）。两个方向各来一次，一次往返就有两次这样的等待。用 --net delay=5ms \
             运行，可以一个包一个包地看到每次等待。",
        )
    }

    /// `2 of 2 request bodies waited for the ACK of their header, 40 ms at the median …`.
    fn bodies_waited(self, waits: &[u64], rounds: usize, client: bool) -> String {
        let (n, at) = (waits.len(), round_trip_ms(median(waits)));
        match (self.zh(), client) {
            (false, true) => format!(
                "{n} of {rounds} request bodies waited for the ACK of their header, {at} at the \
                 median (Nagle's algorithm on the client)"
            ),
            (false, false) => format!(
                "{n} of {rounds} reply bodies waited for the ACK of their header, {at} at the \
                 median (Nagle's algorithm on the server)"
            ),
            (true, true) => format!(
                "{rounds} 个请求正文中有 {n} 个在等报头的 ACK，中位数 {at}（客户端上的 Nagle 算法）"
            ),
            (true, false) => format!(
                "{rounds} 个回复正文中有 {n} 个在等报头的 ACK，中位数 {at}（服务端上的 Nagle 算法）"
            ),
        }
    }

    /// `the server held back 1 ACK of requests, 40 ms at the median (delayed ACK)`.
    fn acks_held(self, delays: &[u64], server: bool) -> String {
        let at = round_trip_ms(median(delays));
        let n = delays.len();
        match (self.zh(), server) {
            (false, true) => format!(
                "the server held back {} of requests, {at} at the median (delayed ACK)",
                plural(n, "ACK", "ACKs")
            ),
            (false, false) => format!(
                "the client held back {} of replies, {at} at the median (delayed ACK)",
                plural(n, "ACK", "ACKs")
            ),
            (true, true) => format!("服务端扣住了 {n} 个对请求的 ACK，中位数 {at}（延迟确认）"),
            (true, false) => format!("客户端扣住了 {n} 个对回复的 ACK，中位数 {at}（延迟确认）"),
        }
    }

    /// The notes' way against the fastest, and the fix.
    pub fn stall_verdict(self, notes: &VariantFacts, best: &VariantFacts) -> String {
        let times = notes.median_us as f64 / best.median_us.max(1) as f64;
        let (took, best_way) = (round_trip_ms(notes.median_us), self.way(&best.variant));
        match (self.zh(), times >= 2.0) {
            (false, about) => format!(
                "the notes' way took {took} a round trip, {} {times:.0}× slower than {best_way}. \
                 Send a message in one call — sendall(header + body) — or set TCP_NODELAY on \
                 both sides.",
                if about { "about" } else { "only" }
            ),
            (true, about) => format!(
                "笔记的写法每次往返要 {took}，比「{best_way}」{}慢 {times:.0} 倍。一条消息用一次\
                 调用发出 —— sendall(header + body) —— 或者两端都设置 TCP_NODELAY。",
                if about { "大约" } else { "只" }
            ),
        }
    }
}

/// `88.1 ms`, `0.04 ms`, `1203 ms`: a round trip, to the precision the table needs.
pub(crate) fn round_trip_ms(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    match ms {
        _ if ms >= 100.0 => format!("{ms:.0} ms"),
        _ if ms >= 1.0 => format!("{ms:.1} ms"),
        _ => format!("{ms:.2} ms"),
    }
}
