//! Text building blocks for the views: styled chunks, lines of a known display width, bytes
//! shown as text (Python-style escapes for what is not printable) or as hex, and wrapping.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

use super::style;
use crate::transcript::{Part, Piece, Transcript};

/// How a chunk of text is styled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Plain,
    Dim,
    Heading,
    Good,
    Bad,
    /// Code and commands in prose.
    Code,
    /// Emphasis (`*word*`) and strong emphasis (`**word**`) in prose.
    Emphasis,
    Strong,
    /// A section title (bold and underlined).
    Title,
    /// A label naming message `n`.
    Label(usize),
    /// Stream bytes of message `n`; `escape` when shown as an escape or hex.
    Bytes {
        message: usize,
        part: Part,
        escape: bool,
    },
}

/// Text with one look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub text: String,
    pub look: Look,
}

/// One line of chunks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub chunks: Vec<Chunk>,
}

impl Line {
    pub fn new() -> Self {
        Line::default()
    }

    pub fn of(text: impl Into<String>, look: Look) -> Self {
        let mut line = Line::new();
        line.push(text, look);
        line
    }

    /// Append text; text with the same look as the last chunk joins it (fewer escape codes).
    pub fn push(&mut self, text: impl Into<String>, look: Look) -> &mut Self {
        match self.chunks.last_mut() {
            Some(last) if last.look == look => last.text.push_str(&text.into()),
            _ => self.chunks.push(Chunk {
                text: text.into(),
                look,
            }),
        }
        self
    }

    /// Columns the line takes on a terminal (Chinese characters take two).
    pub fn width(&self) -> usize {
        self.chunks.iter().map(|c| c.text.width()).sum()
    }

    /// The line with colour (when colour is on) and without trailing padding.
    pub fn paint(&self) -> String {
        let mut out = String::new();
        for chunk in &self.chunks {
            let text = chunk.text.as_str();
            let painted = match chunk.look {
                Look::Plain => text.into(),
                Look::Dim => style::dim(text),
                Look::Heading => style::heading(text),
                Look::Good => style::good(text),
                Look::Bad => style::bad(text),
                Look::Code => style::code(text),
                Look::Emphasis => style::emphasis(text),
                Look::Strong => style::heading(text),
                Look::Title => style::title(text),
                Look::Label(n) => style::label(text, n),
                Look::Bytes {
                    message,
                    part,
                    escape,
                } => style::bytes(text, message, part, escape),
            };
            let _ = write!(out, "{painted}");
        }
        out
    }
}

/// The smallest unit wrapping will not cut: one character, or one escape like `\x00`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    text: String,
    bytes: usize,
    look: Look,
}

/// Bytes of one message part as text tokens: printable characters as they are, everything
/// else the way Python's bytes repr writes it (`\t`, `\n`, `\r`, `\\`, `\x00`) — in every
/// view, whatever the bytes are (a header's bytes too): the same bytes always read the same,
/// and the same as the notes' Python prints them. (Text in UTF-8 shows as its characters,
/// as Python prints a decoded str.) A UTF-8 sequence cut by a recv() boundary is not valid
/// on its own, so its bytes show as escapes: the cut is visible.
fn text_tokens(bytes: &[u8], message: usize, part: Part, out: &mut Vec<Token>) {
    let look = |escape| Look::Bytes {
        message,
        part,
        escape,
    };
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            let (text, escape) = match c {
                '\n' => ("\\n".to_string(), true),
                '\r' => ("\\r".to_string(), true),
                '\t' => ("\\t".to_string(), true),
                '\\' => ("\\\\".to_string(), true),
                // Control and invisible format characters (zero-width, bidi overrides) would
                // hide or scramble a projected row: show their bytes instead.
                c if c.is_control() || is_invisible_format(c) => {
                    (escape_bytes(c.to_string().as_bytes()), true)
                }
                c => (c.to_string(), false),
            };
            out.push(Token {
                text,
                bytes: c.len_utf8(),
                look: look(escape),
            });
        }
        for &b in chunk.invalid() {
            out.push(Token {
                text: format!("\\x{b:02x}"),
                bytes: 1,
                look: look(true),
            });
        }
    }
}

