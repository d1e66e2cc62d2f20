//! The side-by-side view: the client's send() calls on the left, the server's recv() calls on
//! the right, one row per event in the order they happened, every byte coloured by the message
//! it belongs to. A recv holding three colours is a merge; a colour running on into the next
//! recv is a split.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

use super::ViewOptions;
use super::text::{
    Line, Look, Run, hex_lines, pad, pad_left, paint_wrapped, piece_name, runs_of, text_lines,
    wrap_line, wrap_words,
};
use super::words::Words;
use crate::analysis::Summary;
use crate::analysis::link::HeldSegment;
use crate::lesson::{ExchangeRun, Transport};
use crate::transcript::{Event, EventNote, Op, Part, Piece, Side, Transcript};

/// Width of the time column.
const TIME_WIDTH: usize = 6;
/// A column never gets narrower than this: the `send    5 B ` prefix and a few bytes.
const MIN_COLUMN: usize = 16;
/// The wire column's narrowest: its `→   5 B ` prefix is shorter than a side's.
const MIN_WIRE_COLUMN: usize = 12;
/// Columns each ` │ ` separator takes.
const SEPARATOR: usize = 3;
/// Lines of bytes a cell shows before it sums up the rest.
const MAX_BYTE_LINES: usize = 4;
/// Bytes per hex line (8 hex pairs and 8 printable characters fit a column).
const HEX_PER_LINE: usize = 8;
/// Beyond this many events the middle of the table is left out (the JSON has everything).
const MAX_ROWS: usize = 240;
const HEAD_ROWS: usize = 160;
/// Width of the labels before the verdict and the other footer lines.
pub(super) const FOOTER_LABEL: usize = 9;

/// Render the whole view: heading, table, figures and verdict.
pub fn render(run: &ExchangeRun, summary: &Summary, options: ViewOptions) -> String {
    let parts = render_parts(run, summary, options);
    let mut out = parts.head;
    out.extend(parts.events);
    out.push_str(&parts.foot);
    out
}

/// The view in pieces, for showing it one event at a time (`--step`, `--slow`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    /// Title, knobs, legend and the table's header.
    pub head: String,
    /// The rows of each event shown, in order.
    pub events: Vec<String>,
    /// The blank line after the table, the figures and the verdict.
    pub foot: String,
}

pub fn render_parts(run: &ExchangeRun, summary: &Summary, options: ViewOptions) -> Parts {
    let mut head = String::new();
    heading(run, options, &mut head);
    let held = summary.link.as_ref().map_or(&[][..], |l| &l.held[..]);
    let events = table(&lesson_table(run, held, options), options, &mut head);
    let mut foot = String::from("\n");
    footer(summary, run.transport, options, &mut foot);
    Parts { head, events, foot }
}

fn heading(run: &ExchangeRun, options: ViewOptions, out: &mut String) {
    let (width, words) = (options.width, options.words());
    let t = &run.transcript;
    let udp = run.transport == Transport::Udp;
    let title = words.title(run.lesson, udp, run.options.net.is_some());
    out.push_str(&paint_wrapped(&Line::of(title, Look::Heading), width, 0));
    let o = &run.options;
    // Nagle's algorithm is TCP's: a UDP run has no such knob.
    let nagle = (!udp).then_some(!o.nodelay);
    let knobs = format!(
        "{}{}",
        words.knobs_label(),
        words.knobs(o.recv_size, o.reader_delay, o.send_gap, nagle)
    );
    out.push_str(&paint_wrapped(&Line::of(knobs, Look::Dim), width, 0));
    if let Some(spec) = &run.options.net {
        let line = Line::of(words.spec_line(spec), Look::Dim);
        out.push_str(&paint_wrapped(&line, width, 0));
    }
    if let Some(framing) = &run.framing {
        for l in wrap_words(&words.framing_line(framing), width) {
            push_line(out, &Line::of(l, Look::Dim));
        }
    }
    for l in setup_summary(t, words)
        .iter()
        .flat_map(|s| wrap_words(s, width))
    {
        push_line(out, &Line::of(l, Look::Dim));
    }
    push_legend(t, width, words, out);
    out.push('\n');
}

