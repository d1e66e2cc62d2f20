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
//! - [`render`] — the views (side by side, struct, matrices, histograms), their colours, and
//!   the JSON Lines output.

pub mod analysis;
pub mod capture;
pub mod cli;
pub mod error;
pub mod framing;
pub mod kernel;
pub mod lesson;
pub mod live;
mod live_run;
pub mod net;
pub mod render;
pub mod signal;
pub mod struct_command;
pub mod structfmt;
pub mod tools;
pub mod transcript;
pub mod upload;

use std::time::Duration;

use clap::Parser;
use cli::{Cli, Command, ExchangeArgs, FramedArgs, FramingKind, StructAction};
use error::Error;
use framing::{DelimiterCodec, FixedCodec, Framing, LengthCodec};
use lesson::LessonRun;
use lesson::exchange::ExchangeOptions;
use render::ViewOptions;

/// The longest a run's sends may be spread out (the messages × --send-gap), so every lesson
/// ends in bounded time.
const MAX_SENDING_TIME: Duration = Duration::from_secs(30);

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
            let sent = upload::send::upload(&args.file, args.to, args.name.as_deref(), &progress)?;
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
                wait: Duration::from_millis(args.wait),
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

/// `--step` or `--slow`: show the run one event at a time.
fn is_paced(cli: &Cli) -> bool {
    cli.step || cli.slow.is_some()
}

/// Replay a finished run event by event: waiting for Enter (`--step`) or a fixed pause
/// (`--slow`). The sockets have done their work already; only the telling is paced.
fn show_paced(
    run: &LessonRun,
    cli: &Cli,
    args: &ExchangeArgs,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    if args.trials > 1 {
        return Err(Error::Usage(
            "--step and --slow show one run; drop --trials".into(),
        ));
    }
    if cli.json {
        return out
            .write_all(show(run, true, args).as_bytes())
            .map_err(Error::Output);
    }
    let summary = analysis::summarize(run);
    let parts = render::side_by_side::render_parts(run, &summary, ViewOptions { hex: args.hex });
    out.write_all(parts.head.as_bytes())
        .map_err(Error::Output)?;
    pace(&parts.events, cli, out)?;
    out.write_all(parts.foot.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Output)
}

/// Write `blocks` one at a time: after each, wait for Enter (`--step`; `q` or the end of
/// input shows the rest) or sleep (`--slow`).
fn pace(blocks: &[String], cli: &Cli, out: &mut dyn std::io::Write) -> Result<(), Error> {
    use std::io::BufRead;
    let stdin = std::io::stdin();
    let mut stepping = cli.step;
    for block in blocks {
        out.write_all(block.as_bytes())
            .and_then(|()| out.flush())
            .map_err(Error::Output)?;
        if stepping {
            eprint!("  [Enter: next · q Enter: the rest] ");
            let mut answer = String::new();
            if stdin.lock().read_line(&mut answer).unwrap_or(0) == 0 || answer.trim() == "q" {
                stepping = false;
            }
        } else if let Some(ms) = cli.slow {
            std::thread::sleep(Duration::from_millis(ms));
        }
    }
    Ok(())
}

/// `lab lessons`: one line each — name, title, command — or JSON.
fn lessons_list(json: bool) -> String {
    if json {
        let list: Vec<serde_json::Value> = lesson::LESSONS
            .iter()
            .map(|l| serde_json::json!({"name": l.name, "title": l.title, "command": l.command}))
            .collect();
        return format!("{}\n", serde_json::Value::Array(list));
    }
    let width = lesson::LESSONS
        .iter()
        .map(|l| l.name.len())
        .max()
        .unwrap_or(0);
    lesson::LESSONS
        .iter()
        .map(|l| {
            format!(
                "{:<width$}  {}\n{:<width$}  $ {}\n",
                l.name, l.title, "", l.command
            )
        })
        .collect()
}

/// `lab lesson NAME`: the text for a terminal, then (with --run) its demo.
fn run_lesson(
    args: &cli::LessonArgs,
    cli: &Cli,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    let info = lesson::find(&args.name).ok_or_else(|| {
        let names: Vec<&str> = lesson::LESSONS.iter().map(|l| l.name).collect();
        Error::Usage(format!(
            "no lesson called {:?}; the lessons are: {}",
            args.name,
            names.join(", ")
        ))
    })?;
    let lang = args.lang.unwrap_or_else(lesson::Lang::from_env);
    let text = render::markdown::render(info.text(lang));
    out.write_all(text.as_bytes()).map_err(Error::Output)?;
    if !args.run {
        return out.flush().map_err(Error::Output);
    }
    let Some(demo) = info.run else {
        return writeln!(out, "\nThis lesson needs two terminals: {}", info.command)
            .map_err(Error::Output);
    };
    let shown: Vec<String> = demo
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("{a:?}")
            } else {
                a.to_string()
            }
        })
        .collect();
    writeln!(out, "\n── $ lab {} ──\n", shown.join(" ")).map_err(Error::Output)?;
    let demo_cli = Cli::try_parse_from(std::iter::once("lab").chain(demo.iter().copied()))
        .map_err(|e| Error::Usage(format!("the lesson's demo does not parse: {e}")))?;
    run(
        &Cli {
            json: cli.json,
            ..demo_cli
        },
        out,
    )
}