/// A space at either end of what is shown would vanish into the padding: make it visible
/// (`␠`). Spaces between other characters stay spaces.
fn mark_edge_spaces(tokens: &mut [Token]) {
    let last = tokens.len().saturating_sub(1);
    for i in [0, last] {
        if let Some(token) = tokens.get_mut(i).filter(|t| t.text == " ") {
            token.text = "␠".into();
            if let Look::Bytes { escape, .. } = &mut token.look {
                *escape = true;
            }
        }
    }
}

/// Unicode format characters that draw nothing or reorder text.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

fn escape_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\x{b:02x}")).collect()
}

/// A run of bytes and where it came from, ready to be shown.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub bytes: &'a [u8],
    pub message: usize,
    pub part: Part,
}

/// Cut `bytes` (the first bytes of a call; maybe fewer than its pieces cover) into runs by
/// the message parts they belong to. Bytes of a sender lab did not trace have no pieces: they
/// come out as one run of no message.
pub fn runs_of<'a>(pieces: &[crate::transcript::Piece], bytes: &'a [u8]) -> Vec<Run<'a>> {
    let mut runs = Vec::with_capacity(pieces.len().max(1));
    let mut at = 0;
    for p in pieces {
        let len = ((p.to - p.from) as usize).min(bytes.len() - at);
        runs.push(Run {
            bytes: &bytes[at..at + len],
            message: p.message,
            part: p.part,
        });
        at += len;
    }
    if pieces.is_empty() && !bytes.is_empty() {
        runs.push(Run {
            bytes,
            message: 0,
            part: Part::Payload,
        });
    }
    runs
}

