//! `nodes:` — every node, its interfaces and its sockets, read into
//! drafts. Routes and NAT rules wait until interfaces have ids
//! (`routes`).

use core::net::Ipv4Addr;

use rustc_hash::{FxHashMap, FxHashSet};

use super::names;
use super::yaml::{Node, Pos};
use super::{Cx, Drafts, IfaceDraft, MasterRef, NodeDraft, Path, VxlanDraft};
use crate::model::{IfaceKind, L4Proto, Listen, NodeKind, Vni};
use crate::wire::{Ipv4Net, MacAddr};

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
const TYPES: &[&str] = &["veth", "nic", "bridge", "vxlan"];
const TYPE_VALUES: [IfaceKind; 4] = [
    IfaceKind::Veth,
    IfaceKind::Nic,
    IfaceKind::Bridge,
    IfaceKind::Vxlan,
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

fn iface<'n>(
    cx: &mut Cx<'_>,
    name: &'n str,
    pos: Pos,
    body: &'n Node<'n>,
    path: &Path<'_>,
    bad_addresses: &mut bool,
) -> IfaceDraft<'n> {
    let mut f = IfaceDraft::new(name, pos);
    if body.is_null() {
        return f;
    }
    let Some(entries) = cx.map(
        body,
        path,
        "an interface: a map such as `{ addresses: [10.0.0.1/24] }`",
    ) else {
        return f;
    };
    let k = cx.fields(entries, path, "an interface", IFACE_KEYS);
    if let Some(n) = k.get("type") {
        f.declared = cx
            .choice(n, &path.key("type"), "interface type", TYPES)
            .and_then(|i| TYPE_VALUES.get(i).copied());
    }
    if let Some(n) = k.get("addresses") {
        let ap = path.key("addresses");
        match cx.list(n, &ap, "a list of IPv4 CIDR", "addresses: [172.17.0.2/16]") {
            Some(items) => addresses(cx, &mut f, items, &ap, bad_addresses),
            None => *bad_addresses = true,
        }
    }
    if let Some(n) = k.get("mac") {
        f.mac = mac(cx, n, &path.key("mac"));
    }
    if let Some(n) = k.get("mtu") {
        f.mtu = cx.number(n, &path.key("mtu"), "the MTU", 68, 65535);
    }
    if let Some(n) = k.get("master") {
        if let Some(s) = cx.text(n, &path.key("master"), "the name of a bridge of this node") {
            f.master = Some(MasterRef {
                name: s,
                pos: n.pos,
                link: None,
            });
        }
    }
    if let Some((kpos, n)) = k.entry("stp") {
        let p = path.key("stp");
        f.stp = cx.flag(n, &p).unwrap_or(false);
        if f.declared != Some(IfaceKind::Bridge) {
            let what = match f.declared {
                Some(t) => format!("; `{name}` is a {}", t.as_str()),
                None => String::new(),
            };
            cx.err(
                kpos,
                p,
                format!("`stp` is for bridges only{what}"),
                Some("add `type: bridge`, or remove `stp`".into()),
            );
        }
    }
    if f.declared == Some(IfaceKind::Vxlan) {
        f.vxlan = Some(vxlan(cx, &k, name, pos, path));
    } else {
        for key in VXLAN_KEYS {
            if let Some((kpos, _)) = k.entry(key) {
                cx.err(
                    kpos,
                    path.key(key),
                    format!("`{key}` is for vxlan interfaces only"),
                    Some(format!("add `type: vxlan`, or remove `{key}`")),
                );
            }
        }
    }
    f
}

