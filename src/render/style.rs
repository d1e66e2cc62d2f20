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

pub fn good(text: &str) -> ColoredString {
    text.green().bold()
}

pub fn bad(text: &str) -> ColoredString {
    text.red().bold()
}
