//! Topology file → validated [`Topology`].
//!
//! The text is read into a positioned tree (`yaml`), then walked by hand
//! against the contract (`shared/spec/topology.md`): every problem becomes
//! a [`Diagnostic`] with file, line, column and key path, and the walk goes
//! on, so that every problem of a file is reported at once, in file order.
//! Only a file without any yields a [`Topology`], and that topology keeps
//! every invariant listed in [`crate::model`].
//!
//! The walk reads drafts first (nodes and their interfaces, `nodes`; links
//! and the interfaces they create, `links`), then gives ids and settles what
//! refers to what (masters; routes and NAT, `routes`; probes, `probes`).
//! Names are looked up in hash maps and key paths are only written out for
//! errors, so resolution is linear in the size of the file: 10,000
//! containers on 100 hosts (2.5 MB) resolve in about 160 ms, three quarters
//! of it in the YAML parser.
//!
//! Promises: nothing panics, whatever the text; the same text gives the same
//! result.

mod links;
mod names;
mod nodes;
mod probes;
mod routes;
mod yaml;

#[cfg(test)]
mod tests;

use core::fmt;
use core::hash::BuildHasher;
use core::net::Ipv4Addr;

use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

use crate::error::MAX_ERRORS;
use crate::model::{
    Device, Iface, IfaceId, IfaceKind, Listen, Node as ModelNode, NodeId, NodeKind, Topology,
    VethPair, Vni, Vxlan, Wire, WireId,
};
use crate::wire::{Ipv4Net, MacAddr};
use crate::{Diagnostic, Diagnostics};

use yaml::{AliasUse, Copied, Node, Pos, ScalarKind, Value};

/// The largest topology file read, in bytes: 25 times the 10,000-container
/// benchmark file (2.6 MB). The command line refuses a larger file before
/// reading all of it.
pub const MAX_FILE_BYTES: usize = 64 << 20;

const NO_TOPOLOGY_HELP: &str = "a topology needs at least `name` and `nodes`, e.g. `name: demo` and `nodes: { a: { kind: host } }`";

/// [`resolve`] for bytes as read from a file: refused beyond
/// [`MAX_FILE_BYTES`], and at the first byte that is not UTF-8.
pub fn resolve_bytes(file: &str, bytes: &[u8]) -> Result<Topology, Diagnostics> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(file));
    }
    match core::str::from_utf8(bytes) {
        Ok(text) => resolve(file, text),
        Err(e) => {
            let mut cx = Cx::new(file, &[], &[]);
            let (pos, message, help) = not_utf8(bytes, e.valid_up_to());
            cx.err(pos, Path::ROOT, message, Some(help));
            Err(cx.finish())
        }
    }
}

fn too_large(file: &str) -> Diagnostics {
    let mut cx = Cx::new(file, &[], &[]);
    cx.err(
        Pos::START,
        Path::ROOT,
        format!(
            "the file is larger than {} MiB, the most a topology file may be",
            MAX_FILE_BYTES >> 20
        ),
        Some("a topology of 10,000 containers takes about 2.6 MB: check that this is the file you meant, or split it".into()),
    );
    cx.finish()
}

/// Where the first bad byte is (line and column in characters, as the
/// parser counts them), and what to say about it.
fn not_utf8(bytes: &[u8], valid: usize) -> (Pos, String, String) {
    let good = bytes.get(..valid).unwrap_or_default();
    let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
    // The bytes before `valid` are UTF-8: count their characters.
    let column = core::str::from_utf8(good.get(line_start..).unwrap_or_default())
        .map_or(0, |s| s.chars().count())
        + 1;
    let pos = Pos::at(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    );
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return (
            Pos::START,
            "the file is UTF-16 text (it begins with a UTF-16 byte order mark); a topology file is UTF-8".into(),
            "save it as UTF-8, e.g. `iconv -f UTF-16 -t UTF-8 FILE > NEW`".into(),
        );
    }
    let byte = bytes.get(valid).copied().unwrap_or(0);
    (
        pos,
        format!("byte 0x{byte:02X} here is not UTF-8: the file is not UTF-8 text"),
        "a topology file is UTF-8 text, as YAML and JSON are; if the file was saved in another encoding such as Latin-1, convert it (`iconv -f LATIN1 -t UTF-8 FILE > NEW`); if it is not a topology file at all, check the path".into(),
    )
}

