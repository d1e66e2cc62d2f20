//! `--trials`' words: the histograms' titles and what the runs say, for the text view, the
//! pictures and the JSON's `conclusion`.

use super::Words;
use crate::analysis::Summary;
use crate::analysis::trials::TrialsFacts;

impl Words {
    /// `lab sticky-demo × 20 runs — recv(1024), reader 100 ms late, send gap 0 ms, Nagle on`
    /// (a UDP run reads with recvfrom() and has no Nagle).
    pub fn trials_title(self, lesson: &str, s: &Summary, runs: usize) -> String {
        let udp = s.truncated.is_some();
        let call = if udp { "recvfrom" } else { "recv" };
        let (size, reader, gap) = (s.recv_size, s.reader_delay_ms, s.send_gap_ms);
        let nagle = match (udp, self.zh(), s.nodelay) {
            (true, _, _) => "",
            (false, false, false) => ", Nagle on",
            (false, false, true) => ", Nagle off",
            (false, true, false) => "，Nagle 开启",
            (false, true, true) => "，Nagle 关闭",
        };
        if self.zh() {
            format!(
                "lab {lesson} × {runs} 次运行 — {call}({size})，读方晚 {reader} ms，发送间隔 \
                 {gap} ms{nagle}"
            )
        } else {
            format!(
                "lab {lesson} × {runs} runs — {call}({size}), reader {reader} ms late, send gap \
                 {gap} ms{nagle}"
            )
        }
    }

    /// The first histogram's title.
    pub fn recvs_per_run(self, sends: usize, udp: bool) -> String {
        match (self.zh(), udp) {
            (false, false) => format!("recv() calls per run ({sends} send() calls each)"),
            (false, true) => format!("recvfrom() calls per run ({sends} datagrams sent each)"),
            (true, false) => format!("每次运行的 recv() 次数（每次 {sends} 次 send()）"),
            (true, true) => format!("每次运行的 recvfrom() 次数（每次发出 {sends} 个数据报）"),
        }
    }

    /// What the runs say, in a sentence or three.
    pub fn trials_conclusion(self, f: &TrialsFacts) -> String {
        if f.udp {
            return self.udp_conclusion(f);
        }
        let (n, merged, split, intact) = (f.runs, f.merged, f.split, f.intact);
        let spread = match (f.shapes > 1, f.late_reader, self.zh()) {
            (true, _, false) => {
                " Same program, same knobs, different results: how the bytes fall into recv() \
                 calls is timing, not a rule."
            }
            (false, true, false) => {
                " Every run came out the same: a late reader makes the merge certain — try \
                 --reader-delay 0 to see the timing spread."
            }
            (false, false, false) => {
                " Every run came out the same this time; run it again, or with more --trials, \
                 and the spread usually shows."
            }
            (true, _, true) => {
                "同样的程序、同样的参数，结果却不同：字节怎样落进 recv() 调用由时机决定，\
                 不是规则。"
            }
            (false, true, true) => {
                "每次运行的结果都一样：读方来晚了，合并就成了必然 —— 试试 --reader-delay 0，\
                 看时机带来的差异。"
            }
            (false, false, true) => {
                "这次每次运行的结果都一样；再运行一次，或者加大 --trials，通常就能看到差异。"
            }
        };
        match (f.framed, self.zh()) {
            (true, false) => format!(
                "The raw recv() calls merged in {merged} and split in {split} of {n} runs; the \
                 decoded messages were intact in {intact} of {n}.{spread}"
            ),
            (false, false) => format!(
                "Messages merged in {merged} of {n} runs, split in {split}, and arrived one per \
                 recv() in {intact}.{spread} Only framing makes it certain."
            ),
            (true, true) => format!(
                "{n} 次运行中，原始的 recv() 有 {merged} 次粘包、{split} 次半包；解出的消息\
                 有 {intact} 次完整。{spread}"
            ),
            (false, true) => format!(
                "{n} 次运行中，消息有 {merged} 次粘在一起，{split} 次被拆开，{intact} 次每次 \
                 recv() 正好一条。{spread}只有分帧才能保证。"
            ),
        }
    }

    /// What many UDP runs show: boundaries kept every time; loss and truncation when they come.
    fn udp_conclusion(self, f: &TrialsFacts) -> String {
        let (n, whole, lost, cut) = (f.runs, f.intact, f.lost, f.truncated);
        if self.zh() {
            let mut text = match f.received {
                0 => String::new(),
                _ => format!(
                    "每个到达的数据报都由它自己的一次 recvfrom() 取出，从不和别的合并，也不被\
                     拆开：{n} 次运行中有 {whole} 次全部完整到达。"
                ),
            };
            if f.failed > 0 {
                text += &format!(
                    "{n} 次运行中有 {} 次 send() 失败，那条消息根本没有发出（去掉 --trials \
                     运行一次可以看到原因）。",
                    f.failed
                );
            }
            if lost > 0 {
                text += &format!("{n} 次运行中有 {lost} 次有数据报没有到达：UDP 不重传。");
            }
            if cut > 0 {
                text += &format!(
                    "{n} 次运行中有 {cut} 次有数据报比 recvfrom() 的缓冲区长，多出的部分被丢弃。"
                );
            }
            text.push_str("不管时机如何，UDP 都保留消息边界；TCP 一个也不保留。");
            return text;
        }
        let mut text = match f.received {
            0 => String::new(),
            _ => format!(
                "Every datagram that arrived came out of its own recvfrom() call, never merged \
                 with another nor split: in {whole} of {n} runs all of them arrived whole."
            ),
        };
        if f.failed > 0 {
            text += &format!(
                " In {} of {n} runs a send() failed and its message never left (run once \
                 without --trials to see why).",
                f.failed
            );
        }
        if lost > 0 {
            text += &format!(
                " In {lost} of {n} runs a datagram never arrived: UDP does not retransmit."
            );
        }
        if cut > 0 {
            text += &format!(
                " In {cut} of {n} runs a datagram was longer than the recvfrom() buffer and its \
                 rest was thrown away."
            );
        }
        text.push_str(" UDP keeps message boundaries whatever the timing; TCP keeps none.");
        text.trim_start().to_string()
    }
}
