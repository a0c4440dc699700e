//! Topology file → validated [`Topology`].
//!
//! The file is read into a positioned tree ([`tree`]), then walked by hand:
//! every key is checked against the contract (`shared/spec/topology.md`),
//! every problem becomes a [`Diagnostic`] with file, line, column and key
//! path, and the walk goes on so that all problems are reported at once.
//! Only when there are none is the model built. Name lookups use hash maps,
//! so resolution is linear in the size of the file.

mod tree;

use core::net::Ipv4Addr;

use rustc_hash::FxHashMap;

use crate::model::{
    Expect, Iface, IfaceId, IfaceKind, IfaceLink, L4Proto, Listen, NatRule, Node, NodeId, NodeKind,
    Probe, ProbeProto, ProbeResult, Route, Topology, VethPair, Vni, Vxlan, Wire, WireId,
};
use crate::wire::{Ipv4Net, MacAddr};
use crate::{Diagnostic, Diagnostics};

use tree::{Node as YNode, Pos, Value};

/// Parses and validates `text`; `file` names it in errors.
pub fn resolve(file: &str, text: &str) -> Result<Topology, Diagnostics> {
    let mut cx = Cx {
        file,
        diags: Vec::new(),
    };
    let root = match tree::parse(text) {
        Ok(r) => r,
        Err(e) => {
            let (message, help) = if let Some(key) =
                e.message.strip_prefix("duplicate mapping key: ")
            {
                let key = key.split(',').next().unwrap_or(key).trim();
                (
                    format!("`{key}` is given twice in the same map"),
                    "names are unique: rename or remove one of the two".to_string(),
                )
            } else if e.message.contains("budget breached") {
                (
                    "the file is far too large once its aliases (*name) are expanded".to_string(),
                    "write the values out, or use fewer nested aliases".to_string(),
                )
            } else {
                (
                    format!("this is not valid YAML: {}", e.message),
                    "check the indentation and the brackets near this place".to_string(),
                )
            };
            cx.err(e.pos, "", message, Some(help));
            return Err(cx.finish());
        }
    };
    let topo = resolve_root(&mut cx, &root);
    match topo {
        Some(t) if cx.diags.is_empty() => Ok(t),
        _ => {
            if cx.diags.is_empty() {
                cx.err(root.pos, "", "the topology is not valid".into(), None);
            }
            Err(cx.finish())
        }
    }
}