fn addresses(
    cx: &mut Cx<'_>,
    f: &mut IfaceDraft<'_>,
    items: &[Node<'_>],
    path: &Path<'_>,
    bad: &mut bool,
) {
    // Index of the first occurrence, for long lists only.
    let mut seen: FxHashMap<Ipv4Net, usize> = FxHashMap::default();
    f.addresses.reserve(items.len());
    for (i, it) in items.iter().enumerate() {
        let p = path.index(i);
        let Some(c) = cx.cidr(it, &p) else {
            *bad = true;
            continue;
        };
        let a = c.addr();
        let problem = if a.is_unspecified() {
            Some("is the unspecified address")
        } else if a.is_multicast() {
            Some("is a multicast address")
        } else if a.is_broadcast() {
            Some("is the limited broadcast address")
        } else {
            None
        };
        if let Some(problem) = problem {
            cx.err(
                it.pos,
                p,
                format!("`{c}` {problem}; an interface address must be unicast"),
                None,
            );
            *bad = true;
            continue;
        }
        let first = if items.len() > 8 {
            seen.get(&c).copied()
        } else {
            f.addresses.iter().position(|x| *x == c)
        };
        if let Some(first) = first {
            cx.err(
                it.pos,
                p,
                format!(
                    "`{c}` is given twice for `{}`; the first is addresses[{first}]",
                    f.name
                ),
                Some("Linux refuses the same address twice on one interface (RTNETLINK answers: File exists); remove one".into()),
            );
            continue;
        }
        if items.len() > 8 {
            seen.insert(c, i);
        }
        f.addresses.push(c);
    }
}

fn mac(cx: &mut Cx<'_>, n: &Node<'_>, path: &Path<'_>) -> Option<MacAddr> {
    let Some(s) = n.text() else {
        cx.err(
            n.pos,
            path,
            format!(
                "expected a MAC address such as 02:42:ac:11:00:02, found {}",
                n.describe()
            ),
            None,
        );
        return None;
    };
    match s.parse::<MacAddr>() {
        Ok(m) if m == MacAddr::ZERO => {
            cx.err(
                n.pos,
                path,
                "00:00:00:00:00:00 cannot be the MAC of an interface".into(),
                Some("remove `mac` to get a stable default, or write a unicast MAC such as 02:42:ac:11:00:02".into()),
            );
            None
        }
        Ok(m) if m.is_multicast() => {
            cx.err(
                n.pos,
                path,
                format!("`{s}` is a multicast MAC (the lowest bit of its first byte is set); an interface needs a unicast one"),
                Some("make the first byte even, e.g. 02:42:ac:11:00:02".into()),
            );
            None
        }
        Ok(m) => Some(m),
        Err(e) => {
            cx.err(
                n.pos,
                path,
                format!("`{s}` is not a MAC address"),
                Some(e.to_string()),
            );
            None
        }
    }
}

fn vxlan<'n>(
    cx: &mut Cx<'_>,
    k: &super::Fields<'n>,
    name: &str,
    pos: Pos,
    path: &Path<'_>,
) -> VxlanDraft<'n> {
    let vni = match k.get("vni") {
        Some(n) => cx
            .number(n, &path.key("vni"), "the VNI", 1, Vni::MAX)
            .and_then(Vni::try_new)
            .map(|v| (v, n.pos)),
        None => {
            cx.err(
                pos,
                path,
                format!("vxlan `{name}` has no `vni`"),
                Some("add `vni:`, its network identifier, from 1 to 16777215".into()),
            );
            None
        }
    };
    let local = match k.get("local") {
        Some(n) => cx.ipv4(n, &path.key("local")).map(|a| (a, n.pos)),
        None => {
            cx.err(
                pos,
                path,
                format!("vxlan `{name}` has no `local`"),
                Some("add `local:`, the outer source address of its packets, e.g. an address of its `dev`".into()),
            );
            None
        }
    };
    let mut remotes: Vec<(Ipv4Addr, Pos)> = Vec::new();
    if let Some(n) = k.get("remotes") {
        let rp = path.key("remotes");
        if let Some(items) = cx.list(
            n,
            &rp,
            "a list of IPv4 addresses",
            "remotes: [192.168.1.12]",
        ) {
            for (i, it) in items.iter().enumerate() {
                if let Some(a) = cx.ipv4(it, &rp.index(i)) {
                    remotes.push((a, it.pos));
                }
            }
        }
    }
    let dev = k.get("dev").and_then(|n| {
        cx.text(n, &path.key("dev"), "the name of an interface of this node")
            .map(|s| (s, n.pos))
    });
    let port = match k.get("port") {
        Some(n) => cx
            .number(n, &path.key("port"), "the UDP port", 1, 65535)
            .map_or(4789, |p| p as u16),
        None => 4789,
    };
    VxlanDraft {
        vni,
        local,
        remotes,
        dev,
        port,
    }
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
