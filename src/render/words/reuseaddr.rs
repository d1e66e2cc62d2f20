//! The words of `lab reuseaddr-demo`: its matrix, its findings and its events' details.

use super::Words;
use crate::lang::Lang;
use crate::lesson::reuseaddr_demo::{Case, Closer, Detail, Finding, Port, ServerRule};

impl Words {
    pub fn reuse_title(self) -> &'static str {
        self.pick(
            "lab reuseaddr-demo — restart a server on the same port at once, measured",
            "lab reuseaddr-demo — 服务端立刻在同一个端口上重启，实测",
        )
    }

    /// How each row is made, under the title.
    pub fn reuse_how(self) -> &'static str {
        self.pick(
            "each row: a server accepts a client, they close, the server exits, and a new \
             server binds the same port; TIME_WAIT is read from /proc/net/tcp",
            "每一行：服务端 accept 一个客户端，双方关闭，服务端退出，新的服务端绑定同一个端口；\
             TIME_WAIT 从 /proc/net/tcp 读出",
        )
    }

    /// The matrix's columns: who closes first, SO_REUSEADDR old and new, TIME_WAIT, the bind.
    pub fn reuse_columns(self) -> [&'static str; 5] {
        match self.0 {
            Lang::En => ["closes first", "old", "new", "TIME_WAIT", "new bind()"],
            Lang::Zh => [
                "谁先关闭",
                "旧服务端",
                "新服务端",
                "TIME_WAIT",
                "新的 bind()",
            ],
        }
    }

    /// A row's first column: who closed first, or the live listener.
    pub fn reuse_case(self, case: Case) -> &'static str {
        match case {
            Case::Restart(closer) => self.reuse_closer(closer),
            Case::LiveListener => self.pick("live listener", "仍在监听"),
        }
    }

    fn reuse_closer(self, closer: Closer) -> &'static str {
        match closer {
            Closer::Client => self.client(),
            Closer::Server => self.server(),
        }
    }

    /// SO_REUSEADDR set or not.
    pub fn on_off(self, on: bool) -> &'static str {
        match (self.0, on) {
            (Lang::En, true) => "on",
            (Lang::En, false) => "off",
            (Lang::Zh, true) => "开",
            (Lang::Zh, false) => "关",
        }
    }

    /// Where a row's TIME_WAIT was: on a port, nowhere, or not asked (a live listener).
    pub fn reuse_time_wait(self, case: Case, on: Option<Port>) -> &'static str {
        match (case, on) {
            (Case::LiveListener, _) => self.pick("— (still listening)", "—（仍在监听）"),
            (_, Some(Port::Server)) => self.pick("on the server port", "在服务端端口上"),
            (_, Some(Port::Client)) => self.pick("on the client port", "在客户端端口上"),
            (_, None) => self.pick("none", "无"),
        }
    }

    pub fn reuse_bind_ok(self) -> &'static str {
        self.pick("ok", "成功")
    }

    /// One finding, as a sentence.
    pub fn reuse_finding(self, finding: &Finding) -> String {
        match self.0 {
            Lang::En => finding_en(finding),
            Lang::Zh => finding_zh(finding),
        }
    }

    /// What one of the demo's events says (the JSON's `detail`).
    pub fn reuse_detail(self, detail: &Detail) -> String {
        let zh = self.zh();
        match detail {
            Detail::Restart { old, new, closer } if zh => format!(
                "旧服务端 SO_REUSEADDR {}，新服务端 {}，{}先关闭",
                self.on_off(*old),
                self.on_off(*new),
                self.reuse_closer(*closer)
            ),
            Detail::Restart { old, new, closer } => format!(
                "old server SO_REUSEADDR {}, new server {}, {} closes first",
                self.on_off(*old),
                self.on_off(*new),
                self.reuse_closer(*closer)
            ),
            Detail::OldServerExits => self.pick("the old server exits", "旧服务端退出").into(),
            Detail::TimeWait(Some(port)) if zh => format!(
                "/proc/net/tcp：TIME_WAIT {}",
                self.reuse_time_wait(Case::Restart(Closer::Server), Some(*port))
            ),
            Detail::TimeWait(Some(port)) => {
                format!("/proc/net/tcp: TIME_WAIT on the {}", port.as_str())
            }
            Detail::TimeWait(None) => self
                .pick(
                    "/proc/net/tcp: no TIME_WAIT for this connection",
                    "/proc/net/tcp：这条连接没有 TIME_WAIT",
                )
                .into(),
            Detail::NewBindOk { addr, reuseaddr } if zh => format!(
                "{addr}（新服务端，SO_REUSEADDR {}）：成功",
                self.on_off(*reuseaddr)
            ),
            Detail::NewBindOk { addr, reuseaddr } => format!(
                "{addr} (new server, SO_REUSEADDR {}): ok",
                self.on_off(*reuseaddr)
            ),
            Detail::NewBindFailed { addr, error } if zh => format!("新的 bind({addr})：{error}"),
            Detail::NewBindFailed { addr, error } => format!("new bind({addr}): {error}"),
            Detail::LiveListener => self
                .pick(
                    "a live listener with SO_REUSEADDR on, and a second server with it on too",
                    "一个开着 SO_REUSEADDR、仍在监听的服务端，再加一个同样开着它的第二个服务端",
                )
                .into(),
        }
    }
}

