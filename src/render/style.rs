//! The palette: one colour per message, a distinct look for headers, escapes and notes.

use colored::{Color, ColoredString, Colorize};

use crate::transcript::Part;

/// Message colours: readable on dark and light projectors, and never the green of "intact"
/// or the red of an error. Neighbouring messages always differ; they repeat after four.
const PALETTE: [Color; 4] = [
    Color::Cyan,
    Color::Magenta,
    Color::Yellow,
    Color::BrightBlue,
];

/// The colour of message `n` (from 1).
pub fn message_color(n: usize) -> Color {
    PALETTE[(n.max(1) - 1) % PALETTE.len()]
}

/// Stream bytes of message `n`: headers on a coloured background, payloads in colour,
/// escapes (`\x00`, a cut UTF-8 sequence) underlined so they stand apart from text.
pub fn bytes(text: &str, n: usize, part: Part, escape: bool) -> ColoredString {
    let color = message_color(n);
    let styled = match part {
        // Framing bytes (headers, delimiters) sit on the message's colour.
        Part::Header | Part::Delimiter => text.black().on_color(color),
        Part::Payload => text.color(color),
        Part::Padding => text.color(color).dimmed(),
    };
    if escape { styled.underline() } else { styled }
}

/// A label naming a message (`m2`), in its colour.
pub fn label(text: &str, n: usize) -> ColoredString {
    text.color(message_color(n)).bold()
}

pub fn dim(text: &str) -> ColoredString {
    text.dimmed()
}

pub fn heading(text: &str) -> ColoredString {
    text.bold()
}

pub fn code(text: &str) -> ColoredString {
    text.cyan()
}

pub fn emphasis(text: &str) -> ColoredString {
    text.italic()
}

pub fn title(text: &str) -> ColoredString {
    text.bold().underline()
}

/// The colour of "intact", and of an error.
const GOOD: Color = Color::Green;
const BAD: Color = Color::Red;

pub fn good(text: &str) -> ColoredString {
    text.color(GOOD).bold()
}

pub fn bad(text: &str) -> ColoredString {
    text.color(BAD).bold()
}

/// The palette on a white page (charts, HTML): each terminal colour as a shade that keeps its
/// hue and still reads as text on white, so a picture and the terminal agree.
pub fn page_color(color: Color) -> &'static str {
    match color {
        Color::Cyan => "#0a8ea0",
        Color::Magenta => "#b0369a",
        Color::Yellow => "#a87a00",
        Color::BrightBlue => "#3a64d8",
        Color::Green => "#1e8a3a",
        Color::Red => "#c62828",
        _ => "#555555",
    }
}

/// Message `n`'s colour on a white page.
pub fn message_page_color(n: usize) -> &'static str {
    page_color(message_color(n))
}

/// "Intact" and "error" on a white page: the terminal's green and red.
pub fn good_page_color() -> &'static str {
    page_color(GOOD)
}

pub fn bad_page_color() -> &'static str {
    page_color(BAD)
}