/// Parses and validates `text`; `file` names it in errors.
pub fn resolve(file: &str, text: &str) -> Result<Topology, Diagnostics> {
    if text.len() > MAX_FILE_BYTES {
        return Err(too_large(file));
    }
    let tree = match yaml::parse(text) {
        Err(e) => {
            let mut cx = Cx::new(file, &[], &[]);
            cx.err(e.pos, Path::ROOT, e.message, Some(e.help));
            return Err(cx.finish());
        }
        Ok(t) => t,
    };
    let aliases = tree.as_ref().map_or(&[][..], |t| &t.aliases);
    let copies = tree.as_ref().map_or(&[][..], |t| &t.copies);
    let mut cx = Cx::new(file, aliases, copies);
    match &tree {
        None if text.is_empty() => cx.err(
            Pos::START,
            Path::ROOT,
            "the file is empty".into(),
            Some(NO_TOPOLOGY_HELP.into()),
        ),
        None => cx.err(
            Pos::START,
            Path::ROOT,
            "the file holds no topology, only comments or blank lines".into(),
            Some(NO_TOPOLOGY_HELP.into()),
        ),
        Some(tree) => {
            let root = &tree.root;
            if let Some(t) = build(&mut cx, root) {
                if cx.reported() == 0 {
                    return Ok(t);
                }
            }
            if cx.reported() == 0 {
                // Every path that gives up has reported why; stay safe anyway.
                cx.err(
                    root.pos,
                    Path::ROOT,
                    "the topology is not valid".into(),
                    None,
                );
            }
        }
    }
    Err(cx.finish())
}

// ---- reporting ----

/// A key path, written out only when an error needs it:
/// `nodes.bus1.interfaces.eth0.addresses[0]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Path<'p> {
    parent: Option<&'p Path<'p>>,
    seg: Seg<'p>,
}

#[derive(Debug, Clone, Copy)]
enum Seg<'p> {
    Root,
    Key(&'p str),
    Index(usize),
}

