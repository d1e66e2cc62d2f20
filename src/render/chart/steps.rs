//! The transcript's events as steps: what each one is called, which column of the table and
//! which lifeline it belongs to, and the lines that label it. The chart draws a step as a call
//! (a send() bar, a recv() box), a line of text, or a segment on the wire; the HTML page
//! steps through them in order, as `--step` does.

use crate::render::text::{Line, Look, Run, piece_name, runs_of, text_lines, wrap_words};
use crate::render::words::Words;
use crate::transcript::{CallSpan, Direction, Event, Op, Part, Piece, Side, Transcript};

/// Columns of label text beside a lifeline.
pub const LABEL_COLUMNS: usize = 34;
/// Lines of bytes a label shows at most.
const PREVIEW_LINES: usize = 2;

/// Which column of the side-by-side table a step sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Client,
    Wire,
    Server,
}

impl Column {
    pub fn of(side: Side) -> Column {
        match side {
            Side::Client => Column::Client,
            Side::Server => Column::Server,
        }
    }
}

/// A call drawn as a bar or a box on its side's lifeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Send,
    Recv,
    /// recv() returned 0: the peer closed its side.
    Eof,
}

impl CallKind {
    /// The class its mark carries in the SVG (tests count marks by it).
    pub fn class(self) -> &'static str {
        match self {
            CallKind::Send => "send",
            CallKind::Recv => "recv",
            CallKind::Eof => "eof",
        }
    }
}

/// One share of a call's bytes: a piece of a message, or bytes of the reply stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub share: f64,
    /// The message (from 1); 0 for the reply stream, which holds no message pieces.
    pub message: usize,
    pub part: Part,
}

/// What a step draws.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Call {
        kind: CallKind,
        side: Side,
        call: CallSpan,
        bands: Vec<Band>,
    },
    /// A line of text on a lifeline: a note, close(), connect(), a decoded frame, an error.
    Text { side: Side, class: &'static str },
    /// A segment on the wire; `packet` is its number in the wire model, when kept there.
    Segment { packet: Option<usize> },
}

/// One event shown: its place in the table and the lines that label it.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The event's `seq` in the transcript (and in the JSON).
    pub seq: usize,
    pub t_us: u64,
    pub column: Column,
    pub lines: Vec<Line>,
    pub shape: Shape,
}

/// The events worth a step, in transcript order. Socket set-up and the closing TCP_INFO count
/// are left to the caption, as the side-by-side view does.
pub fn steps_of(t: &Transcript, words: Words, udp: bool) -> Vec<Step> {
    t.events
        .iter()
        .filter_map(|e| step_of(t, e, words, udp))
        .collect()
}

fn step_of(t: &Transcript, e: &Event, words: Words, udp: bool) -> Option<Step> {
    let detail = words.event_detail(e).unwrap_or_default();
    let detail = detail.as_str();
    let text = |lines: Vec<Line>, class: &'static str| Step {
        seq: e.seq,
        t_us: e.t_us,
        column: Column::of(e.side),
        lines,
        shape: Shape::Text {
            side: e.side,
            class,
        },
    };
    let one = |s: String, look| {
        wrap_words(&s, LABEL_COLUMNS)
            .into_iter()
            .map(|l| Line::of(l, look))
            .collect()
    };
    Some(match e.op {
        Op::Sockopt | Op::Bind | Op::Listen => return None,
        // A traced program's own life (socket(), fork, exec, exit) is the log's, not the chart's.
        Op::Socket | Op::Fork | Op::Thread | Op::Exec | Op::Exit => return None,
        Op::Shutdown => text(one(format!("shutdown {detail}"), Look::Dim), "shutdown"),
        Op::Note if e.data_segs_out.is_some() => return None,
        Op::Send | Op::Recv | Op::Eof => call_step(t, e, words, udp),
        Op::Segment => Step {
            seq: e.seq,
            t_us: e.t_us,
            column: Column::Wire,
            lines: Vec::new(),
            shape: Shape::Segment { packet: e.packet },
        },
        Op::Connect => text(
            one(format!("{} {detail}", words.connect()), Look::Dim),
            "connect",
        ),
        Op::Accept => text(
            one(format!("{} {detail}", words.accept()), Look::Dim),
            "accept",
        ),
        Op::Close => text(one(words.close().into(), Look::Dim), "close"),
        Op::Note => text(one(detail.into(), Look::Dim), "note"),
        Op::Error => text(one(words.error(detail), Look::Bad), "error"),
        Op::Truncated => text(one(words.truncated(detail), Look::Bad), "truncated"),
        Op::Frame => {
            let n = e.message.unwrap_or(0);
            let intact = t.messages.get(n.wrapping_sub(1)) == Some(&e.bytes);
            let look = if intact { Look::Good } else { Look::Bad };
            text(one(words.frame(n, intact), look), "frame")
        }
    })
}

/// The direction an event's bytes travel: a send puts bytes on its side's way out, a recv
/// takes them from the other side's.
pub fn direction_of(e: &Event) -> Direction {
    let out = match e.side {
        Side::Client => Direction::ToServer,
        Side::Server => Direction::ToClient,
    };
    if e.op == Op::Send { out } else { out.reverse() }
}

