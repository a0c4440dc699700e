//! `nodes:` — every node, its interfaces and its sockets, read into
//! drafts (each interface by `ifaces`). Routes and NAT rules wait until
//! interfaces have ids (`routes`).

use rustc_hash::{FxHashMap, FxHashSet};

use super::ifaces::iface;
use super::names;
use super::yaml::{Node, Pos};
use super::{Cx, Drafts, NodeDraft, Path};
use crate::model::{L4Proto, Listen, NodeKind};

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
const KINDS: &[&str] = &["host", "container", "router", "external"];
const KIND_VALUES: [NodeKind; 4] = [
    NodeKind::Host,
    NodeKind::Container,
    NodeKind::Router,
    NodeKind::External,
];

/// Reads the `nodes` map into `d`.
pub(super) fn read<'n>(cx: &mut Cx<'_>, d: &mut Drafts<'n>, n: &'n Node<'n>, path: &Path<'_>) {
    if n.is_null() {
        cx.err(
            n.pos,
            path,
            "`nodes` is empty".into(),
            Some("add at least one node, e.g. `host: { kind: host }`".into()),
        );
        return;
    }
    let Some(entries) = cx.map(n, path, "a map from node names to nodes") else {
        return;
    };
    if entries.is_empty() {
        cx.err(
            n.pos,
            path,
            "there are no nodes".into(),
            Some("add at least one node, e.g. `host: { kind: host }`".into()),
        );
    }
    d.nodes.reserve(entries.len());
    for (k, body) in entries {
        let Some(name) = cx.key(k, path) else {
            continue;
        };
        let p = path.key(name);
        if let Some(problem) = names::node_name_problem(name) {
            cx.err(
                k.pos,
                p,
                problem,
                Some("a node name becomes part of its namespace's name: 1 to 20 of a-z, 0-9 and -, starting with a letter, e.g. `bus1` or `web-1`".into()),
            );
        }
        if let Some(first) = d.node_index.get(name).and_then(|&i| d.nodes.get(i)) {
            cx.err(
                k.pos,
                p,
                format!(
                    "node `{name}` is declared twice; the first is {}",
                    cx.first_place(first.pos, k.pos)
                ),
                Some("give each node a name of its own".into()),
            );
            continue;
        }
        let ni = d.nodes.len();
        let draft = node(cx, &mut d.iface_index, ni, name, k.pos, body, &p);
        d.node_index.insert(name, ni);
        d.nodes.push(draft);
    }
}

fn node<'n>(
    cx: &mut Cx<'_>,
    index: &mut FxHashMap<(usize, &'n str), usize>,
    ni: usize,
    name: &'n str,
    pos: Pos,
    body: &'n Node<'n>,
    path: &Path<'_>,
) -> NodeDraft<'n> {
    let mut d = NodeDraft {
        name,
        pos,
        kind: None,
        on: None,
        forwarding: false,
        bridge_nf: false,
        ifaces: Vec::new(),
        routes: None,
        nat: None,
        listen: Vec::new(),
        listen_pos: pos,
        bad_addresses: false,
    };
    if body.is_null() {
        cx.err(
            pos,
            path,
            format!("node `{name}` is empty"),
            Some(format!(
                "give it at least a kind, e.g. `{name}: {{ kind: container }}`"
            )),
        );
        return d;
    }
    let Some(entries) = cx.map(
        body,
        path,
        "a node: a map with `kind`, `interfaces`, `routes` and so on",
    ) else {
        return d;
    };
    let f = cx.fields(entries, path, "a node", NODE_KEYS);
    match f.get("kind") {
        None => cx.err(
            pos,
            path,
            format!("node `{name}` has no `kind`"),
            Some("add `kind: host`, `container`, `router` or `external`".into()),
        ),
        Some(k) => {
            d.kind = cx
                .choice(k, &path.key("kind"), "node kind", KINDS)
                .and_then(|i| KIND_VALUES.get(i).copied());
        }
    }
    if let Some(o) = f.get("on") {
        let p = path.key("on");
        if let Some(s) = cx.text(o, &p, "the name of the host node it runs on") {
            d.on = Some((s, o.pos));
            if let Some(kind @ (NodeKind::Host | NodeKind::External)) = d.kind {
                cx.err(
                    o.pos,
                    p,
                    format!(
                        "a node of kind {} does not run on another node",
                        kind.as_str()
                    ),
                    Some("`on` is for containers and routers; remove it".into()),
                );
            }
        }
    }
    if let Some(n) = f.get("forwarding") {
        d.forwarding = cx.flag(n, &path.key("forwarding")).unwrap_or(false);
    }
    if let Some(n) = f.get("bridge_nf") {
        d.bridge_nf = cx.flag(n, &path.key("bridge_nf")).unwrap_or(false);
    }
    if let Some(n) = f.get("interfaces").filter(|n| !n.is_null()) {
        let ip = path.key("interfaces");
        if let Some(entries) = cx.map(n, &ip, "a map from interface names to interfaces") {
            d.ifaces.reserve(entries.len());
            for (k, body) in entries {
                let Some(iname) = cx.key(k, &ip) else {
                    continue;
                };
                let p = ip.key(iname);
                if iname == "lo" {
                    cx.err(
                        k.pos,
                        p,
                        "`lo` exists in every node and cannot be declared".into(),
                        Some("remove it: every node has `lo`, up, with 127.0.0.1/8".into()),
                    );
                    continue;
                }
                if let Some(problem) = names::iface_name_problem(iname) {
                    cx.err(k.pos, p, problem, None);
                }
                if let Some(first) = index.get(&(ni, iname)).and_then(|&i| d.ifaces.get(i)) {
                    cx.err(
                        k.pos,
                        p,
                        format!(
                            "interface `{iname}` is declared twice; the first is {}",
                            cx.first_place(first.pos, k.pos)
                        ),
                        Some("names are unique within a node: rename or remove one".into()),
                    );
                    continue;
                }
                let f = iface(cx, iname, k.pos, body, &p, &mut d.bad_addresses);
                index.insert((ni, iname), d.ifaces.len());
                d.ifaces.push(f);
            }
        }
    }
    d.routes = f.get("routes");
    d.nat = f.get("nat");
    if let Some(n) = f.get("listen") {
        d.listen = listen(cx, n, &path.key("listen"));
        d.listen_pos = n.pos;
    }
    d
}

