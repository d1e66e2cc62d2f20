//! The error line, in the chosen language: `main` prints what [`error_line`] makes. Errors
//! that lab explains itself are typed ([`Problem`]) and worded here by their facts; CPython's
//! struct messages keep Python's words inside the frame. Messages whose words are still made
//! elsewhere keep their English frame, so a line is never half one language, half another.
//!
//! Also the words the chat and the server put into their live events, in English until those
//! events carry typed reasons.

use crate::error::{Error, Problem};
use crate::lang::Lang;
use crate::render::words::Words;

/// `error: …` (or `错误：…`), the one line `main` prints for an error.
pub fn error_line(error: &Error, lang: Lang) -> String {
    let words = Words(lang);
    let said = match error {
        Error::Problem(p) => problem(p, words),
        Error::Struct(cpython) => words.struct_error(cpython),
        Error::Output(e) => words.output_failed(e),
        Error::Io { call, source } => words.io_failed(call, source),
        Error::Said { text, .. } => text.clone(),
        Error::Trace(e) => words.trace_error(e),
        other => return format!("{}{other}", Words(Lang::En).error_label()),
    };
    format!("{}{said}", words.error_label())
}

/// A problem lab explains itself, in words.
pub fn problem(problem: &Problem, words: Words) -> String {
    match problem {
        Problem::FlagIgnored { flag, command, why } => words.flag_ignored(flag, command, *why),
        Problem::NoSuchPage { path } => words.no_such_page(path),
        Problem::AddressInUse { addr, reuseaddr } => words.address_in_use(*addr, *reuseaddr),
        Problem::TurnedAway { said } => words.turned_away(said),
        Problem::NotEnoughSpace {
            dir,
            size,
            needed,
            free,
        } => words.not_enough_space(dir, *size, *needed, *free),
        Problem::NotHex { character, at } => words.not_hex(*character, *at),
        Problem::OddHexDigits { count } => words.odd_hex_digits(*count),
        Problem::DemoDoesNotParse { error } => words.demo_does_not_parse(error),
        Problem::LessonProgramsMissing { dir } => words.lesson_programs_missing(dir),
        Problem::WireAcrossLink => words.wire_across_link().into(),
        Problem::NoStreamToCapture { flag } => words.no_stream_to_capture(flag),
        Problem::OneRunOnly { flag } => words.one_run_only(flag),
        Problem::SendingTooLong {
            gap_ms,
            messages,
            max_s,
        } => words.sending_too_long(*gap_ms, *messages, *max_s),
        Problem::FramingMismatch {
            flag,
            wanted,
            given,
        } => words.framing_mismatch(flag, wanted, given),
        Problem::EmptyDelimiter => words.empty_delimiter().into(),
        Problem::BadHeader { format, why } => words.bad_header(format, why),
        Problem::BadDelimiter { text } => words.bad_delimiter(text),
        Problem::BodyTooLong { len, cpython } => words.body_too_long(*len, cpython),
        Problem::NulInPath { path } => words.nul_in_path(path),
        Problem::NoSuchLesson { name } => words.no_such_lesson(name),
        Problem::NoThread { what, error } => words.no_thread(*what, error),
        Problem::Unsendable { message, error } => words.unsendable_message(*message, error),
        Problem::CannotCorrupt { corruption, why } => words.cannot_corrupt(corruption, why),
        Problem::NoFileThere { flag, path, why } => words.no_file_there(flag, path, why),
        Problem::PacketsNeedLink { command } => words.packets_need_link(*command).into(),
        Problem::LinkNeedsTwoPrograms => words.link_needs_two_programs().into(),
        Problem::NothingToDraw { flag } => words.nothing_to_draw(flag),
        Problem::NothingCaptured { failed } => words.nothing_captured(failed.as_ref()),
    }
}
