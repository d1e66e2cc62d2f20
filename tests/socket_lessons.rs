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