struct Cx<'f> {
    file: &'f str,
    diags: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn err(&mut self, pos: Pos, path: &str, message: String, help: Option<String>) {
        self.diags.push(Diagnostic {
            file: self.file.to_string(),
            line: pos.line,
            column: pos.column,
            path: path.to_string(),
            message,
            help,
        });
    }

    fn finish(mut self) -> Diagnostics {
        self.diags.sort_by_key(|d| (d.line, d.column));
        self.diags.dedup();
        Diagnostics(self.diags)
    }

    /// The entries of a map, or an error naming what was expected.
    fn map<'n>(&mut self, n: &'n YNode, path: &str, what: &str) -> Option<&'n [(YNode, YNode)]> {
        match &n.value {
            Value::Map(m) => Some(m),
            other => {
                self.err(
                    n.pos,
                    path,
                    format!("expected {what}, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    fn seq<'n>(&mut self, n: &'n YNode, path: &str, what: &str) -> Option<&'n [YNode]> {
        match &n.value {
            Value::Seq(s) => Some(s),
            other => {
                self.err(
                    n.pos,
                    path,
                    format!("expected {what}, found {}", other.kind()),
                    Some("write a list as `[a, b]` or as lines starting with `- `".into()),
                );
                None
            }
        }
    }

    fn str<'n>(&mut self, n: &'n YNode, path: &str, what: &str) -> Option<&'n str> {
        match &n.value {
            Value::Str(s) => Some(s),
            other => {
                self.err(
                    n.pos,
                    path,
                    format!("expected {what}, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    fn bool(&mut self, n: &YNode, path: &str) -> Option<bool> {
        match &n.value {
            Value::Bool(b) => Some(*b),
            other => {
                self.err(
                    n.pos,
                    path,
                    format!("expected true or false, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    /// An integer in `lo..=hi`.
    fn int(&mut self, n: &YNode, path: &str, what: &str, lo: i128, hi: i128) -> Option<i128> {
        match &n.value {
            Value::Int(v) if (lo..=hi).contains(v) => Some(*v),
            Value::Int(v) => {
                self.err(
                    n.pos,
                    path,
                    format!("{what} must be from {lo} to {hi}, not {v}"),
                    None,
                );
                None
            }
            other => {
                self.err(
                    n.pos,
                    path,
                    format!(
                        "expected {what} (a whole number from {lo} to {hi}), found {}",
                        other.kind()
                    ),
                    None,
                );
                None
            }
        }
    }

    /// Checks the keys of a map: unknown keys (with the closest known one
    /// suggested) and missing required ones. Returns key → value.
    fn keys<'n>(
        &mut self,
        entries: &'n [(YNode, YNode)],
        at: Pos,
        path: &str,
        known: &[&str],
        required: &[&str],
    ) -> FxHashMap<&'n str, &'n YNode> {
        let mut out = FxHashMap::default();
        for (k, v) in entries {
            let Value::Str(key) = &k.value else {
                self.err(
                    k.pos,
                    path,
                    format!("a key must be a word, found {}", k.value.kind()),
                    None,
                );
                continue;
            };
            if known.contains(&key.as_str()) {
                out.insert(key.as_str(), v);
            } else {
                let help = match closest(key, known) {
                    Some(s) => format!(
                        "did you mean `{s}`? the keys here are: {}",
                        known.join(", ")
                    ),
                    None => format!("the keys here are: {}", known.join(", ")),
                };
                self.err(
                    k.pos,
                    &join(path, key),
                    format!("unknown key `{key}`"),
                    Some(help),
                );
            }
        }
        for r in required {
            if !out.contains_key(r) {
                self.err(at, path, format!("the key `{r}` is missing"), None);
            }
        }
        out
    }

    fn ipv4(&mut self, n: &YNode, path: &str) -> Option<Ipv4Addr> {
        let s = self.str(n, path, "an IPv4 address such as 172.17.0.2")?;
        match s.parse::<Ipv4Addr>() {
            Ok(a) => Some(a),
            Err(_) => {
                self.err(
                    n.pos,
                    path,
                    format!("`{s}` is not an IPv4 address"),
                    Some(
                        "write four numbers from 0 to 255 separated by dots, e.g. 172.17.0.2"
                            .into(),
                    ),
                );
                None
            }
        }
    }

    fn cidr(&mut self, n: &YNode, path: &str) -> Option<Ipv4Net> {
        let s = self.str(n, path, "an IPv4 CIDR such as 172.17.0.2/16")?;
        match s.parse::<Ipv4Net>() {
            Ok(c) => Some(c),
            Err(e) => {
                self.err(
                    n.pos,
                    path,
                    format!("`{s}` is not an IPv4 CIDR"),
                    Some(e.to_string()),
                );
                None
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The known word closest to `word` (edit distance at most 2, or a prefix).
fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, k)| *d <= 2 || k.starts_with(word) || word.starts_with(k))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn valid_topology_name(s: &str) -> bool {
    (1..=10).contains(&s.len()) && name_chars(s)
}

fn valid_node_name(s: &str) -> bool {
    (1..=20).contains(&s.len()) && name_chars(s)
}

fn name_chars(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Why an interface name is not one the kernel takes, if it is not.
fn iface_name_problem(s: &str) -> Option<String> {
    let n = s.chars().count();
    if n == 0 {
        return Some("an interface name cannot be empty".into());
    }
    if n > 15 {
        return Some(format!(
            "interface name `{s}` has {n} characters; Linux allows at most 15"
        ));
    }
    if s == "." || s == ".." {
        return Some(format!("`{s}` is not allowed as an interface name"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Some(format!(
            "interface name `{s}` contains `{c}`; use only A-Z a-z 0-9 _ . -"
        ));
    }
    None
}

// ---- drafts: what the file says, before ids are given ----

struct NodeDraft<'n> {
    name: &'n str,
    path: String,
    kind: NodeKind,
    on: Option<(&'n str, Pos)>,
    forwarding: bool,
    bridge_nf: bool,
    ifaces: Vec<IfaceDraft<'n>>,
    iface_index: FxHashMap<&'n str, usize>,
    routes: Option<&'n YNode>,
    nat: Option<&'n YNode>,
    listen: Vec<Listen>,
}

struct IfaceDraft<'n> {
    name: &'n str,
    pos: Pos,
    path: String,
    declared: Option<IfaceKind>,
    addresses: Vec<Ipv4Net>,
    mac: Option<MacAddr>,
    mtu: Option<u32>,
    master: Option<(&'n str, Pos, String)>,
    stp: bool,
    vxlan: Option<VxlanDraft<'n>>,
    /// The link that uses it: (link index, form kind, position of the end).
    used: Option<(usize, IfaceKind, Pos)>,
}

struct VxlanDraft<'n> {
    vni: Option<Vni>,
    local: Option<Ipv4Addr>,
    remotes: Vec<Ipv4Addr>,
    dev: Option<(&'n str, Pos, String)>,
    port: u16,
}

enum LinkDraft<'n> {
    Veth {
        ends: [(usize, usize); 2],
        master: Option<(&'n str, Pos, String)>,
    },
    Wire {
        ends: Vec<(usize, usize)>,
        name: Option<String>,
    },
}

const NODE_KEYS: &[&str] = &[
    "kind",
    "on",
    "forwarding",
    "bridge_nf",
    "interfaces",
    "routes",
    "nat",
    "listen",
];
const IFACE_KEYS: &[&str] = &[
    "type",
    "addresses",
    "mac",
    "mtu",
    "master",
    "stp",
    "vni",
    "local",
    "remotes",
    "dev",
    "port",
];
const VXLAN_KEYS: &[&str] = &["vni", "local", "remotes", "dev", "port"];

fn resolve_root(cx: &mut Cx<'_>, root: &YNode) -> Option<Topology> {
    let top = cx.map(
        root,
        "",
        "a topology: a map with name, nodes, links and probes",
    )?;
    let k = cx.keys(
        top,
        root.pos,
        "",
        &["name", "description", "nodes", "links", "probes"],
        &["name", "nodes"],
    );
    let name = k.get("name").and_then(|n| {
        let s = cx.str(n, "name", "the topology's name")?;
        if valid_topology_name(s) {
            Some(s.to_string())
        } else {
            cx.err(
                n.pos,
                "name",
                format!("topology name `{s}` is not 1 to 10 characters of a-z, 0-9 and -, starting with a letter"),
                Some("`netsim apply` prefixes every namespace with it, so keep it short, e.g. `docker0`".into()),
            );
            None
        }
    });
    let description = match k.get("description") {
        Some(n) => match &n.value {
            Value::Null => String::new(),
            Value::Str(s) => s.clone(),
            _ => {
                cx.err(n.pos, "description", "expected text".into(), None);
                String::new()
            }
        },
        None => String::new(),
    };

    // Nodes.
    let mut nodes: Vec<NodeDraft<'_>> = Vec::new();
    let mut node_index: FxHashMap<&str, usize> = FxHashMap::default();
    if let Some(n) = k.get("nodes") {
        if let Some(entries) = cx.map(n, "nodes", "a map from node names to nodes") {
            if entries.is_empty() {
                cx.err(
                    n.pos,
                    "nodes",
                    "there are no nodes".into(),
                    Some("add at least one node, e.g. `host: { kind: host }`".into()),
                );
            }
            for (key, body) in entries {
                if let Some(d) = node_draft(cx, key, body) {
                    node_index.insert(d.name, nodes.len());
                    nodes.push(d);
                }
            }
        }
    }
    // `on` must name a host.
    for d in &nodes {
        if let Some((on, pos)) = d.on {
            let path = format!("{}.on", d.path);
            match node_index.get(on) {
                None => cx.err(
                    pos,
                    &path,
                    format!("`{on}` is not a node of this file"),
                    Some("name the host node this runs on".into()),
                ),
                Some(&h) if nodes[h].kind != NodeKind::Host => cx.err(
                    pos,
                    &path,
                    format!("`{on}` is a {}, not a host", nodes[h].kind.as_str()),
                    Some("`on` names a node of kind host".into()),
                ),
                _ => {}
            }
        }
    }

    // Links.
    let mut links: Vec<LinkDraft<'_>> = Vec::new();
    if let Some(n) = k.get("links") {
        if !matches!(n.value, Value::Null) {
            if let Some(items) = cx.seq(n, "links", "a list of links") {
                for (i, item) in items.iter().enumerate() {
                    let idx = links.len();
                    if let Some(l) = link_draft(
                        cx,
                        item,
                        &format!("links[{i}]"),
                        idx,
                        &mut nodes,
                        &node_index,
                    ) {
                        links.push(l);
                    }
                }
            }
        }
    }

    // Interface kinds: from the link that uses them, checked against `type`.
    for d in &mut nodes {
        for f in &mut d.ifaces {
            match (f.declared, f.used) {
                (Some(IfaceKind::Bridge | IfaceKind::Vxlan), Some((_, _, pos))) => cx.err(
                    pos,
                    &f.path,
                    format!(
                        "`{}` is a {}, which cannot be an end of a link",
                        f.name,
                        f.declared.map_or("", IfaceKind::as_str)
                    ),
                    Some("a bridge takes ports with `master:`; link a veth or a NIC instead".into()),
                ),
                (Some(t), Some((_, used, pos))) if t != used => cx.err(
                    pos,
                    &f.path,
                    format!(
                        "`{}` is declared as type {} but is an end of a {} link",
                        f.name,
                        t.as_str(),
                        if used == IfaceKind::Veth { "veth" } else { "wire" }
                    ),
                    Some("a veth link's ends are type veth, a wire's ends are type nic".into()),
                ),
                (Some(IfaceKind::Veth | IfaceKind::Nic) | None, None) => cx.err(
                    f.pos,
                    &f.path,
                    format!("interface `{}` is an end of no link", f.name),
                    Some(format!(
                        "add it to `links` (e.g. `- veth: [{}:{}, OTHER:IF]`), or give it `type: bridge`",
                        d.name, f.name
                    )),
                ),
                _ => {}
            }
        }
    }

    // Masters: a veth link's `master` enslaves its second end.
    for l in &links {
        if let LinkDraft::Veth {
            ends: [_, (bn, bi)],
            master: Some((m, pos, path)),
        } = l
        {
            let f = &mut nodes[*bn].ifaces[*bi];
            match &f.master {
                Some((own, _, _)) if own != m => cx.err(
                    *pos,
                    path,
                    format!(
                        "the link enslaves `{}` to `{m}`, but the interface says `master: {own}`",
                        f.name
                    ),
                    Some("keep one of the two".into()),
                ),
                _ => f.master = Some((m, *pos, path.clone())),
            }
        }
    }

    // Ids: per node, lo then interfaces in draft order.
    let mut ifaces: Vec<Iface> = Vec::new();
    let mut base: Vec<u32> = Vec::with_capacity(nodes.len());
    for (ni, d) in nodes.iter().enumerate() {
        base.push(ifaces.len() as u32);
        let node = NodeId(ni as u32);
        ifaces.push(Iface {
            id: IfaceId(ifaces.len() as u32),
            node,
            name: "lo".into(),
            kind: IfaceKind::Loopback,
            addresses: vec![Ipv4Net::new(Ipv4Addr::LOCALHOST, 8).unwrap_or(Ipv4Net::DEFAULT)],
            mac: MacAddr::ZERO,
            mtu: 65536,
            master: None,
            stp: false,
            vxlan: None,
            link: IfaceLink::None,
        });
        for f in &d.ifaces {
            let kind = f
                .declared
                .or(f.used.map(|u| u.1))
                .unwrap_or(IfaceKind::Veth);
            let mac = f.mac.unwrap_or_else(|| match f.addresses.first() {
                Some(a) => MacAddr::docker(a.addr()),
                None => MacAddr::derived(&format!("{}/{}", d.name, f.name)),
            });
            let mtu = f
                .mtu
                .unwrap_or(if kind == IfaceKind::Vxlan { 1450 } else { 1500 });
            ifaces.push(Iface {
                id: IfaceId(ifaces.len() as u32),
                node,
                name: f.name.to_string(),
                kind,
                addresses: f.addresses.clone(),
                mac,
                mtu,
                master: None,
                stp: f.stp,
                vxlan: None,
                link: IfaceLink::None,
            });
        }
    }
    let id_of = |n: usize, i: usize| IfaceId(base[n] + 1 + i as u32);

    // Masters and vxlan devs, now that ids exist.
    for (ni, d) in nodes.iter().enumerate() {
        for (fi, f) in d.ifaces.iter().enumerate() {
            let me = id_of(ni, fi);
            if let Some((m, pos, path)) = &f.master {
                match d.iface_index.get(m) {
                    Some(&bi) if bi == fi => {
                        cx.err(*pos, path, format!("`{m}` cannot be its own master"), None)
                    }
                    Some(&bi) if ifaces[id_of(ni, bi).index()].kind == IfaceKind::Bridge => {
                        ifaces[me.index()].master = Some(id_of(ni, bi));
                    }
                    Some(_) => cx.err(
                        *pos,
                        path,
                        format!("`{m}` is not a bridge of node {}", d.name),
                        Some(format!(
                            "declare it with `{m}: {{ type: bridge }}` under {}.interfaces",
                            d.name
                        )),
                    ),
                    None => cx.err(
                        *pos,
                        path,
                        format!("node {} has no bridge named `{m}`", d.name),
                        Some(format!(
                            "declare it with `{m}: {{ type: bridge }}` under nodes.{}.interfaces",
                            d.name
                        )),
                    ),
                }
                if ifaces[me.index()].kind == IfaceKind::Bridge
                    && ifaces[me.index()].master.is_some()
                {
                    cx.err(
                        *pos,
                        path,
                        "a bridge cannot be a port of another bridge".into(),
                        None,
                    );
                }
            }
            if let Some(v) = &f.vxlan {
                let dev =
                    v.dev
                        .as_ref()
                        .and_then(|(name, pos, path)| match d.iface_index.get(name) {
                            Some(&i) => Some(id_of(ni, i)),
                            None if *name == "lo" => Some(IfaceId(base[ni])),
                            None => {
                                cx.err(
                                    *pos,
                                    path,
                                    format!("node {} has no interface `{name}`", d.name),
                                    None,
                                );
                                None
                            }
                        });
                if let (Some(vni), Some(local)) = (v.vni, v.local) {
                    ifaces[me.index()].vxlan = Some(Vxlan {
                        vni,
                        local,
                        remotes: v.remotes.clone(),
                        dev,
                        port: v.port,
                    });
                }
            }
        }
    }

    // Cables.
    let mut veths = Vec::new();
    let mut wires = Vec::new();
    for l in &links {
        match l {
            LinkDraft::Veth {
                ends: [(an, ai), (bn, bi)],
                ..
            } => {
                let (a, b) = (id_of(*an, *ai), id_of(*bn, *bi));
                ifaces[a.index()].link = IfaceLink::Veth { peer: b };
                ifaces[b.index()].link = IfaceLink::Veth { peer: a };
                veths.push(VethPair { ends: [a, b] });
            }
            LinkDraft::Wire { ends, name } => {
                let id = WireId(wires.len() as u32);
                let ends: Vec<IfaceId> = ends.iter().map(|(n, i)| id_of(*n, *i)).collect();
                for e in &ends {
                    ifaces[e.index()].link = IfaceLink::Wire { wire: id };
                }
                wires.push(Wire {
                    id,
                    name: name.clone().unwrap_or_else(|| format!("wire{}", id.0 + 1)),
                    ends,
                });
            }
        }
    }

    // Nodes with routes, NAT and sockets.
    let mut out_nodes = Vec::with_capacity(nodes.len());
    for (ni, d) in nodes.iter().enumerate() {
        let id = NodeId(ni as u32);
        let mut iface_ids = vec![IfaceId(base[ni])];
        iface_ids.extend((0..d.ifaces.len()).map(|i| id_of(ni, i)));
        let lookup = |name: &str| -> Option<IfaceId> {
            if name == "lo" {
                Some(IfaceId(base[ni]))
            } else {
                d.iface_index.get(name).map(|&i| id_of(ni, i))
            }
        };
        let routes = d
            .routes
            .map(|r| routes(cx, r, &format!("{}.routes", d.path), d, &lookup, &ifaces))
            .unwrap_or_default();
        let nat = d
            .nat
            .map(|r| nat_rules(cx, r, &format!("{}.nat", d.path), d, &lookup))
            .unwrap_or_default();
        out_nodes.push(Node {
            id,
            name: d.name.to_string(),
            kind: d.kind,
            on: d
                .on
                .and_then(|(h, _)| node_index.get(h))
                .map(|&h| NodeId(h as u32)),
            forwarding: d.forwarding,
            bridge_nf: d.bridge_nf,
            ifaces: iface_ids,
            routes,
            nat,
            listen: d.listen.clone(),
        });
    }

    let probes = match k.get("probes") {
        Some(n) if !matches!(n.value, Value::Null) => {
            probes(cx, n, &nodes, &node_index, &out_nodes, &ifaces)
        }
        _ => Vec::new(),
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

fn node_draft<'n>(cx: &mut Cx<'_>, key: &'n YNode, body: &'n YNode) -> Option<NodeDraft<'n>> {
    let name = cx.str(key, "nodes", "a node name")?;
    let path = format!("nodes.{name}");
    if !valid_node_name(name) {
        cx.err(
            key.pos,
            &path,
            format!("node name `{name}` is not 1 to 20 characters of a-z, 0-9 and -, starting with a letter"),
            Some("node names become namespace names, e.g. `bus1` or `web-1`".into()),
        );
    }
    let entries = cx.map(
        body,
        &path,
        "a node: a map with kind, interfaces, routes, ...",
    )?;
    let k = cx.keys(entries, body.pos, &path, NODE_KEYS, &["kind"]);
    let kind = k.get("kind").and_then(|n| {
        let s = cx.str(n, &format!("{path}.kind"), "a node kind")?;
        match s {
            "host" => Some(NodeKind::Host),
            "container" => Some(NodeKind::Container),
            "router" => Some(NodeKind::Router),
            "external" => Some(NodeKind::External),
            other => {
                let known = ["host", "container", "router", "external"];
                let help = match closest(other, &known) {
                    Some(s) => format!(
                        "did you mean `{s}`? the kinds are host, container, router and external"
                    ),
                    None => "the kinds are host, container, router and external".into(),
                };
                cx.err(
                    n.pos,
                    &format!("{path}.kind"),
                    format!("unknown node kind `{other}`"),
                    Some(help),
                );
                None
            }
        }
    });
    let on = k.get("on").and_then(|n| {
        let s = cx.str(n, &format!("{path}.on"), "the name of a host node")?;
        Some((s, n.pos))
    });
    if let (Some(kind), Some((_, pos))) = (kind, on) {
        if matches!(kind, NodeKind::Host | NodeKind::External) {
            cx.err(
                pos,
                &format!("{path}.on"),
                format!(
                    "a node of kind {} does not run on another node",
                    kind.as_str()
                ),
                Some("`on` is for containers and routers".into()),
            );
        }
    }
    let flag = |cx: &mut Cx<'_>, key: &str| {
        k.get(key)
            .and_then(|n| cx.bool(n, &format!("{path}.{key}")))
            .unwrap_or(false)
    };
    let forwarding = flag(cx, "forwarding");
    let bridge_nf = flag(cx, "bridge_nf");
    let mut d = NodeDraft {
        name,
        path: path.clone(),
        kind: kind.unwrap_or(NodeKind::Container),
        on,
        forwarding,
        bridge_nf,
        ifaces: Vec::new(),
        iface_index: FxHashMap::default(),
        routes: k.get("routes").copied(),
        nat: k.get("nat").copied(),
        listen: Vec::new(),
    };
    if let Some(n) = k.get("interfaces") {
        if !matches!(n.value, Value::Null) {
            if let Some(entries) = cx.map(
                n,
                &format!("{path}.interfaces"),
                "a map from interface names to interfaces",
            ) {
                for (ik, iv) in entries {
                    if let Some(f) = iface_draft(cx, ik, iv, &path) {
                        if f.name == "lo" {
                            cx.err(
                                ik.pos,
                                &f.path,
                                "`lo` exists in every node and cannot be declared".into(),
                                Some("remove it; it is up with 127.0.0.1/8".into()),
                            );
                            continue;
                        }
                        d.iface_index.insert(f.name, d.ifaces.len());
                        d.ifaces.push(f);
                    }
                }
            }
        }
    }
    if let Some(n) = k.get("listen") {
        let lp = format!("{path}.listen");
        if let Some(items) = cx.seq(n, &lp, "a list such as [tcp/80, udp/53]") {
            for (i, it) in items.iter().enumerate() {
                let ip = format!("{lp}[{i}]");
                let Some(s) = cx.str(it, &ip, "a socket such as tcp/80 or udp/53") else {
                    continue;
                };
                match parse_listen(s) {
                    Some(l) => {
                        if d.listen.contains(&l) {
                            cx.err(it.pos, &ip, format!("`{s}` is listed twice"), None);
                        }
                        d.listen.push(l);
                    }
                    None => cx.err(
                        it.pos,
                        &ip,
                        format!("`{s}` is not a socket"),
                        Some(
                            "write tcp/PORT or udp/PORT with a port from 1 to 65535, e.g. tcp/80"
                                .into(),
                        ),
                    ),
                }
            }
        }
    }
    Some(d)
}

fn parse_listen(s: &str) -> Option<Listen> {
    let (proto, port) = s.split_once('/')?;
    let proto = match proto {
        "tcp" => L4Proto::Tcp,
        "udp" => L4Proto::Udp,
        _ => return None,
    };
    let port: u16 = port.parse().ok().filter(|p| *p > 0)?;
    Some(Listen { proto, port })
}

fn iface_draft<'n>(
    cx: &mut Cx<'_>,
    key: &'n YNode,
    body: &'n YNode,
    node_path: &str,
) -> Option<IfaceDraft<'n>> {
    let name = cx.str(key, &format!("{node_path}.interfaces"), "an interface name")?;
    let path = format!("{node_path}.interfaces.{name}");
    if let Some(p) = iface_name_problem(name) {
        cx.err(key.pos, &path, p, None);
    }
    let mut f = IfaceDraft {
        name,
        pos: key.pos,
        path: path.clone(),
        declared: None,
        addresses: Vec::new(),
        mac: None,
        mtu: None,
        master: None,
        stp: false,
        vxlan: None,
        used: None,
    };
    if matches!(body.value, Value::Null) {
        return Some(f);
    }
    let entries = cx.map(
        body,
        &path,
        "an interface: a map such as { addresses: [10.0.0.1/24] }",
    )?;
    let k = cx.keys(entries, body.pos, &path, IFACE_KEYS, &[]);
    if let Some(n) = k.get("type") {
        if let Some(s) = cx.str(n, &format!("{path}.type"), "an interface type") {
            f.declared = match s {
                "veth" => Some(IfaceKind::Veth),
                "nic" => Some(IfaceKind::Nic),
                "bridge" => Some(IfaceKind::Bridge),
                "vxlan" => Some(IfaceKind::Vxlan),
                other => {
                    cx.err(
                        n.pos,
                        &format!("{path}.type"),
                        format!("unknown interface type `{other}`"),
                        Some("the types are veth, nic, bridge and vxlan".into()),
                    );
                    None
                }
            };
        }
    }
    if let Some(n) = k.get("addresses") {
        let ap = format!("{path}.addresses");
        if let Some(items) = cx.seq(n, &ap, "a list of IPv4 CIDR such as [172.17.0.2/16]") {
            for (i, it) in items.iter().enumerate() {
                let p = format!("{ap}[{i}]");
                if let Some(c) = cx.cidr(it, &p) {
                    if f.addresses.iter().any(|a| a.addr() == c.addr()) {
                        cx.err(it.pos, &p, format!("{} is already an address of `{name}`", c.addr()), Some("Linux refuses the same address twice on one interface (RTNETLINK answers: File exists)".into()));
                    } else if c.addr().is_unspecified()
                        || c.addr().is_broadcast()
                        || c.addr().is_multicast()
                    {
                        cx.err(
                            it.pos,
                            &p,
                            format!("{} cannot be an interface address", c.addr()),
                            None,
                        );
                    } else {
                        f.addresses.push(c);
                    }
                }
            }
        }
    }
    if let Some(n) = k.get("mac") {
        let p = format!("{path}.mac");
        if let Some(s) = cx.str(n, &p, "a MAC address such as 02:42:ac:11:00:02") {
            match s.parse::<MacAddr>() {
                Ok(m) if m.is_multicast() => cx.err(n.pos, &p, format!("{s} is a multicast address; an interface needs a unicast MAC (first byte even)"), None),
                Ok(m) if m == MacAddr::ZERO => cx.err(n.pos, &p, "00:00:00:00:00:00 cannot be an interface's MAC".into(), None),
                Ok(m) => f.mac = Some(m),
                Err(e) => cx.err(n.pos, &p, format!("`{s}` is not a MAC address"), Some(e.to_string())),
            }
        }
    }
    if let Some(n) = k.get("mtu") {
        f.mtu = cx
            .int(n, &format!("{path}.mtu"), "the MTU", 68, 65535)
            .map(|v| v as u32);
    }
    if let Some(n) = k.get("master") {
        let p = format!("{path}.master");
        if let Some(s) = cx.str(n, &p, "the name of a bridge of this node") {
            f.master = Some((s, n.pos, p));
        }
    }
    if let Some(n) = k.get("stp") {
        let p = format!("{path}.stp");
        f.stp = cx.bool(n, &p).unwrap_or(false);
        if f.declared != Some(IfaceKind::Bridge) {
            cx.err(
                n.pos,
                &p,
                "`stp` is for bridges only".into(),
                Some("add `type: bridge`, or remove `stp`".into()),
            );
        }
    }
    let has_vxlan_key = VXLAN_KEYS.iter().any(|key| k.contains_key(key));
    if f.declared == Some(IfaceKind::Vxlan) {
        f.vxlan = Some(vxlan_draft(cx, &k, body.pos, &path));
    } else if has_vxlan_key {
        for key in VXLAN_KEYS {
            if let Some(n) = k.get(key) {
                cx.err(
                    n.pos,
                    &format!("{path}.{key}"),
                    format!("`{key}` is for vxlan interfaces only"),
                    Some("add `type: vxlan`, or remove it".into()),
                );
            }
        }
    }
    Some(f)
}

fn vxlan_draft<'n>(
    cx: &mut Cx<'_>,
    k: &FxHashMap<&str, &'n YNode>,
    at: Pos,
    path: &str,
) -> VxlanDraft<'n> {
    let vni = match k.get("vni") {
        Some(n) => cx
            .int(
                n,
                &format!("{path}.vni"),
                "the VNI",
                1,
                i128::from(Vni::MAX),
            )
            .and_then(|v| Vni::try_new(v as u32)),
        None => {
            cx.err(
                at,
                path,
                "a vxlan interface needs `vni` (1 to 16777215)".into(),
                None,
            );
            None
        }
    };
    let local = match k.get("local") {
        Some(n) => cx.ipv4(n, &format!("{path}.local")),
        None => {
            cx.err(
                at,
                path,
                "a vxlan interface needs `local`, the outer source address".into(),
                None,
            );
            None
        }
    };
    let mut remotes = Vec::new();
    if let Some(n) = k.get("remotes") {
        let rp = format!("{path}.remotes");
        if let Some(items) = cx.seq(n, &rp, "a list of IPv4 addresses") {
            for (i, it) in items.iter().enumerate() {
                if let Some(a) = cx.ipv4(it, &format!("{rp}[{i}]")) {
                    remotes.push(a);
                }
            }
        }
    }
    let dev = k.get("dev").and_then(|n| {
        let p = format!("{path}.dev");
        cx.str(n, &p, "an interface name").map(|s| (s, n.pos, p))
    });
    let port = k
        .get("port")
        .and_then(|n| cx.int(n, &format!("{path}.port"), "the UDP port", 1, 65535))
        .map_or(4789, |v| v as u16);
    VxlanDraft {
        vni,
        local,
        remotes,
        dev,
        port,
    }
}

/// Resolves `NODE:IF` to (node index, interface index), creating an
/// interface the node does not declare (as the spec's `host:veth2d6f8e9`).
fn link_end<'n>(
    cx: &mut Cx<'_>,
    n: &'n YNode,
    path: &str,
    link: usize,
    form: IfaceKind,
    nodes: &mut [NodeDraft<'n>],
    node_index: &FxHashMap<&str, usize>,
) -> Option<(usize, usize)> {
    let s = cx.str(n, path, "a link end NODE:IF such as bus1:eth0")?;
    let Some((node, iface)) = s.split_once(':') else {
        cx.err(
            n.pos,
            path,
            format!("`{s}` is not NODE:IF"),
            Some("write the node and the interface, e.g. bus1:eth0".into()),
        );
        return None;
    };
    let Some(&ni) = node_index.get(node) else {
        let names: Vec<&str> = nodes.iter().map(|d| d.name).collect();
        let help = match closest(node, &names) {
            Some(c) => format!("did you mean `{c}`?"),
            None => "declare the node under `nodes`".into(),
        };
        cx.err(
            n.pos,
            path,
            format!("`{node}` is not a node of this file"),
            Some(help),
        );
        return None;
    };
    if iface == "lo" {
        cx.err(n.pos, path, "`lo` cannot be an end of a link".into(), None);
        return None;
    }
    if let Some(p) = iface_name_problem(iface) {
        cx.err(n.pos, path, p, None);
        return None;
    }
    let d = &mut nodes[ni];
    let fi = match d.iface_index.get(iface) {
        Some(&fi) => fi,
        None => {
            let fi = d.ifaces.len();
            d.ifaces.push(IfaceDraft {
                name: iface,
                pos: n.pos,
                path: format!("{}.interfaces.{iface}", d.path),
                declared: None,
                addresses: Vec::new(),
                mac: None,
                mtu: None,
                master: None,
                stp: false,
                vxlan: None,
                used: None,
            });
            d.iface_index.insert(iface, fi);
            fi
        }
    };
    let f = &mut d.ifaces[fi];
    if let Some((other, _, pos)) = f.used {
        cx.err(
            n.pos,
            path,
            format!("{s} is already an end of links[{other}] (line {})", pos.line),
            Some("each veth end or NIC is an end of exactly one link; give this one another interface".into()),
        );
        return None;
    }
    f.used = Some((link, form, n.pos));
    Some((ni, fi))
}

fn link_draft<'n>(
    cx: &mut Cx<'_>,
    item: &'n YNode,
    path: &str,
    idx: usize,
    nodes: &mut [NodeDraft<'n>],
    node_index: &FxHashMap<&str, usize>,
) -> Option<LinkDraft<'n>> {
    let entries = cx.map(
        item,
        path,
        "a link: `veth: [A:IF, B:IF]` or `wire: [A:IF, B:IF, ...]`",
    )?;
    let k = cx.keys(
        entries,
        item.pos,
        path,
        &["veth", "wire", "master", "name"],
        &[],
    );
    match (k.get("veth"), k.get("wire")) {
        (Some(v), None) => {
            if let Some(n) = k.get("name") {
                cx.err(
                    n.pos,
                    &format!("{path}.name"),
                    "`name` is for wires; a veth pair is named by its ends".into(),
                    None,
                );
            }
            let vp = format!("{path}.veth");
            let items = cx.seq(v, &vp, "two ends [NODE:IF, NODE:IF]")?;
            if items.len() != 2 {
                cx.err(
                    v.pos,
                    &vp,
                    format!("a veth pair has exactly two ends, not {}", items.len()),
                    None,
                );
                return None;
            }
            let a = link_end(
                cx,
                &items[0],
                &format!("{vp}[0]"),
                idx,
                IfaceKind::Veth,
                nodes,
                node_index,
            );
            let b = link_end(
                cx,
                &items[1],
                &format!("{vp}[1]"),
                idx,
                IfaceKind::Veth,
                nodes,
                node_index,
            );
            let master = k.get("master").and_then(|n| {
                let p = format!("{path}.master");
                cx.str(n, &p, "the name of a bridge in the second end's node")
                    .map(|s| (s, n.pos, p))
            });
            Some(LinkDraft::Veth {
                ends: [a?, b?],
                master,
            })
        }
        (None, Some(w)) => {
            if let Some(n) = k.get("master") {
                cx.err(
                    n.pos,
                    &format!("{path}.master"),
                    "`master` is for veth links; on a wire, set `master` on the NIC itself".into(),
                    None,
                );
            }
            let name = k.get("name").and_then(|n| {
                let p = format!("{path}.name");
                let s = cx.str(n, &p, "a name for the wire")?;
                if valid_node_name(s) {
                    Some(s.to_string())
                } else {
                    cx.err(n.pos, &p, format!("wire name `{s}` is not 1 to 20 characters of a-z, 0-9 and -, starting with a letter"), None);
                    None
                }
            });
            let wp = format!("{path}.wire");
            let items = cx.seq(w, &wp, "a list of NICs [NODE:IF, NODE:IF, ...]")?;
            if items.len() < 2 {
                cx.err(
                    w.pos,
                    &wp,
                    format!("a wire joins at least two NICs, not {}", items.len()),
                    None,
                );
                return None;
            }
            let mut ends = Vec::new();
            let mut ok = true;
            for (i, it) in items.iter().enumerate() {
                match link_end(
                    cx,
                    it,
                    &format!("{wp}[{i}]"),
                    idx,
                    IfaceKind::Nic,
                    nodes,
                    node_index,
                ) {
                    Some(e) => ends.push(e),
                    None => ok = false,
                }
            }
            ok.then_some(LinkDraft::Wire { ends, name })
        }
        (Some(_), Some(_)) => {
            cx.err(
                item.pos,
                path,
                "a link is either `veth` or `wire`, not both".into(),
                None,
            );
            None
        }
        (None, None) => {
            cx.err(
                item.pos,
                path,
                "a link needs `veth: [A:IF, B:IF]` or `wire: [A:IF, B:IF, ...]`".into(),
                None,
            );
            None
        }
    }
}

fn routes(
    cx: &mut Cx<'_>,
    n: &YNode,
    path: &str,
    d: &NodeDraft<'_>,
    lookup: &dyn Fn(&str) -> Option<IfaceId>,
    ifaces: &[Iface],
) -> Vec<Route> {
    let mut out: Vec<Route> = Vec::new();
    if matches!(n.value, Value::Null) {
        return out;
    }
    let Some(items) = cx.seq(
        n,
        path,
        "a list of routes such as - { to: default, via: 172.17.0.1 }",
    ) else {
        return out;
    };
    let node_ifaces = || d.ifaces.iter().filter_map(|f| lookup(f.name));
    for (i, it) in items.iter().enumerate() {
        let rp = format!("{path}[{i}]");
        let Some(entries) = cx.map(it, &rp, "a route: { to: ..., via: ..., dev: ... }") else {
            continue;
        };
        let k = cx.keys(entries, it.pos, &rp, &["to", "via", "dev"], &["to"]);
        let to = k.get("to").and_then(|t| {
            let tp = format!("{rp}.to");
            if let Value::Str(s) = &t.value {
                if s == "default" {
                    return Some(Ipv4Net::DEFAULT);
                }
            }
            let c = cx.cidr(t, &tp)?;
            if !c.is_network() {
                cx.err(
                    t.pos,
                    &tp,
                    format!("{c} has host bits set; `ip route` refuses it (Invalid prefix for given prefix length)"),
                    Some(format!("write the network: {}", c.trunc())),
                );
                return None;
            }
            Some(c)
        });
        let via = k.get("via").and_then(|v| cx.ipv4(v, &format!("{rp}.via")));
        let dev = k.get("dev").and_then(|v| {
            let dp = format!("{rp}.dev");
            let s = cx.str(v, &dp, "an interface name of this node")?;
            match lookup(s) {
                Some(id) => Some(id),
                None => {
                    cx.err(
                        v.pos,
                        &dp,
                        format!("node {} has no interface `{s}`", d.name),
                        None,
                    );
                    None
                }
            }
        });
        let Some(to) = to else { continue };
        if k.contains_key("via") && via.is_none() || k.contains_key("dev") && dev.is_none() {
            continue;
        }
        let subnets = |id: IfaceId| ifaces[id.index()].addresses.clone();
        let describe = || {
            let list: Vec<String> = node_ifaces()
                .flat_map(|id| {
                    ifaces[id.index()]
                        .addresses
                        .iter()
                        .map(move |a| format!("{} on {}", a.trunc(), ifaces[id.index()].name))
                        .collect::<Vec<_>>()
                })
                .collect();
            if list.is_empty() {
                "it has no addresses".to_string()
            } else {
                list.join(", ")
            }
        };
        let dev = match (via, dev) {
            (None, None) => {
                cx.err(
                    it.pos,
                    &rp,
                    "a route needs `via` (a gateway), `dev` (an interface), or both".into(),
                    None,
                );
                continue;
            }
            (None, Some(dev)) => dev,
            (Some(gw), Some(dev)) => {
                if !subnets(dev).iter().any(|a| a.contains(gw)) {
                    cx.err(
                        k.get("via").map_or(it.pos, |n| n.pos),
                        &format!("{rp}.via"),
                        format!(
                            "gateway {gw} is not in a subnet of {} ({})",
                            ifaces[dev.index()].name,
                            match ifaces[dev.index()].addresses.iter().map(|a| a.trunc().to_string()).collect::<Vec<_>>() {
                                v if v.is_empty() => "it has no addresses".to_string(),
                                v => format!("its subnets: {}", v.join(", ")),
                            }
                        ),
                        Some("a gateway must be on a connected subnet (Linux: Nexthop has invalid gateway); add an address in its subnet, or fix the gateway".into()),
                    );
                    continue;
                }
                dev
            }
            (Some(gw), None) => {
                match node_ifaces().find(|&id| subnets(id).iter().any(|a| a.contains(gw))) {
                    Some(dev) => dev,
                    None => {
                        cx.err(
                        k.get("via").map_or(it.pos, |n| n.pos),
                        &format!("{rp}.via"),
                        format!("gateway {gw} is not in any subnet of {}'s interfaces ({})", d.name, describe()),
                        Some("a gateway must be on a connected subnet (Linux: Nexthop has invalid gateway); add an address in its subnet, or fix the gateway".into()),
                    );
                        continue;
                    }
                }
            }
        };
        if out.iter().any(|r| r.to == to) {
            cx.err(
                it.pos,
                &rp,
                format!("there is already a route to {}", if to.prefix() == 0 { "default".to_string() } else { to.to_string() }),
                Some("Linux refuses a second route to the same destination (RTNETLINK answers: File exists)".into()),
            );
            continue;
        }
        out.push(Route { to, via, dev });
    }
    out
}

fn nat_rules(
    cx: &mut Cx<'_>,
    n: &YNode,
    path: &str,
    d: &NodeDraft<'_>,
    lookup: &dyn Fn(&str) -> Option<IfaceId>,
) -> Vec<NatRule> {
    let mut out = Vec::new();
    if matches!(n.value, Value::Null) {
        return out;
    }
    let Some(items) = cx.seq(n, path, "a list of NAT rules") else {
        return out;
    };
    for (i, it) in items.iter().enumerate() {
        let rp = format!("{path}[{i}]");
        let Some(entries) = cx.map(
            it,
            &rp,
            "a NAT rule such as { action: masquerade, out: eth0 }",
        ) else {
            continue;
        };
        let action = entries
            .iter()
            .find_map(|(k, v)| match (&k.value, &v.value) {
                (Value::Str(k), Value::Str(v)) if k == "action" => Some(v.as_str()),
                _ => None,
            });
        let known: &[&str] = match action {
            Some("masquerade") => &["action", "source", "out"],
            Some("snat") => &["action", "to", "source", "out"],
            Some("dnat") => &["action", "proto", "port", "to", "in", "dest"],
            _ => &[
                "action", "source", "out", "to", "proto", "port", "in", "dest",
            ],
        };
        let required: &[&str] = match action {
            Some("snat") => &["action", "to"],
            Some("dnat") => &["action", "proto", "port", "to"],
            _ => &["action"],
        };
        let k = cx.keys(entries, it.pos, &rp, known, required);
        let iface = |cx: &mut Cx<'_>, key: &str| -> Option<Option<IfaceId>> {
            let Some(n) = k.get(key) else {
                return Some(None);
            };
            let p = format!("{rp}.{key}");
            let s = cx.str(n, &p, "an interface name of this node")?;
            match lookup(s) {
                Some(id) => Some(Some(id)),
                None => {
                    cx.err(
                        n.pos,
                        &p,
                        format!("node {} has no interface `{s}`", d.name),
                        None,
                    );
                    None
                }
            }
        };
        let source = |cx: &mut Cx<'_>| -> Option<Option<Ipv4Net>> {
            match k.get("source") {
                None => Some(None),
                Some(n) => cx.cidr(n, &format!("{rp}.source")).map(|c| Some(c.trunc())),
            }
        };
        let Some(a) = k.get("action") else { continue };
        let Some(action) = cx.str(a, &format!("{rp}.action"), "masquerade, snat or dnat") else {
            continue;
        };
        let rule = match action {
            "masquerade" => (|| {
                let source = source(cx)?;
                let out = iface(cx, "out")?;
                Some(NatRule::Masquerade { source, out })
            })(),
            "snat" => (|| {
                let to = cx.ipv4(k.get("to")?, &format!("{rp}.to"))?;
                let source = source(cx)?;
                let out = iface(cx, "out")?;
                Some(NatRule::Snat { to, source, out })
            })(),
            "dnat" => (|| {
                let pn = k.get("proto")?;
                let proto = match cx.str(pn, &format!("{rp}.proto"), "tcp or udp")? {
                    "tcp" => L4Proto::Tcp,
                    "udp" => L4Proto::Udp,
                    other => {
                        cx.err(
                            pn.pos,
                            &format!("{rp}.proto"),
                            format!("`{other}` is not tcp or udp"),
                            None,
                        );
                        return None;
                    }
                };
                let port =
                    cx.int(k.get("port")?, &format!("{rp}.port"), "the port", 1, 65535)? as u16;
                let tn = k.get("to")?;
                let tp = format!("{rp}.to");
                let ts = cx.str(tn, &tp, "IP or IP:PORT")?;
                let (to, to_port) = match ts.split_once(':') {
                    Some((ip, p)) => (
                        ip.parse::<Ipv4Addr>().ok(),
                        p.parse::<u16>().ok().filter(|p| *p > 0).map(Some),
                    ),
                    None => (ts.parse::<Ipv4Addr>().ok(), Some(None)),
                };
                let (Some(to), Some(to_port)) = (to, to_port) else {
                    cx.err(
                        tn.pos,
                        &tp,
                        format!("`{ts}` is not IP or IP:PORT"),
                        Some("e.g. \"172.17.0.2:80\" (quote it in YAML)".into()),
                    );
                    return None;
                };
                let input = iface(cx, "in")?;
                let dest = match k.get("dest") {
                    None => None,
                    Some(n) => Some(cx.ipv4(n, &format!("{rp}.dest"))?),
                };
                Some(NatRule::Dnat {
                    proto,
                    port,
                    to,
                    to_port,
                    input,
                    dest,
                })
            })(),
            other => {
                cx.err(
                    a.pos,
                    &format!("{rp}.action"),
                    format!("unknown NAT action `{other}`"),
                    Some("the actions are masquerade, snat and dnat".into()),
                );
                None
            }
        };
        if let Some(r) = rule {
            out.push(r);
        }
    }
    out
}

fn probes(
    cx: &mut Cx<'_>,
    n: &YNode,
    drafts: &[NodeDraft<'_>],
    node_index: &FxHashMap<&str, usize>,
    nodes: &[Node],
    ifaces: &[Iface],
) -> Vec<Probe> {
    let mut out = Vec::new();
    let Some(items) = cx.seq(n, "probes", "a list of probes") else {
        return out;
    };
    let first_addr = |node: &Node| {
        node.ifaces
            .iter()
            .skip(1)
            .find_map(|&i| ifaces[i.index()].addresses.first())
            .map(|a| a.addr())
    };
    for (i, it) in items.iter().enumerate() {
        let pp = format!("probes[{i}]");
        let Some(entries) = cx.map(
            it,
            &pp,
            "a probe such as { from: bus2, to: bus1, proto: icmp, expect: reply }",
        ) else {
            continue;
        };
        let k = cx.keys(
            entries,
            it.pos,
            &pp,
            &["from", "to", "proto", "port", "ttl", "expect"],
            &["from", "to", "proto"],
        );
        let from = k.get("from").and_then(|f| {
            let p = format!("{pp}.from");
            let s = cx.str(f, &p, "a node name")?;
            match node_index.get(s) {
                Some(&x) => Some(NodeId(x as u32)),
                None => {
                    let names: Vec<&str> = drafts.iter().map(|d| d.name).collect();
                    let help = closest(s, &names).map(|c| format!("did you mean `{c}`?"));
                    cx.err(f.pos, &p, format!("`{s}` is not a node of this file"), help);
                    None
                }
            }
        });
        let to = k.get("to").and_then(|t| {
            let p = format!("{pp}.to");
            let s = cx.str(t, &p, "an IPv4 address, a node name or NODE:IF")?;
            if let Ok(a) = s.parse::<Ipv4Addr>() {
                return Some((s.to_string(), a));
            }
            let (node, iface) = match s.split_once(':') {
                Some((n, i)) => (n, Some(i)),
                None => (s, None),
            };
            let Some(&ni) = node_index.get(node) else {
                cx.err(
                    t.pos,
                    &p,
                    format!("`{s}` is neither an IPv4 address nor a node of this file"),
                    None,
                );
                return None;
            };
            let target = &nodes[ni];
            let addr = match iface {
                None => first_addr(target),
                Some(ifn) => {
                    let Some(&id) = target
                        .ifaces
                        .iter()
                        .find(|&&id| ifaces[id.index()].name == ifn)
                    else {
                        cx.err(
                            t.pos,
                            &p,
                            format!("node {node} has no interface `{ifn}`"),
                            None,
                        );
                        return None;
                    };
                    ifaces[id.index()].addresses.first().map(|a| a.addr())
                }
            };
            match addr {
                Some(a) => Some((s.to_string(), a)),
                None => {
                    cx.err(
                        t.pos,
                        &p,
                        format!("`{s}` has no address to send to"),
                        Some("give it an address, or write an IPv4 address".into()),
                    );
                    None
                }
            }
        });
        let proto = k.get("proto").and_then(|n| {
            let p = format!("{pp}.proto");
            match cx.str(n, &p, "icmp, tcp or udp")? {
                "icmp" => Some(ProbeProto::Icmp),
                "tcp" => Some(ProbeProto::Tcp),
                "udp" => Some(ProbeProto::Udp),
                other => {
                    cx.err(
                        n.pos,
                        &p,
                        format!("unknown proto `{other}`"),
                        Some("the protocols are icmp, tcp and udp".into()),
                    );
                    None
                }
            }
        });
        let port = k.get("port").and_then(|n| {
            cx.int(n, &format!("{pp}.port"), "the port", 1, 65535)
                .map(|v| (v as u16, n.pos))
        });
        match (proto, port) {
            (Some(ProbeProto::Icmp), Some((_, pos))) => cx.err(
                pos,
                &format!("{pp}.port"),
                "an icmp probe has no port".into(),
                Some("remove `port`, or use tcp or udp".into()),
            ),
            (Some(ProbeProto::Tcp | ProbeProto::Udp), None) if !k.contains_key("port") => {
                cx.err(it.pos, &pp, "a tcp or udp probe needs `port`".into(), None)
            }
            _ => {}
        }
        let ttl = match k.get("ttl") {
            Some(n) => cx
                .int(n, &format!("{pp}.ttl"), "the TTL", 1, 255)
                .map(|v| v as u8),
            None => Some(64),
        };
        let expect = match k.get("expect") {
            None => Some(None),
            Some(e) => expect(cx, e, &format!("{pp}.expect")).map(Some),
        };
        if let (Some(from), Some((to_text, to)), Some(proto), Some(ttl), Some(expect)) =
            (from, to, proto, ttl, expect)
        {
            out.push(Probe {
                from,
                to_text,
                to,
                proto,
                port: port.map(|p| p.0).filter(|_| proto != ProbeProto::Icmp),
                ttl,
                expect,
            });
        }
    }
    out
}

fn result_word(cx: &mut Cx<'_>, n: &YNode, path: &str) -> Option<ProbeResult> {
    let s = cx.str(
        n,
        path,
        "a result: reply, refused, unreachable, ttl-exceeded or timeout",
    )?;
    match ProbeResult::parse(s) {
        Some(r) => Some(r),
        None => {
            let words: Vec<&str> = ProbeResult::ALL.iter().map(|r| r.as_str()).collect();
            let help = match closest(s, &words) {
                Some(c) => format!("did you mean `{c}`? the results are {}", words.join(", ")),
                None => format!("the results are {}", words.join(", ")),
            };
            cx.err(n.pos, path, format!("unknown result `{s}`"), Some(help));
            None
        }
    }
}

fn expect(cx: &mut Cx<'_>, n: &YNode, path: &str) -> Option<Expect> {
    match &n.value {
        Value::Str(_) => result_word(cx, n, path).map(|r| Expect {
            result: Some(r),
            ..Expect::default()
        }),
        Value::Map(entries) => {
            let k = cx.keys(entries, n.pos, path, &["result", "seen_from", "ttl"], &[]);
            let mut e = Expect::default();
            let mut ok = true;
            if let Some(r) = k.get("result") {
                e.result = result_word(cx, r, &format!("{path}.result"));
                ok &= e.result.is_some();
            }
            if let Some(s) = k.get("seen_from") {
                e.seen_from = cx.ipv4(s, &format!("{path}.seen_from"));
                ok &= e.seen_from.is_some();
            }
            if let Some(t) = k.get("ttl") {
                e.ttl = cx
                    .int(t, &format!("{path}.ttl"), "the TTL on arrival", 0, 255)
                    .map(|v| v as u8);
                ok &= e.ttl.is_some();
            }
            ok.then_some(e)
        }
        other => {
            cx.err(
                n.pos,
                path,
                format!(
                    "expected a result or a map with result, seen_from and ttl, found {}",
                    other.kind()
                ),
                None,
            );
            None
        }
    }
}

#[cfg(test)]
mod tests;