impl<'p> Path<'p> {
    pub(crate) const ROOT: Path<'static> = Path {
        parent: None,
        seg: Seg::Root,
    };

    pub(crate) fn key(&'p self, key: &'p str) -> Path<'p> {
        Path {
            parent: Some(self),
            seg: Seg::Key(key),
        }
    }

    pub(crate) fn index(&'p self, i: usize) -> Path<'p> {
        Path {
            parent: Some(self),
            seg: Seg::Index(i),
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut segs = Vec::new();
        let mut at = Some(self);
        while let Some(p) = at {
            segs.push(p.seg);
            at = p.parent;
        }
        let mut first = true;
        for s in segs.iter().rev() {
            match s {
                Seg::Root => continue,
                Seg::Key(k) if first => f.write_str(k)?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// The longest message, help or key path kept, in characters: a bound on
/// what one error costs, whatever it quotes.
const MESSAGE_MAX: usize = 600;

/// Collects diagnostics; the typed readers below report what they refuse.
///
/// Memory stays bounded whatever the file: every value quoted in a message
/// (between backquotes) is clipped to [`crate::text::QUOTE_MAX`]
/// characters, and only the first [`MAX_ERRORS`] problems in file order
/// are kept; the others are counted.
pub(crate) struct Cx<'f> {
    file: &'f str,
    /// The alias uses and copied places that a [`Pos`] may refer to.
    aliases: &'f [AliasUse],
    copies: &'f [Copied],
    /// The problems kept: at most `4 * MAX_ERRORS`, pruned to the first
    /// `MAX_ERRORS` in file order whenever it fills.
    diags: Vec<Diagnostic>,
    /// Hashes of every problem reported, so that one found twice (the same
    /// place, path and words) counts once.
    seen: FxHashSet<u64>,
    /// Problems reported, each counted once.
    reported: usize,
    /// "Did you mean" over a list of names costs a pass over the list: a
    /// file with thousands of bad references gets it for the first few.
    suggestions_left: usize,
}

impl<'f> Cx<'f> {
    fn new(file: &'f str, aliases: &'f [AliasUse], copies: &'f [Copied]) -> Self {
        Cx {
            file,
            aliases,
            copies,
            diags: Vec::new(),
            seen: FxHashSet::default(),
            reported: 0,
            suggestions_left: 64,
        }
    }

    /// The line of `pos` in the text (a copied node's, in the anchored value).
    pub(crate) fn line(&self, pos: Pos) -> u32 {
        yaml::place(self.aliases, self.copies, pos).0.line
    }

    /// Where `first` is, seen from `here`: `on line 4`, or `earlier on this
    /// line`.
    pub(crate) fn first_place(&self, first: Pos, here: Pos) -> String {
        let (first, here) = (self.line(first), self.line(here));
        if first == here {
            "earlier on this line".into()
        } else {
            format!("on line {first}")
        }
    }

    /// How many problems have been reported so far.
    pub(crate) fn reported(&self) -> usize {
        self.reported
    }

    pub(crate) fn err(
        &mut self,
        pos: Pos,
        path: impl fmt::Display,
        message: String,
        help: Option<String>,
    ) {
        let short =
            |s: &str| crate::text::clip(&crate::text::clip_quoted(s), MESSAGE_MAX).into_owned();
        let mut message = short(&message);
        let (pos, alias) = yaml::place(self.aliases, self.copies, pos);
        if let Some(u) = alias {
            message.push_str(&format!(
                " (in the value anchored on line {}, copied here by the alias on line {}, column {})",
                u.anchor.line, u.at.line, u.at.column
            ));
        }
        // Keys are values too: each segment of the path is clipped.
        let path = path.to_string();
        let path = if path.len() > crate::text::QUOTE_MAX {
            let segs: Vec<_> = path
                .split('.')
                .map(|seg| crate::text::clip(seg, crate::text::QUOTE_MAX))
                .collect();
            short(&segs.join("."))
        } else {
            path
        };
        let d = Diagnostic {
            file: self.file.to_string(),
            line: pos.line,
            column: pos.column,
            path,
            message,
            help: help.map(|h| short(&h)),
        };
        if !self.seen.insert(FxBuildHasher.hash_one(&d)) {
            return;
        }
        self.reported += 1;
        self.diags.push(d);
        if self.diags.len() >= 4 * MAX_ERRORS {
            self.prune();
        }
    }

    /// Keeps the first `MAX_ERRORS` problems in file order. Stable:
    /// problems found at one place keep the order they were found in.
    fn prune(&mut self) {
        self.diags.sort_by_key(|d| (d.line, d.column));
        self.diags.truncate(MAX_ERRORS);
    }

    fn finish(mut self) -> Diagnostics {
        self.prune();
        Diagnostics {
            more: self.reported - self.diags.len(),
            errors: self.diags,
        }
    }

    /// The closest of `names` to `word`, within the suggestion budget.
    pub(crate) fn suggest<'a>(
        &mut self,
        word: &str,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Option<&'a str> {
        if self.suggestions_left == 0 {
            return None;
        }
        self.suggestions_left -= 1;
        names::closest(word, names)
    }

    fn wrong(&mut self, n: &Node<'_>, path: &Path<'_>, what: &str, help: Option<String>) {
        self.err(
            n.pos,
            path,
            format!("expected {what}, found {}", n.describe()),
            help,
        );
    }

    /// The entries of a map.
    pub(crate) fn map<'n>(
        &mut self,
        n: &'n Node<'n>,
        path: &Path<'_>,
        what: &str,
    ) -> Option<&'n [(Node<'n>, Node<'n>)]> {
        match &n.value {
            Value::Map(m) => Some(m),
            _ => {
                self.wrong(n, path, what, None);
                None
            }
        }
    }

    /// The items of a list; nothing (`routes:` left empty) is an empty list.
    pub(crate) fn list<'n>(
        &mut self,
        n: &'n Node<'n>,
        path: &Path<'_>,
        what: &str,
        example: &str,
    ) -> Option<&'n [Node<'n>]> {
        match &n.value {
            Value::Seq(s) => Some(s),
            _ if n.is_null() => Some(&[]),
            _ => {
                self.wrong(
                    n,
                    path,
                    what,
                    Some(format!("write a list, e.g. `{example}`")),
                );
                None
            }
        }
    }

    /// The text of any scalar but null: `10` names an interface as well as
    /// `eth0` does.
    pub(crate) fn text<'n>(
        &mut self,
        n: &'n Node<'n>,
        path: &Path<'_>,
        what: &str,
    ) -> Option<&'n str> {
        match n.text() {
            Some(t) => Some(t),
            None => {
                self.wrong(n, path, what, None);
                None
            }
        }
    }

    pub(crate) fn flag(&mut self, n: &Node<'_>, path: &Path<'_>) -> Option<bool> {
        let mut help = None;
        if let Value::Scalar(s) = &n.value {
            match s.kind() {
                ScalarKind::Bool(b) => return Some(b),
                ScalarKind::Str if matches!(&*s.text, "yes" | "no" | "on" | "off" | "y" | "n") => {
                    help = Some(format!(
                        "YAML 1.2 reads `{}` as a string; write true or false",
                        s.text
                    ));
                }
                _ => {}
            }
        }
        self.wrong(n, path, "true or false", help);
        None
    }

    /// A whole number in `lo..=hi`; `what` names it in messages.
    pub(crate) fn number(
        &mut self,
        n: &Node<'_>,
        path: &Path<'_>,
        what: &str,
        lo: u32,
        hi: u32,
    ) -> Option<u32> {
        if let Value::Scalar(s) = &n.value {
            if s.kind() == ScalarKind::Int {
                let v = yaml::parse_int(&s.text).unwrap_or(i128::MAX);
                let digits = s.text.trim_start_matches(['+', '-']);
                if digits.len() > 1
                    && digits.starts_with('0')
                    && digits.bytes().all(|b| b.is_ascii_digit())
                {
                    self.err(
                        n.pos,
                        path,
                        format!("{what} `{}` has a leading zero", s.text),
                        Some(format!("write {v}: a leading 0 means octal to YAML 1.1 and to some tools, so netsim refuses it, as it refuses `010.0.0.1`")),
                    );
                    return None;
                }
                if let Ok(v) = u32::try_from(v) {
                    if (lo..=hi).contains(&v) {
                        return Some(v);
                    }
                }
                self.err(
                    n.pos,
                    path,
                    // A whole number may be any length: shown clipped.
                    format!(
                        "{what} must be from {lo} to {hi}, not {}",
                        crate::text::clip(&s.text, crate::text::QUOTE_MAX)
                    ),
                    None,
                );
                return None;
            }
        }
        self.wrong(
            n,
            path,
            &format!("{what}, a whole number from {lo} to {hi}"),
            None,
        );
        None
    }

    pub(crate) fn ipv4(&mut self, n: &Node<'_>, path: &Path<'_>) -> Option<Ipv4Addr> {
        let Some(s) = n.text() else {
            self.wrong(n, path, "an IPv4 address such as 172.17.0.2", None);
            return None;
        };
        match s.parse::<Ipv4Addr>() {
            Ok(a) => Some(a),
            Err(_) => {
                let fixed = without_leading_zeros(s).filter(|f| f.parse::<Ipv4Addr>().is_ok());
                let help = if let Some(fixed) = fixed {
                    leading_zeros_help(&fixed)
                } else if s.contains('/') {
                    "write the address alone, without a prefix length, e.g. 172.17.0.2".into()
                } else {
                    "write four numbers from 0 to 255 separated by dots, e.g. 172.17.0.2".into()
                };
                self.err(
                    n.pos,
                    path,
                    format!("`{s}` is not an IPv4 address"),
                    Some(help),
                );
                None
            }
        }
    }

    pub(crate) fn cidr(&mut self, n: &Node<'_>, path: &Path<'_>) -> Option<Ipv4Net> {
        let Some(s) = n.text() else {
            self.wrong(n, path, "an IPv4 CIDR such as 172.17.0.2/16", None);
            return None;
        };
        match s.parse::<Ipv4Net>() {
            Ok(c) => Some(c),
            Err(e) => {
                let (message, help) = if !s.contains('/') && s.parse::<Ipv4Addr>().is_ok() {
                    (
                        format!("`{s}` has no prefix length"),
                        format!("write the address with its prefix length, e.g. {s}/24"),
                    )
                } else if let Some(fixed) =
                    without_leading_zeros(s).filter(|f| f.parse::<Ipv4Net>().is_ok())
                {
                    (
                        format!("`{s}` is not an IPv4 CIDR"),
                        leading_zeros_help(&fixed),
                    )
                } else {
                    (format!("`{s}` is not an IPv4 CIDR"), e.to_string())
                };
                self.err(n.pos, path, message, Some(help));
                None
            }
        }
    }

    /// One of `words`, by index; `what` names the choice ("node kind").
    pub(crate) fn choice(
        &mut self,
        n: &Node<'_>,
        path: &Path<'_>,
        what: &str,
        words: &[&str],
    ) -> Option<usize> {
        let Some(s) = n.text() else {
            self.wrong(
                n,
                path,
                &format!("a {what}: {}", names::one_of(words)),
                None,
            );
            return None;
        };
        if let Some(i) = words.iter().position(|w| *w == s) {
            return Some(i);
        }
        let help = match names::closest(s, words.iter().copied()) {
            Some(c) => format!(
                "did you mean `{c}`? the {what}s are {}",
                names::all_of(words)
            ),
            None => format!("the {what}s are {}", names::all_of(words)),
        };
        self.err(n.pos, path, format!("unknown {what} `{s}`"), Some(help));
        None
    }

    /// Reads the keys of a map with a fixed set of `known` keys: an unknown
    /// key or one given twice is reported, and the rest returned.
    pub(crate) fn fields<'n>(
        &mut self,
        entries: &'n [(Node<'n>, Node<'n>)],
        path: &Path<'_>,
        what: &str,
        known: &'static [&'static str],
    ) -> Fields<'n> {
        let mut f = Fields {
            known,
            vals: vec![None; known.len()],
        };
        for (k, v) in entries {
            let Some(key) = self.key(k, path) else {
                continue;
            };
            match known.iter().position(|x| *x == key) {
                // `vals` has a slot for every known key: none is dropped.
                Some(i) => match f.vals.get_mut(i) {
                    Some(Some((first, _))) => {
                        self.err(
                            k.pos,
                            path.key(key),
                            format!(
                                "`{key}` is given twice; the first is {}",
                                self.first_place(*first, k.pos)
                            ),
                            Some("remove one of the two".into()),
                        );
                    }
                    Some(slot) => *slot = Some((k.pos, v)),
                    None => {}
                },
                None => self.unknown_key(k.pos, path, key, what, known),
            }
        }
        f
    }

    /// The text of a map key; only names make keys here.
    pub(crate) fn key<'n>(&mut self, k: &'n Node<'n>, path: &Path<'_>) -> Option<&'n str> {
        match k.text() {
            Some("<<") => {
                self.err(
                    k.pos,
                    path,
                    "merge keys (`<<`) are not supported".into(),
                    Some("write the keys out".into()),
                );
                None
            }
            Some(t) => Some(t),
            None => {
                self.wrong(k, path, "a name as the key", None);
                None
            }
        }
    }

    pub(crate) fn unknown_key(
        &mut self,
        pos: Pos,
        path: &Path<'_>,
        key: &str,
        what: &str,
        known: &[&str],
    ) {
        if matches!(key, "true" | "True" | "TRUE") && known.contains(&"on") {
            self.err(
                pos,
                path.key(key),
                format!("unknown key `{key}`; was it `on`?"),
                Some("YAML 1.1 tools (Python's PyYAML among them) read `on:` as the boolean true and write it back as `true:`; write `on:` here, and if such a tool writes this file, make it quote the key: `'on':`".into()),
            );
            return;
        }
        let list = names::all_of(known);
        let help = match names::closest(key, known.iter().copied()) {
            Some(c) => format!("did you mean `{c}`? the keys of {what} are {list}"),
            None => format!("the keys of {what} are {list}"),
        };
        self.err(
            pos,
            path.key(key),
            format!("unknown key `{key}`"),
            Some(help),
        );
    }
}

