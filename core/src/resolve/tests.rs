//! The resolver on the spec's own example and on the defaults it implies.

use super::*;

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
    match resolve("spec.yaml", text) {
        Ok(t) => t,
        Err(d) => panic!("{d}"),
    }
}

fn errors(text: &str) -> String {
    match resolve("bad.yaml", text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(d) => d.to_string(),
    }
}

#[test]
fn spec_example_resolves_with_defaults() {
    let t = load(SPEC);
    assert_eq!(t.name, "docker0");
    assert_eq!(t.nodes.len(), 5);
    let host = t.node_by_name("host").unwrap();
    let names: Vec<&str> = t
        .node(host)
        .ifaces
        .iter()
        .map(|&i| t.iface(i).name.as_str())
        .collect();
    assert_eq!(
        names,
        ["lo", "eth0", "docker0", "veth2d6f8e9", "vethb1c3a07"]
    );
    let bus1 = t.node_by_name("bus1").unwrap();
    let eth0 = t.iface_by_name(bus1, "eth0").unwrap();
    assert_eq!(t.iface(eth0).mac.to_string(), "02:42:ac:11:00:02");
    assert_eq!(t.iface(eth0).kind, IfaceKind::Veth);
    assert_eq!(t.iface(eth0).mtu, 1500);
    let veth = t.iface_by_name(host, "veth2d6f8e9").unwrap();
    let docker0 = t.iface_by_name(host, "docker0").unwrap();
    assert_eq!(t.iface(veth).master, Some(docker0));
    assert_eq!(t.iface(veth).link, IfaceLink::Veth { peer: eth0 });
    assert_eq!(t.iface(eth0).link, IfaceLink::Veth { peer: veth });
    assert_eq!(t.iface(docker0).kind, IfaceKind::Bridge);
    assert_eq!(t.wires.len(), 2);
    assert_eq!(t.wires[0].name, "lan");
    let gw = t.node_by_name("gw").unwrap();
    assert_eq!(
        t.iface(t.iface_by_name(gw, "eth0").unwrap()).kind,
        IfaceKind::Nic
    );
    // Routes: the gateway settles the device.
    let r = t.node(bus1).routes[0];
    assert_eq!(r.to, Ipv4Net::DEFAULT);
    assert_eq!(r.dev, eth0);
    // Probes: node names resolve to their first address.
    assert_eq!(t.probes.len(), 5);
    assert_eq!(t.probes[0].to, Ipv4Addr::new(172, 17, 0, 2));
    assert_eq!(
        t.probes[2].expect,
        Some(Expect {
            result: Some(ProbeResult::Reply),
            ..Expect::default()
        })
    );
    assert_eq!(
        t.probes[1].expect.unwrap().seen_from,
        Some(Ipv4Addr::new(192, 168, 1, 10))
    );
    assert_eq!(t.probes[0].ttl, 64);
    assert!(matches!(
        t.node(host).nat[1],
        NatRule::Dnat {
            port: 8080,
            to_port: Some(80),
            ..
        }
    ));
    assert!(t.node(host).bridge_nf && t.node(host).forwarding);
}

#[test]
fn json_is_accepted() {
    let t = load(
        r#"{"name": "j", "nodes": {"a": {"kind": "host", "interfaces": {"br0": {"type": "bridge", "addresses": ["10.0.0.1/24"]}}}},
        "probes": [{"from": "a", "to": "a", "proto": "icmp", "expect": "reply"}]}"#,
    );
    assert_eq!(t.probes[0].to, Ipv4Addr::new(10, 0, 0, 1));
}

#[test]
fn several_errors_are_reported_together_in_file_order() {
    let text = "name: x\nnodes:\n  a:\n    kind: hots\n    interfaces:\n      eth0: { addresses: [10.0.0.300/24] }\n";
    let e = errors(text);
    let lines: Vec<&str> = e.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 3, "{e}");
    assert!(
        lines[0].starts_with("error: bad.yaml:4:11: nodes.a.kind: unknown node kind `hots`"),
        "{e}"
    );
    assert!(
        lines[1].contains("nodes.a.interfaces.eth0: interface `eth0` is an end of no link"),
        "{e}"
    );
    assert!(
        lines[2]
            .contains("nodes.a.interfaces.eth0.addresses[0]: `10.0.0.300/24` is not an IPv4 CIDR"),
        "{e}"
    );
    assert!(e.contains("did you mean `host`?"), "{e}");
}

#[test]
fn edit_distance_suggests() {
    assert_eq!(closest("adresses", IFACE_KEYS), Some("addresses"));
    assert_eq!(closest("zzzzzz", IFACE_KEYS), None);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            if let Err(d) = resolve("p.yaml", &text) {
                prop_assert!(!d.0.is_empty());
                for x in d.0 {
                    prop_assert!(x.line >= 1);
                }
            }
        }

        #[test]
        fn mutations_of_the_spec_never_panic(edits in proptest::collection::vec((0usize..4000, any::<char>()), 1..8)) {
            let mut chars: Vec<char> = SPEC.chars().collect();
            for (pos, c) in edits {
                let len = chars.len();
                chars[pos % len] = c;
            }
            let text: String = chars.into_iter().collect();
            if let Err(d) = resolve("p.yaml", &text) {
                prop_assert!(!d.0.is_empty());
                for x in d.0 {
                    prop_assert!(x.line >= 1, "{}", x);
                }
            }
        }
    }
}
