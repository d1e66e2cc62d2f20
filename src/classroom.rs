//! `lab lessons` and `lab lesson NAME`: the lesson list, a lesson's text for a terminal
//! (paged there, as git pages), and its demo after it with `--run`.

use clap::Parser;

use crate::cli::{self, Cli};
use crate::error::Error;
use crate::lesson;
use crate::render;

/// `lab lessons`: name, title and command of each, fitted to `width`; or JSON.
pub(crate) fn lessons_list(json: bool, width: usize) -> String {
    if json {
        let list: Vec<serde_json::Value> = lesson::LESSONS
            .iter()
            .map(|l| serde_json::json!({"name": l.name, "title": l.title, "command": l.command}))
            .collect();
        return format!("{}\n", serde_json::Value::Array(list));
    }
    render::lessons_view::render(lesson::LESSONS, width)
}

/// `lab lesson NAME`: the text for a terminal, then (with --run) its demo.
pub(crate) fn run_lesson(
    args: &cli::LessonArgs,
    cli: &Cli,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    // clap has checked the name against the registry already.
    let info = lesson::find(&args.name).ok_or_else(|| Error::Usage(args.name.clone()))?;
    let paced = cli.step || cli.slow.is_some();
    match render::pager::Pager::start(!cli.no_pager && !paced) {
        Some(mut pager) => {
            let written = write_lesson(info, args, cli, pager.input());
            let waited = pager.finish();
            match written {
                // The reader quit the pager before the end: nothing went wrong.
                Err(Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => waited,
                other => other.and(waited),
            }
        }
        None => write_lesson(info, args, cli, out),
    }
}

fn write_lesson(
    info: &lesson::LessonInfo,
    args: &cli::LessonArgs,
    cli: &Cli,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    let lang = args.lang.unwrap_or_else(lesson::Lang::from_env);
    let markdown = if args.no_answers {
        lesson::without_answers(info.text(lang))
    } else {
        info.text(lang).to_string()
    };
    let width = render::terminal::width(cli.width);
    let text = render::markdown::render(&markdown, width);
    out.write_all(text.as_bytes()).map_err(Error::Output)?;
    if !args.run {
        return out.flush().map_err(Error::Output);
    }
    let Some(demo) = info.run else {
        return out
            .write_all(render::lessons_view::needs_two_terminals(info.command).as_bytes())
            .map_err(Error::Output);
    };
    out.write_all(render::lessons_view::demo_banner(demo).as_bytes())
        .map_err(Error::Output)?;
    let demo_cli = Cli::try_parse_from(std::iter::once("lab").chain(demo.iter().copied()))
        .map_err(|e| Error::Usage(format!("the lesson's demo does not parse: {e}")))?;
    crate::run(
        &Cli {
            json: cli.json,
            step: cli.step,
            slow: cli.slow,
            color: cli.color,
            width: cli.width,
            no_pager: true,
            ..demo_cli
        },
        out,
    )
}
