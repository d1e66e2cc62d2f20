//! Running the long-lived tools: the tool works on its own thread and sends events; this
//! thread writes each one out as it arrives (a line of text, or of JSON) and flushes, so a
//! terminal, a pipe and a grader's script all see events live.

use std::io::{self, IsTerminal, Write};
use std::os::fd::AsFd;
use std::sync::mpsc::sync_channel;
use std::thread;
use std::time::Duration;

use std::net::SocketAddr;

use super::Presentation;
use super::patient_output::{PatientOutput, output_error};
use crate::analysis::link::link_facts;
use crate::analysis::segments::every_byte_delivered;
use crate::cli::{ChatArgs, ModeArg, ProxyArgs, ServeArgs, WireArgs};
use crate::error::{Error, Problem, ThreadRole};
use crate::framing::{LengthCodec, length_header_from_format};
use crate::lang::Lang;
use crate::net::link::{NetSpec, SERVER_ADDR};
use crate::render::linked_view;
use crate::render::live_view;
use crate::render::words::Words;
use crate::tools::chat::ChatError;
use crate::tools::live::{Emitter, LiveEvent, LiveKind};
use crate::tools::reasons::Note;
use crate::tools::signal;
use crate::tools::{WireMode, chat, chat_across, proxy, serve};
use crate::transcript::Transcript;
use crate::upload::receive::ReceiveOptions;

/// Events waiting to be written before the tool's threads block: memory stays bounded.
const QUEUE: usize = 1024;

/// The wire mode `--mode`, `--header` and `--max-frame` describe.
fn wire_mode(args: &WireArgs) -> Result<WireMode, Error> {
    Ok(match args.mode {
        ModeArg::Raw => WireMode::Raw,
        ModeArg::Framed => {
            let header =
                length_header_from_format(&args.header).map_err(|why| Problem::BadHeader {
                    format: args.header.clone(),
                    why,
                })?;
            WireMode::Framed {
                codec: LengthCodec::new(header, args.max_frame as usize),
                format: args.header.clone(),
            }
        }
    })
}

/// A `--…-timeout` in seconds: above 0, at most a day.
pub(super) fn seconds(value: f64, flag: &str, lang: Lang) -> Result<Duration, Error> {
    if value.is_finite() && value > 0.0 && value <= 86_400.0 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(Error::said_usage(
            Words(lang).seconds_out_of_range(flag, value),
        ))
    }
}

/// Run `work` on its own thread, writing every event it emits to `out` as it comes.
fn stream<T: Send>(
    present: &Presentation,
    quiet: bool,
    out: &mut dyn Write,
    work: impl FnOnce(&Emitter) -> Result<T, Error> + Send,
) -> Result<T, Error> {
    let (sender, receiver) = sync_channel::<LiveEvent>(QUEUE);
    let (json, width, lang) = (present.json, present.width, present.lang);
    let prompts = !json && io::stdin().is_terminal() && io::stdout().is_terminal();
    let out = &mut PatientOutput::new(out);
    thread::scope(|scope| {
        // No thread for the tool (out of threads at start-up) is an error, not a panic.
        let worker = thread::Builder::new()
            .spawn_scoped(scope, move || {
                let emitter = Emitter::new(sender).quiet(quiet);
                work(&emitter)
            })
            .map_err(|e| Error::no_thread(ThreadRole::Tool, e))?;
        let mut failed = None;
        let mut prompt_shown = false;
        for event in receiver {
            if failed.is_some() {
                continue; // keep draining so the tool never blocks on a full queue
            }
            // A line that comes while the prompt waits (the server left) replaces it.
            if prompt_shown && event.kind != LiveKind::Prompt {
                let _ = write!(out, "{}", crate::render::terminal::clear_line());
                prompt_shown = false;
            }
            let written = if event.kind == LiveKind::Prompt {
                prompt_shown = prompts;
                if prompts { write!(out, "> ") } else { Ok(()) }
            } else {
                let line = if json {
                    live_view::render_json_line(&event, lang)
                } else {
                    live_view::render_line(&event, width, lang)
                };
                line.map_or(Ok(()), |l| writeln!(out, "{l}"))
            };
            if let Err(e) = written.and_then(|()| out.flush()) {
                // Nobody is reading any more: stop the tool, as Ctrl-C would.
                signal::request();
                failed = Some(e);
            }
        }
        let result = worker.join().unwrap_or_else(|_| {
            Err(Error::io(
                "the tool's thread",
                io::Error::other("it panicked"),
            ))
        });
        match failed {
            // Stopped while nobody read the output: the stop is the story, not the output.
            Some(e) => Err(output_error(e)),
            None => result,
        }
    })
}

