//! # lab — a TCP teaching sandbox
//!
//! TCP moves a stream of bytes, not messages. Three send() calls can come out of one recv()
//! (粘包, sticky packets), and one message can be spread over several recv() calls (半包).
//! Each lesson here opens real sockets on loopback, records every send() and recv() into a
//! [`transcript::Transcript`], and hands it to a view that shows the bytes side by side.
//!
//! Data flows one way:
//!
//! ```text
//! CLI args ──► lesson options ──► lesson runs real sockets ──► Transcript ──► view
//!  (cli)        (lesson::…)        (lesson::… via net)          (events)      (render::…)
//! ```
//!
//! Lessons never print; views never touch sockets; colour lives in `render` only.
//!
//! # Layout
//!
//! - [`cli`] — the clap definition of the command line.
//! - [`error`] — the crate's error type and exit codes.
//! - [`transcript`] — events, sides, spans: what every lesson produces.
//! - [`net`] — socket2 builders and a stream that records each send() and recv().
//! - [`kernel`] — what the running kernel says: /proc/net/tcp, somaxconn, TCP_INFO.
//! - [`capture`] — `--wire`: the connection's segments, captured on loopback.
//! - [`framing`] — sans-IO decoders that cut a byte stream back into messages.
//! - [`structfmt`] — Python's struct format language, byte for byte.
//! - [`struct_command`] — `lab struct pack|unpack|calcsize`.
//! - [`lesson`] — the lesson registry and one module per lesson.
//! - [`analysis`] — counts and verdicts measured from a transcript.
//! - [`tools`], [`live`] — `lab serve`, `lab chat`, `lab proxy` and the events they stream;
//!   `tools::stoppable` holds the socket waits that Ctrl-C ends at once.
//! - [`upload`] — large file upload: protocol, both sides, the demo, the plain-copy yardstick.
//! - [`signal`] — Ctrl-C as a flag the long-running tools poll, and a descriptor they poll().
//! - `exchange_run`, `classroom`, `live_run` — turning command-line arguments into runs.
//! - [`render`] — the views (side by side, struct, matrices, histograms), their colours, and
//!   the JSON Lines output.

pub mod analysis;
pub mod capture;
mod classroom;
pub mod cli;
pub mod error;
mod exchange_run;
pub mod framing;
pub mod kernel;
pub mod lesson;
pub mod live;
mod live_run;
pub mod net;
pub mod poller;
pub mod render;
pub mod signal;
pub mod struct_command;
pub mod structfmt;
pub mod tools;
pub mod transcript;
pub mod upload;

use classroom::{lessons_list, run_lesson};
use cli::{Cli, Command, StructAction};
use error::Error;
use exchange_run::{exchange_options, framing_of, is_paced, pace, run_trials, show_paced};

/// Run the command, writing its output to `out` (the long-running tools stream to it).
pub fn run(cli: &Cli, out: &mut dyn std::io::Write) -> Result<(), Error> {
    match &cli.command {
        Command::Serve(args) => live_run::run_serve(args, cli.json, out),
        Command::Lesson(args) => run_lesson(args, cli, out),
        Command::StickyDemo(args) if is_paced(cli) => {
            let (messages, options) = exchange_options(&args.exchange)?;
            let run = lesson::sticky_demo::run(&messages, &options)?;
            show_paced(&run, cli, &args.exchange, out)
        }
        Command::FramedDemo(args) if is_paced(cli) => {
            let (messages, options) = exchange_options(&args.exchange)?;
            let run =
                lesson::framed_demo::run(&messages, &options, framing_of(args)?, args.corrupt)?;
            show_paced(&run, cli, &args.exchange, out)
        }
        Command::UdpDemo(args) if is_paced(cli) => {
            let (messages, options) = exchange_options(&args.exchange)?;
            let run = lesson::udp_demo::run(&messages, &options)?;
            show_paced(&run, cli, &args.exchange, out)
        }
        Command::Completions { shell } => {
            // Into a buffer first: the generator panics on a write error (a closed pipe).
            let mut script = Vec::new();
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut command, "lab", &mut script);
            out.write_all(&script).map_err(Error::Output)
        }
        Command::Man => clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
            .render(out)
            .map_err(Error::Output),
        Command::Chat(args) => live_run::run_chat(args, cli.json, out),
        Command::Proxy(args) => live_run::run_proxy(args, cli.json, out),
        _ => {
            let text = render_command(cli)?;
            if is_paced(cli) && !cli.json {
                // Demos without an event table (matrices, uploads) are paced row by row.
                let rows: Vec<String> = text.lines().map(|l| format!("{l}\n")).collect();
                return pace(&rows, cli, out);
            }
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(Error::Output)
        }
    }
}

