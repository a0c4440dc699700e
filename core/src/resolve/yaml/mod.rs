//! YAML (and JSON, which is YAML) read into a tree whose every node knows
//! its line and column, so that every later check can say where it found a
//! problem.
//!
//! The events come from granit-parser, the YAML 1.2 parser inside
//! serde-saphyr (re-exported by it); the tree is built here, without serde,
//! for three reasons: scalars keep their text (an interface may be named
//! `10`), duplicate keys reach the checks that can name them, and a file of
//! ten thousand containers reads in a fraction of the time.
//!
//! Promises: no recursion on the input's nesting (the tree is built with an
//! explicit stack and refused beyond [`MAX_DEPTH`] levels), and aliases are
//! expanded only within a fixed budget of copied nodes and of copied text,
//! so that an alias bomb ends in an error at once instead of eating memory.
//! Every node copied by an alias knows that alias ([`Pos::alias`]), so that
//! an error in it can name both the anchor and the place of use.
//!
//! The tree's types are in `tree`; this module reads the text into it.

mod tree;

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use serde_saphyr::granit_parser::{Event, Marker, Options, Parser, ScalarStyle, ScanError};

pub use tree::{parse_int, place, AliasUse, Copied, Node, Pos, Scalar, ScalarKind, Tree, Value};

/// Lists and maps nested deeper than this are refused (the format needs
/// seven levels).
pub const MAX_DEPTH: usize = 64;

/// Nodes that anchors and aliases may copy in all; a real file copies a
/// few hundred at most.
pub const MAX_ALIAS_COPIES: usize = 500_000;

/// Bytes of scalar text that anchors and aliases may copy in all: a
/// 10,000-container file that aliases a 200-byte block per container
/// copies 2 MB.
pub const MAX_ALIAS_BYTES: usize = 16 << 20;

impl Pos {
    fn of(m: &Marker) -> Pos {
        Pos::at(
            u32::try_from(m.line()).unwrap_or(u32::MAX).max(1),
            u32::try_from(m.col())
                .unwrap_or(u32::MAX - 1)
                .saturating_add(1),
        )
    }
}

impl Node<'_> {
    /// Nodes and bytes of scalar text in this node and below.
    fn size(&self) -> (usize, usize) {
        // Iterative: the tree may be as deep as MAX_DEPTH, and this runs on
        // anchored nodes only.
        let (mut n, mut bytes) = (0usize, 0usize);
        let mut stack = vec![self];
        while let Some(x) = stack.pop() {
            n += 1;
            match &x.value {
                Value::Scalar(s) => bytes = bytes.saturating_add(s.text.len()),
                Value::Seq(items) => stack.extend(items),
                Value::Map(entries) => {
                    for (k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
            }
        }
        (n, bytes)
    }

    /// Marks this node and every node below as copied by alias use
    /// `alias`, filing their places in `copies` (see [`Pos`]). A node
    /// already copied by an inner alias keeps that one: it is the closer of
    /// the two to its text.
    fn mark_copied(&mut self, alias: u32, copies: &mut Vec<Copied>) {
        let mut stack = vec![self];
        while let Some(x) = stack.pop() {
            if !x.pos.is_copy() {
                let i = u32::try_from(copies.len()).unwrap_or(u32::MAX);
                copies.push(Copied { pos: x.pos, alias });
                x.pos = Pos { line: 0, column: i };
            }
            match &mut x.value {
                Value::Scalar(_) => {}
                Value::Seq(items) => stack.extend(items.iter_mut()),
                Value::Map(entries) => {
                    for (k, v) in entries.iter_mut() {
                        stack.push(k);
                        stack.push(v);
                    }
                }
            }
        }
    }
}

/// Why the text is not a YAML document we can read: where, and in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
    pub help: String,
}

fn scan_error(e: &ScanError) -> SyntaxError {
    let info = e.info();
    let pos = Pos::of(e.marker());
    if info.contains("unknown anchor") {
        return SyntaxError {
            pos,
            message: "this alias (`*name`) names no anchor defined before it".into(),
            help: "define `&name` on a value above, then refer to it with `*name`".into(),
        };
    }
    SyntaxError {
        pos,
        message: format!("this is not valid YAML: {info}"),
        help: "check the indentation, the quotes and the brackets here and just before".into(),
    }
}

enum Frame<'t> {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node<'t>>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<(Node<'t>, Node<'t>)>,
        key: Option<Node<'t>>,
    },
}

struct Builder<'t> {
    stack: Vec<Frame<'t>>,
    root: Option<Node<'t>>,
    anchors: FxHashMap<usize, Node<'t>>,
    aliases: Vec<AliasUse>,
    copies: Vec<Copied>,
    copied: usize,
    copied_bytes: usize,
}