/// Socket set-up in one line: the table is for the bytes. (`--json` lists every call.)
pub(super) fn setup_summary(t: &Transcript, words: Words) -> Option<String> {
    let first = |side, op| t.events_of(side, op).next();
    let detail = |side, op| first(side, op).and_then(|e| words.event_detail(e));
    let server: Vec<String> = [
        detail(Side::Server, Op::Bind).map(|a| format!("bind {a}")),
        detail(Side::Server, Op::Sockopt),
        detail(Side::Server, Op::Listen).map(|b| words.setup_listen(&b)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let connect = first(Side::Client, Op::Connect).map(|e| match &e.note {
        Some(EventNote::Connected { local, udp, .. }) => words.setup_connect(*local, *udp),
        _ => format!("connect {}", e.detail.as_deref().unwrap_or("?")),
    });
    let client: Vec<String> = [connect, detail(Side::Client, Op::Sockopt)]
        .into_iter()
        .flatten()
        .collect();
    if server.is_empty() && client.is_empty() {
        return None;
    }
    Some(words.setup_line(&server, &client))
}

/// Legend entries shown before the rest are summed up.
const MAX_LEGEND: usize = 12;

/// `messages: m1 hello  m2 byebye …`, each in its colour, wrapped to the view width.
fn push_legend(t: &Transcript, width: usize, words: Words, out: &mut String) {
    let mut line = Line::of(words.messages(), Look::Dim);
    for (i, message) in t.messages.iter().enumerate().take(MAX_LEGEND) {
        let n = i + 1;
        let runs = [Run {
            bytes: message,
            message: n,
            part: Part::Payload,
        }];
        let preview = text_lines(&runs, 0, 24, 1)
            .into_iter()
            .reduce(|mut a, b| {
                a.chunks.extend(b.chunks);
                a
            })
            .unwrap_or_default();
        let item_width = 2 + format!("m{n} ").len() + preview.width();
        if line.width() + item_width > width {
            push_line(out, &line);
            line = Line::of("         ", Look::Plain);
        }
        line.push("  ", Look::Plain);
        line.push(format!("m{n}"), Look::Label(n));
        line.push(" ", Look::Plain);
        line.chunks.extend(preview.chunks);
    }
    if t.messages.len() > MAX_LEGEND {
        line.push(
            words.more_messages(t.messages.len() - MAX_LEGEND),
            Look::Dim,
        );
    }
    push_line(out, &line);
}

/// Column widths: client and server, with the wire between them when segments were
/// captured, sharing what `width` leaves after the time column and the separators.
fn column_widths(t: &Transcript, width: usize) -> Vec<usize> {
    let columns = if t.events.iter().any(|e| e.op == Op::Segment) {
        3
    } else {
        2
    };
    let room = width.saturating_sub(TIME_WIDTH + columns * SEPARATOR);
    let side = (room / columns).max(MIN_COLUMN);
    if columns == 2 {
        vec![side, side]
    } else {
        // The wire column takes what is left after the two sides.
        vec![
            side,
            room.saturating_sub(2 * side).max(MIN_WIRE_COLUMN),
            side,
        ]
    }
}

/// Which column an event goes in.
fn column_of(event: &Event, columns: usize) -> usize {
    match (event.op, event.side) {
        (Op::Segment, _) => 1,
        (_, Side::Client) => 0,
        (_, Side::Server) => columns - 1,
    }
}

/// What the table shows: a transcript, its column titles, and the events left out of it.
pub(super) struct Table<'a> {
    pub transcript: &'a Transcript,
    /// Client, (wire,) server.
    pub titles: Vec<Line>,
    /// Events already dropped from the transcript: (after how many, how many).
    pub dropped: Option<(usize, usize)>,
    /// µs subtracted from every row's time (a traced connection counts from its first call).
    pub origin_us: u64,
    /// The segments the link held back (`--net`), drawn in the wire column.
    pub held: &'a [HeldSegment],
}

/// A lesson's table: the client's send() calls, (the wire,) the server's recv() calls.
fn lesson_table<'a>(
    run: &'a ExchangeRun,
    held: &'a [HeldSegment],
    options: ViewOptions,
) -> Table<'a> {
    let (t, words) = (&run.transcript, options.words());
    let mut titles = vec![Line::of(words.client_column(), Look::Heading)];
    let udp = run.transport == Transport::Udp;
    if column_widths(t, options.width).len() == 3 {
        titles.push(Line::of(words.segments_column(udp), Look::Heading));
    }
    titles.push(Line::of(
        words.server_column(udp, run.options.recv_size),
        Look::Heading,
    ));
    Table {
        transcript: t,
        titles,
        dropped: None,
        origin_us: 0,
        held,
    }
}

