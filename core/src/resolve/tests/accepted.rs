//! Files the resolver accepts: the spec's example with the defaults it
//! implies, its JSON form, every built-in example, a 10,000-container file,
//! and what each part of a file (links, VXLAN, routes, probes, addresses,
//! keys) resolves to.

use super::*;
use crate::model::{Expect, L4Proto, NatRule, ProbeProto, ProbeResult};

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
