//! The exchange lessons (sticky-demo, framed-demo, udp-demo) from their command-line
//! arguments: options and framing from the flags, one run or `--trials`, the paced replay of
//! `--step` and `--slow`, and the picture files.

use std::io::Write;
use std::time::Duration;

use super::Presentation;
use super::pictures::PictureFiles;
use crate::analysis;
use crate::cli::{ExchangeArgs, FramedArgs, FramingKind, StickyArgs};
use crate::error::{Error, Problem};
use crate::framing::{self, DelimiterCodec, FixedCodec, Framing, LengthCodec};
use crate::lesson::exchange::ExchangeOptions;
use crate::lesson::{self, ExchangeRun};
use crate::render::{self, ViewOptions};
use crate::structfmt;

/// The longest a run's sends may be spread out (the messages × --send-gap), so every lesson
/// ends in bounded time.
const MAX_SENDING_TIME: Duration = Duration::from_secs(30);

/// `lab sticky-demo`.
pub(super) fn sticky(
    args: &StickyArgs,
    present: &Presentation,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let (messages, options) = exchange_options(&args.exchange)?;
    run_and_show(&args.exchange, present, out, || {
        lesson::sticky_demo::run(&messages, &options)
    })
}

/// `lab framed-demo`.
pub(super) fn framed(
    args: &FramedArgs,
    present: &Presentation,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let (messages, options) = exchange_options(&args.exchange)?;
    let framing = framing_of(args)?;
    run_and_show(&args.exchange, present, out, || {
        lesson::framed_demo::run(&messages, &options, framing.clone(), args.corrupt)
    })
}

/// `lab udp-demo`.
pub(super) fn udp(
    args: &StickyArgs,
    present: &Presentation,
    out: &mut dyn Write,
) -> Result<(), Error> {
    refuse_capture_for_udp(&args.exchange)?;
    let (messages, options) = exchange_options(&args.exchange)?;
    // A send() that failed (a datagram too large) is shown in the run; the exit code says
    // so too, with the reason on stderr.
    let mut failed = None;
    run_and_show(&args.exchange, present, out, || {
        let run = lesson::udp_demo::run(&messages, &options)?;
        if failed.is_none() {
            failed = analysis::first_error(&run.transcript);
        }
        Ok(run)
    })?;
    match failed {
        Some(error) => Err(Error::said(
            render::words::Words(present.lang).note(&error, None),
        )),
        None => Ok(()),
    }
}

/// One run (shown at once or paced) or `--trials` runs (shown as histograms); the picture
/// files written either way.
fn run_and_show(
    args: &ExchangeArgs,
    present: &Presentation,
    out: &mut dyn Write,
    run_once: impl FnMut() -> Result<ExchangeRun, Error>,
) -> Result<(), Error> {
    let pictures = PictureFiles::from_args(args, present.lang)?;
    let text = match (args.trials, present.pacing) {
        (0 | 1, Some(_)) => {
            let mut run_once = run_once;
            return show_paced(&run_once()?, &pictures, present, args, out);
        }
        (_, Some(_)) => {
            return Err(Problem::OneRunOnly { flag: "--step" }.into());
        }
        (_, None) => run_trials(args, &pictures, present, run_once)?,
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Output)
}

/// Replay a finished run event by event: waiting for a key (`--step`) or a fixed pause
/// (`--slow`). The sockets have done their work already; only the telling is paced.
fn show_paced(
    run: &ExchangeRun,
    pictures: &PictureFiles,
    present: &Presentation,
    args: &ExchangeArgs,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let summary = analysis::summarize(run);
    pictures.write_run(run, &summary)?;
    let (Some(pacing), false) = (present.pacing, present.json) else {
        return out
            .write_all(show(run, present, args).as_bytes())
            .map_err(Error::Output);
    };
    let view = ViewOptions {
        hex: args.hex,
        width: present.width,
        lang: present.lang,
    };
    let parts = render::side_by_side::render_parts(run, &summary, view);
    out.write_all(parts.head.as_bytes())
        .map_err(Error::Output)?;
    let words = render::words::Words(present.lang);
    render::pacing::pace(&parts.events, pacing, words, out)?;
    out.write_all(parts.foot.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Output)
}

