//! Sentences that commands and tools put into errors and events. They are made here, with
//! the other words, so that every sentence a user reads has one home (and can be translated
//! in one place).

use std::net::SocketAddr;

use super::words::Words;
use crate::cli::Command;
use crate::error::Error;
use crate::lang::Lang;

/// A global flag the subcommand would ignore: refused, saying why.
pub fn flag_not_for(flag: &str, command: &Command, why: &str) -> Error {
    Error::Usage(format!(
        "{flag} does nothing for lab {}: {why}",
        command.name()
    ))
}

/// `lab man` asked for a page that is not there.
pub fn no_such_page(path: &[String]) -> Error {
    Error::Usage(format!(
        "lab man {}: no such subcommand (lab --help lists them)",
        path.join(" ")
    ))
}

// The tools' sentences live with their words now (`render::words::live`, `words::upload`),
// in English and Chinese; these English forms remain for callers that have no language.

/// The port is taken: see [`Words::address_in_use`].
pub fn address_in_use(addr: SocketAddr, reuseaddr: bool) -> String {
    Words(Lang::En).address_in_use(addr, reuseaddr)
}

/// `lab chat` was turned away: see [`Words::turned_away`].
pub fn turned_away(said: &str) -> String {
    Words(Lang::En).turned_away(said)
}

/// `lab serve` to a client over `--max-clients`: see [`Words::turn_away`].
pub fn refusal(max_clients: usize) -> String {
    Words(Lang::En).turn_away(&crate::tools::reasons::TurnAway::MaxClients(max_clients))
}

/// `lab upload-demo --size` too large: see [`Words::not_enough_space`].
pub fn not_enough_space(dir: &std::path::Path, size: u64, needed: u64, free: u64) -> String {
    Words(Lang::En).not_enough_space(dir, size, needed, free)
}
