//! The classroom commands: `lab lessons`, `lab lesson`, step mode, completions, man page.

mod common;

use common::{lab, lab_with_input, stderr, stdout};
use serde_json::Value;

#[test]
fn lessons_lists_every_lesson_in_order_name_first() {
    let out = stdout(&lab(&["lessons"]));
    // One entry each, the name first; an entry's other lines are indented under it.
    let names: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "socket-basics",
            "communication-loop",
            "connection-loop",
            "reuseaddr-demo",
            "backlog-demo",
            "sticky-demo",
            "split-messages",
            "struct",
            "framed-demo",
            "other-framings",
            "stall-demo",
            "upload-demo",
            "udp-demo",
            "nagle",
            "network-splits",
            "lost-packets",
            "trace-your-code"
        ]
    );
    let json: Value = serde_json::from_str(&stdout(&lab(&["lessons", "--json"]))).unwrap();
    let first = &json[0];
    assert_eq!(first["name"], "socket-basics");
    assert!(first["title"].is_string() && first["command"].as_str().unwrap().starts_with("lab "));
}

#[test]
fn every_lesson_demo_subcommand_has_a_lesson() {
    let listed = stdout(&lab(&["lessons"]));
    for demo in [
        "sticky-demo",
        "framed-demo",
        "reuseaddr-demo",
        "backlog-demo",
        "udp-demo",
        "upload-demo",
    ] {
        assert!(
            listed.lines().any(|l| l.starts_with(demo)),
            "{demo} has no lesson"
        );
    }
}

#[test]
fn a_lesson_prints_in_the_language_asked_and_follows_lang() {
    let en = stdout(&lab(&["lesson", "sticky-demo", "--lang", "en"]));
    let zh = stdout(&lab(&["lesson", "sticky-demo", "--lang", "zh"]));
    assert_ne!(en, zh);
    assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    let by_env = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["lesson", "sticky-demo"])
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(by_env.stdout).unwrap(), zh);
    assert!(!en.contains('\x1b'), "plain when piped");
    assert!(!en.contains("```"), "code fences are rendered, not shown");
}

#[test]
fn run_shows_the_demo_after_the_text() {
    let out = stdout(&lab(&["lesson", "sticky-demo", "--lang", "en", "--run"]));
    assert!(out.contains("── $ lab sticky-demo ──"), "{out}");
    assert!(out.contains("the message boundaries are gone"), "{out}");
    let two = stdout(&lab(&["lesson", "communication-loop", "--run"]));
    assert!(two.contains("needs two terminals"), "{two}");
}

#[test]
fn the_struct_lesson_runs_its_command() {
    // The teacher's flags go with the demo; after `lab struct pack i 5` they must not be
    // taken for more values to pack.
    for lang in ["en", "zh"] {
        let out = lab(&["lesson", "struct", "--lang", lang, "--run"]);
        assert!(out.status.success(), "{lang}: {}", stderr(&out));
        assert!(
            stdout(&out).contains(r"b'\x05\x00\x00\x00'"),
            "{lang}: {}",
            stdout(&out)
        );
    }
}

