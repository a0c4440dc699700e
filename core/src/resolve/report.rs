//! Reporting: key paths, the context that collects diagnostics (with
//! positions, alias places, limits on quoted text), and the readers of
//! scalars and maps that report what is wrong with them.

use super::*;

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
    pub(crate) file: &'f str,
    /// The alias uses and copied places that a [`Pos`] may refer to.
    aliases: &'f [AliasUse],
    copies: &'f [Copied],
    /// The problems kept: at most `4 * MAX_ERRORS`, pruned to the first
    /// `MAX_ERRORS` in file order whenever it fills.
    pub(crate) diags: Vec<Diagnostic>,
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
    pub(crate) fn new(file: &'f str, aliases: &'f [AliasUse], copies: &'f [Copied]) -> Self {
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
    pub(crate) fn prune(&mut self) {
        self.diags.sort_by_key(|d| (d.line, d.column));
        self.diags.truncate(MAX_ERRORS);
    }

    pub(crate) fn finish(mut self) -> Diagnostics {
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

    pub(crate) fn wrong(
        &mut self,
        n: &Node<'_>,
        path: &Path<'_>,
        what: &str,
        help: Option<String>,
    ) {
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
pub(crate) fn without_leading_zeros(s: &str) -> Option<String> {
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

pub(crate) fn leading_zeros_help(fixed: &str) -> String {
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
