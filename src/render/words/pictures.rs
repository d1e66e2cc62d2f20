//! Why a picture or packet file (`--svg`, `--html`, `--pcap`) cannot be written: a path that
//! names no file, a command that sees no packets without `--net`, nothing to draw; and the
//! comment a pcapng file carries about itself.

use std::path::Path;

use super::Words;
use crate::error::{NoFileThere, PacketsNeedLink};
use crate::lang::Lang;

impl Words {
    /// `--svg`, `--html` or `--pcap` naming a directory, or a file in no directory.
    pub fn no_file_there(self, flag: &str, path: &Path, why: &NoFileThere) -> String {
        let shown = path.display();
        match (self.0, why) {
            (Lang::En, NoFileThere::Directory) => {
                format!("{flag} {shown}: give a file name, not a directory")
            }
            (Lang::En, NoFileThere::NoDirectory(dir)) => format!(
                "{flag} {shown}: the directory {} does not exist",
                dir.display()
            ),
            (Lang::Zh, NoFileThere::Directory) => {
                format!("{flag} {shown}：请给一个文件名，而不是目录")
            }
            (Lang::Zh, NoFileThere::NoDirectory(dir)) => {
                format!("{flag} {shown}：目录 {} 不存在", dir.display())
            }
        }
    }

    /// `--pcap` without `--net`, for a command that captures nothing on loopback.
    pub fn packets_need_link(self, command: PacketsNeedLink) -> &'static str {
        match command {
            PacketsNeedLink::StallDemo => self.pick(
                "--pcap writes the packets lab's link carries: add --net (on loopback \
                 stall-demo times the round trips without capturing them)",
                "--pcap 写下的是 lab 的链路转发的包：加上 --net（在回环上，stall-demo \
                 只给往返计时，不抓包）",
            ),
            PacketsNeedLink::Trace => self.pick(
                "--pcap writes the packets lab's link carries: add --net (lab trace alone \
                 sees the programs' calls, not their packets)",
                "--pcap 写下的是 lab 的链路转发的包：加上 --net（单独的 lab trace \
                 只看得到程序的系统调用，看不到它们的包）",
            ),
        }
    }

    /// `lab trace --net` with one program.
    pub fn link_needs_two_programs(self) -> &'static str {
        self.pick(
            "--net runs a server and a client in two namespaces with lab's link between: give \
             both, as --server 'CMD' --client 'CMD' (to try a client against lab's own \
             server: --server 'lab serve' --client 'CMD')",
            "--net 把服务端和客户端放进两个网络命名空间，中间是 lab 的链路：两个都要给，\
             写成 --server 'CMD' --client 'CMD'（想拿 lab 自己的服务端试客户端，\
             就写 --server 'lab serve' --client 'CMD'）",
        )
    }

    /// `lab trace --svg`/`--html` when the programs made no TCP connection.
    pub fn nothing_to_draw(self, flag: &str) -> String {
        match self.0 {
            Lang::En => {
                format!("{flag}: nothing to draw: the traced programs made no TCP connection")
            }
            Lang::Zh => format!("{flag}：没有可画的：被跟踪的程序没有建立 TCP 连接"),
        }
    }

    /// `--pcap` after a run that captured no packet, and why, when the capture said.
    pub fn nothing_captured(self, failed: Option<&(bool, String)>) -> String {
        let why = match failed {
            Some((needs_privilege, error)) => self.no_capture(*needs_privilege, error),
            None => self
                .pick("no packet was captured", "一个包也没有抓到")
                .into(),
        };
        match self.0 {
            Lang::En => format!("--pcap: nothing to write: {why}"),
            Lang::Zh => format!("--pcap：没有可写的：{why}"),
        }
    }

    /// A pcapng file's own comment: whose packets, how many, and how many were not kept.
    pub fn pcap_summary(self, title: &str, kept: usize, not_kept: u64) -> String {
        match (self.0, not_kept) {
            (Lang::En, 0) => format!("{title}: {kept} packets"),
            (Lang::En, _) => format!("{title}: {kept} packets ({not_kept} more not kept)"),
            (Lang::Zh, 0) => format!("{title}：{kept} 个包"),
            (Lang::Zh, _) => format!("{title}：{kept} 个包（另有 {not_kept} 个没有保留）"),
        }
    }
}