/// `010.0.0.1` (or `010.0.0.0/8`) without its leading zeros, when it has
/// any; the caller checks that this is all that is wrong with it.
fn without_leading_zeros(s: &str) -> Option<String> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let octets: Vec<&str> = addr.split('.').collect();
    let zeroed = |o: &&str| o.len() > 1 && o.starts_with('0');
    if octets.len() != 4
        || !octets
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && o.bytes().all(|b| b.is_ascii_digit()))
        || !octets.iter().any(zeroed)
    {
        return None;
    }
    let fixed: Vec<String> = octets
        .iter()
        .map(|o| o.parse::<u8>().map(|v| v.to_string()))
        .collect::<Result<_, _>>()
        .ok()?;
    let fixed = fixed.join(".");
    Some(match prefix {
        Some(p) => format!("{fixed}/{p}"),
        None => fixed,
    })
}

fn leading_zeros_help(fixed: &str) -> String {
    format!("write {fixed}: a leading 0 means octal to some tools (`010` is 8 to them, 10 to others), so netsim refuses it")
}

/// The known keys of one map, each with the place of its key.
pub(crate) struct Fields<'n> {
    known: &'static [&'static str],
    /// One slot per known key, in the order of `known`.
    vals: Vec<Option<(Pos, &'n Node<'n>)>>,
}

