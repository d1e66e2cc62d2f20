//! The one room between the command line and the rest: each subcommand's arguments become
//! typed options here, once, its source runs (a lesson, a tool, a trace), and a view turns the
//! result into text or JSON. clap stays above this room; nothing below it knows of clap.
//!
//! Where to find a command: the exchange demos (sticky-demo, framed-demo, udp-demo) in
//! [`exchange`], the tables of measurements (backlog, reuseaddr, stall) in `demos`, the
//! two-terminal tools (serve, chat, proxy: the server loop itself is in `tools::serve`) in
//! `live`, uploads in `uploads`, `lab trace` in `trace`, `lab struct` in [`structs`], the
//! lessons' texts in `classroom`, man pages and completions in `man`, and the picture files
//! (`--svg`, `--html`, `--pcap`) in `pictures`.

mod classroom;
mod demos;
mod exchange;
mod live;
mod man;
mod patient_output;
mod pictures;
mod present;
pub mod structs;
mod trace;
mod uploads;

use std::io::Write;

pub use present::Presentation;

use crate::cli::{Cli, Command};
use crate::error::{Error, Ignored, Problem};
use crate::render;

/// Run the command, writing its output to `out` (the long-running tools stream to it).
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<(), Error> {
    refuse_ignored_flags(cli)?;
    let present = Presentation::from_cli(cli);
    match &cli.command {
        Command::Lesson(args) => match classroom::show_lesson(args, &present, out)? {
            // `--run`: the lesson hands back its demo, which runs here like any command.
            Some(demo) => run(&demo, out),
            None => Ok(()),
        },
        Command::Lessons => write_text(&classroom::lessons_list(&present), &present, out),
        Command::StickyDemo(args) => exchange::sticky(args, &present, out),
        Command::FramedDemo(args) => exchange::framed(args, &present, out),
        Command::UdpDemo(args) => exchange::udp(args, &present, out),
        Command::StallDemo(args) => write_text(&demos::stall(args, &present)?, &present, out),
        Command::BacklogDemo(args) => write_text(&demos::backlog(args, &present)?, &present, out),
        Command::ReuseaddrDemo(args) => {
            write_text(&demos::reuseaddr(args, &present)?, &present, out)
        }
        Command::Struct(args) => write_text(&structs::run(&args.action, &present)?, &present, out),
        Command::Serve(args) => live::serve(args, &present, out),
        Command::Chat(args) => live::chat(args, &present, out),
        Command::Proxy(args) => live::proxy(args, &present, out),
        Command::Trace(args) => trace::run(args, &present, out),
        Command::Upload(args) => write_text(&uploads::upload(args, &present)?, &present, out),
        Command::UploadDemo(args) => write_text(&uploads::demo(args, &present)?, &present, out),
        Command::CopyRecv { addr, out: file } => uploads::copy_receive(*addr, file, out),
        Command::CopySend { file, to } => uploads::copy_send(file, *to, out),
        Command::Completions { shell } => man::completions(*shell, out),
        Command::Man(args) => man::pages(args, out),
    }
}

/// Write a finished view: at once, or (`--step`, `--slow`) row by row.
fn write_text(text: &str, present: &Presentation, out: &mut dyn Write) -> Result<(), Error> {
    if let (Some(pacing), false) = (present.pacing, present.json) {
        let rows: Vec<String> = text.lines().map(|l| format!("{l}\n")).collect();
        let words = render::words::Words(present.lang);
        return render::pacing::pace(&rows, pacing, words, out);
    }
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Output)
}

/// Global flags that a subcommand would silently ignore are refused instead.
fn refuse_ignored_flags(cli: &Cli) -> Result<(), Error> {
    let flag_not_for = |flag, command: &Command, why| {
        Error::Problem(Problem::FlagIgnored {
            flag,
            command: command.name(),
            why,
        })
    };
    let pacing = if cli.step { "--step" } else { "--slow" };
    let paced = cli.step || cli.slow.is_some();
    match &cli.command {
        Command::Serve(_) | Command::Chat(_) | Command::Proxy(_) | Command::Trace(_) if paced => {
            Err(flag_not_for(pacing, &cli.command, Ignored::RunsLive))
        }
        Command::Completions { .. } | Command::Man(_) if paced || cli.json => Err(flag_not_for(
            if cli.json { "--json" } else { pacing },
            &cli.command,
            Ignored::PrintsScriptOrPage,
        )),
        Command::Lesson(_) if cli.json => {
            Err(flag_not_for("--json", &cli.command, Ignored::LessonIsText))
        }
        Command::Lesson(args) if paced && !args.run => {
            Err(flag_not_for(pacing, &cli.command, Ignored::PacesDemo))
        }
        Command::UdpDemo(args) if args.exchange.nodelay => Err(flag_not_for(
            "--nodelay",
            &cli.command,
            Ignored::NodelayIsTcp,
        )),
        _ => Ok(()),
    }
}
