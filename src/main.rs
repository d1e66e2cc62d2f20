//! The `lab` binary: parse the command line, set colour once, run, and print either the
//! output or a single `error: …` line (in the chosen language) with the right exit code.

use std::io;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use sticky_lab::cli::Cli;
use sticky_lab::command::Presentation;
use sticky_lab::error::Error;
use sticky_lab::render;

fn main() -> ExitCode {
    let matches = match Cli::command().color(clap_color()).try_get_matches() {
        Ok(matches) => matches,
        Err(e) => return usage_error(&e),
    };
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    cli.lift_global_options();
    // Still one thread: the only moment a user namespace can be entered, if one is needed.
    if cli.wants_link() {
        sticky_lab::net::link::prepare_unprivileged();
    }
    render::init_color(cli.color.into());
    // The language of the one error line, as every view chooses it.
    let lang = Presentation::lang_of(&cli);
    let mut stdout = io::stdout().lock();
    match sticky_lab::run(&cli, &mut stdout) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`lab … | head`) is not an error worth a message.
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        // Ctrl-C: the user knows; the shell shows the status.
        Err(e @ Error::Interrupted) => ExitCode::from(e.exit_code() as u8),
        Err(e) => {
            eprintln!("{}", render::phrases::error_line(&e, lang));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Help, version and usage errors go out whole, as clap writes them — the missing argument,
/// the accepted values, the "similar subcommand" tip — in colour on a terminal; exit 2 for
/// an error, 0 for help and version.
fn usage_error(e: &clap::Error) -> ExitCode {
    let _ = e.print();
    ExitCode::from(e.exit_code() as u8)
}

/// clap's own colours follow `--color` too; with `auto` it already honours NO_COLOR,
/// TERM=dumb and whether stderr is a terminal. (The arguments are not parsed yet: look.)
fn clap_color() -> clap::ColorChoice {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.to_str() {
            Some("--color") => args.next(),
            Some(other) => other.strip_prefix("--color=").map(Into::into),
            None => None,
        };
        match value.as_ref().and_then(|v| v.to_str()) {
            Some("never") => return clap::ColorChoice::Never,
            Some("always") => return clap::ColorChoice::Always,
            _ => {}
        }
    }
    clap::ColorChoice::Auto
}