/// Show runs as text, wrapped to `width` columns, at most `max_lines` lines; what does not
/// fit is summed up as `… +N B` out of `total` (the runs may be only the first bytes; 0: the
/// runs are all there is).
pub fn text_lines(runs: &[Run<'_>], total: usize, width: usize, max_lines: usize) -> Vec<Line> {
    // Every token takes at least one column and at most 4 bytes (a UTF-8 character), so
    // this many bytes always fill the lines: an 8 MiB recv costs no more than a short one.
    let mut budget = 4 * width * max_lines;
    let mut tokens = Vec::new();
    for run in runs {
        let take = run.bytes.len().min(budget);
        text_tokens(&run.bytes[..take], run.message, run.part, &mut tokens);
        budget -= take;
    }
    mark_edge_spaces(&mut tokens);
    let total = total.max(runs.iter().map(|r| r.bytes.len()).sum());
    let mut lines = vec![Line::new()];
    let mut shown = 0;
    for token in tokens {
        let current_width = lines.last().map_or(0, Line::width);
        if current_width + token.text.width() > width {
            if lines.len() == max_lines {
                break;
            }
            lines.push(Line::new());
        }
        shown += token.bytes;
        lines
            .last_mut()
            .expect("lines starts non-empty")
            .push(token.text, token.look);
    }
    elide_rest(&mut lines, total - shown, width);
    lines
}

/// Show runs as hex, `per_line` bytes a line, each line followed by its printable ASCII; what
/// is left out is counted against `total`.
pub fn hex_lines(runs: &[Run<'_>], total: usize, per_line: usize, max_lines: usize) -> Vec<Line> {
    let total = total.max(runs.iter().map(|r| r.bytes.len()).sum());
    let bytes: Vec<(u8, Look)> = runs
        .iter()
        .flat_map(|r| {
            r.bytes.iter().map(move |&b| {
                let look = Look::Bytes {
                    message: r.message,
                    part: r.part,
                    escape: false,
                };
                (b, look)
            })
        })
        .take(per_line * max_lines)
        .collect();
    let mut lines = Vec::new();
    for row in bytes.chunks(per_line) {
        let mut line = Line::new();
        for (i, (b, look)) in row.iter().enumerate() {
            if i > 0 {
                line.push(" ", Look::Plain);
            }
            line.push(format!("{b:02x}"), *look);
        }
        line.push(" ".repeat(3 * (per_line - row.len()) + 1), Look::Plain);
        for (b, look) in row {
            let c = if b.is_ascii_graphic() || *b == b' ' {
                *b as char
            } else {
                '.'
            };
            line.push(c.to_string(), *look);
        }
        lines.push(line);
    }
    let width = 4 * per_line;
    elide_rest(&mut lines, total - bytes.len(), width);
    lines
}

/// Say how many bytes were left out, on the last line if it has room.
fn elide_rest(lines: &mut Vec<Line>, hidden: usize, width: usize) {
    if hidden == 0 {
        return;
    }
    let note = format!(" … +{hidden} B");
    match lines.last_mut() {
        Some(last) if last.width() + note.width() <= width => {
            last.push(note, Look::Dim);
        }
        _ => lines.push(Line::of(note.trim_start(), Look::Dim)),
    }
}

/// `line` wrapped to `width` columns and painted, one `\n` after each line; the lines after
/// the first are indented by `hang` columns: 0 for prose, 2 under a bullet, a table column's
/// start for a table's last column.
pub fn paint_wrapped(line: &Line, width: usize, hang: usize) -> String {
    let mut out = String::new();
    for (k, l) in wrap_line(line, width, hang).into_iter().enumerate() {
        if k > 0 {
            out.push_str(&" ".repeat(hang));
        }
        out.push_str(&l.paint());
        out.push('\n');
    }
    out
}

/// `text` padded with spaces to `columns` display columns (a Chinese character takes two);
/// text already that wide or wider is left as it is.
pub fn pad(text: &str, columns: usize) -> String {
    let fill = columns.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

/// `text` with spaces before it to fill `columns` display columns: a right-aligned cell.
pub fn pad_left(text: &str, columns: usize) -> String {
    let fill = columns.saturating_sub(text.width());
    format!("{}{text}", " ".repeat(fill))
}

/// Sizes the way a person reads them: 8 MiB, 64 KiB, 100 B (exact: 1000 B stays 1000 B).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["TiB", "GiB", "MiB", "KiB"];
    for (i, unit) in UNITS.iter().enumerate() {
        let size = 1u64 << (10 * (4 - i));
        if n >= size && n % size == 0 {
            return format!("{} {unit}", n / size);
        }
    }
    format!("{n} B")
}

/// Wrap plain text to `width` columns at word boundaries (a word longer than that is cut).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    wrap_line(&Line::of(text, Look::Plain), width, 0)
        .iter()
        .map(|l| l.chunks.iter().map(|c| c.text.as_str()).collect())
        .collect()
}

/// Wrap a styled line to `width` columns: breaks at spaces, and between Chinese characters
/// (Unicode's line-break rules, which also keep `，` and `。` off the start of a line), never
/// inside a flag like `--reader-delay` or a word, nor between a figure and its unit
/// (`88.0 ms`, `4 字节`); a word longer than a line is cut. Lines
/// after the first are `hang` columns narrower (the caller indents them).
pub fn wrap_line(line: &Line, width: usize, hang: usize) -> Vec<Line> {
    use textwrap::WordSeparator;
    use textwrap::core::{Word, break_words};
    use textwrap::wrap_algorithms::WrapAlgorithm;

    let plain: String = line.chunks.iter().map(|c| c.text.as_str()).collect();
    if plain.width() <= width {
        return vec![line.clone()];
    }
    let rest_width = width.saturating_sub(hang).max(1);
    // Unicode allows a break after a hyphen or a slash; a command line must not break there.
    let mut words: Vec<Word<'_>> = Vec::new();
    for word in WordSeparator::UnicodeBreakProperties.find_words(&plain) {
        let joins_previous = words.last().is_some_and(|last| {
            let unbroken = last.whitespace.is_empty()
                && !last.word.chars().last().is_some_and(is_wide)
                && !word.word.chars().next().is_some_and(is_wide);
            unbroken || measures(last.word, last.whitespace, word.word)
        });
        if joins_previous {
            let last = words.pop().expect("checked above");
            let start = offset_in(&plain, last.word);
            let end = offset_in(&plain, word.word) + word.word.len() + word.whitespace.len();
            words.push(Word::from(&plain[start..end]));
        } else {
            words.push(word);
        }
    }
    let words = break_words(words, rest_width.min(width));
    let widths = [width, rest_width];
    let lines = WrapAlgorithm::FirstFit.wrap(&words, &widths);
    lines
        .iter()
        .filter_map(|words| {
            let (first, last) = (words.first()?, words.last()?);
            let start = offset_in(&plain, first.word);
            let end = offset_in(&plain, last.word) + last.word.len();
            Some(slice_line(line, start, end))
        })
        .collect()
}

/// Units a figure is written with: `88.0 ms`, `4 bytes`, `8 MiB`.
const UNITS: &[&str] = &[
    "B", "KiB", "MiB", "GiB", "TiB", "byte", "bytes", "ms", "µs", "s", "%",
];

/// Whether `word` is the unit (or the Chinese measure word, `4 字节`, `3 次`) of the number
/// before it: the two stay on one line, so no line starts with a unit cut from its figure.
fn measures(number: &str, space: &str, word: &str) -> bool {
    let unit = word.trim_end_matches([',', '.', ';', ':', ')']);
    space == " "
        && number.ends_with(|c: char| c.is_ascii_digit())
        && (UNITS.contains(&unit) || word.starts_with(is_wide))
}

/// A double-width (Chinese, Japanese, Korean) character: a line may break beside it.
fn is_wide(c: char) -> bool {
    unicode_width::UnicodeWidthChar::width(c) == Some(2)
}

/// Where `part`, a slice of `whole`, starts in it.
fn offset_in(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// The chunks of `line` between two byte offsets of its text, looks kept.
fn slice_line(line: &Line, start: usize, end: usize) -> Line {
    let mut out = Line::new();
    let mut at = 0;
    for chunk in &line.chunks {
        let (from, to) = (at, at + chunk.text.len());
        at = to;
        let (a, b) = (start.max(from), end.min(to));
        if a < b {
            out.push(&chunk.text[a - from..b - from], chunk.look);
        }
    }
    out
}

/// A piece's name as every view writes it: `m2` for a whole payload, `m2[0..3]` for a slice,
/// `h3=9` for a whole header (with the length it carries), `h3`, `d1`, `p1` for a header,
/// delimiter or padding.
pub fn piece_name(t: &Transcript, p: &Piece) -> String {
    let mut name = match p.part {
        Part::Header if p.whole => {
            let len = t
                .messages
                .get(p.message.wrapping_sub(1))
                .map_or(0, Vec::len);
            format!("h{}={len}", p.message)
        }
        Part::Header => format!("h{}", p.message),
        Part::Payload => format!("m{}", p.message),
        Part::Delimiter => format!("d{}", p.message),
        Part::Padding => format!("p{}", p.message),
    };
    if !p.whole {
        name.push_str(&format!("[{}..{}]", p.from, p.to));
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.chunks.iter().map(|c| c.text.as_str()).collect())
            .collect()
    }

    fn run(bytes: &[u8]) -> Run<'_> {
        Run {
            bytes,
            message: 1,
            part: Part::Payload,
        }
    }

    #[test]
    fn a_cut_chinese_character_shows_its_bytes_as_escapes() {
        // "你好" is e4 bd a0 e5 a5 bd; a recv that ends after 4 bytes cuts "好".
        let lines = text_lines(&[run(&"你好".as_bytes()[..4])], 0, 40, 4);
        assert_eq!(plain(&lines), vec!["你\\xe5"]);
        let lines = text_lines(&[run(&"你好".as_bytes()[4..])], 0, 40, 4);
        assert_eq!(plain(&lines), vec!["\\xa5\\xbd"]);
    }

    #[test]
    fn control_bytes_are_escaped_like_python() {
        let lines = text_lines(&[run(b"a\nb\x00")], 0, 40, 4);
        assert_eq!(plain(&lines), vec!["a\\nb\\x00"]);
    }

    #[test]
    fn edge_spaces_and_invisible_characters_are_made_visible() {
        let lines = text_lines(&[run(b" a b ")], 0, 40, 4);
        assert_eq!(plain(&lines), vec!["␠a b␠"]);
        let lines = text_lines(&[run("a\u{202e}b".as_bytes())], 0, 40, 4);
        assert_eq!(plain(&lines), vec!["a\\xe2\\x80\\xaeb"]);
    }

    #[test]
    fn a_header_reads_as_python_prints_it_like_any_other_bytes() {
        let header = Run {
            bytes: b"\x00\x00\x00\t",
            message: 1,
            part: Part::Header,
        };
        let payload = Run {
            part: Part::Payload,
            ..header
        };
        for run in [header, payload] {
            assert_eq!(
                plain(&text_lines(&[run], 0, 40, 4)),
                vec!["\\x00\\x00\\x00\\t"]
            );
        }
    }

    #[test]
    fn only_the_spaces_at_the_edges_of_what_is_shown_are_marked() {
        let pieces = [run(b"a b "), run(b" c ")];
        assert_eq!(plain(&text_lines(&pieces, 0, 40, 4)), vec!["a b  c␠"]);
    }

    #[test]
    fn long_text_wraps_and_the_rest_is_counted() {
        let lines = text_lines(&[run(&[b'x'; 100])], 0, 10, 2);
        assert_eq!(
            plain(&lines),
            vec!["x".repeat(10), "x".repeat(10), "… +80 B".into()]
        );
    }

    #[test]
    fn double_width_characters_wrap_by_columns() {
        let lines = text_lines(&[run("你好世界".as_bytes())], 0, 4, 4);
        assert_eq!(plain(&lines), vec!["你好", "世界"]);
    }

    #[test]
    fn prose_wraps_at_spaces_and_between_chinese_characters_never_inside_a_flag() {
        let text = "try --reader-delay 0 and --send-gap 20 to see the spread";
        for width in 10..40 {
            for line in wrap_words(text, width) {
                assert!(line.width() <= width, "{line:?} wider than {width}");
                assert!(!line.ends_with('-'), "{line:?} cut a flag");
            }
        }
        assert_eq!(
            wrap_words("一次 recv() 收到了三条消息（粘包）。", 12),
            vec!["一次 recv()", "收到了三条消", "息（粘包）。"]
        );
    }

    #[test]
    fn wrapping_keeps_each_piece_in_its_look() {
        let mut line = Line::of("plain words then ", Look::Plain);
        line.push("bold words", Look::Heading);
        let lines = wrap_line(&line, 14, 2);
        let looks: Vec<Vec<(&str, Look)>> = lines
            .iter()
            .map(|l| l.chunks.iter().map(|c| (c.text.as_str(), c.look)).collect())
            .collect();
        assert_eq!(
            looks,
            vec![
                vec![("plain words", Look::Plain)],
                vec![("then ", Look::Plain), ("bold", Look::Heading)],
                vec![("words", Look::Heading)],
            ]
        );
    }

    #[test]
    fn sizes_read_the_way_they_are_written() {
        assert_eq!(human_bytes(8 << 20), "8 MiB");
        assert_eq!(human_bytes(64 << 10), "64 KiB");
        assert_eq!(human_bytes(1000), "1000 B");
        assert_eq!(human_bytes(u64::from(u32::MAX)), "4294967295 B");
    }

    #[test]
    fn hex_shows_bytes_and_printable_columns() {
        let lines = hex_lines(&[run(b"\x00\x00\x00\x05hello")], 0, 8, 4);
        assert_eq!(
            plain(&lines),
            vec![
                "00 00 00 05 68 65 6c 6c ....hell",
                "6f                      o"
            ]
        );
    }
}
