//! `--trials` as pictures: the two histograms (recv() calls per run, data segments per run) as
//! bar charts, and a page with them, a table of the runs and the JSON. Each bar names the runs
//! it counts (`data-trials`), so the page's Next/Back light up the bars of one run at a time.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::html::{self, Page};
use super::layout::{CHAR_W, LINE, PAGE_COLUMNS, WIDTH};
use super::svg::{FONT_FAMILY, color_of, escape, text};
use crate::analysis::Summary;
use crate::analysis::trials::trials_facts;
use crate::render::text::{Line, Look, wrap_words};
use crate::render::trials_view::render_json;
use crate::render::words::Words;

/// The longest bar, and where bars start (after the value column).
const BAR_MAX: f64 = 560.0;
const BAR_LEFT: f64 = 90.0;
const BAR_HEIGHT: f64 = 18.0;
const BAR_GAP: f64 = 6.0;

/// One histogram: its title and, for each value, the runs (from 1) that had it.
struct Histogram {
    title: String,
    runs_by_value: BTreeMap<u64, Vec<usize>>,
}

fn histograms(runs: &[Summary], words: Words) -> [Histogram; 2] {
    let by_value = |value: &dyn Fn(&Summary) -> Option<u64>| {
        let mut map: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        for (i, s) in runs.iter().enumerate() {
            if let Some(v) = value(s) {
                map.entry(v).or_default().push(i + 1);
            }
        }
        map
    };
    let sends = runs.first().map_or(0, |s| s.sends);
    let udp = runs.first().is_some_and(|s| s.truncated.is_some());
    [
        Histogram {
            title: words.recvs_per_run(sends, udp),
            runs_by_value: by_value(&|s| Some(s.recvs as u64)),
        },
        Histogram {
            title: words.segments_per_run().into(),
            runs_by_value: by_value(&|s| s.data_segments_out.map(u64::from)),
        },
    ]
}

/// The histograms as an SVG document.
pub fn svg(lesson: &str, runs: &[Summary], words: Words) -> String {
    let Some(first) = runs.first() else {
        return String::new();
    };
    let mut body = String::new();
    let title = words.trials_title(lesson, first, runs.len());
    let mut y = 24.0;
    for line in wrap_words(&title, PAGE_COLUMNS) {
        text(
            &mut body,
            16.0,
            y,
            "start",
            &Line::of(line, Look::Heading),
            r#" font-size="14""#,
        );
        y += LINE + 2.0;
    }
    y += 12.0;
    for histogram in histograms(runs, words) {
        y = draw_histogram(&mut body, &histogram, runs.len(), words, y) + 18.0;
    }
    for line in wrap_words(&words.trials_conclusion(&trials_facts(runs)), PAGE_COLUMNS) {
        text(
            &mut body,
            16.0,
            y,
            "start",
            &Line::of(line, Look::Plain),
            "",
        );
        y += LINE;
    }
    let height = y + 16.0;
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="lab-chart trials" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="{FONT_FAMILY}" font-size="12" role="img" aria-labelledby="chart-title"><title id="chart-title">{}</title><rect x="0" y="0" width="{WIDTH}" height="{height:.0}" fill="white"/>{body}</svg>
"#,
        escape(&title)
    )
}

/// One histogram from `y` down; returns the y below it.
fn draw_histogram(out: &mut String, h: &Histogram, runs: usize, words: Words, mut y: f64) -> f64 {
    text(
        out,
        16.0,
        y,
        "start",
        &Line::of(h.title.clone(), Look::Heading),
        "",
    );
    y += 10.0;
    if h.runs_by_value.is_empty() {
        y += LINE;
        text(
            out,
            32.0,
            y,
            "start",
            &Line::of(words.not_measured(), Look::Dim),
            "",
        );
        return y;
    }
    for (value, members) in &h.runs_by_value {
        let count = members.len();
        let width = (BAR_MAX * count as f64 / runs.max(1) as f64).max(2.0);
        let list: Vec<String> = members.iter().map(usize::to_string).collect();
        let _ = write!(
            out,
            r#"<g class="mark bar" data-value="{value}" data-count="{count}" data-trials="{}">"#,
            list.join(" ")
        );
        let value_line = Line::of(value.to_string(), Look::Plain);
        text(out, BAR_LEFT - 10.0, y + 13.0, "end", &value_line, "");
        let _ = write!(
            out,
            r#"<rect x="{BAR_LEFT}" y="{y:.1}" width="{width:.1}" height="{BAR_HEIGHT}" fill="{}"/>"#,
            color_of(*value as usize)
        );
        let count_line = Line::of(words.runs(count), Look::Plain);
        let after = BAR_LEFT + width + CHAR_W;
        text(out, after, y + 13.0, "start", &count_line, "");
        out.push_str("</g>");
        y += BAR_HEIGHT + BAR_GAP;
    }
    y
}

/// The histograms, a table of the runs and every run's JSON, on one page.
pub fn html(lesson: &str, runs: &[Summary], words: Words) -> String {
    let Some(first) = runs.first() else {
        return String::new();
    };
    let title = words.trials_title(lesson, first, runs.len());
    let mut table = String::from("<thead><tr>");
    for head in words.trial_columns() {
        let _ = write!(table, "<th>{}</th>", escape(head));
    }
    table.push_str("</tr></thead>\n<tbody>\n");
    for (i, s) in runs.iter().enumerate() {
        let segments = s
            .data_segments_out
            .map_or("—".to_string(), |n| n.to_string());
        let intact = words.yes_no(s.intact);
        let _ = writeln!(
            table,
            "<tr data-step=\"{n}\" data-trial=\"{n}\"><td class=\"t\">{n}</td><td>{}</td>\
             <td>{segments}</td><td>{}</td><td>{}</td><td>{intact}</td></tr>",
            s.recvs,
            s.merged_recvs,
            s.split_messages,
            n = i + 1
        );
    }
    table.push_str("</tbody>\n");
    let summary = [(
        String::new(),
        words.trials_conclusion(&trials_facts(runs)),
        Look::Plain,
    )];
    html::render(&Page {
        words,
        title: &title,
        caption: &[],
        svg: &svg(lesson, runs, words),
        table,
        summary: &summary,
        step_template: words.trial_of(),
        json: &render_json(lesson, runs, words),
    })
}
