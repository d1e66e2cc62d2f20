//! Sentences that commands and tools put into errors and events. They are made here, with
//! the other words, so that every sentence a user reads has one home (and can be translated
//! in one place).

use std::net::SocketAddr;

use crate::cli::Command;
use crate::error::Error;

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

/// The port is taken: the same words (and exit code) from every tool that listens.
pub fn address_in_use(addr: SocketAddr, reuseaddr: bool) -> String {
    format!(
        "{addr}: address already in use — another program listens on that port, or a \
         connection of an earlier server still holds it{}; choose another port (port 0 picks \
         a free one) or stop the other program (see lab reuseaddr-demo)",
        if reuseaddr {
            ""
        } else {
            " (without --no-reuseaddr a restart binds past a TIME_WAIT)"
        }
    )
}

/// `lab chat`: the server closed before this client sent a line; `said` is what it sent
/// first, if anything (lab serve says why it turns a client away).
pub fn turned_away(said: &str) -> String {
    let said = said.trim();
    if said.is_empty() {
        "the server closed the connection before this client sent anything: it may be serving \
         all the clients it takes already (lab serve --max-clients), or it was stopped"
            .into()
    } else {
        format!("the server turned this client away: {said}")
    }
}

/// `lab chat`: the server closed while the chat waited for the user's next line.
pub fn server_left_while_waiting() -> String {
    "the server closed the connection while this client waited for a line: it was stopped, \
     or it dropped this client (lab serve --idle-timeout)"
        .into()
}

/// `lab chat`: the server closed instead of answering a line. Without any reply at all the
/// likeliest reason is a different framing on the two sides.
pub fn server_closed_after_line(replied: bool, framed: bool) -> String {
    match (replied, framed) {
        (true, _) => "the server closed the connection".into(),
        (false, false) => "the server closed the connection without replying to this line: a \
                           server in --mode framed does that when the bytes are not a frame \
                           (it reads the first 4 as a length); if it runs --mode framed, run \
                           lab chat --mode framed too"
            .into(),
        (false, true) => "the server closed the connection without replying to this line: if \
                          it runs --mode raw or another --header, use the same here"
            .into(),
    }
}

/// `lab serve` to a client over `--max-clients`, before it closes the connection.
pub fn refusal(max_clients: usize) -> String {
    format!(
        "already serving {} (--max-clients); connection closed",
        if max_clients == 1 {
            "1 client".to_string()
        } else {
            format!("{max_clients} clients")
        }
    )
}

/// `lab upload-demo --size` larger than the disk can hold twice.
pub fn not_enough_space(dir: &std::path::Path, size: u64, needed: u64, free: u64) -> String {
    use super::human_bytes;
    format!(
        "--size {}: the demo writes the file and receives a copy of it, so it needs {} free \
         in {}, which has {}; choose a smaller --size, or point TMPDIR at a roomier disk",
        human_bytes(size),
        approximate_bytes(needed),
        dir.display(),
        approximate_bytes(free)
    )
}

/// A size as a person reads it, rounded: 1.5 GiB, 200 GiB.
fn approximate_bytes(n: u64) -> String {
    let units = [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")];
    for (shift, unit) in units {
        if n >= 1 << shift {
            return format!("{:.1} {unit}", n as f64 / (1u64 << shift) as f64);
        }
    }
    format!("{n} B")
}
