//! Behaviour of the data path that the examples do not all show: storms on
//! a bridge loop, a SYN-ACK nobody asked for, SYN retransmission, ARP
//! failure timing, wires learning, local delivery over lo.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use netsim_core::model::ProbeResult;
use netsim_core::sim::{Sim, PROBE_TIMEOUT};
use netsim_core::trace::{Answer, Delivery, DropReason, EventKind, FloodWhy, IcmpError, Switch};
use netsim_core::wire::frame::{
    DestUnreachableHeader, Frame, Ipv4Packet, Payload, Tcp, TcpFlags, L4,
};
use netsim_core::Topology;

fn load(yaml: &str) -> Topology {
    netsim_core::load("test.yaml", yaml).unwrap_or_else(|d| panic!("{d}"))
}

const TWO: &str = "
name: two
nodes:
  a:
    kind: host
    interfaces:
      eth0: { addresses: [10.0.0.1/24] }
  b:
    kind: host
    interfaces:
      eth0: { addresses: [10.0.0.2/24] }
    listen: [tcp/80]
links:
  - veth: [a:eth0, b:eth0]
probes:
  - { from: a, to: b, proto: tcp, port: 80, expect: reply }
  - { from: a, to: 10.0.0.3, proto: tcp, port: 80, expect: unreachable }
  - { from: a, to: a, proto: icmp, expect: { result: reply, seen_from: 10.0.0.1, ttl: 64 } }
  - { from: a, to: 127.0.0.1, proto: udp, port: 7, expect: refused }
";

#[test]
fn bridge_loop_is_stopped_as_a_storm() {
    let topo = load(
        "
name: loop
nodes:
  h:
    kind: host
    interfaces:
      br0: { type: bridge }
      br1: { type: bridge }
      x0: { master: br0 }
      y0: { master: br0 }
  c:
    kind: container
    interfaces:
      eth0: { addresses: [10.0.0.1/24] }
links:
  - { veth: [h:x0, h:x1], master: br1 }
  - { veth: [h:y0, h:y1], master: br1 }
  - { veth: [c:eth0, h:p], master: br0 }
probes:
  - { from: c, to: 10.0.0.2, proto: icmp }
",
    );
    let mut sim = Sim::new(topo.clone());
    let o = sim.run_probe(0).unwrap();
    let events = sim.events_of(&o);
    assert!(
        events.iter().any(|e| matches!(
            e.kind,
            EventKind::Drop {
                reason: DropReason::Storm { .. }
            }
        )),
        "a loop of two bridges must end as a storm"
    );
    assert!(
        events.len() < 60_000,
        "the storm is cut short: {} events",
        events.len()
    );
    let floods = events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Flood {
                    why: FloodWhy::Broadcast,
                    ..
                }
            )
        })
        .count();
    // A bridge flooded the same ARP request a 33rd time: the stop comes
    // within a few turns of the loop, long before the event bound.
    assert!(
        floods > 60 && events.len() < 5_000,
        "the ARP broadcast keeps circling: {floods} floods in {} events",
        events.len()
    );
}

#[test]
fn tcp_handshake_and_arp_failure_and_loopback() {
    let topo = load(TWO);
    let mut sim = Sim::new(topo.clone());
    let out = sim.run_all();
    let results: Vec<ProbeResult> = out.iter().map(|o| o.result).collect();
    assert_eq!(
        results,
        [
            ProbeResult::Reply,
            ProbeResult::Unreachable,
            ProbeResult::Reply,
            ProbeResult::Refused
        ]
    );
    // The handshake completes: b's listener accepts after the final ACK.
    let first = sim.events_of(&out[0]);
    assert!(first.iter().any(|e| matches!(
        e.kind,
        EventKind::Deliver {
            delivery: Delivery::TcpAccepted { port: 80 }
        }
    )));
    // ARP for 10.0.0.3 fails after three requests, 1 s apart: at 3 s. The
    // socket learns it from the ICMP host unreachable its own kernel sends
    // it over lo, from its own address (the kernel's IP_RECVERR shows
    // origin icmp, offender the sender's address).
    let second = &out[1];
    assert_eq!(
        second.answer,
        Answer::Icmp {
            from: "10.0.0.1".parse().unwrap(),
            error: IcmpError::Unreachable(DestUnreachableHeader::Host),
        }
    );
    assert_eq!(second.finished - second.started, 3_000_000_000);
    let ev = sim.events_of(second);
    let requests = ev
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::FrameSent { bytes, .. } if matches!(Frame::parse(bytes).unwrap().payload, Payload::Arp(_))))
        .count();
    assert_eq!(requests, 3);
    // The SYN was retransmitted at 1 s while ARP was still failing.
    assert!(ev
        .iter()
        .any(|e| matches!(e.kind, EventKind::NeighMiss { request: false, .. })));
    // Loopback: to itself, over lo.
    assert_eq!(out[2].reached, topo.node_by_name("a"));
}

