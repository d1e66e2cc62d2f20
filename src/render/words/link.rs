//! The `--net` link's words: its spec under the knobs, the wire column's notes (ACKs, losses,
//! retransmissions, segments held for an ACK) and its figures under the table.

use super::{Words, plural};
use crate::analysis::link::LinkFacts;
use crate::net::link::spec::Ppm;
use crate::net::link::{CLIENT_ADDR, NetSpec, SERVER_ADDR};

impl Words {
    /// `link: 198.18.0.1 → 198.18.0.2 · MTU 1500 · delay 20 ms each way · loss 1% · seed 7`,
    /// from the spec as run.
    pub fn spec_line(self, spec: &NetSpec) -> String {
        let zh = self.zh();
        let mut parts = vec![format!(
            "{}{CLIENT_ADDR} → {SERVER_ADDR} · MTU {}",
            self.pick("link: ", "链路："),
            spec.mtu
        )];
        let delay = short_millis(spec.delay.as_micros() as u64);
        parts.push(match (spec.delay.is_zero(), zh) {
            (true, _) => self.pick("no delay", "无延迟").into(),
            (false, false) => format!("delay {delay} each way"),
            (false, true) => format!("单程延迟 {delay}"),
        });
        if !spec.jitter.is_zero() {
            let jitter = short_millis(spec.jitter.as_micros() as u64);
            parts.push(format!("{} ±{jitter}", self.pick("jitter", "抖动")));
        }
        for (name, p) in [
            (self.pick("loss", "丢包"), spec.loss),
            (self.pick("reorder", "乱序"), spec.reorder),
            (self.pick("duplicate", "重复"), spec.duplicate),
        ] {
            if !p.is_zero() {
                parts.push(format!("{name} {}", percent(p)));
            }
        }
        if let Some(rate) = spec.rate {
            let (rate, queue) = (bits(rate), spec.queue);
            parts.push(match zh {
                false => format!("rate {rate} (queue {queue} packets)"),
                true => format!("速率 {rate}（队列 {queue} 个包）"),
            });
        }
        if let Some(seed) = spec.seed {
            parts.push(format!("{} {seed}", self.pick("seed", "种子")));
        }
        parts.join(" · ")
    }

    /// `ACK up to 5 B` (`dup ACK …` when it repeats the one before), after its arrow.
    pub fn ack(self, arrow: &str, acked: u32, repeat: bool) -> String {
        match (self.zh(), repeat) {
            (false, false) => format!("{arrow} ACK up to {acked} B"),
            (false, true) => format!("{arrow} dup ACK up to {acked} B"),
            (true, false) => format!("{arrow} ACK 确认到 {acked} B"),
            (true, true) => format!("{arrow} 重复 ACK 确认到 {acked} B"),
        }
    }

