//! What a lesson text quotes of lab's output, and whether lab printed it.
//!
//! A quotation is a code span (`…`), a quotation in quotes ("…", “…”) or a line of a code
//! block that is not a command to type. One that speaks — English words, or (outside quotes,
//! which cite the notes) Chinese — claims to be what lab prints, and must be found in what the
//! lesson's commands printed. Figures vary from run to run (times, ports, seeds), so every
//! number matches any number, `40.x` included; `…` stands for anything on the same line.

use crate::common::english::english_words;

/// How a quotation stands in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// In backticks.
    Code,
    /// In "…" or “…”: often the notes' words, so only English ones are checked.
    Quoted,
    /// A line of a code block (a sample of output).
    Block,
}

/// Every quotation in `text`, in order.
pub fn quotations(text: &str) -> Vec<(Kind, String)> {
    let mut found = Vec::new();
    for (i, part) in text.split("```").enumerate() {
        if i % 2 == 1 {
            found.extend(block_lines(part).map(|l| (Kind::Block, l)));
            continue;
        }
        let mut prose = String::new();
        for (k, piece) in part.split('`').enumerate() {
            if k % 2 == 1 {
                found.push((Kind::Code, piece.replace('\n', " ")));
            } else {
                prose.push_str(piece);
                prose.push('\u{0}');
            }
        }
        found.extend(quoted(&prose).into_iter().map(|q| (Kind::Quoted, q)));
    }
    found
}

/// The output lines of a code block: not a program (```python), not a command to type.
fn block_lines(block: &str) -> impl Iterator<Item = String> + '_ {
    let mut lines = block.lines();
    let info = lines.next().unwrap_or_default().trim();
    let output = info.is_empty() || info == "text";
    lines
        .filter(move |line| {
            let line = line.trim();
            // A command, or what the student types at chat's `> ` prompt.
            let typed = line.starts_with("lab ")
                || line.starts_with("python3 ")
                || line.starts_with("> ")
                || line.contains("$ ");
            output && !line.is_empty() && !typed
        })
        .map(str::to_string)
}

/// What stands between "…" or “…” in `prose` (code spans were cut out: `\0` marks where).
fn quoted(prose: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut open: Option<(char, String)> = None;
    for c in prose.chars() {
        match (&mut open, c) {
            (None, '"') => open = Some(('"', String::new())),
            (None, '“') => open = Some(('”', String::new())),
            (Some((end, q)), c) if c == *end => {
                found.push(std::mem::take(q));
                open = None;
            }
            (Some((_, q)), '\n') => q.push(' '),
            (Some(_), '\u{0}') => {}
            (Some((_, q)), c) => q.push(c),
            (None, _) => {}
        }
    }
    found
}

/// The labels lab's English views put before a line (`wire  3 send() calls …`).
const ROW_LABELS: &[&str] = &[
    "measured", "wire", "link", "verdict", "check", "next", "rounds", "why", "totals", "setup",
    "knobs",
];

/// Words of lab's English views that are not among the English checker's.
const VIEW_WORDS: &[&str] = &[
    "intact",
    "lost",
    "dup",
    "up",
    "again",
    "held",
    "merged",
    "split",
    "datagrams",
    "calls",
    "left:",
    "refused:",
    "stored",
    "uploaded",
    "sleeps",
];

/// Whether the quotation says something lab would print (rather than name a call or a flag).
pub fn speaks(kind: Kind, quotation: &str) -> bool {
    let trimmed = quotation.trim();
    if trimmed.starts_with("lab ") || trimmed.starts_with('-') {
        return false;
    }
    if ROW_LABELS.contains(&trimmed) {
        return true;
    }
    // Words of lab's English views that the English checker lets pass alone (a JSON field
    // may be called `intact`): in a phrase, they are English output.
    let phrase = trimmed.split_whitespace().count() > 1;
    if phrase && trimmed.split_whitespace().any(|w| VIEW_WORDS.contains(&w)) {
        return true;
    }
    let chinese = trimmed
        .chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    !english_words(trimmed).is_empty() || (chinese && kind != Kind::Quoted)
}

