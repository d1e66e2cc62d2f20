//! Finding English left in a Chinese view: the words English sentences cannot do without.
//!
//! A Chinese view keeps call names (`send()`), flags (`SYN`, `TCP_NODELAY`), units, numbers,
//! hex and the student's own messages in their original form; none of those are English
//! function words. A line that holds one of these words, outside backticks, outside quotes
//! ("…", “…”: a text quoting what a program says, CPython's messages) and outside a command
//! line (`lab …`), is a sentence someone forgot to translate. Words that are code — names
//! such as `SYN_SENT`, `split-messages`, `sticky_server.py`, `server.listen(5)`, paths — do
//! not count.

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
        .filter(|token| !is_code(token))
        .flat_map(|token| token.split(|c: char| !c.is_ascii_alphabetic()))
        .filter(|w| ENGLISH.contains(&w.to_ascii_lowercase().as_str()))
        .map(str::to_string)
        .collect()
}

/// Flags (`--message`), calls (`send()`), identifiers (`SYN_SENT`, `split-messages`), paths
/// and dotted names (`server.listen(5)`, `a.py`) are code wherever they stand.
fn is_code(token: &str) -> bool {
    let chars: Vec<char> = token.chars().collect();
    let joins = |joiner: char| {
        chars
            .windows(3)
            .any(|w| w[1] == joiner && w[0].is_alphanumeric() && w[2].is_alphanumeric())
    };
    token.starts_with('-')
        || token.contains("()")
        || token.contains('_')
        || token.contains('/')
        || joins('.')
        || joins('-')
}

/// `text` with what stands between quotes ("…", “…”) left out, lines kept: a quotation may
/// run over a wrapped line.
fn outside_quotes(text: &str) -> String {
    let mut out = String::new();
    let mut closing = None;
    for c in text.chars() {
        match (closing, c) {
            (_, '\n') => out.push(c),
            (None, '"') => closing = Some('"'),
            (None, '“') => closing = Some('”'),
            (None, c) => out.push(c),
            (Some(end), c) if c == end => closing = None,
            (Some(_), _) => {}
        }
    }
    out
}

/// Every line of `text` that still speaks English, with its words, for a failure message.
pub fn english_lines(text: &str) -> Vec<String> {
    text.lines()
        .zip(outside_quotes(text).lines())
        .filter_map(|(line, unquoted)| {
            let words = english_words(unquoted);
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
    assert!(english_words("c2  还在等（SYN_SENT）  split-messages  a/b_c.py").is_empty());
    assert!(english_lines("错误：struct 报错：\"unpack requires a buffer of 4 bytes\"").is_empty());
    assert!(english_lines("说明 “the server\nwaits” 之后").is_empty());
    assert!(!english_lines("the \"quoted\" part and the rest").is_empty());
}
