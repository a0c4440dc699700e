//! `probes:` — what to send, and what must come of it. A destination
//! written as a node or `NODE:IF` is resolved to an address here.

use core::net::Ipv4Addr;

use super::yaml::{Node, Value};
use super::{Cx, Drafts, Path};
use crate::model::{Expect, NodeId, Probe, ProbeProto, ProbeResult};

const PROBE_KEYS: &[&str] = &["from", "to", "proto", "port", "ttl", "expect"];
const PROTOS: &[&str] = &["icmp", "tcp", "udp"];
const PROTO_VALUES: [ProbeProto; 3] = [ProbeProto::Icmp, ProbeProto::Tcp, ProbeProto::Udp];
const EXPECT_KEYS: &[&str] = &["result", "seen_from", "ttl"];

pub(super) fn read(cx: &mut Cx<'_>, d: &Drafts<'_>, n: &Node<'_>, path: &Path<'_>) -> Vec<Probe> {
    let mut out = Vec::new();
    let Some(items) = cx.list(
        n,
        path,
        "a list of probes",
        "probes: [{ from: bus2, to: bus1, proto: icmp, expect: reply }]",
    ) else {
        return out;
    };
    if items.is_empty() {
        return out;
    }
    // A node's first address, in the order of its interfaces.
    let first: Vec<Option<Ipv4Addr>> = d
        .nodes
        .iter()
        .map(|n| {
            n.ifaces
                .iter()
                .find_map(|f| f.addresses.first())
                .map(|a| a.addr())
        })
        .collect();
    out.reserve(items.len());
    for (i, it) in items.iter().enumerate() {
        let pp = path.index(i);
        let Some(entries) = cx.map(
            it,
            &pp,
            "a probe: a map such as `{ from: bus2, to: bus1, proto: icmp }`",
        ) else {
            continue;
        };
        let f = cx.fields(entries, &pp, "a probe", PROBE_KEYS);
        let from = match f.get("from") {
            None => {
                cx.err(
                    it.pos,
                    pp,
                    "this probe has no `from`".into(),
                    Some("add `from:`, the node it starts in".into()),
                );
                None
            }
            Some(v) => {
                let p = pp.key("from");
                cx.text(v, &p, "a node name")
                    .and_then(|s| match d.node_index.get(s) {
                        Some(&x) => Some(NodeId(x as u32)),
                        None => {
                            let help = match cx.suggest(s, d.nodes.iter().map(|n| n.name)) {
                                Some(c) => format!("did you mean `{c}`?"),
                                None => "name a node declared under `nodes`".into(),
                            };
                            cx.err(
                                v.pos,
                                p,
                                format!("`{s}` is not a node of this file"),
                                Some(help),
                            );
                            None
                        }
                    })
            }
        };
        let to = match f.get("to") {
            None => {
                cx.err(
                    it.pos,
                    pp,
                    "this probe has no `to`".into(),
                    Some("add `to:`, an IPv4 address, a node name or NODE:IF".into()),
                );
                None
            }
            Some(v) => target(cx, d, &first, v, &pp.key("to")),
        };
        let proto = match f.get("proto") {
            None => {
                cx.err(
                    it.pos,
                    pp,
                    "this probe has no `proto`".into(),
                    Some("add `proto: icmp`, `tcp` or `udp`".into()),
                );
                None
            }
            Some(v) => cx
                .choice(v, &pp.key("proto"), "protocol", PROTOS)
                .and_then(|i| PROTO_VALUES.get(i).copied()),
        };
        let port = f.entry("port").map(|(kpos, v)| {
            (
                kpos,
                cx.number(v, &pp.key("port"), "the port", 1, 65535)
                    .map(|p| p as u16),
            )
        });
        match (proto, port) {
            (Some(ProbeProto::Icmp), Some((kpos, _))) => cx.err(
                kpos,
                pp.key("port"),
                "an icmp probe has no port".into(),
                Some("remove `port`, or make it a tcp or udp probe".into()),
            ),
            // `to: 10.0.0.2:80` has already said where the port goes.
            (Some(ProbeProto::Tcp | ProbeProto::Udp), None) if port_in_to(f.get("to")) => {}
            (Some(p @ (ProbeProto::Tcp | ProbeProto::Udp)), None) => cx.err(
                it.pos,
                pp,
                format!("a {} probe needs `port`", p.as_str()),
                Some("add `port:`, the destination port, e.g. 80".into()),
            ),
            _ => {}
        }
        let ttl = match f.get("ttl") {
            Some(v) => cx
                .number(v, &pp.key("ttl"), "the TTL", 1, 255)
                .map(|t| t as u8),
            None => Some(64),
        };
        let expect = match f.get("expect") {
            None => Some(None),
            Some(v) => expect(cx, v, &pp.key("expect")).map(Some),
        };
        let port = match (proto, port) {
            (Some(ProbeProto::Icmp), _) | (_, None) => Some(None),
            (_, Some((_, p))) => p.map(Some),
        };
        let to = match (from, &to, f.get("to")) {
            (Some(from), Some((_, a)), Some(v))
                if broadcast_of_sender(cx, d, from, *a, v, &pp.key("to")) =>
            {
                None
            }
            _ => to,
        };
        if let (Some(from), Some((to_text, to)), Some(proto), Some(port), Some(ttl), Some(expect)) =
            (from, to, proto, port, ttl, expect)
        {
            out.push(Probe {
                from,
                to_text,
                to,
                proto,
                port,
                ttl,
                expect,
            });
        }
    }
    out
}

