//! The words of `lab backlog-demo`: its table, its findings and its events' details.

use super::Words;
use crate::lang::Lang;
use crate::lesson::backlog_demo::{Detail, Finding, RoomRule};

impl Words {
    pub fn backlog_title(self, backlog: i32) -> String {
        match self.0 {
            Lang::En => {
                format!(
                    "lab backlog-demo — listen({backlog}) as a waiting room (半连接池), measured"
                )
            }
            Lang::Zh => format!("lab backlog-demo — listen({backlog})：等候室（半连接池），实测"),
        }
    }

    /// How the demo goes, under its title.
    pub fn backlog_how(self, wait_ms: u128, clients: usize) -> String {
        match self.0 {
            Lang::En => format!(
                "the server listens and does not accept() for {wait_ms} ms; {clients} clients \
                 connect without blocking; then it accepts all it can"
            ),
            Lang::Zh => format!(
                "服务端 listen 之后 {wait_ms} ms 内不调用 accept()；{clients} 个客户端以非阻塞方式\
                 发起连接；随后服务端能 accept 多少就 accept 多少"
            ),
        }
    }

    /// The table's columns: client, port, before accept(), after accept() began.
    pub fn backlog_columns(self) -> [&'static str; 4] {
        match self.0 {
            Lang::En => ["client", "port", "before accept()", "after accept() began"],
            Lang::Zh => ["客户端", "端口", "accept() 之前", "accept() 开始之后"],
        }
    }

    /// A client's state when the wait ended: its handshake done, or still waiting.
    pub fn backlog_before(self, connected: bool, state: &str) -> String {
        match (self.0, connected) {
            (Lang::En, true) => format!("connected ({state})"),
            (Lang::En, false) => format!("waiting ({state})"),
            (Lang::Zh, true) => format!("已连上（{state}）"),
            (Lang::Zh, false) => format!("还在等（{state}）"),
        }
    }

    pub fn backlog_failed(self, error: &str) -> String {
        format!("{} {error}", self.pick("failed:", "失败："))
    }

    /// When a client was accepted: straight from the queue, or after a retried SYN.
    pub fn backlog_accepted(self, on_retry: bool, at_ms: f64) -> String {
        match (self.0, on_retry) {
            (Lang::En, false) => format!("accepted at {at_ms:.0} ms"),
            (Lang::En, true) => format!("got in on a SYN retry, accepted at {at_ms:.0} ms"),
            (Lang::Zh, false) => format!("在 {at_ms:.0} ms 被 accept"),
            (Lang::Zh, true) => format!("重发 SYN 后进来，在 {at_ms:.0} ms 被 accept"),
        }
    }

    pub fn backlog_never_accepted(self, handshake_ms: f64) -> String {
        match self.0 {
            Lang::En => format!("handshake done at {handshake_ms:.0} ms, never accepted"),
            Lang::Zh => format!("握手在 {handshake_ms:.0} ms 完成，始终没有被 accept"),
        }
    }

    pub fn backlog_still_waiting(self) -> &'static str {
        self.pick("still waiting when the demo stopped", "演示停止时还在等")
    }

    pub fn backlog_accept_began(self, at_ms: f64) -> String {
        match self.0 {
            Lang::En => format!("(accept() began at {at_ms:.0} ms)"),
            Lang::Zh => format!("（accept() 从 {at_ms:.0} ms 开始）"),
        }
    }

    /// One finding, as a sentence.
    pub fn backlog_finding(self, finding: &Finding) -> String {
        match self.0 {
            Lang::En => finding_en(finding),
            Lang::Zh => finding_zh(finding),
        }
    }

    /// What one of the demo's events says (the JSON's `detail`).
    pub fn backlog_detail(self, detail: &Detail) -> String {
        let zh = self.zh();
        match detail {
            Detail::NoAcceptFor { ms } if zh => format!("{ms} ms 内不调用 accept()（--wait）"),
            Detail::NoAcceptFor { ms } => format!("does not accept() for {ms} ms (--wait)"),
            Detail::Connecting {
                client,
                addr,
                local,
            } if zh => format!("c{client} 从 {local} 连接 {addr}（非阻塞）"),
            Detail::Connecting {
                client,
                addr,
                local,
            } => format!("c{client} {addr} from {local} (non-blocking)"),
            Detail::ConnectFailed {
                client,
                addr,
                error,
            } => format!("c{client} connect({addr}): {error}"),
            Detail::StartsToAccept => self.pick("starts to accept()", "开始 accept()").into(),
            Detail::Accepted { client, peer } if zh => format!("c{client}，来自 {peer}"),
            Detail::Accepted { client, peer } => format!("c{client} from {peer}"),
            Detail::HandshakeComplete { client } if zh => format!("c{client} 握手完成"),
            Detail::HandshakeComplete { client } => format!("c{client} handshake complete"),
        }
    }
}