    pub fn lost_on_link(self) -> &'static str {
        self.pick("✕ lost on the link", "✕ 在链路上丢失")
    }

    pub fn queue_full_dropped(self) -> &'static str {
        self.pick("✕ queue full: dropped", "✕ 队列满：被丢弃")
    }

    pub fn sent_again(self) -> &'static str {
        self.pick("↻ sent again", "↻ 重发")
    }

    pub fn overtaken(self) -> &'static str {
        self.pick("⇅ overtaken", "⇅ 被后发的包超过")
    }

    /// A segment Nagle held: `held 20 ms for the ACK of m1`.
    pub fn held_for(self, waited_us: u64, acked: &str) -> String {
        let waited = short_millis(waited_us);
        if self.zh() {
            format!("为等 {acked} 的 ACK 扣了 {waited}")
        } else {
            format!("held {waited} for the ACK of {acked}")
        }
    }

    /// The link's first line under the table: packets each way, data segments, the round trip.
    pub fn link_packets(self, f: &LinkFacts) -> String {
        let rtt = f.handshake_rtt_us.map(short_millis);
        let (up, down, data, largest, mtu) = (
            f.packets_to_server,
            f.packets_to_client,
            f.data_segments,
            f.largest_segment,
            f.mtu,
        );
        if self.zh() {
            let rtt = rtt.map_or(String::new(), |r| format!("；往返时间 {r}（握手）"));
            return format!(
                "发往服务端 {up} 个包，返回 {down} 个；{data} 个数据段，最大 {largest} B（MTU \
                 {mtu}）{rtt}"
            );
        }
        let rtt = rtt.map_or(String::new(), |r| format!("; round trip {r} (handshake)"));
        format!(
            "{up} packets to the server, {down} back; {}, the largest {largest} B at MTU \
             {mtu}{rtt}",
            plural(data, "data segment", "data segments")
        )
    }

    /// Slow start's flights: `10, 20, 30`.
    pub fn slow_start(self, sizes: &str) -> String {
        if self.zh() {
            format!(
                "慢启动：数据一批一批地发出，每批 {sizes} 个报文段，相隔一个往返时间 —— 每个 ACK \
                 都让发送方能多发一些"
            )
        } else {
            format!(
                "slow start: the data left in flights of {sizes} segments, a round trip apart — \
                 each ACK lets the sender send more"
            )
        }
    }

    /// `m2 m3 (15 B) waited 20 ms for the ACK of m1`.
    pub fn held_segment(self, pieces: &str, bytes: usize, waited_us: u64, acked: &str) -> String {
        let waited = short_millis(waited_us);
        if self.zh() {
            format!("{pieces}（{bytes} B）为等 {acked} 的 ACK 等了 {waited}")
        } else {
            format!("{pieces} ({bytes} B) waited {waited} for the ACK of {acked}")
        }
    }

    pub fn more_held(self, n: usize) -> String {
        if self.zh() {
            format!("… 还有 {n} 个报文段被扣住")
        } else {
            format!("… and {n} more segments held back")
        }
    }

    pub fn nagle_explained(self) -> &'static str {
        self.pick(
            "Nagle's algorithm: while sent data is unacknowledged, small sends wait and leave \
             together when the ACK comes (try --nodelay)",
            "Nagle 算法：已发出的数据还没被确认时，小的 send() 先等着，ACK 一到就一起发出\
             （试试 --nodelay）",
        )
    }

    /// What the link dropped, what was sent again, and whether every byte still arrived.
    pub fn link_losses(self, f: &LinkFacts, bytes_intact: bool) -> String {
        let (lost, again, seed) = (f.lost, f.retransmissions, f.seed);
        if self.zh() {
            let queue = match f.queue_drops {
                0 => String::new(),
                q => format!("，另有 {q} 个因队列满被丢弃"),
            };
            let outcome = match bytes_intact {
                true => "每个字节仍然按顺序到达了",
                false => "并非每个字节都到达了",
            };
            return format!(
                "链路丢弃了 {lost} 个包（其中 {} 个带数据）{queue}；客户端重发了 {again} 个报文段，\
                 {outcome}（seed={seed} 会再丢弃同样的包）{}",
                f.lost_with_data,
                self.lost_without_data(f)
            );
        }
        let queue = match f.queue_drops {
            0 => String::new(),
            q => format!(" and {q} at the full queue"),
        };
        let outcome = match bytes_intact {
            true => "every byte still arrived, in order",
            false => "not every byte arrived",
        };
        format!(
            "the link dropped {} ({} carrying data){queue}; the client sent {} again, and \
             {outcome} (seed={seed} drops the same packets again){}",
            plural(lost, "packet", "packets"),
            f.lost_with_data,
            plural(again, "segment", "segments"),
            self.lost_without_data(f)
        )
    }

    /// What became of lost packets that carried no data: a handshake packet is sent again on
    /// the kernel's timer (a wait the student sees), a lost ACK is covered by the next one.
    fn lost_without_data(self, f: &LinkFacts) -> String {
        match (f.handshake_resent_after_us, self.zh()) {
            (Some(us), false) => format!(
                "; the handshake lost a packet, so a SYN or SYN-ACK left again {:.1} ms later (the kernel \
                 waits 1 s before it sends a handshake packet again)",
                us as f64 / 1000.0
            ),
            (Some(us), true) => format!(
                "；握手丢了一个包，所以 {:.1} ms 后 SYN 或 SYN-ACK 又发了一次（内核要等 1 s 才重发握手的包）",
                us as f64 / 1000.0
            ),
            (None, _) if f.lost_with_data == 0 && f.lost > 0 => self
                .pick(
                    "; a lost ACK is not sent again: the next ACK covers it",
                    "；丢掉的 ACK 不会重发：下一个 ACK 会把它覆盖",
                )
                .into(),
            (None, _) => String::new(),
        }
    }

    /// UDP across the link: datagrams, and what the link dropped (nothing is sent again).
    pub fn link_datagrams(self, f: &LinkFacts) -> String {
        let (sent, dropped, seed) = (f.packets_to_server, f.lost + f.queue_drops, f.seed);
        if self.zh() {
            format!(
                "发往服务端 {sent} 个数据报；链路丢弃了 {dropped} 个（seed={seed} 会再丢弃同样的\
                 那些）—— UDP 从不重发数据报"
            )
        } else {
            format!(
                "{} to the server; the link dropped {dropped} (seed={seed} drops the same ones \
                 again) — UDP never sends a datagram again",
                plural(sent, "datagram", "datagrams")
            )
        }
    }

    /// Copies the link made and packets it let overtake others.
    pub fn link_copies(self, f: &LinkFacts) -> String {
        let (copies, overtaken) = (f.duplicated, f.reordered);
        if self.zh() {
            format!("多送达了 {copies} 个副本，{overtaken} 个包在路上被超过")
        } else {
            format!(
                "{} delivered, {} overtaken on the way",
                plural(copies, "extra copy", "extra copies"),
                plural(overtaken, "packet", "packets")
            )
        }
    }
}

