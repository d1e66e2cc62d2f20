//! Every command a lesson text tells students to run actually runs, and every lesson in the
//! registry has its text.

mod common;

use common::{lab, shell_words, stderr};
use sticky_lab::lesson::LESSONS;

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

#[test]
fn every_command_in_the_lesson_texts_runs() {
    let all: Vec<(&str, String)> = LESSONS
        .iter()
        .flat_map(|lesson| {
            commands(lesson.text_en)
                .into_iter()
                .map(move |c| (lesson.name, c))
        })
        .collect();
    assert!(
        all.len() >= 15,
        "only {} commands found in the lesson texts",
        all.len()
    );
    let run = |lesson: &str, command: &str| {
        let words = shell_words(command);
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        let out = lab(&args);
        let err = stderr(&out);
        // --net needs namespaces: where they are not permitted, say so and go on.
        if !out.status.success() && err.contains("--net needs") {
            eprintln!("skipped `{command}`: {}", err.trim());
            return None;
        }
        (!out.status.success()).then(|| format!("{lesson}: `{command}` failed: {err}"))
    };
    // The traced programs use the notes' fixed port 8080: one at a time.
    let (traced, others): (Vec<_>, Vec<_>) =
        all.iter().partition(|(_, c)| c.starts_with("lab trace "));
    // Most lessons wait on purpose (a late reader, a backlog); run them side by side.
    let mut failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = others
            .iter()
            .map(|(lesson, command)| scope.spawn(move || run(lesson, command)))
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .collect()
    });
    failures.extend(
        traced
            .iter()
            .filter_map(|(lesson, command)| run(lesson, command)),
    );
    assert!(failures.is_empty(), "{failures:#?}");
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
