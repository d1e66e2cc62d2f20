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
use crate::picture_files::PictureFiles;
use crate::render::pacing::Pacing;
use crate::render::{self, ViewOptions};
use crate::structfmt;

/// The longest a run's sends may be spread out (the messages × --send-gap), so every lesson
/// ends in bounded time.
const MAX_SENDING_TIME: Duration = Duration::from_secs(30);

/// `--step` or `--slow`: show the run one event at a time.
pub(crate) fn is_paced(cli: &Cli) -> bool {
    cli.step || cli.slow.is_some()
}

/// Replay a finished run event by event: waiting for a key (`--step`) or a fixed pause
/// (`--slow`). The sockets have done their work already; only the telling is paced.
pub(crate) fn show_paced(
    run: &LessonRun,
    cli: &Cli,
    args: &ExchangeArgs,
    width: usize,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    if args.trials > 1 {
        return Err(Error::Usage(
            "--step and --slow show one run; drop --trials".into(),
        ));
    }
    PictureFiles::from_args(args)?.write_run(run, &analysis::summarize(run))?;
    if cli.json {
        return out
            .write_all(show(run, true, args, width).as_bytes())
            .map_err(Error::Output);
    }
    let summary = analysis::summarize(run);
    let view = ViewOptions {
        hex: args.hex,
        width,
    };
    let parts = render::side_by_side::render_parts(run, &summary, view);
    out.write_all(parts.head.as_bytes())
        .map_err(Error::Output)?;
    pace(&parts.events, cli, out)?;
    out.write_all(parts.foot.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Output)
}

/// Write `blocks` one at a time, as `--step` or `--slow` asks.
pub(crate) fn pace(
    blocks: &[String],
    cli: &Cli,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    let pacing = match cli.slow {
        Some(ms) if !cli.step => Pacing::Slow(Duration::from_millis(ms)),
        _ => Pacing::Step,
    };
    render::pacing::pace(blocks, pacing, out)
}

/// Run an exchange lesson once (and show it) or `--trials` times (and show histograms).
pub(crate) fn run_trials(
    cli: &Cli,
    args: &ExchangeArgs,
    width: usize,
    mut run_once: impl FnMut() -> Result<LessonRun, Error>,
) -> Result<String, Error> {
    let pictures = PictureFiles::from_args(args)?;
    if args.trials <= 1 {
        let run = run_once()?;
        pictures.write_run(&run, &analysis::summarize(&run))?;
        return Ok(show(&run, cli.json, args, width));
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
    pictures.write_trials(lesson, &summaries)?;
    Ok(if cli.json {
        render::trials_view::render_json(lesson, &summaries)
    } else {
        render::trials_view::render(lesson, &summaries, width)
    })
}

pub(crate) fn show(run: &LessonRun, json: bool, args: &ExchangeArgs, width: usize) -> String {
    let summary = analysis::summarize(run);
    if json {
        render::json::render(run, &summary)
    } else {
        let view = ViewOptions {
            hex: args.hex,
            width,
        };
        render::side_by_side::render(run, &summary, view)
    }
}

/// udp-demo captures no packets: `--wire` and `--pcap` follow one TCP connection.
pub(crate) fn refuse_capture_for_udp(args: &ExchangeArgs) -> Result<(), Error> {
    let flag = if args.wire {
        "--wire"
    } else if args.pcap.is_some() {
        "--pcap"
    } else {
        return Ok(());
    };
    Err(Error::Usage(format!(
        "{flag} captures TCP segments; udp-demo has no stream (try it on sticky-demo)"
    )))
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
        // --pcap writes the packets --wire captures.
        wire: args.wire || args.pcap.is_some(),
        net: args.net.clone(),
    };
    Ok((messages, options))
}
