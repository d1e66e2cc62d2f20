//! The end of a trace: each connection's window and counts, judged per direction as
//! sticky-demo judges its run, for the final view and the JSON summaries. Across `--net`, each
//! connection also gets the link's packets that were its own, their `segment` events among
//! its calls, and the link's figures.

use super::connections::Connection;
use super::linked::Carried;
use super::record::Recorder;
use super::{ConnectionReport, DirectionReport, ProgramReport, TraceReport};
use crate::analysis;
use crate::analysis::link::{held_segments, link_facts};
use crate::analysis::segments::link_segments;
use crate::net::link::NetSpec;
use crate::transcript::{Direction, Event, EventNote, Op, Transcript, Wire};

impl Recorder {
    /// Everything recorded, as the views want it; `carried`: what the `--net` link carried.
    pub fn finish(
        self,
        programs: Vec<ProgramReport>,
        interrupted: bool,
        carried: Option<Carried>,
    ) -> TraceReport {
        let events = self.events;
        let conns = self.conns.list;
        let (net, mut own, other_packets) = match carried {
            Some(carried) => {
                let spec = carried.spec.clone();
                let pairs: Vec<_> = conns.iter().map(|c| (c.client, c.server)).collect();
                let (own, others) = carried.split(&pairs);
                (Some(spec), own.into_iter().map(Some).collect(), others)
            }
            None => (None, Vec::new(), Wire::default()),
        };
        own.resize_with(conns.len(), || None);
        let connections = conns
            .into_iter()
            .zip(own)
            .map(|(conn, own)| connection_report(conn, own, net.as_ref()))
            .collect();
        TraceReport {
            programs,
            connections,
            other_packets,
            events,
            interrupted,
            interrupted_by: None,
            recv_max: None,
            send_max: None,
            reader_delay_ms: 0,
            net,
        }
    }
}

/// One connection's report; `own`: its packets and `segment` events from the link, and
/// `spec` the link's, with `--net`.
fn connection_report(
    conn: Connection,
    own: Option<(Wire, Vec<Event>)>,
    spec: Option<&NetSpec>,
) -> ConnectionReport {
    let (client_traced, server_traced) = conn.traced();
    let window = conn.window;
    let mut gap = (window.dropped > 0).then_some((window.head.len(), window.dropped));
    let (mut events, mut wire) = (window.head, Wire::default());
    events.extend(window.tail);
    let linked = own.is_some();
    if let Some((own, segments)) = own {
        (events, gap) = with_segments(events, gap, segments);
        wire = own;
    }
    let transcript = Transcript {
        messages: Vec::new(),
        spans: Vec::new(),
        events,
        wire,
    };
    let largest_recv = |direction| {
        transcript
            .events
            .iter()
            .filter(|e| e.direction == Some(direction))
            .filter_map(|e| e.call.as_ref()?.asked)
            .max()
            .unwrap_or(0) as usize
    };
    let [to_server, to_client] = conn.streams;
    let directions = [
        (Direction::ToServer, to_server, client_traced, server_traced),
        (Direction::ToClient, to_client, server_traced, client_traced),
    ]
    .map(|(direction, stream, sender_traced, receiver_traced)| {
        let counts = stream.counter.counts(stream.messages);
        let error = stream
            .error
            .map(|(errno, syscall)| EventNote::Errno { syscall, errno });
        DirectionReport {
            direction,
            counts,
            messages: stream.messages,
            summary: analysis::stream_summary(&analysis::StreamFacts {
                counts,
                messages: stream.messages,
                // Read as close() begins, TCP_INFO misses what the close itself pushes out
                // (sends Nagle still held): across a link, the link's count says it instead.
                data_segments_out: stream.data_segs_out.filter(|_| !linked),
                nodelay: stream.nodelay,
                error,
                largest_recv: largest_recv(direction),
            }),
            legend: stream.legend,
            sender_traced,
            receiver_traced,
            on_link: linked.then(|| link_segments(&transcript, direction, counts.sends)),
        }
    });
    let link = spec.filter(|_| linked).map(|spec| {
        let mut facts = link_facts(&transcript, spec);
        // Replies wait for ACKs too: a traced connection talks both ways.
        facts
            .held
            .extend(held_segments(&transcript, Direction::ToClient));
        facts
    });
    ConnectionReport {
        id: conn.id,
        client: conn.client,
        server: conn.server,
        pids: conn.pids,
        transcript,
        gap,
        directions,
        link,
    }
}