/// The table's header rows go to `out`; each event's rows come back as one block.
pub(super) fn table(table: &Table<'_>, options: ViewOptions, out: &mut String) -> Vec<String> {
    let t = table.transcript;
    let widths = column_widths(t, options.width);
    push_header(table, &widths, options.words(), out);
    let events = &t.events;
    let skipped = events.len().saturating_sub(MAX_ROWS);
    let (note_at, left_out) = table.dropped.unwrap_or((HEAD_ROWS, skipped));
    // Data segments counted before each send, to show what each send() put on the wire
    // (unless --wire captured the segments themselves).
    let mut segments_before = 0u32;
    let mut blocks = Vec::new();
    for (i, event) in events.iter().enumerate() {
        if left_out > 0 && i == note_at {
            let mut block = String::new();
            let note = options.words().rows_left_out(left_out);
            push_line(&mut block, &Line::of(note, Look::Dim));
            blocks.push(block);
        }
        if skipped > 0 && (HEAD_ROWS..HEAD_ROWS + skipped).contains(&i) {
            // Keep the running segment count right for the rows shown after the gap.
            if let (Op::Send, Some(now)) = (event.op, event.data_segs_out) {
                segments_before = now;
            }
            continue;
        }
        if !is_summed_up(event) {
            blocks.push(event_block(
                table,
                event,
                &widths,
                options,
                &mut segments_before,
            ));
        }
    }
    blocks
}

/// The column titles (wrapped in a narrow column) and the rule under them.
fn push_header(table: &Table<'_>, widths: &[usize], words: Words, out: &mut String) {
    let time_title = Line::of(pad_left(words.time_ms(), TIME_WIDTH), Look::Dim);
    let titles: Vec<Vec<Line>> = table
        .titles
        .iter()
        .zip(widths)
        .map(|(title, &width)| wrap_line(title, width, 0))
        .collect();
    let rows = titles.iter().map(Vec::len).max().unwrap_or(0);
    let empty = Line::new();
    for k in 0..rows {
        let time = if k == 0 { &time_title } else { &empty };
        let cells: Vec<&Line> = titles.iter().map(|t| t.get(k).unwrap_or(&empty)).collect();
        push_row(out, time, &cells, widths);
    }
    let rule: Vec<String> = std::iter::once(TIME_WIDTH)
        .chain(widths.iter().copied())
        .map(|w| "─".repeat(w))
        .collect();
    let _ = writeln!(out, "{}", super::style::dim(&rule.join("─┼─")));
}

/// One event's rows: its time, and its cell in its column; under a send, what TCP_INFO
/// counted (`segments_before`: the count before it).
fn event_block(
    table: &Table<'_>,
    event: &Event,
    widths: &[usize],
    options: ViewOptions,
    segments_before: &mut u32,
) -> String {
    let t = table.transcript;
    let column = column_of(event, widths.len());
    let mut cell = super::link_view::segment_cell(t, event, table.held, options, widths[column])
        .unwrap_or_else(|| event_cell(t, event, options, widths[column]));
    let captured = widths.len() == 3;
    if let (Op::Send, Some(now), false) = (event.op, event.data_segs_out, captured) {
        let text = options
            .words()
            .segments_after_send(now.saturating_sub(*segments_before));
        *segments_before = now;
        // Under the bytes, or further left when the column is narrow.
        let room = widths[column].saturating_sub(text.width());
        let indent = " ".repeat(prefix("send", 0).len().min(room));
        cell.push(Line::of(format!("{indent}{text}"), Look::Dim));
    }
    let ms = row_time(event).saturating_sub(table.origin_us) as f64 / 1000.0;
    // Tenths of a millisecond while they matter; whole milliseconds past a second, so
    // the column never overflows.
    let time = if ms < 1000.0 {
        format!("{ms:>TIME_WIDTH$.1}")
    } else {
        format!("{ms:>TIME_WIDTH$.0}")
    };
    let time = Line::of(time, Look::Dim);
    let empty = Line::new();
    let mut block = String::new();
    for (k, line) in cell.iter().enumerate() {
        let time = if k == 0 { &time } else { &empty };
        let mut cells = vec![&empty; widths.len()];
        cells[column] = line;
        push_row(&mut block, time, &cells, widths);
    }
    block
}

