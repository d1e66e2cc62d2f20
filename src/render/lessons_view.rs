//! `lab lessons` and the lines `lab lesson --run` adds around a lesson's demo.

use unicode_width::UnicodeWidthStr;

use super::text::{Line, Look, paint_wrapped};
use super::words::Words;
use crate::lesson::LessonInfo;

/// Name, title and command of each lesson: on one line each when they all fit `width`,
/// else the title wrapped beside the name and the command on a line of its own.
pub fn render(lessons: &[LessonInfo], width: usize, words: Words) -> String {
    let name_width = lessons.iter().map(|l| l.name.len()).max().unwrap_or(0);
    let title = |l: &LessonInfo| l.title(words.0);
    let command = |l: &LessonInfo| words.lesson_command(l);
    let one_line = |l: &LessonInfo| format!("{}  ·  $ {}", title(l), command(l));
    let fits = lessons
        .iter()
        .all(|l| name_width + 2 + one_line(l).width() <= width);
    let mut out = String::new();
    for lesson in lessons {
        let mut line = Line::of(format!("{:<name_width$}  ", lesson.name), Look::Heading);
        if fits {
            line.push(one_line(lesson), Look::Plain);
            out.push_str(&paint_wrapped(&line, width, name_width + 2));
            continue;
        }
        line.push(title(lesson), Look::Plain);
        out.push_str(&paint_wrapped(&line, width, name_width + 2));
        let command = Line::of(
            format!("{}$ {}", " ".repeat(name_width + 2), command(lesson)),
            Look::Dim,
        );
        out.push_str(&paint_wrapped(&command, width, name_width + 4));
    }
    out
}

/// The line between a lesson's text and its demo: the command, as a student would type it.
pub fn demo_banner(args: &[&str]) -> String {
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("{a:?}")
            } else {
                a.to_string()
            }
        })
        .collect();
    format!("\n── $ lab {} ──\n\n", shown.join(" "))
}
