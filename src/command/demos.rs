//! The demos that measure a table rather than a transcript: `backlog-demo` (who gets in before
//! accept()), `reuseaddr-demo` (every SO_REUSEADDR combination) and `stall-demo` (Nagle ×
//! delayed ACK, round trip by round trip).

use std::time::Duration;

use super::Presentation;
use super::pictures::PictureFiles;
use crate::analysis;
use crate::cli::{BacklogArgs, ReuseaddrArgs, StallArgs};
use crate::error::{Error, PacketsNeedLink, Problem};
use crate::lesson::{backlog_demo, reuseaddr_demo, stall_demo};
use crate::render;
use crate::render::words::Words;

pub(super) fn backlog(args: &BacklogArgs, present: &Presentation) -> Result<String, Error> {
    let run = backlog_demo::run(backlog_demo::BacklogOptions {
        backlog: args.backlog,
        clients: args.clients as usize,
        wait: Duration::from_millis(args.wait),
    })?;
    let words = Words(present.lang);
    Ok(if present.json {
        render::backlog_view::render_json(&run, words)
    } else {
        render::backlog_view::render(&run, present.width, words)
    })
}

pub(super) fn reuseaddr(args: &ReuseaddrArgs, present: &Presentation) -> Result<String, Error> {
    let run = reuseaddr_demo::run(args.closer.closers())?;
    let words = Words(present.lang);
    Ok(if present.json {
        render::reuseaddr_view::render_json(&run, words)
    } else {
        render::reuseaddr_view::render(&run, present.width, words)
    })
}

pub(super) fn stall(args: &StallArgs, present: &Presentation) -> Result<String, Error> {
    if args.pcap.is_some() && args.net.is_none() {
        return Err(Problem::PacketsNeedLink {
            command: PacketsNeedLink::StallDemo,
        }
        .into());
    }
    let pictures = PictureFiles::new(None, None, args.pcap.clone(), present.lang)?;
    let run = stall_demo::run(&stall_demo::StallOptions {
        rounds: args.rounds as usize,
        size: args.size as usize,
        net: args.net.clone(),
    })?;
    pictures.write_stall(&run)?;
    let facts = analysis::stall::stall_facts(&run);
    // The spec as run: the seed the link drew, when none was given.
    let net = run.variants.first().and_then(|v| v.net.as_ref());
    Ok(if present.json {
        render::stall_view::render_json(&facts, net)
    } else {
        render::stall_view::render(&facts, net, present.width, Words(present.lang))
    })
}
