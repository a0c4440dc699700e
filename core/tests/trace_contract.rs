//! The trace contract that the page, the pcap export and `netsim verify`
//! read: every frame's crossing is one `transmit` between its `frame_sent`
//! and `frame_received`; every event names its cause; a packet keeps its id
//! across routers; several probes can be in flight at once; and a router
//! forwards exactly the bytes it received, but for the TTL and checksum.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::Arc;

use etherparse::{TcpHeader, TcpOptionElement};
use netsim_core::examples;
use netsim_core::model::{ProbeResult, Topology};
use netsim_core::sim::Sim;
use netsim_core::trace::{Event, EventKind, Link, Place};
use netsim_core::wire::frame::{self, Frame, Icmp, Payload, L4};
use proptest::prelude::*;

fn load(file: &str, yaml: &str) -> Arc<Topology> {
    Arc::new(netsim_core::load(file, yaml).unwrap_or_else(|d| panic!("{d}")))
}

fn example(file: &str) -> Arc<Topology> {
    let e = examples::find(file).unwrap();
    load(e.file, e.yaml)
}

/// Checks the frame and cause rules on a trace whose first event is event
/// number `base` of the run (causes are run numbers).
fn check_contract(name: &str, trace: &[Event], base: usize) {
    let local = |c: u32| (c as usize).checked_sub(base);
    let mut transmits: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, e) in trace.iter().enumerate() {
        if let EventKind::Transmit { frame, .. } = e.kind {
            transmits.entry(frame.0).or_default().push(i);
        }
        if let Some(c) = e.cause.and_then(local) {
            assert!(
                c < i,
                "{name}: event {i} ({}) names a later cause {c}",
                e.kind_name()
            );
        }
    }
    for (i, e) in trace.iter().enumerate() {
        match &e.kind {
            EventKind::FrameSent { frame, .. } => {
                let t = transmits.get(&frame.0).map_or(&[][..], |v| v.as_slice());
                assert_eq!(
                    t.len(),
                    1,
                    "{name}: frame_sent {i} has {} transmits",
                    t.len()
                );
                assert_eq!(
                    trace[t[0]].cause.and_then(local),
                    Some(i),
                    "{name}: the transmit of frame {} is not caused by its frame_sent",
                    frame.0
                );
                assert_eq!(trace[t[0]].packet, e.packet);
            }
            // A frame put on an interface by `Sim::inject` came from no
            // cable and has no cause; every other one crossed one.
            EventKind::FrameReceived { .. } if e.cause.is_none() && e.probe.is_none() => {}
            EventKind::FrameReceived { frame, .. } => {
                let t = transmits.get(&frame.0).map_or(&[][..], |v| v.as_slice());
                assert_eq!(
                    t.len(),
                    1,
                    "{name}: frame_received {i} has {} transmits",
                    t.len()
                );
                assert!(t[0] < i, "{name}: frame_received {i} before its transmit");
                assert_eq!(e.cause.and_then(local), Some(t[0]), "{name}: event {i}");
                assert_eq!(trace[t[0]].packet, e.packet);
            }
            EventKind::Transmit {
                depart,
                arrive,
                link,
                ..
            } => {
                assert!(arrive >= depart);
                if matches!(link, Link::Veth(_) | Link::Wire(_)) {
                    assert!(arrive > depart, "{name}: a cable takes time");
                }
            }
            _ => {}
        }
        // Everything but the start of a probe, a storm's end and an
        // injected frame's arrival has a cause.
        if !matches!(e.kind, EventKind::ProbeStart { .. }) && e.probe.is_some() {
            assert!(
                e.cause.is_some(),
                "{name}: event {i} ({}) has no cause",
                e.kind_name()
            );
        }
    }
}

