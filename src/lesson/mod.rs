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

/// One lesson's registry entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LessonInfo {
    /// What `lab lesson` takes, e.g. `sticky-demo`.
    pub name: &'static str,
    pub title: &'static str,
    /// The command that runs its demo, as a student types it.
    pub command: &'static str,
    /// The demo's arguments for `lab lesson NAME --run`; `None` when it needs two terminals.
    pub run: Option<&'static [&'static str]>,
    /// The lesson text in English and in Chinese (Markdown), embedded in the binary.
    pub text_en: &'static str,
    pub text_zh: &'static str,
}

impl LessonInfo {
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
    ($name:literal, $title:literal, $command:literal, $run:expr) => {
        LessonInfo {
            name: $name,
            title: $title,
            command: $command,
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
        "Socket basics: bind, listen, accept, connect, send, recv, close",
        "lab sticky-demo --message \"welcome world\"",
        Some(&["sticky-demo", "--message", "welcome world"])
    ),
    lesson!(
        "communication-loop",
        "The communication loop (通信循环): receive, reply, again",
        "lab serve   # and in a second terminal: lab chat",
        None
    ),
    lesson!(
        "connection-loop",
        "The connection loop (链接循环) and the empty-message guard",
        "lab serve   # and in other terminals: lab chat, more than once",
        None
    ),
    lesson!(
        "reuseaddr-demo",
        "\"Address already in use\": SO_REUSEADDR and TIME_WAIT",
        "lab reuseaddr-demo",
        Some(&["reuseaddr-demo"])
    ),
    lesson!(
        "backlog-demo",
        "listen(n): the waiting room (半连接池)",
        "lab backlog-demo",
        Some(&["backlog-demo"])
    ),
    lesson!(
        "sticky-demo",
        "Sticky packets (粘包): several send() calls, one recv()",
        "lab sticky-demo",
        Some(&["sticky-demo"])
    ),
    lesson!(
        "split-messages",
        "Split messages (半包): one message, several recv() calls",
        "lab sticky-demo --recv-size 4",
        Some(&["sticky-demo", "--recv-size", "4"])
    ),
    lesson!(
        "struct",
        "struct: what a length header is, byte for byte",
        "lab struct pack i 5",
        Some(&["struct", "pack", "i", "5"])
    ),
    lesson!(
        "framed-demo",
        "The fix: a length header in front of every message",
        "lab framed-demo",
        Some(&["framed-demo"])
    ),
    lesson!(
        "other-framings",
        "Other framings: delimiters, fixed records, misbehaving senders",
        "lab framed-demo --framing delimiter",
        Some(&["framed-demo", "--framing", "delimiter"])
    ),
    lesson!(
        "stall-demo",
        "The 40 ms stall in the notes' own fix: header and body in two send()s",
        "lab stall-demo",
        Some(&["stall-demo"])
    ),
    lesson!(
        "upload-demo",
        "Uploading a large file (大文件上传): header, chunks, checks",
        "lab upload-demo --size 8MiB",
        Some(&["upload-demo", "--size", "8MiB"])
    ),
    lesson!(
        "udp-demo",
        "UDP for contrast: boundaries kept, bytes lost",
        "lab udp-demo",
        Some(&["udp-demo"])
    ),
    lesson!(
        "nagle",
        "Nagle's algorithm on a real path: small sends wait for an ACK",
        "lab sticky-demo --net delay=20ms",
        Some(&["sticky-demo", "--net", "delay=20ms"])
    ),
    lesson!(
        "network-splits",
        "The network splits a message (半包): MTU, segments, slow start",
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
        "Lost packets: TCP sends them again, every byte arrives",
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
        "Trace your own code: the notes' programs (and yours), side by side",
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