impl<'n> Fields<'n> {
    pub(crate) fn get(&self, key: &str) -> Option<&'n Node<'n>> {
        self.entry(key).map(|e| e.1)
    }

    /// The key's place and the value.
    pub(crate) fn entry(&self, key: &str) -> Option<(Pos, &'n Node<'n>)> {
        let i = self.known.iter().position(|k| *k == key)?;
        self.vals.get(i).copied().flatten()
    }
}

// ---- drafts: what the file says, before ids are given ----

/// A node as read, with its interfaces (declared, then created by links).
pub(crate) struct NodeDraft<'n> {
    pub name: &'n str,
    pub pos: Pos,
    pub kind: Option<NodeKind>,
    pub on: Option<(&'n str, Pos)>,
    pub forwarding: bool,
    pub bridge_nf: bool,
    pub ifaces: Vec<IfaceDraft<'n>>,
    pub routes: Option<&'n Node<'n>>,
    pub nat: Option<&'n Node<'n>>,
    pub listen: Vec<Listen>,
    /// Some address of it was refused: checks that need its addresses
    /// (gateways, probe destinations) stay quiet rather than pile up.
    pub bad_addresses: bool,
}

/// An interface as read.
pub(crate) struct IfaceDraft<'n> {
    pub name: &'n str,
    /// Its key, or for one created by a link, that link's end.
    pub pos: Pos,
    pub declared: Option<IfaceKind>,
    pub addresses: Vec<Ipv4Net>,
    pub mac: Option<MacAddr>,
    pub mtu: Option<u32>,
    pub master: Option<MasterRef<'n>>,
    pub stp: bool,
    pub vxlan: Option<VxlanDraft<'n>>,
    pub used: Option<Use>,
}

