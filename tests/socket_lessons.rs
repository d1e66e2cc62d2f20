//! The socket-option lessons against the running kernel, judged by their JSON summaries.

mod common;

use common::summary;

#[test]
fn reuseaddr_matrix_matches_the_linux_rule() {
    let s = summary(&["reuseaddr-demo"]);
    let rows = s["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 9, "{s}");
    for row in rows {
        let (old, new) = (row["old_reuseaddr"] == true, row["new_reuseaddr"] == true);
        match row["closer"].as_str().unwrap() {
            "server" => {
                assert_eq!(row["time_wait_seen"], true, "{row}");
                assert_eq!(row["bind_ok"], old && new, "{row}");
            }
            "client" => {
                assert_eq!(row["time_wait_seen"], false, "{row}");
                assert_eq!(row["bind_ok"], true, "{row}");
            }
            "live listener" => {
                assert_eq!(row["bind_ok"], false, "{row}");
                assert!(
                    row["error"].as_str().unwrap().starts_with("EADDRINUSE"),
                    "{row}"
                );
            }
            other => panic!("unexpected closer {other}"),
        }
    }
    assert_eq!(
        s["finding_codes"],
        serde_json::json!([
            "server_closed_rule_held",
            "client_closed_port_free",
            "live_listener_keeps_port",
            "set_reuseaddr_every_run"
        ]),
        "{s}"
    );
}

#[test]
fn findings_follow_the_language_and_their_codes_do_not() {
    let en = summary(&["reuseaddr-demo", "--closer", "client", "--lang", "en"]);
    let zh = summary(&["reuseaddr-demo", "--closer", "client", "--lang", "zh"]);
    assert_eq!(en["finding_codes"], zh["finding_codes"]);
    assert_eq!(en["rows"].as_array().unwrap().len(), 5);
    let first = |s: &serde_json::Value| s["findings"][0].as_str().unwrap().to_string();
    assert!(first(&en).starts_with("Client closed first"), "{en}");
    assert!(first(&zh).starts_with("客户端先关闭"), "{zh}");
    assert_eq!(zh["rows"][0]["closer"], "client", "{zh}");
}

#[test]
fn reuseaddr_closer_picks_the_rows() {
    let s = summary(&["reuseaddr-demo", "--closer", "client"]);
    let closers: Vec<&str> = s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["closer"].as_str().unwrap())
        .collect();
    assert_eq!(
        closers,
        ["client", "client", "client", "client", "live listener"]
    );
}

#[test]
fn backlog_lets_backlog_plus_one_in_and_the_rest_follow_on_syn_retry() {
    let s = summary(&["backlog-demo"]);
    assert_eq!(s["backlog"], 2);
    assert_eq!(s["clients"], 6);
    assert!(s["somaxconn"].as_i64().unwrap() >= 2, "{s}");
    assert_eq!(s["connected_before_accept"], 3, "{s}");
    assert_eq!(s["pending_before_accept"], 3, "{s}");
    assert_eq!(s["accepted"], 6, "{s}");
    let codes = &s["finding_codes"];
    assert_eq!(codes[1], "backlog_plus_one", "{s}");
    assert_eq!(codes[2], "in_on_syn_retry", "{s}");
    assert_eq!(
        codes.as_array().unwrap().len(),
        s["findings"].as_array().unwrap().len()
    );
    let waiting: Vec<_> = s["per_client"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["connected_before_accept"] == false)
        .collect();
    assert!(
        waiting
            .iter()
            .all(|c| c["state_before_accept"] == "SYN_SENT"),
        "{s}"
    );
}

#[test]
fn a_backlog_of_zero_still_queues_one() {
    let s = summary(&[
        "backlog-demo",
        "--backlog",
        "0",
        "--clients",
        "2",
        "--wait",
        "50",
    ]);
    assert_eq!(s["connected_before_accept"], 1, "{s}");
}

#[test]
fn a_backlog_over_somaxconn_is_capped_and_said() {
    let s = summary(&[
        "backlog-demo",
        "--backlog",
        "65535",
        "--clients",
        "1",
        "--wait",
        "10",
    ]);
    // TCP_INFO on the listener reports what the kernel applied: listen()'s value, capped.
    let cap = s["somaxconn"].as_i64().unwrap();
    assert_eq!(s["applied_backlog"], cap.min(65535));
    if cap < 65535 {
        assert_eq!(s["finding_codes"][0], "backlog_capped", "{s}");
        assert!(
            s["findings"][0]
                .as_str()
                .unwrap()
                .contains("the kernel applies"),
            "{s}"
        );
    }
}

#[test]
fn every_backlog_client_is_accounted_for() {
    let s = summary(&["backlog-demo", "--clients", "10", "--wait", "50"]);
    let clients = s["per_client"].as_array().unwrap();
    let accepted = clients
        .iter()
        .filter(|c| !c["accepted_ms"].is_null())
        .count();
    assert_eq!(s["accepted"], accepted);
    let stranded = clients
        .iter()
        .filter(|c| c["accepted_ms"].is_null() && !c["connected_ms"].is_null())
        .count();
    assert_eq!(s["stranded"], stranded);
    // Clients the server never heard of only exist when the kernel answered with SYN cookies.
    if stranded > 0 {
        let cookies = s["counters"]["SyncookiesSent"].as_u64().unwrap()
            + s["counters"]["TCPReqQFullDoCookies"].as_u64().unwrap();
        assert!(cookies > 0, "{s}");
    }
    assert_eq!(
        s["queue_len_before_accept"], s["connected_before_accept"],
        "{s}"
    );
}