#[test]
fn every_frame_crosses_once_and_every_event_names_its_cause() {
    for e in examples::ALL {
        let topo = load(e.file, e.yaml);
        let mut sim = Sim::new(topo);
        sim.run_all();
        check_contract(e.file, sim.trace(), sim.trace_base());
        assert!(
            sim.trace()
                .iter()
                .any(|e| matches!(e.kind, EventKind::Transmit { .. })),
            "{}",
            e.file
        );
    }
}

#[test]
fn a_packet_keeps_its_id_across_a_router_and_arp_names_what_it_waited_for() {
    let topo = example("router.yaml");
    let mut sim = Sim::new(Arc::clone(&topo));
    // Probe 1: c1 pings c3, through r1.
    let o = sim.run_probe(0).unwrap();
    assert_eq!(o.result, ProbeResult::Reply);
    let ev = sim.events_of(&o);
    let echo: Vec<&Event> = ev
        .iter()
        .filter(|e| matches!(e.kind, EventKind::FrameSent { .. }))
        .filter(|e| {
            matches!(
                Frame::parse(e.bytes().unwrap()).unwrap().payload,
                Payload::Ipv4(ref p) if matches!(p.l4, L4::Icmp(Icmp::EchoRequest { .. }))
            )
        })
        .collect();
    assert!(echo.len() >= 2, "the request is sent by c1 and again by r1");
    let id = echo[0].packet.expect("a packet id");
    assert!(echo.iter().all(|e| e.packet == Some(id)));
    let ttls: Vec<u8> = echo
        .iter()
        .map(
            |e| match Frame::parse(e.bytes().unwrap()).unwrap().payload {
                Payload::Ipv4(p) => p.ttl,
                _ => 0,
            },
        )
        .collect();
    assert_eq!(ttls.first(), Some(&64));
    assert_eq!(ttls.last(), Some(&63));
    // c1's ARP request was caused by the echo request waiting for it.
    let arp = ev
        .iter()
        .find(|e| {
            e.place.label(&topo) == "c1:eth0"
                && matches!(e.kind, EventKind::FrameSent { .. })
                && matches!(
                    Frame::parse(e.bytes().unwrap()).unwrap().payload,
                    Payload::Arp(_)
                )
        })
        .expect("c1 asks for its gateway");
    assert_eq!(arp.cause_packet, Some(id));
    assert_ne!(arp.packet, Some(id));
    // The reply is a packet of its own, caused by the request.
    let reply = ev
        .iter()
        .find(|e| {
            matches!(e.kind, EventKind::FrameSent { .. })
                && matches!(
                    Frame::parse(e.bytes().unwrap()).unwrap().payload,
                    Payload::Ipv4(ref p) if matches!(p.l4, L4::Icmp(Icmp::EchoReply { .. }))
                )
        })
        .expect("c3 replies");
    assert_eq!(reply.cause_packet, Some(id));
    // Following the causes from the reply leads back to the probe's start.
    let mut k = sim
        .trace()
        .iter()
        .position(|e| std::ptr::eq(e, reply))
        .unwrap();
    while let Some(c) = sim.trace()[k].cause {
        k = c as usize;
    }
    assert!(matches!(
        sim.trace()[k].kind,
        EventKind::ProbeStart { index: 0, .. }
    ));
}

#[test]
fn two_probes_in_flight_at_once_are_answered_on_their_own_sockets() {
    let topo = example("docker0.yaml");
    let mut sim = Sim::new(Arc::clone(&topo));
    // docker0's probe 1 (bus2 pings bus1) twice at the same moment, and
    // the file's TCP probe beside them.
    let ping = sim.start_probe(0).unwrap();
    let again = sim.start_probe(0).unwrap();
    let outcomes = sim.run_started();
    assert_eq!(outcomes.len(), 2);
    assert!(outcomes.iter().all(|o| o.result == ProbeResult::Reply));
    assert_eq!(outcomes[0].flow, ping);
    assert_eq!(outcomes[1].flow, again);
    // Two echo ids, one per socket, each with its own answer.
    let mut ids: Vec<u16> = sim
        .trace()
        .iter()
        .filter_map(|e| match Frame::parse(e.bytes()?).ok()?.payload {
            Payload::Ipv4(p) => match p.l4 {
                L4::Icmp(Icmp::EchoReply { id, .. }) => Some(id),
                _ => None,
            },
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2, "two sockets, two echo ids");
    let answers = sim
        .trace()
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Deliver {
                    delivery: netsim_core::trace::Delivery::ProbeAnswer { .. }
                }
            )
        })
        .count();
    assert_eq!(answers, 2);
    check_contract("docker0 twice", sim.trace(), sim.trace_base());
}