impl<'n> IfaceDraft<'n> {
    pub(crate) fn new(name: &'n str, pos: Pos) -> Self {
        IfaceDraft {
            name,
            pos,
            declared: None,
            addresses: Vec::new(),
            mac: None,
            mtu: None,
            master: None,
            stp: false,
            vxlan: None,
            used: None,
        }
    }

    /// The kind it ends up with: as declared, else from its link.
    pub(crate) fn kind(&self) -> IfaceKind {
        self.declared
            .or(self.used.map(|u| u.form.kind()))
            .unwrap_or(IfaceKind::Veth)
    }
}

/// A `master:` as written: on the interface, or on the veth link that
/// enslaves its second end.
#[derive(Clone, Copy)]
pub(crate) struct MasterRef<'n> {
    pub name: &'n str,
    pub pos: Pos,
    pub link: Option<usize>,
}

/// The two forms of link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Veth,
    Wire,
}

impl Form {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Form::Veth => "veth",
            Form::Wire => "wire",
        }
    }

    pub(crate) fn kind(self) -> IfaceKind {
        match self {
            Form::Veth => IfaceKind::Veth,
            Form::Wire => IfaceKind::Nic,
        }
    }
}

/// Which link end an interface is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Use {
    pub link: usize,
    pub end: usize,
    pub form: Form,
    pub pos: Pos,
}

impl Use {
    pub(crate) fn path(&self) -> String {
        format!("links[{}].{}[{}]", self.link, self.form.key(), self.end)
    }
}

pub(crate) struct VxlanDraft<'n> {
    pub vni: Option<Vni>,
    pub local: Option<Ipv4Addr>,
    pub remotes: Vec<Ipv4Addr>,
    pub dev: Option<(&'n str, Pos)>,
    pub port: u16,
}

/// A link as read: (node, interface) indices of its ends.
pub(crate) enum LinkDraft {
    Veth {
        ends: [(usize, usize); 2],
    },
    Wire {
        ends: Vec<(usize, usize)>,
        name: String,
    },
}

/// An interface of one node: its loopback, or one of its drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Local {
    Lo,
    If(usize),
}

/// Everything read so far, with the name indexes.
pub(crate) struct Drafts<'n> {
    pub nodes: Vec<NodeDraft<'n>>,
    pub node_index: FxHashMap<&'n str, usize>,
    /// (node, interface name) → index in that node's `ifaces`.
    pub iface_index: FxHashMap<(usize, &'n str), usize>,
    pub links: Vec<LinkDraft>,
    /// `lo`'s one address, 127.0.0.1/8.
    pub lo: [Ipv4Net; 1],
}

impl<'n> Drafts<'n> {
    pub(crate) fn local(&self, node: usize, name: &str) -> Option<Local> {
        if name == "lo" {
            return Some(Local::Lo);
        }
        self.iface_index.get(&(node, name)).map(|&i| Local::If(i))
    }

    pub(crate) fn local_name(&self, node: usize, l: Local) -> &'n str {
        match l {
            Local::Lo => "lo",
            Local::If(i) => self
                .nodes
                .get(node)
                .and_then(|d| d.ifaces.get(i))
                .map_or("?", |f| f.name),
        }
    }

    pub(crate) fn local_addresses(&self, node: usize, l: Local) -> &[Ipv4Net] {
        match l {
            Local::Lo => &self.lo,
            Local::If(i) => self
                .nodes
                .get(node)
                .and_then(|d| d.ifaces.get(i))
                .map_or(&[], |f| &f.addresses),
        }
    }

    pub(crate) fn iface_path(&self, node: usize, i: usize) -> String {
        let d = self.nodes.get(node);
        format!(
            "nodes.{}.interfaces.{}",
            d.map_or("?", |d| d.name),
            d.and_then(|d| d.ifaces.get(i)).map_or("?", |f| f.name)
        )
    }
}

fn lo_address() -> Ipv4Net {
    Ipv4Net::new(Ipv4Addr::LOCALHOST, 8).unwrap_or(Ipv4Net::DEFAULT)
}

/// Ids: a node's loopback, then its interfaces in draft order.
pub(crate) struct Ids {
    base: Vec<u32>,
}