/// Whether `to` is written `ADDRESS:PORT`.
fn port_in_to(to: Option<&Node<'_>>) -> bool {
    to.and_then(Node::text)
        .and_then(|s| s.split_once(':'))
        .is_some_and(|(a, _)| a.parse::<Ipv4Addr>().is_ok())
}

/// An IPv4 address; a node (its first address); or `NODE:IF` (that
/// interface's first address).
fn target(
    cx: &mut Cx<'_>,
    d: &Drafts<'_>,
    first: &[Option<Ipv4Addr>],
    v: &Node<'_>,
    path: &Path<'_>,
) -> Option<(String, Ipv4Addr)> {
    let s = cx.text(v, path, "an IPv4 address, a node name or NODE:IF")?;
    if let Ok(a) = s.parse::<Ipv4Addr>() {
        return Some((s.to_string(), a));
    }
    let (node, iface) = match s.split_once(':') {
        Some((n, i)) => (n, Some(i)),
        None => (s, None),
    };
    if let (Ok(a), Some(port)) = (node.parse::<Ipv4Addr>(), iface) {
        let help = match super::nodes::port_number(port) {
            Ok(p) => format!("write `to: {a}` and `port: {p}` (with `proto: tcp` or `udp`)"),
            Err(_) => format!("write `to: {a}`, and the port under `port:`"),
        };
        cx.err(
            v.pos,
            path,
            format!("`{s}` is not a destination: a probe's port is given by `port`, not in `to`"),
            Some(help),
        );
        return None;
    }
    let Some(&ni) = d.node_index.get(node) else {
        if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            cx.err(
                v.pos,
                path,
                format!("`{s}` is not an IPv4 address"),
                Some("write four numbers from 0 to 255 separated by dots, e.g. 172.17.0.2".into()),
            );
        } else {
            let help = match cx.suggest(node, d.nodes.iter().map(|n| n.name)) {
                Some(c) => format!("did you mean `{c}`?"),
                None => "write an IPv4 address, a node name or NODE:IF".into(),
            };
            let what = if iface.is_some() {
                format!("`{node}` is not a node of this file")
            } else {
                format!("`{s}` is neither an IPv4 address nor a node of this file")
            };
            cx.err(v.pos, path, what, Some(help));
        }
        return None;
    };
    let quiet = d.nodes.get(ni).is_some_and(|n| n.bad_addresses);
    let addr = match iface {
        None => {
            let a = first.get(ni).copied().flatten();
            if a.is_none() && !quiet {
                cx.err(
                    v.pos,
                    path,
                    format!("node `{node}` has no address to send to"),
                    Some("give one of its interfaces an address, or write an IPv4 address".into()),
                );
            }
            a
        }
        Some(ifn) => match d.local(ni, ifn) {
            None => {
                let names = d
                    .nodes
                    .get(ni)
                    .map(|n| n.ifaces.iter().map(|f| f.name).collect::<Vec<_>>())
                    .unwrap_or_default();
                let help = cx
                    .suggest(ifn, names)
                    .map(|c| format!("did you mean `{node}:{c}`?"));
                cx.err(
                    v.pos,
                    path,
                    format!("node `{node}` has no interface `{ifn}`"),
                    help,
                );
                None
            }
            Some(l) => {
                let a = d.local_addresses(ni, l).first().map(|a| a.addr());
                if a.is_none() && !quiet {
                    cx.err(
                        v.pos,
                        path,
                        format!("`{s}` has no address to send to"),
                        Some(format!("give `{ifn}` an address, or write an IPv4 address")),
                    );
                }
                a
            }
        },
    };
    addr.map(|a| (s.to_string(), a))
}

