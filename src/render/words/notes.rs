//! The words of an event's note (`--reader-delay`'s pause, an address pair, TCP_INFO's count,
//! a refused frame …), as the tables, the pictures and the JSON's `detail` say it.

use super::Words;
use crate::framing::{FrameError, FrameErrorKind};
use crate::transcript::{Event, EventNote};

impl Words {
    /// What an event says after its op: its note in words (around its technical detail, if
    /// both), or its technical detail alone.
    pub fn event_detail(self, event: &Event) -> Option<String> {
        match &event.note {
            None => event.detail.clone(),
            Some(note) => Some(self.note(note, event.detail.as_deref())),
        }
    }

    /// An event's `detail` in the JSON: as [`event_detail`](Self::event_detail) says it, but
    /// a connect's or an accept's address pair is technical, like the addresses themselves,
    /// and keeps one form in every language (`127.0.0.1:8080 from 127.0.0.1:50000`) for
    /// scripts to read.
    pub fn json_detail(self, event: &Event) -> Option<String> {
        match &event.note {
            Some(EventNote::Connected { .. } | EventNote::Accepted { .. }) => {
                Words(crate::lang::Lang::En).event_detail(event)
            }
            _ => self.event_detail(event),
        }
    }

    /// A note in words; `detail` is the event's technical detail (the address a UDP socket
    /// was bound to).
    pub fn note(self, note: &EventNote, detail: Option<&str>) -> String {
        let zh = self.zh();
        match note {
            EventNote::ReaderDelay { ms } if zh => format!("先等 {ms} ms 再读（--reader-delay）"),
            EventNote::ReaderDelay { ms } => format!("sleeps {ms} ms (--reader-delay)"),
            EventNote::SendGap { ms } if zh => format!("先等 {ms} ms 再发（--send-gap）"),
            EventNote::SendGap { ms } => format!("sleeps {ms} ms (--send-gap)"),
            EventNote::Connected {
                peer,
                local,
                udp,
                named,
            } => self.connected(peer, local, *udp, named.as_ref()),
            EventNote::Accepted { peer } if zh => format!("来自 {peer}"),
            EventNote::Accepted { peer } => format!("from {peer}"),
            EventNote::NoDelay { on: true } => self
                .pick("TCP_NODELAY on (Nagle off)", "TCP_NODELAY 开（Nagle 关闭）")
                .into(),
            EventNote::NoDelay { on: false } => self
                .pick("TCP_NODELAY off (Nagle on)", "TCP_NODELAY 关（Nagle 开启）")
                .into(),
            EventNote::ReuseAddr { on: true } => {
                self.pick("SO_REUSEADDR on", "SO_REUSEADDR 开").into()
            }
            EventNote::ReuseAddr { on: false } => {
                self.pick("SO_REUSEADDR off", "SO_REUSEADDR 关").into()
            }
            EventNote::UdpBind if zh => {
                format!(
                    "{}（UDP：没有 listen，也没有 accept）",
                    detail.unwrap_or("?")
                )
            }
            EventNote::UdpBind => format!("{} (UDP: no listen, no accept)", detail.unwrap_or("?")),
            EventNote::SegmentsSent { count: Some(n) } if zh => {
                format!("TCP_INFO：一共发出 {n} 个数据段（tcpi_data_segs_out）")
            }
            EventNote::SegmentsSent { count: Some(n) } => {
                format!("TCP_INFO: {n} data segments sent in all (tcpi_data_segs_out)")
            }
            EventNote::SegmentsSent { count: None } => self
                .pick(
                    "TCP_INFO: this kernel does not count data segments (Linux 4.6+)",
                    "TCP_INFO：这个内核不统计数据段（需要 Linux 4.6+）",
                )
                .into(),
            EventNote::NoCapture {
                needs_privilege,
                error,
            } => format!("--wire: {}", self.no_capture(*needs_privilege, error)),
            EventNote::CaptureMissed { packets } if zh => {
                format!("--wire：抓包漏掉了 {packets} 个数据包（它的缓冲区满了）")
            }
            EventNote::CaptureMissed { packets } => {
                format!("--wire: the capture missed {packets} packets (its buffer was full)")
            }
            EventNote::Retransmission => self.pick("retransmission", "重传").into(),
            EventNote::NoMoreDatagrams => self
                .pick(
                    "no more datagrams came (UDP has no end of stream)",
                    "没有更多数据报到来（UDP 没有“流结束”）",
                )
                .into(),
            EventNote::Truncated { lost, whole } if zh => {
                format!("丢了 {lost} B，原有 {whole} B（MSG_TRUNC）")
            }
            EventNote::Truncated { lost, whole } => format!("{lost} of {whole} B lost (MSG_TRUNC)"),
            EventNote::CallFailed { call, error } if zh => format!("{call} 失败：{error}"),
            EventNote::CallFailed { call, error } => format!("{call} failed: {error}"),
            EventNote::DatagramTooLarge { len, max } => self.datagram_too_large(*len, *max),
            EventNote::FrameRefused(e) => self.frame_error(e),
            EventNote::Errno { syscall, errno } => format!("{syscall}: {errno}"),
            EventNote::Unfinished {
                syscall,
                asked,
                waited_us,
            } => self.unfinished_call(syscall, *asked, *waited_us),
        }
    }