impl Ids {
    pub(crate) fn of(&self, node: usize, l: Local) -> IfaceId {
        let b = self.base.get(node).copied().unwrap_or(0);
        match l {
            Local::Lo => IfaceId(b),
            Local::If(i) => IfaceId(b.saturating_add(1).saturating_add(i as u32)),
        }
    }
}

// ---- the walk ----

const TOP_KEYS: &[&str] = &["name", "description", "nodes", "links", "probes"];

fn build(cx: &mut Cx<'_>, root: &Node<'_>) -> Option<Topology> {
    let top = cx.map(
        root,
        &Path::ROOT,
        "a topology: a map with `name`, `nodes`, `links` and `probes`",
    )?;
    let f = cx.fields(top, &Path::ROOT, "a topology", TOP_KEYS);
    let root_path = Path::ROOT;

    let name = match f.get("name") {
        None => {
            cx.err(
                root.pos,
                Path::ROOT,
                "the topology has no `name`".into(),
                Some("add `name: NAME` at the top: 1 to 10 of a-z, 0-9 and -, starting with a letter; `netsim apply` prefixes what it creates with it".into()),
            );
            None
        }
        Some(n) => {
            let p = root_path.key("name");
            cx.text(n, &p, "the topology's name").and_then(|s| {
                match names::topology_name_problem(s) {
                    None => Some(s.to_string()),
                    Some(problem) => {
                        cx.err(
                            n.pos,
                            p,
                            problem,
                            Some("`netsim apply` prefixes every namespace it creates with it, so it is short: 1 to 10 of a-z, 0-9 and -, starting with a letter, e.g. `docker0`".into()),
                        );
                        None
                    }
                }
            })
        }
    };
    let description = match f.get("description") {
        Some(n) if !n.is_null() => cx
            .text(n, &root_path.key("description"), "text")
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };

    let mut d = Drafts {
        nodes: Vec::new(),
        node_index: FxHashMap::default(),
        iface_index: FxHashMap::default(),
        links: Vec::new(),
        lo: [lo_address()],
    };
    match f.get("nodes") {
        None => cx.err(
            root.pos,
            Path::ROOT,
            "the topology has no `nodes`".into(),
            Some("add `nodes:`, a map from node names to nodes, e.g. `nodes: { host: { kind: host } }`".into()),
        ),
        Some(n) => nodes::read(cx, &mut d, n, &root_path.key("nodes")),
    }
    nodes::check_on(cx, &d);
    if let Some(n) = f.get("links") {
        links::read(cx, &mut d, n, &root_path.key("links"));
    }
    links::check_uses(cx, &d);

    // Ids, then the interfaces themselves.
    let mut base = Vec::with_capacity(d.nodes.len());
    let mut next: u32 = 0;
    for n in &d.nodes {
        base.push(next);
        next = next.saturating_add(1).saturating_add(n.ifaces.len() as u32);
    }
    let ids = Ids { base };
    // Cables first, so that every interface is made with its device whole.
    let mut veths = Vec::new();
    let mut wires = Vec::new();
    let mut cabled: FxHashMap<IfaceId, Device> = FxHashMap::default();
    for l in &d.links {
        match l {
            LinkDraft::Veth {
                ends: [(an, ai), (bn, bi)],
            } => {
                let (a, b) = (ids.of(*an, Local::If(*ai)), ids.of(*bn, Local::If(*bi)));
                let pair = veths.len() as u32;
                cabled.insert(a, Device::Veth { peer: b, pair });
                cabled.insert(b, Device::Veth { peer: a, pair });
                veths.push(VethPair { ends: [a, b] });
            }
            LinkDraft::Wire { ends, name } => {
                let id = WireId(wires.len() as u32);
                let ends: Vec<IfaceId> =
                    ends.iter().map(|&(n, i)| ids.of(n, Local::If(i))).collect();
                for e in &ends {
                    cabled.insert(*e, Device::Nic { wire: id });
                }
                wires.push(Wire {
                    id,
                    name: name.clone(),
                    ends,
                });
            }
        }
    }
    let mut vxlans = settle_vxlan(cx, &d, &ids);

    let mut ifaces: Vec<Iface> = Vec::with_capacity(next as usize);
    for (ni, n) in d.nodes.iter().enumerate() {
        let node = NodeId(ni as u32);
        ifaces.push(Iface {
            id: ids.of(ni, Local::Lo),
            node,
            name: "lo".into(),
            ifindex: 1,
            device: Device::Loopback,
            addresses: d.lo.to_vec(),
            mac: MacAddr::ZERO,
            mtu: 65536,
            master: None,
        });
        for (fi, f) in n.ifaces.iter().enumerate() {
            let id = ids.of(ni, Local::If(fi));
            let kind = f.kind();
            let device = match kind {
                IfaceKind::Loopback => Some(Device::Loopback),
                IfaceKind::Bridge => Some(Device::Bridge { stp: f.stp }),
                IfaceKind::Vxlan => vxlans.remove(&id).map(Device::Vxlan),
                IfaceKind::Veth | IfaceKind::Nic => {
                    cabled.remove(&id).filter(|dev| dev.kind() == kind)
                }
            };
            let device = device.unwrap_or_else(|| {
                // Every way to get here has been reported already (an end
                // of no link, a vxlan without vni or local), so this
                // topology is never returned; stay safe all the same.
                if cx.diags.is_empty() {
                    cx.err(
                        f.pos,
                        d.iface_path(ni, fi),
                        format!("interface `{}` is not complete", f.name),
                        None,
                    );
                }
                Device::Loopback
            });
            ifaces.push(Iface {
                id,
                node,
                name: f.name.to_string(),
                ifindex: fi as u32 + 2,
                device,
                addresses: f.addresses.clone(),
                mac: f.mac.unwrap_or_else(|| match f.addresses.first() {
                    Some(a) => MacAddr::docker(a.addr()),
                    None => MacAddr::derived(&format!("{}/{}", n.name, f.name)),
                }),
                mtu: f
                    .mtu
                    .unwrap_or(if kind == IfaceKind::Vxlan { 1450 } else { 1500 }),
                master: None,
            });
        }
    }
    links::settle_masters(cx, &d, &ids, &mut ifaces);

    // Nodes, with their routes, NAT rules and sockets.
    let nodes_path = root_path.key("nodes");
    let mut out_nodes = Vec::with_capacity(d.nodes.len());
    for (ni, n) in d.nodes.iter().enumerate() {
        let path = nodes_path.key(n.name);
        let routes = match n.routes {
            Some(r) => routes::routes(cx, &d, ni, &ids, r, &path.key("routes")),
            None => Vec::new(),
        };
        let nat = match n.nat {
            Some(r) => routes::nat(cx, &d, ni, &ids, r, &path.key("nat")),
            None => Vec::new(),
        };
        let mut iface_ids = Vec::with_capacity(1 + n.ifaces.len());
        iface_ids.push(ids.of(ni, Local::Lo));
        iface_ids.extend((0..n.ifaces.len()).map(|i| ids.of(ni, Local::If(i))));
        out_nodes.push(ModelNode {
            id: NodeId(ni as u32),
            name: n.name.to_string(),
            kind: n.kind.unwrap_or(NodeKind::Container),
            on: n
                .on
                .and_then(|(h, _)| d.node_index.get(h))
                .map(|&h| NodeId(h as u32)),
            forwarding: n.forwarding,
            bridge_nf: n.bridge_nf,
            ifaces: iface_ids,
            routes,
            nat,
            listen: n.listen.clone(),
        });
    }

    let probes = match f.get("probes") {
        Some(n) => probes::read(cx, &d, n, &root_path.key("probes")),
        None => Vec::new(),
    };

    Some(Topology {
        name: name?,
        description,
        nodes: out_nodes,
        ifaces,
        wires,
        veths,
        probes,
    })
}

