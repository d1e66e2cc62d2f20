//! `lab lessons` and `lab lesson NAME`: the lesson list, a lesson's text for a terminal
//! (paged there, as git pages), and — with `--run` — the demo to run after it, handed back to
//! the dispatcher.

use std::io::Write;
use std::path::Path;

use clap::Parser;

use super::Presentation;
use crate::cli::{self, Cli};
use crate::error::{Error, Problem};
use crate::lesson;
use crate::render;
use crate::render::words::Words;

/// `lab lessons`: name, title and command of each, fitted to the width; or JSON (`title` and
/// `command` in the chosen language, `name` the same in both).
pub(super) fn lessons_list(present: &Presentation) -> String {
    let words = Words(present.lang);
    if present.json {
        let list: Vec<serde_json::Value> = lesson::LESSONS
            .iter()
            .map(|l| {
                serde_json::json!({
                    "name": l.name,
                    "title": l.title(present.lang),
                    "command": words.lesson_command(l),
                })
            })
            .collect();
        return format!("{}\n", serde_json::Value::Array(list));
    }
    render::lessons_view::render(lesson::LESSONS, present.width, words)
}

/// `lab lesson NAME`: the text, paged on a terminal. With `--run`, the lesson's demo as a
/// command line to run next (the global flags carried over), or `None`.
pub(super) fn show_lesson(
    args: &cli::LessonArgs,
    present: &Presentation,
    out: &mut dyn Write,
) -> Result<Option<Cli>, Error> {
    // clap has checked the name against the registry already.
    let info = lesson::find(&args.name).ok_or_else(|| Problem::NoSuchLesson {
        name: args.name.clone(),
    })?;
    let text = lesson_text(info, args, present);
    match render::pager::Pager::start(!present.no_pager && !present.is_paced()) {
        Some(mut pager) => {
            let written = pager
                .input()
                .write_all(text.as_bytes())
                .map_err(Error::Output);
            let waited = pager.finish();
            match written {
                // The reader quit the pager before the end: nothing went wrong.
                Err(Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => waited?,
                other => other.and(waited)?,
            }
        }
        None => out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(Error::Output)?,
    }
    if !args.run {
        return Ok(None);
    }
    let Some(demo) = info.run else {
        let words = Words(present.lang);
        let note = words.needs_two_terminals(&words.lesson_command(info));
        out.write_all(note.as_bytes()).map_err(Error::Output)?;
        return Ok(None);
    };
    out.write_all(render::lessons_view::demo_banner(demo).as_bytes())
        .map_err(Error::Output)?;
    // The teacher's global flags (language, pacing, colour, width) apply to the demo too.
    // They go before the subcommand: after `struct pack i 5` they would be values to pack.
    let flags = global_flags(present);
    let demo = with_lesson_programs(demo)?;
    let mut argv = vec!["lab"];
    argv.extend(flags.iter().map(String::as_str));
    argv.extend(demo.iter().map(String::as_str));
    Cli::try_parse_from(argv).map(Some).map_err(|e| {
        Error::Problem(Problem::DemoDoesNotParse {
            error: e.to_string(),
        })
    })
}

/// Where a lesson's own programs live, relative to lab's source folder.
const LESSON_PROGRAMS: &str = "lessons/trace/";

/// The demo's arguments, its programs found: in `lessons/trace/` here (the source folder, as
/// the lesson text says), else in the folder lab was built from (`make install` keeps
/// that path), quoted for the shell that starts them.
fn with_lesson_programs(demo: &[&str]) -> Result<Vec<String>, Error> {
    let as_given = || demo.iter().map(|a| a.to_string()).collect();
    if !demo.iter().any(|a| a.contains(LESSON_PROGRAMS)) || Path::new(LESSON_PROGRAMS).is_dir() {
        return Ok(as_given());
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join(LESSON_PROGRAMS);
    let Some(dir) = built_from.to_str().filter(|_| built_from.is_dir()) else {
        return Err(Problem::LessonProgramsMissing {
            dir: LESSON_PROGRAMS,
        }
        .into());
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-".contains(c);
    let quoted = match dir.chars().all(plain) {
        true => format!("{}/", dir.trim_end_matches('/')),
        false => format!("'{}/'", dir.trim_end_matches('/').replace('\'', r"'\''")),
    };
    Ok(demo
        .iter()
        .map(|a| a.replace(LESSON_PROGRAMS, &quoted))
        .collect())
}

/// The lesson's Markdown in the chosen language, answers left out if asked, rendered.
fn lesson_text(
    info: &lesson::LessonInfo,
    args: &cli::LessonArgs,
    present: &Presentation,
) -> String {
    let markdown = if args.no_answers {
        lesson::without_answers(info.text(present.lang))
    } else {
        info.text(present.lang).to_string()
    };
    render::markdown::render(&markdown, present.width)
}

/// The global flags that shape how the demo is told, as arguments.
fn global_flags(present: &Presentation) -> Vec<String> {
    let mut flags = vec![
        format!("--lang={}", present.lang.as_str()),
        format!("--width={}", present.width),
        "--no-pager".to_string(),
    ];
    if present.json {
        flags.push("--json".into());
    }
    match present.pacing {
        Some(render::pacing::Pacing::Step) => flags.push("--step".into()),
        Some(render::pacing::Pacing::Slow(pause)) => {
            flags.push(format!("--slow={}", pause.as_millis()))
        }
        None => {}
    }
    flags
}