#[test]
fn unsolicited_syn_ack_is_answered_with_rst() {
    let topo = load(TWO);
    let mut sim = Sim::new(topo.clone());
    sim.run_probe(0).unwrap(); // learn MACs
    let a = topo.node_by_name("a").unwrap();
    let b_eth0 = topo
        .iface_by_name(topo.node_by_name("b").unwrap(), "eth0")
        .unwrap();
    let a_eth0 = topo.iface_by_name(a, "eth0").unwrap();
    let syn_ack = Frame {
        dst: topo.iface(b_eth0).mac,
        src: topo.iface(a_eth0).mac,
        payload: Payload::Ipv4(Ipv4Packet {
            src: "10.0.0.1".parse().unwrap(),
            dst: "10.0.0.2".parse().unwrap(),
            ttl: 64,
            ident: 1,
            dont_fragment: true,
            l4: L4::Tcp(Tcp {
                src_port: 80,
                dst_port: 40000,
                seq: 7,
                ack: 1234,
                flags: TcpFlags {
                    syn: true,
                    ack: true,
                    ..TcpFlags::default()
                },
                window: 100,
            }),
        }),
    };
    let (x, y) = sim.inject(b_eth0, &syn_ack.emit());
    let rst = sim.trace()[x..y].iter().find_map(|e| match &e.kind {
        EventKind::FrameSent { bytes, .. }
            if e.place == netsim_core::trace::Place::Iface(b_eth0) =>
        {
            match Frame::parse(bytes).unwrap().payload {
                Payload::Ipv4(Ipv4Packet { l4: L4::Tcp(t), .. }) => Some(t),
                _ => None,
            }
        }
        _ => None,
    });
    let rst = rst.expect("b answers");
    assert!(rst.flags.rst && !rst.flags.syn, "{rst:?}");
    assert_eq!(
        rst.seq, 1234,
        "RST takes the SYN-ACK's ack number as its sequence"
    );
}

#[test]
fn a_dropped_syn_is_retransmitted_then_times_out() {
    // b does not forward, so the SYN to 10.9.0.1 dies there silently.
    let topo = load(
        "
name: t
nodes:
  a:
    kind: host
    interfaces:
      eth0: { addresses: [10.0.0.1/24] }
    routes:
      - { to: default, via: 10.0.0.2 }
  b:
    kind: host
    interfaces:
      eth0: { addresses: [10.0.0.2/24] }
links:
  - veth: [a:eth0, b:eth0]
probes:
  - { from: a, to: 10.9.0.1, proto: tcp, port: 80, expect: timeout }
",
    );
    let mut sim = Sim::new(topo.clone());
    let o = sim.run_probe(0).unwrap();
    assert_eq!(o.result, ProbeResult::Timeout);
    assert_eq!(o.finished - o.started, PROBE_TIMEOUT);
    let ev = sim.events_of(&o);
    let drops: Vec<u64> = ev
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Drop {
                    reason: DropReason::ForwardingOff
                }
            )
        })
        .map(|e| e.time / 1_000_000_000)
        .collect();
    assert_eq!(drops, [0, 1, 3], "SYN at 0 s, retransmitted at 1 s and 3 s");
}

#[test]
fn wire_learns_and_then_forwards_to_one_port() {
    let topo = load(
        "
name: w
nodes:
  a: { kind: host, interfaces: { eth0: { addresses: [10.0.0.1/24] } } }
  b: { kind: host, interfaces: { eth0: { addresses: [10.0.0.2/24] } } }
  c: { kind: host, interfaces: { eth0: { addresses: [10.0.0.3/24] } } }
links:
  - { wire: [a:eth0, b:eth0, c:eth0], name: lan }
probes:
  - { from: a, to: b, proto: icmp, expect: reply }
  - { from: a, to: b, proto: icmp, expect: reply }
",
    );
    let mut sim = Sim::new(topo.clone());
    let out = sim.run_all();
    let first = sim.events_of(&out[0]);
    assert!(first.iter().any(|e| matches!(
        e.kind,
        EventKind::Flood {
            switch: Switch::Wire(_),
            why: FloodWhy::Broadcast,
            ..
        }
    )));
    let second = sim.events_of(&out[1]);
    assert!(
        !second
            .iter()
            .any(|e| matches!(e.kind, EventKind::Flood { .. })),
        "warm: no flooding"
    );
    let c = topo
        .iface_by_name(topo.node_by_name("c").unwrap(), "eth0")
        .unwrap();
    assert!(
        !second
            .iter()
            .any(|e| e.place == netsim_core::trace::Place::Iface(c)),
        "c sees nothing of the second ping"
    );
}

