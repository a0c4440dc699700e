//! The interfaces of a node under `nodes:`: their type, addresses, MAC,
//! MTU, master and VXLAN settings, read into drafts.

use core::net::Ipv4Addr;

use rustc_hash::FxHashMap;

use super::yaml::{Node, Pos};
use super::{Cx, IfaceDraft, MasterRef, Path, VxlanDraft};
use crate::model::{IfaceKind, Vni};
use crate::wire::{Ipv4Net, MacAddr};

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

pub(super) fn iface<'n>(
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
