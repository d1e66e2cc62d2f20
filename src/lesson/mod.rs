//! Lessons: each one runs real sockets and returns a [`LessonRun`] — it never prints.
//!
//! A new lesson is one file here, named after its subcommand, plus a line in [`LESSONS`] and
//! its text under `lessons/`.

pub mod backlog_demo;
pub mod exchange;
pub mod framed_demo;
pub mod reuseaddr_demo;
pub mod sticky_demo;
pub mod udp_demo;

use crate::framing::Framing;
use crate::transcript::Transcript;
use exchange::ExchangeOptions;

/// One lesson's registry entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LessonInfo {
    /// The subcommand, e.g. `sticky-demo`.
    pub name: &'static str,
    pub title: &'static str,
    /// The lesson text in English (Markdown), embedded in the binary.
    pub text_en: &'static str,
}

/// Every lesson, in teaching order.
pub const LESSONS: &[LessonInfo] = &[
    LessonInfo {
        name: "sticky-demo",
        title: "Sticky packets: several send() calls, one recv() (粘包 / 半包)",
        text_en: include_str!("../../lessons/sticky-demo.en.md"),
    },
    LessonInfo {
        name: "framed-demo",
        title: "The fix: a length header in front of every message",
        text_en: include_str!("../../lessons/framed-demo.en.md"),
    },
    LessonInfo {
        name: "reuseaddr-demo",
        title: "\"Address already in use\": SO_REUSEADDR and TIME_WAIT",
        text_en: include_str!("../../lessons/reuseaddr-demo.en.md"),
    },
    LessonInfo {
        name: "backlog-demo",
        title: "listen(n): the waiting room (半连接池)",
        text_en: include_str!("../../lessons/backlog-demo.en.md"),
    },
];

/// What a lesson hands to the views: its name, its knobs and what its sockets did.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonRun {
    pub lesson: &'static str,
    pub options: ExchangeOptions,
    /// `Some` for lessons that frame their messages.
    pub framing: Option<Framing>,
    /// How the sender was told to break the framing (`--corrupt`), if at all.
    pub corrupt: Option<framed_demo::Corruption>,
    pub transcript: Transcript,
}
