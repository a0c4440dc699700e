//! VXLAN overlays: the outer headers a vxlan device builds, head-end
//! replication until the vxlan FDB has learned, `bridge fdb show` of a
//! vxlan device, the drops of the overlay, and the property that
//! decapsulation gives back exactly the frame that was encapsulated.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use netsim_core::examples;
use netsim_core::model::{Probe, ProbeProto, ProbeResult, Topology, Vni};
use netsim_core::sim::Sim;
use netsim_core::trace::{DropReason, Event, EventKind, Place};
use netsim_core::view::{self, View};
use netsim_core::wire::frame::{Frame, Payload, L4};
use netsim_core::wire::vxlan::VxlanHeader;
use proptest::prelude::*;

fn load(yaml: &str) -> Topology {
    netsim_core::load("test.yaml", yaml).unwrap_or_else(|d| panic!("{d}"))
}

fn example(file: &str) -> Arc<Topology> {
    let e = examples::find(file).unwrap();
    Arc::new(netsim_core::load(e.file, e.yaml).unwrap())
}

/// Two hosts on a wire, a bridged vxlan each; `PORT`, `VNI1`, `VNI2` and
/// `REMOTES1` are filled in by the test.
const OVERLAY: &str = "
name: ov
nodes:
  h1:
    kind: host
    interfaces:
      eth0: { addresses: [192.168.1.1/24] }
      br0: { type: bridge }
      vx: { type: vxlan, vni: VNI1, local: 192.168.1.1, remotes: REMOTES1, dev: eth0, port: PORT, master: br0 }
  h2:
    kind: host
    interfaces:
      eth0: { addresses: [192.168.1.2/24] }
      br0: { type: bridge }
      vx: { type: vxlan, vni: VNI2, local: 192.168.1.2, remotes: [192.168.1.1], dev: eth0, port: PORT, master: br0 }
  a:
    kind: container
    on: h1
    interfaces:
      eth0: { addresses: [10.0.0.1/24] }
  b:
    kind: container
    on: h2
    interfaces:
      eth0: { addresses: [10.0.0.2/24] }
    listen: [udp/53]
links:
  - { veth: [a:eth0, h1:va], master: br0 }
  - { veth: [b:eth0, h2:vb], master: br0 }
  - wire: [h1:eth0, h2:eth0]
probes:
  - { from: a, to: b, proto: icmp }
  - { from: a, to: b, proto: udp, port: 53 }
";

fn overlay(port: u16, vni1: u32, vni2: u32, remotes1: &str) -> Topology {
    load(
        &OVERLAY
            .replace("PORT", &port.to_string())
            .replace("VNI1", &vni1.to_string())
            .replace("VNI2", &vni2.to_string())
            .replace("REMOTES1", remotes1),
    )
}

fn encaps(events: &[Event]) -> Vec<&Event> {
    events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::VxlanEncap { .. }))
        .collect()
}

#[test]
fn outer_headers_are_the_kernels() {
    let t = overlay(4789, 42, 42, "[192.168.1.2]");
    let mut sim = Sim::new(t);
    let o = sim.run_probe(0).unwrap();
    assert_eq!(o.result, ProbeResult::Reply);
    // Every VXLAN packet on the wire: outer IPv4 from local to the remote,
    // TTL 64, DF clear, UDP to 4789 from the ephemeral range, VNI 42, and
    // an inner Ethernet frame.
    let mut seen = 0;
    for e in sim.trace() {
        // As the hosts send them (the wire's switch sends each again).
        let (EventKind::FrameSent { bytes, .. }, Place::Iface(_)) = (&e.kind, e.place) else {
            continue;
        };
        let Ok(Frame {
            payload: Payload::Ipv4(p),
            ..
        }) = Frame::parse(bytes)
        else {
            continue;
        };
        let L4::Udp(u) = &p.l4 else { continue };
        if u.dst_port != 4789 {
            continue;
        }
        seen += 1;
        assert_eq!(p.ttl, 64);
        assert!(!p.dont_fragment);
        assert!(p.src.octets()[..3] == [192, 168, 1] && p.dst.octets()[..3] == [192, 168, 1]);
        assert_ne!(p.src, p.dst);
        assert!((32768..61000).contains(&u.src_port), "{}", u.src_port);
        let (h, inner) = VxlanHeader::parse(&u.data).unwrap();
        assert_eq!(h.vni, Vni::try_new(42).unwrap());
        assert!(Frame::parse(inner).is_ok());
    }
    // ARP request, ARP reply, echo request, echo reply.
    assert_eq!(seen, 4);
}

