//! The exchange demos' refusals of flags that cannot work as given: a capture with nothing
//! to capture, a one-run view asked for many runs, a sending time past the limit, a framing
//! option for another framing.

use super::Words;
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
}
