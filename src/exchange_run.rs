//! Running the exchange lessons (sticky-demo, framed-demo, udp-demo) from their command-line
//! arguments: options and framing from the flags, one run or `--trials`, and the paced replay
//! of `--step` and `--slow`.

use std::time::Duration;

use crate::analysis;
use crate::cli::{Cli, ExchangeArgs, FramedArgs, FramingKind};
use crate::error::Error;
use crate::framing::{self, DelimiterCodec, FixedCodec, Framing, LengthCodec};
use crate::lesson::exchange::ExchangeOptions;
use crate::lesson::{self, LessonRun};
use crate::render::{self, ViewOptions};
use crate::structfmt;

/// The longest a run's sends may be spread out (the messages × --send-gap), so every lesson
/// ends in bounded time.
const MAX_SENDING_TIME: Duration = Duration::from_secs(30);

/// `--step` or `--slow`: show the run one event at a time.
pub(crate) fn is_paced(cli: &Cli) -> bool {
    cli.step || cli.slow.is_some()
}

/// Replay a finished run event by event: waiting for Enter (`--step`) or a fixed pause
/// (`--slow`). The sockets have done their work already; only the telling is paced.
pub(crate) fn show_paced(
    run: &LessonRun,
    cli: &Cli,
    args: &ExchangeArgs,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    if args.trials > 1 {
        return Err(Error::Usage(
            "--step and --slow show one run; drop --trials".into(),
        ));
    }
    if cli.json {
        return out
            .write_all(show(run, true, args).as_bytes())
            .map_err(Error::Output);
    }
    let summary = analysis::summarize(run);
    let parts = render::side_by_side::render_parts(run, &summary, ViewOptions { hex: args.hex });
    out.write_all(parts.head.as_bytes())
        .map_err(Error::Output)?;
    pace(&parts.events, cli, out)?;
    out.write_all(parts.foot.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Output)
}

/// Write `blocks` one at a time: after each, wait for Enter (`--step`; `q` or the end of
/// input shows the rest) or sleep (`--slow`).
pub(crate) fn pace(
    blocks: &[String],
    cli: &Cli,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    use std::io::BufRead;
    let stdin = std::io::stdin();
    let mut stepping = cli.step;
    for block in blocks {
        out.write_all(block.as_bytes())
            .and_then(|()| out.flush())
            .map_err(Error::Output)?;
        if stepping {
            eprint!("  [Enter: next · q Enter: the rest] ");
            let mut answer = String::new();
            if stdin.lock().read_line(&mut answer).unwrap_or(0) == 0 || answer.trim() == "q" {
                stepping = false;
            }
        } else if let Some(ms) = cli.slow {
            std::thread::sleep(Duration::from_millis(ms));
        }
    }
    Ok(())
}

/// Run an exchange lesson once (and show it) or `--trials` times (and show histograms).
pub(crate) fn run_trials(
    cli: &Cli,
    args: &ExchangeArgs,
    mut run_once: impl FnMut() -> Result<LessonRun, Error>,
) -> Result<String, Error> {
    if args.trials <= 1 {
        return Ok(show(&run_once()?, cli.json, args));
    }
    if args.wire {
        return Err(Error::Usage(
            "--wire shows one run's segments; use it without --trials (the histograms count \
             segments from TCP_INFO)"
                .into(),
        ));
    }
    let mut lesson = "";
    let mut summaries = Vec::with_capacity(args.trials as usize);
    for _ in 0..args.trials {
        let run = run_once()?;
        lesson = run.lesson;
        summaries.push(analysis::summarize(&run));
    }
    Ok(if cli.json {
        render::trials_view::render_json(lesson, &summaries)
    } else {
        render::trials_view::render(lesson, &summaries)
    })
}

pub(crate) fn show(run: &LessonRun, json: bool, args: &ExchangeArgs) -> String {
    let summary = analysis::summarize(run);
    if json {
        render::json::render(run, &summary)
    } else {
        render::side_by_side::render(run, &summary, ViewOptions { hex: args.hex })
    }
}

/// The framing `--framing`, `--header`, `--delimiter`, `--record-size` and `--max-frame` ask for.
pub(crate) fn framing_of(args: &FramedArgs) -> Result<Framing, Error> {
    let max_frame = args.max_frame as usize;
    // An option of another framing would be silently ignored: say so instead.
    let stray = [
        ("--header", args.header.is_some(), FramingKind::Length),
        (
            "--delimiter",
            args.delimiter.is_some(),
            FramingKind::Delimiter,
        ),
        (
            "--record-size",
            args.record_size.is_some(),
            FramingKind::Fixed,
        ),
    ]
    .into_iter()
    .find(|&(_, given, kind)| given && kind != args.framing);
    if let Some((flag, _, kind)) = stray {
        let wanted = format!("{kind:?}").to_lowercase();
        return Err(Error::Usage(format!(
            "{flag} applies to --framing {wanted}, not --framing {}",
            format!("{:?}", args.framing).to_lowercase()
        )));
    }
    Ok(match args.framing {
        FramingKind::Length => {
            let format = args.header.clone().unwrap_or_else(|| "!I".into());
            let header = framing::length_header_from_format(&format)
                .map_err(|e| Error::Usage(format!("--header {format:?}: {e}")))?;
            Framing::Length {
                codec: LengthCodec::new(header, max_frame),
                format,
            }
        }
        FramingKind::Delimiter => {
            let text = args.delimiter.as_deref().unwrap_or("\\n");
            let delimiter = structfmt::parse_escaped(text)
                .map_err(|e| Error::Usage(format!("--delimiter {text:?}: {e}")))?;
            if delimiter.is_empty() {
                return Err(Error::Usage(
                    "--delimiter must have at least one byte".into(),
                ));
            }
            Framing::Delimiter(DelimiterCodec::new(delimiter, max_frame))
        }
        FramingKind::Fixed => {
            Framing::Fixed(FixedCodec::new(args.record_size.unwrap_or(16) as usize))
        }
    })
}

/// The messages to send and the lesson options, with the notes' messages by default.
pub(crate) fn exchange_options(
    args: &ExchangeArgs,
) -> Result<(Vec<String>, ExchangeOptions), Error> {
    let mut messages: Vec<String> = if args.messages.is_empty() && args.message_size.is_none() {
        lesson::sticky_demo::DEFAULT_MESSAGES
            .iter()
            .map(|m| m.to_string())
            .collect()
    } else {
        args.messages.clone()
    };
    if let Some(size) = args.message_size {
        messages.push(('a'..='z').cycle().take(size as usize).collect());
    }
    let send_gap = Duration::from_millis(args.send_gap);
    let gaps = messages.len().saturating_sub(1);
    if send_gap.saturating_mul(gaps as u32) > MAX_SENDING_TIME {
        return Err(Error::Usage(format!(
            "--send-gap {} ms between {} messages would take over {} s; use a shorter gap or \
             fewer --message values",
            args.send_gap,
            messages.len(),
            MAX_SENDING_TIME.as_secs()
        )));
    }
    if args.wire && args.net.is_some() {
        return Err(Error::Usage(
            "--wire captures on loopback, which --net does not use; drop --wire: the link \
             records every packet itself"
                .into(),
        ));
    }
    let options = ExchangeOptions {
        recv_size: args.recv_size as usize,
        reader_delay: Duration::from_millis(args.reader_delay),
        send_gap,
        nodelay: args.nodelay,
        wire: args.wire,
        net: args.net.clone(),
    };
    Ok((messages, options))
}