impl<'t> Builder<'t> {
    /// Files a finished node under its parent, or as the root.
    fn finish(&mut self, node: Node<'t>, anchor: usize) -> Result<(), SyntaxError> {
        if anchor != 0 {
            self.count(node.size(), node.pos)?;
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }

    /// Counts a copy of (nodes, bytes) against the budgets, before it is
    /// made.
    fn count(&mut self, (n, bytes): (usize, usize), pos: Pos) -> Result<(), SyntaxError> {
        self.copied = self.copied.saturating_add(n);
        self.copied_bytes = self.copied_bytes.saturating_add(bytes);
        let what = if self.copied > MAX_ALIAS_COPIES {
            format!("more than {MAX_ALIAS_COPIES} values")
        } else if self.copied_bytes > MAX_ALIAS_BYTES {
            format!("more than {} MiB of text", MAX_ALIAS_BYTES >> 20)
        } else {
            return Ok(());
        };
        Err(SyntaxError {
            pos,
            message: format!("the anchors and aliases (`&name`, `*name`) of this file copy {what}"),
            help: "this looks like an alias bomb; write the values out, or alias smaller parts"
                .into(),
        })
    }

    fn open(&mut self, frame: Frame<'t>, pos: Pos) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(SyntaxError {
                pos,
                message: format!(
                    "lists and maps are nested more than {MAX_DEPTH} levels deep here"
                ),
                help: "a topology file needs about seven levels; look for runaway brackets".into(),
            });
        }
        self.stack.push(frame);
        Ok(())
    }
}

