//! Views: turn a finished lesson run into text (or a picture: `chart`, `pcapng`). Views never touch sockets, and colour lives
//! here only — its switch is set once, at start-up, by [`init_color`].

pub mod backlog_view;
pub mod chart;
pub mod json;
pub mod lessons_view;
mod link_view;
pub mod linked_view;
pub mod live_view;
pub mod markdown;
pub mod pacing;
pub mod pager;
pub mod pcapng;
pub mod phrases;
pub mod progress;
mod report;
pub mod reuseaddr_view;
pub mod side_by_side;
pub mod stall_view;
pub mod struct_view;
mod style;
pub mod terminal;
mod text;

pub mod trace_live;
pub mod trace_pictures;
pub mod trace_view;
pub mod trials_view;
pub mod upload_view;
pub mod words;

pub use text::human_bytes;

use std::io::IsTerminal;

/// When to colour the output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour a terminal, unless NO_COLOR is set.
    Auto,
    Always,
    Never,
}

/// Decide once whether views colour their output; call before rendering anything.
pub fn init_color(choice: ColorChoice) {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            // https://no-color.org: any non-empty NO_COLOR turns colour off; TERM=dumb
            // cannot show it.
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            !no_color && !terminal::is_dumb() && std::io::stdout().is_terminal()
        }
    };
    colored::control::set_override(on);
}

/// How the byte views show bytes, how wide, in which language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewOptions {
    /// Hex and printable columns instead of text.
    pub hex: bool,
    /// Columns the view may take (see [`terminal::width`]).
    pub width: usize,
    /// The language of the view's words.
    pub lang: crate::lang::Lang,
}

impl ViewOptions {
    /// The words of the view's language.
    pub fn words(self) -> words::Words {
        words::Words(self.lang)
    }
}

impl Default for ViewOptions {
    fn default() -> Self {
        ViewOptions {
            hex: false,
            width: terminal::PIPE_WIDTH,
            lang: crate::lang::Lang::En,
        }
    }
}
