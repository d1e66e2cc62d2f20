//! The chart laid out once, from a transcript: where each call, line of text and packet goes
//! on the page. `svg.rs` draws it; `html.rs` draws it and steps through it. Nothing here knows
//! which lesson made the transcript: a traced program's or the `--net` link's transcript is
//! laid out the same way.

use super::packets::{self, Group, PacketKind};
use super::steps::{self, Band, CallKind, Shape, Step};
use super::timeline::{self, Break, Key, Room};
use crate::render::text::{Line, Look, Run, text_lines, wrap_words};
use crate::render::words::Words;
use crate::transcript::{Direction, EventNote, Fate, Part, Side, Transcript, WirePacket};

/// The page's width, and where the two lifelines stand.
pub const WIDTH: f64 = 1000.0;
pub const CLIENT_X: f64 = 330.0;
pub const SERVER_X: f64 = 670.0;
/// The right edge of the time column.
pub const TIME_RIGHT: f64 = 48.0;
/// The height of a line of label text (12 px monospace), and a character's width in it.
pub const LINE: f64 = 15.0;
pub const CHAR_W: f64 = 7.25;
/// Columns of text that fit across the page.
pub const PAGE_COLUMNS: usize = 132;
/// Space between one mark and the next.
const GAP: f64 = 8.0;
/// A send() bar's least height; how far a recv() box reaches below its return.
pub const BAR_MIN: f64 = 14.0;
pub const BOX_END: f64 = 14.0;
/// Above this many steps and arrows, the middle of the run is left out of the chart.
const MAX_ITEMS: usize = 600;
const HEAD_ITEMS: usize = 450;
/// At most this many dotted lines from send() to recv().
const MAX_FLOWS: usize = 300;

/// The x of a side's lifeline.
pub fn lane_x(side: Side) -> f64 {
    match side {
        Side::Client => CLIENT_X,
        Side::Server => SERVER_X,
    }
}

/// The words around a chart: made by the caller from what it knows (a lesson's knobs, a
/// traced program's command line) in the chart's language.
#[derive(Debug, Clone, PartialEq)]
pub struct Caption {
    pub title: String,
    /// Lines under the title: knobs, what the arrows are, the key to piece names.
    pub lines: Vec<String>,
    /// `(label, text, look)` under the chart: measured figures, the verdict, what next.
    pub footer: Vec<(String, String, Look)>,
    /// The server column's heading in the table, e.g. `server: recv(1024)`.
    pub server_column: String,
}

/// Where a packet's arrow ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Delivered,
    /// Dropped on the path: the arrow stops half-way, in a ✕.
    Dropped,
    /// Its arrival was not seen.
    Unknown,
}

/// A packet's arrow, or a bundle's band.
#[derive(Debug, Clone, PartialEq)]
pub struct PacketDrawing {
    pub direction: Direction,
    pub kind: PacketKind,
    pub sent_y: f64,
    pub end_y: f64,
    /// A bundle's last segment: when it left and arrived (equal to the first for a packet).
    pub last_sent_y: f64,
    pub last_end_y: f64,
    pub end: End,
    pub lines: Vec<Line>,
    /// The message whose colour the arrow takes, when it holds bytes of one message only.
    pub message: Option<usize>,
    /// Packets it stands for, and how many of them carry data.
    pub packets: usize,
    pub data: usize,
    pub retransmission: bool,
}

/// What a mark draws.
#[derive(Debug, Clone, PartialEq)]
pub enum Drawing {
    Call {
        kind: CallKind,
        side: Side,
        top: f64,
        bottom: f64,
        /// Where its label's first line goes.
        label_y: f64,
        bands: Vec<Band>,
    },
    Text {
        side: Side,
        y: f64,
        class: &'static str,
    },
    Packet(PacketDrawing),
}

/// One thing drawn, tied to the step that shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// The step (from 1) at which the mark appears.
    pub step: usize,
    /// The transcript event's seq, for calls and text (0 for packets not tied to an event).
    pub seq: usize,
    pub t_us: u64,
    pub lines: Vec<Line>,
    pub drawing: Drawing,
}

