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
        "{} differs (UPDATE_SNAPSHOTS=1 rewrites it); - expected, + actual:\n",
        path.display()
    );
    diff.push_str(&line_diff(&expected, actual));
    Some(diff)
}

/// Every line that differs between `expected` and `actual`, as `-` and `+`
/// lines with their line numbers, from a longest-common-subsequence
/// alignment (so one inserted line shows as one line, not as a shift of
/// the rest).
pub fn line_diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    // lcs[i][j]: the longest common subsequence of e[i..] and a[j..].
    let mut lcs = vec![vec![0u32; a.len() + 1]; e.len() + 1];
    for i in (0..e.len()).rev() {
        for j in (0..a.len()).rev() {
            lcs[i][j] = if e[i] == a[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < e.len() || j < a.len() {
        if i < e.len() && j < a.len() && e[i] == a[j] {
            i += 1;
            j += 1;
        } else if i < e.len() && (j == a.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("  -{:>4} {}\n", i + 1, e[i]));
            i += 1;
        } else {
            out.push_str(&format!("  +{:>4} {}\n", j + 1, a[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::line_diff;

    #[test]
    fn a_diff_shows_every_differing_line_and_nothing_else() {
        let d = line_diff("a\nb\nc\nd\n", "a\nx\nc\nd\ne\n");
        assert_eq!(d, "  -   2 b\n  +   2 x\n  +   5 e\n");
        assert_eq!(line_diff("same\n", "same\n"), "");
    }
}
