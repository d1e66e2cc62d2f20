//! Lesson texts (Markdown, parsed by pulldown-cmark) for a terminal: headings bold, code in
//! colour, emphasis in italics, lists with bullets, tables aligned — every paragraph wrapped
//! at word boundaries to the width given, Chinese by display width. With colour off (a pipe,
//! NO_COLOR) the same layout without escape codes.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use unicode_width::UnicodeWidthStr;

use super::text::{Line, Look, paint_wrapped};

/// Render `markdown` for a terminal `width` columns wide.
pub fn render(markdown: &str, width: usize) -> String {
    let mut page = Page::new(width);
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        page.take(event);
    }
    page.out
}

/// A table being collected: its rows of cells; the first row is the header.
#[derive(Default)]
struct Table {
    rows: Vec<Vec<Line>>,
}

/// Where the text of the block being read goes when it ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    Paragraph,
    Heading(HeadingLevel),
}

/// The renderer's state while it walks the parser's events.
struct Page {
    width: usize,
    out: String,
    /// The inline text of the block being read.
    inline: Line,
    /// A line break in the source: a space, unless Chinese text meets there.
    soft_break: bool,
    /// Emphasis, strong, code…: the innermost decides the look.
    looks: Vec<Look>,
    block: Block,
    /// Open lists: `None` for bullets, `Some(n)` for the next number.
    lists: Vec<Option<u64>>,
    /// The bullet or number of an item whose first line is not written yet.
    marker: Option<String>,
    code: Option<String>,
    table: Option<Table>,
}

impl Page {
    fn new(width: usize) -> Self {
        Page {
            width,
            out: String::new(),
            inline: Line::new(),
            soft_break: false,
            looks: Vec::new(),
            block: Block::Paragraph,
            lists: Vec::new(),
            marker: None,
            code: None,
            table: None,
        }
    }

    fn take(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => match &mut self.code {
                Some(code) => code.push_str(&text),
                None => self.push_text(&text, self.look()),
            },
            Event::Code(text) => self.push_text(&text, Look::Code),
            Event::SoftBreak => self.soft_break = true,
            Event::HardBreak => self.flush(),
            Event::Rule => {
                self.gap();
                let rule = "─".repeat(self.width.min(40));
                self.out.push_str(&Line::of(rule, Look::Dim).paint());
                self.out.push('\n');
            }
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => {
                if self.marker.is_none() && self.lists.is_empty() {
                    self.gap();
                }
                self.block = Block::Paragraph;
            }
            Tag::Heading { level, .. } => {
                self.gap();
                self.block = Block::Heading(level);
            }
            Tag::List(first) => {
                // A list inside an item starts after the item's own text.
                self.flush();
                if self.lists.is_empty() {
                    self.gap();
                }
                self.lists.push(first);
            }
            Tag::Item => {
                let depth = self.lists.len().saturating_sub(1);
                let bullet = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}.", *n - 1)
                    }
                    _ => "•".to_string(),
                };
                self.marker = Some(format!("{}{bullet} ", "  ".repeat(depth + 1)));
            }
            Tag::CodeBlock(_) => {
                self.flush();
                if self.lists.is_empty() {
                    self.gap();
                }
                self.code = Some(String::new());
            }
            Tag::Table(_) => {
                self.gap();
                self.table = Some(Table::default());
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(table) = &mut self.table {
                    table.rows.push(Vec::new());
                }
            }
            Tag::Emphasis => self.looks.push(Look::Emphasis),
            Tag::Strong => self.looks.push(Look::Strong),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::Item => self.flush(),
            TagEnd::Heading(level) => self.heading(level),
            TagEnd::List(_) => {
                self.lists.pop();
            }
            TagEnd::CodeBlock => self.code_block(),
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline);
                self.soft_break = false;
                if let Some(row) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(cell);
                }
            }
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    self.out.push_str(&render_table(&table, self.width));
                }
            }
            TagEnd::Emphasis | TagEnd::Strong => {
                self.looks.pop();
            }
            _ => {}
        }
    }

    fn look(&self) -> Look {
        self.looks.last().copied().unwrap_or(Look::Plain)
    }

    /// Inline text; a pending line break becomes a space, except between two Chinese
    /// characters (Chinese has no spaces between words; beside Latin text it keeps one).
    fn push_text(&mut self, text: &str, look: Look) {
        if std::mem::take(&mut self.soft_break) && !self.inline.chunks.is_empty() {
            let before = self
                .inline
                .chunks
                .last()
                .and_then(|c| c.text.chars().last());
            let after = text.chars().next();
            if !(before.is_some_and(is_wide) && after.is_some_and(is_wide)) {
                self.inline.push(" ", Look::Plain);
            }
        }
        self.inline.push(text, look);
    }

    /// Write the text read so far as a wrapped paragraph (or list item).
    fn flush(&mut self) {
        self.soft_break = false;
        if self.inline.chunks.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.inline);
        let indent = 2 * self.lists.len() + 2 * usize::from(!self.lists.is_empty());
        let lead = match self.marker.take() {
            Some(marker) => marker,
            None => " ".repeat(indent.saturating_sub(2) * usize::from(!self.lists.is_empty())),
        };
        let hang = lead.width().max(indent.saturating_sub(2));
        let mut line = Line::of(lead, Look::Plain);
        line.chunks.extend(text.chunks);
        self.out.push_str(&paint_wrapped(&line, self.width, hang));
    }

    fn heading(&mut self, level: HeadingLevel) {
        self.soft_break = false;
        let mut title = std::mem::take(&mut self.inline);
        let look = match level {
            HeadingLevel::H2 => Look::Title,
            _ => Look::Heading,
        };
        for chunk in &mut title.chunks {
            if chunk.look != Look::Code {
                chunk.look = look;
            }
        }
        let lines = paint_wrapped(&title, self.width, 0);
        self.out.push_str(&lines);
        if level == HeadingLevel::H1 {
            let rule = "═".repeat(title.width().min(self.width));
            self.out.push_str(&rule);
            self.out.push('\n');
        }
        self.block = Block::Paragraph;
    }

    /// Code is shown indented, in colour. A command stays one line, to be copied whole;
    /// other lines (sample output) wrap under themselves.
    fn code_block(&mut self) {
        let Some(code) = self.code.take() else { return };
        let indent = 4 + 2 * self.lists.len();
        for line in code.lines() {
            let mut text = Line::of(" ".repeat(indent), Look::Plain);
            text.push(line, Look::Code);
            if line.starts_with("lab ") {
                self.out.push_str(&text.paint());
                self.out.push('\n');
            } else {
                self.out
                    .push_str(&paint_wrapped(&text, self.width, indent + 2));
            }
        }
    }

    /// One blank line between blocks.
    fn gap(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }
}

