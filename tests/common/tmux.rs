//! The real binary in a real terminal: a tmux pane of a chosen size, keys typed into it,
//! the screen read back as a user would see it.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a terminal test waits for the screen to show something: generous for a busy
/// machine; a passing test waits only as long as lab takes.
const WAIT: Duration = Duration::from_secs(20);

/// A tmux server of its own, running one command in one pane.
pub struct Pane {
    socket: String,
}

/// Whether tmux is installed (CI installs it; a developer without it is told).
pub fn available() -> bool {
    let found = Command::new("tmux").arg("-V").output().is_ok();
    if !found {
        eprintln!("skipped: tmux is not installed (apt-get install tmux)");
    }
    found
}

/// Quote for sh.
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

impl Pane {
    /// Run `lab ARGS` in a `width` × `height` pane with `env` set (and COLUMNS, LESS, PAGER
    /// unset unless given). When lab ends, the pane shows `[exit N]` and the terminal's
    /// `icanon`/`echo` settings, so a test can see that they were restored.
    pub fn start(args: &[&str], width: u16, height: u16, env: &[(&str, &str)]) -> Pane {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "lab-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut command = String::from("env -u COLUMNS -u LESS -u PAGER -u NO_COLOR");
        for (key, value) in env {
            command.push_str(&format!(" {key}={}", quote(value)));
        }
        command.push(' ');
        command.push_str(&quote(env!("CARGO_BIN_EXE_lab")));
        for arg in args {
            command.push(' ');
            command.push_str(&quote(arg));
        }
        let script = format!(
            "{command}; echo \"[exit $?]\"; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon\\|-\\?echo' | tr '\\n' ' '; echo; sleep 600"
        );
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .args(["sh", "-c", &script])
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Pane { socket }
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// The screen as it is now; `joined` puts lines the terminal wrapped back together.
    pub fn screen(&self, joined: bool) -> String {
        let mut args = vec!["capture-pane", "-p"];
        if joined {
            args.push("-J");
        }
        String::from_utf8_lossy(&self.tmux(&args).stdout).into_owned()
    }

    /// The screen with its escape codes (colours).
    pub fn screen_with_escapes(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-e"]).stdout).into_owned()
    }

    /// Wait until the screen shows what `want` looks for; the screen then.
    pub fn wait_for(&self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen(false);
            if want(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {what}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Type keys, in tmux's names (`Space`, `Enter`, `C-d`, `q`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend(keys);
        assert!(self.tmux(&args).status.success());
    }

    /// Wait for lab to end; its exit status and the terminal settings after it.
    pub fn exit(&self) -> (i32, String) {
        let screen = self.wait_for("[exit N]", |s| {
            s.lines().any(|l| l.starts_with("[exit ")) && s.contains("icanon")
        });
        let mut lines = screen.lines().skip_while(|l| !l.starts_with("[exit "));
        let code = lines.next().unwrap()["[exit ".len()..]
            .trim_end_matches(']')
            .parse()
            .unwrap();
        (code, lines.next().unwrap_or("").to_string())
    }

    /// The process id of lab, the child of the pane's shell.
    pub fn lab_pid(&self) -> i32 {
        let shell =
            String::from_utf8_lossy(&self.tmux(&["list-panes", "-F", "#{pane_pid}"]).stdout)
                .trim()
                .to_string();
        let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
            .expect("the pane's shell has a child");
        children
            .split_whitespace()
            .next()
            .expect("lab runs")
            .parse()
            .unwrap()
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
