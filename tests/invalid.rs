//! The invalid-file corpus: every `tests/invalid/NAME.yaml` must be refused

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! with exactly the errors in `NAME.err` (file, line, column, key path and
//! message). `UPDATE_SNAPSHOTS=1` rewrites the `.err` files.

use netsim_tests::{compare_golden, dir};

#[test]
fn every_invalid_file_gives_its_errors() {
    let folder = dir().join("invalid");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .expect("tests/invalid exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 25,
        "the corpus has only {} files",
        names.len()
    );
    let mut problems = Vec::new();
    for name in &names {
        let text = std::fs::read_to_string(folder.join(name)).expect("readable");
        let shown = format!("invalid/{name}");
        let actual = match netsim_core::load(&shown, &text) {
            Ok(_) => {
                problems.push(format!("{shown} was accepted, but it must be refused"));
                continue;
            }
            Err(d) => {
                if d.0.is_empty() {
                    problems.push(format!("{shown}: refused without any error"));
                }
                for e in &d.0 {
                    if e.line == 0 && !text.is_empty() {
                        problems.push(format!("{shown}: an error without a line: {e}"));
                    }
                }
                format!("{d}\n")
            }
        };
        let golden = folder.join(name.replace(".yaml", ".err"));
        if let Some(diff) = compare_golden(&golden, &actual) {
            problems.push(diff);
        }
    }
    // Every .err belongs to a .yaml.
    for e in std::fs::read_dir(&folder)
        .expect("tests/invalid exists")
        .filter_map(|e| e.ok())
    {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.ends_with(".err") && !names.contains(&n.replace(".err", ".yaml")) {
            problems.push(format!("invalid/{n} has no .yaml beside it"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
