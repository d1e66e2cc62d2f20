//! Long texts on a terminal go through a pager, the way git does it: `$PAGER`, else `less`
//! when it is installed, with `LESS=FRX` unless LESS is set (quit at once if the text fits
//! the screen, keep colours, leave the text on the screen). Never in a pipe, never with
//! `--no-pager`, never when PAGER is empty or `cat`.

use std::io::{self, IsTerminal, Write};
use std::process::{Child, Command, Stdio};

use crate::error::Error;

/// A running pager: write into it, then [`Pager::finish`].
pub struct Pager {
    child: Child,
}

impl Pager {
    /// A pager for stdout, if stdout is a terminal and one is wanted and available.
    pub fn start(wanted: bool) -> Option<Pager> {
        if !wanted || !io::stdout().is_terminal() || super::terminal::is_dumb() {
            return None;
        }
        let mut command = pager_command()?;
        if std::env::var_os("LESS").is_none() {
            command.env("LESS", "FRX");
        }
        let child = command.stdin(Stdio::piped()).spawn().ok()?;
        // The pager owns the terminal now: Ctrl-C is its to handle (less keeps running and
        // goes on showing the text), so lab waits for it instead of dying under it.
        // SAFETY: ignoring a signal is async-signal-safe and has no preconditions.
        unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
        Some(Pager { child })
    }

    /// Where the text goes.
    pub fn input(&mut self) -> &mut dyn Write {
        self.child
            .stdin
            .as_mut()
            .expect("spawned with a piped stdin")
    }

    /// Close the pager's input and wait until the user leaves it.
    pub fn finish(mut self) -> Result<(), Error> {
        drop(self.child.stdin.take());
        self.child
            .wait()
            .map(|_| ())
            .map_err(|e| Error::io("waiting for the pager", e))
    }
}

/// `$PAGER` through the shell (it may hold arguments), or `less -R`; `None` for none.
fn pager_command() -> Option<Command> {
    match std::env::var("PAGER") {
        Ok(pager) if pager.trim().is_empty() || pager.trim() == "cat" => None,
        Ok(pager) => {
            let mut command = Command::new("sh");
            command.args(["-c", &pager]);
            Some(command)
        }
        Err(_) => {
            let less = find_in_path("less")?;
            let mut command = Command::new(less);
            command.arg("-R");
            Some(command)
        }
    }
}

/// The first executable called `name` in PATH.
fn find_in_path(name: &str) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|file| {
            std::fs::metadata(file)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}