/// When an event shows in the view: a send at its call, anything else at its return.
fn shown_at(event: &Event) -> u64 {
    match &event.call {
        Some(call) if event.op != Op::Send => call.t_return_us,
        _ => event.t_us,
    }
}

/// The calls with the link's `segment` events among them, each where it happened; the calls
/// keep their order. Segments that fall in a long connection's left-out middle are left out
/// too (and counted in the gap, whose place moves by the segments before it).
fn with_segments(
    calls: Vec<Event>,
    gap: Option<(usize, usize)>,
    segments: Vec<Event>,
) -> (Vec<Event>, Option<(usize, usize)>) {
    let head_len = gap.map_or(calls.len(), |(after, _)| after);
    let head_end = calls[..head_len].iter().map(shown_at).max().unwrap_or(0);
    let tail_start = calls[head_len..]
        .iter()
        .map(shown_at)
        .min()
        .unwrap_or(u64::MAX);
    let mut merged = Vec::with_capacity(calls.len() + segments.len());
    let mut segments = segments.into_iter().peekable();
    let mut left_out = 0;
    let mut gap_at = None;
    for (i, call) in calls.into_iter().enumerate() {
        if gap.is_some() && i == head_len {
            // The head is over: segments up to its last call came before; those up to the
            // tail's first call fell in the gap.
            while let Some(s) = segments.next_if(|s| s.t_us < tail_start) {
                if s.t_us <= head_end {
                    merged.push(s);
                } else {
                    left_out += 1;
                }
            }
            gap_at = Some(merged.len());
        }
        let at = shown_at(&call);
        while let Some(s) = segments.next_if(|s| s.t_us <= at) {
            merged.push(s);
        }
        merged.push(call);
    }
    merged.extend(segments);
    let gap = gap.map(|(after, dropped)| (gap_at.unwrap_or(after), dropped + left_out));
    (merged, gap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Side;

    fn event(op: Op, t_us: u64) -> Event {
        Event::new(0, t_us, Side::Client, op)
    }

    fn times(events: &[Event]) -> Vec<(Op, u64)> {
        events.iter().map(|e| (e.op, e.t_us)).collect()
    }

    #[test]
    fn segments_go_where_they_happened_and_the_gap_moves_with_them() {
        let calls = vec![
            event(Op::Send, 10),
            event(Op::Send, 20),
            event(Op::Recv, 500),
            event(Op::Recv, 600),
        ];
        let segments = vec![
            event(Op::Segment, 15),
            event(Op::Segment, 100),
            event(Op::Segment, 550),
            event(Op::Segment, 700),
        ];
        let (merged, gap) = with_segments(calls.clone(), None, segments.clone());
        assert_eq!(
            times(&merged),
            [
                (Op::Send, 10),
                (Op::Segment, 15),
                (Op::Send, 20),
                (Op::Segment, 100),
                (Op::Recv, 500),
                (Op::Segment, 550),
                (Op::Recv, 600),
                (Op::Segment, 700)
            ]
        );
        assert_eq!(gap, None);
        // Two calls shown, a gap of 40 left out, two more: the segment at 100 fell in it.
        let (merged, gap) = with_segments(calls, Some((2, 40)), segments);
        assert_eq!(gap, Some((3, 41)));
        assert_eq!(merged.len(), 7);
        assert_eq!(merged[3].t_us, 500);
    }
}