/// Whether `to` is a broadcast address the sender knows as one: the
/// broadcast address of a subnet it has an address in, or 255.255.255.255.
/// Reported: `ping` refuses such an address without `-b`, a TCP socket
/// refuses to connect to it (ENETUNREACH) and a UDP one to send to it
/// without SO_BROADCAST (EACCES). A remote subnet's broadcast address is
/// not one to the sender: it goes out like any other.
fn broadcast_of_sender(
    cx: &mut Cx<'_>,
    d: &Drafts<'_>,
    from: NodeId,
    to: Ipv4Addr,
    v: &Node<'_>,
    path: &Path<'_>,
) -> bool {
    let Some(n) = d.nodes.get(from.0 as usize) else {
        return false;
    };
    let why = if to.is_broadcast() {
        "is the limited broadcast address".to_string()
    } else {
        let Some((f, a)) = n.ifaces.iter().find_map(|f| {
            f.addresses
                .iter()
                .find(|a| a.prefix() <= 30 && a.broadcast() == to)
                .map(|a| (f, a))
        }) else {
            return false;
        };
        format!(
            "is the broadcast address of {}, the subnet of `{}`'s address {a} on {}",
            a.trunc(),
            n.name,
            f.name
        )
    };
    let shown = v.text().unwrap_or_default();
    let text = if shown == to.to_string() {
        format!("{to}")
    } else {
        format!("`{shown}` ({to})")
    };
    cx.err(
        v.pos,
        path,
        format!("{text} {why}: a probe goes to one host"),
        Some("`ping` refuses a broadcast address without `-b`, and TCP and UDP sockets refuse it too; probe the address of one host".into()),
    );
    true
}

fn result(cx: &mut Cx<'_>, v: &Node<'_>, path: &Path<'_>) -> Option<ProbeResult> {
    let words: Vec<&str> = ProbeResult::ALL.iter().map(|r| r.as_str()).collect();
    cx.choice(v, path, "result", &words)
        .and_then(|i| ProbeResult::ALL.get(i).copied())
}

fn expect(cx: &mut Cx<'_>, v: &Node<'_>, path: &Path<'_>) -> Option<Expect> {
    match &v.value {
        Value::Map(entries) if entries.is_empty() => {
            // An empty map would pass whatever happens and print an empty
            // "expected:": refused, as a probe without `expect` says the
            // same thing plainly.
            cx.err(
                v.pos,
                path,
                "`expect` is an empty map: it expects nothing".into(),
                Some("write what must come of the probe, e.g. `expect: reply` or `expect: { result: reply, ttl: 63 }`; or remove `expect` to run the probe without an expectation".into()),
            );
            None
        }
        Value::Map(entries) => {
            let f = cx.fields(entries, path, "`expect`", EXPECT_KEYS);
            let mut e = Expect::default();
            let mut ok = true;
            if let Some(r) = f.get("result") {
                e.result = result(cx, r, &path.key("result"));
                ok &= e.result.is_some();
            }
            if let Some(s) = f.get("seen_from") {
                e.seen_from = cx.ipv4(s, &path.key("seen_from"));
                ok &= e.seen_from.is_some();
            }
            if let Some(t) = f.get("ttl") {
                e.ttl = cx
                    .number(t, &path.key("ttl"), "the TTL on arrival", 1, 255)
                    .map(|t| t as u8);
                ok &= e.ttl.is_some();
            }
            ok.then_some(e)
        }
        _ if v.text().is_some() => result(cx, v, path).map(|r| Expect {
            result: Some(r),
            ..Expect::default()
        }),
        _ => {
            cx.err(
                v.pos,
                path,
                format!(
                    "expected a result such as `reply`, or a map with `result`, `seen_from` and `ttl`, found {}",
                    v.describe()
                ),
                Some("e.g. `expect: reply` or `expect: { result: reply, ttl: 63 }`".into()),
            );
            None
        }
    }
}
