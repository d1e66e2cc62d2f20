//! Finding English left in a Chinese view: the words English sentences cannot do without.
//!
//! A Chinese view keeps call names (`send()`), flags (`SYN`, `TCP_NODELAY`), units, numbers,
//! hex and the student's own messages in their original form; none of those are English
//! function words. A line that holds one of these words, outside backticks and outside a
//! command line (`lab …`), is a sentence someone forgot to translate.

/// Function words and common verbs of lab's English sentences.
const ENGLISH: &[&str] = &[
    "the",
    "and",
    "of",
    "is",
    "are",
    "was",
    "were",
    "not",
    "with",
    "from",
    "into",
    "each",
    "its",
    "their",
    "this",
    "that",
    "when",
    "then",
    "but",
    "only",
    "every",
    "has",
    "have",
    "had",
    "been",
    "will",
    "would",
    "could",
    "should",
    "there",
    "here",
    "than",
    "which",
    "who",
    "what",
    "why",
    "how",
    "all",
    "any",
    "some",
    "more",
    "less",
    "after",
    "before",
    "until",
    "while",
    "because",
    "arrived",
    "sent",
    "received",
    "waiting",
    "waited",
    "messages",
    "bytes",
    "segment",
    "segments",
    "client",
    "server",
    "connected",
    "accepted",
    "bound",
    "closed",
    "stream",
    "none",
    "still",
    "also",
    "just",
    "once",
];

/// The English words in `line` that give it away, or none.
pub fn english_words(line: &str) -> Vec<String> {
    let trimmed = line.trim_start();
    // A command, as a student types it, stays as it is.
    if trimmed.starts_with("lab ") || trimmed.starts_with("$ lab ") {
        return Vec::new();
    }
    let mut outside_code = String::new();
    for (i, part) in line.split('`').enumerate() {
        if i % 2 == 0 {
            outside_code.push_str(part);
            outside_code.push(' ');
        }
    }
    outside_code
        .split_whitespace()
        // Flags (`--message`), calls (`send()`), paths and names (`lessons/sticky_server.py`,
        // `LAB_SERVER_PORT=8080`) are code wherever they stand.
        .filter(|token| {
            !token.starts_with('-') && !token.contains("()") && !token.contains(['/', '_', '='])
        })
        .flat_map(|token| token.split(|c: char| !c.is_ascii_alphabetic()))
        .filter(|w| ENGLISH.contains(&w.to_ascii_lowercase().as_str()))
        .map(str::to_string)
        .collect()
}

/// Every line of `text` that still speaks English, with its words, for a failure message.
pub fn english_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let words = english_words(line);
            (!words.is_empty()).then(|| format!("{line:?} ({})", words.join(", ")))
        })
        .collect()
}

#[test]
fn an_english_sentence_is_found_and_a_chinese_one_with_code_is_not() {
    assert!(!english_words("verdict  3 send() calls arrived in 1 recv()").is_empty());
    assert!(english_words("结论  3 次 send() 的数据在 1 次 recv() 中到达（粘包）").is_empty());
    assert!(english_words("  提示：试试 `lab sticky-demo --recv-size 4 and more`").is_empty());
    assert!(english_words("    lab sticky-demo --message hello").is_empty());
    assert!(english_words("send    5 B hello").is_empty());
    assert!(english_words("服务端已启动：python3 lessons/trace/sticky_server.py").is_empty());
    assert!(!english_words("the server listens on lessons/x.py").is_empty());
}
