//! The words of a run's readings: where the merging happened (`wire`), what the run showed
//! (`verdict`), what to try next (`next`), and the lesson's prediction next to the measured
//! count (`check`) — the same sentences under the side-by-side view, in the pictures, in the
//! traced view and in the JSON.

use super::{Words, plural};
use crate::analysis::{Arrival, BoundaryRule, Hint, SegmentSource, Verdict, WireReading};
use crate::framing::FramingKind;
use crate::lesson::framed_demo::Corruption;
use crate::transcript::EventNote;

impl Words {
    /// What the data segments say about where the messages merged.
    pub fn wire_reading(self, reading: &WireReading) -> String {
        let (sends, segments, source) = match *reading {
            WireReading::Datagrams => {
                return self
                    .pick(
                        "UDP sends each send() as one datagram: there is no byte stream to \
                         merge or split",
                        "UDP 把每次 send() 作为一个数据报发出：没有字节流可以合并或拆开",
                    )
                    .into();
            }
            WireReading::NotCounted => {
                return self
                    .pick(
                        "this kernel does not count data segments (TCP_INFO tcpi_data_segs_out \
                         needs Linux 4.6+), so the wire cannot be shown; try --wire",
                        "这个内核不统计数据段（TCP_INFO 的 tcpi_data_segs_out 需要 Linux \
                         4.6+），所以看不到线路上发生了什么；试试 --wire",
                    )
                    .into();
            }
            WireReading::MergedInReceiver {
                sends,
                segments,
                source,
                ..
            }
            | WireReading::Autocorked {
                sends,
                segments,
                source,
            }
            | WireReading::MergedBySender {
                sends,
                segments,
                source,
            }
            | WireReading::Segments {
                sends,
                segments,
                source,
            } => (sends, segments, source),
        };
        let source = match source {
            SegmentSource::TcpInfo => "TCP_INFO",
            SegmentSource::Captured => self.pick("captured on lo", "在 lo 上抓到"),
        };
        if self.zh() {
            zh_wire(reading, sends, segments, source)
        } else {
            en_wire(reading, sends, segments, source)
        }
    }

    /// What the run showed.
    pub fn verdict_text(self, verdict: &Verdict) -> String {
        match verdict {
            Verdict::Datagrams {
                sent,
                received,
                truncated,
                recv_size,
            } => self.datagrams_verdict(*sent, *received, *truncated, *recv_size),
            Verdict::DatagramsFailed {
                messages,
                sent,
                received,
                error,
            } => self.datagrams_failed(*messages, *sent, *received, error),
            Verdict::DecodingStopped { .. }
            | Verdict::FramesDiffer { .. }
            | Verdict::FramesIntact { .. } => self.framed_verdict(verdict),
            Verdict::FramedByReader { .. } | Verdict::NothingSent | Verdict::SendsUnseen { .. } => {
                self.read_by_size_or_unseen(verdict)
            }
            _ => self.stream_verdict(verdict),
        }
    }

    /// What to try next.
    pub fn hint(self, hint: &Hint) -> String {
        let base = self.pick(
            "recv(N) returns whatever bytes have arrived, up to N; TCP keeps no message \
             boundaries. See the fix: lab framed-demo",
            "recv(N) 返回已经到达的字节，最多 N 个；TCP 不保留消息边界。修正的办法见：lab \
             framed-demo",
        );
        let zh = self.zh();
        match hint {
            Hint::CompareWithTcp => self
                .pick(
                    "UDP keeps boundaries but not order or delivery, and a short buffer loses \
                     data; TCP delivers every byte in order but keeps no boundaries — try lab \
                     sticky-demo with the same knobs.",
                    "UDP 保留边界，但不保证顺序和送达，缓冲区太小还会丢数据；TCP 按顺序送达每个\
                     字节，但不保留边界 —— 用同样的参数试试 lab sticky-demo。",
                )
                .into(),
            Hint::Refused { corrupt, framing } => self.refused_hint(*corrupt, *framing).into(),
            Hint::ChangeTheArrival { recv_size_is_one } => {
                let other = match (recv_size_is_one, zh) {
                    (true, _) => "--send-gap 20 --reader-delay 0",
                    (false, false) => "--recv-size 1, or --send-gap 20 --reader-delay 0",
                    (false, true) => "--recv-size 1，或者 --send-gap 20 --reader-delay 0",
                };
                if zh {
                    format!("换一种到达方式 —— {other} —— 原始的 recv() 会变，解出的消息不会变。")
                } else {
                    format!(
                        "Change how the bytes arrive — {other} — the raw recv() calls change, \
                         the decoded messages do not."
                    )
                }
            }
            Hint::SendSeveral if zh => {
                format!("发几条消息，看它们粘在一起：--message a --message b。{base}")
            }
            Hint::SendSeveral => {
                format!("Send several messages to see them merge: --message a --message b. {base}")
            }
            Hint::MakeTheReaderLate if zh => {
                format!("让读方晚一点，看消息粘在一起：--reader-delay 100。{base}")
            }
            Hint::MakeTheReaderLate => {
                format!("Make the reader late and watch them merge: --reader-delay 100. {base}")
            }
            Hint::TryASmallRecvSize if zh => {
                format!("换一个大小，看消息被拆开：--recv-size 4。{base}")
            }
            Hint::TryASmallRecvSize => {
                format!("Try another size and watch them split: --recv-size 4. {base}")
            }
            Hint::SeeTheFix => base.into(),
        }
    }

