//! Shared helpers for the scenario tests: golden files that a test compares
//! with and that `UPDATE_SNAPSHOTS=1` rewrites.

use std::path::{Path, PathBuf};

/// The `tests/` folder.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository root.
pub fn root() -> PathBuf {
    dir().join("..")
}

/// Whether golden files should be rewritten instead of compared.
pub fn updating() -> bool {
    std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1")
}

/// Compares `actual` with the golden file at `path`; returns a description
/// of the difference, or `None` when equal (or when updating).
pub fn compare_golden(path: &Path, actual: &str) -> Option<String> {
    if updating() {
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        return match std::fs::write(path, actual) {
            Ok(()) => None,
            Err(e) => Some(format!("{}: cannot write: {e}", path.display())),
        };
    }
    let expected = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return Some(format!(
                "{}: cannot read ({e}); run with UPDATE_SNAPSHOTS=1 to create it",
                path.display()
            ))
        }
    };
    if expected == actual {
        return None;
    }
    let mut diff = format!(
        "{} differs (UPDATE_SNAPSHOTS=1 rewrites it):\n",
        path.display()
    );
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i).copied(), a.get(i).copied());
        if x != y {
            diff.push_str(&format!(
                "  first difference at line {}:\n  - {}\n  + {}\n",
                i + 1,
                x.unwrap_or("<end of file>"),
                y.unwrap_or("<end of file>")
            ));
            break;
        }
    }
    Some(diff)
}
