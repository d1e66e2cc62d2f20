//! The words of traced runs across the link and of their pictures: `lab trace --net` (the
//! address rewrite, the link column, how each direction left on the link), the chart of a
//! traced connection, and `lab chat --net`.

use std::net::{Ipv4Addr, SocketAddr};

use super::Words;
use crate::analysis::segments::LinkSegments;
use crate::lang::Lang;
use crate::trace::Role;
use crate::transcript::Direction;

impl Words {
    /// The live note that opens `lab trace --net`.
    pub fn across_link(self, client: Ipv4Addr, server: Ipv4Addr) -> String {
        match self.0 {
            Lang::En => format!(
                "--net: the server runs at {server} and the client at {client}, each in a network \
                 namespace of its own, with lab's link between; a bind() or connect() that names \
                 127.0.0.1 is rewritten to these addresses (shown as ⇒)"
            ),
            Lang::Zh => format!(
                "--net：服务端在 {server}、客户端在 {client}，各在自己的网络命名空间里，中间是 lab \
                 的链路；bind() 或 connect() 用到 127.0.0.1 时，lab 把它改写成这两个地址（显示为 ⇒）"
            ),
        }
    }

    /// The link column's heading in a traced connection's table.
    pub fn link_column(self) -> &'static str {
        self.pick("link: packets", "链路：数据包")
    }

    /// `client → server` or `server → client`.
    pub fn direction_arrow(self, direction: Direction) -> &'static str {
        match direction {
            Direction::ToServer => self.pick("client → server", "客户端 → 服务端"),
            Direction::ToClient => self.pick("server → client", "服务端 → 客户端"),
        }
    }

    /// How one direction's send() calls left on the link: `3 send() calls left as 2 data
    /// segments on the link; #6 carried m2 m3 together: …`.
    pub fn on_link(self, s: &LinkSegments, nodelay: bool) -> String {
        let again = match (s.retransmissions, self.0) {
            (0, _) => String::new(),
            (n, Lang::En) => format!(" ({n} sent again)"),
            (n, Lang::Zh) => format!("（另有 {n} 个重传）"),
        };
        let counted = match self.0 {
            Lang::En => format!(
                "{} left as {} on the link{again}",
                plural(s.sends, "send() call", "send() calls"),
                plural(s.data_segments, "data segment", "data segments")
            ),
            Lang::Zh => format!(
                "{} 次 send() 在链路上成了 {} 个数据报文段{again}",
                s.sends, s.data_segments
            ),
        };
        let Some(first) = s.merged.first() else {
            return counted;
        };
        let names: Vec<String> = first.messages.iter().map(|m| format!("m{m}")).collect();
        let names = names.join(" ");
        let more = s.merged_count - 1;
        match (self.0, nodelay) {
            (Lang::En, false) => format!(
                "{counted}; #{} carried {names} together{}: the sender merged them — Nagle's \
                 algorithm holds small sends while earlier data is unacknowledged",
                first.packet,
                others(more)
            ),
            (Lang::En, true) => format!(
                "{counted}; #{} carried {names} together{}: with Nagle off the kernel still packs \
                 sends that queue up while earlier data is being sent",
                first.packet,
                others(more)
            ),
            (Lang::Zh, false) => format!(
                "{counted}；#{} 一起带走了 {names}{}：是发送方把它们合在了一起——已发出的数据还没被确认时，\
                 Nagle 算法会先扣住小的 send()",
                first.packet,
                others_zh(more)
            ),
            (Lang::Zh, true) => format!(
                "{counted}；#{} 一起带走了 {names}{}：Nagle 已关闭，但前面的数据还在发送时排队的 send() \
                 仍会被内核合并",
                first.packet,
                others_zh(more)
            ),
        }
    }

    /// The chart's title for a traced connection.
    pub fn traced_title(self, id: usize, client: SocketAddr, server: SocketAddr) -> String {
        match self.0 {
            Lang::En => format!("lab trace — connection #{id}: client {client} → server {server}"),
            Lang::Zh => format!("lab trace — 连接 #{id}：客户端 {client} → 服务端 {server}"),
        }
    }

    /// `server: python3 server.py (pid 1234)`.
    pub fn traced_program(self, role: Role, command: &str, pid: Option<u32>) -> String {
        let who = match role {
            Role::Server => self.server(),
            Role::Client => self.client(),
            Role::Program => self.pick("program", "程序"),
        };
        match pid {
            Some(pid) => format!("{who}: {command} (pid {pid})"),
            None => format!("{who}: {command}"),
        }
    }

    /// The knobs a trace ran with, in one line.
    pub fn trace_knobs(
        self,
        recv_max: Option<u64>,
        send_max: Option<u64>,
        reader_delay_ms: u64,
    ) -> String {
        let mut knobs = Vec::new();
        if let Some(n) = recv_max {
            knobs.push(format!("--recv-max {n}"));
        }
        if let Some(n) = send_max {
            knobs.push(format!("--send-max {n}"));
        }
        if reader_delay_ms > 0 {
            knobs.push(match self.0 {
                Lang::En => format!("reader {reader_delay_ms} ms late (--reader-delay)"),
                Lang::Zh => format!("读方晚 {reader_delay_ms} ms（--reader-delay）"),
            });
        }
        if knobs.is_empty() {
            return String::new();
        }
        format!("{}{}", self.pick("knobs: ", "旋钮："), knobs.join(" · "))
    }

    /// Under the title when the trace made more connections than the chart draws.
    pub fn chart_of_one_connection(self, shown: usize, all: usize) -> String {
        match self.0 {
            Lang::En => format!(
                "connection #{shown} of {all}: a chart has two lifelines, so it draws the first \
                 connection that moved bytes; the text view and --json show every one"
            ),
            Lang::Zh => format!(
                "共 {all} 条连接，这里画的是 #{shown}：一张图只有两条生命线，所以只画第一条传过数据的连接；\
                 文字视图和 --json 列出全部连接"
            ),
        }
    }

    /// What a traced connection's chart draws between the lifelines without `--net`.
    pub fn traced_flows(self) -> &'static str {
        self.pick(
            "dotted lines: where each send()'s bytes came out; run the programs across lab's link \
             (--net) to see the packets",
            "虚线：每次 send() 的字节从哪次 recv() 出来；让程序跑在 lab 的链路两端（--net）可看到数据包",
        )
    }

    /// The label of the link's lines under a chart.
    pub fn link(self) -> &'static str {
        self.pick("link", "链路")
    }

    /// The server column's heading for a traced connection: `server (pid 1234)`.
    pub fn traced_server_column(self, pid: Option<u32>) -> String {
        match pid {
            Some(pid) => format!("{} (pid {pid})", self.server()),
            None => format!("{} ({})", self.server(), self.pick("not traced", "未跟踪")),
        }
    }

    /// The line that opens `lab chat --net`: who is where.
    pub fn chat_across_link(self, server: SocketAddr) -> String {
        match self.0 {
            Lang::En => format!(
                "--net: lab serve runs at {server} in a network namespace of its own and this chat \
                 in another, with lab's link between; lines marked with the client's address are \
                 the server's, lines marked {server} the chat's"
            ),
            Lang::Zh => format!(
                "--net：lab serve 在自己的网络命名空间里运行于 {server}，这个 chat 在另一个命名空间里，\
                 中间是 lab 的链路；标着客户端地址的行是服务端的，标着 {server} 的行是 chat 的"
            ),
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn others(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " (and 1 more segment so)".into(),
        n => format!(" (and {n} more segments so)"),
    }
}

fn others_zh(more: usize) -> String {
    match more {
        0 => String::new(),
        n => format!("（另有 {n} 个报文段也是如此）"),
    }
}