fn listen(cx: &mut Cx<'_>, n: &Node<'_>, path: &Path<'_>) -> Vec<Listen> {
    let mut out: Vec<Listen> = Vec::new();
    let Some(items) = cx.list(n, path, "a list of sockets", "listen: [tcp/80, udp/53]") else {
        return out;
    };
    let mut seen: FxHashSet<Listen> = FxHashSet::default();
    for (i, it) in items.iter().enumerate() {
        let p = path.index(i);
        let Some(s) = cx.text(it, &p, "a socket such as tcp/80 or udp/53") else {
            continue;
        };
        let Some((proto, port)) = s.split_once('/') else {
            let help = match port_number(s) {
                Ok(p) => format!("write the protocol too: tcp/{p} or udp/{p}"),
                Err(_) => "write tcp/PORT or udp/PORT, e.g. tcp/80".into(),
            };
            cx.err(it.pos, p, format!("`{s}` is not a socket"), Some(help));
            continue;
        };
        let proto = match proto {
            "tcp" => L4Proto::Tcp,
            "udp" => L4Proto::Udp,
            other => {
                cx.err(
                    it.pos,
                    p,
                    format!("`{s}`: a socket here is tcp or udp, not `{other}`"),
                    Some("write tcp/PORT or udp/PORT, e.g. tcp/80".into()),
                );
                continue;
            }
        };
        let port = match port_number(port) {
            Ok(port) => port,
            Err(e) => {
                let (message, help) = e.describe(s, port);
                cx.err(it.pos, p, message, help);
                continue;
            }
        };
        let l = Listen { proto, port };
        if !seen.insert(l) {
            cx.err(
                it.pos,
                p,
                format!("`{s}` is listed twice"),
                Some("remove one: a second socket on the same port would fail (Address already in use)".into()),
            );
            continue;
        }
        out.push(l);
    }
    out
}

/// Why a port written in a string is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PortError {
    /// Not a number from 1 to 65535.
    Invalid,
    /// `08`: a leading zero, which some tools read as octal. Refused as
    /// `010.0.0.1` is, so that the file means one thing to every reader.
    LeadingZero(u16),
}

impl PortError {
    /// The message and help for `whole` (`tcp/08`), whose port is `port`.
    pub(super) fn describe(self, whole: &str, port: &str) -> (String, Option<String>) {
        match self {
            PortError::Invalid => (
                format!("`{whole}`: the port must be a number from 1 to 65535"),
                None,
            ),
            PortError::LeadingZero(p) => (
                format!("`{whole}`: the port `{port}` has a leading zero"),
                Some(format!("write {p}: a leading 0 means octal to some tools, so netsim refuses it, as it refuses `010.0.0.1`")),
            ),
        }
    }
}

/// A port: 1 to 65535, in decimal, without leading zeros.
pub(super) fn port_number(s: &str) -> Result<u16, PortError> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PortError::Invalid);
    }
    let p = s
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or(PortError::Invalid)?;
    if s.starts_with('0') {
        return Err(PortError::LeadingZero(p));
    }
    Ok(p)
}

/// `on` names a host node of this file.
pub(super) fn check_on(cx: &mut Cx<'_>, d: &Drafts<'_>) {
    for (ni, n) in d.nodes.iter().enumerate() {
        let Some((on, pos)) = n.on else { continue };
        if matches!(n.kind, Some(NodeKind::Host | NodeKind::External)) {
            continue; // already told to remove it
        }
        let path = format!("nodes.{}.on", n.name);
        match d.node_index.get(on).copied() {
            None => {
                let hosts = d
                    .nodes
                    .iter()
                    .filter(|h| h.kind == Some(NodeKind::Host))
                    .map(|h| h.name);
                let help = match cx.suggest(on, hosts) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => {
                        "name the host node it runs on, declared under `nodes` with `kind: host`"
                            .into()
                    }
                };
                cx.err(
                    pos,
                    path,
                    format!("`{on}` is not a node of this file"),
                    Some(help),
                );
            }
            Some(h) if h == ni => cx.err(
                pos,
                path,
                format!("node `{on}` cannot run on itself"),
                Some("`on` names the host node it runs on".into()),
            ),
            Some(h) => {
                if let Some(kind) = d.nodes.get(h).and_then(|h| h.kind) {
                    if kind != NodeKind::Host {
                        cx.err(
                            pos,
                            path,
                            format!("`{on}` is a {}, not a host", kind.as_str()),
                            Some("`on` names a node of kind host".into()),
                        );
                    }
                }
            }
        }
    }
}
