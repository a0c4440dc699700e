//! Text from a topology file, made safe to print to a terminal.
//!
//! A file can hold any character in a description, a name or a quoted
//! value, and error messages quote values. Printed raw, an escape sequence
//! (`\x1b[2J`) clears the screen and a carriage return or a bidirectional
//! override forges a `PASS` line. Every human-readable output (error
//! messages, the CLI's text, the trace) goes through [`escape_control`]
//! once, where it is printed; values quoted in messages are shortened with
//! [`clip`] where the message is made, so that no message grows with the
//! file.
//!
//! Promises: never panics; text without such characters comes back
//! borrowed, unchanged.

use core::fmt::{self, Write as _};
use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: the C0 and C1 controls
/// and DEL (`char::is_control`), and the Unicode bidirectional controls,
/// which reorder what is shown without being seen.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `s` with every character of [`is_unsafe`] written as an escape:
/// `\n`, `\r`, `\t`, `\\x1b` for the other ASCII controls, `\u{202e}` for
/// the rest. Other characters, including a backslash, are kept.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    // Writing into a String cannot fail.
    let _ = write!(out, "{}", Escaped(s));
    Cow::Owned(out)
}

/// Displays its text as [`escape_control`] returns it, without allocating.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(is_unsafe) {
            f.write_str(&rest[..i])?;
            let c = rest[i..].chars().next().unwrap_or('\0');
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c.is_ascii() => write!(f, "\\x{:02x}", c as u32)?,
                c => write!(f, "\\u{{{:x}}}", c as u32)?,
            }
            rest = &rest[i + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// The longest a value quoted in a message is shown, in characters: the
/// longest example the messages give (a whole `probes:` line) fits.
pub const QUOTE_MAX: usize = 64;

/// `s` cut to its first `max` characters, with `…` when something was cut.
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
    }
}

/// Every span between backquotes in `s` that is longer than
/// [`QUOTE_MAX`] characters, clipped; the rest of `s` kept. Messages quote
/// values in backquotes, so this bounds what any value adds to one.
pub fn clip_quoted(s: &str) -> Cow<'_, str> {
    // Fast path: nothing quoted is that long.
    if !s.split('`').skip(1).step_by(2).any(|q| q.len() > QUOTE_MAX) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().min(1024));
    let parts: Vec<&str> = s.split('`').collect();
    let last = parts.len() - 1;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd parts are inside quotes, when their closing quote exists.
        if i % 2 == 1 && i < last {
            out.push_str(&clip(part, QUOTE_MAX));
        } else {
            out.push_str(part);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_the_rest_kept() {
        assert!(matches!(escape_control("bus1 → ok"), Cow::Borrowed(_)));
        assert_eq!(escape_control("a\u{1b}[2Jb"), "a\\x1b[2Jb");
        assert_eq!(escape_control("x\r  PASS\n"), "x\\r  PASS\\n");
        assert_eq!(escape_control("\u{7f}\u{9b}"), "\\x7f\\u{9b}");
        assert_eq!(escape_control("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(escape_control("tab\there"), "tab\\there");
        assert_eq!(escape_control("back\\slash"), "back\\slash");
    }

    #[test]
    fn long_quotes_are_clipped() {
        assert_eq!(clip("short", 5), "short");
        assert_eq!(clip("ééééé", 3), "ééé…");
        let long = "x".repeat(1000);
        // An unclosed quote is not a quote.
        let m = format!("`{long}` is not a node; `{long}");
        assert_eq!(
            clip_quoted(&m),
            format!("`{}…` is not a node; `{long}", "x".repeat(QUOTE_MAX))
        );
        let m = format!("`a` and `{long}` and `b`");
        assert_eq!(
            clip_quoted(&m),
            format!("`a` and `{}…` and `b`", "x".repeat(QUOTE_MAX))
        );
        assert!(matches!(clip_quoted("`a` b `c`"), Cow::Borrowed(_)));
    }
}
