//! `lab lessons` and `lab lesson NAME`: the lesson list, a lesson's text for a terminal, and
//! its demo after it with `--run`.

use clap::Parser;

use crate::cli::{self, Cli};
use crate::error::Error;
use crate::lesson;
use crate::render;

/// `lab lessons`: one line each — name, title, command — or JSON.
pub(crate) fn lessons_list(json: bool) -> String {
    if json {
        let list: Vec<serde_json::Value> = lesson::LESSONS
            .iter()
            .map(|l| serde_json::json!({"name": l.name, "title": l.title, "command": l.command}))
            .collect();
        return format!("{}\n", serde_json::Value::Array(list));
    }
    let width = lesson::LESSONS
        .iter()
        .map(|l| l.name.len())
        .max()
        .unwrap_or(0);
    lesson::LESSONS
        .iter()
        .map(|l| format!("{:<width$}  {}  ·  $ {}\n", l.name, l.title, l.command))
        .collect()
}

/// `lab lesson NAME`: the text for a terminal, then (with --run) its demo.
pub(crate) fn run_lesson(
    args: &cli::LessonArgs,
    cli: &Cli,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    let info = lesson::find(&args.name).ok_or_else(|| {
        let names: Vec<&str> = lesson::LESSONS.iter().map(|l| l.name).collect();
        Error::Usage(format!(
            "no lesson called {:?}; the lessons are: {}",
            args.name,
            names.join(", ")
        ))
    })?;
    let lang = args.lang.unwrap_or_else(lesson::Lang::from_env);
    let text = render::markdown::render(info.text(lang));
    out.write_all(text.as_bytes()).map_err(Error::Output)?;
    if !args.run {
        return out.flush().map_err(Error::Output);
    }
    let Some(demo) = info.run else {
        return writeln!(out, "\nThis lesson needs two terminals: {}", info.command)
            .map_err(Error::Output);
    };
    let shown: Vec<String> = demo
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("{a:?}")
            } else {
                a.to_string()
            }
        })
        .collect();
    writeln!(out, "\n── $ lab {} ──\n", shown.join(" ")).map_err(Error::Output)?;
    let demo_cli = Cli::try_parse_from(std::iter::once("lab").chain(demo.iter().copied()))
        .map_err(|e| Error::Usage(format!("the lesson's demo does not parse: {e}")))?;
    crate::run(
        &Cli {
            json: cli.json,
            step: cli.step,
            slow: cli.slow,
            color: cli.color,
            ..demo_cli
        },
        out,
    )
}