/// A dotted line from a send() to a recv() that returned some of its bytes (drawn when the
/// packets are not known).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flow {
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub message: usize,
    pub step: usize,
}

/// The middle of a long run, left out of the chart and the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elided {
    pub events: usize,
    pub packets: usize,
    /// How many of the steps shown come before the gap.
    pub after_step: usize,
}

/// The laid-out chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub words: Words,
    pub caption: Caption,
    /// The title, the caption's lines and the legend, wrapped to the page.
    pub header: Vec<Line>,
    /// Where the lifelines start and end.
    pub top: f64,
    pub bottom: f64,
    pub steps: Vec<Step>,
    pub marks: Vec<Mark>,
    pub flows: Vec<Flow>,
    pub breaks: Vec<Break>,
    /// What a long run's middle left out.
    pub elided: Option<Elided>,
}

/// Where the header's first line sits, and the room the lane titles take under the header.
pub const HEADER_TOP: f64 = 24.0;
const LANE_TITLES: f64 = 40.0;

/// Lay out `t`'s events and packets under the caption.
pub fn lay_out(t: &Transcript, caption: Caption, words: Words, udp: bool) -> Chart {
    let header = header(&caption, t, words);
    let top = HEADER_TOP + header.len() as f64 * LINE + LANE_TITLES;
    let all_steps = steps::steps_of(t, words, udp);
    let step_times: Vec<u64> = all_steps.iter().map(|s| s.t_us).collect();
    let all_groups = packets::group(&t.wire, &step_times);
    let cut = elision(&all_steps, &all_groups, t);
    let hidden = |t_us: u64| cut.is_some_and(|(from, to, ..)| (from..to).contains(&t_us));
    let mut shown: Vec<Step> = all_steps.into_iter().filter(|s| !hidden(s.t_us)).collect();
    let groups: Vec<Group> = all_groups
        .into_iter()
        .filter(|g| !hidden(g.first(&t.wire).sent_us))
        .collect();
    for step in &mut shown {
        if let Shape::Segment { packet } = step.shape {
            step.lines = segment_lines(t, packet, step, words);
        }
    }
    let group_steps = steps_of_groups(t, &shown, &groups);

    let mut keys = Vec::new();
    let step_keys: Vec<usize> = shown.iter().map(|s| push_step_keys(s, &mut keys)).collect();
    let group_keys: Vec<usize> = groups
        .iter()
        .map(|g| push_group_keys(t, g, words, &mut keys))
        .collect();
    if let Some((_, to, ..)) = cut {
        keys.push(Key {
            t_us: to,
            rank: 0,
            room: Room::Elision,
        });
    }
    let line = timeline::lay_out(&keys, top);

    let mut marks = Vec::new();
    for (i, step) in shown.iter().enumerate() {
        if let Some(mark) = step_mark(t, step, i + 1, &line.ys[step_keys[i]..]) {
            marks.push(mark);
        }
    }
    for (g, group) in groups.iter().enumerate() {
        let ys = &line.ys[group_keys[g]..];
        marks.push(group_mark(t, group, group_steps[g], ys, words));
    }
    let flows = if groups.is_empty()
        && !shown
            .iter()
            .any(|s| matches!(s.shape, Shape::Segment { .. }))
    {
        flows(t, &marks)
    } else {
        Vec::new()
    };
    let elided = cut.map(|(from, _, events, packets)| Elided {
        events,
        packets,
        after_step: shown.partition_point(|s| s.t_us < from),
    });
    Chart {
        words,
        caption,
        header,
        top,
        bottom: line.bottom + GAP,
        steps: shown,
        marks,
        flows,
        breaks: line.breaks,
        elided,
    }
}

