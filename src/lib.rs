//! # lab — a TCP teaching sandbox
//!
//! TCP moves a stream of bytes, not messages. Three send() calls can come out of one recv()
//! (粘包, sticky packets), and one message can be spread over several recv() calls (半包).
//! Each lesson here opens real sockets on loopback (or across `--net`'s link between two
//! network namespaces), records every send() and recv() into a [`transcript::Transcript`],
//! and hands it to a view that shows the bytes side by side. `lab trace` does the same for a
//! student's own programs.
//!
//! Data flows one way:
//!
//! ```text
//! CLI args ──► command ──► options ──► a source of events ─────────► Transcript ──► view
//!  (cli)       (command)   (typed)     lesson:: lab's own sockets     (events,      render::
//!                                      trace::  the student's programs  packets)    (en, zh)
//!                                      net::link the link's packets
//! ```
//!
//! Sources never print; views never touch sockets; words (in English and Chinese) and colour
//! live in [`render`] only; [`analysis`] turns a transcript into counts and typed verdicts.
//!
//! # Layout
//!
//! - [`cli`] — the clap definition of the command line, and nothing else.
//! - [`command`] — the one dispatch: each subcommand's arguments become typed options once,
//!   its source runs, a view shows the result. A newcomer looking for a command starts here.
//! - [`lang`] — English or Chinese: the one choice every view is made in.
//! - [`error`] — the crate's error type and exit codes.
//! - [`transcript`] — events, sides, directions, spans and the wire model (every packet):
//!   what every source produces; `transcript::EventNote`, what an event says (a knob's pause,
//!   an address pair, a refused frame) as a typed fact.
//! - [`lesson`] — the lesson registry and one module per lesson (lab's own client and server);
//!   `lesson::exchange` is the one connection the headline lessons run; `lesson::facts`
//!   keeps the typed details of demos whose events say nothing in words themselves.
//! - [`trace`] — `lab trace`: the student's own programs under ptrace + seccomp (spawn, the
//!   filter, syscall decoding, fd tables, connection pairing, events), one job per file;
//!   `trace::linked` runs them across `--net` (a loopback address rewritten at the call, the
//!   link's packets handed to their connections).
//! - [`net`] — sockets (socket2 builders, a stream that records each send() and recv()),
//!   `net::kernel` (what the running kernel says: /proc/net/tcp, somaxconn, TCP_INFO),
//!   `net::capture` (`--wire` on loopback), `net::packet` and `net::tracker` (headers and a
//!   connection's packets), `net::link` (`--net`: two namespaces joined by a link lab carries).
//! - [`tools`] — the long-running tools: `tools::serve` (the server loop: one epoll loop for
//!   messages, `tools::poller`; a thread per upload), `tools::chat` (and `tools::chat_across`:
//!   chat and server across `--net` in one run), `tools::proxy`, the live
//!   events they stream (`tools::live`) and their typed reasons (`tools::reasons`: why a client
//!   was turned away or left, what a note says), Ctrl-C (`tools::signal`, `tools::stoppable`).
//! - `whole_file` — a file that appears under its name whole or not at all (an upload's
//!   body, a picture): nameless while written (O_TMPFILE), then linked.
//! - [`upload`] — large file upload: protocol, both sides, the demo, the plain-copy yardstick;
//!   `upload::refusal`, why one was not taken (a stable code each).
//! - [`framing`] — sans-IO decoders that cut a byte stream back into messages.
//! - [`structfmt`] — Python's struct format language, byte for byte (sans-IO), and
//!   `structfmt::report`, what `lab struct` computes.
//! - [`analysis`] — counts and typed verdicts measured from a transcript (`analysis::reading`:
//!   the wire reading, the verdict, the hint, each with a stable code); `analysis::link` the
//!   link's facts, `analysis::segments` how a traced direction left on the link,
//!   `analysis::stall` stall-demo's figures, `analysis::trials` what `--trials`
//!   runs came to, `analysis::stream` long traced streams counted as they flow.
//! - [`render`] — every view and its words: side by side (with the wire or the link between),
//!   struct, matrices, histograms, stall-demo's table, live logs, a trace's connections (and
//!   `render::linked_view`, the link in them), charts (`render::chart`: SVG, HTML;
//!   `render::trace_pictures` for a traced connection), pcapng, JSON Lines; the terminal (width, pager,
//!   `--step`'s keys) and colour. `render::words` holds every sentence, English and Chinese
//!   side by side, one file per area.

pub mod analysis;
pub mod cli;
pub mod command;
pub mod error;
pub mod framing;
pub mod lang;
pub mod lesson;
pub mod net;
pub mod render;
pub mod structfmt;
pub mod tools;
pub mod trace;
pub mod transcript;
pub mod upload;
pub(crate) mod whole_file;

pub use command::run;
