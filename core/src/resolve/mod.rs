//! Topology file → validated [`Topology`].
//!
//! The text is read into a positioned tree (`yaml`), then walked by hand
//! against the contract (`shared/spec/topology.md`): every problem becomes
//! a [`Diagnostic`] with file, line, column and key path, and the walk goes
//! on, so that every problem of a file is reported at once, in file order.
//! Only a file without any yields a [`Topology`], and that topology keeps
//! every invariant listed in [`crate::model`].
//!
//! The walk reads drafts first (nodes, `nodes`, and their interfaces,
//! `ifaces`; links and the interfaces they create, `links`), then gives
//! ids and settles what refers to what (masters; routes and NAT, `routes`;
//! probes, `probes`).
//! Names are looked up in hash maps and key paths are only written out for
//! errors, so resolution is linear in the size of the file: 10,000
//! containers on 100 hosts (2.5 MB) resolve in about 160 ms, three quarters
//! of it in the YAML parser.
//!
//! Promises: nothing panics, whatever the text; the same text gives the same
//! result.

mod drafts;
mod ifaces;
mod links;
mod names;
mod nat;
mod nodes;
mod probes;
mod report;
mod routes;
mod vxlan;
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

pub(crate) use drafts::*;
pub(crate) use report::*;

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
    bridge_mtus(&d, &ids, &mut ifaces);

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
            Some(r) => nat::nat(cx, &d, ni, &ids, r, &path.key("nat")),
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
            local: Vec::new(),
        });
    }

    let probes = match f.get("probes") {
        Some(n) => probes::read(cx, &d, n, &root_path.key("probes")),
        None => Vec::new(),
    };

    kernel_ifindexes(&mut ifaces, &veths, &wires);
    for n in &mut out_nodes {
        n.local = n
            .ifaces
            .iter()
            .filter_map(|&i| ifaces.get(i.index()))
            .flat_map(|i| {
                i.addresses.iter().map(|a| crate::model::LocalAddr {
                    addr: a.addr(),
                    iface: i.id,
                    broadcast: (a.prefix() < 31).then(|| a.broadcast()),
                })
            })
            .collect();
    }
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

/// Numbers each namespace's interfaces as the kernel does when the topology
/// is built (`netsim apply`, the kernel cross-check): in the order they are
/// created, from 1 (`lo`, made with the namespace) up. Bridges come first,
/// then veth pairs in link order, then NICs in wire order, then vxlans. A
/// veth pair with both ends in one namespace registers its peer (the
/// second end) before the first (`veth_newlink`), so the peer has the
/// lower index, as `ip addr` shows.
fn kernel_ifindexes(ifaces: &mut [Iface], veths: &[VethPair], wires: &[Wire]) {
    let bridges = ifaces
        .iter()
        .filter(|i| i.kind() == IfaceKind::Bridge)
        .map(|i| i.id);
    let pairs = veths.iter().flat_map(|v| [v.ends[1], v.ends[0]]);
    let nics = wires.iter().flat_map(|w| w.ends.iter().copied());
    let vxlans = ifaces
        .iter()
        .filter(|i| i.kind() == IfaceKind::Vxlan)
        .map(|i| i.id);
    let order: Vec<IfaceId> = bridges.chain(pairs).chain(nics).chain(vxlans).collect();
    let mut next: FxHashMap<NodeId, u32> = FxHashMap::default();
    for id in order {
        let Some(node) = ifaces.get(id.index()).map(|i| i.node) else {
            continue;
        };
        let k = next.entry(node).or_insert(1);
        *k += 1;
        if let Some(i) = ifaces.get_mut(id.index()) {
            i.ifindex = *k;
        }
    }
}

/// A bridge whose MTU the file does not give takes the smallest of its
/// ports' (`br_mtu_auto_adjust`; measured: a bridge with a vxlan port, MTU
/// 1450, has MTU 1450 too).
fn bridge_mtus(d: &Drafts<'_>, ids: &Ids, ifaces: &mut [Iface]) {
    for (ni, n) in d.nodes.iter().enumerate() {
        for (fi, f) in n.ifaces.iter().enumerate() {
            if f.kind() != IfaceKind::Bridge || f.mtu.is_some() {
                continue;
            }
            let id = ids.of(ni, Local::If(fi));
            let min = ifaces
                .iter()
                .filter(|i| i.master == Some(id))
                .map(|i| i.mtu)
                .min();
            if let (Some(min), Some(b)) = (min, ifaces.get_mut(id.index())) {
                b.mtu = min;
            }
        }
    }
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
            if !n.bad_addresses {
                vxlan::check(cx, d, ni, fi, v);
            }
            if let (Some((vni, _)), Some((local, _))) = (v.vni, v.local) {
                out.insert(
                    ids.of(ni, Local::If(fi)),
                    Vxlan {
                        vni,
                        local,
                        // A remote appended twice is one destination
                        // (`bridge fdb append` of an existing one does
                        // nothing, measured).
                        remotes: v.remotes.iter().fold(Vec::new(), |mut out, r| {
                            if !out.contains(&r.0) {
                                out.push(r.0);
                            }
                            out
                        }),
                        dev,
                        port: v.port,
                    },
                );
            }
        }
    }
    out
}
