//! The resolver on the spec's own example and the defaults it implies, on
//! every built-in example and a 10,000-container file, on mistakes, and on
//! arbitrary text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::model::Device;
use crate::model::{Expect, L4Proto, NatRule, ProbeProto, ProbeResult};

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
        let pos = t.node(x.node).ifaces.iter().position(|&i| i == x.id);
        assert_eq!(pos.map(|p| p as u32 + 1), Some(x.ifindex));
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

#[test]
fn spec_example_resolves_with_its_defaults() {
    let t = load(SPEC);
    assert_eq!(t.name, "docker0");
    assert!(t.description.starts_with("Two busybox"));
    let names: Vec<&str> = t.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["host", "bus1", "bus2", "gw", "server"]);
    let host = t.node_by_name("host").unwrap();
    let order: Vec<&str> = t
        .node(host)
        .ifaces
        .iter()
        .map(|&i| t.iface(i).name.as_str())
        .collect();
    assert_eq!(
        order,
        ["lo", "eth0", "docker0", "veth2d6f8e9", "vethb1c3a07"]
    );

    // Defaults: Docker's MAC rule, a derived MAC without an address, 1500.
    let bus1_eth0 = iface(&t, "bus1", "eth0");
    assert_eq!(bus1_eth0.mac.to_string(), "02:42:ac:11:00:02");
    assert_eq!((bus1_eth0.kind(), bus1_eth0.mtu), (IfaceKind::Veth, 1500));
    let docker0 = iface(&t, "host", "docker0");
    assert_eq!(docker0.kind(), IfaceKind::Bridge);
    assert_eq!(docker0.mac.to_string(), "02:42:ac:11:00:01");
    let veth = iface(&t, "host", "veth2d6f8e9");
    assert_eq!(veth.kind(), IfaceKind::Veth);
    assert!(veth.addresses.is_empty());
    assert_eq!(veth.mac, MacAddr::derived("host/veth2d6f8e9"));
    assert_eq!(veth.master, Some(docker0.id));
    assert_eq!(veth.veth_peer(), Some(bus1_eth0.id));
    assert_eq!(bus1_eth0.veth_peer(), Some(veth.id));
    assert_eq!(bus1_eth0.master, None);
    assert_eq!(t.veths.len(), 2);
    assert_eq!(t.veths[0].ends, [bus1_eth0.id, veth.id]);

    // Wires: named, NICs by default.
    assert_eq!(t.wires.len(), 2);
    assert_eq!(t.wires[0].name, "lan");
    assert_eq!(t.wires[1].name, "internet");
    let gw_eth0 = iface(&t, "gw", "eth0");
    assert_eq!(gw_eth0.kind(), IfaceKind::Nic);
    assert_eq!(t.wires[0].ends, [iface(&t, "host", "eth0").id, gw_eth0.id]);

    // Nodes.
    let bus1 = t.node_by_name("bus1").unwrap();
    assert_eq!(t.node(bus1).on, Some(host));
    assert_eq!(t.node(bus1).kind, NodeKind::Container);
    assert_eq!(t.node(t.node_by_name("gw").unwrap()).on, None);
    assert!(t.node(host).bridge_nf && t.node(host).forwarding);
    assert!(!t.node(bus1).forwarding);
    assert_eq!(
        t.node(bus1).listen,
        vec![Listen {
            proto: L4Proto::Tcp,
            port: 80
        }]
    );

    // Routes: the gateway settles the device.
    let r = t.node(bus1).routes[0];
    assert_eq!(
        (r.to, r.via, r.dev),
        (Ipv4Net::DEFAULT, Some(ip("172.17.0.1")), bus1_eth0.id)
    );
    assert_eq!(t.node(host).routes[0].dev, iface(&t, "host", "eth0").id);

    // NAT.
    assert_eq!(
        t.node(host).nat,
        vec![
            NatRule::Masquerade {
                source: Some(net("172.17.0.0/16")),
                out: Some(iface(&t, "host", "eth0").id),
            },
            NatRule::Dnat {
                proto: L4Proto::Tcp,
                port: 8080,
                to: ip("172.17.0.2"),
                to_port: Some(80),
                input: None,
                dest: None,
            },
        ]
    );

    // Probes: a node name is its first address; `expect: reply` is short.
    let p = &t.probes;
    assert_eq!(p.len(), 5);
    assert_eq!((p[0].to_text.as_str(), p[0].to), ("bus1", ip("172.17.0.2")));
    assert_eq!(
        (p[0].proto, p[0].port, p[0].ttl),
        (ProbeProto::Icmp, None, 64)
    );
    assert_eq!(
        p[0].expect,
        Some(Expect {
            result: Some(ProbeResult::Reply),
            seen_from: None,
            ttl: Some(64)
        })
    );
    assert_eq!((p[1].proto, p[1].port), (ProbeProto::Tcp, Some(80)));
    assert_eq!(
        p[1].expect,
        Some(Expect {
            result: Some(ProbeResult::Reply),
            seen_from: Some(ip("192.168.1.10")),
            ttl: Some(62)
        })
    );
    assert_eq!(
        p[2].expect,
        Some(Expect {
            result: Some(ProbeResult::Reply),
            ..Expect::default()
        })
    );
    assert_eq!(p[3].expect.unwrap().result, Some(ProbeResult::Refused));
    assert_eq!(p[3].from, bus1);
}

