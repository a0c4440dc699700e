//! Errors in topology files: each says where (file, line, column, key path)
//! and what to do about it.
//!
//! Printed (`Display`), every field goes through
//! [`crate::text::escape_control`]: a file cannot put a control character
//! on the terminal through an error message.

use core::fmt;

use crate::text::Escaped;

/// At most this many problems of one file are kept and shown, the first in
/// file order; the rest are counted ([`Diagnostics::more`]).
pub const MAX_ERRORS: usize = 50;

/// One problem in a topology file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Diagnostic {
    /// The file name as given to [`crate::load`].
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based.
    pub column: u32,
    /// The key path, e.g. `nodes.bus1.interfaces.eth0.addresses[0]`; empty
    /// for the document itself.
    pub path: String,
    /// What is wrong, as a sentence a user can act on.
    pub message: String,
    /// What to do about it, when the message alone does not say.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `FILE:LINE:COLUMN: PATH: MESSAGE`, then `  help: ...` on its own line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", Escaped(&self.file), self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", Escaped(&self.path))?;
        }
        write!(f, "{}", Escaped(&self.message))?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {}", Escaped(help))?;
        }
        Ok(())
    }
}

/// The problems found in one file: the first [`MAX_ERRORS`] in the order of
/// their places in it, and how many more there were.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostics {
    pub errors: Vec<Diagnostic>,
    /// Problems found beyond those in `errors`, left out.
    pub more: usize,
}

impl Diagnostics {
    /// The line that stands for the problems left out, if any:
    /// `… and 12 more errors`.
    pub fn more_line(&self) -> Option<String> {
        match self.more {
            0 => None,
            1 => Some("… and 1 more error".into()),
            n => Some(format!("… and {n} more errors")),
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "error: {d}")?;
        }
        if let Some(more) = self.more_line() {
            if !self.errors.is_empty() {
                f.write_str("\n")?;
            }
            f.write_str(&more)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_escaped_when_printed() {
        let d = Diagnostic {
            file: "a\u{1b}.yaml".into(),
            line: 3,
            column: 7,
            path: "nodes.x\ry".into(),
            message: "`\u{1b}[2J` is not a node".into(),
            help: Some("PASS\n".into()),
        };
        assert_eq!(
            d.to_string(),
            "a\\x1b.yaml:3:7: nodes.x\\ry: `\\x1b[2J` is not a node\n  help: PASS\\n"
        );
        let all = Diagnostics {
            errors: vec![d],
            more: 3,
        };
        assert!(all.to_string().ends_with("\n… and 3 more errors"), "{all}");
    }
}