    /// The lesson's prediction next to the measurement (`recvfrom()` for UDP).
    pub fn prediction(self, predicted: usize, measured: usize, udp: bool) -> String {
        let call = match (udp, self.zh()) {
            (true, false) => "recvfrom()",
            (false, false) => "recv() with data",
            (true, true) => " recvfrom()",
            (false, true) => "有数据的 recv()",
        };
        match (self.zh(), predicted == measured) {
            (false, true) => format!(
                "the lesson predicted {predicted} {call}; measured {measured}, as predicted"
            ),
            (false, false) => format!(
                "the lesson predicted {predicted} {call}, but this kernel gave {measured}: \
                 timing decides, not a rule"
            ),
            (true, true) => {
                format!("课程预计 {predicted} 次{call}；测得 {measured} 次，与预计相同")
            }
            (true, false) => format!(
                "课程预计 {predicted} 次{call}，这个内核给出 {measured} 次：决定结果的是时机，\
                 不是规则"
            ),
        }
    }

    /// `3 send() calls` or `3 messages (6 send() calls)`.
    fn sent(self, a: Arrival) -> String {
        match (self.zh(), a.sends == a.messages) {
            (false, true) => plural(a.sends, "send() call", "send() calls"),
            (false, false) => format!(
                "{} ({})",
                plural(a.messages, "message", "messages"),
                plural(a.sends, "send() call", "send() calls")
            ),
            (true, true) => format!("{} 次 send()", a.sends),
            (true, false) => format!("{} 条消息（{} 次 send()）", a.messages, a.sends),
        }
    }

    /// `3 send() calls arrived in 1 recv()`.
    pub(super) fn arrived(self, a: Arrival) -> String {
        if self.zh() {
            // A space between `send()` and the Chinese after it, none after `）`.
            let sent = self.sent(a);
            let gap = if sent.ends_with(')') { " " } else { "" };
            format!("{sent}{gap}的数据在 {} 次 recv() 中到达", a.recvs)
        } else {
            format!(
                "{} arrived in {}",
                self.sent(a),
                plural(a.recvs, "recv()", "recv() calls")
            )
        }
    }

