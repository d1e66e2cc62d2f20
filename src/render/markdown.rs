//! Lesson texts (Markdown) for a terminal: headings bold, code set apart in colour, lists
//! with bullets. With colour off (a pipe, NO_COLOR) the same layout without escape codes.

use colored::Colorize;

/// Render the Markdown subset the lesson texts use: `#` headings, fenced code blocks,
/// `- ` and numbered lists, `**bold**` and `` `code` ``.
pub fn render(markdown: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str(&format!("    {}\n", line.cyan()));
            continue;
        }
        if let Some(title) = line.strip_prefix("# ") {
            out.push_str(&format!(
                "{}\n{}\n",
                title.bold(),
                "═".repeat(title_width(title))
            ));
        } else if let Some(title) = line.strip_prefix("## ") {
            out.push_str(&format!("\n{}\n", title.bold().underline()));
        } else if let Some(title) = line.strip_prefix("### ") {
            out.push_str(&format!("{}\n", title.bold()));
        } else if let Some(item) = line.strip_prefix("- ") {
            out.push_str(&format!("  • {}\n", inline(item)));
        } else if let Some(rest) = line.strip_prefix("  ") {
            out.push_str(&format!("    {}\n", inline(rest)));
        } else {
            out.push_str(&format!("{}\n", inline(line)));
        }
    }
    out
}

fn title_width(title: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(title)
}

/// `` `code` `` in colour and `**bold**` in bold; the markers themselves go.
fn inline(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&part.cyan().to_string());
        } else {
            for (j, piece) in part.split("**").enumerate() {
                if j % 2 == 1 {
                    out.push_str(&piece.bold().to_string());
                } else {
                    out.push_str(piece);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_markers_go_and_text_stays() {
        colored::control::set_override(false);
        let text =
            render("# Title\n\nSome `lab sticky-demo` and **bold**.\n\n```\nlab x\n```\n- item\n");
        assert_eq!(
            text,
            "Title\n═════\n\nSome lab sticky-demo and bold.\n\n    lab x\n  • item\n"
        );
    }
}
