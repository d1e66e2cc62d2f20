//! `lab stall-demo`'s figures: each way of sending's round trips, and — across a link —
//! which segments waited for an ACK (Nagle) and which ACKs their receiver held back (delayed
//! ACK). Typed facts; the view says them.

use serde::Serialize;

use super::link::{delayed_acks, held_segments};
use crate::lesson::stall_demo::{StallRun, Variant, VariantRun};
use crate::transcript::Direction;

/// Everything the stall view and its JSON say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StallFacts {
    pub rounds: usize,
    /// Body bytes of each request and reply.
    pub size: usize,
    pub variants: Vec<VariantFacts>,
}

/// One way of sending, counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariantFacts {
    #[serde(flatten)]
    pub variant: Variant,
    /// Each round trip, in microseconds, in order.
    pub latencies_us: Vec<u64>,
    pub median_us: u64,
    pub slowest_us: u64,
    /// With `--net`: how long each request body waited for the ACK of what came before
    /// (Nagle on the client), and each reply body (Nagle on the server).
    pub request_waits_us: Vec<u64>,
    pub reply_waits_us: Vec<u64>,
    /// With `--net`: how long the server held back its ACKs of requests, and the client its
    /// ACKs of replies (delayed ACK).
    pub server_ack_delays_us: Vec<u64>,
    pub client_ack_delays_us: Vec<u64>,
    /// With `--net`: the seed the link drew or was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// Count what each way of sending did.
pub fn stall_facts(run: &StallRun) -> StallFacts {
    StallFacts {
        rounds: run.options.rounds,
        size: run.options.size,
        variants: run.variants.iter().map(variant_facts).collect(),
    }
}

fn variant_facts(v: &VariantRun) -> VariantFacts {
    let t = &v.transcript;
    let waits = |direction| {
        held_segments(t, direction)
            .iter()
            .map(|h| h.waited_us)
            .collect::<Vec<_>>()
    };
    let acks = delayed_acks(t);
    let delays = |direction| {
        acks.iter()
            .filter(|a| a.direction == direction)
            .map(|a| a.delay_us)
            .collect::<Vec<_>>()
    };
    let latencies_us: Vec<u64> = v.latencies.iter().map(|d| d.as_micros() as u64).collect();
    VariantFacts {
        variant: v.variant,
        median_us: median(&latencies_us),
        slowest_us: latencies_us.iter().max().copied().unwrap_or(0),
        latencies_us,
        request_waits_us: waits(Direction::ToServer),
        reply_waits_us: waits(Direction::ToClient),
        server_ack_delays_us: delays(Direction::ToClient),
        client_ack_delays_us: delays(Direction::ToServer),
        seed: v.net.as_ref().and_then(|n| n.seed),
    }
}

/// The middle value of `values` (the lower middle for an even count); 0 when empty.
pub fn median(values: &[u64]) -> u64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted
        .get(sorted.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0)
}
