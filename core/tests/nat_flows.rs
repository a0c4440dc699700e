//! NAT keeps connections apart: whatever set of flows crosses the same
//! masquerade and the same published port at the same moment (several
//! containers, the same client twice, TCP, UDP and ping side by side, with
//! ARP still to do or already done), no flow's packets are ever translated
//! with another flow's connection, and each flow ends as it ends when it
//! runs alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

use netsim_core::model::{Probe, ProbeProto, Topology};
use netsim_core::sim::Sim;
use netsim_core::wire::frame::{Frame, Icmp, Payload, L4};
use proptest::prelude::*;

/// Three containers behind host1's masquerade, host2 publishing web's TCP port 80 as
/// 8080 and its UDP port 53 as 5353, and a server on the same LAN.
const HOSTS: &str = "
name: nat-flows
nodes:
  host1:
    kind: host
    forwarding: true
    bridge_nf: true
    interfaces:
      eth0: { addresses: [192.168.0.11/24] }
      docker0: { type: bridge, addresses: [172.17.0.1/16] }
    nat:
      - { action: masquerade, source: 172.17.0.0/16, out: eth0 }
  c1:
    kind: container
    on: host1
    interfaces: { eth0: { addresses: [172.17.0.2/16] } }
    routes: [ { to: default, via: 172.17.0.1 } ]
  c2:
    kind: container
    on: host1
    interfaces: { eth0: { addresses: [172.17.0.3/16] } }
    routes: [ { to: default, via: 172.17.0.1 } ]
  c3:
    kind: container
    on: host1
    interfaces: { eth0: { addresses: [172.17.0.4/16] } }
    routes: [ { to: default, via: 172.17.0.1 } ]
  host2:
    kind: host
    forwarding: true
    bridge_nf: true
    interfaces:
      eth0: { addresses: [192.168.0.12/24] }
      docker0: { type: bridge, addresses: [172.17.0.1/16] }
    nat:
      - { action: masquerade, source: 172.17.0.0/16, out: eth0 }
      - { action: dnat, proto: tcp, port: 8080, to: \"172.17.0.2:80\" }
      - { action: dnat, proto: udp, port: 5353, to: \"172.17.0.2:53\" }
  web:
    kind: container
    on: host2
    interfaces: { eth0: { addresses: [172.17.0.2/16] } }
    routes: [ { to: default, via: 172.17.0.1 } ]
    listen: [tcp/80, udp/53]
  server:
    kind: external
    interfaces: { eth0: { addresses: [192.168.0.99/24] } }
    listen: [tcp/443, udp/53]
links:
  - veth: [c1:eth0, host1:vethc1]
    master: docker0
  - veth: [c2:eth0, host1:vethc2]
    master: docker0
  - veth: [c3:eth0, host1:vethc3]
    master: docker0
  - veth: [web:eth0, host2:vethweb]
    master: docker0
  - wire: [host1:eth0, host2:eth0, server:eth0]
    name: lan
";

fn topo() -> Arc<Topology> {
    Arc::new(netsim_core::load("nat-flows.yaml", HOSTS).unwrap_or_else(|d| panic!("{d}")))
}

/// What a flow can be: from one of the containers (or the server) to a
/// published port, to the server directly, or a ping through the
/// masquerade.
fn probe(topo: &Topology, from: usize, to: usize) -> Probe {
    let from_name = ["c1", "c2", "c3", "server"][from];
    let (to, proto, port) = [
        (Ipv4Addr::new(192, 168, 0, 12), ProbeProto::Tcp, Some(8080)),
        (Ipv4Addr::new(192, 168, 0, 12), ProbeProto::Udp, Some(5353)),
        (Ipv4Addr::new(192, 168, 0, 99), ProbeProto::Tcp, Some(443)),
        (Ipv4Addr::new(192, 168, 0, 99), ProbeProto::Udp, Some(53)),
        (Ipv4Addr::new(192, 168, 0, 99), ProbeProto::Icmp, None),
    ][to];
    Probe {
        from: topo.node_by_name(from_name).unwrap(),
        to_text: to.to_string(),
        to,
        proto,
        port,
        ttl: 64,
        expect: None,
    }
}

/// (proto, src, sport, dst, dport) of a TCP or UDP packet, or of an echo
/// request or reply with the echo id as both ports.
fn tuple(bytes: &[u8]) -> Option<(u8, Ipv4Addr, u16, Ipv4Addr, u16)> {
    let Payload::Ipv4(p) = Frame::parse(bytes).ok()?.payload else {
        return None;
    };
    match p.l4 {
        L4::Tcp(t) => Some((6, p.src, t.src_port, p.dst, t.dst_port)),
        L4::Udp(u) => Some((17, p.src, u.src_port, p.dst, u.dst_port)),
        L4::Icmp(Icmp::EchoRequest { id, .. } | Icmp::EchoReply { id, .. }) => {
            Some((1, p.src, id, p.dst, id))
        }
        _ => None,
    }
}

/// The same flow seen either way.
fn either_way(t: (u8, Ipv4Addr, u16, Ipv4Addr, u16)) -> (u8, Ipv4Addr, u16, Ipv4Addr, u16) {
    let back = (t.0, t.3, t.4, t.1, t.2);
    t.min(back)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_translated_flow_never_changes_another_flows_packets(
        flows in proptest::collection::vec((0usize..4, 0usize..5), 2..7),
        warm_first in any::<bool>(),
    ) {
        let topo = topo();
        let probes: Vec<Probe> = flows.iter().map(|&(f, t)| probe(&topo, f, t)).collect();

        // Each flow alone, on a simulation of its own.
        let alone: Vec<_> = probes
            .iter()
            .map(|p| {
                let mut sim = Sim::new(Arc::clone(&topo));
                if warm_first {
                    sim.run_adhoc(0, p);
                }
                sim.run_adhoc(0, p)
            })
            .collect();

        // All of them at the same moment.
        let mut sim = Sim::new(Arc::clone(&topo));
        if warm_first {
            for p in &probes {
                sim.run_adhoc(0, p);
            }
            sim.clear_trace();
        }
        for (k, p) in probes.iter().enumerate() {
            sim.start_adhoc(k as u32, p);
        }
        let together = sim.run_started();
        prop_assert_eq!(together.len(), probes.len());

        for (k, o) in together.iter().enumerate() {
            let a = &alone[k];
            prop_assert_eq!(
                (o.result, o.seen_from, o.ttl),
                (a.result, a.seen_from, a.ttl),
                "flow {} ({:?}) with the others differs from alone", k, flows[k]
            );
        }

        // No packet of one flow carries another flow's addresses and ports,
        // before or after any translation.
        let mut seen: HashMap<(u8, Ipv4Addr, u16, Ipv4Addr, u16), u32> = HashMap::new();
        for e in sim.trace() {
            let (Some(b), Some(probe)) = (e.bytes(), e.probe) else { continue };
            let Some(t) = tuple(b) else { continue };
            let owner = *seen.entry(either_way(t)).or_insert(probe);
            prop_assert_eq!(
                owner, probe,
                "flow {}'s packet {:?} ({}) looks like flow {}'s",
                probe, t, e.explain(&topo), owner
            );
        }

        // Every connection host1's masquerade holds answers to a reply
        // tuple of its own.
        let host1 = topo.node_by_name("host1").unwrap();
        if let Some(ct) = sim.conntrack_of(host1) {
            let replies: HashSet<_> = ct.conns().iter().map(|c| c.reply).collect();
            prop_assert_eq!(replies.len(), ct.conns().len(), "two connections share a reply tuple");
        }
    }
}

#[test]
fn a_connection_whose_first_packet_is_dropped_is_never_listed() {
    // nat-two-hosts' hairpin: web to its own host's published port. The
    // DNAT sends the SYN back to web's own bridge port, which the bridge
    // will not do, so the SYN dies before POSTROUTING: the kernel never
    // confirms that connection (`conntrack -L` does not list it, as the
    // kernel cross-check sees), and each retransmitted SYN starts afresh.
    let e = netsim_core::examples::find("nat-two-hosts.yaml").unwrap();
    let topo = Arc::new(netsim_core::load(e.file, e.yaml).unwrap());
    let k = topo
        .probes
        .iter()
        .position(|p| topo.node(p.from).name == "web")
        .unwrap();
    let mut sim = Sim::new(Arc::clone(&topo));
    let o = sim.run_probe(k).unwrap();
    assert_eq!(o.result, netsim_core::model::ProbeResult::Timeout);
    let host2 = topo.node_by_name("host2").unwrap();
    let list = netsim_core::netfilter::views::conntrack_list(&sim, host2);
    assert!(
        list.ends_with("0 flow entries have been shown.\n"),
        "{list}"
    );
    let made = sim
        .events_of(&o)
        .iter()
        .filter(|e| {
            matches!(&e.kind, netsim_core::trace::EventKind::Netfilter { step } if step.new_conn)
        })
        .count();
    assert_eq!(
        made, 3,
        "the SYN and its two retransmissions each start a connection"
    );
}

#[test]
fn two_containers_with_the_same_source_port_get_two_ports_from_the_masquerade() {
    // The case the property above runs into whenever two containers send
    // at once: c1 and c2 each open their first socket, so each picks the
    // same ephemeral port (each namespace has its own port space), to the
    // same published port. host1 cannot give both 192.168.0.11 with that
    // port, so, as `nf_nat_used_tuple` makes the kernel do, the second
    // gets another, and each answer still finds its own container.
    let topo = topo();
    let mut sim = Sim::new(Arc::clone(&topo));
    let (a, b) = (probe(&topo, 0, 0), probe(&topo, 1, 0));
    sim.start_adhoc(0, &a);
    sim.start_adhoc(1, &b);
    let outcomes = sim.run_started();
    assert!(outcomes
        .iter()
        .all(|o| o.result == netsim_core::model::ProbeResult::Reply));
    let host1 = topo.node_by_name("host1").unwrap();
    let conns = sim.conntrack_of(host1).unwrap().conns();
    assert_eq!(conns.len(), 2);
    assert_eq!(
        conns[0].orig.sport, conns[1].orig.sport,
        "the same source port"
    );
    assert_eq!(conns[0].reply.dst, conns[1].reply.dst, "both masqueraded");
    assert_eq!(
        conns[0].reply.dport, conns[0].orig.sport,
        "the first keeps its port"
    );
    assert_ne!(
        conns[1].reply.dport, conns[1].orig.sport,
        "the second gets another"
    );
}

#[test]
fn two_pings_with_the_same_echo_id_get_two_ids_from_the_masquerade() {
    // The same for ICMP echo: both containers' first ping socket has the
    // same id, and the masquerade gives the second another one (the
    // kernel's NAT keeps echo ids unique as it does ports); each reply is
    // turned back into its own container's id.
    let topo = topo();
    let mut sim = Sim::new(Arc::clone(&topo));
    let (a, b) = (probe(&topo, 0, 4), probe(&topo, 1, 4));
    sim.start_adhoc(0, &a);
    sim.start_adhoc(1, &b);
    let outcomes = sim.run_started();
    assert!(
        outcomes
            .iter()
            .all(|o| o.result == netsim_core::model::ProbeResult::Reply),
        "{outcomes:?}"
    );
    let host1 = topo.node_by_name("host1").unwrap();
    let conns = sim.conntrack_of(host1).unwrap().conns();
    assert_eq!(conns.len(), 2);
    assert_eq!(conns[0].orig.sport, conns[1].orig.sport, "the same echo id");
    assert_ne!(
        conns[0].reply.dport, conns[1].reply.dport,
        "two ids on the wire"
    );
}