#[test]
fn a_probe_number_out_of_range_runs_nothing() {
    let topo = example("docker0.yaml");
    let mut sim = Sim::new(Arc::clone(&topo));
    assert!(sim.run_probe(topo.probes.len()).is_none());
    assert!(sim.trace().is_empty());
}

const LINE: &str = "
name: line
nodes:
  a:
    kind: host
    interfaces:
      eth0: { addresses: [10.0.1.1/24] }
    routes:
      - { to: default, via: 10.0.1.254 }
  r:
    kind: router
    forwarding: true
    interfaces:
      eth0: { addresses: [10.0.1.254/24] }
      eth1: { addresses: [10.0.2.254/24] }
  b:
    kind: host
    interfaces:
      eth0: { addresses: [10.0.2.2/24] }
    routes:
      - { to: default, via: 10.0.2.254 }
links:
  - veth: [a:eth0, r:eth0]
  - veth: [r:eth1, b:eth0]
probes:
  - { from: a, to: b, proto: icmp, expect: reply }
";

/// IPv4 bytes from a to b with the given header fields, options and
/// transport bytes.
fn ip_bytes(
    tos: u8,
    ident: u16,
    df: bool,
    ttl: u8,
    options: usize,
    proto: u8,
    l4: &[u8],
) -> Vec<u8> {
    let ihl = 5 + options;
    let total = ihl * 4 + l4.len();
    let mut b = vec![0u8; ihl * 4];
    b[0] = 0x40 | ihl as u8;
    b[1] = tos;
    b[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    b[4..6].copy_from_slice(&ident.to_be_bytes());
    b[6] = if df { 0x40 } else { 0 };
    b[8] = ttl;
    b[9] = proto;
    b[12..16].copy_from_slice(&[10, 0, 1, 1]);
    b[16..20].copy_from_slice(&[10, 0, 2, 2]);
    for o in &mut b[20..] {
        *o = 1; // NOP options
    }
    let sum: u32 = b
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    let sum = (sum & 0xffff) + (sum >> 16);
    let sum = (sum & 0xffff) + (sum >> 16);
    b[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    b.extend_from_slice(l4);
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_router_forwards_the_bytes_it_received_but_ttl_and_checksum(
        tos in any::<u8>(),
        ident in any::<u16>(),
        df in any::<bool>(),
        ttl in 2u8..=255,
        options in 0usize..=10,
        kind in 0u8..3,
        payload in proptest::collection::vec(any::<u8>(), 0..120),
        sport in 1u16.., dport in 1u16.., seq in any::<u32>(),
    ) {
        let topo = load("line.yaml", LINE);
        let mut sim = Sim::new(Arc::clone(&topo));
        sim.run_probe(0).unwrap(); // ARP and FDBs warm
        sim.clear_trace();
        let (proto, l4) = match kind {
            0 => {
                let mut t = TcpHeader::new(sport, dport, seq, 29200);
                t.psh = true;
                t.ack = true;
                t.acknowledgment_number = seq ^ 0x5555;
                t.set_options(&[
                    TcpOptionElement::MaximumSegmentSize(1460),
                    TcpOptionElement::Noop,
                    TcpOptionElement::WindowScale(7),
                    TcpOptionElement::Timestamp(seq, 7),
                ]).unwrap();
                let mut l4 = t.to_bytes().to_vec();
                l4.extend_from_slice(&payload);
                (6, l4)
            }
            1 => {
                let mut l4 = Vec::new();
                l4.extend_from_slice(&sport.to_be_bytes());
                l4.extend_from_slice(&dport.to_be_bytes());
                l4.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
                l4.extend_from_slice(&[0x12, 0x34]); // any checksum: a router does not check it
                l4.extend_from_slice(&payload);
                (17, l4)
            }
            _ => (253, payload.clone()),
        };
        let ip = ip_bytes(tos, ident, df, ttl, options, proto, &l4);
        let r_eth0 = topo.iface_by_name(topo.node_by_name("r").unwrap(), "eth0").unwrap();
        let r_eth1 = topo.iface_by_name(topo.node_by_name("r").unwrap(), "eth1").unwrap();
        let a_mac = topo.iface(topo.iface_by_name(topo.node_by_name("a").unwrap(), "eth0").unwrap()).mac;
        let b_mac = topo.iface(topo.iface_by_name(topo.node_by_name("b").unwrap(), "eth0").unwrap()).mac;
        let frame_in = Frame::ipv4_bytes(topo.iface(r_eth0).mac, a_mac, &ip);
        let (x, y) = sim.inject(r_eth0, &frame_in);
        let out = sim.trace()[x..y]
            .iter()
            .find(|e| e.place == Place::Iface(r_eth1) && matches!(e.kind, EventKind::FrameSent { .. }))
            .and_then(|e| e.bytes().cloned());
        let out = out.expect("r forwards the packet out of eth1");
        prop_assert_eq!(&out[0..6], &b_mac.0[..]);
        prop_assert_eq!(&out[6..12], &topo.iface(r_eth1).mac.0[..]);
        let fwd = frame::ipv4_slice(&out).unwrap();
        prop_assert_eq!(fwd.len(), ip.len());
        prop_assert_eq!(fwd[8], ttl - 1);
        for (k, (a, b)) in ip.iter().zip(fwd).enumerate() {
            if k != 8 && k != 10 && k != 11 {
                prop_assert_eq!(a, b, "byte {} changed", k);
            }
        }
        // The forwarded header's checksum is right.
        let hl = (fwd[0] & 0x0f) as usize * 4;
        let sum: u32 = fwd[..hl].chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], w[1]]))).sum();
        let sum = (sum & 0xffff) + (sum >> 16);
        prop_assert_eq!((sum & 0xffff) + (sum >> 16), 0xffff);
        check_contract("line", sim.trace(), sim.trace_base());
    }
}

