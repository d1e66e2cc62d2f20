//! `--svg`, `--html` and `--pcap`: the pictures of a run, checked the way a reader meets them.
//! The SVG parses as XML and holds one mark per send(), segment and recv(); the HTML page
//! loads in headless Chromium without a console error, its Next/Back step through every event,
//! and its screenshot is not blank; tshark reads the pcapng and counts the data segments the
//! summary counts. Browser and tshark checks say why when they are skipped.

mod common;
#[path = "support/devtools.rs"]
mod devtools;
#[path = "fixtures/lossy_wire.rs"]
mod lossy_wire;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use common::svg::{marks, slant, sum_attribute};
use common::{lab, path_arg, stderr, stdout};
use serde_json::Value;
use sticky_lab::analysis::summarize;
use sticky_lab::lang::Lang;
use sticky_lab::render::{chart, pcapng};

/// A test that cannot run here says so on the terminal, past the test harness's capture.
fn skip(test: &str, reason: &str) {
    let _ = writeln!(std::io::stderr(), "test {test}: skipped: {reason}");
}

fn scratch(name: &str) -> common::Scratch {
    common::scratch_dir("pictures", name)
}

/// Run lab with `args` plus `--json`; the JSON lines, and stdout as it was.
fn run_json(args: &[&str]) -> (Vec<Value>, String) {
    let mut all = args.to_vec();
    all.push("--json");
    let output = lab(&all);
    assert!(output.status.success(), "lab {all:?}: {}", stderr(&output));
    let text = stdout(&output);
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, text)
}

fn seqs_of(lines: &[Value], op: &str) -> Vec<u64> {
    lines
        .iter()
        .filter(|l| l["op"] == op)
        .map(|l| l["seq"].as_u64().unwrap())
        .collect()
}

/// Run lab with `args` (which include `--json`): its JSON lines and stdout, or `None` after
/// saying why when it failed as `refusal` says it may where it cannot run here.
fn run_or_skip(test: &str, args: &[&str], refusal: &str) -> Option<(Vec<Value>, String)> {
    let output = lab(args);
    if !output.status.success() {
        let why = stderr(&output);
        assert!(why.contains(refusal), "{why}");
        skip(test, why.trim());
        return None;
    }
    let text = stdout(&output);
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Some((lines, text))
}

fn all_text(doc: &roxmltree::Document<'_>) -> String {
    doc.descendants().filter_map(|n| n.text()).collect()
}