/// The tree as JSON, keys in file order.
fn to_json(n: &yaml::Node<'_>, out: &mut String) {
    match &n.value {
        Value::Scalar(s) => match s.kind() {
            ScalarKind::Null => out.push_str("null"),
            ScalarKind::Bool(_) | ScalarKind::Int | ScalarKind::Float => out.push_str(&s.text),
            ScalarKind::Str => out.push_str(&serde_json::to_string(&*s.text).unwrap()),
        },
        Value::Seq(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                to_json(x, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push_str("{\n");
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                out.push_str(&serde_json::to_string(k.text().unwrap()).unwrap());
                out.push_str(": ");
                to_json(v, out);
            }
            out.push_str("\n}");
        }
    }
}

#[test]
fn json_gives_the_same_topology() {
    let tree = yaml::parse(SPEC).unwrap().unwrap();
    let mut json = String::new();
    to_json(&tree.root, &mut json);
    assert!(json.starts_with("{\n\"name\": \"docker0\""), "{json}");
    assert_eq!(load(&json), load(SPEC));
    let e = errors(
        r#"{"name": "j", "nodes": {"a": {"kind": "host", "interfaces": {"br0": {"type": "bridge", "mtu": "1500"}}}}}"#,
    );
    assert!(
        e.contains("bad.yaml:1:95: nodes.a.interfaces.br0.mtu: expected the MTU, a whole number from 68 to 65535, found a string"),
        "{e}"
    );
}

#[test]
fn every_built_in_example_resolves() {
    for e in crate::examples::ALL {
        match resolve(e.file, e.yaml) {
            Ok(t) => check_invariants(&t),
            Err(d) => panic!("{}:\n{d}", e.file),
        }
    }
}

#[test]
fn ten_thousand_containers_resolve() {
    // 100 hosts, each with a bridge, a router and 100 containers with a
    // veth to the bridge and a default route. Its speed is measured by
    // `cargo bench -p netsim-core --bench sim -- resolve`, not here.
    let y = crate::examples::generated(100, 100);
    let t = load(&y);
    assert_eq!(t.nodes.len(), 100 * 102);
    assert_eq!(t.veths.len(), 100 * 101);
    let c = t.node_by_name("c7-42").unwrap();
    assert_eq!(t.node(c).routes[0].via, Some(ip("10.7.255.254")));
}

#[test]
fn undeclared_ends_are_created_as_their_link_says() {
    let t = load(
        "name: t\nnodes:\n  a: { kind: host }\n  b: { kind: host }\n  c: { kind: host }\nlinks:\n  - wire: [a:eth0, b:eth0, c:eth0]\n  - veth: [a:v0, b:v0]\n  - wire: [a:eth1, b:eth1]\n",
    );
    assert_eq!(iface(&t, "a", "eth0").kind(), IfaceKind::Nic);
    assert_eq!(iface(&t, "a", "v0").kind(), IfaceKind::Veth);
    let names: Vec<&str> = t.wires.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["wire1", "wire2"]);
    let a = t.node_by_name("a").unwrap();
    let order: Vec<&str> = t
        .node(a)
        .ifaces
        .iter()
        .map(|&i| t.iface(i).name.as_str())
        .collect();
    assert_eq!(order, ["lo", "eth0", "v0", "eth1"]);
}

