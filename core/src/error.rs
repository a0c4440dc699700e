//! Errors in topology files: each says where (file, line, column, key path)
//! and what to do about it.

use core::fmt;

/// One problem in a topology file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The file name as given to [`crate::load`].
    pub file: String,
    /// 1-based; 0 when the problem has no place in the text (an empty file).
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
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Every problem found in one file, in the order of their places in it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "error: {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