/// A vxlan's underlay `dev`, now that ids exist.
fn settle_vxlan(cx: &mut Cx<'_>, d: &Drafts<'_>, ids: &Ids) -> FxHashMap<IfaceId, Vxlan> {
    let mut out = FxHashMap::default();
    for (ni, n) in d.nodes.iter().enumerate() {
        for (fi, f) in n.ifaces.iter().enumerate() {
            let Some(v) = &f.vxlan else { continue };
            let dev = match v.dev {
                None => None,
                Some((name, pos)) => match d.local(ni, name) {
                    Some(Local::If(i)) if i == fi => {
                        cx.err(
                            pos,
                            format!("{}.dev", d.iface_path(ni, fi)),
                            format!("`{name}` cannot be its own underlay"),
                            Some("name the interface its packets leave by, e.g. eth0".into()),
                        );
                        None
                    }
                    Some(l) => Some(ids.of(ni, l)),
                    None => {
                        let help = cx
                            .suggest(name, n.ifaces.iter().map(|f| f.name))
                            .map(|c| format!("did you mean `{c}`?"));
                        cx.err(
                            pos,
                            format!("{}.dev", d.iface_path(ni, fi)),
                            format!("node `{}` has no interface `{name}`", n.name),
                            help,
                        );
                        None
                    }
                },
            };
            if let (Some(vni), Some(local)) = (v.vni, v.local) {
                out.insert(
                    ids.of(ni, Local::If(fi)),
                    Vxlan {
                        vni,
                        local,
                        remotes: v.remotes.clone(),
                        dev,
                        port: v.port,
                    },
                );
            }
        }
    }
    out
}