#[test]
fn vxlan_defaults_and_bridge_ports() {
    let t = load(
        r#"name: vx
nodes:
  h1:
    kind: host
    interfaces:
      eth0: { addresses: [192.168.1.11/24] }
      br0: { type: bridge, stp: true }
      vx0: { type: vxlan, vni: 42, local: 192.168.1.11, remotes: [192.168.1.12], dev: eth0, master: br0 }
      "10": { master: br0 }
  h2:
    kind: host
    interfaces:
      eth0: { addresses: [192.168.1.12/24] }
  c:
    kind: container
    on: h1
links:
  - wire: [h1:eth0, h2:eth0]
  - veth: [h1:10, c:eth0]
"#,
    );
    let vx = iface(&t, "h1", "vx0");
    assert_eq!(vx.mtu, 1450);
    let v = vx.vxlan().unwrap();
    assert_eq!(
        (v.vni.get(), v.local, v.port),
        (42, ip("192.168.1.11"), 4789)
    );
    assert_eq!(v.remotes, vec![ip("192.168.1.12")]);
    assert_eq!(v.dev, Some(iface(&t, "h1", "eth0").id));
    assert_eq!(vx.master, Some(iface(&t, "h1", "br0").id));
    assert!(iface(&t, "h1", "br0").stp());
    assert_eq!(iface(&t, "h1", "10").kind(), IfaceKind::Veth);
}

#[test]
fn a_gateway_picks_the_longest_matching_subnet() {
    let t = load(
        "name: t\nnodes:\n  a:\n    kind: host\n    interfaces:\n      eth0: { addresses: [10.0.0.1/8] }\n      eth1: { addresses: [10.1.0.1/16] }\n    routes:\n      - { to: 192.168.0.0/16, via: 10.1.0.254 }\n      - { to: default, via: 10.2.0.1 }\n      - { to: 172.16.0.0/12, dev: eth1 }\n  b: { kind: host }\nlinks:\n  - veth: [a:eth0, b:eth0]\n  - veth: [a:eth1, b:eth1]\n",
    );
    let a = t.node_by_name("a").unwrap();
    let routes = &t.node(a).routes;
    assert_eq!(routes[0].dev, iface(&t, "a", "eth1").id);
    assert_eq!(routes[1].dev, iface(&t, "a", "eth0").id);
    assert_eq!(
        (routes[2].via, routes[2].dev),
        (None, iface(&t, "a", "eth1").id)
    );
}

#[test]
fn probes_resolve_node_interface_and_address() {
    let t = load(
        "name: t\nnodes:\n  a:\n    kind: host\n    interfaces:\n      v0: {}\n      v1: { addresses: [10.0.0.1/24, 10.0.1.1/24] }\n  b: { kind: host, interfaces: { v0: { addresses: [10.0.0.2/24] } } }\nlinks:\n  - veth: [a:v0, b:v0]\n  - veth: [a:v1, b:v1]\nprobes:\n  - { from: b, to: a, proto: icmp }\n  - { from: b, to: \"a:v1\", proto: udp, port: 53, ttl: 1 }\n  - { from: b, to: a:lo, proto: tcp, port: 22, expect: { ttl: 64 } }\n",
    );
    assert_eq!(t.probes[0].to, ip("10.0.0.1"));
    assert_eq!(t.probes[0].expect, None);
    assert_eq!((t.probes[1].to, t.probes[1].ttl), (ip("10.0.0.1"), 1));
    assert_eq!(t.probes[2].to, ip("127.0.0.1"));
    assert_eq!(t.probes[2].expect.unwrap().result, None);
}

#[test]
fn addresses_may_repeat_where_linux_allows_it() {
    // Two interfaces of one node, and two nodes (every Docker host has its
    // own 172.17.0.1); one interface with one address under two prefixes.
    let t = load(
        "name: t\nnodes:\n  a:\n    kind: host\n    interfaces:\n      br0: { type: bridge, addresses: [172.17.0.1/16, 172.17.0.1/24] }\n      br1: { type: bridge, addresses: [172.17.0.1/16] }\n  b:\n    kind: host\n    interfaces:\n      br0: { type: bridge, addresses: [172.17.0.1/16] }\n",
    );
    assert_eq!(iface(&t, "a", "br0").addresses.len(), 2);
    assert_eq!(iface(&t, "b", "br0").mac, iface(&t, "a", "br1").mac);
}

