//! Headless Chromium, driven over its DevTools pipe: started with `--remote-debugging-pipe`,
//! it reads commands on fd 3 and writes replies and events on fd 4, each message one JSON text
//! ending in a NUL byte. No WebSocket, no Node, no download: only Debian's `chromium`.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// The longest any one command may take to answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(60);

/// The browser to drive, if one is installed.
pub fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A running headless browser with one page attached.
pub struct Browser {
    child: Child,
    commands: File,
    messages: Receiver<Value>,
    /// Events that arrived while waiting for answers, oldest first.
    pub events: Vec<Value>,
    next_id: u64,
    session: Option<String>,
    profile: PathBuf,
}

fn pipe() -> (RawFd, RawFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two descriptors; both are owned by the caller from here on.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    (fds[0], fds[1])
}

/// Put `fd` at `target` in the child, without close-on-exec.
fn place(fd: RawFd, target: RawFd) -> std::io::Result<()> {
    // SAFETY: a plain descriptor call between fork and exec.
    if fd < 0 || unsafe { libc::dup2(fd, target) } < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl Browser {
    /// Start `binary` headless with a fresh profile and attach to a blank page of
    /// `width`×`height` pixels.
    pub fn launch(binary: &Path, width: u32, height: u32) -> Browser {
        let profile = std::env::temp_dir().join(format!(
            "lab-chromium-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        let (command_read, command_write) = pipe();
        let (message_read, message_write) = pipe();
        let mut command = Command::new(binary);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--window-size={width},{height}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe descriptor calls run between fork and exec.
        unsafe {
            command.pre_exec(move || {
                // Both copied above the low numbers first, so placing one never overwrites
                // the other.
                let (commands, messages) = (
                    libc::fcntl(command_read, libc::F_DUPFD, 10),
                    libc::fcntl(message_write, libc::F_DUPFD, 10),
                );
                place(commands, 3)?;
                place(messages, 4)
            });
        }
        let child = command.spawn().expect("chromium starts");
        // SAFETY: the parent's ends are ours alone; the child's ends are closed here.
        let (commands, replies) = unsafe {
            libc::close(command_read);
            libc::close(message_write);
            (
                File::from_raw_fd(command_write),
                File::from_raw_fd(message_read),
            )
        };
        let (send, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(replies);
            let mut message = Vec::new();
            while reader.read_until(0, &mut message).unwrap_or(0) > 0 {
                message.pop();
                if let Ok(value) = serde_json::from_slice::<Value>(&message) {
                    if send.send(value).is_err() {
                        return;
                    }
                }
                message.clear();
            }
        });
        let mut browser = Browser {
            child,
            commands,
            messages,
            events: Vec::new(),
            next_id: 0,
            session: None,
            profile,
        };
        let target = browser.call("Target.createTarget", json!({ "url": "about:blank" }));
        let attached = browser.call(
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        );
        browser.session = attached["sessionId"].as_str().map(str::to_string);
        for domain in [
            "Runtime.enable",
            "Log.enable",
            "Page.enable",
            "Network.enable",
        ] {
            browser.call(domain, json!({}));
        }
        browser
    }

    /// Send a command (to the page, once attached) and wait for its answer.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.commands
            .write_all(&bytes)
            .expect("chromium reads commands");
        loop {
            let value = self
                .messages
                .recv_timeout(ANSWER_WITHIN)
                .unwrap_or_else(|e| panic!("chromium did not answer {method}: {e}"));
            if value["id"] == json!(id) {
                if let Some(error) = value.get("error") {
                    panic!("{method} failed: {error}");
                }
                return value["result"].clone();
            }
            self.events.push(value);
        }
    }

    /// Wait for an event named `method`, keeping the others.
    pub fn wait_for(&mut self, method: &str) -> Value {
        if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
            return self.events.remove(i);
        }
        loop {
            let value = self
                .messages
                .recv_timeout(ANSWER_WITHIN)
                .unwrap_or_else(|e| panic!("no {method} from chromium: {e}"));
            if value["method"] == method {
                return value;
            }
            self.events.push(value);
        }
    }

    /// Evaluate `expression` in the page and return its value.
    pub fn evaluate(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("{expression} threw: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// Everything the page reported as going wrong: uncaught exceptions, console errors,
    /// failed loads, and any request that would leave the file.
    pub fn problems(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| {
                let p = &e["params"];
                match e["method"].as_str()? {
                    "Runtime.exceptionThrown" => {
                        Some(format!("exception: {}", p["exceptionDetails"]))
                    }
                    "Runtime.consoleAPICalled" if p["type"] == "error" || p["type"] == "assert" => {
                        Some(format!("console.{}: {}", p["type"], p["args"]))
                    }
                    "Log.entryAdded" if p["entry"]["level"] == "error" => {
                        Some(format!("log: {}", p["entry"]["text"]))
                    }
                    "Network.requestWillBeSent" => {
                        let url = p["request"]["url"].as_str().unwrap_or("");
                        (!url.starts_with("file:") && !url.starts_with("data:"))
                            .then(|| format!("network request: {url}"))
                    }
                    _ => None,
                }
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Chromium's helper processes may still write into the profile for a moment after
        // the browser is gone: try again until it stays removed.
        for _ in 0..20 {
            let _ = std::fs::remove_dir_all(&self.profile);
            std::thread::sleep(std::time::Duration::from_millis(50));
            if !self.profile.exists() {
                break;
            }
        }
    }
}