    /// A connect()'s note: the peer (a traced program's loopback address, rewritten for the
    /// link, shows both), the local address, and what connect() means for UDP.
    fn connected(
        self,
        peer: &impl std::fmt::Display,
        local: &impl std::fmt::Display,
        udp: bool,
        named: Option<&impl std::fmt::Display>,
    ) -> String {
        let peer = match named {
            Some(named) => format!("{named} ⇒ {peer}"),
            None => peer.to_string(),
        };
        let udp = match (udp, self.zh()) {
            (false, _) => "",
            (true, false) => " (UDP: only sets the default destination)",
            (true, true) => "（UDP：只是设定默认的目的地址）",
        };
        if self.zh() {
            format!("{peer}，本端 {local}{udp}")
        } else {
            format!("{peer} from {local}{udp}")
        }
    }

    /// A UDP send() refused with EMSGSIZE, and the IPv4 limit that refused it.
    fn datagram_too_large(self, len: usize, max: usize) -> String {
        if self.zh() {
            format!(
                "send() 失败：{len} B 的数据报太长（EMSGSIZE）——IPv4 上一个 UDP 数据报最多装 \
                 {max} B（65535 减去 20 字节的 IP 报头和 8 字节的 UDP 报头）"
            )
        } else {
            format!(
                "send() failed: a datagram of {len} B is too long (EMSGSIZE) — over IPv4 a UDP \
                 datagram carries at most {max} B (65535 less the 20-byte IP header and the \
                 8-byte UDP header)"
            )
        }
    }

    /// Why `--wire` captured nothing: `no capture (…); TCP_INFO segment counts only`.
    pub fn no_capture(self, needs_privilege: bool, error: &str) -> String {
        match (self.zh(), needs_privilege) {
            (false, true) => {
                "no capture (capturing needs root or CAP_NET_RAW); TCP_INFO segment counts only"
                    .into()
            }
            (false, false) => format!("no capture ({error}); TCP_INFO segment counts only"),
            (true, true) => {
                "没有抓包（抓包需要 root 或 CAP_NET_RAW）；只有 TCP_INFO 的数据段计数".into()
            }
            (true, false) => format!("没有抓包（{error}）；只有 TCP_INFO 的数据段计数"),
        }
    }

    /// Why the frame decoder refused the stream, with where. (The English is the error's
    /// own text, which the tools print too.)
    pub fn frame_error(self, e: &FrameError) -> String {
        if !self.zh() {
            return e.to_string();
        }
        let (n, at) = (e.frame, e.offset);
        match &e.kind {
            FrameErrorKind::TooLarge { claimed, max } => format!(
                "第 {n} 帧（流偏移 {at}）声称有 {claimed} 字节，超过最大帧 {max} 字节；\
                 在等它的数据、为它预留空间之前就拒绝了（见 --max-frame）"
            ),
            FrameErrorKind::NegativeLength { claimed } => format!(
                "第 {n} 帧（流偏移 {at}）声称长度为负（{claimed}）；有符号的报头绝不该出现负数"
            ),
            FrameErrorKind::EndedInHeader { got, need } => format!(
                "流在第 {n} 帧的报头里结束（流偏移 {at}）：{need} 字节的报头只到了 {got} 字节"
            ),
            FrameErrorKind::EndedInPayload { got, claimed } => format!(
                "流在一个 {claimed} 字节的帧里结束，只到了 {got} 字节（第 {n} 帧，流偏移 \
                 {at}）：{} 字节再也不会到达",
                claimed - got
            ),
            FrameErrorKind::NoDelimiter { max } => format!(
                "第 {n} 帧（流偏移 {at}）在最大帧 {max} 字节之内没有分隔符；拒绝（见 --max-frame）"
            ),
            FrameErrorKind::EndedWithoutDelimiter { got } => {
                format!("流在第 {n} 帧（流偏移 {at}）收到 {got} 字节后结束，它的分隔符始终没到")
            }
            FrameErrorKind::EndedInRecord { got, need } => format!(
                "流在一条 {need} 字节的记录里结束，只到了 {got} 字节（第 {n} 帧，流偏移 {at}）"
            ),
        }
    }
}
