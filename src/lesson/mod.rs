//! Lessons: each one runs real sockets and returns what they did (the exchange lessons an
//! [`ExchangeRun`]) — it never prints.
//!
//! A new lesson is one file here, named after its subcommand, plus a line in [`LESSONS`] and
//! its text under `lessons/`.

pub mod backlog_demo;
pub mod exchange;
pub mod facts;
pub mod framed_demo;
pub mod reuseaddr_demo;
pub mod stall_demo;
pub mod sticky_demo;
pub mod udp_demo;

pub use exchange::{ExchangeRun, Transport};

/// One lesson's registry entry. Its title is its text's first heading ([`LessonInfo::title`]),
/// so the list and the text cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LessonInfo {
    /// What `lab lesson` takes, e.g. `sticky-demo`.
    pub name: &'static str,
    /// The command that runs its demo, as a student types it (for a demo in several
    /// terminals, the first terminal's).
    pub command: &'static str,
    /// What the other terminals run, for a demo that takes more than one.
    pub beside: Option<Beside>,
    /// The demo's arguments for `lab lesson NAME --run`; `None` when it needs two terminals.
    pub run: Option<&'static [&'static str]>,
    /// The lesson text in English and in Chinese (Markdown), embedded in the binary.
    pub text_en: &'static str,
    pub text_zh: &'static str,
}

/// What runs in the other terminals beside a lesson's command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beside {
    /// `lab chat`, in a second terminal.
    Chat,
    /// `lab chat` in other terminals, more than once.
    Chats,
}

impl LessonInfo {
    /// The title in the language asked for: the text's first `# ` heading, without Markdown's
    /// backticks.
    pub fn title(&self, lang: crate::lang::Lang) -> String {
        let text = self.text(lang);
        let heading = text.lines().next().and_then(|l| l.strip_prefix("# "));
        heading.unwrap_or(self.name).replace('`', "")
    }

    /// The text in the language asked for.
    pub fn text(&self, lang: crate::lang::Lang) -> &'static str {
        use crate::lang::Lang;
        match lang {
            Lang::En => self.text_en,
            Lang::Zh => self.text_zh,
        }
    }
}

macro_rules! lesson {
    ($name:literal, $command:literal, beside: $beside:expr) => {
        LessonInfo {
            beside: Some($beside),
            ..lesson!($name, $command, None)
        }
    };
    ($name:literal, $command:literal, $run:expr) => {
        LessonInfo {
            name: $name,
            command: $command,
            beside: None,
            run: $run,
            text_en: include_str!(concat!("../../lessons/", $name, ".en.md")),
            text_zh: include_str!(concat!("../../lessons/", $name, ".zh.md")),
        }
    };
}

/// Every lesson, in teaching order.
pub const LESSONS: &[LessonInfo] = &[
    lesson!(
        "socket-basics",
        "lab sticky-demo --message \"welcome world\"",
        Some(&["sticky-demo", "--message", "welcome world"])
    ),
    lesson!(
        "communication-loop",
        "lab serve",
        beside: Beside::Chat
    ),
    lesson!(
        "connection-loop",
        "lab serve",
        beside: Beside::Chats
    ),
    lesson!(
        "reuseaddr-demo",
        "lab reuseaddr-demo",
        Some(&["reuseaddr-demo"])
    ),
    lesson!("backlog-demo", "lab backlog-demo", Some(&["backlog-demo"])),
    lesson!("sticky-demo", "lab sticky-demo", Some(&["sticky-demo"])),
    lesson!(
        "split-messages",
        "lab sticky-demo --recv-size 4",
        Some(&["sticky-demo", "--recv-size", "4"])
    ),
    lesson!(
        "struct",
        "lab struct pack i 5",
        Some(&["struct", "pack", "i", "5"])
    ),
    lesson!("framed-demo", "lab framed-demo", Some(&["framed-demo"])),
    lesson!(
        "other-framings",
        "lab framed-demo --framing delimiter",
        Some(&["framed-demo", "--framing", "delimiter"])
    ),
    lesson!("stall-demo", "lab stall-demo", Some(&["stall-demo"])),
    lesson!(
        "upload-demo",
        "lab upload-demo --size 8MiB",
        Some(&["upload-demo", "--size", "8MiB"])
    ),
    lesson!("udp-demo", "lab udp-demo", Some(&["udp-demo"])),
    lesson!(
        "nagle",
        "lab sticky-demo --net delay=20ms",
        Some(&["sticky-demo", "--net", "delay=20ms"])
    ),
    lesson!(
        "network-splits",
        "lab sticky-demo --net delay=20ms --message-size 60000 --reader-delay 0 --recv-size 65536",
        Some(&[
            "sticky-demo",
            "--net",
            "delay=20ms",
            "--message-size",
            "60000",
            "--reader-delay",
            "0",
            "--recv-size",
            "65536"
        ])
    ),
    lesson!(
        "lost-packets",
        "lab sticky-demo --net delay=5ms,loss=8%,seed=4 --message-size 30000 --reader-delay 0",
        Some(&[
            "sticky-demo",
            "--net",
            "delay=5ms,loss=8%,seed=4",
            "--message-size",
            "30000",
            "--reader-delay",
            "0"
        ])
    ),
    lesson!(
        "trace-your-code",
        "lab trace --server 'python3 lessons/trace/sticky_server.py' --client 'python3 lessons/trace/sticky_client.py' --reader-delay 100",
        Some(&[
            "trace",
            "--server",
            "python3 lessons/trace/sticky_server.py",
            "--client",
            "python3 lessons/trace/sticky_client.py",
            "--reader-delay",
            "100"
        ])
    ),
];

/// The text without its answers section (`## Answers` / `## 答案`, up to the next section):
/// the quiz can be projected and the answers kept for later.
pub fn without_answers(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.split_inclusive('\n') {
        if let Some(title) = line.strip_prefix("## ") {
            skipping = matches!(title.trim(), "Answers" | "答案");
        }
        if !skipping {
            out.push_str(line);
        }
    }
    out
}

/// The lesson called `name`.
pub fn find(name: &str) -> Option<&'static LessonInfo> {
    LESSONS.iter().find(|l| l.name == name)
}