#[test]
fn head_end_replication_until_learned() {
    let t = example("vxlan-three-hosts.yaml");
    let mut sim = Sim::new(Arc::clone(&t));
    let first = sim.run_probe(0).unwrap();
    let ev = sim.events_of(&first).to_vec();
    // c1's ARP request: one copy to each of host1's two remotes.
    let arp: Vec<_> = encaps(&ev)
        .into_iter()
        .filter(|e| {
            matches!(&e.kind, EventKind::VxlanEncap { fdb_mac, copies: 2, .. }
                if *fdb_mac == netsim_core::wire::MacAddr::ZERO)
        })
        .collect();
    assert_eq!(arp.len(), 2);
    // The echo request to a learned MAC: one packet, to host3 only.
    let echo = encaps(&ev)
        .into_iter()
        .filter(|e| matches!(&e.kind, EventKind::VxlanEncap { copies: 1, .. }))
        .count();
    assert!(echo >= 1);
    let host1 = t.node_by_name("host1").unwrap();
    let fdb = view::render(&sim, host1, View::Fdb);
    assert!(
        fdb.contains("02:42:0a:01:00:03 dev vxlan0 dst 192.168.1.3 self \n"),
        "{fdb}"
    );
    assert!(fdb.ends_with(
        "00:00:00:00:00:00 dev vxlan0 dst 192.168.1.2 self permanent\n\
         00:00:00:00:00:00 dev vxlan0 dst 192.168.1.3 self permanent\n"
    ));
    // The bridge learned c3 behind its vxlan port, listed before vxlan0's own.
    assert!(
        fdb.contains("02:42:0a:01:00:03 dev vxlan0 master br0 \n"),
        "{fdb}"
    );
}

#[test]
fn a_remote_listed_twice_is_one_destination() {
    // `bridge fdb append` of an existing destination does nothing.
    let t = overlay(4789, 42, 42, "[192.168.1.2, 192.168.1.2]");
    let h1 = t.node_by_name("h1").unwrap();
    let mut sim = Sim::new(t);
    sim.run_probe(0).unwrap();
    assert!(encaps(sim.trace())
        .iter()
        .all(|e| matches!(e.kind, EventKind::VxlanEncap { copies: 1, .. })));
    let fdb = view::render(&sim, h1, View::Fdb);
    assert_eq!(
        fdb.matches("00:00:00:00:00:00 dev vx dst").count(),
        1,
        "{fdb}"
    );
}

#[test]
fn another_port_works_end_to_end() {
    let t = overlay(8472, 5, 5, "[192.168.1.2]");
    let mut sim = Sim::new(t);
    for o in sim.run_all() {
        assert_eq!(o.result, ProbeResult::Reply);
    }
    assert!(sim
        .trace()
        .iter()
        .any(|e| matches!(e.kind, EventKind::VxlanDecap { port: 8472, .. })));
}

#[test]
fn a_vni_mismatch_and_a_missing_remote_are_drops_with_reasons() {
    let mut sim = Sim::new(overlay(4789, 42, 43, "[192.168.1.2]"));
    let o = sim.run_probe(0).unwrap();
    assert_eq!(o.result, ProbeResult::Unreachable);
    assert!(sim.trace().iter().any(|e| matches!(
        e.kind,
        EventKind::Drop {
            reason: DropReason::VxlanNoVni {
                vni: 42,
                port: 4789
            }
        }
    )));
    let mut sim = Sim::new(overlay(4789, 42, 42, "[]"));
    let o = sim.run_probe(0).unwrap();
    assert_eq!(o.result, ProbeResult::Unreachable);
    assert!(sim.trace().iter().any(|e| matches!(
        e.kind,
        EventKind::Drop {
            reason: DropReason::VxlanNoRemote
        }
    )));
}