    /// sticky-demo's verdicts, and a traced stream's.
    fn stream_verdict(self, verdict: &Verdict) -> String {
        let zh = self.zh();
        match verdict {
            Verdict::Failed { arrival, error } => {
                let (arrived, error) = (self.arrived(*arrival), self.note(error, None));
                if zh {
                    format!("{arrived}，随后交换失败：{error}")
                } else {
                    format!("{arrived}, then the exchange failed: {error}")
                }
            }
            Verdict::Unread {
                arrival,
                received,
                sent,
            } => {
                let from = self.sent(*arrival);
                if zh {
                    format!(
                        "{from}，但接收方停下之前只用 {} 次 recv() 取走了 {sent} B 中的 \
                         {received} B：其余的从未被读取。",
                        arrival.recvs
                    )
                } else {
                    format!(
                        "{from}, but the receiver took only {received} of the {sent} B, in {}, \
                         before it stopped: the rest was never read.",
                        plural(arrival.recvs, "recv()", "recv() calls")
                    )
                }
            }
            Verdict::OneMessageSplit {
                arrival,
                cut_by: Some(size),
                len,
            } if zh => format!(
                "{}：这一条消息被拆成了几块（半包）—— recv({size}) 一次最多返回 {size} 个字节，\
                 而这条消息有 {len} 个字节。",
                self.arrived(*arrival)
            ),
            Verdict::OneMessageSplit {
                arrival,
                cut_by: Some(size),
                len,
            } => format!(
                "{}: the one message came in pieces (半包) — recv({size}) returns at most {size} \
                 bytes, and the message is {len} bytes long.",
                self.arrived(*arrival)
            ),
            Verdict::OneMessageSplit { arrival, .. } if zh => format!(
                "{}：这一条消息被拆成了几块（半包）—— recv() 返回的是到目前为止已到达的字节，\
                 而这些字节是分几批、每批几个报文段到达的。",
                self.arrived(*arrival)
            ),
            Verdict::OneMessageSplit { arrival, .. } => format!(
                "{}: the one message came in pieces (半包) — recv() returns what has arrived \
                 so far, and the bytes arrived a few segments at a time.",
                self.arrived(*arrival)
            ),
            Verdict::OneMessage {
                arrival,
                suggest_more,
            } => {
                let tail = match (suggest_more, zh) {
                    (true, false) => " — send two or more (--message a --message b).",
                    (false, false) => ".",
                    (true, true) => " —— 发两条或更多（--message a --message b）。",
                    (false, true) => "。",
                };
                if zh {
                    format!(
                        "{}：只有一条消息，没有什么可合并{tail}",
                        self.arrived(*arrival)
                    )
                } else {
                    format!(
                        "{}: with a single message there is nothing to merge{tail}",
                        self.arrived(*arrival)
                    )
                }
            }
            _ => self.whole_or_lost(verdict),
        }
    }

    /// The stream verdicts of several messages: whole each, or the boundaries gone.
    fn whole_or_lost(self, verdict: &Verdict) -> String {
        let zh = self.zh();
        match verdict {
            Verdict::IntactBySize { arrival, recv_size } if zh => format!(
                "{}，每次正好一条完整的消息 —— 只是因为 recv({recv_size}) 恰好和消息的大小\
                 对上了；TCP 并没有保留边界。",
                self.arrived(*arrival)
            ),
            Verdict::IntactBySize { arrival, recv_size } => format!(
                "{}, one whole message each — only because recv({recv_size}) happened to match \
                 the message sizes; TCP kept no boundaries.",
                self.arrived(*arrival)
            ),
            Verdict::IntactByTiming { arrival } if zh => format!(
                "{}，每次一条完整的消息 —— 只是这一次。这是时机，不是保证：TCP 没有保留边界，\
                 只是读方够快。",
                self.arrived(*arrival)
            ),
            Verdict::IntactByTiming { arrival } => format!(
                "{}, one whole message each — this time. That was timing, not a promise: TCP \
                 kept no boundaries, the reader was simply fast enough.",
                self.arrived(*arrival)
            ),
            Verdict::BoundariesLost {
                arrival,
                merged_recvs,
                split_messages,
            } => {
                let mut what = Vec::new();
                if *merged_recvs > 0 {
                    what.push(match zh {
                        true => format!("{merged_recvs} 次 recv() 装了好几条消息（粘包）"),
                        false => format!(
                            "{} held several messages (粘包)",
                            plural(*merged_recvs, "recv()", "recv() calls")
                        ),
                    });
                }
                if *split_messages > 0 {
                    what.push(match zh {
                        true => format!("{split_messages} 条消息被拆到了几次 recv() 里（半包）"),
                        false => format!(
                            "{} split across recv() calls (半包)",
                            plural(*split_messages, "message was", "messages were")
                        ),
                    });
                }
                let arrived = self.arrived(*arrival);
                if zh {
                    format!("{arrived}：消息的边界没有了 —— {}。", what.join("，"))
                } else {
                    format!(
                        "{arrived}: the message boundaries are gone — {}.",
                        what.join(", and ")
                    )
                }
            }
            _ => String::new(),
        }
    }

