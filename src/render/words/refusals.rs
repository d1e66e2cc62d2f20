//! The exchange demos' refusals of flags that cannot work as given: a capture with nothing
//! to capture, a one-run view asked for many runs, a sending time past the limit, a framing
//! option for another framing.

use super::Words;
use crate::error::NoCorruption;
use crate::framing::EncodeError;
use crate::lang::Lang;

impl Words {
    /// `--wire` with `--net`.
    pub fn wire_across_link(self) -> &'static str {
        self.pick(
            "--wire captures on loopback, which --net does not use; drop --wire: the link \
             records every packet itself",
            "--wire 在回环上抓包，而 --net 不经过回环；去掉 --wire：链路自己会记下每一个包",
        )
    }

    /// `--svg DIR/`: a picture needs a file name.
    pub fn not_a_file_name(self, flag: &str, path: &str) -> String {
        match self.0 {
            Lang::En => format!("{flag} {path}: give a file name, not a directory"),
            Lang::Zh => format!("{flag} {path}：要给一个文件名，而不是目录"),
        }
    }

    /// `--svg no/such/dir/x.svg`: refused before the lesson runs.
    pub fn no_such_directory(self, flag: &str, path: &str, dir: &str) -> String {
        match self.0 {
            Lang::En => format!("{flag} {path}: the directory {dir} does not exist"),
            Lang::Zh => format!("{flag} {path}：目录 {dir} 不存在"),
        }
    }

    /// udp-demo's `--wire`, or its `--pcap` on loopback.
    pub fn no_stream_to_capture(self, flag: &str) -> String {
        match (self.0, flag) {
            (Lang::En, "--pcap") => "--pcap on loopback captures TCP segments; udp-demo has no \
                                     stream (add --net: lab's link records the datagrams, or \
                                     try it on sticky-demo)"
                .into(),
            (Lang::En, _) => {
                format!(
                    "{flag} captures TCP segments; udp-demo has no stream (try it on sticky-demo)"
                )
            }
            (Lang::Zh, "--pcap") => "--pcap 在回环上抓的是 TCP 报文段，而 udp-demo 没有字节流\
                                     （加上 --net：lab 的链路会记下这些数据报；或者在 \
                                     sticky-demo 上试试）"
                .into(),
            (Lang::Zh, _) => {
                format!("{flag} 抓的是 TCP 报文段，而 udp-demo 没有字节流（在 sticky-demo 上试试）")
            }
        }
    }

    /// `--step`, `--slow` or `--wire` with `--trials`.
    pub fn one_run_only(self, flag: &str) -> String {
        match (self.0, flag) {
            (Lang::En, "--wire") => "--wire shows one run's segments; use it without --trials \
                                     (the histograms count segments from TCP_INFO)"
                .into(),
            (Lang::En, _) => "--step and --slow show one run; drop --trials".into(),
            (Lang::Zh, "--wire") => "--wire 显示的是一次运行的报文段；请不带 --trials 使用它\
                                     （直方图里的报文段数来自 TCP_INFO）"
                .into(),
            (Lang::Zh, _) => "--step 和 --slow 只演示一次运行；去掉 --trials".into(),
        }
    }

    /// `--send-gap` too long for the messages.
    pub fn sending_too_long(self, gap_ms: u64, messages: usize, max_s: u64) -> String {
        match self.0 {
            Lang::En => format!(
                "--send-gap {gap_ms} ms between {messages} messages would take over {max_s} s; \
                 use a shorter gap or fewer --message values"
            ),
            Lang::Zh => format!(
                "{messages} 条消息之间各隔 --send-gap {gap_ms} ms，一共要超过 {max_s} 秒；\
                 请把间隔改短，或者少给几个 --message"
            ),
        }
    }

    /// A framing option given with another framing.
    pub fn framing_mismatch(self, flag: &str, wanted: &str, given: &str) -> String {
        match self.0 {
            Lang::En => format!("{flag} applies to --framing {wanted}, not --framing {given}"),
            Lang::Zh => format!("{flag} 只用于 --framing {wanted}，不用于 --framing {given}"),
        }
    }

    /// `--delimiter ''`.
    pub fn empty_delimiter(self) -> &'static str {
        self.pick(
            "--delimiter must have at least one byte",
            "--delimiter 至少要有一个字节",
        )
    }

    /// framed-demo: a `--message` the framing cannot carry, refused before anything is sent.
    pub fn unsendable_message(self, message: usize, error: &EncodeError) -> String {
        match self.0 {
            Lang::En => format!("--message #{message}: {}", self.unsendable(error)),
            Lang::Zh => format!("--message #{message}：{}", self.unsendable(error)),
        }
    }

    /// framed-demo: `--corrupt` cannot break this framing that way.
    pub fn cannot_corrupt(self, corruption: &str, why: &NoCorruption) -> String {
        let why = match (self.0, why) {
            (
                Lang::En,
                NoCorruption::HeaderTooNarrow {
                    header,
                    max,
                    smaller,
                },
            ) => format!(
                "a {header} header can claim at most {max} bytes, which the receiver accepts; \
                 give a smaller --max-frame (say {smaller}) or a wider --header"
            ),
            (
                Lang::Zh,
                NoCorruption::HeaderTooNarrow {
                    header,
                    max,
                    smaller,
                },
            ) => format!(
                "{header} 报头最多只能声称 {max} 字节，而这么大的帧接收方是接受的；请把 \
                 --max-frame 改小一些（比如 {smaller}），或者换一个更宽的 --header"
            ),
            (_, NoCorruption::NeedsSignedHeader) => self
                .pick(
                    "needs a signed header, e.g. --header '!i'",
                    "需要有符号的报头，比如 --header '!i'",
                )
                .into(),
            (_, NoCorruption::FixedHasNoLength) => self
                .pick(
                    "a fixed record has no length to lie about; try truncate",
                    "固定长度的记录没有长度可以谎报；试试 truncate",
                )
                .into(),
            (_, NoCorruption::NeedsLengthHeader) => self
                .pick(
                    "needs a length header (--framing length)",
                    "需要长度报头（--framing length）",
                )
                .into(),
        };
        match self.0 {
            Lang::En => format!("--corrupt {corruption}: {why}"),
            Lang::Zh => format!("--corrupt {corruption}：{why}"),
        }
    }
}
