//! `--step` and `--slow`: a finished view told one block (one event's rows) at a time. The
//! sockets have done their work already; only the telling is paced.
//!
//! On a terminal `--step` reads single keys — Enter or space: next, b: back one step, q or
//! Ctrl-D: the rest, Ctrl-C: stop — with the terminal in raw mode, restored however lab
//! leaves (a return, an error, a panic, a signal). The prompt is erased after each key, so
//! the table is left as clean as if it had been printed at once. From a pipe, Enter steps
//! and `q` or the end of the input shows the rest.

use std::io::{self, BufRead, IsTerminal, Write};
use std::os::fd::AsRawFd;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use unicode_width::UnicodeWidthStr;

use super::style;
use super::terminal;
use super::words::Words;
use crate::error::Error;

/// How a view is paced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// Wait for a key after each block.
    Step,
    /// Pause this long after each block.
    Slow(Duration),
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Next,
    Back,
    Rest,
    Interrupt,
    /// A key that means nothing here: ask again.
    Other,
}

/// Write `blocks` to `out` one at a time, paced; `--step`'s prompt in `words`.
pub fn pace(
    blocks: &[String],
    pacing: Pacing,
    words: Words,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let write = |out: &mut dyn Write, text: &str| {
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(Error::Output)
    };
    let Pacing::Step = pacing else {
        for block in blocks {
            write(out, block)?;
            if let Pacing::Slow(pause) = pacing {
                std::thread::sleep(pause);
            }
        }
        return Ok(());
    };
    let mut keys = Keys::open(words);
    let mut shown = 0;
    let mut stepping = true;
    while shown < blocks.len() {
        if !stepping {
            write(out, &blocks[shown..].concat())?;
            break;
        }
        write(out, &blocks[shown])?;
        shown += 1;
        loop {
            match keys.ask() {
                Key::Next => break,
                Key::Rest => {
                    stepping = false;
                    break;
                }
                Key::Interrupt => return Err(Error::Interrupted),
                Key::Back if keys.can_go_back && shown > 1 => {
                    shown -= 1;
                    let rows = blocks[shown].matches('\n').count();
                    // Up over the block's rows, then clear to the end of the screen.
                    write(out, &format!("\x1b[{rows}A\x1b[J"))?;
                }
                Key::Back | Key::Other => {}
            }
        }
    }
    Ok(())
}

/// Where the keys come from: single keys on a terminal, lines from a pipe.
struct Keys {
    raw: Option<RawMode>,
    /// The prompt can be erased (stderr is a terminal that understands escape codes).
    erase: bool,
    /// The rows can be taken back: stdout is that terminal too.
    can_go_back: bool,
    words: Words,
}

impl Keys {
    fn open(words: Words) -> Keys {
        let raw = RawMode::enter(io::stdin().as_raw_fd());
        let smart = !terminal::is_dumb();
        let erase = io::stderr().is_terminal() && smart;
        Keys {
            can_go_back: raw.is_some() && erase && io::stdout().is_terminal(),
            raw,
            erase,
            words,
        }
    }

    /// Show the prompt, wait for a key, take the prompt away again.
    fn ask(&mut self) -> Key {
        let prompt = self.words.step_prompt(self.raw.is_some());
        let mut err = io::stderr().lock();
        let _ = write!(err, "{}", style::dim(prompt));
        let _ = if self.erase {
            err.flush()
        } else {
            writeln!(err)
        };
        drop(err);
        let key = match &self.raw {
            Some(raw) => raw.read_key(),
            None => read_line_key(),
        };
        let mut err = io::stderr().lock();
        if self.erase {
            let _ = write!(err, "\r\x1b[2K");
        } else if io::stderr().is_terminal() {
            // A dumb terminal still knows a carriage return: blank the prompt out.
            let _ = write!(err, "\r{}\r", " ".repeat(prompt.width()));
        }
        let _ = err.flush();
        key
    }
}

/// One line from a pipe: `q` or the end of the input means the rest.
fn read_line_key() -> Key {
    let mut answer = String::new();
    match io::stdin().lock().read_line(&mut answer) {
        Ok(0) | Err(_) => Key::Rest,
        Ok(_) if answer.trim() == "q" => Key::Rest,
        Ok(_) => Key::Next,
    }
}