fn call_step(t: &Transcript, e: &Event, words: Words, udp: bool) -> Step {
    let kind = match e.op {
        Op::Send => CallKind::Send,
        Op::Recv => CallKind::Recv,
        _ => CallKind::Eof,
    };
    let offset = e.offset.unwrap_or(0);
    // A traced call's `bytes` may be only the first of them.
    let len = e.len();
    let pieces = stream_pieces(t, e);
    let head = match (kind, pieces.is_some()) {
        (CallKind::Eof, _) => words.eof().to_string(),
        (CallKind::Send, true) => words.send(len, offset),
        (CallKind::Recv, true) => words.recv(udp, len, offset),
        (CallKind::Send, false) => words.reply_bytes("send()", len),
        (CallKind::Recv, false) => words.reply_bytes("recv()", len),
    };
    let mut lines = vec![Line::of(head, Look::Heading)];
    let bands = match &pieces {
        Some(pieces) => {
            if !e.bytes.is_empty() {
                lines.extend(preview(&e.bytes, pieces));
            }
            if !pieces.is_empty() {
                lines.push(piece_names(t, pieces, LABEL_COLUMNS));
            }
            pieces
                .iter()
                .map(|p| Band {
                    share: (p.to - p.from) as f64 / len.max(1) as f64,
                    message: p.message,
                    part: p.part,
                })
                .collect()
        }
        None if len > 0 => {
            let runs = [Run {
                bytes: &e.bytes,
                message: 0,
                part: Part::Payload,
            }];
            lines.extend(text_lines(&runs, 0, LABEL_COLUMNS, PREVIEW_LINES));
            vec![Band {
                share: 1.0,
                message: 0,
                part: Part::Payload,
            }]
        }
        None => Vec::new(),
    };
    let call = e.timing.unwrap_or(CallSpan {
        called_us: e.t_us,
        returned_us: e.t_us,
    });
    Step {
        seq: e.seq,
        t_us: e.t_us,
        column: Column::of(e.side),
        lines,
        shape: Shape::Call {
            kind,
            side: e.side,
            call,
            bands,
        },
    }
}

/// The message pieces of a send's or recv's bytes; `None` for bytes of a lesson's reply
/// stream, which its spans do not describe (a traced call names its pieces both ways).
fn stream_pieces(t: &Transcript, e: &Event) -> Option<Vec<Piece>> {
    let traced = e.call.as_ref().is_some_and(|c| c.pieces.is_some());
    (traced || direction_of(e) == Direction::ToServer).then(|| t.pieces_of(e))
}

/// The bytes as text, each piece in its message's colour.
pub fn preview(bytes: &[u8], pieces: &[Piece]) -> Vec<Line> {
    text_lines(&runs_of(pieces, bytes), 0, LABEL_COLUMNS, PREVIEW_LINES)
}

/// `m1[3..5] h2=6 m2[0..1]`, each name in its message's colour, cut to `columns`.
pub fn piece_names(t: &Transcript, pieces: &[Piece], columns: usize) -> Line {
    let mut line = Line::new();
    for (i, p) in pieces.iter().enumerate() {
        let name = piece_name(t, p);
        let more = format!("… +{}", pieces.len() - i);
        if i > 0 && line.width() + 1 + name.len() + more.len() + 1 > columns {
            line.push(format!(" {more}"), Look::Dim);
            break;
        }
        if i > 0 {
            line.push(" ", Look::Plain);
        }
        line.push(name, Look::Label(p.message));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    fn sticky() -> Transcript {
        let mut t = Transcript::of_messages(vec![b"hello".to_vec(), b"byebye".to_vec()], 0);
        t.push(0, Side::Server, Op::Listen);
        t.push(10, Side::Client, Op::Send).with_bytes(0, b"hello");
        t.push(20, Side::Client, Op::Send).with_bytes(5, b"byebye");
        t.push(30, Side::Server, Op::Recv)
            .with_bytes(0, b"hellobye");
        t.push(40, Side::Server, Op::Recv).with_bytes(8, b"bye");
        t
    }

    #[test]
    fn a_recv_names_the_pieces_it_holds_and_its_byte_range() {
        let steps = steps_of(&sticky(), Words(Lang::En), false);
        assert_eq!(steps.len(), 4, "listen() is left to the caption");
        let recv = &steps[2];
        assert_eq!(recv.column, Column::Server);
        let text: Vec<String> = recv
            .lines
            .iter()
            .map(|l| l.chunks.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(text[0], "recv() 8 B · bytes 0..8");
        assert_eq!(text.last().unwrap(), "m1 m2[0..3]");
        let Shape::Call { bands, .. } = &recv.shape else {
            panic!("a recv is a call");
        };
        assert_eq!(bands.len(), 2);
        assert!((bands[0].share - 5.0 / 8.0).abs() < 1e-9);
    }

    #[test]
    fn bytes_of_the_reply_stream_hold_no_message_pieces() {
        let mut t = sticky();
        t.events.clear();
        t.push(0, Side::Server, Op::Send).with_bytes(0, b"HELLO");
        let steps = steps_of(&t, Words(Lang::Zh), false);
        let Shape::Call { bands, .. } = &steps[0].shape else {
            panic!("a send is a call");
        };
        assert_eq!(bands[0].message, 0);
        assert!(steps[0].lines[0].chunks[0].text.contains("回复方向"));
    }
}
