//! The resolver on the spec's own example and the defaults it implies, on
//! every built-in example and a 10,000-container file, on mistakes, and on
//! arbitrary text.
//!
//! This module holds what the tests share: the spec's example, a /32
//! set-up, and the checks of the model's invariants. Files the resolver
//! accepts are tested in `accepted`, files it refuses in `refused`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accepted;
mod refused;

use super::*;
use crate::model::Device;

/// The whole example of `shared/spec/topology.md`, as written there.
const SPEC: &str = r#"name: docker0
description: Two busybox containers on the default bridge, one published port.
nodes:
  host:
    kind: host
    forwarding: true
    bridge_nf: true
    interfaces:
      eth0: { addresses: [192.168.1.10/24] }
      docker0: { type: bridge, addresses: [172.17.0.1/16] }
    routes:
      - { to: default, via: 192.168.1.1 }
    nat:
      - { action: masquerade, source: 172.17.0.0/16, out: eth0 }
      - { action: dnat, proto: tcp, port: 8080, to: "172.17.0.2:80" }
  bus1:
    kind: container
    on: host
    interfaces:
      eth0: { addresses: [172.17.0.2/16] }
    routes:
      - { to: default, via: 172.17.0.1 }
    listen: [tcp/80]
  bus2:
    kind: container
    on: host
    interfaces:
      eth0: { addresses: [172.17.0.3/16] }
    routes:
      - { to: default, via: 172.17.0.1 }
  gw:
    kind: router
    forwarding: true
    interfaces:
      eth0: { addresses: [192.168.1.1/24] }
      eth1: { addresses: [203.0.113.1/24] }
  server:
    kind: external
    interfaces:
      eth0: { addresses: [203.0.113.7/24] }
    routes:
      - { to: default, via: 203.0.113.1 }
    listen: [tcp/80, udp/53]
links:
  - veth: [bus1:eth0, host:veth2d6f8e9]
    master: docker0
  - veth: [bus2:eth0, host:vethb1c3a07]
    master: docker0
  - wire: [host:eth0, gw:eth0]
    name: lan
  - wire: [gw:eth1, server:eth0]
    name: internet
probes:
  - { from: bus2, to: bus1, proto: icmp, expect: { result: reply, ttl: 64 } }
  - { from: bus1, to: 203.0.113.7, proto: tcp, port: 80,
      expect: { result: reply, seen_from: 192.168.1.10, ttl: 62 } }
  - { from: server, to: 192.168.1.10, proto: tcp, port: 8080, expect: reply }
  - { from: bus1, to: 203.0.113.7, proto: udp, port: 9, expect: refused }
  - { from: bus2, to: 192.168.1.10, proto: tcp, port: 8080,
      expect: { result: reply, seen_from: 172.17.0.3, ttl: 64 } }
"#;

fn load(text: &str) -> Topology {
    match resolve("t.yaml", text) {
        Ok(t) => {
            check_invariants(&t);
            t
        }
        Err(d) => panic!("{d}"),
    }
}

fn errors(text: &str) -> String {
    match resolve("bad.yaml", text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(d) => d.to_string(),
    }
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn net(s: &str) -> Ipv4Net {
    s.parse().unwrap()
}

fn iface<'t>(t: &'t Topology, node: &str, name: &str) -> &'t Iface {
    let n = t.node_by_name(node).unwrap();
    t.iface(t.iface_by_name(n, name).unwrap())
}

/// Every promise of `model.rs`'s doc comment.
fn check_invariants(t: &Topology) {
    for (i, n) in t.nodes.iter().enumerate() {
        assert_eq!(n.id.index(), i);
        let lo = t.iface(n.ifaces[0]);
        assert_eq!(
            (lo.name.as_str(), lo.kind(), lo.mtu),
            ("lo", IfaceKind::Loopback, 65536)
        );
        assert_eq!(lo.addresses, vec![net("127.0.0.1/8")]);
        for &f in &n.ifaces {
            let x = t.iface(f);
            assert_eq!(x.node, n.id);
            if let Some(m) = x.master {
                assert_eq!(t.iface(m).node, n.id);
                assert_eq!(t.iface(m).kind(), IfaceKind::Bridge);
                assert_ne!(m, f);
            }
        }
        if let Some(h) = n.on {
            assert_eq!(t.node(h).kind, NodeKind::Host);
        }
        for r in &n.routes {
            assert_eq!(t.iface(r.dev).node, n.id);
            if let Some(gw) = r.via {
                // On link: a connected subnet of its interface, or a route
                // with `dev` and no `via` through it.
                assert!(
                    t.iface(r.dev).addresses.iter().any(|a| a.contains(gw))
                        || n.routes
                            .iter()
                            .any(|x| x.via.is_none() && x.dev == r.dev && x.to.contains(gw)),
                    "{gw} is not on link"
                );
            }
        }
    }
    let mut ends = 0;
    for (i, x) in t.ifaces.iter().enumerate() {
        assert_eq!(x.id.index(), i);
        // Each namespace numbers its interfaces 1..=n, lo first.
        let n = t.node(x.node).ifaces.len() as u32;
        assert!((1..=n).contains(&x.ifindex));
        assert_eq!(x.ifindex == 1, x.kind() == IfaceKind::Loopback);
        assert_eq!(
            t.node(x.node)
                .ifaces
                .iter()
                .filter(|&&i| t.iface(i).ifindex == x.ifindex)
                .count(),
            1
        );
        match x.device {
            Device::Veth { peer, pair } => {
                assert_eq!(t.iface(peer).veth_peer(), Some(x.id));
                assert!(t.veths[pair as usize].ends.contains(&x.id));
                ends += 1;
            }
            Device::Nic { wire } => {
                assert!(t.wire(wire).ends.contains(&x.id));
                ends += 1;
            }
            _ => assert_eq!(x.veth_peer(), None),
        }
        assert_eq!(x.vxlan().is_some(), x.kind() == IfaceKind::Vxlan);
    }
    let wired: usize = t.wires.iter().map(|w| w.ends.len()).sum();
    assert_eq!(ends, wired + 2 * t.veths.len());
    for (i, w) in t.wires.iter().enumerate() {
        assert_eq!(w.id.index(), i);
        assert!(w.ends.len() >= 2);
    }
}

/// The /32 set-up of many cloud hosts: the address has no subnet, and the
/// gateway is reached through a route with `dev` only.
const SLASH32: &str = "name: t
nodes:
  a:
    kind: host
    interfaces:
      eth0: { addresses: [192.168.9.5/32] }
    routes:
      - { to: default, via: 192.168.9.1 }
      - { to: 192.168.9.1/32, dev: eth0 }
  gw:
    kind: router
    forwarding: true
    interfaces:
      eth0: { addresses: [192.168.9.1/24] }
      eth1: { addresses: [10.9.0.1/24] }
  b:
    kind: host
    interfaces:
      eth0: { addresses: [10.9.0.2/24] }
    routes:
      - { to: default, via: 10.9.0.1 }
links:
  - veth: [a:eth0, gw:eth0]
  - veth: [gw:eth1, b:eth0]
";