fn finding_en(finding: &Finding) -> String {
    let words = Words(Lang::En);
    match finding {
        Finding::ServerClosedFirst { waits, runs, rule } => {
            let verdict = match rule {
                ServerRule::NoTimeWait => "With no TIME_WAIT left on the port (this kernel kept \
                                           none), nothing stood in the new bind()'s way."
                    .to_string(),
                ServerRule::Held => "The new bind() succeeded only when both the old and the new \
                                     socket had set SO_REUSEADDR."
                    .to_string(),
                ServerRule::Differs { bound } => {
                    let list: Vec<String> = bound
                        .iter()
                        .map(|&(old, new)| {
                            format!("old {}/new {}", words.on_off(old), words.on_off(new))
                        })
                        .collect();
                    format!(
                        "The new bind() succeeded for: {}. This kernel differs from the usual \
                         Linux rule (both sockets must set SO_REUSEADDR).",
                        if list.is_empty() {
                            "none".to_string()
                        } else {
                            list.join(", ")
                        }
                    )
                }
            };
            format!(
                "Server closed first: the kernel listed a TIME_WAIT socket on the server's port \
                 in {waits} of {runs} runs (the side that closes first waits, about 60 s on \
                 Linux). {verdict}"
            )
        }
        Finding::ClientClosedFirst {
            on_client_port,
            runs,
            every_bind_ok,
        } => format!(
            "Client closed first: the TIME_WAIT sat on the client's port in {on_client_port} of \
             {runs} runs, so the server's port was free{}",
            if *every_bind_ok {
                ": every new bind() succeeded, with or without SO_REUSEADDR."
            } else {
                ", yet some binds failed — see the table; this kernel differs here."
            }
        ),
        Finding::LiveListenerShared => "A second server bound the port while the first still \
                                        listened: this kernel allowed it (Linux normally \
                                        refuses)."
            .into(),
        Finding::LiveListenerKeepsPort { error } => format!(
            "A server still listening keeps its port: the second bind() failed ({}) even with \
             SO_REUSEADDR on both. SO_REUSEADDR lets a port go past TIME_WAIT, not past a live \
             server.",
            error.as_deref().unwrap_or("refused")
        ),
        Finding::SetItEveryRun => "So do what the notes say — setsockopt(SO_REUSEADDR) before \
                                   bind() — in every run of your server: it only helps if the \
                                   old server had set it too."
            .into(),
    }
}

fn finding_zh(finding: &Finding) -> String {
    let words = Words(Lang::Zh);
    match finding {
        Finding::ServerClosedFirst { waits, runs, rule } => {
            let verdict = match rule {
                ServerRule::NoTimeWait => {
                    "端口上没有留下 TIME_WAIT（这个内核一个也没留），新的 bind() 没有遇到任何阻碍。"
                        .to_string()
                }
                ServerRule::Held => {
                    "只有旧套接字和新套接字都设置了 SO_REUSEADDR，新的 bind() 才成功。".to_string()
                }
                ServerRule::Differs { bound } => {
                    let list: Vec<String> = bound
                        .iter()
                        .map(|&(old, new)| {
                            format!("旧 {}/新 {}", words.on_off(old), words.on_off(new))
                        })
                        .collect();
                    format!(
                        "新的 bind() 在这些组合下成功：{}。这个内核和通常的 Linux 规则（两个套接字\
                         都必须设置 SO_REUSEADDR）不一样。",
                        if list.is_empty() {
                            "无".to_string()
                        } else {
                            list.join("，")
                        }
                    )
                }
            };
            format!(
                "服务端先关闭：{runs} 次运行中有 {waits} 次，内核在服务端的端口上列出了一个 \
                 TIME_WAIT 套接字（先关闭的一方要等，Linux 上大约 60 s）。{verdict}"
            )
        }
        Finding::ClientClosedFirst {
            on_client_port,
            runs,
            every_bind_ok,
        } => format!(
            "客户端先关闭：{runs} 次运行中有 {on_client_port} 次 TIME_WAIT 留在客户端的端口上，\
             所以服务端的端口是空闲的{}",
            if *every_bind_ok {
                "：每次新的 bind() 都成功了，设不设 SO_REUSEADDR 都一样。"
            } else {
                "，可还是有 bind() 失败了——见上表；这个内核在这里不一样。"
            }
        ),
        Finding::LiveListenerShared => "第一个服务端还在监听时，第二个服务端也绑定了这个端口：\
                                        这个内核允许了（Linux 通常会拒绝）。"
            .into(),
        Finding::LiveListenerKeepsPort { error } => format!(
            "还在监听的服务端会一直占着端口：即使两边都设置了 SO_REUSEADDR，第二次 bind() 还是\
             失败了（{}）。SO_REUSEADDR 能让端口越过 TIME_WAIT，却越不过一个还活着的服务端。",
            error.as_deref().unwrap_or("被拒绝")
        ),
        Finding::SetItEveryRun => "所以照笔记说的做——在 bind() 之前 setsockopt(SO_REUSEADDR)——\
                                   而且服务端每次运行都要这样做：只有旧的服务端也设置过，它才\
                                   帮得上忙。"
            .into(),
    }
}