#[test]
fn a_vxlan_port_without_the_vni_is_silent_but_a_closed_port_answers() {
    // UDP to 4789 on h2 (a vxlan port) carries no VXLAN header: dropped
    // as malformed, no ICMP; to 4790, nobody's port: port unreachable.
    let t = overlay(4789, 42, 42, "[192.168.1.2]");
    let h1 = t.node_by_name("h1").unwrap();
    let mut sim = Sim::new(t);
    for (port, want) in [(4789, ProbeResult::Timeout), (4790, ProbeResult::Refused)] {
        let probe = Probe {
            from: h1,
            to_text: "192.168.1.2".into(),
            to: "192.168.1.2".parse().unwrap(),
            proto: ProbeProto::Udp,
            port: Some(port),
            ttl: 64,
            expect: None,
        };
        assert_eq!(sim.run_adhoc(9, &probe).result, want, "port {port}");
    }
}

#[test]
fn the_routed_overlay_decrements_ttl_once_per_host() {
    let t = example("vxlan-routed.yaml");
    let mut sim = Sim::new(t);
    let o = sim.run_probe(0).unwrap();
    assert_eq!((o.result, o.ttl), (ProbeResult::Reply, Some(62)));
}

/// Every decapsulated frame is byte for byte a frame that was encapsulated
/// for the same packet.
fn decap_matches_encap(events: &[Event]) {
    let mut checked = 0;
    for d in events {
        let EventKind::VxlanDecap { inner, .. } = &d.kind else {
            continue;
        };
        let found = events.iter().any(|e| {
            matches!(&e.kind, EventKind::VxlanEncap { inner: i, .. } if i[..] == inner[..])
                && e.packet == d.packet
        });
        assert!(found, "a decapsulated frame was never encapsulated");
        checked += 1;
    }
    assert!(checked > 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn header_round_trip(vni in 1u32..=0x00ff_ffff, inner in proptest::collection::vec(any::<u8>(), 0..200)) {
        let h = VxlanHeader { vni: Vni::try_new(vni).unwrap() };
        let bytes = h.encapsulate(&inner);
        let (back, rest) = VxlanHeader::parse(&bytes).unwrap();
        prop_assert_eq!(back, h);
        prop_assert_eq!(rest, &inner[..]);
    }

    #[test]
    fn decapsulation_returns_the_encapsulated_frame(
        proto in 0u8..3, port in 1u16..1024, ttl in 1u8..=64, vni in 1u32..5000
    ) {
        let mut t = overlay(4789, vni, vni, "[192.168.1.2]");
        t.probes.truncate(1);
        let p = &mut t.probes[0];
        p.proto = [ProbeProto::Icmp, ProbeProto::Tcp, ProbeProto::Udp][proto as usize];
        p.port = (proto > 0).then_some(port);
        p.ttl = ttl;
        let mut sim = Sim::new(t);
        sim.run_all();
        decap_matches_encap(sim.trace());
    }

    /// Real VXLAN packets, a few bytes changed (outer or inner), fed to
    /// any interface: handled or dropped, never a panic.
    #[test]
    fn mutated_vxlan_packets_are_handled_or_dropped(
        flips in proptest::collection::vec((0usize..120, any::<u8>()), 1..6),
        which in 0usize..1000,
        iface in 0u32..64,
    ) {
        let t = example("vxlan-two-hosts.yaml");
        let mut sim = Sim::new(Arc::clone(&t));
        sim.run_all();
        let frames: Vec<Vec<u8>> = sim
            .trace()
            .iter()
            .filter_map(|e| e.bytes())
            .filter(|b| b.len() > 50 && b[36..38] == [0x12, 0xb5])
            .map(|b| b.to_vec())
            .collect();
        prop_assume!(!frames.is_empty());
        let mut f = frames[which % frames.len()].clone();
        for (pos, val) in flips {
            let len = f.len();
            f[pos % len] = val;
        }
        let iface = netsim_core::model::IfaceId(iface % t.ifaces.len() as u32);
        let (a, b) = sim.inject(iface, &f);
        prop_assert!(b > a);
        let _ = netsim_core::trace::render(&t, &sim.trace()[a..b]);
    }

    /// Random overlays: 2 to 4 hosts on one wire, each with one or two
    /// vxlan devices (VNI 1 or 2, port 4789 or 8472, some of the others as
    /// remotes), bridged with a container or addressed for routing. Every
    /// accepted one runs to an end (loops through two vxlans on one bridge
    /// included), its views print, and every decapsulated frame is one that
    /// was encapsulated.
    #[test]
    fn random_overlays_run_to_an_end(
        hosts in proptest::collection::vec(
            (proptest::collection::vec((1u8..3, any::<bool>(), 0u8..16), 1..3), any::<bool>()),
            2..5,
        ),
        probes in proptest::collection::vec((0usize..4, 0usize..4, 0u8..3), 1..4),
    ) {
        let n = hosts.len();
        let mut y = String::from("name: rnd\nnodes:\n");
        let mut links = String::from("links:\n");
        for (h, (vxs, bridged)) in hosts.iter().enumerate() {
            y.push_str(&format!(
                "  h{h}:\n    kind: host\n    forwarding: true\n    interfaces:\n      eth0: {{ addresses: [192.168.9.{}/24] }}\n      br0: {{ type: bridge }}\n",
                h + 1
            ));
            for (k, (vni, alt, mask)) in vxs.iter().enumerate() {
                let remotes: Vec<String> = (0..n)
                    .filter(|&o| o != h && mask & (1 << o) != 0)
                    .map(|o| format!("192.168.9.{}", o + 1))
                    .collect();
                let port = if *alt { 8472 } else { 4789 };
                let tail = if *bridged {
                    "master: br0".to_string()
                } else {
                    format!("addresses: [10.{k}.0.{}/24]", h + 1)
                };
                y.push_str(&format!(
                    "      vx{k}: {{ type: vxlan, vni: {vni}, local: 192.168.9.{}, remotes: [{}], dev: eth0, port: {port}, {tail} }}\n",
                    h + 1,
                    remotes.join(", ")
                ));
            }
            y.push_str(&format!(
                "  c{h}:\n    kind: container\n    on: h{h}\n    interfaces:\n      eth0: {{ addresses: [10.0.0.{}/24] }}\n    listen: [udp/53]\n",
                h + 101
            ));
            links.push_str(&format!("  - {{ veth: [c{h}:eth0, h{h}:vc], master: br0 }}\n"));
        }
        let ends: Vec<String> = (0..n).map(|h| format!("h{h}:eth0")).collect();
        links.push_str(&format!("  - wire: [{}]\n", ends.join(", ")));
        y.push_str(&links);
        y.push_str("probes:\n");
        for (from, to, proto) in probes {
            let (from, to) = (from % n, to % n);
            let p = match proto {
                0 => "icmp".to_string(),
                1 => "udp, port: 53".to_string(),
                _ => "tcp, port: 80".to_string(),
            };
            y.push_str(&format!("  - {{ from: c{from}, to: 10.0.0.{}, proto: {p} }}\n", to + 101));
        }
        let Ok(topo) = netsim_core::load("rnd.yaml", &y) else {
            // Two devices with one VNI and port on a host: refused, rightly.
            return Ok(());
        };
        let mut sim = Sim::new(topo.clone());
        let outcomes = sim.run_all();
        prop_assert_eq!(outcomes.len(), topo.probes.len());
        let _ = netsim_core::trace::render(&topo, sim.trace());
        for node in &topo.nodes {
            for v in View::ALL {
                let _ = view::render(&sim, node.id, v);
            }
        }
        for d in sim.trace() {
            if let EventKind::VxlanDecap { inner, .. } = &d.kind {
                let found = sim.trace().iter().any(|e| {
                    matches!(&e.kind, EventKind::VxlanEncap { inner: i, .. } if i[..] == inner[..])
                });
                prop_assert!(found);
            }
        }
    }
}