pub(super) fn serve(
    args: &ServeArgs,
    present: &Presentation,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let idle_timeout = seconds(args.idle_timeout, "--idle-timeout", present.lang)?;
    let options = serve::ServeOptions {
        addr: args.addr,
        backlog: args.backlog,
        reuseaddr: !args.no_reuseaddr,
        mode: wire_mode(&args.wire)?,
        recv_size: args.recv_size as usize,
        reply: args.reply,
        max_clients: args.max_clients as usize,
        idle_timeout,
        upload: match &args.upload_dir {
            Some(dir) => Some(upload_dir(dir, args, idle_timeout, present.lang)?),
            None => None,
        },
        lang: present.lang,
    };
    signal::install();
    stream(present, args.quiet, out, |emit| {
        let served = serve::serve(&options, emit)?;
        emit.emit(None, stopped(&served));
        Ok(())
    })
}

/// The last event of a server or a proxy: what the whole run served.
fn stopped(served: &serve::Served) -> LiveKind {
    LiveKind::Stopped {
        clients: served.clients,
        bytes_in: served.totals.bytes_in,
        bytes_out: served.totals.bytes_out,
        recv_calls: served.totals.recv_calls,
        messages: served.totals.messages,
    }
}

/// The upload directory must exist and be a directory; uploads land nowhere else.
fn upload_dir(
    dir: &std::path::Path,
    args: &ServeArgs,
    idle_timeout: Duration,
    lang: Lang,
) -> Result<ReceiveOptions, Error> {
    if !dir.is_dir() {
        return Err(Error::said_usage(Words(lang).not_a_directory(dir)));
    }
    Ok(ReceiveOptions {
        dir: dir.to_path_buf(),
        max_size: args.max_size,
        overwrite: args.overwrite,
        lang,
        whole_within: Some(idle_timeout),
    })
}

pub(super) fn chat(
    args: &ChatArgs,
    present: &Presentation,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let options = chat::ChatOptions {
        addr: args.addr,
        mode: wire_mode(&args.wire)?,
        burst: args.burst,
        reply_timeout: seconds(args.reply_timeout, "--reply-timeout", present.lang)?,
    };
    // The chat reads its own copy of stdin, unbuffered: it waits for a line and for the
    // server at once, so nothing may sit in a buffer it cannot see.
    let input = io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| Error::io("dup(stdin)", e))?;
    let input = std::fs::File::from(input);
    match &args.net {
        Some(spec) => chat_across(spec, options, input, present, out),
        None => stream(present, false, out, |emit| {
            chat::chat(&options, input, emit).map_err(|e| chat_error(e, present.lang))
        }),
    }
}

/// `lab chat --net`: lab's own server (as `lab serve` with its defaults, on `--addr`'s port)
/// in the link's server namespace, the chat in the client's; both ends' events, then what
/// the link carried.
fn chat_across(
    spec: &NetSpec,
    mut options: chat::ChatOptions,
    input: std::fs::File,
    present: &Presentation,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let server = SocketAddr::from((SERVER_ADDR, options.addr.port()));
    options.addr = server;
    let serving = serve::ServeOptions {
        addr: server,
        backlog: 5,
        reuseaddr: true,
        mode: options.mode.clone(),
        recv_size: 1024,
        reply: crate::tools::Reply::Upper,
        max_clients: 1,
        idle_timeout: Duration::from_secs(300),
        upload: None,
        lang: present.lang,
    };
    let carried = stream(present, false, out, |emit| {
        let note = Note::AcrossLink { server };
        emit.emit(None, LiveKind::Note { note });
        let carried = chat_across::chat_across(spec, &options, &serving, input, emit)
            .map_err(|e| chat_error(e, present.lang))?;
        emit.emit(None, stopped(&carried.served));
        Ok(carried)
    })?;
    let t = Transcript {
        wire: carried.wire,
        ..Transcript::default()
    };
    let facts = link_facts(&t, &carried.spec);
    let text = if present.json {
        let mut line = serde_json::json!(facts);
        line["op"] = "link".into();
        format!("{line}\n")
    } else {
        let intact = every_byte_delivered(&t.wire);
        linked_view::chat_lines(&carried.spec, &facts, intact, present.width, present.lang)
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Output)
}

/// Why a chat ended, as an error said in the user's language.
fn chat_error(e: ChatError, lang: Lang) -> Error {
    match e {
        ChatError::TurnedAway(said) => Error::Problem(Problem::TurnedAway { said }),
        // The peer broke the framing: the command line was right (exit 1, not 2).
        ChatError::BadReply(e) => Error::said(Words(lang).bad_reply(&e)),
        ChatError::Failed(e) => e,
    }
}

pub(super) fn proxy(
    args: &ProxyArgs,
    present: &Presentation,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let options = proxy::ProxyOptions {
        listen: args.listen,
        to: args.to,
        stammer: args.stammer,
        max_chunk: args.max_chunk as usize,
        pause: Duration::from_millis(args.pause),
        seed: args.seed,
        coalesce: args.coalesce.map(Duration::from_millis),
    };
    signal::install();
    stream(present, false, out, |emit| {
        let served = proxy::proxy(&options, emit)?;
        emit.emit(None, stopped(&served));
        Ok(())
    })
}