/// Run an exchange lesson once (and show it) or `--trials` times (and show histograms).
fn run_trials(
    args: &ExchangeArgs,
    pictures: &PictureFiles,
    present: &Presentation,
    mut run_once: impl FnMut() -> Result<ExchangeRun, Error>,
) -> Result<String, Error> {
    if args.trials <= 1 {
        let run = run_once()?;
        pictures.write_run(&run, &analysis::summarize(&run))?;
        return Ok(show(&run, present, args));
    }
    if args.wire {
        return Err(Problem::OneRunOnly { flag: "--wire" }.into());
    }
    let mut lesson = "";
    let mut summaries = Vec::with_capacity(args.trials as usize);
    for _ in 0..args.trials {
        let run = run_once()?;
        lesson = run.lesson;
        summaries.push(analysis::summarize(&run));
    }
    pictures.write_trials(lesson, &summaries)?;
    Ok(if present.json {
        render::trials_view::render_json(lesson, &summaries, render::words::Words(present.lang))
    } else {
        render::trials_view::render(
            lesson,
            &summaries,
            present.width,
            render::words::Words(present.lang),
        )
    })
}

fn show(run: &ExchangeRun, present: &Presentation, args: &ExchangeArgs) -> String {
    let summary = analysis::summarize(run);
    if present.json {
        render::json::render(run, &summary, render::words::Words(present.lang))
    } else {
        let view = ViewOptions {
            hex: args.hex,
            width: present.width,
            lang: present.lang,
        };
        render::side_by_side::render(run, &summary, view)
    }
}

/// On loopback udp-demo captures no packets: `--wire` and `--pcap` follow one TCP connection
/// there (across `--net` the link records the datagrams, so `--pcap` works).
fn refuse_capture_for_udp(args: &ExchangeArgs) -> Result<(), Error> {
    let flag = if args.wire {
        "--wire"
    } else if args.pcap.is_some() && args.net.is_none() {
        "--pcap"
    } else {
        return Ok(());
    };
    Err(Problem::NoStreamToCapture { flag }.into())
}

/// The framing `--framing`, `--header`, `--delimiter`, `--record-size` and `--max-frame` ask for.
fn framing_of(args: &FramedArgs) -> Result<Framing, Error> {
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
        let (wanted, given) = (framing::FramingKind::from(kind), args.framing.into());
        return Err(Problem::FramingMismatch {
            flag,
            wanted: wanted.as_str(),
            given: framing::FramingKind::as_str(given),
        }
        .into());
    }
    Ok(match args.framing {
        FramingKind::Length => {
            let format = args.header.clone().unwrap_or_else(|| "!I".into());
            let header =
                framing::length_header_from_format(&format).map_err(|why| Problem::BadHeader {
                    format: format.clone(),
                    why,
                })?;
            Framing::Length {
                codec: LengthCodec::new(header, max_frame),
                format,
            }
        }
        FramingKind::Delimiter => {
            let text = args.delimiter.as_deref().unwrap_or("\\n");
            let delimiter = structfmt::parse_escaped(text)
                .ok_or_else(|| Problem::BadDelimiter { text: text.into() })?;
            if delimiter.is_empty() {
                return Err(Problem::EmptyDelimiter.into());
            }
            Framing::Delimiter(DelimiterCodec::new(delimiter, max_frame))
        }
        FramingKind::Fixed => {
            Framing::Fixed(FixedCodec::new(args.record_size.unwrap_or(16) as usize))
        }
    })
}

/// The messages to send and the lesson options, with the notes' messages by default.
fn exchange_options(args: &ExchangeArgs) -> Result<(Vec<String>, ExchangeOptions), Error> {
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
        return Err(Problem::SendingTooLong {
            gap_ms: args.send_gap,
            messages: messages.len(),
            max_s: MAX_SENDING_TIME.as_secs(),
        }
        .into());
    }
    if args.wire && args.net.is_some() {
        return Err(Problem::WireAcrossLink.into());
    }
    let options = ExchangeOptions {
        recv_size: args.recv_size as usize,
        reader_delay: Duration::from_millis(args.reader_delay),
        send_gap,
        nodelay: args.nodelay,
        // --pcap writes the packets --wire captures (across --net the link records them).
        wire: args.wire || (args.pcap.is_some() && args.net.is_none()),
        net: args.net.clone(),
    };
    Ok((messages, options))
}
