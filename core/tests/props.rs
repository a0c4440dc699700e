//! Property tests: whatever the resolver accepts simulates to an end, and
//! whatever bytes arrive on an interface are handled or dropped, never a
//! panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use netsim_core::examples;
use netsim_core::model::IfaceId;
use netsim_core::sim::Sim;
use netsim_core::trace::{self, EventKind};
use netsim_core::view::{self, View};
use proptest::prelude::*;

/// A random topology as YAML: nodes with NICs, veths to each other and to
/// bridges, wires, addresses from a small pool (so subnets overlap and
/// gateways sometimes fit), routes, listeners, NAT rules (with and without
/// br_netfilter) and probes. Many are invalid;
/// the valid ones are what the property is about.
fn topology_yaml() -> impl Strategy<Value = String> {
    let node = (
        0usize..4,                                                       // kind
        any::<bool>(),                                                   // forwarding
        any::<bool>(),                                                   // has a bridge
        proptest::option::of(0u8..6),                                    // bridge address
        proptest::collection::vec(0u8..6, 0..3), // routes: gateway pool index
        proptest::collection::btree_set((any::<bool>(), 1u16..4), 0..3), // listen
        (0u8..4, 0u8..12, 1u16..4),              // NAT: none, masquerade, dnat, both with bridge_nf
        any::<bool>(),                           // the bridge runs STP
    );
    let link = (
        0usize..5,
        0usize..5,
        0u8..3,
        proptest::collection::vec(0u8..12, 0..2),
        proptest::collection::vec(0u8..12, 0..2),
    );
    let probe = (0usize..5, 0u8..14, 0u8..3, 1u16..4, 1u8..4);
    (
        proptest::collection::vec(node, 1..5),
        proptest::collection::vec(link, 0..7),
        proptest::collection::vec(probe, 1..4),
    )
        .prop_map(|(nodes, links, probes)| {
            let addr = |k: u8| match k % 4 {
                0 => format!("10.0.0.{}/24", k + 1),
                1 => format!("10.0.1.{}/24", k + 1),
                2 => format!("10.0.{}.{}/16", k, k + 1),
                _ => format!("192.168.{}.1/30", k),
            };
            let n = nodes.len();
            let mut ifaces: Vec<Vec<String>> = vec![Vec::new(); n];
            let mut link_lines = Vec::new();
            for (li, (a, b, kind, aa, ba)) in links.iter().enumerate() {
                let (a, b) = (a % n, b % n);
                let (ia, ib) = (format!("e{li}a"), format!("e{li}b"));
                let fmt = |name: &str, addrs: &Vec<u8>| {
                    let list: Vec<String> = addrs.iter().map(|&k| addr(k)).collect();
                    format!("      {name}: {{ addresses: [{}] }}", list.join(", "))
                };
                ifaces[a].push(fmt(&ia, aa));
                ifaces[b].push(fmt(&ib, ba));
                let master = if *kind == 1 && nodes[b].2 {
                    "\n    master: br0"
                } else {
                    ""
                };
                if *kind == 2 {
                    link_lines.push(format!("  - wire: [n{a}:{ia}, n{b}:{ib}]"));
                } else {
                    link_lines.push(format!("  - veth: [n{a}:{ia}, n{b}:{ib}]{master}"));
                }
            }
            let kinds = ["host", "container", "router", "external"];
            let mut y = String::from("name: prop\nnodes:\n");
            for (i, (kind, fwd, bridge, baddr, routes, listen, (nat, to, port), stp)) in
                nodes.iter().enumerate()
            {
                y.push_str(&format!(
                    "  n{i}:\n    kind: {}\n    forwarding: {fwd}\n",
                    kinds[*kind]
                ));
                if *nat == 3 {
                    y.push_str("    bridge_nf: true\n");
                }
                if *nat > 0 {
                    let to = addr(*to);
                    let to = to.split('/').next().unwrap_or("10.0.0.1");
                    y.push_str("    nat:\n");
                    if *nat != 2 {
                        y.push_str("      - { action: masquerade }\n");
                    }
                    if *nat >= 2 {
                        y.push_str(&format!(
                            "      - {{ action: dnat, proto: tcp, port: {port}, to: \"{to}:{}\" }}\n",
                            port + 1
                        ));
                    }
                }
                y.push_str("    interfaces:\n");
                if *bridge {
                    let a = baddr.map(addr).unwrap_or_default();
                    y.push_str(&format!(
                        "      br0: {{ type: bridge, stp: {stp}, addresses: [{a}] }}\n"
                    ));
                }
                for l in &ifaces[i] {
                    y.push_str(l);
                    y.push('\n');
                }
                if !*bridge && ifaces[i].is_empty() {
                    y.push_str("      {}\n");
                    y = y.replace("    interfaces:\n      {}\n", "    interfaces: {}\n");
                }
                if !routes.is_empty() {
                    y.push_str("    routes:\n");
                    for (j, k) in routes.iter().enumerate() {
                        let gw = addr(*k);
                        let gw = gw.split('/').next().unwrap_or("10.0.0.1");
                        let to = if j == 0 {
                            "default".to_string()
                        } else {
                            format!("172.{j}.0.0/16")
                        };
                        y.push_str(&format!("      - {{ to: {to}, via: {gw} }}\n"));
                    }
                }
                if !listen.is_empty() {
                    let l: Vec<String> = listen
                        .iter()
                        .map(|(tcp, p)| format!("{}/{p}", if *tcp { "tcp" } else { "udp" }))
                        .collect();
                    y.push_str(&format!("    listen: [{}]\n", l.join(", ")));
                }
            }
            y.push_str("links:\n");
            if link_lines.is_empty() {
                y = y.replace("links:\n", "links: []\n");
            }
            for l in link_lines {
                y.push_str(&l);
                y.push('\n');
            }
            y.push_str("probes:\n");
            for (from, to, proto, port, ttl) in probes {
                let to = addr(to);
                let to = to.split('/').next().unwrap_or("10.0.0.1");
                let (proto, port) = match proto {
                    0 => ("icmp", String::new()),
                    1 => ("tcp", format!(", port: {port}")),
                    _ => ("udp", format!(", port: {port}")),
                };
                y.push_str(&format!(
                    "  - {{ from: n{}, to: {to}, proto: {proto}{port}, ttl: {ttl} }}\n",
                    from % n
                ));
            }
            y
        })
}

