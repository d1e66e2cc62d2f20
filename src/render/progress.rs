//! Upload progress for a person: a bar (indicatif) on a terminal, plain lines otherwise —
//! both on stderr, so stdout keeps only the final line.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::upload::Progress;

/// A bar on a terminal, a line every tenth otherwise.
pub enum ProgressView {
    Bar(ProgressBar),
    Lines {
        label: String,
        state: Mutex<(u64, u64, u64)>,
    },
}

impl ProgressView {
    /// For one side of an upload (`label`: "send", "receive"); `group` stacks several bars.
    pub fn new(label: &str, group: Option<&MultiProgress>) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(if colored::control::SHOULD_COLORIZE.should_colorize() {
                    "{prefix:>8} {msg:20!} [{bar:30.cyan/blue}] {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}"
                } else {
                    "{prefix:>8} {msg:20!} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}"
                })
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("█▌ "),
            );
            bar.set_prefix(label.to_string());
            let bar = match group {
                Some(group) => group.add(bar),
                None => bar,
            };
            ProgressView::Bar(bar)
        } else {
            ProgressView::Lines {
                label: label.to_string(),
                state: Mutex::new((0, 0, 0)),
            }
        }
    }
}

impl ProgressView {
    /// Two views drawn together (both ends of an upload in one process).
    pub fn pair(first: &str, second: &str) -> (Self, Self) {
        let group = MultiProgress::new();
        (
            Self::new(first, Some(&group)),
            Self::new(second, Some(&group)),
        )
    }
}

impl Progress for ProgressView {
    fn start(&self, name: &str, total: u64) {
        match self {
            ProgressView::Bar(bar) => {
                // Reset here, not at creation: the rate counts from the first body byte.
                bar.reset();
                bar.set_length(total);
                bar.set_message(name.to_string());
            }
            ProgressView::Lines { label, state } => {
                if let Ok(mut s) = state.lock() {
                    *s = (total, 0, total / 10);
                }
                eprintln!("{label}: {name}, {total} B");
            }
        }
    }

    fn advance(&self, bytes: u64) {
        match self {
            ProgressView::Bar(bar) => bar.inc(bytes),
            ProgressView::Lines { label, state } => {
                let Ok(mut s) = state.lock() else { return };
                s.1 += bytes;
                if s.0 > 0 && s.1 >= s.2 && s.1 < s.0 {
                    eprintln!("{label}: {}% ({} of {} B)", s.1 * 100 / s.0, s.1, s.0);
                    s.2 = s.1 + s.0 / 10;
                }
            }
        }
    }

    fn finish(&self) {
        match self {
            ProgressView::Bar(bar) => bar.finish(),
            ProgressView::Lines { label, state } => {
                if let Ok(s) = state.lock() {
                    eprintln!("{label}: 100% ({} B)", s.0);
                }
            }
        }
    }
}
