//! The `lab` binary: parse the command line, set colour once, run, and print either the
//! output or a single `error: …` line with the right exit code.

use std::io;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use sticky_lab::cli::Cli;
use sticky_lab::error::{EXIT_USAGE, Error};
use sticky_lab::render;

fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    cli.lift_global_options();
    // Still one thread: the only moment a user namespace can be entered, if one is needed.
    if cli.wants_link() {
        sticky_lab::net::link::prepare_unprivileged();
    }
    render::init_color(cli.color);
    let mut stdout = io::stdout().lock();
    match sticky_lab::run(&cli, &mut stdout) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`lab … | head`) is not an error worth a message.
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Help and version go out as clap writes them; a real usage error becomes one line.
fn usage_error(e: &clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(EXIT_USAGE as u8);
        }
        _ => {}
    }
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or("error: invalid usage");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // clap's usage line names the subcommand: point at its --help.
    let command = text
        .lines()
        .find_map(|l| l.strip_prefix("Usage: "))
        .map(|usage| {
            usage
                .split(' ')
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(subcommand_in_args);
    eprintln!("error: {first} (see '{command} --help')");
    ExitCode::from(EXIT_USAGE as u8)
}

/// `lab SUBCOMMAND` if the arguments name one, else `lab`: where `--help` will help most.
fn subcommand_in_args() -> String {
    let command = Cli::command();
    std::env::args()
        .skip(1)
        .find(|arg| command.find_subcommand(arg).is_some())
        .map_or_else(|| "lab".to_string(), |name| format!("lab {name}"))
}
