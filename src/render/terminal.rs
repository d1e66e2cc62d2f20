//! The terminal the output goes to: how wide it is, and whether it understands escape codes.
//! Resolved from the environment once per run; the views take the width as a plain number.

use std::io::IsTerminal;
use std::os::fd::AsRawFd;

/// The width when nothing says otherwise (a pipe, a file).
pub const PIPE_WIDTH: usize = 80;
/// A terminal wider than this still gets lines this long: prose is hard to read wider, and
/// the tables gain nothing. `--width` may ask for more.
pub const MAX_AUTO_WIDTH: usize = 100;

/// The width to lay the output out for: `--width`, else COLUMNS, else the terminal's width
/// (both capped at [`MAX_AUTO_WIDTH`]), else [`PIPE_WIDTH`].
pub fn width(flag: Option<u16>) -> usize {
    if let Some(columns) = flag {
        return usize::from(columns);
    }
    let min = usize::from(crate::cli::MIN_WIDTH);
    columns_variable()
        .or_else(stdout_columns)
        .map_or(PIPE_WIDTH, |w| w.clamp(min, MAX_AUTO_WIDTH))
}

/// COLUMNS, when it holds a number (shells set it; scripts and tests may export it).
fn columns_variable() -> Option<usize> {
    std::env::var("COLUMNS")
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|&w| w > 0)
}

/// The width of the terminal on stdout, if stdout is one.
fn stdout_columns() -> Option<usize> {
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ fills the winsize we pass; the descriptor is stdout's, open for the
    // whole call.
    let ok = unsafe { libc::ioctl(stdout.as_raw_fd(), libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

/// TERM=dumb: a terminal that understands no escape codes (no colour, no cursor movement).
pub fn is_dumb() -> bool {
    std::env::var_os("TERM").is_some_and(|t| t == "dumb")
}

/// Back to the start of the line and erase it (a dumb terminal only goes back).
pub fn clear_line() -> &'static str {
    if is_dumb() { "\r" } else { "\r\x1b[K" }
}

/// Leave the cursor on a fresh line of stderr, below any progress bar: before lab ends on a
/// signal.
pub fn leave_on_a_fresh_line() {
    eprintln!();
}
