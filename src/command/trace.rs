//! Running `lab trace` from its command-line arguments: the tracer works on its own thread
//! (the one that starts and traces the programs), this thread writes each event as it comes,
//! then the final view.

use std::io::Write;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::Presentation;
use super::patient_output::{PatientOutput, output_error};
use super::pictures::PictureFiles;
use crate::cli::TraceArgs;
use crate::error::{Error, PacketsNeedLink, Problem, ThreadRole};
use crate::lang::Lang;
use crate::render::trace_live::LiveLog;
use crate::render::words::Words;
use crate::render::{ViewOptions, trace_view};
use crate::tools::signal;
use crate::trace::{
    self, Interrupt, Launch, Linked, Live, LiveQueue, Note, Programs, TraceOptions,
};
use crate::transcript::Op;

/// How often the live view takes what the tracer has handed over.
const BATCH_EVERY: Duration = Duration::from_millis(25);
/// Bytes of each call the text view keeps (a line's worth); `--json` keeps 4 KiB.
const TEXT_PREVIEW: usize = 256;

fn options(args: &TraceArgs, json: bool, net: Option<Linked>) -> TraceOptions {
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
        preview: if json { trace::PREVIEW } else { TEXT_PREVIEW },
        net,
    }
}

/// `--server ''` (or only spaces) would run an empty shell line: refused, naming the flag.
fn check_commands(args: &TraceArgs, words: Words) -> Result<(), Error> {
    let empty = [("--server", &args.server), ("--client", &args.client)]
        .into_iter()
        .find(|(_, line)| line.as_deref().is_some_and(|l| l.trim().is_empty()));
    match empty {
        Some((flag, _)) => Err(Error::said_usage(
            words.trace_error(&trace::TraceError::EmptyCommand { flag: Some(flag) }),
        )),
        None => Ok(()),
    }
}

/// `--net` puts a link between a server and a client: one program alone has no peer across
/// it. Asked before the link is made, as `--pcap` without one is.
fn check_net(args: &TraceArgs) -> Result<(), Error> {
    if args.net.is_some() && args.server.is_none() {
        return Err(Problem::LinkNeedsTwoPrograms.into());
    }
    if args.pcap.is_some() && args.net.is_none() {
        return Err(Problem::PacketsNeedLink {
            command: PacketsNeedLink::Trace,
        }
        .into());
    }
    Ok(())
}

pub(super) fn run(
    args: &TraceArgs,
    present: &Presentation,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let (json, width) = (present.json, present.width);
    // Ctrl-C must stop lab even when nobody reads what it writes (`lab trace … | less`).
    let out = &mut PatientOutput::new(out);
    check_commands(args, Words(present.lang))?;
    check_net(args)?;
    let pictures = PictureFiles::new(
        args.svg.clone(),
        args.html.clone(),
        args.pcap.clone(),
        present.lang,
    )?;
    let net = match &args.net {
        Some(spec) => Some(Linked::start(spec).map_err(Error::Link)?),
        None => None,
    };
    let options = options(args, json, net);
    signal::install();
    let queue = Arc::new(LiveQueue::default());
    let report = thread::scope(|scope| {
        let tracer = {
            let queue = Arc::clone(&queue);
            thread::Builder::new()
                .spawn_scoped(scope, move || trace::run(options, queue))
                .map_err(|e| Error::no_thread(ThreadRole::Tracer, e))?
        };
        let written = write_as_it_comes(&queue, out, json, present.lang, width);
        let report = tracer
            .join()
            .unwrap_or(Err(trace::TraceError::System(nix::errno::Errno::EIO)));
        written.map_err(output_error)?;
        report.map_err(Error::Trace)
    })?;
    pictures.write_trace(&report)?;
    let text = if json {
        trace_view::render_json(&report, Words(present.lang))
    } else {
        trace_view::render(
            &report,
            ViewOptions {
                hex: args.hex,
                width,
                lang: present.lang,
            },
        )
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(output_error)
}

/// Write each live item as the tracer hands it over, a batch a few times a second, until the
/// tracer is done. If the output fails, the programs are stopped as Ctrl-C would.
fn write_as_it_comes(
    queue: &LiveQueue,
    out: &mut dyn Write,
    json: bool,
    lang: Lang,
    width: usize,
) -> std::io::Result<()> {
    let mut writer = LiveWriter {
        log: LiveLog::new(lang, width),
        json,
        not_written: None,
    };
    while let Some(batch) = queue.take(BATCH_EVERY) {
        if let Err(e) = writer.write_batch(out, &batch) {
            signal::request();
            queue.abandon();
            while queue.take(BATCH_EVERY).is_some() {}
            return Err(e);
        }
    }
    match writer.not_written {
        Some(events) if events > 0 => writer.write(out, &Live::Note(Note::NotWritten { events })),
        _ => Ok(()),
    }
}

/// The live log as it is written.
struct LiveWriter {
    log: LiveLog,
    json: bool,
    /// Once Ctrl-C (or SIGTERM) came: the sends and recvs left unwritten since.
    not_written: Option<usize>,
}

impl LiveWriter {
    /// Write a batch, item by item. From the moment a stop is asked for, sends and recvs are
    /// only counted: a busy transfer may have thousands waiting, and writing them would keep
    /// the user waiting. What the stop does — processes ending, calls left waiting, sockets
    /// closing — is still written, and the final view counts every call.
    fn write_batch(&mut self, out: &mut dyn Write, batch: &[Live]) -> std::io::Result<()> {
        self.notice_stop(out)?;
        for live in batch {
            self.notice_stop(out)?;
            let moves_bytes =
                matches!(live, Live::Event(e) if matches!(e.op, Op::Send | Op::Recv | Op::Eof));
            match self.not_written.as_mut() {
                Some(count) if moves_bytes => *count += 1,
                _ => self.write(out, live)?,
            }
        }
        out.flush()
    }

    /// The first time a stop is seen, say so (and by what).
    fn notice_stop(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.not_written.is_none() && signal::stop_requested() {
            self.not_written = Some(0);
            let by = Interrupt::from_signal(signal::stop_signal());
            self.write(out, &Live::Note(Note::Interrupted(by)))?;
        }
        Ok(())
    }

    fn write(&mut self, out: &mut dyn Write, live: &Live) -> std::io::Result<()> {
        write_live(out, &mut self.log, live, self.json)
    }
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
        Some(line) => writeln!(out, "{line}"),
        None => Ok(()),
    }
}
