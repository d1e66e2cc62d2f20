//! # lab — a TCP teaching sandbox
//!
//! TCP moves a stream of bytes, not messages. Three send() calls can come out of one recv()
//! (粘包, sticky packets), and one message can be spread over several recv() calls (半包).
//! Each lesson here opens real sockets on loopback (or across `--net`'s link between two
//! network namespaces), records every send() and recv() into a [`transcript::Transcript`],
//! and hands it to a view that shows the bytes side by side.
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
//! - [`net`] — socket2 builders and a stream that records each send() and recv();
//!   `net::packet` reads IPv4/TCP/UDP headers, `net::tracker` follows a connection's packets
//!   into the transcript's wire model; `net::link` is `--net`: two network namespaces joined
//!   by a link lab carries itself (spec, namespace, tun, path, forwarder, record, gso).
//! - [`kernel`] — what the running kernel says: /proc/net/tcp, somaxconn, TCP_INFO.
//! - [`capture`] — `--wire`: the connection's packets, captured on loopback.
//! - [`framing`] — sans-IO decoders that cut a byte stream back into messages.
//! - [`structfmt`] — Python's struct format language, byte for byte.
//! - [`struct_command`] — `lab struct pack|unpack|calcsize`.
//! - [`lesson`] — the lesson registry and one module per lesson.
//! - [`analysis`] — counts and verdicts measured from a transcript; `analysis::link` the
//!   link's facts (losses, flights, segments Nagle held, delayed ACKs), `analysis::stall`
//!   stall-demo's figures, `analysis::stream` long traced streams counted as they flow.
//! - [`tools`], [`live`] — `lab serve`, `lab chat`, `lab proxy` and the events they stream;
//!   `tools::stoppable` holds the socket waits that Ctrl-C ends at once.
//! - [`upload`] — large file upload: protocol, both sides, the demo, the plain-copy yardstick.
//! - [`trace`] — `lab trace`: the student's own programs under ptrace + seccomp (spawn, the
//!   filter, syscall decoding, fd tables, connection pairing, events), one job per file.
//! - [`signal`] — Ctrl-C as a flag the long-running tools poll, and a descriptor they poll().
//! - `exchange_run`, `classroom`, `live_run`, `trace_run` — turning command-line arguments into runs;
//!   `picture_files` writes the files `--svg`, `--html` and `--pcap` ask for (whole or not at
//!   all: a temporary name, then a rename).
//! - [`render`] — the views (side by side with the link's column, struct, matrices, histograms, stall-demo's table, a trace's live log and connections), their words and
//!   colours, the JSON Lines output, and the terminal: its width, the pager, `--step`'s keys;
//!   `render::chart` draws a run as a sequence diagram (SVG, or an HTML page with the table,
//!   Next/Back and the JSON), `render::pcapng` writes the wire model for Wireshark.

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
mod picture_files;
pub mod poller;
pub mod render;
pub mod signal;
pub mod struct_command;
pub mod structfmt;
pub mod tools;
pub mod trace;
mod trace_run;
pub mod transcript;
pub mod upload;

use classroom::{lessons_list, run_lesson};
use cli::{Cli, Command, StructAction};
use error::Error;
use exchange_run::{
    exchange_options, framing_of, is_paced, pace, refuse_capture_for_udp, run_trials, show_paced,
};