/// Whether `printed` holds `quotation` on one line, any number matching any number and `…`
/// anything.
pub fn printed_holds(printed: &str, quotation: &str) -> bool {
    // A row's label starts its line: `wire` is not found in `--wire`.
    if ROW_LABELS.contains(&quotation.trim()) {
        return printed.lines().any(|line| {
            let rest = line.trim_start().strip_prefix(quotation.trim());
            rest.is_some_and(|r| r.starts_with([' ', ':']))
        });
    }
    let parts: Vec<String> = quotation
        .split('…')
        .map(normalize)
        .filter(|p| !p.is_empty())
        .collect();
    printed.lines().map(normalize).any(|line| {
        let mut rest = line.as_str();
        parts.iter().all(|part| match rest.find(part.as_str()) {
            Some(at) => {
                rest = &rest[at + part.len()..];
                true
            }
            None => false,
        })
    })
}

/// Spaces collapsed, each number (`40.2`, `40.x`, `8080`) made `#`.
fn normalize(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let text = words.join(" ");
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_ascii_digit() {
            out.push(c);
            continue;
        }
        while chars.peek().is_some_and(char::is_ascii_digit) {
            chars.next();
        }
        // A decimal part, or the `x` a text writes for digits that vary.
        let mut ahead = chars.clone();
        if ahead.next() == Some('.')
            && ahead
                .peek()
                .is_some_and(|&d| d.is_ascii_digit() || d == 'x')
        {
            chars.next();
            while chars
                .peek()
                .is_some_and(|&d| d.is_ascii_digit() || d == 'x')
            {
                chars.next();
            }
        }
        out.push('#');
    }
    out
}

#[test]
fn quotations_are_found_in_prose_quotes_and_output_blocks() {
    let text = "看 `wire` 行：\"this time\" 和 “注意”。\n```\nlab sticky-demo\n$ lab x\nrecv 5 B hi\n```\n```python\nwhile True:\n```\n";
    let found = quotations(text);
    assert_eq!(
        found,
        vec![
            (Kind::Code, "wire".to_string()),
            (Kind::Quoted, "this time".to_string()),
            (Kind::Quoted, "注意".to_string()),
            (Kind::Block, "recv 5 B hi".to_string()),
        ]
    );
    assert!(speaks(Kind::Quoted, "this time"));
    assert!(!speaks(Kind::Quoted, "注意"));
    assert!(speaks(Kind::Code, "为等 m1 的 ACK 扣了 40.x ms"));
    assert!(!speaks(Kind::Code, "recv()"));
    assert!(speaks(Kind::Code, "wire"));
    assert!(speaks(Kind::Code, "⇒ m1 intact ✓"));
    assert!(!speaks(Kind::Code, "intact"), "a JSON field");
    assert!(!speaks(Kind::Code, "lab sticky-demo --net"));
}

#[test]
fn numbers_and_ellipses_match_anything_but_words_do_not() {
    let printed = "   40.2 │ →  15 B byebyeagain,bye\n 为等 m1 的 ACK 扣了 40.2 ms │\n";
    assert!(printed_holds(printed, "为等 m1 的 ACK 扣了 40.x ms"));
    assert!(printed_holds(printed, "→ 15 B byebyeagain,bye"));
    assert!(printed_holds(printed, "为等 … 扣了"));
    assert!(!printed_holds(printed, "held 40.x ms for the ACK of m1"));
    assert!(
        !printed_holds(printed, "→ 15 B … 为等"),
        "one line at a time"
    );
    assert!(!printed_holds("线路  试试 --wire\n", "wire"));
    assert!(printed_holds("wire     3 send() calls\n", "wire"));
}
