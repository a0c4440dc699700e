//! The naming rules of the contract, and the "did you mean" that follows a
//! misspelt word.

/// Why `s` is not a topology name (1–10 of `a-z 0-9 -`, starting with a
/// letter), if it is not.
pub fn topology_name_problem(s: &str) -> Option<String> {
    short_name_problem("topology name", s, 10)
}

/// Why `s` is not a node name (1–20 of `a-z 0-9 -`, starting with a
/// letter), if it is not.
pub fn node_name_problem(s: &str) -> Option<String> {
    short_name_problem("node name", s, 20)
}

/// Wires follow the node rule: `netsim apply` makes a namespace of each.
pub fn wire_name_problem(s: &str) -> Option<String> {
    short_name_problem("wire name", s, 20)
}

fn short_name_problem(what: &str, s: &str, max: usize) -> Option<String> {
    let n = s.chars().count();
    if n == 0 {
        return Some(format!("the {what} is empty"));
    }
    let mut parts = Vec::new();
    if n > max {
        parts.push(format!("has {n} characters (at most {max} are allowed)"));
    }
    let mut bad: Vec<char> = Vec::new();
    for c in s.chars() {
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || bad.contains(&c)) {
            bad.push(c);
        }
    }
    if !bad.is_empty() {
        let shown: Vec<String> = bad.iter().take(4).map(|&c| show_char(c)).collect();
        let more = if bad.len() > 4 { " and more" } else { "" };
        let capitals = if bad.iter().any(char::is_ascii_uppercase) {
            " (capitals are not allowed)"
        } else {
            ""
        };
        let listed = match shown.as_slice() {
            [init @ .., last] if !init.is_empty() && more.is_empty() => {
                format!("{} and {last}", init.join(", "))
            }
            _ => shown.join(", "),
        };
        parts.push(format!("contains {listed}{more}{capitals}"));
    }
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        parts.push("does not start with a letter".into());
    }
    match parts.as_slice() {
        [] => None,
        [one] => Some(format!("{what} `{s}` {one}")),
        [init @ .., last] => Some(format!("{what} `{s}` {} and {last}", init.join(", "))),
    }
}

/// A character as messages show it: `D`, or escaped when it would not
/// be seen (' ', '\t').
fn show_char(c: char) -> String {
    if c.is_ascii_graphic() || (c.is_alphanumeric() && !c.is_whitespace()) {
        format!("`{c}`")
    } else {
        format!("{c:?}")
    }
}

/// The kernel's limit on interface names (`IFNAMSIZ` less the final NUL).
pub const IFNAME_MAX: usize = 15;

/// Why `s` is not an interface name (1–15 of `A-Z a-z 0-9 _ . -`), if it
/// is not.
pub fn iface_name_problem(s: &str) -> Option<String> {
    let n = s.chars().count();
    if n == 0 {
        return Some("the interface name is empty".into());
    }
    if n > IFNAME_MAX {
        return Some(format!(
            "interface name `{s}` has {n} characters; Linux allows at most {IFNAME_MAX}"
        ));
    }
    if s == "." || s == ".." {
        return Some(format!("Linux does not allow `{s}` as an interface name"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Some(format!(
            "interface name `{s}` contains {}; use only A-Z, a-z, 0-9, _, . and -",
            show_char(c)
        ));
    }
    None
}

/// The candidate closest to `word`, when it is close enough to be what
/// was meant: capitals ignored, a swap of two neighbours counting as one
/// edit, and fewer edits allowed for shorter words.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    const LONGEST: usize = 64;
    let w: Vec<char> = word.to_lowercase().chars().collect();
    if w.is_empty() || w.len() > LONGEST {
        return None;
    }
    let allowed = match w.len() {
        0..=2 => 0,
        3..=5 => 1,
        6..=9 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter(|c| c.len() <= LONGEST * 4)
        .map(|c| {
            let cl: Vec<char> = c.to_lowercase().chars().collect();
            (distance(&w, &cl), c)
        })
        .filter(|(d, c)| *d <= allowed && *c != word)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal-string-alignment distance: insertions, deletions,
/// substitutions and swaps of neighbours.
fn distance(a: &[char], b: &[char]) -> usize {
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// `` `a`, `b`, `c` or `d` ``.
pub fn one_of(words: &[&str]) -> String {
    listed(words, "or")
}

/// `` `a`, `b`, `c` and `d` ``.
pub fn all_of(words: &[&str]) -> String {
    listed(words, "and")
}

fn listed(words: &[&str], last_word: &str) -> String {
    match words {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|w| format!("`{w}`")).collect();
            format!("{} {last_word} `{last}`", init.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_words_only() {
        let keys = ["type", "addresses", "mac", "mtu", "master", "stp"];
        assert_eq!(closest("adresses", keys), Some("addresses"));
        assert_eq!(closest("Addresses", keys), Some("addresses"));
        assert_eq!(closest("mastr", keys), Some("master"));
        assert_eq!(closest("zzzzzz", keys), None);
        let kinds = ["host", "container", "router", "external"];
        assert_eq!(closest("hots", kinds), Some("host"));
        assert_eq!(closest("containr", kinds), Some("container"));
        assert_eq!(closest("port", ["action", "source", "out"]), None);
        assert_eq!(closest("c", ["a", "b"]), None);
    }

    #[test]
    fn name_rules() {
        assert_eq!(topology_name_problem("docker0"), None);
        assert!(topology_name_problem("too-long-a-name").is_some());
        assert_eq!(
            node_name_problem("Bus1").unwrap(),
            "node name `Bus1` contains `B` (capitals are not allowed)"
        );
        assert_eq!(
            topology_name_problem("Docker_Zero_Net").unwrap(),
            "topology name `Docker_Zero_Net` has 15 characters (at most 10 are allowed) and contains `D`, `_`, `Z` and `N` (capitals are not allowed)"
        );
        assert!(node_name_problem("1bus")
            .unwrap()
            .contains("start with a letter"));
        assert_eq!(node_name_problem("web-1"), None);
        assert_eq!(iface_name_problem("veth2d6f8e9"), None);
        assert_eq!(
            iface_name_problem("veth-much-too-long").unwrap(),
            "interface name `veth-much-too-long` has 18 characters; Linux allows at most 15"
        );
        assert!(iface_name_problem("a b").unwrap().contains("' '"));
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