/// Random topologies: many are invalid, and the property is about the
/// valid ones, so the test counts them and fails if too few were accepted
/// for it to mean anything.
#[test]
fn accepted_topologies_simulate_to_an_end() {
    use proptest::test_runner::{Config, TestRunner};
    const CASES: u32 = 512;
    let accepted = std::cell::Cell::new(0u32);
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        ..Config::default()
    });
    let result = runner.run(&topology_yaml(), |yaml| {
        let Ok(topo) = netsim_core::load("prop.yaml", &yaml) else {
            return Ok(());
        };
        accepted.set(accepted.get() + 1);
        let mut sim = Sim::new(topo.clone());
        let outcomes = sim.run_all();
        prop_assert_eq!(outcomes.len(), topo.probes.len());
        // Every probe is closed in the trace, and every event explains itself.
        let ends = sim
            .trace()
            .iter()
            .filter(|e| matches!(e.kind, EventKind::ProbeEnd { .. }))
            .count();
        prop_assert_eq!(ends, topo.probes.len());
        let _ = trace::render(&topo, sim.trace());
        for n in &topo.nodes {
            for v in View::ALL {
                let _ = view::render(&sim, n.id, v);
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let accepted = accepted.get();
    assert!(
        accepted >= CASES / 10,
        "only {accepted} of {CASES} random topologies were valid: the generator no longer tests the simulator"
    );
}

/// Bridges cabled into a connected graph with loops (a chain, then random
/// extra cables, some from a bridge to itself), a container on some, STP
/// on all, none or some of them; probes between containers of one subnet.
fn bridge_mesh_yaml() -> impl Strategy<Value = (String, u8)> {
    (
        2usize..6,                                                      // bridges
        proptest::collection::vec((0usize..6, 0usize..6), 0..5),        // extra cables
        proptest::collection::vec(any::<bool>(), 6),                    // has a container
        proptest::collection::vec(any::<u8>(), 6),                      // MAC byte
        0u8..3,                                                         // STP: off, on, mixed
        proptest::collection::vec((0usize..6, 0usize..6), 1..3),        // probes
    )
        .prop_map(|(n, extra, cont, macs, stp, probes)| {
            let mut y = String::from("name: mesh\nnodes:\n");
            let mut cables: Vec<(usize, usize)> = (1..n).map(|i| (i - 1, i)).collect();
            cables.extend(extra.into_iter().map(|(a, b)| (a % n, b % n)));
            for (i, mac) in macs.iter().enumerate().take(n) {
                let on = match stp {
                    0 => false,
                    1 => true,
                    _ => i % 2 == 0,
                };
                y.push_str(&format!(
                    "  h{i}:\n    kind: host\n    interfaces:\n      br0: {{ type: bridge, stp: {on}, mac: '02:00:00:00:{mac:02x}:{i:02x}' }}\n"
                ));
            }
            for i in (0..n).filter(|&i| cont[i]) {
                y.push_str(&format!(
                    "  c{i}:\n    kind: container\n    interfaces:\n      eth0: {{ addresses: [10.0.0.{}/24] }}\n",
                    i + 1
                ));
            }
            y.push_str("links:\n");
            for (k, (a, b)) in cables.iter().enumerate() {
                // The first end enslaved by its node's file entry is not
                // possible for a link: both ends go through a bridge of
                // their own node with a second link-less veth instead.
                y.push_str(&format!(
                    "  - {{ veth: [h{a}:x{k}, h{b}:y{k}], master: br0 }}\n"
                ));
            }
            for i in (0..n).filter(|&i| cont[i]) {
                y.push_str(&format!(
                    "  - {{ veth: [c{i}:eth0, h{i}:veth-c{i}], master: br0 }}\n"
                ));
            }
            let cs: Vec<usize> = (0..n).filter(|&i| cont[i]).collect();
            let mut lines = Vec::new();
            if cs.len() >= 2 {
                for (a, b) in probes {
                    let (a, b) = (cs[a % cs.len()], cs[b % cs.len()]);
                    if a != b {
                        lines.push(format!(
                            "  - {{ from: c{a}, to: 10.0.0.{}, proto: icmp }}\n",
                            b + 1
                        ));
                    }
                }
            }
            if lines.is_empty() {
                y.push_str("probes: []\n");
            } else {
                y.push_str("probes:\n");
                y.extend(lines);
            }
            // Every first end must be a bridge port too: name it in its
            // node's interfaces.
            for (k, (a, _)) in cables.iter().enumerate() {
                y = y.replacen(
                    &format!("  h{a}:\n    kind: host\n    interfaces:\n"),
                    &format!("  h{a}:\n    kind: host\n    interfaces:\n      x{k}: {{ master: br0 }}\n"),
                    1,
                );
            }
            (y, stp)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Every run ends, storms included; with STP on every bridge the tree
    /// has no loop, reaches every bridge, and every probe gets its reply.
    #[test]
    fn loops_end_as_storms_or_are_broken_by_the_spanning_tree((yaml, stp) in bridge_mesh_yaml()) {
        use netsim_core::bridge::{loops, stp::{PortRole, SpanningTree}};
        use netsim_core::model::ProbeResult;
        let topo = netsim_core::load("mesh.yaml", &yaml).unwrap_or_else(|d| panic!("{d}\n{yaml}"));
        let mut sim = Sim::new(topo.clone());
        let outcomes = sim.run_all();
        prop_assert_eq!(outcomes.len(), topo.probes.len());
        prop_assert!(sim.events_total() <= (netsim_core::sim::EVENT_BUDGET + 1000) * topo.probes.len().max(1));
        let tree = SpanningTree::compute(&topo);
        if stp == 1 {
            prop_assert!(loops::find_loop(&topo, Some(&tree), None).is_empty(), "a loop is left:\n{}", yaml);
            let roots = tree.bridges.values().filter(|b| b.root_port.is_none()).count();
            prop_assert_eq!(roots, 1, "one root for a connected graph");
            for b in tree.bridges.values() {
                prop_assert_eq!(b.root, tree.bridges.values().map(|b| b.id).min().unwrap());
            }
            let mut segs: std::collections::BTreeMap<usize, usize> = Default::default();
            for p in tree.ports.values().filter(|p| p.role == PortRole::Designated) {
                *segs.entry(p.segment).or_default() += 1;
            }
            prop_assert!(segs.values().all(|&n| n == 1), "one designated port a segment");
            for o in &outcomes {
                prop_assert_eq!(o.result, ProbeResult::Reply, "{}", yaml);
            }
        }
        if stp == 0 && loops::find_loop(&topo, None, None).is_empty() {
            prop_assert!(outcomes.iter().all(|o| o.storm.is_none()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_on_any_interface_are_handled_or_dropped(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        iface in 0u32..64,
    ) {
        let e = examples::find("docker0.yaml").unwrap();
        let topo = netsim_core::load(e.file, e.yaml).unwrap();
        let mut sim = Sim::new(topo.clone());
        let iface = IfaceId(iface % topo.ifaces.len() as u32);
        let (a, b) = sim.inject(iface, &bytes);
        prop_assert!(b > a, "an injected frame is at least received");
        let _ = trace::render(&topo, &sim.trace()[a..b]);
    }

    #[test]
    fn mutated_real_frames_are_handled_or_dropped(
        flips in proptest::collection::vec((0usize..120, any::<u8>()), 1..6),
        which in 0usize..1000,
        iface in 0u32..64,
    ) {
        // Take real frames from a run, corrupt a few bytes, and feed them back.
        let e = examples::find("docker0.yaml").unwrap();
        let topo = netsim_core::load(e.file, e.yaml).unwrap();
        let mut sim = Sim::new(topo.clone());
        sim.run_all();
        let frames: Vec<Vec<u8>> = sim.trace().iter().filter_map(|e| e.bytes()).map(|b| b.to_vec()).collect();
        prop_assume!(!frames.is_empty());
        let mut f = frames[which % frames.len()].clone();
        for (pos, val) in flips {
            let len = f.len();
            f[pos % len] = val;
        }
        let iface = IfaceId(iface % topo.ifaces.len() as u32);
        let (a, b) = sim.inject(iface, &f);
        prop_assert!(b > a);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// NAT's rewriting of addresses and ports leaves every checksum right:
    /// the rewritten bytes are exactly what building the changed packet
    /// from scratch gives.
    #[test]
    fn a_translated_packet_has_right_checksums(
        kind in 0u8..3,
        src in any::<u32>(), dst in any::<u32>(),
        sport in 1u16.., dport in 1u16..,
        new_addr in any::<u32>(), new_port in 1u16..,
        change_src in any::<bool>(),
        data in proptest::collection::vec(any::<u8>(), 0..64),
        ttl in 1u8..,
    ) {
        use netsim_core::wire::frame::{nat, Icmp, Ipv4Packet, Tcp, TcpFlags, Udp, L4};
        use std::net::Ipv4Addr;
        let l4 = |sp: u16, dp: u16| match kind {
            0 => L4::Tcp(Tcp { src_port: sp, dst_port: dp, seq: 7, ack: 9, flags: TcpFlags { syn: true, ..TcpFlags::default() }, window: 1000 }),
            1 => L4::Udp(Udp { src_port: sp, dst_port: dp, data: data.clone().into() }),
            // An echo: the id is the "port" on both sides.
            _ => L4::Icmp(Icmp::EchoRequest { id: sp, seq: 1, data: data.clone().into() }),
        };
        let (sport, dport) = if kind == 2 { (sport, sport) } else { (sport, dport) };
        let p = Ipv4Packet { src: Ipv4Addr::from(src), dst: Ipv4Addr::from(dst), ttl, ident: 3, dont_fragment: true, l4: l4(sport, dport) };
        let mut bytes = p.emit();
        let new_addr = Ipv4Addr::from(new_addr);
        nat::rewrite(&mut bytes, change_src, new_addr, new_port);
        let (s2, d2, sp2, dp2) = match (change_src, kind) {
            (true, 2) | (false, 2) => (if change_src { new_addr } else { p.src }, if change_src { p.dst } else { new_addr }, new_port, new_port),
            (true, _) => (new_addr, p.dst, new_port, dport),
            (false, _) => (p.src, new_addr, sport, new_port),
        };
        let expected = Ipv4Packet { src: s2, dst: d2, l4: l4(sp2, dp2), ..p.clone() }.emit();
        prop_assert_eq!(bytes, expected);
    }
}
