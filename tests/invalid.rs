//! The invalid-file corpus: every `tests/invalid/NAME.yaml` is one kind of
//! mistake, and must be refused with exactly the errors of `NAME.err` (file,
//! line, column, key path, message and help, as `Diagnostics` prints them).
//! A `.yaml` without its `.err`, or an `.err` without its `.yaml`, fails too.
//! `UPDATE_SNAPSHOTS=1` rewrites the `.err` files; read them before committing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use netsim_tests::{compare_golden, dir, updating};

/// The files of `folder` ending in `ext`, sorted.
fn files(folder: &Path, ext: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(ext))
        .collect();
    names.sort();
    names
}

#[test]
fn every_invalid_file_gives_its_errors() {
    let folder = dir().join("invalid");
    let yamls = files(&folder, ".yaml");
    assert!(
        yamls.len() >= 25,
        "the corpus has only {} files",
        yamls.len()
    );
    let mut problems = Vec::new();
    for name in &yamls {
        let stem = name.trim_end_matches(".yaml");
        let shown = format!("invalid/{name}");
        let bytes = std::fs::read(folder.join(name)).unwrap();
        let golden = folder.join(format!("{stem}.err"));
        if !golden.exists() && !updating() {
            problems.push(format!(
                "{shown} has no {stem}.err beside it (UPDATE_SNAPSHOTS=1 writes it)"
            ));
            continue;
        }
        let actual = match netsim_core::load_bytes(&shown, &bytes) {
            Ok(_) => {
                problems.push(format!("{shown} was accepted, but it must be refused"));
                continue;
            }
            Err(d) => {
                if d.errors.is_empty() {
                    problems.push(format!("{shown}: refused without any error"));
                }
                for e in &d.errors {
                    if e.line == 0 || e.column == 0 {
                        problems.push(format!("{shown}: an error without a line: {e}"));
                    }
                }
                format!("{d}\n")
            }
        };
        if let Some(diff) = compare_golden(&golden, &actual) {
            problems.push(diff);
        }
    }
    for name in files(&folder, ".err") {
        let yaml = name.replace(".err", ".yaml");
        if !yamls.contains(&yaml) {
            problems.push(format!("invalid/{name} has no {yaml} beside it"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in the invalid-file corpus:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