#[test]
fn every_host_may_have_its_own_docker0_with_the_same_addresses() {
    // Two Docker hosts on one LAN, each with 172.17.0.1 on docker0 and a
    // container at 172.17.0.2: namespaces keep them apart.
    let topo = load(
        "
name: twohosts
nodes:
  h1:
    kind: host
    interfaces:
      eth0: { addresses: [192.168.1.10/24] }
      docker0: { type: bridge, addresses: [172.17.0.1/16] }
  h2:
    kind: host
    interfaces:
      eth0: { addresses: [192.168.1.11/24] }
      docker0: { type: bridge, addresses: [172.17.0.1/16] }
  a:
    kind: container
    on: h1
    interfaces:
      eth0: { addresses: [172.17.0.2/16] }
    routes:
      - { to: default, via: 172.17.0.1 }
  b:
    kind: container
    on: h2
    interfaces:
      eth0: { addresses: [172.17.0.2/16] }
    routes:
      - { to: default, via: 172.17.0.1 }
links:
  - { veth: [a:eth0, h1:veth-a], master: docker0 }
  - { veth: [b:eth0, h2:veth-b], master: docker0 }
  - { wire: [h1:eth0, h2:eth0], name: lan }
probes:
  - { from: a, to: 172.17.0.1, proto: icmp, expect: reply }
  - { from: b, to: 172.17.0.1, proto: icmp, expect: reply }
  - { from: h1, to: 192.168.1.11, proto: icmp, expect: reply }
  - { from: a, to: 192.168.1.11, proto: icmp, expect: timeout }
",
    );
    let mut sim = Sim::new(topo.clone());
    let out = sim.run_all();
    let h1 = topo.node_by_name("h1");
    let h2 = topo.node_by_name("h2");
    assert_eq!(out[0].result, ProbeResult::Reply);
    assert_eq!(out[0].reached, h1, "a's gateway is its own host's docker0");
    assert_eq!(out[1].reached, h2, "b's gateway is its own host's docker0");
    assert_eq!(out[2].result, ProbeResult::Reply);
    // h1 does not forward: a's packet for the LAN dies in h1, silently.
    assert_eq!(out[3].result, ProbeResult::Timeout);
    let ev = sim.events_of(&out[3]);
    assert!(ev.iter().any(|e| matches!(
        e.kind,
        EventKind::Drop {
            reason: DropReason::ForwardingOff
        }
    )));
}

#[test]
fn an_injected_broadcast_on_a_loop_is_stopped_at_the_event_bound_with_its_loop() {
    // A frame put on the wire by hand belongs to no packet, so the
    // flood-repeat rule cannot see it come round: the event bound stops it.
    let topo = load(
        "
name: loop
nodes:
  h:
    kind: host
    interfaces:
      br0: { type: bridge }
      a0: { master: br0 }
      b0: { master: br0 }
      c0: { master: br0 }
links:
  - { veth: [h:a0, h:a1], master: br0 }
  - { veth: [h:b0, h:b1], master: br0 }
  - { veth: [h:c0, h:c1] }
",
    );
    let mut sim = Sim::new(topo.clone());
    // As if c1 sent it: it arrives on br0's port c0.
    let c0 = topo
        .iface_by_name(topo.node_by_name("h").unwrap(), "c0")
        .unwrap();
    let frame = Frame {
        dst: netsim_core::wire::MacAddr::BROADCAST,
        src: netsim_core::wire::MacAddr([2, 0, 0, 0, 0, 9]),
        payload: Payload::Other {
            ethertype: 0x88b5,
            len: 46,
        },
    }
    .emit();
    let (a, b) = sim.inject(c0, &frame);
    let events = &sim.trace()[a..b];
    assert!(events.len() <= netsim_core::sim::EVENT_BUDGET + 100);
    let ports = events.iter().find_map(|e| match &e.kind {
        EventKind::Drop {
            reason: DropReason::Storm { ports, .. },
        } => Some(ports.clone()),
        _ => None,
    });
    let ports: Vec<String> = ports
        .expect("stopped as a storm")
        .iter()
        .map(|&p| topo.iface_label(p))
        .collect();
    // br0 is cabled to itself twice: a1 → a0 is one loop.
    assert_eq!(ports, ["h:a0", "h:a1"]);
}
