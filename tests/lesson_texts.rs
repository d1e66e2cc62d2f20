//! Every command a lesson text tells students to run actually runs, every lesson in the
//! registry has its text, and what the Chinese texts quote of lab's output is what lab prints
//! under `--lang zh` (not the English it prints otherwise).

mod common;
#[path = "lesson_texts/quotations.rs"]
mod quotations;
#[path = "lesson_texts/tools.rs"]
mod tools;

use std::collections::BTreeMap;

use common::{lab, shell_words, stderr, stdout};
use quotations::{Kind, printed_holds, quotations, speaks};
use sticky_lab::analysis::{Arrival, Verdict};
use sticky_lab::lang::Lang;
use sticky_lab::lesson::LESSONS;
use sticky_lab::render::words::Words;

/// `lab …` commands in backticks, including fenced lines that start with `lab `.
fn commands(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| span.starts_with("lab "))
        .map(str::to_string)
        .collect();
    found.extend(
        text.lines()
            .map(str::trim)
            .filter(|l| l.starts_with("lab ") && !l.contains('`'))
            .map(str::to_string),
    );
    found
}

/// `$ lab …` lines of code blocks: commands shown with the error they end in.
fn refused_commands(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("$ "))
        .filter(|c| c.starts_with("lab "))
        .map(str::to_string)
        .collect()
}

/// Quotations in the Chinese texts that are not lab's words, and whose they are.
const NOT_LABS: &[(&str, &str)] = &[
    ("while True:", "the notes' Python"),
    ("if not data: break", "the notes' Python"),
    (
        "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe5 in position 3: unexpected \
         end of data",
        "CPython",
    ),
    ("recv → 处理 → send", "the loop, drawn"),
    ("messages", "a field of the JSON"),
];

/// What a lesson's commands printed; `None` where one could not run here (`--net` without
/// namespaces), so what its text quotes cannot be checked.
type Printed = BTreeMap<&'static str, Option<String>>;

/// Each lesson's commands (from both its texts) run with `--lang zh`, wide enough that no
/// line wraps: what they printed, by lesson (with what the tools of the two-terminal lessons
/// print), and the commands that failed.
fn run_every_command() -> (Printed, Vec<String>) {
    // (lesson, command, whether it ends in an error on purpose)
    let mut all: Vec<(&str, String, bool)> = LESSONS
        .iter()
        .flat_map(|lesson| {
            let texts = [lesson.text_en, lesson.text_zh];
            let runs = texts.into_iter().flat_map(commands).map(|c| (c, false));
            let refused = texts.into_iter().flat_map(refused_commands);
            let all = runs.chain(refused.map(|c| (c, true)));
            all.map(move |(c, fails)| (lesson.name, c, fails))
        })
        .collect();
    all.sort();
    all.dedup();
    assert!(
        all.len() >= 15,
        "only {} commands found in the lesson texts",
        all.len()
    );
    let run = |lesson: &str, command: &str, fails: bool| -> Result<Option<String>, String> {
        let words = shell_words(command);
        let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        args.extend(["--lang", "zh", "--width", "1000"]);
        let out = lab(&args);
        let err = stderr(&out);
        // --net needs namespaces: where they are not permitted, say so and go on.
        if !out.status.success() && err.contains("--net needs") {
            eprintln!("skipped `{command}`: {}", err.trim());
            return Ok(None);
        }
        // A refusal ends in one of lab's exit codes, never a crash.
        match (out.status.code(), fails) {
            (Some(0), false) | (Some(1 | 2), true) => Ok(Some(stdout(&out) + &err)),
            _ => Err(format!("{lesson}: `{command}` failed: {err}")),
        }
    };
    // The traced programs use the notes' fixed port 8080: one at a time.
    let (traced, others): (Vec<_>, Vec<_>) = all
        .iter()
        .partition(|(_, c, _)| c.starts_with("lab trace "));
    // Most lessons wait on purpose (a late reader, a backlog); run them side by side, and the
    // tools of the two-terminal lessons with them.
    let (mut results, tools): (Vec<_>, String) = std::thread::scope(|scope| {
        let handles: Vec<_> = others
            .iter()
            .map(|(lesson, command, fails)| {
                (*lesson, scope.spawn(move || run(lesson, command, *fails)))
            })
            .collect();
        let tools = scope.spawn(tools::tools_in_chinese);
        let results = handles
            .into_iter()
            .map(|(lesson, h)| (lesson, h.join().unwrap()))
            .collect();
        (results, tools.join().unwrap())
    });
    results.extend(
        traced
            .iter()
            .map(|(lesson, command, fails)| (*lesson, run(lesson, command, *fails))),
    );
    let shared = tools + &words_timing_decides();
    let mut printed: Printed = LESSONS
        .iter()
        .map(|l| (l.name, Some(shared.clone())))
        .collect();
    let mut failures = Vec::new();
    for (lesson, result) in results {
        let text = printed.get_mut(lesson).unwrap();
        match (result, text.as_mut()) {
            (Ok(Some(more)), Some(text)) => text.push_str(&more),
            (Ok(_), _) => *text = None,
            (Err(failure), _) => failures.push(failure),
        }
    }
    (printed, failures)
}