/// For a long run: the time window left out, and how many events and packets were in it.
fn elision(steps: &[Step], groups: &[Group], t: &Transcript) -> Option<(u64, u64, usize, usize)> {
    let mut times: Vec<u64> = steps.iter().map(|s| s.t_us).collect();
    times.extend(groups.iter().map(|g| g.first(&t.wire).sent_us));
    if times.len() <= MAX_ITEMS {
        return None;
    }
    times.sort_unstable();
    let (from, to) = (
        times[HEAD_ITEMS],
        times[times.len() - (MAX_ITEMS - HEAD_ITEMS)],
    );
    if from >= to {
        return None;
    }
    let inside = |t_us: u64| (from..to).contains(&t_us);
    let events = steps.iter().filter(|s| inside(s.t_us)).count();
    let packets = groups
        .iter()
        .filter(|g| inside(g.first(&t.wire).sent_us))
        .map(|g| g.members.len())
        .sum();
    Some((from, to, events, packets))
}

/// A segment step's lines in the table: its own packet's head, pieces and notes.
fn segment_lines(t: &Transcript, packet: Option<usize>, step: &Step, words: Words) -> Vec<Line> {
    match packet.and_then(|n| t.wire.packet(n)) {
        Some(p) => {
            let single = Group {
                members: vec![p.number - 1],
                direction: p.direction,
                kind: PacketKind::Data,
                data: 1,
            };
            packets::label(t, &single, words)
        }
        None => {
            let e = &t.events[step.seq - 1];
            let mut lines = vec![Line::of(format!("{} B", e.bytes.len()), Look::Plain)];
            let pieces = t.pieces(e.offset.unwrap_or(0), e.bytes.len());
            lines.push(steps::piece_names(t, &pieces, steps::LABEL_COLUMNS));
            lines.extend(words.event_detail(e).map(|d| Line::of(d, Look::Bad)));
            lines
        }
    }
}

/// The step at which each group appears: the segment event that recorded it, else the latest
/// step at or before it left (and never before the group ahead of it), else the first after.
fn steps_of_groups(t: &Transcript, shown: &[Step], groups: &[Group]) -> Vec<usize> {
    let mut linked = std::collections::HashMap::new();
    for (i, step) in shown.iter().enumerate() {
        if let Shape::Segment { packet: Some(n) } = step.shape {
            linked.entry(n).or_insert(i + 1);
        }
    }
    let mut floor = 1;
    groups
        .iter()
        .map(|g| {
            let linked_step = g
                .members
                .iter()
                .find_map(|&i| linked.get(&t.wire.packets[i].number).copied());
            let sent = g.first(&t.wire).sent_us;
            let step = linked_step.unwrap_or_else(|| {
                let at_or_before = shown.partition_point(|s| s.t_us <= sent);
                at_or_before.max(floor).clamp(1, shown.len().max(1))
            });
            floor = floor.max(step);
            step
        })
        .collect()
}

/// The keys a step needs; returns the index of its first.
fn push_step_keys(step: &Step, keys: &mut Vec<Key>) -> usize {
    let first = keys.len();
    let label = step.lines.len().max(1) as f64 * LINE;
    match &step.shape {
        Shape::Call {
            kind: CallKind::Send,
            call,
            ..
        } => {
            keys.push(Key {
                t_us: call.called_us,
                rank: 2,
                room: Room::Mark {
                    above: 0.0,
                    below: label.max(BAR_MIN) + GAP,
                },
            });
            keys.push(Key {
                t_us: call.returned_us,
                rank: 3,
                room: Room::Free,
            });
        }
        Shape::Call { call, .. } => {
            keys.push(Key {
                t_us: call.called_us,
                rank: 0,
                room: Room::Clear,
            });
            keys.push(Key {
                t_us: call.returned_us,
                rank: 3,
                room: Room::Mark {
                    above: 0.0,
                    below: label.max(BOX_END) + GAP,
                },
            });
        }
        Shape::Text { .. } => keys.push(Key {
            t_us: step.t_us,
            rank: 2,
            room: Room::Mark {
                above: 0.0,
                below: label + GAP,
            },
        }),
        // A segment without a packet in the wire model: a flat arrow at its time.
        Shape::Segment { packet } => keys.push(Key {
            t_us: step.t_us,
            rank: 2,
            room: Room::Mark {
                above: if packet.is_some() { 0.0 } else { LINE },
                below: if packet.is_some() { 0.0 } else { label + GAP },
            },
        }),
    }
    first
}

