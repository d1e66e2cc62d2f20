//! `--net SPEC`: what the link between the two namespaces does to packets, parsed from
//! `knob=value` pairs separated by commas, e.g. `delay=20ms,loss=1%,mtu=1500`.
//!
//! Sans-IO: text in, a [`NetSpec`] or a [`SpecError`] saying which knob and why out.

use std::fmt;
use std::time::Duration;

/// The knobs, as a student types them.
pub const KNOBS: [&str; 10] = [
    "mtu",
    "delay",
    "rtt",
    "jitter",
    "loss",
    "reorder",
    "duplicate",
    "rate",
    "queue",
    "seed",
];

/// Smallest MTU a link takes: IPv4 requires every host to take 576-byte packets.
pub const MIN_MTU: u32 = 576;
/// Largest MTU: an IPv4 packet's length field.
pub const MAX_MTU: u32 = 65_535;
/// Longest one-way delay or jitter: lessons stay bounded.
pub const MAX_DELAY: Duration = Duration::from_secs(2);
/// The rate limiter's queue when `queue` is not given, in packets.
pub const DEFAULT_QUEUE: usize = 100;
const MAX_QUEUE: usize = 100_000;

/// A probability, in parts per million (1% is 10 000), so specs compare exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Ppm(pub u32);

impl Ppm {
    pub const ONE: Ppm = Ppm(1_000_000);

    /// Never happens.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// As a percentage, e.g. 2.5 for 25 000 ppm.
    pub fn percent(self) -> f64 {
        f64::from(self.0) / 10_000.0
    }
}

/// What the link does. The default is a clean path: MTU 1500, no delay, nothing lost.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NetSpec {
    /// The MTU of both TUN devices: the largest IP packet either end sends.
    pub mtu: u32,
    /// One-way delay, added to every packet each way.
    pub delay: Duration,
    /// Each packet's delay varies by up to this much either way (never below zero, and
    /// never reordering: a packet waits for the one before it).
    pub jitter: Duration,
    /// Chance each packet is lost.
    pub loss: Ppm,
    /// Chance each packet is held back [`REORDER_HOLD`] longer, so later ones overtake it.
    pub reorder: Ppm,
    /// Chance each packet is delivered twice.
    pub duplicate: Ppm,
    /// Bits per second each way; `None` is as fast as the link goes.
    pub rate: Option<u64>,
    /// Packets that may wait for the rate limiter; more are dropped (drop-tail).
    pub queue: usize,
    /// The seed of the loss, reorder, duplicate and jitter draws; `None`: chosen at start.
    pub seed: Option<u64>,
}

/// How much longer `reorder` holds a packet back.
pub const REORDER_HOLD: Duration = Duration::from_millis(10);

impl NetSpec {
    /// Nothing is lost, reordered, copied, jittered or paced: every packet's fate follows
    /// from its arrival time alone.
    pub fn leaves_nothing_to_chance(&self) -> bool {
        self.loss.is_zero()
            && self.reorder.is_zero()
            && self.duplicate.is_zero()
            && self.jitter.is_zero()
            && self.rate.is_none()
    }
}

impl Default for NetSpec {
    fn default() -> Self {
        NetSpec {
            mtu: 1500,
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            loss: Ppm(0),
            reorder: Ppm(0),
            duplicate: Ppm(0),
            rate: None,
            queue: DEFAULT_QUEUE,
            seed: None,
        }
    }
}

/// A spec that could not be read: which knob, what was given, what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecError {
    /// A pair without `=`.
    NotAPair(String),
    UnknownKnob(String),
    /// The same knob twice, or both `delay` and `rtt`.
    Repeated(String),
    /// A value the knob cannot take: knob, value, what it takes.
    BadValue {
        knob: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::NotAPair(text) => {
                write!(f, "{text:?} is not knob=value (e.g. delay=20ms,loss=1%)")
            }
            SpecError::UnknownKnob(knob) => {
                write!(f, "unknown knob {knob:?} (knobs: {})", KNOBS.join(", "))
            }
            SpecError::Repeated(knob) => write!(f, "{knob} is given twice"),
            SpecError::BadValue {
                knob,
                value,
                expected,
            } => write!(f, "{knob}={value}: {expected}"),
        }
    }
}

impl std::str::FromStr for NetSpec {
    type Err = SpecError;

    /// `delay=20ms,loss=1%`; an empty text is the default link.
    fn from_str(text: &str) -> Result<NetSpec, SpecError> {
        let mut spec = NetSpec::default();
        let mut seen: Vec<&str> = Vec::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (knob, value) = pair
                .split_once('=')
                .ok_or_else(|| SpecError::NotAPair(pair.to_string()))?;
            let (knob, value) = (knob.trim(), value.trim());
            let knob = *KNOBS
                .iter()
                .find(|k| **k == knob)
                .ok_or_else(|| SpecError::UnknownKnob(knob.to_string()))?;
            // delay and rtt set the same thing.
            let slot = if knob == "rtt" { "delay" } else { knob };
            if seen.contains(&slot) {
                let named = if slot == "delay" {
                    "delay or rtt"
                } else {
                    knob
                };
                return Err(SpecError::Repeated(named.to_string()));
            }
            seen.push(slot);
            set(&mut spec, knob, value)?;
        }
        Ok(spec)
    }
}