#[test]
fn several_errors_are_reported_together_in_file_order() {
    let e = errors(
        "name: x\nnodes:\n  a:\n    kind: hots\n    interfaces:\n      eth0: { adresses: [10.0.0.1/24], mtu: 20 }\n",
    );
    let lines: Vec<&str> = e.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 4, "{e}");
    assert!(
        lines[0].starts_with("error: bad.yaml:4:11: nodes.a.kind: unknown node kind `hots`"),
        "{e}"
    );
    assert!(lines[1].starts_with("error: bad.yaml:6:7: nodes.a.interfaces.eth0: interface `eth0` of node `a` is an end of no link"), "{e}");
    assert!(
        lines[2].starts_with(
            "error: bad.yaml:6:15: nodes.a.interfaces.eth0.adresses: unknown key `adresses`"
        ),
        "{e}"
    );
    assert!(lines[3].starts_with("error: bad.yaml:6:45: nodes.a.interfaces.eth0.mtu: the MTU must be from 68 to 65535, not 20"), "{e}");
    assert!(e.contains("did you mean `host`?"), "{e}");
    assert!(e.contains("did you mean `addresses`?"), "{e}");
}

#[test]
fn duplicate_keys_are_errors_not_overwrites() {
    let e = errors(
        "name: t\nname: u\nnodes:\n  a: { kind: host }\n  a: { kind: host, kind: container }\n",
    );
    assert!(
        e.contains("bad.yaml:2:1: name: `name` is given twice; the first is on line 1"),
        "{e}"
    );
    assert!(
        e.contains("bad.yaml:5:3: nodes.a: node `a` is declared twice; the first is on line 4"),
        "{e}"
    );
}

#[test]
fn syntax_errors_and_empty_files_have_places() {
    let e = resolve("e.yaml", "").unwrap_err();
    assert_eq!((e.errors[0].line, e.errors[0].column), (1, 1));
    assert_eq!(e.errors[0].message, "the file is empty");
    let e = errors("name: t\nnodes: {a: [}\n");
    assert!(e.starts_with("error: bad.yaml:2:"), "{e}");
    assert!(e.contains("not valid YAML"), "{e}");
}