/// Reads the whole text. A text without a document (empty, or only
/// comments) gives `None`.
pub fn parse(text: &str) -> Result<Option<Tree<'_>>, SyntaxError> {
    let mut options = Options::default();
    options.set_emit_comments(false);
    let mut b = Builder {
        stack: Vec::new(),
        root: None,
        anchors: FxHashMap::default(),
        aliases: Vec::new(),
        copies: Vec::new(),
        copied: 0,
        copied_bytes: 0,
    };
    let mut documents = 0usize;
    for item in Parser::new_from_str_with_options(text, options) {
        let (event, span) = match item {
            Ok(x) => x,
            Err(e) => return Err(scan_error(&e)),
        };
        let pos = Pos::of(&span.start);
        match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError {
                        pos,
                        message: "a second YAML document begins here; a topology file holds one"
                            .into(),
                        help: "remove the `---` line and merge what follows into the first document, or put it in a file of its own".into(),
                    });
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let is_str_tag = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema_tag("str"));
                let plain = style == ScalarStyle::Plain && !is_str_tag;
                b.finish(
                    Node {
                        pos,
                        value: Value::Scalar(Scalar::new(text, plain)),
                    },
                    anchor,
                )?;
            }
            Event::SequenceStart(_, anchor, _) => b.open(
                Frame::Seq {
                    pos,
                    anchor,
                    items: Vec::new(),
                },
                pos,
            )?,
            Event::MappingStart(_, anchor, _) => b.open(
                Frame::Map {
                    pos,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                },
                pos,
            )?,
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match b.stack.pop() {
                    Some(Frame::Seq {
                        pos,
                        anchor,
                        mut items,
                    }) => {
                        // The tree lives until the model is built: no slack.
                        items.shrink_to_fit();
                        (
                            Node {
                                pos,
                                value: Value::Seq(items),
                            },
                            anchor,
                        )
                    }
                    Some(Frame::Map {
                        pos,
                        anchor,
                        mut entries,
                        key,
                    }) => {
                        // The parser always pairs keys with values; be safe anyway.
                        if let Some(k) = key {
                            let null = Node {
                                pos: k.pos,
                                value: Value::Scalar(Scalar::new(Cow::Borrowed(""), true)),
                            };
                            entries.push((k, null));
                        }
                        entries.shrink_to_fit();
                        (
                            Node {
                                pos,
                                value: Value::Map(entries),
                            },
                            anchor,
                        )
                    }
                    None => continue,
                };
                b.finish(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(target) = b.anchors.get(&id) else {
                    return Err(SyntaxError {
                        pos,
                        message: "this alias names no anchor defined before it".into(),
                        help: "define `&name` on a value above, then refer to it with `*name`"
                            .into(),
                    });
                };
                let (anchor, size) = (target.pos, target.size());
                b.count(size, pos)?;
                let Some(mut copy) = b.anchors.get(&id).cloned() else {
                    continue;
                };
                let alias = u32::try_from(b.aliases.len()).unwrap_or(u32::MAX);
                b.aliases.push(AliasUse { at: pos, anchor });
                copy.mark_copied(alias, &mut b.copies);
                b.finish(copy, 0)?;
            }
            _ => {}
        }
    }
    Ok(b.root.map(|root| Tree {
        root,
        aliases: b.aliases,
        copies: b.copies,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    fn tree(text: &str) -> Node<'_> {
        parse(text).unwrap().unwrap().root
    }

    #[test]
    fn positions_of_nested_nodes() {
        let n = tree("a:\n  b: [1, x]\n  c: { d: true }\n");
        let Value::Map(top) = &n.value else { panic!() };
        let Value::Map(inner) = &top[0].1.value else {
            panic!()
        };
        assert_eq!(inner[0].0.pos, Pos::at(2, 3));
        let Value::Seq(items) = &inner[0].1.value else {
            panic!()
        };
        assert_eq!(items[1].pos, Pos::at(2, 10));
        assert_eq!(items[1].text(), Some("x"));
        assert_eq!(items[0].describe(), "a whole number");
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let kind = |t: &str, plain| Scalar::new(Cow::Borrowed(t), plain).kind();
        assert_eq!(kind("on", true), ScalarKind::Str);
        assert_eq!(kind("yes", true), ScalarKind::Str);
        assert_eq!(kind("True", true), ScalarKind::Bool(true));
        assert_eq!(kind("true", false), ScalarKind::Str);
        assert_eq!(kind("~", true), ScalarKind::Null);
        assert_eq!(kind("0x1F", true), ScalarKind::Int);
        assert_eq!(kind("-12", true), ScalarKind::Int);
        assert_eq!(kind("1.5e3", true), ScalarKind::Float);
        assert_eq!(kind("10.0.0.1", true), ScalarKind::Str);
        assert_eq!(kind("10.0.0.1/24", true), ScalarKind::Str);
        assert_eq!(kind(".", true), ScalarKind::Str);
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(
            parse_int("99999999999999999999999999999999999999999999"),
            Some(i128::MAX)
        );
        assert_eq!(parse_int("+-1"), None);
    }

    #[test]
    fn duplicate_keys_are_kept_for_the_checks() {
        let n = tree("a: 1\nb: 2\na: 3\n");
        let Value::Map(m) = &n.value else { panic!() };
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn syntax_errors_and_second_documents_have_positions() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.pos.line >= 1, "{e:?}");
        let e = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(e.pos.line, 2, "{e:?}");
        assert!(parse("").unwrap().is_none());
        assert!(parse("# only a comment\n").unwrap().is_none());
    }

    #[test]
    fn aliases_are_copied_and_the_copies_know_the_alias() {
        let t = parse("a: &x [1, 2]\nb: *x\nc: &y [*x]\nd: *y\n")
            .unwrap()
            .unwrap();
        let at = |p: Pos| place(&t.aliases, &t.copies, p);
        let Value::Map(m) = &t.root.value else {
            panic!()
        };
        let (Value::Seq(orig), Value::Seq(copy)) = (&m[0].1.value, &m[1].1.value) else {
            panic!()
        };
        assert_eq!(orig[1].text(), copy[1].text());
        assert_eq!(at(orig[1].pos), (Pos::at(1, 11), None));
        let (p, used) = at(copy[1].pos);
        assert_eq!(p, Pos::at(1, 11));
        let used = used.unwrap();
        assert_eq!((used.at, used.anchor), (Pos::at(2, 4), Pos::at(1, 7)));
        // A copy of a copy names the alias closest to its text.
        let Value::Seq(d) = &m[3].1.value else {
            panic!()
        };
        let Value::Seq(inner) = &d[0].value else {
            panic!()
        };
        assert_eq!(at(inner[0].pos).1.unwrap().at, Pos::at(3, 8));
        assert_eq!(at(d[0].pos).1.unwrap().at, Pos::at(3, 8));
        assert_eq!(at(m[3].1.pos).1.unwrap().at, Pos::at(4, 4));
    }

    #[test]
    fn aliases_copy_a_bounded_amount_of_text() {
        let big = "x".repeat(1 << 20);
        let mut y = format!("a: &a \"{big}\"\nb: [");
        for _ in 0..40 {
            y.push_str("*a, ");
        }
        y.push_str("]\n");
        let e = parse(&y).unwrap_err();
        assert!(e.message.contains("MiB of text"), "{e:?}");
        assert_eq!(e.pos.line, 2);
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut y = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..30 {
            let p = i - 1;
            y.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        // Refused by counting copies (bounded work), not by a timer.
        let e = parse(&y).unwrap_err();
        assert!(e.message.contains("copy more than"), "{e:?}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let y = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let e = parse(&y).unwrap_err();
        assert!(e.pos.line == 1, "{e:?}");
        let y = "- ".repeat(10_000);
        assert!(parse(&y).is_err());
    }
}