/// A send, close or shutdown is placed at its call (its bytes or its FIN leave during it, and
/// the peer may see them before it returns), anything else where it returned (a traced recv
/// may wait).
pub(super) fn row_time(event: &Event) -> u64 {
    match &event.call {
        Some(call) if !placed_at_call(event.op) => call.t_return_us,
        _ => event.t_us,
    }
}

/// Whether a traced call of `op` is placed at its call rather than at its return.
pub(super) fn placed_at_call(op: Op) -> bool {
    matches!(op, Op::Send | Op::Close | Op::Shutdown)
}

/// Set-up calls are summed up above the table, and the final segment count below it.
fn is_summed_up(event: &Event) -> bool {
    let setup = matches!(
        event.op,
        Op::Sockopt | Op::Bind | Op::Listen | Op::Connect | Op::Accept | Op::Socket
    );
    setup || (event.op == Op::Note && event.data_segs_out.is_some())
}

/// The lines one event takes in its side's column.
fn event_cell(t: &Transcript, event: &Event, options: ViewOptions, width: usize) -> Vec<Line> {
    let said = |text: &str, look| words(text, look, width);
    if let Some(lines) = super::trace_view::call_cell(t, event, options, width) {
        return lines;
    }
    let w = options.words();
    let detail = w.event_detail(event).unwrap_or_default();
    match event.op {
        Op::Send | Op::Recv | Op::Segment => bytes_cell(t, event, options, width),
        Op::Frame => frame_cell(t, event, options, width),
        Op::Eof => {
            let lead = prefix("recv", 0);
            let hang = lead.len();
            let mut line = Line::of(lead, Look::Plain);
            line.push(w.end_of_stream(), Look::Dim);
            let mut lines = wrap_line(&line, width, hang);
            for line in lines.iter_mut().skip(1) {
                line.chunks
                    .insert(0, Line::of(" ".repeat(hang), Look::Plain).chunks.remove(0));
            }
            lines
        }
        Op::Close => said(w.close_fin(), Look::Dim),
        Op::Truncated => said(&w.truncated(&detail), Look::Bad),
        Op::Error => said(&w.error(&detail), Look::Bad),
        Op::Note => said(&detail, Look::Dim),
        Op::Sockopt
        | Op::Bind
        | Op::Listen
        | Op::Connect
        | Op::Accept
        | Op::Socket
        | Op::Shutdown
        | Op::Fork
        | Op::Thread
        | Op::Exec
        | Op::Exit => said(&format!("{} {detail}", event.op.as_str()), Look::Dim),
    }
}

pub(super) fn words(text: &str, look: Look, width: usize) -> Vec<Line> {
    wrap_words(text, width)
        .into_iter()
        .map(|l| Line::of(l, look))
        .collect()
}

/// `send    5 B  ` — the op, the byte count, then the bytes. A segment, alone in the wire
/// column, needs only its size.
pub(super) fn prefix(op: &str, len: usize) -> String {
    if op.is_empty() {
        format!("{len:>3} B ")
    } else {
        format!("{op:<5}{len:>4} B ")
    }
}

pub(super) fn bytes_cell(
    t: &Transcript,
    event: &Event,
    options: ViewOptions,
    width: usize,
) -> Vec<Line> {
    let op = match event.op {
        Op::Send => "send",
        Op::Segment => "",
        _ => "recv",
    };
    let lead = prefix(op, event.len());
    let indent = lead.width();
    bytes_cell_led(t, event, options, width, lead, indent)
}

