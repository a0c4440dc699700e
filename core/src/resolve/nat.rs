//! The `nat` rules of a node: each checked against the contract (actions,
//! their keys, interfaces, addresses, ports), and against the others (a
//! dnat rule an earlier one always takes can never match).

use core::net::Ipv4Addr;

use super::nodes::{port_number, PortError};
use super::yaml::Node;
use super::{Cx, Drafts, Ids, Path};
use crate::model::{L4Proto, NatRule};
use crate::wire::Ipv4Net;

const NAT_KEYS: &[&str] = &[
    "action", "source", "out", "to", "proto", "port", "in", "dest",
];
const ACTIONS: &[&str] = &["masquerade", "snat", "dnat"];

/// The keys of each action, in the order of the spec's table.
fn action_keys(action: &str) -> &'static [&'static str] {
    match action {
        "masquerade" => &["action", "source", "out"],
        "snat" => &["action", "to", "source", "out"],
        "dnat" => &["action", "proto", "port", "to", "in", "dest"],
        _ => NAT_KEYS,
    }
}

pub(super) fn nat(
    cx: &mut Cx<'_>,
    d: &Drafts<'_>,
    ni: usize,
    ids: &Ids,
    n: &Node<'_>,
    path: &Path<'_>,
) -> Vec<NatRule> {
    let mut out = Vec::new();
    // The line of each rule kept, for messages about later ones.
    let mut lines: Vec<(usize, u32)> = Vec::new();
    let Some(node) = d.nodes.get(ni) else {
        return out;
    };
    let Some(items) = cx.list(
        n,
        path,
        "a list of NAT rules",
        "nat: [{ action: masquerade, out: eth0 }]",
    ) else {
        return out;
    };
    for (i, it) in items.iter().enumerate() {
        let rp = path.index(i);
        let Some(entries) = cx.map(
            it,
            &rp,
            "a NAT rule: a map such as `{ action: masquerade, out: eth0 }`",
        ) else {
            continue;
        };
        let f = cx.fields(entries, &rp, "a NAT rule", NAT_KEYS);
        let Some(a) = f.get("action") else {
            cx.err(
                it.pos,
                rp,
                "this NAT rule has no `action`".into(),
                Some("add `action: masquerade`, `snat` or `dnat`".into()),
            );
            continue;
        };
        let Some(ai) = cx.choice(a, &rp.key("action"), "NAT action", ACTIONS) else {
            continue;
        };
        let action = ACTIONS.get(ai).copied().unwrap_or("masquerade");
        let allowed = action_keys(action);
        let mut ok = true;
        for key in NAT_KEYS.iter().filter(|k| !allowed.contains(k)) {
            if let Some((kpos, _)) = f.entry(key) {
                let owners: Vec<&str> = ACTIONS
                    .iter()
                    .copied()
                    .filter(|x| action_keys(x).contains(key))
                    .collect();
                let list = super::names::all_of(allowed);
                cx.err(
                    kpos,
                    rp.key(key),
                    format!("a {action} rule has no `{key}`"),
                    Some(format!(
                        "the keys of a {action} rule are {}; `{key}` belongs to {} rules",
                        list,
                        owners.join(" and ")
                    )),
                );
                ok = false;
            }
        }
        let need = |cx: &mut Cx<'_>, key: &str, help: &str| -> Option<&Node<'_>> {
            let v = f.get(key);
            if v.is_none() {
                cx.err(
                    it.pos,
                    rp,
                    format!("this {action} rule has no `{key}`"),
                    Some(help.into()),
                );
            }
            v
        };
        let iface = |cx: &mut Cx<'_>, key: &str| -> Result<Option<crate::model::IfaceId>, ()> {
            let Some(v) = f.get(key) else { return Ok(None) };
            let p = rp.key(key);
            let s = cx
                .text(v, &p, "the name of an interface of this node")
                .ok_or(())?;
            match d.local(ni, s) {
                Some(l) => Ok(Some(ids.of(ni, l))),
                None => {
                    let help = cx
                        .suggest(s, node.ifaces.iter().map(|f| f.name))
                        .map(|c| format!("did you mean `{c}`?"));
                    cx.err(
                        v.pos,
                        p,
                        format!("node `{}` has no interface `{s}`", node.name),
                        help,
                    );
                    Err(())
                }
            }
        };
        let source = |cx: &mut Cx<'_>| -> Result<Option<Ipv4Net>, ()> {
            match f.get("source") {
                None => Ok(None),
                Some(v) => cx
                    .cidr(v, &rp.key("source"))
                    .map(|c| Some(c.trunc()))
                    .ok_or(()),
            }
        };
        let rule = match action {
            "masquerade" => {
                let (source, out) = (source(cx), iface(cx, "out"));
                match (source, out) {
                    (Ok(source), Ok(out)) => Some(NatRule::Masquerade { source, out }),
                    _ => None,
                }
            }
            "snat" => {
                let to = need(
                    cx,
                    "to",
                    "add `to:`, the new source address, e.g. 192.168.1.10",
                )
                .and_then(|v| match v.text().and_then(|t| t.split_once(':')) {
                    // A port would need a protocol to match: nftables
                    // refuses `snat to ADDRESS:PORT` without one.
                    Some((addr, _)) if addr.parse::<Ipv4Addr>().is_ok() => {
                        cx.err(
                            v.pos,
                            rp.key("to"),
                            format!("an snat rule changes only the source address, so `{}` cannot have a port", v.text().unwrap_or_default()),
                            Some(format!("write `to: {addr}`; the source port is kept (or changed by the kernel only if two connections would clash)")),
                        );
                        None
                    }
                    _ => cx.ipv4(v, &rp.key("to")),
                });
                let (source, out) = (source(cx), iface(cx, "out"));
                match (to, source, out) {
                    (Some(to), Ok(source), Ok(out)) => Some(NatRule::Snat { to, source, out }),
                    _ => None,
                }
            }
            _ => {
                let proto = need(cx, "proto", "add `proto: tcp` or `proto: udp`").and_then(|v| {
                    cx.choice(v, &rp.key("proto"), "protocol", &["tcp", "udp"])
                        .map(|i| if i == 0 { L4Proto::Tcp } else { L4Proto::Udp })
                });
                let port = need(
                    cx,
                    "port",
                    "add `port:`, the destination port it matches, e.g. 8080",
                )
                .and_then(|v| cx.number(v, &rp.key("port"), "the port", 1, 65535))
                .map(|p| p as u16);
                let to = need(
                    cx,
                    "to",
                    "add `to:`, the new destination: an address, or \"ADDRESS:PORT\"",
                )
                .and_then(|v| dnat_to(cx, v, &rp.key("to")));
                let input = iface(cx, "in");
                let dest = match f.get("dest") {
                    None => Ok(None),
                    Some(v) => match cx.ipv4(v, &rp.key("dest")) {
                        None => Err(()),
                        Some(a) => {
                            let own: Vec<String> = node
                                .ifaces
                                .iter()
                                .flat_map(|f| f.addresses.iter().map(|n| n.addr().to_string()))
                                .collect();
                            if own.iter().any(|o| *o == a.to_string()) {
                                Ok(Some(a))
                            } else if node.bad_addresses {
                                Err(())
                            } else {
                                let help = if own.is_empty() {
                                    "give the node an address first, or leave `dest` out"
                                        .to_string()
                                } else {
                                    format!(
                                        "a published port is reached at one of the node's own addresses ({}); leave `dest` out to match them all",
                                        own.join(", ")
                                    )
                                };
                                cx.err(
                                    v.pos,
                                    rp.key("dest"),
                                    format!("`{a}` is not an address of node `{}`, so this rule never matches", node.name),
                                    Some(help),
                                );
                                Err(())
                            }
                        }
                    },
                };
                match (proto, port, to, input, dest) {
                    (Some(proto), Some(port), Some((to, to_port)), Ok(input), Ok(dest)) => {
                        Some(NatRule::Dnat {
                            proto,
                            port,
                            to,
                            to_port,
                            input,
                            dest,
                        })
                    }
                    _ => None,
                }
            }
        };
        if let (true, Some(r)) = (ok, rule) {
            // A dnat rule that an earlier one always matches first can
            // never match (first match wins).
            if let NatRule::Dnat {
                proto,
                port,
                input,
                dest,
                ..
            } = &r
            {
                let shadow = out
                    .iter()
                    .enumerate()
                    .find_map(|(k, e): (usize, &NatRule)| match e {
                        NatRule::Dnat {
                            proto: p2,
                            port: o2,
                            input: i2,
                            dest: d2,
                            ..
                        } if p2 == proto
                            && o2 == port
                            && (i2.is_none() || i2 == input)
                            && (d2.is_none() || d2 == dest) =>
                        {
                            Some(k)
                        }
                        _ => None,
                    });
                if let Some(k) = shadow {
                    let (k, line) = lines.get(k).copied().unwrap_or((k, 0));
                    cx.err(
                        it.pos,
                        rp,
                        format!(
                            "this dnat rule never matches: rule {} (line {line}) already takes every {} packet to port {port} that it would",
                            k + 1,
                            proto.as_str()
                        ),
                        Some("remove it, or make the earlier rule narrower with `in:` or `dest:`, or this one match another port".into()),
                    );
                    continue;
                }
            }
            out.push(r);
            lines.push((i, cx.line(it.pos)));
        }
    }
    out
}

/// A dnat target: `IP` or `IP:PORT`.
fn dnat_to(cx: &mut Cx<'_>, v: &Node<'_>, path: &Path<'_>) -> Option<(Ipv4Addr, Option<u16>)> {
    let s = cx.text(v, path, "an address, or \"ADDRESS:PORT\"")?;
    let (ip, port) = match s.split_once(':') {
        Some((ip, p)) => (ip, Some(p)),
        None => (s, None),
    };
    let Ok(ip) = ip.parse::<Ipv4Addr>() else {
        cx.err(
            v.pos,
            path,
            format!("`{s}` is not an address or ADDRESS:PORT"),
            Some("write e.g. 172.17.0.2, or \"172.17.0.2:80\" to change the port too".into()),
        );
        return None;
    };
    match port {
        None => Some((ip, None)),
        Some(p) => match port_number(p) {
            Ok(p) => Some((ip, Some(p))),
            Err(PortError::Invalid) => {
                cx.err(
                    v.pos,
                    path,
                    format!("the port of `{s}` must be a number from 1 to 65535"),
                    None,
                );
                None
            }
            Err(e) => {
                let (message, help) = e.describe(s, p);
                cx.err(v.pos, path, message, help);
                None
            }
        },
    }
}