/// Run an exchange lesson once (and show it) or `--trials` times (and show histograms).
fn run_trials(
    cli: &Cli,
    args: &ExchangeArgs,
    mut run_once: impl FnMut() -> Result<LessonRun, Error>,
) -> Result<String, Error> {
    if args.trials <= 1 {
        return Ok(show(&run_once()?, cli.json, args));
    }
    if args.wire {
        return Err(Error::Usage(
            "--wire shows one run's segments; use it without --trials (the histograms count \
             segments from TCP_INFO)"
                .into(),
        ));
    }
    let mut lesson = "";
    let mut summaries = Vec::with_capacity(args.trials as usize);
    for _ in 0..args.trials {
        let run = run_once()?;
        lesson = run.lesson;
        summaries.push(analysis::summarize(&run));
    }
    Ok(if cli.json {
        render::trials_view::render_json(lesson, &summaries)
    } else {
        render::trials_view::render(lesson, &summaries)
    })
}

fn show(run: &LessonRun, json: bool, args: &ExchangeArgs) -> String {
    let summary = analysis::summarize(run);
    if json {
        render::json::render(run, &summary)
    } else {
        render::side_by_side::render(run, &summary, ViewOptions { hex: args.hex })
    }
}

/// The framing `--framing`, `--header`, `--delimiter`, `--record-size` and `--max-frame` ask for.
fn framing_of(args: &FramedArgs) -> Result<Framing, Error> {
    let max_frame = args.max_frame as usize;
    // An option of another framing would be silently ignored: say so instead.
    let stray = [
        ("--header", args.header.is_some(), FramingKind::Length),
        (
            "--delimiter",
            args.delimiter.is_some(),
            FramingKind::Delimiter,
        ),
        (
            "--record-size",
            args.record_size.is_some(),
            FramingKind::Fixed,
        ),
    ]
    .into_iter()
    .find(|&(_, given, kind)| given && kind != args.framing);
    if let Some((flag, _, kind)) = stray {
        let wanted = format!("{kind:?}").to_lowercase();
        return Err(Error::Usage(format!(
            "{flag} applies to --framing {wanted}, not --framing {}",
            format!("{:?}", args.framing).to_lowercase()
        )));
    }
    Ok(match args.framing {
        FramingKind::Length => {
            let format = args.header.clone().unwrap_or_else(|| "!I".into());
            let header = framing::length_header_from_format(&format)
                .map_err(|e| Error::Usage(format!("--header {format:?}: {e}")))?;
            Framing::Length {
                codec: LengthCodec::new(header, max_frame),
                format,
            }
        }
        FramingKind::Delimiter => {
            let text = args.delimiter.as_deref().unwrap_or("\\n");
            let delimiter = structfmt::parse_escaped(text)
                .map_err(|e| Error::Usage(format!("--delimiter {text:?}: {e}")))?;
            if delimiter.is_empty() {
                return Err(Error::Usage(
                    "--delimiter must have at least one byte".into(),
                ));
            }
            Framing::Delimiter(DelimiterCodec::new(delimiter, max_frame))
        }
        FramingKind::Fixed => {
            Framing::Fixed(FixedCodec::new(args.record_size.unwrap_or(16) as usize))
        }
    })
}

/// The messages to send and the lesson options, with the notes' messages by default.
fn exchange_options(args: &ExchangeArgs) -> Result<(Vec<String>, ExchangeOptions), Error> {
    let messages: Vec<String> = if args.messages.is_empty() {
        lesson::sticky_demo::DEFAULT_MESSAGES
            .iter()
            .map(|m| m.to_string())
            .collect()
    } else {
        args.messages.clone()
    };
    let send_gap = Duration::from_millis(args.send_gap);
    let gaps = messages.len().saturating_sub(1);
    if send_gap.saturating_mul(gaps as u32) > MAX_SENDING_TIME {
        return Err(Error::Usage(format!(
            "--send-gap {} ms between {} messages would take over {} s; use a shorter gap or \
             fewer --message values",
            args.send_gap,
            messages.len(),
            MAX_SENDING_TIME.as_secs()
        )));
    }
    let options = ExchangeOptions {
        recv_size: args.recv_size as usize,
        reader_delay: Duration::from_millis(args.reader_delay),
        send_gap,
        nodelay: args.nodelay,
        wire: args.wire,
    };
    Ok((messages, options))
}
