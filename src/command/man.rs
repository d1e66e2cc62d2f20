//! `lab man` and `lab completions`: the manual pages and shell completion scripts, both
//! generated from the command line's definition.

use std::io::Write;

use crate::cli::{Cli, ManArgs};
use crate::error::{Error, Problem};

/// `lab completions SHELL`: the script for that shell.
pub(super) fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<(), Error> {
    // Into a buffer first: the generator panics on a write error (a closed pipe).
    let mut script = Vec::new();
    let mut command = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut command, "lab", &mut script);
    out.write_all(&script).map_err(Error::Output)
}

/// `lab man`: lab's page, a subcommand's page, or every page into a directory.
pub(super) fn pages(args: &ManArgs, out: &mut dyn Write) -> Result<(), Error> {
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
            .ok_or_else(|| Problem::NoSuchPage {
                path: args.subcommand.clone(),
            })?;
    }
    // Into a buffer first: a closed pipe is then one error, not a half-written page.
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(Error::Output)?;
    out.write_all(&roff).map_err(Error::Output)
}