fn set(spec: &mut NetSpec, knob: &'static str, value: &str) -> Result<(), SpecError> {
    let bad = |expected: &'static str| SpecError::BadValue {
        knob,
        value: value.to_string(),
        expected,
    };
    match knob {
        "mtu" => {
            spec.mtu = value
                .parse()
                .ok()
                .filter(|m| (MIN_MTU..=MAX_MTU).contains(m))
                .ok_or_else(|| bad("an MTU in bytes, 576 to 65535"))?;
        }
        "delay" | "rtt" | "jitter" => {
            let d = parse_duration(value)
                .ok_or_else(|| bad("a duration such as 20ms, 0.5ms, 1s or 250us"))?;
            let d = if knob == "rtt" { d / 2 } else { d };
            if d > MAX_DELAY {
                return Err(bad("at most 2 s one way"));
            }
            if knob == "jitter" {
                spec.jitter = d;
            } else {
                spec.delay = d;
            }
        }
        "loss" | "reorder" | "duplicate" => {
            let p = parse_probability(value)
                .ok_or_else(|| bad("a chance such as 1%, 0.5% or 0.01, at most 100%"))?;
            match knob {
                "loss" if p == Ppm::ONE => return Err(bad("under 100%: nothing would arrive")),
                "loss" => spec.loss = p,
                "reorder" => spec.reorder = p,
                _ => spec.duplicate = p,
            }
        }
        "rate" => {
            spec.rate = Some(
                parse_rate(value)
                    .ok_or_else(|| bad("bits per second such as 10mbit, 512kbit or 1gbit"))?,
            );
        }
        "queue" => {
            spec.queue = value
                .parse()
                .ok()
                .filter(|q| (1..=MAX_QUEUE).contains(q))
                .ok_or_else(|| bad("a number of packets, 1 to 100000"))?;
        }
        _ => {
            spec.seed = Some(value.parse().map_err(|_| bad("a whole number"))?);
        }
    }
    Ok(())
}

/// `20ms`, `0.5ms`, `1s`, `250us`; a bare number is milliseconds.
fn parse_duration(text: &str) -> Option<Duration> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "" | "ms" => number / 1e3,
        "s" => number,
        "us" | "µs" => number / 1e6,
        _ => return None,
    };
    (seconds.is_finite() && (0.0..=3600.0).contains(&seconds))
        .then(|| Duration::from_secs_f64(seconds))
}

/// `1%`, `0.5%`, or a fraction `0.01`.
fn parse_probability(text: &str) -> Option<Ppm> {
    let fraction = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().ok()? / 100.0,
        None => text.parse::<f64>().ok()?,
    };
    (0.0..=1.0)
        .contains(&fraction)
        .then(|| Ppm((fraction * 1e6).round() as u32))
}

/// `10mbit`, `512kbit`, `1gbit`, `800000bit`, `800000` (bits per second, as tc writes them).
fn parse_rate(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit.trim().trim_end_matches("/s").trim_end_matches("ps") {
        "" | "bit" | "b" => 1.0,
        "kbit" | "k" => 1e3,
        "mbit" | "m" => 1e6,
        "gbit" | "g" => 1e9,
        _ => return None,
    };
    let bits = number * factor;
    // Below 8 kbit/s a full packet would take over a second to leave.
    (bits.is_finite() && (8e3..=1e12).contains(&bits)).then_some(bits as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> NetSpec {
        text.parse().unwrap()
    }

    #[test]
    fn an_empty_spec_is_a_clean_link_at_mtu_1500() {
        assert_eq!(spec(""), NetSpec::default());
        assert_eq!(spec("").mtu, 1500);
    }

    #[test]
    fn every_knob_reads_its_units() {
        let s = spec(
            "mtu=9000, delay=20ms,jitter=500us,loss=1.5%,reorder=0.1,duplicate=2%,rate=10mbit,queue=50,seed=7",
        );
        assert_eq!(s.mtu, 9000);
        assert_eq!(s.delay, Duration::from_millis(20));
        assert_eq!(s.jitter, Duration::from_micros(500));
        assert_eq!(
            (s.loss, s.reorder, s.duplicate),
            (Ppm(15_000), Ppm(100_000), Ppm(20_000))
        );
        assert_eq!((s.rate, s.queue, s.seed), (Some(10_000_000), 50, Some(7)));
        assert_eq!(spec("rtt=100ms").delay, Duration::from_millis(50));
        assert_eq!(spec("delay=1s").delay, Duration::from_secs(1));
        assert_eq!(spec("rate=1gbit").rate, Some(1_000_000_000));
    }

    #[test]
    fn mistakes_name_the_knob_and_what_it_takes() {
        let err = |text: &str| text.parse::<NetSpec>().unwrap_err().to_string();
        assert!(err("dealy=20ms").contains("unknown knob \"dealy\""));
        assert!(err("delay").contains("not knob=value"));
        assert!(err("delay=20parsecs").starts_with("delay=20parsecs: a duration"));
        assert!(err("delay=5s").contains("at most 2 s"));
        assert!(err("mtu=100").contains("576 to 65535"));
        assert!(err("loss=100%").contains("nothing would arrive"));
        assert!(err("loss=150%").contains("at most 100%"));
        assert!(err("delay=1ms,rtt=4ms").contains("delay or rtt is given twice"));
        assert!(err("loss=1%,loss=2%").contains("loss is given twice"));
        assert!(err("rate=fast").contains("bits per second"));
        assert!(err("queue=0").contains("1 to 100000"));
    }
}