/// `s` after a count other than one.
fn s(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn finding_en(finding: &Finding) -> String {
    match finding {
        Finding::BacklogCapped {
            asked,
            somaxconn,
            applied,
        } => format!(
            "listen({asked}) asked for more than net.core.somaxconn ({somaxconn}): TCP_INFO on \
             the listening socket shows the kernel applies {applied}."
        ),
        Finding::BacklogApplied { somaxconn, applied } => format!(
            "net.core.somaxconn is {somaxconn}; TCP_INFO on the listening socket shows a \
             backlog of {applied}."
        ),
        Finding::SomaxconnUnread { applied } => format!(
            "TCP_INFO on the listening socket shows a backlog of {applied} \
             (net.core.somaxconn could not be read)."
        ),
        Finding::BacklogUnread { somaxconn } => format!(
            "The applied backlog could not be read (TCP_INFO on the listener); \
             net.core.somaxconn is {}.",
            somaxconn.map_or("unknown".to_string(), |c| c.to_string())
        ),
        Finding::BeforeAccept {
            completed,
            total,
            queued,
            rule,
        } => {
            let queued = queued.map_or(String::new(), |q| format!(" (the accept queue held {q})"));
            let rule = rule.map_or(String::new(), room_rule_en);
            format!(
                "Before any accept(): {completed} of {total} handshakes completed{queued}; {} \
                 waited.{rule}",
                total - completed
            )
        }
        Finding::InOnSynRetry { clients, first_ms } => format!(
            "Once the server accepted, {clients} waiting client{} got in — not at once, but \
             when the client retried its dropped SYN (the first at {first_ms:.0} ms).",
            s(*clients)
        ),
        Finding::Stranded {
            clients,
            syn_cookies,
        } => format!(
            "{clients} client{} connected on the client side but never accepted: {}.",
            s(*clients),
            if *syn_cookies {
                "their retried SYNs found the queue full again, the kernel answered with SYN \
                 cookies, and the final ACK was dropped because the queue was still full: the \
                 client believes it is connected, the server never heard of it (it would be \
                 let in when the client first sends data and the queue has room)"
            } else {
                "their handshakes completed too late for the demo's window"
            }
        ),
        Finding::StillWaiting { clients, window } => format!(
            "{clients} client{} still waiting when the demo stopped ({} s after accept() \
             began): their next SYN retry comes later still.",
            if *clients == 1 { " was" } else { "s were" },
            window.as_secs_f64()
        ),
        Finding::ConnectsFailed { calls } => {
            format!("{calls} connect() calls failed outright: see the table.")
        }
        Finding::WaitingRoomNotLimit => "The backlog is a waiting room for finished handshakes, \
                                         not a limit on clients: a full room makes newcomers \
                                         wait and retry."
            .into(),
    }
}

fn finding_zh(finding: &Finding) -> String {
    match finding {
        Finding::BacklogCapped {
            asked,
            somaxconn,
            applied,
        } => format!(
            "listen({asked}) 要的比 net.core.somaxconn（{somaxconn}）还多：监听套接字的 TCP_INFO \
             显示，内核实际用的是 {applied}。"
        ),
        Finding::BacklogApplied { somaxconn, applied } => format!(
            "net.core.somaxconn 是 {somaxconn}；监听套接字的 TCP_INFO 显示 backlog 为 {applied}。"
        ),
        Finding::SomaxconnUnread { applied } => format!(
            "监听套接字的 TCP_INFO 显示 backlog 为 {applied}（读不到 net.core.somaxconn）。"
        ),
        Finding::BacklogUnread { somaxconn } => format!(
            "读不到实际生效的 backlog（监听套接字上的 TCP_INFO）；net.core.somaxconn 是 {}。",
            somaxconn.map_or("未知".to_string(), |c| c.to_string())
        ),
        Finding::BeforeAccept {
            completed,
            total,
            queued,
            rule,
        } => {
            let queued = queued.map_or(String::new(), |q| format!("（accept 队列里有 {q} 个）"));
            let rule = rule.map_or(String::new(), room_rule_zh);
            format!(
                "在任何 accept() 之前：{total} 个握手完成了 {completed} 个{queued}，{} 个在等。{rule}",
                total - completed
            )
        }
        Finding::InOnSynRetry { clients, first_ms } => format!(
            "服务端开始 accept 之后，{clients} 个在等的客户端进来了——不是立刻，而是等客户端重发\
             被丢掉的 SYN 时（第一个在 {first_ms:.0} ms）。"
        ),
        Finding::Stranded {
            clients,
            syn_cookies,
        } => format!(
            "{clients} 个客户端在客户端这边已经连上，却始终没有被 accept：{}。",
            if *syn_cookies {
                "重发的 SYN 又碰上满的队列，内核用 SYN cookie 应答，握手最后的 ACK 却因为队列\
                 仍然是满的被丢掉了：客户端以为自己连上了，服务端根本不知道它（等客户端第一次发数据、\
                 队列又有空位时，它才会被放进来）"
            } else {
                "握手完成得太晚，演示的观察时间已经结束"
            }
        ),
        Finding::StillWaiting { clients, window } => format!(
            "演示停止时（accept() 开始后 {} s）还有 {clients} 个客户端在等：下一次 SYN 重发\
             还要更晚。",
            window.as_secs_f64()
        ),
        Finding::ConnectsFailed { calls } => {
            format!("{calls} 次 connect() 调用直接失败了：见上表。")
        }
        Finding::WaitingRoomNotLimit => "backlog 是已完成握手的等候室，不是客户端数量的上限：\
                                         等候室满了，新来的就得等待、重试。"
            .into(),
    }
}

/// The Linux rule against the count, after the count's sentence.
fn room_rule_en(rule: RoomRule) -> String {
    match rule {
        RoomRule::RoomForAll { room } => {
            format!(" The waiting room (backlog + 1 = {room}) had space for every client.")
        }
        RoomRule::BacklogPlusOne { room, overflows } => format!(
            " That is backlog + 1 = {room}, as Linux does: the accept queue holds backlog + 1 \
             finished connections, and SYNs that find it full are dropped (ListenOverflows rose \
             by {overflows})."
        ),
        RoomRule::Differs { predicted } => {
            format!(" Linux usually completes backlog + 1 = {predicted}; this kernel differs.")
        }
    }
}

fn room_rule_zh(rule: RoomRule) -> String {
    match rule {
        RoomRule::RoomForAll { room } => {
            format!("等候室（backlog + 1 = {room}）容得下每一个客户端。")
        }
        RoomRule::BacklogPlusOne { room, overflows } => format!(
            "正好是 backlog + 1 = {room}，和 Linux 的规则一样：accept 队列能放 backlog + 1 \
             个已完成的连接，碰上队列已满的 SYN 会被丢掉（ListenOverflows 涨了 {overflows}）。"
        ),
        RoomRule::Differs { predicted } => {
            format!("Linux 通常会完成 backlog + 1 = {predicted} 个；这个内核不一样。")
        }
    }
}
