//! The side-by-side table's words: the lines above it (knobs, framing, set-up, legend), its
//! column titles, the cells that are not bytes (end of stream, close, a decoded frame's
//! check, a send's segments) and the labels of the lines under it.

use super::Words;
use crate::framing::Framing;
use crate::render::human_bytes;
use crate::structfmt::bytes_repr;

impl Words {
    /// `knobs: ` before the knobs' line.
    pub fn knobs_label(self) -> &'static str {
        self.pick("knobs: ", "参数：")
    }

    /// One line on how the messages are framed, with the label key for the pieces.
    pub fn framing_line(self, framing: &Framing) -> String {
        let zh = self.zh();
        match framing {
            Framing::Length { codec, format } => {
                let (len, max) = (codec.header.len(), human_bytes(codec.max_frame as u64));
                if zh {
                    format!(
                        "分帧：每条消息前加一个 {format} 长度报头（{len} 字节；hN = mN 的报头）；\
                         最大帧 {max}"
                    )
                } else {
                    format!(
                        "framing: a {format} length header ({len} bytes) before each message (hN \
                         = header of mN); max frame {max}"
                    )
                }
            }
            Framing::Delimiter(codec) => {
                let (delimiter, max) = (
                    bytes_repr(codec.delimiter()),
                    human_bytes(codec.max_frame as u64),
                );
                if zh {
                    format!(
                        "分帧：每条消息后加一个 {delimiter} 分隔符（dN = mN 的分隔符）；最大帧 {max}"
                    )
                } else {
                    format!(
                        "framing: a {delimiter} delimiter after each message (dN = delimiter of \
                         mN); max frame {max}"
                    )
                }
            }
            Framing::Fixed(codec) if zh => format!(
                "分帧：每条消息用零字节补齐到 {} 字节的定长记录（pN = mN 的填充）",
                codec.record_size()
            ),
            Framing::Fixed(codec) => format!(
                "framing: every message padded with zero bytes to a {}-byte record (pN = padding \
                 of mN)",
                codec.record_size()
            ),
        }
    }

    /// `setup: server bind …, listen (backlog 5) · client connect from …`; a side with no
    /// set-up calls (one not traced) is left out.
    pub fn setup_line(self, server: &[String], client: &[String]) -> String {
        let (label, server_word, client_word, comma) = match self.zh() {
            true => ("准备：", "服务端", "客户端", "，"),
            false => ("setup: ", "server", "client", ", "),
        };
        let sides: Vec<String> = [(server_word, server), (client_word, client)]
            .into_iter()
            .filter(|(_, calls)| !calls.is_empty())
            .map(|(word, calls)| format!("{word} {}", calls.join(comma)))
            .collect();
        format!("{label}{}", sides.join(" · "))
    }

    /// `listen (backlog 5)` in the set-up line.
    pub fn setup_listen(self, detail: &str) -> String {
        if self.zh() {
            format!("listen（{detail}）")
        } else {
            format!("listen ({detail})")
        }
    }

    /// `connect from 127.0.0.1:50000` in the set-up line; over UDP, what connect() does there.
    pub fn setup_connect(self, local: std::net::SocketAddr, udp: bool) -> String {
        match (self.zh(), udp) {
            (false, false) => format!("connect from {local}"),
            (false, true) => {
                format!("connect from {local} (UDP: only sets the default destination)")
            }
            (true, false) => format!("connect，本端 {local}"),
            (true, true) => format!("connect，本端 {local}（UDP：只是设定默认的目的地址）"),
        }
    }

    /// After the legend's first messages: `… and 3 more`.
    pub fn more_messages(self, n: usize) -> String {
        if self.zh() {
            format!("  … 还有 {n} 条")
        } else {
            format!("  … and {n} more")
        }
    }

    /// The wire column's title in the text table: a UDP run's column (`--net`) holds the
    /// datagrams lab's link carried.
    pub fn segments_column(self, udp: bool) -> &'static str {
        if udp {
            self.pick("link: datagrams", "链路：数据报")
        } else {
            self.pick("wire: segments", "线路：报文段")
        }
    }

    /// `… +2 more`: the pieces a recv holds beyond those named.
    pub fn more_pieces(self, n: usize) -> String {
        if self.zh() {
            format!(" … 还有 {n} 段")
        } else {
            format!(" … +{n} more")
        }
    }

    /// Where the middle of a long table is left out.
    pub fn rows_left_out(self, n: usize) -> String {
        if self.zh() {
            format!("… 此处有 {n} 个事件没有显示（--json 列出全部）…")
        } else {
            format!("… {n} events not shown here (--json lists every one) …")
        }
    }

    /// Under a send: how many new data segments TCP_INFO counted after it.
    pub fn segments_after_send(self, new: u32) -> String {
        match (self.zh(), new) {
            (false, 0) => "⇢ wire: held back".into(),
            (false, 1) => "⇢ wire: 1 segment".into(),
            (false, n) => format!("⇢ wire: {n} segments"),
            (true, 0) => "⇢ 线路：先扣住".into(),
            (true, n) => format!("⇢ 线路：{n} 个报文段"),
        }
    }

    /// recv() returned 0.
    pub fn end_of_stream(self) -> &'static str {
        self.pick("end of stream", "流结束")
    }

    /// A close() (or shutdown(SHUT_WR)) in the table.
    pub fn close_fin(self) -> &'static str {
        self.pick("close (FIN: no more bytes)", "close（FIN：不再发送）")
    }

    /// After a decoded frame's `⇒ mN`: whether it equals the message sent.
    pub fn frame_check(self, intact: bool) -> &'static str {
        match intact {
            true => self.pick(" intact ✓", " 完整 ✓"),
            false => self.pick(" differs from what was sent ✗", " 与发送的不同 ✗"),
        }
    }

    /// The label of the link's lines under the table.
    pub fn link_label(self) -> &'static str {
        self.pick("link", "链路")
    }
}