/// A double-width (Chinese) character.
fn is_wide(c: char) -> bool {
    unicode_width::UnicodeWidthChar::width(c) == Some(2)
}

/// Columns aligned by display width, the header bold and ruled; when the table is wider
/// than `width`, the widest columns give way and their cells wrap.
fn render_table(table: &Table, width: usize) -> String {
    const GAP: usize = 2;
    let columns = table.rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in &table.rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let budget = width.saturating_sub(GAP * columns.saturating_sub(1));
    while widths.iter().sum::<usize>() > budget {
        let Some(widest) = (0..columns).max_by_key(|&i| widths[i]) else {
            break;
        };
        if widths[widest] <= 8 {
            break;
        }
        widths[widest] -= 1;
    }
    let mut out = String::new();
    for (r, row) in table.rows.iter().enumerate() {
        let cells: Vec<Vec<Line>> = (0..columns)
            .map(|i| {
                let cell = row.get(i).cloned().unwrap_or_default();
                let mut lines = super::text::wrap_line(&cell, widths[i], 0);
                if r == 0 {
                    for chunk in lines.iter_mut().flat_map(|l| l.chunks.iter_mut()) {
                        chunk.look = Look::Heading;
                    }
                }
                lines
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let mut text = String::new();
            for (i, lines) in cells.iter().enumerate() {
                let line = lines.get(k).cloned().unwrap_or_default();
                text.push_str(&line.paint());
                if i + 1 < columns {
                    text.push_str(&" ".repeat(widths[i] - line.width().min(widths[i]) + GAP));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        }
        if r == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
            out.push_str(&Line::of(rule.join("  "), Look::Dim).paint());
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(markdown: &str, width: usize) -> String {
        colored::control::set_override(false);
        render(markdown, width)
    }

    #[test]
    fn markdown_markers_go_and_text_stays() {
        let text = plain(
            "# Title\n\nSome `lab sticky-demo` and **bold**, *sender*.\n\n```\nlab x\n```\n- item\n",
            80,
        );
        assert_eq!(
            text,
            "Title\n═════\n\nSome lab sticky-demo and bold, sender.\n\n    lab x\n\n  • item\n"
        );
    }

    #[test]
    fn paragraphs_and_items_wrap_to_the_width_under_themselves() {
        let text = plain(
            "A paragraph written\non two lines that is long enough to wrap.\n\n- an item \
             that is long enough to wrap as well\n",
            24,
        );
        assert_eq!(
            text,
            "A paragraph written on\ntwo lines that is long\nenough to wrap.\n\n  • an item \
             that is long\n    enough to wrap as\n    well\n"
        );
    }

    #[test]
    fn chinese_lines_join_without_a_space_and_wrap_by_display_width() {
        let text = plain("第一行\n第二行，然后是很长的一句话。\n", 12);
        // A line may break between any two Chinese characters, but never before `，`.
        assert_eq!(text, "第一行第二\n行，然后是很\n长的一句话。\n");
    }

    #[test]
    fn a_table_is_aligned_by_display_width() {
        let text = plain("| a | 中文 |\n|---|---|\n| long cell | x |\n", 80);
        assert_eq!(text, "a          中文\n─────────  ────\nlong cell  x\n");
    }

    #[test]
    fn code_in_a_title_is_rendered() {
        let text = plain("## What `recv(0)` means\n", 80);
        assert_eq!(text, "What recv(0) means\n");
    }
}