    /// udp-demo's verdict.
    fn datagrams_verdict(
        self,
        sent: usize,
        received: usize,
        truncated: usize,
        recv_size: usize,
    ) -> String {
        let lost = sent.saturating_sub(received);
        // Nothing went out, or nothing came: no message to call whole.
        match (self.zh(), sent, received) {
            (false, 0, _) => return "no datagram was sent.".into(),
            (true, 0, _) => return "一个数据报也没有发出。".into(),
            (false, _, 0) => {
                return format!(
                    "none of the {} arrived (UDP does not retransmit).",
                    plural(sent, "datagram", "datagrams")
                );
            }
            (true, _, 0) => return format!("{sent} 个数据报一个也没有到达（UDP 不重传）。"),
            _ => {}
        }
        if self.zh() {
            let arrived = if lost == 0 {
                format!("{sent} 个数据报在 {received} 次 recvfrom() 中到达")
            } else {
                format!(
                    "{sent} 个数据报中有 {lost} 个没有到达（UDP 不重传）；其余的在 {received} \
                     次 recvfrom() 中到达"
                )
            };
            return match truncated {
                0 if received == sent => format!(
                    "{arrived}，每次一条完整的消息：不管时机如何，UDP 都保留消息边界（对比 lab \
                     sticky-demo）。"
                ),
                0 => format!("{arrived}，每次一条完整的消息。"),
                n => format!(
                    "{arrived}，每次一个数据报 —— 但有 {n} 个数据报被 recvfrom({recv_size}) \
                     截断：数据报剩下的部分被丢弃，不会留给下一次调用。"
                ),
            };
        }
        let arrived = if lost == 0 {
            format!(
                "{} arrived as {}",
                plural(sent, "datagram", "datagrams"),
                plural(received, "recvfrom() call", "recvfrom() calls")
            )
        } else {
            format!(
                "of {}, {lost} never arrived (UDP does not retransmit); the rest came as {}",
                plural(sent, "datagram", "datagrams"),
                plural(received, "recvfrom() call", "recvfrom() calls")
            )
        };
        match truncated {
            0 if received == sent => format!(
                "{arrived}, one whole message each: UDP keeps message boundaries, whatever the \
                 timing (compare lab sticky-demo)."
            ),
            0 => format!("{arrived}, one whole message each."),
            n => format!(
                "{arrived}, one datagram each — but {} cut short by recvfrom({recv_size}): the \
                 rest of a datagram is thrown away, not kept for the next call.",
                plural(n, "datagram was", "datagrams were")
            ),
        }
    }

    /// udp-demo after a send() failed: what went out and arrived, then why the rest did not.
    fn datagrams_failed(
        self,
        messages: usize,
        sent: usize,
        received: usize,
        error: &EventNote,
    ) -> String {
        let error = self.note(error, None);
        match (self.zh(), sent) {
            (false, 0) => format!("no datagram was sent: {error}"),
            (true, 0) => format!("一个数据报也没有发出：{error}"),
            (false, _) => format!(
                "{sent} of {} went out as datagrams and {} arrived; the rest were never sent: \
                 {error}",
                plural(messages, "message", "messages"),
                plural(received, "datagram", "datagrams")
            ),
            (true, _) => format!(
                "{messages} 条消息中有 {sent} 条作为数据报发出，到达了 {received} 个；其余的根本\
                 没有发出：{error}"
            ),
        }
    }

    /// framed-demo's verdicts.
    fn framed_verdict(self, verdict: &Verdict) -> String {
        let zh = self.zh();
        match verdict {
            Verdict::DecodingStopped {
                decoded,
                sent,
                error,
            } => {
                let error = self.note(error, None);
                if zh {
                    format!("{sent} 条消息解出了 {decoded} 条，然后接收方停下了：{error}")
                } else {
                    format!(
                        "{decoded} of {sent} messages decoded, then the receiver stopped: {error}"
                    )
                }
            }
            Verdict::FramesDiffer {
                decoded,
                intact,
                sent,
            } if zh => {
                format!("解出了 {decoded} 帧，但发出的 {sent} 条消息只有 {intact} 条完好无损")
            }
            Verdict::FramesDiffer {
                decoded,
                intact,
                sent,
            } => format!(
                "{decoded} frames decoded, but only {intact} of the {sent} messages sent came out \
                 intact"
            ),
            Verdict::FramesIntact {
                messages,
                recvs,
                rule,
                merged_recvs,
                split_messages,
            } => {
                let raw = self.raw_recvs(*merged_recvs, *split_messages);
                let rule = self.boundary_rule(rule);
                if zh {
                    format!(
                        "{messages} 条消息从 {recvs} 次 recv() 中完整地解了出来：{rule}把边界\
                         找了回来（{raw}）。"
                    )
                } else {
                    format!(
                        "{} decoded intact from {}: {rule} put the boundaries back ({raw}).",
                        plural(*messages, "message", "messages"),
                        plural(*recvs, "recv()", "recv() calls"),
                    )
                }
            }
            _ => String::new(),
        }
    }

