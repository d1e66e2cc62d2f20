//! The terminal's own words: errors lab explains itself, the chat's reasons for a closed
//! connection, serve's refusal, `--step`'s prompt.

use std::net::SocketAddr;
use std::path::Path;

use super::Words;
use crate::error::Ignored;
use crate::lang::Lang;
use crate::render::human_bytes;

impl Words {
    /// `error:` before a message lab words itself.
    pub fn error_label(self) -> &'static str {
        self.pick("error: ", "错误：")
    }

    /// CPython's own message for a struct error, framed: the message stays as Python says it.
    pub fn struct_error(self, cpython: &str) -> String {
        match self.0 {
            Lang::En => cpython.to_string(),
            Lang::Zh => format!("struct 报错：\"{cpython}\""),
        }
    }

    /// A system call (or a step named after one) that failed: the call and the system's
    /// own message stay as they are, technical details quoted in either language.
    pub fn io_failed(self, call: &str, error: &std::io::Error) -> String {
        match self.0 {
            Lang::En => format!("{call} failed: {error}"),
            Lang::Zh => format!("{call} 失败：{error}"),
        }
    }

    /// Writing lab's output failed (not a closed pipe: that is no error).
    pub fn output_failed(self, error: &std::io::Error) -> String {
        match self.0 {
            Lang::En => format!("writing the output failed: {error}"),
            Lang::Zh => format!("写出输出失败：{error}"),
        }
    }

    /// A global flag the subcommand would ignore.
    pub fn flag_ignored(self, flag: &str, command: &str, why: Ignored) -> String {
        let why = match why {
            Ignored::RunsLive => self.pick("it runs live", "它是实时运行的"),
            Ignored::PrintsScriptOrPage => {
                self.pick("it prints a script or a page", "它输出的是脚本或手册页")
            }
            Ignored::LessonIsText => self.pick(
                "a lesson is a text; run its demo with --json instead",
                "课程是一段文字；要 JSON，请带 --json 运行它的演示",
            ),
            Ignored::PacesDemo => {
                self.pick("it paces a demo: add --run", "它给演示控制节奏：加上 --run")
            }
            Ignored::NodelayIsTcp => self.pick(
                "TCP_NODELAY is a TCP option; UDP sends each datagram at once",
                "TCP_NODELAY 是 TCP 的选项；UDP 的每个数据报都是立刻发出的",
            ),
        };
        match self.0 {
            Lang::En => format!("{flag} does nothing for lab {command}: {why}"),
            Lang::Zh => format!("{flag} 对 lab {command} 不起作用：{why}"),
        }
    }

    /// `lab man` asked for a page that is not there.
    pub fn no_such_page(self, path: &[String]) -> String {
        let path = path.join(" ");
        match self.0 {
            Lang::En => format!("lab man {path}: no such subcommand (lab --help lists them)"),
            Lang::Zh => format!("lab man {path}：没有这个子命令（lab --help 会列出全部子命令）"),
        }
    }

    /// The port is taken: the same words from every tool that listens.
    pub fn address_in_use(self, addr: SocketAddr, reuseaddr: bool) -> String {
        match self.0 {
            Lang::En => format!(
                "{addr}: address already in use — another program listens on that port, or a \
                 connection of an earlier server still holds it{}; choose another port (port 0 \
                 picks a free one) or stop the other program (see lab reuseaddr-demo)",
                if reuseaddr {
                    ""
                } else {
                    " (without --no-reuseaddr a restart binds past a TIME_WAIT)"
                }
            ),
            Lang::Zh => format!(
                "{addr}：地址已被占用——另一个程序正在监听这个端口，或者之前某个服务端的连接还占着\
                 它{}；换一个端口（端口 0 会自动挑一个空闲的），或者停掉那个程序（见 lab \
                 reuseaddr-demo）",
                if reuseaddr {
                    ""
                } else {
                    "（不加 --no-reuseaddr 时，重启的服务端能越过 TIME_WAIT 绑定）"
                }
            ),
        }
    }

    /// `lab chat`: the server closed before this client sent a line; `said` is what it sent
    /// first, if anything (lab serve says why it turns a client away).
    pub fn turned_away(self, said: &str) -> String {
        let said = said.trim();
        match (self.0, said.is_empty()) {
            (Lang::En, true) => "the server closed the connection before this client sent \
                                 anything: it may be serving all the clients it takes already \
                                 (lab serve --max-clients), or it was stopped"
                .into(),
            (Lang::En, false) => format!("the server turned this client away: {said}"),
            (Lang::Zh, true) => "这个客户端还没发送任何东西，服务端就关闭了连接：它可能已经在\
                                 服务它能接受的全部客户端（lab serve --max-clients），或者已经\
                                 停止了"
                .into(),
            (Lang::Zh, false) => format!("服务端拒绝了这个客户端：{said}"),
        }
    }

    /// `lab upload-demo --size` larger than the disk can hold twice.
    pub fn not_enough_space(self, dir: &Path, size: u64, needed: u64, free: u64) -> String {
        let (size, needed, free) = (
            human_bytes(size),
            approximate_bytes(needed),
            approximate_bytes(free),
        );
        let dir = dir.display();
        match self.0 {
            Lang::En => format!(
                "--size {size}: the demo writes the file and receives a copy of it, so it needs \
                 {needed} free in {dir}, which has {free}; choose a smaller --size, or point \
                 TMPDIR at a roomier disk"
            ),
            Lang::Zh => format!(
                "--size {size}：演示要写出这个文件，再收下它的一份副本，所以 {dir} 里需要 {needed} \
                 的空闲空间，而那里只有 {free}；请选小一点的 --size，或者把 TMPDIR 指向空间更大\
                 的磁盘"
            ),
        }
    }

    /// `lab struct unpack`: a character in HEX that is no hex digit.
    pub fn not_hex(self, character: char, at: usize) -> String {
        match self.0 {
            Lang::En => format!(
                "HEX: {character:?} at position {at} is not a hex digit (write bytes as hex, \
                 e.g. '00 00 00 05', or as b'...')"
            ),
            Lang::Zh => format!(
                "HEX：位置 {at} 上的 {character:?} 不是十六进制数字（字节请写成十六进制，例如 \
                 '00 00 00 05'，或者写成 b'...'）"
            ),
        }
    }

    /// `lab struct unpack`: an odd count of hex digits.
    pub fn odd_hex_digits(self, count: usize) -> String {
        match self.0 {
            Lang::En => format!("HEX: {count} hex digits is an odd count; every byte takes two"),
            Lang::Zh => format!("HEX：{count} 个十六进制数字是奇数个；每个字节要两个"),
        }
    }

    /// A lesson's demo does not parse: a mistake in the lesson registry.
    pub fn demo_does_not_parse(self, error: &str) -> String {
        match self.0 {
            Lang::En => format!("the lesson's demo does not parse: {error}"),
            Lang::Zh => format!("这一课的演示命令解析失败：{error}"),
        }
    }

    /// A lesson's own programs are not where `--run` looks for them.
    pub fn lesson_programs_missing(self, dir: &str) -> String {
        match self.0 {
            Lang::En => format!(
                "this lesson runs the programs in {dir}, which is not here: run it from lab's \
                 source folder (where README.md is)"
            ),
            Lang::Zh => format!(
                "这一课要运行 {dir} 里的程序，这里没有：请在 lab 的源码目录（README.md 所在的目录）里运行"
            ),
        }
    }

    /// `--step`'s prompt: single keys on a terminal (`keys`), lines from a pipe.
    pub fn step_prompt(self, keys: bool) -> &'static str {
        match keys {
            true => self.pick(
                "  [Enter/space: next · b: back · q: the rest]",
                "  [回车/空格：下一步 · b：上一步 · q：其余全部]",
            ),
            false => self.pick(
                "  [Enter: next · q Enter: the rest]",
                "  [回车：下一步 · q 回车：其余全部]",
            ),
        }
    }
}

/// A size as a person reads it, rounded: 1.5 GiB, 200 GiB.
fn approximate_bytes(n: u64) -> String {
    let units = [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")];
    for (shift, unit) in units {
        if n >= 1 << shift {
            return format!("{:.1} {unit}", n as f64 / (1u64 << shift) as f64);
        }
    }
    format!("{n} B")
}