/// What lab says when a fast reader happens to take one message a recv(): that depends on
/// timing (a busy machine may merge them all the same), so its words come from lab itself.
fn words_timing_decides() -> String {
    let arrival = Arrival {
        messages: 3,
        sends: 3,
        recvs: 3,
    };
    Words(Lang::Zh).verdict_text(&Verdict::IntactByTiming { arrival }) + "\n"
}

#[test]
fn every_command_runs_and_the_chinese_texts_quote_what_lab_prints_in_chinese() {
    let (printed, failures) = run_every_command();
    assert!(failures.is_empty(), "{failures:#?}");
    let mut misquoted = Vec::new();
    for lesson in LESSONS {
        let Some(printed) = &printed[lesson.name] else {
            eprintln!(
                "{}: a command was skipped; its quotations go unchecked",
                lesson.name
            );
            continue;
        };
        for (kind, quotation) in quotations(lesson.text_zh) {
            let not_labs = NOT_LABS.iter().any(|(q, _)| quotation.trim() == *q);
            if speaks(kind, &quotation) && !not_labs && !printed_holds(printed, &quotation) {
                let shown = match kind {
                    Kind::Code => format!("`{quotation}`"),
                    Kind::Quoted => format!("\"{quotation}\""),
                    Kind::Block => format!("```{quotation}```"),
                };
                misquoted.push(format!("lessons/{}.zh.md: {shown}", lesson.name));
            }
        }
    }
    assert!(
        misquoted.is_empty(),
        "quoted, but not what `--lang zh` prints:\n{}",
        misquoted.join("\n")
    );
}

#[test]
fn every_lesson_has_both_texts_with_every_section() {
    for lesson in LESSONS {
        for (lang, text, quiz, answers) in [
            ("en", lesson.text_en, "Quiz", "Answers"),
            ("zh", lesson.text_zh, "小测验", "答案"),
        ] {
            let where_ = format!("lessons/{}.{lang}.md", lesson.name);
            assert!(text.starts_with("# "), "{where_} has no title");
            assert!(text.contains("```"), "{where_} has no command block");
            let quiz_at = text
                .find(&format!("## {quiz}"))
                .unwrap_or_else(|| panic!("{where_}: no quiz"));
            let answers_at = text
                .find(&format!("## {answers}"))
                .unwrap_or_else(|| panic!("{where_}: no answers"));
            assert!(quiz_at < answers_at, "{where_}: answers before the quiz");
            assert!(
                text.contains(lesson.command.split("   #").next().unwrap()),
                "{where_} never shows its command {:?}",
                lesson.command
            );
        }
        assert!(
            lesson
                .text_zh
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{}: the Chinese text has no Chinese",
            lesson.name
        );
    }
}
