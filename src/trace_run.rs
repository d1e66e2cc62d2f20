//! Running `lab trace` from its command-line arguments: the tracer works on its own thread
//! (the one that starts and traces the programs), this thread writes each event as it comes,
//! then the final view.

use std::io::Write;
use std::sync::mpsc::sync_channel;
use std::thread;
use std::time::Duration;

use crate::cli::TraceArgs;
use crate::error::Error;
use crate::render::trace_live::LiveLog;
use crate::render::{ViewOptions, trace_view};
use crate::signal;
use crate::trace::{self, Launch, Live, Note, Programs, TraceOptions};

/// Events waiting to be written before the traced programs wait for the view: memory stays
/// bounded however fast they talk.
const QUEUE: usize = 1024;

fn options(args: &TraceArgs) -> TraceOptions {
    let programs = match (&args.server, &args.client) {
        (Some(server), Some(client)) => Programs::Pair {
            server: Launch::shell(server),
            client: Launch::shell(client),
        },
        _ => Programs::One(Launch::command(args.command.clone())),
    };
    TraceOptions {
        programs,
        recv_max: args.recv_max,
        send_max: args.send_max,
        reader_delay: Duration::from_millis(args.reader_delay),
    }
}

pub(crate) fn run_trace(args: &TraceArgs, json: bool, out: &mut dyn Write) -> Result<(), Error> {
    let options = options(args);
    signal::install();
    let (sender, receiver) = sync_channel::<Live>(QUEUE);
    let report = thread::scope(|scope| {
        let tracer = scope.spawn(move || trace::run(options, sender));
        let mut log = LiveLog::default();
        let mut failed = None;
        let mut told_interrupt = false;
        for live in receiver {
            if failed.is_some() {
                continue; // keep draining so the tracer never blocks on a full queue
            }
            if signal::stop_requested() && !told_interrupt {
                told_interrupt = true;
                let _ = write_live(out, &mut log, &Live::Note(Note::Interrupted), json);
            }
            if let Err(e) = write_live(out, &mut log, &live, json) {
                // Nobody reads any more: stop the programs, as Ctrl-C would.
                signal::request();
                failed = Some(e);
            }
        }
        let report = tracer
            .join()
            .unwrap_or(Err(trace::TraceError::System(nix::errno::Errno::EIO)));
        match failed {
            Some(e) => Err(Error::Output(e)),
            None => report.map_err(Error::Trace),
        }
    })?;
    let text = if json {
        trace_view::render_json(&report)
    } else {
        trace_view::render(&report, ViewOptions { hex: args.hex })
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Output)
}

fn write_live(
    out: &mut dyn Write,
    log: &mut LiveLog,
    live: &Live,
    json: bool,
) -> std::io::Result<()> {
    let line = if json {
        Some(log.json(live))
    } else {
        log.text(live)
    };
    match line {
        Some(line) => writeln!(out, "{line}").and_then(|()| out.flush()),
        None => Ok(()),
    }
}