#[test]
fn flows_through_one_nat_at_once_keep_to_their_own_connections() {
    // Two connections through host1's masquerade at the same moment, one
    // to host2's published port and one to the server, and a third from
    // the server to that published port: each is translated from its own
    // conntrack entry and answered on its own socket.
    let topo = example("nat-two-hosts.yaml");
    let mut sim = Sim::new(Arc::clone(&topo));
    let flows: Vec<_> = [0usize, 2, 8]
        .iter()
        .map(|&k| sim.start_probe(k).unwrap())
        .collect();
    let outcomes = sim.run_started();
    assert_eq!(outcomes.len(), 3);
    for (o, k) in outcomes.iter().zip([0usize, 2, 8]) {
        let p = &topo.probes[k];
        assert!(
            o.check(p.expect.as_ref()).is_empty(),
            "probe {} at once with the others: {:?}",
            k + 1,
            o.check(p.expect.as_ref())
        );
    }
    assert_eq!(outcomes.iter().map(|o| o.flow).collect::<Vec<_>>(), flows);
    check_contract("nat at once", sim.trace(), sim.trace_base());
    // Every frame the run made parses, with every checksum right.
    for e in sim.trace() {
        if let Some(b) = e.bytes() {
            Frame::parse(b).unwrap_or_else(|err| panic!("{err}: {}", e.explain(&topo)));
        }
    }
}
