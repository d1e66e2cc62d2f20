//! The end of a trace: each connection's window and counts, judged per direction as
//! sticky-demo judges its run, for the final view and the JSON summaries.

use super::connections::Connection;
use super::record::Recorder;
use super::{ConnectionReport, DirectionReport, ProgramReport, TraceReport};
use crate::analysis;
use crate::transcript::{Direction, EventNote, Transcript};

impl Recorder {
    /// Everything recorded, as the views want it.
    pub fn finish(self, programs: Vec<ProgramReport>, interrupted: bool) -> TraceReport {
        let events = self.events;
        TraceReport {
            programs,
            connections: self.conns.list.into_iter().map(connection_report).collect(),
            events,
            interrupted,
            recv_max: None,
            send_max: None,
            reader_delay_ms: 0,
        }
    }
}

fn connection_report(conn: Connection) -> ConnectionReport {
    let (client_traced, server_traced) = conn.traced();
    let window = conn.window;
    let gap = (window.dropped > 0).then_some((window.head.len(), window.dropped));
    let mut events = window.head;
    events.extend(window.tail);
    let largest_recv = |direction| {
        events
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
                data_segments_out: stream.data_segs_out,
                nodelay: stream.nodelay,
                error,
                largest_recv: largest_recv(direction),
            }),
            legend: stream.legend,
            sender_traced,
            receiver_traced,
        }
    });
    ConnectionReport {
        id: conn.id,
        client: conn.client,
        server: conn.server,
        pids: conn.pids,
        transcript: Transcript {
            messages: Vec::new(),
            spans: Vec::new(),
            events,
            wire: Default::default(),
        },
        gap,
        directions,
    }
}