#[test]
fn a_route_to_a_connected_subnet_is_refused_as_linux_does() {
    let e = errors("name: t\nnodes:\n  a:\n    kind: host\n    interfaces:\n      br0: { type: bridge, addresses: [10.0.0.1/24] }\n    routes:\n      - { to: 10.0.0.0/24, dev: br0 }\n");
    assert!(e.contains("there is already a route to 10.0.0.0/24: the connected route of br0's address 10.0.0.1/24"), "{e}");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn all_placed(text: &str) -> Result<(), TestCaseError> {
        if let Err(d) = resolve("p.yaml", text) {
            prop_assert!(!d.errors.is_empty());
            for x in &d.errors {
                prop_assert!(x.line >= 1 && x.column >= 1, "{}", x);
                prop_assert!(!x.message.is_empty());
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            all_placed(&text)?;
        }

        #[test]
        fn yaml_like_text_never_panics(text in "[a-z0-9:{}\\[\\],&*!|>'\"\\- \n./]{0,200}") {
            all_placed(&text)?;
        }

        #[test]
        fn byte_mutations_of_the_spec_never_panic(
            edits in proptest::collection::vec((0usize..4096, any::<u8>()), 1..12)
        ) {
            let mut bytes = SPEC.as_bytes().to_vec();
            for (pos, b) in edits {
                let len = bytes.len();
                match b % 3 {
                    0 => bytes[pos % len] = b,
                    1 => bytes.insert(pos % len, b),
                    _ => { bytes.remove(pos % len); }
                }
            }
            all_placed(&String::from_utf8_lossy(&bytes))?;
        }

        #[test]
        fn line_deletions_of_the_spec_never_panic(
            drop in proptest::collection::vec(0usize..80, 1..6)
        ) {
            let text: String = SPEC
                .lines()
                .enumerate()
                .filter(|(i, _)| !drop.contains(i))
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            all_placed(&text)?;
        }
    }
}

#[test]
fn every_known_key_is_kept_however_many_a_map_has() {
    const KEYS: [&str; 24] = [
        "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12", "k13",
        "k14", "k15", "k16", "k17", "k18", "k19", "k20", "k21", "k22", "k23",
    ];
    let text: String = KEYS.iter().map(|k| format!("{k}: 1\n")).collect();
    let tree = yaml::parse(&text).unwrap().unwrap();
    let yaml::Value::Map(entries) = &tree.root.value else {
        panic!("not a map")
    };
    let mut cx = Cx::new("t.yaml", &[], &[]);
    let f = cx.fields(entries, &Path::ROOT, "the test map", &KEYS);
    assert!(cx.diags.is_empty());
    for k in KEYS {
        assert!(f.get(k).is_some(), "key {k} was dropped");
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

#[test]
fn a_gateway_behind_a_dev_route_is_accepted_with_that_route_s_interface() {
    let text = format!(
        "{SLASH32}probes:\n  - {{ from: a, to: 10.9.0.2, proto: icmp, expect: {{ result: reply, ttl: 63 }} }}\n"
    );
    let t = load(&text);
    let a = t.node_by_name("a").unwrap();
    let eth0 = t.node(a).ifaces[1];
    let routes = &t.node(a).routes;
    assert_eq!(routes[0].via, Some(ip("192.168.9.1")));
    assert_eq!(routes[0].dev, eth0);
    assert_eq!(routes[1].dev, eth0);
    // The simulator sends through it: ARP for the gateway on eth0.
    let mut sim = crate::sim::Sim::new(t.clone());
    let o = sim.run_probe(0).unwrap();
    assert!(o.check(t.probes[0].expect.as_ref()).is_empty(), "{o:?}");
}

#[test]
fn a_gateway_behind_a_dev_route_of_another_interface_is_refused() {
    let text = SLASH32
        .replace(
            "      - { to: default, via: 192.168.9.1 }\n",
            "      - { to: default, via: 192.168.9.1, dev: eth1 }\n",
        )
        .replace(
            "      eth0: { addresses: [192.168.9.5/32] }\n",
            "      eth0: { addresses: [192.168.9.5/32] }\n      eth1: { addresses: [10.7.0.1/24] }\n",
        )
        + "  - veth: [a:eth1, gw:eth2]\n";
    let e = errors(&text);
    assert!(
        e.contains("gateway 192.168.9.1 is not in a subnet of eth1 (its subnets: 10.7.0.0/24), nor covered by a route with `dev: eth1` and no `via`"),
        "{e}"
    );
}

#[test]
fn a_huge_value_quoted_by_many_errors_stays_small() {
    let big = "x".repeat(1 << 20);
    let mut y = format!("name: t\nnodes:\n  a: {{ kind: &s \"{big}\" }}\n");
    for i in 0..6 {
        y.push_str(&format!("  n{i}: {{ kind: *s, on: *s }}\n"));
    }
    let e = resolve("big.yaml", &y).unwrap_err();
    let shown = e.to_string();
    assert!(e.errors.len() >= 13, "{shown}");
    assert!(shown.len() < 20_000, "{} bytes of errors", shown.len());
    // More aliases to it than the text budget allows: refused at once.
    for i in 6..40 {
        y.push_str(&format!("  n{i}: {{ kind: *s }}\n"));
    }
    let e = resolve("big.yaml", &y).unwrap_err();
    assert!(e.to_string().contains("MiB of text"), "{e}");
}

#[test]
fn bytes_that_are_not_utf8_are_placed_and_named() {
    let e = resolve_bytes("l.yaml", b"name: t\nnodes:\n  \xc3\xa9t\xe9: {}\n").unwrap_err();
    let d = &e.errors[0];
    // Columns count characters: `é` before the bad byte is one.
    assert_eq!((d.line, d.column), (3, 5), "{e}");
    assert!(d.message.starts_with("byte 0xE9 here is not UTF-8"), "{e}");
    let e = resolve_bytes("w.yaml", b"\xff\xfen\x00a\x00").unwrap_err();
    assert!(e.errors[0].message.contains("UTF-16"), "{e}");
    assert_eq!((e.errors[0].line, e.errors[0].column), (1, 1));
    // A UTF-8 byte order mark is fine.
    let t = resolve_bytes(
        "b.yaml",
        b"\xef\xbb\xbfname: t\nnodes:\n  a: { kind: host }\n",
    );
    assert!(t.is_ok(), "{t:?}");
    let big = vec![b' '; MAX_FILE_BYTES + 1];
    let e = resolve_bytes("big.yaml", &big).unwrap_err();
    assert!(e.errors[0].message.contains("larger than 64 MiB"), "{e}");
}
