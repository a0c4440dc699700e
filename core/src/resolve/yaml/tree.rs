//! The tree a YAML text is read into: nodes, their values and scalars, and
//! the places they start at, including the places of nodes copied by an
//! alias.

use std::borrow::Cow;

/// A place in the file, 1-based, in characters.
///
/// A node copied by an alias has no place of its own: its `line` is 0 and
/// its `column` indexes [`Tree::copies`], which holds its place in the
/// anchored text and the alias use that copied it ([`place`] reads both).
/// This keeps every node as small as it was without aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const START: Pos = Pos::at(1, 1);

    pub const fn at(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }
    /// Whether this is an index into [`Tree::copies`].
    pub fn is_copy(self) -> bool {
        self.line == 0
    }
}

/// One use of an alias (`*name`) that copied an anchored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AliasUse {
    /// Where `*name` is written.
    pub at: Pos,
    /// Where the anchored value (`&name`) begins.
    pub anchor: Pos,
}

/// A node copied by an alias: its place in the anchored text, and the
/// index of that alias use in [`Tree::aliases`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    pub pos: Pos,
    pub alias: u32,
}

/// The document's root, and the tables its copied nodes refer to.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree<'t> {
    pub root: Node<'t>,
    pub aliases: Vec<AliasUse>,
    pub copies: Vec<Copied>,
}

/// Where `pos` is in the text, and the alias use that copied the node
/// there, if one did.
pub fn place<'a>(
    aliases: &'a [AliasUse],
    copies: &[Copied],
    pos: Pos,
) -> (Pos, Option<&'a AliasUse>) {
    if !pos.is_copy() {
        return (pos, None);
    }
    match copies.get(pos.column as usize) {
        Some(c) => (c.pos, aliases.get(c.alias as usize)),
        None => (Pos::START, None),
    }
}

/// One YAML node and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'t> {
    pub pos: Pos,
    pub value: Value<'t>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'t> {
    Scalar(Scalar<'t>),
    Seq(Vec<Node<'t>>),
    /// Entries in file order, duplicates included.
    Map(Vec<(Node<'t>, Node<'t>)>),
}

/// A scalar with its text as written (after escapes), and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar<'t> {
    pub text: Cow<'t, str>,
    kind: ScalarKind,
}

/// What a scalar is under the YAML 1.2 core schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    Null,
    Bool(bool),
    Int,
    Float,
    Str,
}

impl<'t> Scalar<'t> {
    /// `plain` is false for quoted and block scalars and for `!!str`: those
    /// are strings whatever they look like.
    pub fn new(text: Cow<'t, str>, plain: bool) -> Self {
        let kind = if plain {
            Self::resolve(&text)
        } else {
            ScalarKind::Str
        };
        Scalar { text, kind }
    }

    pub fn kind(&self) -> ScalarKind {
        self.kind
    }

    /// The core schema's reading of a plain scalar.
    fn resolve(t: &str) -> ScalarKind {
        // Most scalars are names: nothing else starts with a letter but
        // null, true, false (any case) and `.inf`/`.nan`.
        if t.starts_with(|c: char| c.is_ascii_alphabetic() && !"nNtTfF".contains(c)) {
            return ScalarKind::Str;
        }
        match t {
            "" | "~" | "null" | "Null" | "NULL" => ScalarKind::Null,
            "true" | "True" | "TRUE" => ScalarKind::Bool(true),
            "false" | "False" | "FALSE" => ScalarKind::Bool(false),
            _ if parse_int(t).is_some() => ScalarKind::Int,
            _ if is_float(t) => ScalarKind::Float,
            _ => ScalarKind::Str,
        }
    }
}

/// A plain integer of the core schema: decimal with an optional sign,
/// `0x` hex or `0o` octal. Values beyond `i128` saturate, which every
/// range check then refuses.
pub fn parse_int(t: &str) -> Option<i128> {
    let (radix, neg, digits) = if let Some(h) = t.strip_prefix("0x") {
        (16, false, h)
    } else if let Some(o) = t.strip_prefix("0o") {
        (8, false, o)
    } else if let Some(d) = t.strip_prefix('-') {
        (10, true, d)
    } else {
        (10, false, t.strip_prefix('+').unwrap_or(t))
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mut v: i128 = 0;
    for c in digits.chars() {
        let d = i128::from(c.to_digit(radix).unwrap_or(0));
        v = v.saturating_mul(i128::from(radix)).saturating_add(d);
    }
    Some(if neg { -v } else { v })
}

fn is_float(t: &str) -> bool {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    if matches!(body, ".inf" | ".Inf" | ".INF") || matches!(t, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int)
        && frac.is_none_or(digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exp_ok && (frac.is_some() || exp.is_some())
}

impl Node<'_> {
    /// How the value is described in "found ..." messages.
    pub fn describe(&self) -> &'static str {
        match &self.value {
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
            Value::Scalar(s) => match s.kind() {
                ScalarKind::Null => "nothing",
                ScalarKind::Bool(_) => "true or false",
                ScalarKind::Int => "a whole number",
                ScalarKind::Float => "a decimal number",
                ScalarKind::Str => "a string",
            },
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.kind() == ScalarKind::Null)
    }

    /// The text of a scalar that is not null.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) if s.kind() != ScalarKind::Null => Some(&s.text),
            _ => None,
        }
    }
}
