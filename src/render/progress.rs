//! Upload progress for a person: a bar (indicatif) on a terminal, plain lines otherwise —
//! both on stderr, so stdout keeps only the final line. A bar appears only when its phase
//! starts, so nothing shows an empty `0 B/0 B` while another phase runs.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::words::Words;
use crate::lang::Lang;
use crate::upload::Progress;

/// The phases of an upload a bar can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// upload-demo making its file.
    Make,
    Send,
    Receive,
}

/// A bar on a terminal, a line every tenth otherwise.
pub enum ProgressView {
    Bar {
        bar: ProgressBar,
        label: String,
        /// The bars drawn together; this one joins them when its phase starts.
        group: Option<MultiProgress>,
    },
    Lines {
        label: String,
        words: Words,
        state: Mutex<(u64, u64, u64)>,
    },
}

impl ProgressView {
    /// For one phase of an upload, labelled in `lang`; `group` stacks several bars.
    pub fn new(phase: Phase, group: Option<&MultiProgress>, lang: Lang) -> Self {
        let label = Words(lang).phase(phase);
        // A dumb terminal cannot redraw a bar in place: it gets lines.
        if std::io::stderr().is_terminal() && !super::terminal::is_dumb() {
            ProgressView::Bar {
                bar: ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
                label: label.to_string(),
                group: group.cloned(),
            }
        } else {
            ProgressView::Lines {
                label: label.to_string(),
                words: Words(lang),
                state: Mutex::new((0, 0, 0)),
            }
        }
    }

    /// Views drawn together (the phases of an upload in one process), in this order.
    pub fn group<const N: usize>(phases: [Phase; N], lang: Lang) -> [Self; N] {
        let group = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        phases.map(|phase| Self::new(phase, Some(&group), lang))
    }
}

/// The bar's look; colour only when the views are coloured.
fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(if colored::control::SHOULD_COLORIZE.should_colorize() {
        "{prefix:>8} {msg:20!} [{bar:30.cyan/blue}] {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}"
    } else {
        "{prefix:>8} {msg:20!} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}"
    })
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("█▌ ")
}

/// Put a bar on the screen (once): in its group, or on stderr alone.
fn show(bar: &ProgressBar, label: &str, group: Option<&MultiProgress>) {
    if bar.is_hidden() {
        bar.set_prefix(label.to_string());
        match group {
            Some(group) => {
                group.add(bar.clone());
            }
            None => bar.set_draw_target(ProgressDrawTarget::stderr()),
        }
    }
}

impl Progress for ProgressView {
    fn start(&self, name: &str, total: u64) {
        match self {
            ProgressView::Bar { bar, label, group } => {
                show(bar, label, group.as_ref());
                bar.set_style(bar_style());
                // Reset here, not at creation: the rate counts from the phase's first byte.
                bar.reset();
                bar.set_length(total);
                bar.set_message(name.to_string());
            }
            ProgressView::Lines {
                label,
                words,
                state,
            } => {
                if let Ok(mut s) = state.lock() {
                    *s = (total, 0, total / 10);
                }
                eprintln!("{}", words.progress_start(label, name, total));
            }
        }
    }

    fn advance(&self, bytes: u64) {
        match self {
            ProgressView::Bar { bar, .. } => bar.inc(bytes),
            ProgressView::Lines {
                label,
                words,
                state,
            } => {
                let Ok(mut s) = state.lock() else { return };
                s.1 += bytes;
                if s.0 > 0 && s.1 >= s.2 && s.1 < s.0 {
                    eprintln!("{}", words.progress_step(label, s.1, s.0));
                    s.2 = s.1 + s.0 / 10;
                }
            }
        }
    }

    fn finish(&self) {
        match self {
            ProgressView::Bar { bar, .. } => bar.finish(),
            ProgressView::Lines {
                label,
                words,
                state,
            } => {
                if let Ok(s) = state.lock() {
                    eprintln!("{}", words.progress_done(label, s.0));
                }
            }
        }
    }
}