/// The keys a packet group needs: when its first and last packets left and arrived.
fn push_group_keys(t: &Transcript, g: &Group, words: Words, keys: &mut Vec<Key>) -> usize {
    let first_index = keys.len();
    let (first, last) = (g.first(&t.wire), g.last(&t.wire));
    let lines = packets::label(t, g, words).len() as f64;
    let room = if g.kind == PacketKind::Ack {
        Room::Mark {
            above: 11.0,
            below: 4.0,
        }
    } else {
        Room::Mark {
            above: LINE,
            below: (lines - 1.0).max(0.0) * LINE + GAP,
        }
    };
    // Never before it left: two clocks' readings can disagree by a few microseconds.
    let arrival = |p: &WirePacket| p.delivered_us().unwrap_or(p.sent_us).max(p.sent_us);
    for (t_us, rank, room) in [
        (first.sent_us, 2, room),
        (arrival(first), 1, Room::Free),
        (last.sent_us, 2, Room::Free),
        (arrival(last), 1, Room::Free),
    ] {
        keys.push(Key { t_us, rank, room });
    }
    first_index
}

/// The mark of a step placed at `ys` (its keys' y, from its first); `None` for a segment,
/// which its packet's group draws.
fn step_mark(t: &Transcript, step: &Step, number: usize, ys: &[f64]) -> Option<Mark> {
    let drawing = match &step.shape {
        Shape::Call {
            kind, side, bands, ..
        } => {
            // Tall enough to show its bands beside its label.
            let label = step.lines.len() as f64 * LINE - 4.0;
            let (top, bottom, label_y) = match kind {
                CallKind::Send => (ys[0], ys[1].max(ys[0] + label.max(BAR_MIN)), ys[0]),
                _ => (ys[0], ys[1] + label.max(BOX_END), ys[1]),
            };
            Drawing::Call {
                kind: *kind,
                side: *side,
                top,
                bottom,
                label_y,
                bands: bands.clone(),
            }
        }
        Shape::Text { side, class } => Drawing::Text {
            side: *side,
            y: ys[0],
            class,
        },
        Shape::Segment { packet: Some(n) } if t.wire.packet(*n).is_some() => return None,
        Shape::Segment { .. } => Drawing::Packet(PacketDrawing {
            direction: Direction::ToServer,
            kind: PacketKind::Data,
            sent_y: ys[0],
            end_y: ys[0],
            last_sent_y: ys[0],
            last_end_y: ys[0],
            end: End::Delivered,
            lines: step.lines.clone(),
            message: single_message(&step.lines),
            packets: 1,
            data: 1,
            retransmission: t.events[step.seq - 1].note == Some(EventNote::Retransmission),
        }),
    };
    Some(Mark {
        step: number,
        seq: step.seq,
        t_us: step.t_us,
        lines: step.lines.clone(),
        drawing,
    })
}

fn group_mark(t: &Transcript, g: &Group, step: usize, ys: &[f64], words: Words) -> Mark {
    let first = g.first(&t.wire);
    let lines = packets::label(t, g, words);
    let (end, end_y) = match first.fate {
        Fate::Delivered { .. } => (End::Delivered, ys[1].max(ys[0])),
        Fate::Dropped { .. } => (End::Dropped, ys[0] + 8.0),
        Fate::Unknown => (End::Unknown, ys[0]),
    };
    Mark {
        step,
        seq: 0,
        t_us: first.sent_us,
        lines: lines.clone(),
        drawing: Drawing::Packet(PacketDrawing {
            direction: g.direction,
            kind: g.kind,
            sent_y: ys[0],
            end_y,
            last_sent_y: ys[2],
            last_end_y: if g.is_bundle() {
                ys[3].max(ys[2])
            } else {
                end_y
            },
            end,
            message: single_message(&lines),
            lines,
            packets: g.members.len(),
            data: g.data,
            retransmission: first.retransmission,
        }),
    }
}