/// Run a command that ends, and return all it prints.
fn render_command(cli: &Cli) -> Result<String, Error> {
    match &cli.command {
        Command::Serve(_)
        | Command::Chat(_)
        | Command::Proxy(_)
        | Command::Lesson(_)
        | Command::Completions { .. }
        | Command::Man => unreachable!("these write as they go: run() runs them"),
        Command::Lessons => Ok(lessons_list(cli.json)),
        Command::Upload(args) => {
            let progress = render::progress::ProgressView::new("send", None);
            let timeout = live_run::seconds(args.timeout, "--timeout")?;
            let sent = upload::send::upload_within(
                &args.file,
                args.to,
                args.name.as_deref(),
                timeout,
                &progress,
            )?;
            Ok(if cli.json {
                render::upload_view::sent_json(&sent)
            } else {
                format!("{}\n", render::upload_view::final_line(&sent))
            })
        }
        Command::CopyRecv { addr, out } => {
            let listener = std::net::TcpListener::bind(addr)
                .map_err(|e| Error::io(format!("bind({addr})"), e))?;
            let bound = listener
                .local_addr()
                .map_err(|e| Error::io("getsockname()", e))?;
            // The address first, so a script can connect; the count when done.
            println!("{bound}");
            let n = upload::plain::receive_one(&listener, out)
                .map_err(|e| Error::io("plain copy (receive)", e))?;
            Ok(format!("{n}\n"))
        }
        Command::CopySend { file, to } => {
            let n =
                upload::plain::send(file, *to).map_err(|e| Error::io("plain copy (send)", e))?;
            Ok(format!("{n}\n"))
        }
        Command::UploadDemo(args) => {
            let (send, receive) = render::progress::ProgressView::pair("send", "receive");
            let report = upload::demo::run(args.size, &send, &receive)?;
            Ok(if cli.json {
                render::upload_view::render_demo_json(&report)
            } else {
                render::upload_view::render_demo(&report)
            })
        }
        Command::StickyDemo(args) => {
            let (messages, options) = exchange_options(&args.exchange)?;
            run_trials(cli, &args.exchange, || {
                lesson::sticky_demo::run(&messages, &options)
            })
        }
        Command::UdpDemo(args) => {
            let (messages, options) = exchange_options(&args.exchange)?;
            if options.wire {
                return Err(Error::Usage(
                    "--wire captures TCP; udp-demo has no stream".into(),
                ));
            }
            run_trials(cli, &args.exchange, || {
                lesson::udp_demo::run(&messages, &options)
            })
        }
        Command::FramedDemo(args) => {
            let (messages, options) = exchange_options(&args.exchange)?;
            let framing = framing_of(args)?;
            run_trials(cli, &args.exchange, || {
                lesson::framed_demo::run(&messages, &options, framing.clone(), args.corrupt)
            })
        }
        Command::Struct(args) => run_struct(&args.action, cli.json),
        Command::BacklogDemo(args) => {
            let run = lesson::backlog_demo::run(lesson::backlog_demo::BacklogOptions {
                backlog: args.backlog,
                clients: args.clients as usize,
                wait: std::time::Duration::from_millis(args.wait),
            })?;
            Ok(if cli.json {
                render::backlog_view::render_json(&run)
            } else {
                render::backlog_view::render(&run)
            })
        }
        Command::ReuseaddrDemo(args) => {
            let run = lesson::reuseaddr_demo::run(args.closer)?;
            Ok(if cli.json {
                render::reuseaddr_view::render_json(&run)
            } else {
                render::reuseaddr_view::render(&run)
            })
        }
    }
}

fn run_struct(action: &StructAction, json: bool) -> Result<String, Error> {
    use render::struct_view;
    let report = match action {
        StructAction::Pack { format, values } => struct_command::pack(format, values)?,
        StructAction::Unpack { format, hex } => struct_command::unpack(format, hex)?,
        StructAction::Calcsize { format } => {
            let format = struct_command::calcsize(format)?;
            return Ok(if json {
                struct_view::render_calcsize_json(&format)
            } else {
                struct_view::render_calcsize(&format)
            });
        }
    };
    Ok(if json {
        struct_view::render_json(&report)
    } else {
        struct_view::render(&report)
    })
}