/// The terminal's settings before raw mode, for whoever restores them (a drop or a signal).
static SAVED: OnceLock<(i32, libc::termios)> = OnceLock::new();
/// Raw mode is on and must be undone.
static RAW: AtomicBool = AtomicBool::new(false);

/// The terminal on stdin in raw mode (no line editing, no echo, keys such as Ctrl-C as
/// bytes) for as long as this lives.
struct RawMode {
    fd: i32,
}

impl RawMode {
    fn enter(fd: i32) -> Option<RawMode> {
        if !io::stdin().is_terminal() {
            return None;
        }
        let mut saved = std::mem::MaybeUninit::<libc::termios>::uninit();
        // SAFETY: tcgetattr fills the termios it is given when it returns 0.
        if unsafe { libc::tcgetattr(fd, saved.as_mut_ptr()) } != 0 {
            return None;
        }
        // SAFETY: initialised by the successful tcgetattr above.
        let saved = unsafe { saved.assume_init() };
        let (fd, saved) = *SAVED.get_or_init(|| (fd, saved));
        let mut raw = saved;
        raw.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG);
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;
        restore_on_signals();
        RAW.store(true, Ordering::SeqCst);
        // SAFETY: a valid descriptor and a termios built from the terminal's own.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &raw) } != 0 {
            RAW.store(false, Ordering::SeqCst);
            return None;
        }
        Some(RawMode { fd })
    }

    fn read_key(&self) -> Key {
        let mut buf = [0u8; 8];
        // SAFETY: reading into a buffer of the length given.
        let n = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            return if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                Key::Other
            } else {
                Key::Rest
            };
        }
        key_of(&buf[..n as usize])
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// What the bytes of one key press ask for.
fn key_of(bytes: &[u8]) -> Key {
    match bytes {
        // The input ended (the terminal hung up).
        [] => Key::Rest,
        [b'\r' | b'\n' | b' ', ..] => Key::Next,
        [b'q' | b'Q' | 0x04, ..] => Key::Rest,
        [b'b' | b'B', ..] => Key::Back,
        [0x03, ..] => Key::Interrupt,
        // Arrow keys: down and right step on, up and left step back.
        [0x1b, b'[' | b'O', b'B' | b'C', ..] => Key::Next,
        [0x1b, b'[' | b'O', b'A' | b'D', ..] => Key::Back,
        _ => Key::Other,
    }
}

/// Put the terminal back as it was, once (async-signal-safe: an atomic and tcsetattr).
fn restore_terminal() {
    if RAW.swap(false, Ordering::SeqCst) {
        if let Some((fd, saved)) = SAVED.get() {
            // SAFETY: tcsetattr is async-signal-safe; the termios is the terminal's own.
            unsafe { libc::tcsetattr(*fd, libc::TCSANOW, saved) };
        }
    }
}

extern "C" fn restore_and_die(signal: libc::c_int) {
    restore_terminal();
    // SAFETY: back to the default action, then the same signal again: lab ends as the
    // sender meant, with the terminal restored.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

/// A signal while the terminal is raw (SIGTERM, a hang-up, a `kill -INT`) restores it first.
fn restore_on_signals() {
    let handler = restore_and_die as extern "C" fn(libc::c_int) as libc::sighandler_t;
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        // SAFETY: the handler only calls async-signal-safe functions.
        unsafe { libc::signal(signal, handler) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_mean_what_the_prompt_says() {
        assert_eq!(key_of(b"\r"), Key::Next);
        assert_eq!(key_of(b" "), Key::Next);
        assert_eq!(key_of(b"q"), Key::Rest);
        assert_eq!(key_of(b"\x04"), Key::Rest);
        assert_eq!(key_of(b"b"), Key::Back);
        assert_eq!(key_of(b"\x03"), Key::Interrupt);
        assert_eq!(key_of(b"\x1b[B"), Key::Next);
        assert_eq!(key_of(b"\x1b[A"), Key::Back);
        assert_eq!(key_of(b"x"), Key::Other);
        assert_eq!(key_of(b""), Key::Rest);
    }
}