/// The message named by every piece label in `lines`, if there is exactly one.
fn single_message(lines: &[Line]) -> Option<usize> {
    let mut named = lines
        .iter()
        .flat_map(|l| &l.chunks)
        .filter_map(|c| match c.look {
            Look::Label(n) => Some(n),
            _ => None,
        });
    let first = named.next()?;
    named.all(|n| n == first).then_some(first)
}

/// Dotted lines from each send() to the recv() calls that returned its bytes.
fn flows(t: &Transcript, marks: &[Mark]) -> Vec<Flow> {
    let call_of = |m: &Mark| match &m.drawing {
        Drawing::Call {
            kind,
            side,
            top,
            label_y,
            ..
        } => {
            let e = &t.events[m.seq - 1];
            let range = e.offset.unwrap_or(0)..e.offset.unwrap_or(0) + e.bytes.len() as u64;
            // From the top of a send's bar to where a recv returned.
            let y = if *kind == CallKind::Send {
                *top + 6.0
            } else {
                *label_y + 6.0
            };
            Some((*kind, *side, y, range, steps::direction_of(e), m.step))
        }
        _ => None,
    };
    let calls: Vec<_> = marks.iter().filter_map(call_of).collect();
    let mut flows = Vec::new();
    for (kind, side, y, range, direction, _) in &calls {
        if *kind != CallKind::Send || range.is_empty() {
            continue;
        }
        for (rkind, rside, ry, rrange, rdirection, rstep) in &calls {
            let overlap = range.start.max(rrange.start)..range.end.min(rrange.end);
            if *rkind != CallKind::Recv || rdirection != direction || overlap.is_empty() {
                continue;
            }
            let message = if *direction == Direction::ToServer {
                t.pieces(overlap.start, 1).first().map_or(0, |p| p.message)
            } else {
                0
            };
            flows.push(Flow {
                from: (lane_x(*side), *y),
                to: (lane_x(*rside), *ry),
                message,
                step: *rstep,
            });
            if flows.len() >= MAX_FLOWS {
                return flows;
            }
        }
    }
    flows
}

/// The title, the caption's lines wrapped to the page, and the legend: each message's name
/// and the start of its text, in its colour.
fn header(caption: &Caption, t: &Transcript, words: Words) -> Vec<Line> {
    const MAX_LEGEND: usize = 12;
    let mut lines = vec![Line::of(caption.title.clone(), Look::Heading)];
    for text in &caption.lines {
        lines.extend(
            wrap_words(text, PAGE_COLUMNS)
                .into_iter()
                .map(|l| Line::of(l, Look::Dim)),
        );
    }
    let mut legend = Line::of(words.messages(), Look::Dim);
    for (i, m) in t.messages.iter().enumerate().take(MAX_LEGEND) {
        let runs = [Run {
            bytes: m,
            message: i + 1,
            part: Part::Payload,
        }];
        let preview = text_lines(&runs, 0, 20, 1)
            .into_iter()
            .next()
            .unwrap_or_default();
        let name = format!("m{}", i + 1);
        if legend.width() + 3 + name.len() + preview.width() > PAGE_COLUMNS {
            lines.push(std::mem::replace(&mut legend, Line::of("  ", Look::Plain)));
        }
        legend.push("  ", Look::Plain);
        legend.push(name, Look::Label(i + 1));
        legend.push(" ", Look::Plain);
        legend.chunks.extend(preview.chunks);
    }
    if t.messages.len() > MAX_LEGEND {
        legend.push(format!("  … +{}", t.messages.len() - MAX_LEGEND), Look::Dim);
    }
    if !t.messages.is_empty() {
        lines.push(legend);
    }
    lines
}