/// Run the command, writing its output to `out` (the long-running tools stream to it).
pub fn run(cli: &Cli, out: &mut dyn std::io::Write) -> Result<(), Error> {
    refuse_ignored_flags(cli)?;
    let width = render::terminal::width(cli.width);
    match &cli.command {
        Command::Serve(args) => live_run::run_serve(args, cli.json, width, out),
        Command::Lesson(args) => run_lesson(args, cli, out),
        Command::StickyDemo(args) if is_paced(cli) => {
            let (messages, options) = exchange_options(&args.exchange)?;
            let run = lesson::sticky_demo::run(&messages, &options)?;
            show_paced(&run, cli, &args.exchange, width, out)
        }
        Command::FramedDemo(args) if is_paced(cli) => {
            let (messages, options) = exchange_options(&args.exchange)?;
            let run =
                lesson::framed_demo::run(&messages, &options, framing_of(args)?, args.corrupt)?;
            show_paced(&run, cli, &args.exchange, width, out)
        }
        Command::UdpDemo(args) if is_paced(cli) => {
            refuse_capture_for_udp(&args.exchange)?;
            let (messages, options) = exchange_options(&args.exchange)?;
            let run = lesson::udp_demo::run(&messages, &options)?;
            show_paced(&run, cli, &args.exchange, width, out)
        }
        Command::Completions { shell } => {
            // Into a buffer first: the generator panics on a write error (a closed pipe).
            let mut script = Vec::new();
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut command, "lab", &mut script);
            out.write_all(&script).map_err(Error::Output)
        }
        Command::Man(args) => write_man(args, out),
        Command::Chat(args) => live_run::run_chat(args, cli.json, width, out),
        Command::Proxy(args) => live_run::run_proxy(args, cli.json, width, out),
        Command::Trace(args) => trace_run::run_trace(args, cli.json, width, out),
        _ => {
            let text = render_command(cli, width)?;
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

/// Global flags that a subcommand would silently ignore are refused instead.
fn refuse_ignored_flags(cli: &Cli) -> Result<(), Error> {
    use render::phrases::flag_not_for;
    let pacing = if cli.step { "--step" } else { "--slow" };
    let paced = is_paced(cli);
    match &cli.command {
        Command::Serve(_) | Command::Chat(_) | Command::Proxy(_) if paced => {
            Err(flag_not_for(pacing, &cli.command, "it runs live"))
        }
        Command::Completions { .. } | Command::Man(_) if paced || cli.json => Err(flag_not_for(
            if cli.json { "--json" } else { pacing },
            &cli.command,
            "it prints a script or a page",
        )),
        Command::Lesson(_) if cli.json => Err(flag_not_for(
            "--json",
            &cli.command,
            "a lesson is a text; run its demo with --json instead",
        )),
        Command::Lesson(args) if paced && !args.run => Err(flag_not_for(
            pacing,
            &cli.command,
            "it paces a demo: add --run",
        )),
        Command::UdpDemo(args) if args.exchange.nodelay => Err(flag_not_for(
            "--nodelay",
            &cli.command,
            "TCP_NODELAY is a TCP option; UDP sends each datagram at once",
        )),
        _ => Ok(()),
    }
}

/// `lab man`: lab's page, a subcommand's page, or every page into a directory.
fn write_man(args: &cli::ManArgs, out: &mut dyn std::io::Write) -> Result<(), Error> {
    let mut command = <Cli as clap::CommandFactory>::command().disable_help_subcommand(true);
    command.build();
    if let Some(dir) = &args.dir {
        clap_mangen::generate_to(command, dir)
            .map_err(|e| Error::io(format!("writing the pages into {}", dir.display()), e))?;
        return Ok(());
    }
    let mut page = command;
    for name in &args.subcommand {
        page = page
            .find_subcommand(name)
            .filter(|c| !c.is_hide_set())
            .cloned()
            .ok_or_else(|| render::phrases::no_such_page(&args.subcommand))?;
    }
    // Into a buffer first: a closed pipe is then one error, not a half-written page.
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(Error::Output)?;
    out.write_all(&roff).map_err(Error::Output)
}

/// Run a command that ends, and return all it prints.
fn render_command(cli: &Cli, width: usize) -> Result<String, Error> {
    match &cli.command {
        Command::Serve(_)
        | Command::Chat(_)
        | Command::Proxy(_)
        | Command::Lesson(_)
        | Command::Trace(_)
        | Command::Completions { .. }
        | Command::Man(_) => unreachable!("these write as they go: run() runs them"),
        Command::Lessons => Ok(lessons_list(cli.json, width)),
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
                render::upload_view::final_line(&sent, width)
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
            let [make, send, receive] =
                render::progress::ProgressView::group(["make", "send", "receive"]);
            let report = upload::demo::run(args.size, [&make, &send, &receive])?;
            Ok(if cli.json {
                render::upload_view::render_demo_json(&report)
            } else {
                render::upload_view::render_demo(&report, width)
            })
        }
        Command::StickyDemo(args) => {
            let (messages, options) = exchange_options(&args.exchange)?;
            run_trials(cli, &args.exchange, width, || {
                lesson::sticky_demo::run(&messages, &options)
            })
        }
        Command::UdpDemo(args) => {
            refuse_capture_for_udp(&args.exchange)?;
            let (messages, options) = exchange_options(&args.exchange)?;
            run_trials(cli, &args.exchange, width, || {
                lesson::udp_demo::run(&messages, &options)
            })
        }
        Command::FramedDemo(args) => {
            let (messages, options) = exchange_options(&args.exchange)?;
            let framing = framing_of(args)?;
            run_trials(cli, &args.exchange, width, || {
                lesson::framed_demo::run(&messages, &options, framing.clone(), args.corrupt)
            })
        }
        Command::Struct(args) => run_struct(&args.action, cli.json, width),
        Command::StallDemo(args) => {
            let run = lesson::stall_demo::run(&lesson::stall_demo::StallOptions {
                rounds: args.rounds as usize,
                size: args.size as usize,
                net: args.net.clone(),
            })?;
            let facts = analysis::stall::stall_facts(&run);
            // The spec as run: the seed the link drew, when none was given.
            let net = run.variants.first().and_then(|v| v.net.as_ref());
            Ok(if cli.json {
                render::stall_view::render_json(&facts, net)
            } else {
                render::stall_view::render(&facts, net)
            })
        }
        Command::BacklogDemo(args) => {
            let run = lesson::backlog_demo::run(lesson::backlog_demo::BacklogOptions {
                backlog: args.backlog,
                clients: args.clients as usize,
                wait: std::time::Duration::from_millis(args.wait),
            })?;
            Ok(if cli.json {
                render::backlog_view::render_json(&run)
            } else {
                render::backlog_view::render(&run, width)
            })
        }
        Command::ReuseaddrDemo(args) => {
            let run = lesson::reuseaddr_demo::run(args.closer)?;
            Ok(if cli.json {
                render::reuseaddr_view::render_json(&run)
            } else {
                render::reuseaddr_view::render(&run, width)
            })
        }
    }
}

fn run_struct(action: &StructAction, json: bool, width: usize) -> Result<String, Error> {
    use render::struct_view;
    let report = match action {
        StructAction::Pack { format, values } => struct_command::pack(format, values)?,
        StructAction::Unpack { format, hex } => struct_command::unpack(format, hex)?,
        StructAction::Calcsize { format } => {
            let format = struct_command::calcsize(format)?;
            return Ok(if json {
                struct_view::render_calcsize_json(&format)
            } else {
                struct_view::render_calcsize(&format, width)
            });
        }
    };
    Ok(if json {
        struct_view::render_json(&report)
    } else {
        struct_view::render(&report, width)
    })
}