/// `20 ms`, `0.4 ms`, `40.2 ms`: the link's times, to a tenth where that matters.
fn short_millis(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms >= 100.0 || (ms.fract() == 0.0 && ms >= 1.0) {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn percent(p: Ppm) -> String {
    let pct = p.percent();
    if pct.fract() == 0.0 {
        format!("{pct:.0}%")
    } else {
        format!("{pct}%")
    }
}

/// `10 Mbit/s`, `512 kbit/s`.
fn bits(rate: u64) -> String {
    match rate {
        r if r >= 1_000_000_000 && r % 1_000_000_000 == 0 => {
            format!("{} Gbit/s", r / 1_000_000_000)
        }
        r if r >= 1_000_000 && r % 1_000_000 == 0 => format!("{} Mbit/s", r / 1_000_000),
        r if r >= 1_000 && r % 1_000 == 0 => format!("{} kbit/s", r / 1_000),
        r => format!("{r} bit/s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    #[test]
    fn the_spec_line_names_only_the_knobs_that_are_set() {
        let spec: NetSpec = "delay=20ms,loss=1.5%,rate=10mbit,seed=7".parse().unwrap();
        assert_eq!(
            Words(Lang::En).spec_line(&spec),
            "link: 198.18.0.1 → 198.18.0.2 · MTU 1500 · delay 20 ms each way · loss 1.5% · \
             rate 10 Mbit/s (queue 100 packets) · seed 7"
        );
        assert_eq!(
            Words(Lang::En).spec_line(&NetSpec::default()),
            "link: 198.18.0.1 → 198.18.0.2 · MTU 1500 · no delay"
        );
        assert_eq!(
            Words(Lang::Zh).spec_line(&spec),
            "链路：198.18.0.1 → 198.18.0.2 · MTU 1500 · 单程延迟 20 ms · 丢包 1.5% · \
             速率 10 Mbit/s（队列 100 个包） · 种子 7"
        );
    }

    #[test]
    fn times_read_as_people_write_them() {
        assert_eq!(short_millis(20_000), "20 ms");
        assert_eq!(short_millis(40_210), "40.2 ms");
        assert_eq!(short_millis(350), "0.3 ms");
        assert_eq!(short_millis(123_456), "123 ms");
    }
}