/// The bytes of a send, recv or segment after `lead`, coloured by message, with the labels
/// of the pieces they hold `label_indent` columns in.
pub(super) fn bytes_cell_led(
    t: &Transcript,
    event: &Event,
    options: ViewOptions,
    width: usize,
    lead: String,
    label_indent: usize,
) -> Vec<Line> {
    let pieces = t.pieces_of(event);
    let runs = runs_of(&pieces, &event.bytes);
    let indent = lead.width();
    let mut lines = with_prefix(lead, &runs, event.len(), options, width);
    // The labels say in words what the colours say: essential without colour.
    let single_whole_payload =
        pieces.len() == 1 && pieces[0].whole && pieces[0].part == Part::Payload;
    if !pieces.is_empty() && (event.op == Op::Recv || !single_whole_payload) {
        lines.extend(piece_labels(
            t,
            &pieces,
            label_indent,
            width,
            options.words(),
        ));
    }
    if let Some(note) = options
        .words()
        .event_detail(event)
        .filter(|_| event.op == Op::Segment)
    {
        lines.push(Line::of(
            format!("{}({note})", " ".repeat(indent)),
            Look::Bad,
        ));
    }
    lines
}

fn frame_cell(t: &Transcript, event: &Event, options: ViewOptions, width: usize) -> Vec<Line> {
    let n = event.message.unwrap_or(0);
    let runs = [Run {
        bytes: &event.bytes,
        message: n,
        part: Part::Payload,
    }];
    let total = event.bytes.len();
    let mut lines = with_prefix(prefix("frame", total), &runs, total, options, width);
    let mut check = Line::of("⇒ ", Look::Plain);
    check.push(format!("m{n}"), Look::Label(n));
    let intact = t.messages.get(n.wrapping_sub(1)) == Some(&event.bytes);
    let look = if intact { Look::Good } else { Look::Bad };
    check.push(options.words().frame_check(intact), look);
    // Under the bytes, or further left when the column is narrow.
    let indent = prefix("frame", 0)
        .len()
        .min(width.saturating_sub(check.width()));
    for mut line in wrap_line(&check, width - indent, 2) {
        line.chunks.insert(
            0,
            Line::of(" ".repeat(indent), Look::Plain).chunks.remove(0),
        );
        lines.push(line);
    }
    lines
}