    /// What the raw recvs under a framing still did.
    fn raw_recvs(self, merged: usize, split: usize) -> String {
        if self.zh() {
            return match (merged, split) {
                (0, 0) => "这一次原始的 recv() 恰好落在消息边界上".into(),
                (m, 0) => format!("仍有 {m} 次原始 recv() 装了好几条消息"),
                (0, p) => format!("仍有 {p} 条消息被拆到了几次原始 recv() 里"),
                (m, p) => format!("仍有 {m} 次原始 recv() 装了好几条消息，{p} 条消息被拆开"),
            };
        }
        match (merged, split) {
            (0, 0) => {
                "the raw recv() calls happened to fall on message boundaries this time".into()
            }
            (m, 0) => format!(
                "{} still held several messages",
                plural(m, "raw recv()", "raw recv() calls")
            ),
            (0, p) => format!(
                "{} still split across raw recv() calls",
                plural(p, "message was", "messages were")
            ),
            (m, p) => format!(
                "{} still held several messages and {} split",
                plural(m, "raw recv()", "raw recv() calls"),
                plural(p, "message was", "messages were")
            ),
        }
    }

    /// `the !I length header`, `the b'\n' delimiter`, `the 16-byte records`.
    pub fn boundary_rule(self, rule: &BoundaryRule) -> String {
        match (rule, self.zh()) {
            (BoundaryRule::Length { format }, false) => format!("the {format} length header"),
            (BoundaryRule::Length { format }, true) => format!("{format} 长度报头"),
            (BoundaryRule::Delimiter { literal }, false) => format!("the {literal} delimiter"),
            (BoundaryRule::Delimiter { literal }, true) => format!("{literal} 分隔符"),
            (BoundaryRule::Fixed { size }, false) => format!("the {size}-byte records"),
            (BoundaryRule::Fixed { size }, true) => format!("{size} 字节的定长记录"),
        }
    }

    /// Why framed-demo's receiver refused, and what it teaches.
    fn refused_hint(self, corrupt: Option<Corruption>, framing: FramingKind) -> &'static str {
        match (corrupt, framing) {
            (Some(Corruption::Oversize), FramingKind::Delimiter) => self.pick(
                "The sender never sent the delimiter (--corrupt oversize). A receiver must cap \
                 how much it buffers while it looks for one: this one stopped at --max-frame.",
                "发送方故意不发分隔符（--corrupt oversize）。接收方在找分隔符时必须限制缓存多少\
                 字节：这个接收方在 --max-frame 处停下了。",
            ),
            (Some(Corruption::Oversize), _) => self.pick(
                "The sender lied on purpose (--corrupt oversize). A receiver must never trust a \
                 claimed length: this one was refused before anything was allocated for it.",
                "发送方故意谎报了长度（--corrupt oversize）。接收方绝不能轻信报头声称的长度：\
                 这一帧在为它分配任何内存之前就被拒绝了。",
            ),
            (Some(Corruption::Truncate), _) => self.pick(
                "The sender stopped mid-frame on purpose (--corrupt truncate). A stream that \
                 ends inside a frame is an error, not a short message.",
                "发送方故意在一帧的中途停下（--corrupt truncate）。在帧中间结束的流是错误，\
                 不是一条短消息。",
            ),
            (Some(Corruption::Negative), _) => self.pick(
                "The sender put a negative length in a signed header on purpose (--corrupt \
                 negative). Refuse it — or use an unsigned header (!I).",
                "发送方故意在有符号的报头里放了负的长度（--corrupt negative）。拒绝它 —— 或者\
                 改用无符号的报头（!I）。",
            ),
            (None, _) => self.pick(
                "A receiver must refuse a frame it cannot trust; raise --max-frame to accept \
                 larger messages.",
                "接收方必须拒绝它无法信任的帧；要接受更大的消息，就调大 --max-frame。",
            ),
        }
    }
}