#[test]
fn an_unknown_lesson_names_the_ones_there_are() {
    let out = lab(&["lesson", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("sticky-demo"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn step_mode_shows_the_same_run_event_by_event() {
    // Enter three times, then end of input: the rest comes at once.
    let out = lab_with_input(&["sticky-demo", "--step", "--color", "never"], b"\n\n\n");
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("hellobyebyeagain,bye"), "{text}");
    assert!(text.contains("verdict"), "{text}");
    assert!(stderr(&out).contains("Enter: next"));
    let rows = lab_with_input(&["reuseaddr-demo", "--step", "--color", "never"], b"\n");
    assert!(
        stdout(&rows).contains("live listener"),
        "row-paced demos still show everything"
    );
    let slow = stdout(&lab(&["framed-demo", "--slow", "1", "--color", "never"]));
    assert!(slow.contains("⇒ m3 intact ✓"), "{slow}");
}

#[test]
fn no_answers_keeps_the_quiz_and_leaves_out_the_answers() {
    for (lang, quiz, answers) in [("en", "Quiz", "Answers"), ("zh", "小测验", "答案")] {
        let full = stdout(&lab(&["lesson", "sticky-demo", "--lang", lang]));
        let class = stdout(&lab(&[
            "lesson",
            "sticky-demo",
            "--lang",
            lang,
            "--no-answers",
        ]));
        assert!(full.contains(answers) && class.contains(quiz), "{lang}");
        assert!(!class.contains(answers), "{lang}: {class}");
        assert!(
            full.starts_with(&class[..class.len() - 1]),
            "{lang}: only the answers go"
        );
    }
}

#[test]
fn markdown_is_rendered_not_shown() {
    for lesson in sticky_lab::lesson::LESSONS {
        for lang in ["en", "zh"] {
            let text = stdout(&lab(&["lesson", lesson.name, "--lang", lang]));
            for leftover in ["```", "**", "`lab", "](", "*not*", "*sender*"] {
                assert!(
                    !text.contains(leftover),
                    "{} ({lang}) shows {leftover:?}",
                    lesson.name
                );
            }
        }
    }
}

#[test]
fn completion_scripts_offer_lesson_names() {
    // split-messages is a lesson, not a subcommand: only the lesson list can offer it.
    // (clap_complete's fish scripts complete options only, not positional values.)
    for shell in ["bash", "zsh"] {
        let script = stdout(&lab(&["completions", shell]));
        assert!(script.contains("split-messages"), "{shell}");
    }
}

#[test]
fn every_page_lab_man_names_exists() {
    let dir = std::env::temp_dir().join(format!("lab-man-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = lab(&["man", "--dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pages: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut named = 0;
    for page in &pages {
        let roff = std::fs::read_to_string(dir.join(page)).unwrap();
        // Pages name others as lab\-serve(1); each one named must be there.
        for (i, _) in roff.match_indices("(1)") {
            let start = roff[..i].rfind(char::is_whitespace).map_or(0, |s| s + 1);
            let name = roff[start..i].replace("\\-", "-");
            if name.starts_with("lab-") {
                named += 1;
                assert!(
                    pages.contains(&format!("{name}.1")),
                    "{page} names {name}(1)"
                );
            }
        }
    }
    assert!(named >= 10, "the pages name their subcommands' pages");
    let serve = stdout(&lab(&["man", "serve"]));
    assert!(serve.contains(".TH lab-serve 1"), "{serve}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout(&lab(&["completions", shell]));
        assert!(script.contains("sticky-demo"), "{shell}");
    }
    let man = stdout(&lab(&["man"]));
    assert!(
        man.contains(".TH lab") && man.contains("sticky\\-demo"),
        "{man}"
    );
}

#[test]
fn the_list_names_each_lesson_by_its_own_heading_in_the_language_asked() {
    for lang in ["en", "zh"] {
        let list = stdout(&lab(&["lessons", "--json", "--lang", lang]));
        let list: Value = serde_json::from_str(&list).unwrap();
        for entry in list.as_array().unwrap() {
            let name = entry["name"].as_str().unwrap();
            let text = stdout(&lab(&["lesson", name, "--lang", lang, "--no-pager"]));
            assert_eq!(
                entry["title"].as_str(),
                text.lines().next(),
                "{name} ({lang})"
            );
        }
        let shown = stdout(&lab(&["lessons", "--lang", lang, "--width", "200"]));
        let two_terminals = match lang {
            "en" => "lab serve   # and in a second terminal: lab chat",
            _ => "lab serve   # 再在另一个终端里：lab chat",
        };
        assert!(shown.contains(two_terminals), "{shown}");
    }
}

#[test]
fn a_chinese_lesson_title_says_each_term_once() {
    // `粘包：……（粘包 / 半包）` reads as a stutter on the projected list.
    let list: Value =
        serde_json::from_str(&stdout(&lab(&["lessons", "--json", "--lang", "zh"]))).unwrap();
    for lesson in list.as_array().unwrap() {
        let title = lesson["title"].as_str().unwrap();
        for term in [
            "粘包",
            "半包",
            "半连接池",
            "通信循环",
            "链接循环",
            "报头",
            "大文件上传",
        ] {
            assert!(title.matches(term).count() <= 1, "{term} twice: {title}");
        }
    }
}

/// A student who installed lab runs the trace lesson from their home folder: its programs
/// are found in the folder lab was built from, and both run to the end.
#[test]
fn the_trace_lesson_runs_its_programs_from_any_folder() {
    if common::traced::python().is_none() {
        return;
    }
    let elsewhere = common::Scratch::new("trace-lesson-elsewhere");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .args([
            "lesson",
            "trace-your-code",
            "--run",
            "--no-pager",
            "--width",
            "100",
        ])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains("a failure") && !text.contains("not started"),
        "{text}"
    );
    assert!(text.contains("hellobyebyeagain,bye"), "{text}");
}