/// The prefix, then the bytes as text after it (wrapped under it) or as hex lines below it.
/// `total`: the bytes the call moved (the runs may hold only the first of them).
fn with_prefix(
    prefix: String,
    runs: &[Run<'_>],
    total: usize,
    options: ViewOptions,
    width: usize,
) -> Vec<Line> {
    let indent = prefix.width();
    if options.hex {
        let mut lines = vec![Line::of(prefix, Look::Plain)];
        // Each byte takes three columns of hex and one of text: fewer a line when narrow.
        let per_line = (width / 4).clamp(2, HEX_PER_LINE);
        lines.extend(hex_lines(runs, total, per_line, MAX_BYTE_LINES));
        return lines;
    }
    let mut lines = text_lines(
        runs,
        total,
        width.saturating_sub(indent).max(4),
        MAX_BYTE_LINES,
    );
    for (k, line) in lines.iter_mut().enumerate() {
        // A `… +1008 B` wider than the room under the bytes starts further left.
        let lead = if k == 0 {
            prefix.clone()
        } else {
            " ".repeat(indent.min(width.saturating_sub(line.width())))
        };
        line.chunks
            .insert(0, Line::of(lead, Look::Plain).chunks.remove(0));
    }
    lines
}

/// `= m1 m2[0..3]`: which message parts a run of bytes holds, wrapped to the column.
fn piece_labels(
    t: &Transcript,
    pieces: &[Piece],
    indent: usize,
    width: usize,
    words: Words,
) -> Vec<Line> {
    // In a narrow column the labels start further left, so the longest still fits after `= `.
    let longest = pieces
        .iter()
        .take(MAX_BYTE_LINES)
        .map(|p| piece_name(t, p).len())
        .max()
        .unwrap_or(0);
    let indent = indent.min(width.saturating_sub(longest + 2));
    let mut lines = Vec::new();
    let mut line = Line::of(format!("{}=", " ".repeat(indent)), Look::Dim);
    for (i, p) in pieces.iter().enumerate() {
        if lines.len() == MAX_BYTE_LINES - 1 {
            let more = words.more_pieces(pieces.len() - i);
            if line.width() + more.width() > width {
                let room = width.saturating_sub(more.width());
                lines.push(std::mem::replace(
                    &mut line,
                    Line::of(" ".repeat(indent.min(room)), Look::Plain),
                ));
            }
            line.push(more, Look::Dim);
            break;
        }
        let label = piece_name(t, p);
        if line.width() + 1 + label.len() > width {
            // Under the first label, or as far left as a long one needs.
            let room = width.saturating_sub(label.len());
            lines.push(std::mem::replace(
                &mut line,
                Line::of(" ".repeat((indent + 2).min(room)), Look::Plain),
            ));
        } else {
            line.push(" ", Look::Plain);
        }
        line.push(label, Look::Label(p.message));
    }
    lines.push(line);
    lines
}

/// How the verdict looks: red after an error, green when intact, bold otherwise.
pub(super) fn verdict_look(s: &Summary) -> Look {
    if s.error.is_some() {
        Look::Bad
    } else if s.intact {
        Look::Good
    } else {
        Look::Heading
    }
}

fn footer(s: &Summary, transport: Transport, options: ViewOptions, out: &mut String) {
    let (width, words) = (options.width, options.words());
    labelled(out, width, words.measured(), &words.figures(s), Look::Plain);
    if let Some(wire) = &s.wire {
        labelled(
            out,
            width,
            words.wire(),
            &words.wire_reading(wire),
            Look::Plain,
        );
    }
    if let Some(link) = &s.link {
        let intact = s.bytes_received == s.bytes_sent;
        let tcp = transport == Transport::Tcp;
        let lines = super::link_view::footer_lines(link, tcp, intact, words);
        for (i, (text, look)) in lines.into_iter().enumerate() {
            let label = if i == 0 { words.link_label() } else { "" };
            labelled(out, width, label, &text, look);
        }
    }
    let verdict = words.verdict_text(&s.verdict);
    labelled(out, width, words.verdict(), &verdict, verdict_look(s));
    if let Some(predicted) = s.predicted_recvs {
        let text = words.prediction(predicted, s.recvs, s.truncated.is_some());
        let look = if predicted == s.recvs {
            Look::Dim
        } else {
            Look::Bad
        };
        labelled(out, width, words.check(), &text, look);
    }
    if let Some(hint) = &s.hint {
        labelled(out, width, words.next_step(), &words.hint(hint), Look::Dim);
    }
}

/// `label    text…`, the text wrapped under itself.
pub(super) fn labelled(out: &mut String, width: usize, label: &str, text: &str, look: Look) {
    for (k, l) in wrap_words(text, width.saturating_sub(FOOTER_LABEL))
        .into_iter()
        .enumerate()
    {
        let mut line = if k == 0 {
            Line::of(pad(label, FOOTER_LABEL), Look::Dim)
        } else {
            Line::of(" ".repeat(FOOTER_LABEL), Look::Plain)
        };
        line.push(l, look);
        push_line(out, &line);
    }
}

pub(super) fn push_line(out: &mut String, line: &Line) {
    let _ = writeln!(out, "{}", line.paint());
}

/// One table row: the time, then each cell padded to its column (all but the last). When
/// the last cell is empty the row's trailing spaces go; a message's own spaces never do.
fn push_row(out: &mut String, time: &Line, cells: &[&Line], widths: &[usize]) {
    let pad = |line: &Line, width: usize| {
        format!(
            "{}{}",
            line.paint(),
            " ".repeat(width.saturating_sub(line.width()))
        )
    };
    let sep = format!(" {} ", super::style::dim("│"));
    let mut row = pad(time, TIME_WIDTH);
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        row.push_str(&sep);
        if i + 1 == cells.len() {
            row.push_str(&cell.paint());
        } else {
            row.push_str(&pad(cell, *width));
        }
    }
    if cells.last().is_some_and(|c| c.chunks.is_empty()) {
        row.truncate(row.trim_end().len());
    }
    let _ = writeln!(out, "{row}");
}