#[test]
fn the_svg_of_a_run_parses_and_has_one_mark_per_send_and_recv() {
    let dir = scratch("svg");
    let svg = dir.join("split.svg");
    let (lines, _) = run_json(&["sticky-demo", "--recv-size", "4", "--svg", path_arg(&svg)]);
    let summary = lines.last().unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");

    let sends = marks(&doc, &["send"]);
    let recvs = marks(&doc, &["recv"]);
    assert_eq!(sends.len() as u64, summary["sends"].as_u64().unwrap());
    assert_eq!(recvs.len() as u64, summary["recvs"].as_u64().unwrap());
    assert_eq!(
        marks(&doc, &["eof"]).len(),
        1,
        "recv() returning 0 has its own mark"
    );
    // Each mark is the event of the same seq in the JSON.
    let seq = |nodes: &[roxmltree::Node<'_, '_>]| -> Vec<u64> {
        nodes
            .iter()
            .map(|n| n.attribute("data-seq").unwrap().parse().unwrap())
            .collect()
    };
    assert_eq!(seq(&sends), seqs_of(&lines, "send"));
    assert_eq!(seq(&recvs), seqs_of(&lines, "recv"));
    // Without the packets, dotted lines say which recv() got each send()'s bytes: 3 sends,
    // split over 7 recvs, make at least 7 lines.
    let flows = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("flow"))
        .count();
    assert!(flows >= recvs.len(), "{flows} flow lines");
    // The recv() boxes name their pieces: hello came in two.
    let words = all_text(&doc);
    assert!(
        words.contains("m1[0..4]") && words.contains("m1[4..5]"),
        "{words}"
    );
    assert!(
        words.contains("3 split messages"),
        "the figures are beneath"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_chinese_locale_draws_chinese_words_with_a_cjk_font_to_fall_back_on() {
    let dir = scratch("zh");
    let svg = dir.join("zh.svg");
    let output = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["sticky-demo", "--svg", path_arg(&svg)])
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let words = all_text(&doc);
    assert!(
        words.contains("客户端") && words.contains("服务端"),
        "{words}"
    );
    let fonts = doc.root_element().attribute("font-family").unwrap();
    assert!(fonts.contains("Noto Sans CJK SC"), "{fonts}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// The packets of a pcapng file, counted by walking its blocks.
fn enhanced_packet_blocks(file: &[u8]) -> usize {
    let (mut at, mut count) = (0, 0);
    while at + 8 <= file.len() {
        let kind = u32::from_ne_bytes(file[at..at + 4].try_into().unwrap());
        let len = u32::from_ne_bytes(file[at + 4..at + 8].try_into().unwrap()) as usize;
        assert!(len >= 12 && len % 4 == 0, "block length {len}");
        count += usize::from(kind == 6);
        at += len;
    }
    assert_eq!(at, file.len(), "blocks end where the file ends");
    count
}

/// The port the lesson's server bound, from its `bind` event.
fn server_port(lines: &[Value]) -> String {
    lines
        .iter()
        .find(|l| l["op"] == "bind")
        .and_then(|l| l["detail"].as_str())
        .and_then(|d| d.rsplit(':').next())
        .unwrap()
        .to_string()
}

/// `tshark -r FILE -Y FILTER -T fields -e …`: one line per packet, or why it cannot run.
fn tshark(file: &Path, filter: &str, fields: &[&str]) -> Result<Vec<String>, String> {
    let mut command = Command::new("tshark");
    command.args(["-r", path_arg(file), "-Y", filter, "-T", "fields"]);
    for field in fields {
        command.args(["-e", field]);
    }
    let output = command
        .output()
        .map_err(|e| format!("tshark not found ({e}); install Debian's tshark package"))?;
    assert!(
        output.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect())
}

#[test]
fn a_wire_run_draws_every_packet_and_its_pcapng_counts_the_summarys_segments() {
    const TEST: &str = "a_wire_run_draws_every_packet_and_its_pcapng_counts_the_summarys_segments";
    let dir = scratch("wire");
    let (svg, html, pcap) = (dir.join("w.svg"), dir.join("w.html"), dir.join("w.pcapng"));
    let args = [
        "sticky-demo",
        "--svg",
        path_arg(&svg),
        "--html",
        path_arg(&html),
        "--pcap",
        path_arg(&pcap),
        "--json",
    ];
    let Some((lines, text)) = run_or_skip(TEST, &args, "--pcap: nothing to write") else {
        return;
    };
    let summary = lines.last().unwrap();
    let segments = summary["segments_captured"]
        .as_u64()
        .expect("--pcap captures");

    let svg_text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&svg_text).unwrap();
    let data_up = marks(&doc, &["packet", "data", "to-server"]);
    assert_eq!(sum_attribute(&data_up, "data-segments"), segments);
    let file = std::fs::read(&pcap).unwrap();
    let packets = enhanced_packet_blocks(&file) as u64;
    assert!(
        packets >= segments + 6,
        "handshake, data, ACKs and FINs: {packets}"
    );
    assert_eq!(
        sum_attribute(&marks(&doc, &["packet"]), "data-packets"),
        packets
    );
    assert!(
        !marks(&doc, &["packet", "ack"]).is_empty(),
        "the ACKs are drawn too"
    );

    // The page embeds exactly what --json printed.
    let page = std::fs::read_to_string(&html).unwrap();
    let start = page.find("id=\"lab-json\">\n").unwrap() + "id=\"lab-json\">\n".len();
    let embedded = &page[start..start + page[start..].find("</script>").unwrap()];
    assert_eq!(embedded, text);

    let filter = format!("tcp.len > 0 && tcp.dstport == {}", server_port(&lines));
    match tshark(&pcap, &filter, &["frame.comment"]) {
        Err(why) => skip(TEST, &why),
        Ok(comments) => {
            assert_eq!(comments.len() as u64, segments, "{comments:?}");
            let named: Vec<&str> = comments
                .iter()
                .filter_map(|c| c.split(": ").nth(1))
                .collect();
            assert_eq!(named.join(" "), "m1 m2 m3", "{comments:?}");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn drops_retransmissions_duplicates_reordering_and_bursts_get_their_marks() {
    let run = lossy_wire::lossy_run();
    let summary = summarize(&run);
    let text = chart::run_svg(&run, &summary, Lang::En);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let packets = marks(&doc, &["packet"]);
    assert_eq!(
        sum_attribute(&packets, "data-packets"),
        run.transcript.wire.packets.len() as u64
    );

    let dropped = marks(&doc, &["packet", "dropped"]);
    assert_eq!(dropped.len(), 1);
    let cross = dropped[0].descendants().any(|n| n.text() == Some("✕"));
    assert!(cross, "a drop ends in ✕");
    assert_eq!(marks(&doc, &["packet", "retransmission"]).len(), 1);
    let words = all_text(&doc);
    for note in [
        "dropped (loss)",
        "retransmission",
        "duplicate of #11",
        "reordered",
        "flight 10 ms",
    ] {
        assert!(words.contains(note), "no {note:?} in {words}");
    }
    // The four full-size segments of m3 and the ACK between them: one band.
    let bundles = marks(&doc, &["packet", "bundle"]);
    assert_eq!(bundles.len(), 1);
    assert_eq!(bundles[0].attribute("data-segments"), Some("4"));
    assert_eq!(bundles[0].attribute("data-packets"), Some("5"));
    assert!(words.contains("× 4 × 1448 B"), "{words}");
    assert!(
        words.contains("m3"),
        "the band names the message it carries"
    );

    // A 10 ms flight is drawn slanted (loopback's microseconds are drawn flat).
    let first_data = &marks(&doc, &["packet", "data"])[0];
    assert!(slant(first_data) > 10.0, "slant {}", slant(first_data));
}

#[test]
fn tshark_reads_the_fixtures_pcapng_and_sees_the_retransmission_and_the_comments() {
    const TEST: &str =
        "tshark_reads_the_fixtures_pcapng_and_sees_the_retransmission_and_the_comments";
    let run = lossy_wire::lossy_run();
    let file = pcapng::render(&run.transcript, "lab fixture", Lang::En);
    let dir = scratch("fixture-pcap");
    let path = dir.join("lossy.pcapng");
    std::fs::write(&path, &file).unwrap();
    assert_eq!(
        enhanced_packet_blocks(&file),
        run.transcript.wire.packets.len()
    );
    match tshark(
        &path,
        "tcp",
        &[
            "frame.number",
            "frame.time_epoch",
            "tcp.len",
            "frame.comment",
        ],
    ) {
        Err(why) => skip(TEST, &why),
        Ok(rows) => {
            assert_eq!(rows.len(), run.transcript.wire.packets.len());
            let row = |n: usize| rows[n - 1].split('\t').collect::<Vec<_>>();
            // Timestamps: the clock's origin plus when each packet left, in microseconds.
            assert!(row(1)[1].starts_with("1700000000.001000"), "{:?}", row(1));
            assert_eq!(row(5)[2], "1448");
            assert!(row(6)[3].contains("dropped (loss)"), "{:?}", row(6));
            assert!(row(12)[3].contains("duplicate of #11"), "{:?}", row(12));
            assert!(row(14)[3].contains("m3[0..1448]"), "{:?}", row(14));
            let resent = tshark(&path, "tcp.analysis.retransmission", &["frame.number"]).unwrap();
            assert!(resent.contains(&"11".to_string()), "{resent:?}");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn trials_draw_their_histograms_with_one_bar_per_value() {
    let dir = scratch("trials");
    let svg = dir.join("t.svg");
    let (lines, _) = run_json(&["sticky-demo", "--trials", "4", "--svg", path_arg(&svg)]);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let summary = lines.last().unwrap();
    let bars = marks(&doc, &["bar"]);
    let histogram = summary["recvs_histogram"].as_object().unwrap();
    // The first histogram's bars are the recv() counts; each names the runs it counts.
    let first: Vec<_> = bars.iter().take(histogram.len()).collect();
    for bar in &first {
        let value = bar.attribute("data-value").unwrap();
        assert_eq!(
            bar.attribute("data-count").unwrap(),
            histogram[value].to_string()
        );
    }
    let runs: usize = first
        .iter()
        .map(|b| b.attribute("data-trials").unwrap().split(' ').count())
        .sum();
    assert_eq!(runs, 4);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_picture_file_in_a_missing_directory_or_without_packets_is_refused_before_the_run() {
    let cases: [&[&str]; 3] = [
        &["sticky-demo", "--svg", "/no/such/dir/x.svg"],
        &["udp-demo", "--pcap", "x.pcapng"],
        &["sticky-demo", "--trials", "3", "--pcap", "x.pcapng"],
    ];
    for args in cases {
        let output = lab(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: --"), "{err}");
        assert!(stdout(&output).is_empty(), "nothing ran: {args:?}");
    }
    assert!(!Path::new("x.pcapng").exists());
}

/// The page's step state: the current step, its row's seq, its JSON, whether Next is off.
fn step_state(browser: &mut devtools::Browser) -> (u64, Option<String>, String, bool, u64) {
    let state = browser.evaluate(
        "(() => { const row = document.querySelector('#steps tr.current'); return [\
         Number(document.body.dataset.current), row && (row.dataset.seq || row.dataset.trial), \
         document.getElementById('step-json').textContent, document.getElementById('next').disabled, \
         document.querySelectorAll('#chart .later').length]; })()",
    );
    (
        state[0].as_u64().unwrap(),
        state[1].as_str().map(str::to_string),
        state[2].as_str().unwrap().to_string(),
        state[3].as_bool().unwrap(),
        state[4].as_u64().unwrap(),
    )
}

/// Open `page`, step through every row with Next, one back with Back, and look at it.
fn step_through(browser: &mut devtools::Browser, page: &Path, key: &str) -> usize {
    let url = format!("file://{}", page.display());
    browser.call("Page.navigate", serde_json::json!({ "url": url }));
    browser.wait_for("Page.loadEventFired");
    let rows: Vec<String> = serde_json::from_value(browser.evaluate(&format!(
        "Array.from(document.querySelectorAll('#steps tbody tr[data-step]')).map(r => r.dataset.{key})"
    )))
    .unwrap();
    assert!(!rows.is_empty());
    assert_eq!(step_state(browser).0, 0, "the page opens on the whole run");
    let mut later = u64::MAX;
    for (k, row) in rows.iter().enumerate() {
        browser.evaluate("document.getElementById('next').click()");
        let (current, seq, json, next_off, faded) = step_state(browser);
        assert_eq!(current as usize, k + 1);
        assert_eq!(seq.as_deref(), Some(row.as_str()));
        let value: Value = serde_json::from_str(&json).expect("the step's JSON line is shown");
        assert_eq!(
            value[if key == "seq" { "seq" } else { "trial" }].to_string(),
            *row
        );
        assert_eq!(next_off, k + 1 == rows.len());
        assert!(faded <= later, "marks come in as the steps go on");
        later = faded;
    }
    browser.evaluate("document.getElementById('back').click()");
    assert_eq!(step_state(browser).0 as usize, rows.len() - 1);
    rows.len()
}

/// Pixels that are not white, and how many colours, in a screenshot of the page.
fn screenshot_ink(browser: &mut devtools::Browser) -> (f64, usize) {
    let shot = browser.call(
        "Page.captureScreenshot",
        serde_json::json!({ "format": "png" }),
    );
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap())
        .unwrap();
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let channels = frame.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..frame.buffer_size()].chunks(channels).collect();
    let ink = pixels
        .iter()
        .filter(|p| p.iter().take(3).any(|&c| c < 240))
        .count();
    let colours: std::collections::HashSet<&[u8]> = pixels.iter().copied().collect();
    (ink as f64 / pixels.len() as f64, colours.len())
}

/// `lab trace --html` of the notes' sticky pair (tests/python), or `None` without python3.
fn traced_page(dir: &Path) -> Option<PathBuf> {
    let python = Command::new("python3").arg("--version").output();
    if !python.is_ok_and(|o| o.status.success()) {
        skip("traced_page", "python3 is not installed");
        return None;
    }
    let page = dir.join("trace.html");
    let script = |name: &str| format!("python3 {}/tests/python/{name}", env!("CARGO_MANIFEST_DIR"));
    let server = format!("{} 0", script("trace_sticky_server.py"));
    let client = script("trace_sticky_client.py");
    let output = lab(&[
        "trace",
        "--server",
        &server,
        "--client",
        &client,
        "--reader-delay",
        "100",
        "--html",
        path_arg(&page),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    Some(page)
}

#[test]
fn the_html_pages_load_in_chromium_without_errors_and_step_through_every_event() {
    const TEST: &str =
        "the_html_pages_load_in_chromium_without_errors_and_step_through_every_event";
    let Some(chromium) = devtools::find_chromium() else {
        skip(
            TEST,
            "chromium not found; install Debian's chromium package",
        );
        return;
    };
    let dir = scratch("html");
    let (run_page, trials_page) = (dir.join("run.html"), dir.join("trials.html"));
    let (lines, _) = run_json(&[
        "framed-demo",
        "--recv-size",
        "7",
        "--html",
        path_arg(&run_page),
    ]);
    run_json(&[
        "sticky-demo",
        "--trials",
        "3",
        "--html",
        path_arg(&trials_page),
    ]);
    let page = std::fs::read_to_string(&run_page).unwrap();
    assert!(page.contains("Content-Security-Policy") && !page.contains("<script src"));
    assert!(
        !page.contains("<link"),
        "no stylesheet or font from elsewhere"
    );

    let mut browser = devtools::Browser::launch(&chromium, 1100, 1400);
    let steps = step_through(&mut browser, &run_page, "seq");
    let calls = seqs_of(&lines, "send").len() + seqs_of(&lines, "recv").len();
    assert!(
        steps > calls,
        "{steps} steps for {calls} send() and recv() calls"
    );
    let (ink, colours) = screenshot_ink(&mut browser);
    assert!(
        ink > 0.02 && colours > 8,
        "a blank screenshot? ink {ink:.3}, {colours} colours"
    );
    assert_eq!(step_through(&mut browser, &trials_page, "trial"), 3);
    if let Some(trace_page) = traced_page(&dir) {
        // Both programs' calls: 3 sends, 1 recv, 2 b''.
        assert!(step_through(&mut browser, &trace_page, "seq") >= 6);
    }
    let problems = browser.problems();
    assert!(problems.is_empty(), "{problems:#?}");
    drop(browser);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_arrival_dated_a_little_before_its_departure_is_drawn_flat_not_upwards() {
    // Loopback capture dates departure and arrival from two clock readings, which can disagree
    // by microseconds.
    let mut run = lossy_wire::lossy_run();
    for p in &mut run.transcript.wire.packets {
        p.fate = sticky_lab::transcript::Fate::Delivered {
            at_us: p.sent_us.saturating_sub(5),
        };
    }
    let text = chart::run_svg(&run, &summarize(&run), Lang::En);
    let doc = roxmltree::Document::parse(&text).unwrap();
    for mark in marks(&doc, &["packet"]) {
        let line = mark.descendants().find(|n| n.has_tag_name("line")).unwrap();
        let y = |name| line.attribute(name).unwrap().parse::<f64>().unwrap();
        assert!(
            y("y2") >= y("y1"),
            "an arrow drawn upwards: {:?}",
            mark.attribute("class")
        );
    }
}

#[test]
fn a_lossy_run_across_the_link_draws_its_drops_and_retransmissions_and_tshark_counts_them() {
    const TEST: &str =
        "a_lossy_run_across_the_link_draws_its_drops_and_retransmissions_and_tshark_counts_them";
    let dir = scratch("lossy-net");
    let (svg, pcap) = (dir.join("l.svg"), dir.join("l.pcapng"));
    let args = [
        "sticky-demo",
        "--message-size",
        "30000",
        "--reader-delay",
        "0",
        "--net",
        "delay=10ms,loss=4%,seed=6",
        "--svg",
        path_arg(&svg),
        "--pcap",
        path_arg(&pcap),
        "--json",
    ];
    let Some((lines, _)) = run_or_skip(TEST, &args, "--net needs") else {
        return;
    };
    let summary = lines.last().unwrap();
    let link = &summary["link"];
    assert_eq!(summary["bytes_received"], 30_000, "every byte arrives");
    let lost = link["lost"].as_u64().unwrap();
    let retransmissions = link["retransmissions"].as_u64().unwrap();
    assert!(lost >= 1, "seed 6 loses a packet: {link}");

    let svg_text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&svg_text).unwrap();
    let dropped = marks(&doc, &["packet", "dropped"]);
    assert_eq!(dropped.len() as u64, lost);
    assert!(
        dropped
            .iter()
            .all(|m| m.descendants().any(|n| n.text() == Some("✕")))
    );
    assert!(marks(&doc, &["packet", "retransmission"]).len() as u64 >= retransmissions);
    // Every packet has its arrow or its place in a band; a 10 ms flight is drawn slanted.
    let packets =
        link["packets_to_server"].as_u64().unwrap() + link["packets_to_client"].as_u64().unwrap();
    assert_eq!(
        sum_attribute(&marks(&doc, &["packet"]), "data-packets"),
        packets
    );
    let first_data = &marks(&doc, &["packet", "data", "to-server"])[0];
    assert!(slant(first_data) > 10.0, "slant {}", slant(first_data));

    // tshark sees every data segment the link carried: first transmissions and resends.
    let filter = format!("tcp.len > 0 && tcp.dstport == {}", server_port(&lines));
    match tshark(&pcap, &filter, &["frame.comment"]) {
        Err(why) => skip(TEST, &why),
        Ok(comments) => {
            let data = link["data_segments"].as_u64().unwrap();
            assert_eq!(
                comments.len() as u64,
                data + retransmissions,
                "{comments:?}"
            );
            let resent = comments
                .iter()
                .filter(|c| c.contains("retransmission"))
                .count();
            assert_eq!(resent as u64, retransmissions, "{comments:?}");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn udp_across_the_link_writes_its_datagrams_for_tshark() {
    const TEST: &str = "udp_across_the_link_writes_its_datagrams_for_tshark";
    let dir = scratch("udp-net");
    let pcap = dir.join("u.pcapng");
    let args = ["udp-demo", "--net", "--pcap", path_arg(&pcap), "--json"];
    let Some((lines, _)) = run_or_skip(TEST, &args, "--net needs") else {
        return;
    };
    let summary = lines.last().unwrap();
    match tshark(&pcap, "udp", &["udp.length", "frame.comment"]) {
        Err(why) => skip(TEST, &why),
        Ok(datagrams) => {
            assert_eq!(datagrams.len() as u64, summary["sends"].as_u64().unwrap());
            let named: Vec<&str> = datagrams
                .iter()
                .filter_map(|d| d.split(": ").nth(1))
                .collect();
            assert_eq!(named.join(" "), "m1 m2 m3", "{datagrams:?}");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A picture named after something that is not a plain file is written into it, never put in
/// its place: a named pipe is read by whoever reads it, a device stays a device (`--svg
/// /dev/null` as root must not turn /dev/null into a file), and a symbolic link keeps
/// pointing at the file it names, which gets the picture.
#[test]
fn a_picture_goes_into_a_pipe_a_device_or_a_link_without_replacing_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = scratch("special");
    let fifo = dir.join("pipe.svg");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = lab(&["sticky-demo", "--svg", path_arg(&fifo)]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Still a pipe (else its reader would wait for ever: it is left behind, not joined).
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the pipe was replaced: {kind:?}");
    let read = reader.join().unwrap();
    assert!(
        read.starts_with(b"<svg") || read.starts_with(b"<?xml"),
        "the reader got the SVG"
    );

    let real = dir.join("real.svg");
    std::fs::write(&real, "old").unwrap();
    let link = dir.join("link.svg");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = lab(&["sticky-demo", "--svg", path_arg(&link)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_to_string(&real).unwrap().contains("<svg"));

    // A null device of our own (as root): it must still be a device afterwards.
    let null = dir.join("null");
    let made = Command::new("mknod")
        .args([path_arg(&null), "c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let out = lab(&["sticky-demo", "--html", path_arg(&null)]);
        assert!(out.status.success(), "{}", stderr(&out));
        let kind = std::fs::symlink_metadata(&null).unwrap().file_type();
        assert!(kind.is_char_device(), "the device was replaced: {kind:?}");
    } else {
        skip(
            "a_picture_goes_into_a_pipe_a_device_or_a_link_without_replacing_it",
            "mknod is not permitted here (the device case needs root)",
        );
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let expected: &[&str] = if made {
        &["link.svg", "null", "pipe.svg", "real.svg"]
    } else {
        &["link.svg", "pipe.svg", "real.svg"]
    };
    assert_eq!(names, expected, "nothing else, no temporary file");
}