fn en_wire(reading: &WireReading, sends: usize, segments: usize, source: &str) -> String {
    let calls = plural(sends, "send() call", "send() calls");
    let segs = plural(segments, "data segment", "data segments");
    match reading {
        WireReading::MergedInReceiver { recvs, .. } => {
            let each = if segments == sends { ", one each" } else { "" };
            format!(
                "the {calls} left as {segs}{each} ({source}), yet arrived in {}: the merge \
                 happened in the receiver's buffer, not in the sender — it is not Nagle's doing",
                plural(*recvs, "recv()", "recv() calls")
            )
        }
        WireReading::Autocorked { .. } => format!(
            "the {calls} left as only {segs} ({source}) although Nagle was off: the kernel still \
             packs sends that queue up while earlier data is being sent (autocorking)"
        ),
        WireReading::MergedBySender { .. } => format!(
            "the {calls} left as only {segs} ({source}): the sender itself merged small sends \
             (Nagle's algorithm holds them while data is unacknowledged; try --nodelay)"
        ),
        _ => format!("the {calls} left as {segs} ({source})"),
    }
}

fn zh_wire(reading: &WireReading, sends: usize, segments: usize, source: &str) -> String {
    match reading {
        WireReading::MergedInReceiver { recvs, .. } => {
            let each = if segments == sends {
                "，每次一个"
            } else {
                ""
            };
            format!(
                "{sends} 次 send() 作为 {segments} 个数据段发出{each}（{source}），却在 {recvs} \
                 次 recv() 中到达：合并发生在接收方的接收缓冲区里，不在发送方 —— 这不是 Nagle \
                 算法造成的"
            )
        }
        WireReading::Autocorked { .. } => format!(
            "{sends} 次 send() 只作为 {segments} 个数据段发出（{source}），尽管 Nagle 算法已\
             关闭：前面的数据还在发送时，内核仍会把排队的 send() 打包在一起（autocorking）"
        ),
        WireReading::MergedBySender { .. } => format!(
            "{sends} 次 send() 只作为 {segments} 个数据段发出（{source}）：是发送方自己合并了\
             小的 send()（数据还没被确认时，Nagle 算法先攒着它们；试试 --nodelay）"
        ),
        _ => format!("{sends} 次 send() 作为 {segments} 个数据段发出（{source}）"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::reading::samples;
    use crate::lang::Lang;

    /// A Chinese sentence: it has Chinese in it, and no English function word.
    fn is_chinese(text: &str) -> bool {
        let english = [" the ", " and ", " of ", " was ", " were ", " is "];
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            && !english.iter().any(|w| text.contains(w))
    }

    #[test]
    fn every_reading_is_said_in_both_languages() {
        let (en, zh) = (Words(Lang::En), Words(Lang::Zh));
        let said: Vec<(String, String)> = samples::wire_readings()
            .iter()
            .map(|r| (en.wire_reading(r), zh.wire_reading(r)))
            .chain(
                samples::verdicts()
                    .iter()
                    .map(|v| (en.verdict_text(v), zh.verdict_text(v))),
            )
            .chain(samples::hints().iter().map(|h| (en.hint(h), zh.hint(h))))
            .collect();
        for (english, chinese) in said {
            assert!(english.contains(' ') && !is_chinese(&english), "{english}");
            assert!(is_chinese(&chinese), "{chinese}");
        }
    }

    #[test]
    fn the_verdicts_read_as_before_in_english() {
        let en = Words(Lang::En);
        let verdicts = samples::verdicts();
        assert_eq!(
            en.verdict_text(&verdicts[8]),
            "3 send() calls arrived in 1 recv(): the message boundaries are gone — 1 recv() \
             held several messages (粘包), and 2 messages were split across recv() calls (半包)."
        );
        assert_eq!(
            en.verdict_text(&verdicts[11]),
            "3 datagrams arrived as 3 recvfrom() calls, one datagram each — but 3 datagrams \
             were cut short by recvfrom(4): the rest of a datagram is thrown away, not kept for \
             the next call."
        );
    }
}
