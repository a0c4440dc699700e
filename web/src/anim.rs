//! The animation as a pure function of (layout, trace, position): which
//! frames are on which cable, how far along, and what is being decided
//! where. No Yew, no clock: the page passes a position and draws what this
//! returns, so stepping back is exact.
//!
//! The position is a number of events: at `k.0` event `k` has just
//! happened; between `k` and `k + 1` the virtual clock runs from event
//! `k`'s time to event `k + 1`'s, and the frames on the cables glide.
//!
//! Frames' trips ([`Move`]) are the trace's `transmit` events; "why?"
//! follows its `cause` links and "the previous hop" its packet ids, so the
//! page infers nothing about networking itself.

use netsim_core::model::{IfaceId, NodeKind, Topology, WireId};
use netsim_core::sim::Time;
use netsim_core::trace::{Answer, Delivery, Endpoint, Event, EventKind, Place, Switch};
use netsim_core::wire::dissect::{dissect, Layer};

use crate::layout::{Layout, Point};

/// One end of a frame's trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Iface(IfaceId),
    /// On a wire's bus, where the NIC `via` drops onto it.
    Bus {
        wire: WireId,
        via: IfaceId,
    },
}

/// What a frame carries, for its colour and label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    Arp,
    Icmp,
    Tcp,
    Udp,
    /// A VXLAN packet: drawn as an outlined pill.
    Vxlan,
    Other,
}

impl FrameKind {
    /// The pill's label, which says the kind without relying on colour.
    pub fn label(self) -> &'static str {
        match self {
            FrameKind::Arp => "ARP",
            FrameKind::Icmp => "ICMP",
            FrameKind::Tcp => "TCP",
            FrameKind::Udp => "UDP",
            FrameKind::Vxlan => "VXLAN",
            FrameKind::Other => "ETH",
        }
    }

    /// The CSS class of the pill.
    pub fn class(self) -> &'static str {
        match self {
            FrameKind::Arp => "arp",
            FrameKind::Icmp => "icmp",
            FrameKind::Tcp => "tcp",
            FrameKind::Udp => "udp",
            FrameKind::Vxlan => "vxlan",
            FrameKind::Other => "other",
        }
    }

    /// From the dissected layers: the innermost protocol the page colours.
    pub fn of_layers(layers: &[Layer]) -> FrameKind {
        if layers.iter().any(|l| l.name == "VXLAN") {
            return FrameKind::Vxlan;
        }
        let mut k = FrameKind::Other;
        for l in layers {
            k = match l.name.as_str() {
                "ARP" => FrameKind::Arp,
                "ICMP" => FrameKind::Icmp,
                "TCP" => FrameKind::Tcp,
                "UDP" => FrameKind::Udp,
                _ => k,
            };
        }
        k
    }
}

/// One frame crossing one cable (a veth, half a wire).
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub from: End,
    pub to: End,
    pub depart: Time,
    pub arrive: Time,
    /// The event at which it leaves.
    pub sent: usize,
    /// The event at which it arrives (the trace's length if it never does).
    pub recv: usize,
    pub kind: FrameKind,
}

/// Every frame's trip along a cable in `events`, in the order they leave:
/// one per `transmit` event of the trace that takes time (a veth, either
/// half of a wire); a bridge's hand-over to its own stack and loopback
/// take none and are not drawn.
pub fn moves(events: &[Event]) -> Vec<Move> {
    let n = events.len();
    let mut out = Vec::new();
    for (k, e) in events.iter().enumerate() {
        let EventKind::Transmit {
            frame,
            from,
            to,
            depart,
            arrive,
            ..
        } = e.kind
        else {
            continue;
        };
        if arrive <= depart {
            continue;
        }
        let end = |p: Endpoint, other: Endpoint| match p {
            Endpoint::Iface(i) => Some(End::Iface(i)),
            Endpoint::Switch(Switch::Wire(wire)) => {
                let via = match other {
                    // Into the wire: it lands under the sender.
                    Endpoint::Iface(a) if matches!(from, Endpoint::Iface(_)) => Some(a),
                    // Out of the wire: from under the NIC that sent it in.
                    _ => events[..k].iter().rev().find_map(|x| match x.kind {
                        EventKind::Transmit {
                            from: Endpoint::Iface(a),
                            to: Endpoint::Switch(Switch::Wire(w)),
                            ..
                        } if w == wire => Some(a),
                        _ => None,
                    }),
                };
                via.map(|via| End::Bus { wire, via })
            }
            Endpoint::Switch(Switch::Bridge(b)) => Some(End::Iface(b)),
        };
        let (Some(a), Some(b)) = (end(from, to), end(to, from)) else {
            continue;
        };
        let recv = (k + 1..n)
            .find(|&j| {
                matches!(events[j].kind, EventKind::FrameReceived { frame: f, .. } if f == frame)
            })
            .unwrap_or(n);
        let kind = events[..k]
            .iter()
            .rev()
            .find(|x| x.frame() == Some(frame))
            .and_then(|x| x.bytes())
            .map_or(FrameKind::Other, |b| FrameKind::of_layers(&dissect(b)));
        out.push(Move {
            from: a,
            to: b,
            depart,
            arrive,
            sent: k,
            recv,
            kind,
        });
    }
    out
}

/// The point of the drawing where `end` is.
pub fn end_point(layout: &Layout, end: End) -> Point {
    match end {
        End::Iface(i) => layout
            .ifaces
            .get(i.index())
            .map(|d| d.at)
            .unwrap_or_default(),
        End::Bus { wire, via } => drop_point(layout, wire, via),
    }
}

fn drop_point(layout: &Layout, wire: WireId, nic: IfaceId) -> Point {
    layout
        .buses
        .get(wire.index())
        .and_then(|b| b.drops.iter().find(|d| d.0 == nic))
        .map(|d| d.1)
        .unwrap_or_default()
}

/// The polyline a move follows.
pub fn path(layout: &Layout, m: &Move) -> Vec<Point> {
    match (m.from, m.to) {
        (End::Bus { wire, via }, End::Iface(b)) => vec![
            drop_point(layout, wire, via),
            drop_point(layout, wire, b),
            end_point(layout, End::Iface(b)),
        ],
        (End::Iface(a), End::Iface(b)) => layout.cable(a, b),
        (a, b) => vec![end_point(layout, a), end_point(layout, b)],
    }
}

/// The point a fraction `t` of the way along a polyline, by length.
pub fn along(path: &[Point], t: f64) -> Point {
    let len = |a: Point, b: Point| ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt();
    let total: f64 = path.windows(2).map(|w| len(w[0], w[1])).sum();
    let mut left = total * t.clamp(0.0, 1.0);
    for w in path.windows(2) {
        let l = len(w[0], w[1]);
        if left <= l && l > 0.0 {
            return w[0].lerp(w[1], left / l);
        }
        left -= l;
    }
    path.last().copied().unwrap_or_default()
}

/// The virtual time at position `pos`.
pub fn time_at(events: &[Event], pos: f64) -> Time {
    let Some(last) = events.len().checked_sub(1) else {
        return 0;
    };
    let pos = pos.clamp(0.0, last as f64);
    let k = pos.floor() as usize;
    let f = pos - k as f64;
    let t0 = events[k].time;
    match events.get(k + 1) {
        Some(e) if f > 0.0 => t0 + ((e.time.saturating_sub(t0)) as f64 * f) as Time,
        _ => t0,
    }
}

/// The frames on the cables at `pos`: (index into `moves`, fraction of
/// the way).
pub fn frames_at(events: &[Event], moves: &[Move], pos: f64) -> Vec<(usize, f64)> {
    if events.is_empty() {
        return Vec::new();
    }
    let pos = pos.clamp(0.0, (events.len() - 1) as f64);
    let k = pos.floor() as usize;
    let exact = pos == k as f64;
    let now = time_at(events, pos);
    let mut out = Vec::new();
    for (i, m) in moves.iter().enumerate() {
        if m.sent > k {
            break; // sorted by departure event
        }
        let on = k < m.recv || (k == m.recv && exact);
        if !on {
            continue;
        }
        let f = if m.arrive > m.depart {
            (now.saturating_sub(m.depart)) as f64 / (m.arrive - m.depart) as f64
        } else {
            1.0
        };
        out.push((i, f.clamp(0.0, 1.0)));
    }
    out
}

/// Where an event happens in the drawing: an interface's dot, the top of a
/// node's box, a wire's bus.
pub fn place_point(layout: &Layout, topo: &Topology, place: Place) -> Point {
    match place {
        Place::Iface(i) => layout
            .ifaces
            .get(i.index())
            .map(|d| d.at)
            .unwrap_or_default(),
        Place::Node(n) => layout
            .nodes
            .get(n.index())
            .map(|r| {
                if topo.node(n).kind == NodeKind::Host {
                    Point::new(r.x + 24.0, r.y + 20.0)
                } else {
                    Point::new(r.x + r.w - 12.0, r.y + 12.0)
                }
            })
            .unwrap_or_default(),
        Place::Wire(w) => layout
            .buses
            .get(w.index())
            .map(|b| b.label)
            .unwrap_or_default(),
    }
}

/// The filter groups of the event list.
pub const GROUPS: [&str; 9] = [
    "ARP", "ICMP", "TCP", "UDP", "bridge", "route", "NAT", "VXLAN", "drops",
];

/// The group an event belongs to, for the event list's filter.
pub fn group(e: &Event) -> &'static str {
    let name = e.kind_name();
    if name.contains("nat") || name.contains("conntrack") {
        return "NAT";
    }
    match &e.kind {
        EventKind::VxlanEncap { .. }
        | EventKind::VxlanDecap { .. }
        | EventKind::VxlanLearn { .. } => "VXLAN",
        EventKind::FrameSent { .. } | EventKind::FrameReceived { .. } => e
            .bytes()
            .map(|b| FrameKind::of_layers(&dissect(b)))
            .map_or("bridge", |k| match k {
                FrameKind::Arp => "ARP",
                FrameKind::Icmp => "ICMP",
                FrameKind::Tcp => "TCP",
                FrameKind::Udp => "UDP",
                FrameKind::Vxlan => "VXLAN",
                FrameKind::Other => "bridge",
            }),
        // Its frame's group is known from the frame event (see `groups`).
        EventKind::Transmit { .. } => "bridge",
        EventKind::Redirect { .. } | EventKind::RouteRedirect { .. } => "route",
        EventKind::Netfilter { .. } => "NAT",
        EventKind::Learn { .. }
        | EventKind::Forward { .. }
        | EventKind::Flood { .. }
        | EventKind::PassUp { .. } => "bridge",
        EventKind::NeighHit { .. }
        | EventKind::NeighMiss { .. }
        | EventKind::NeighProbe { .. }
        | EventKind::NeighLearn { .. }
        | EventKind::NeighFailed { .. }
        | EventKind::NeighState { .. }
        | EventKind::ArpAnswer { .. } => "ARP",
        EventKind::RouteLookup { .. } | EventKind::TtlDecrement { .. } => "route",
        EventKind::IcmpError { .. } => "ICMP",
        EventKind::Drop { .. } => "drops",
        EventKind::ProbeStart { proto, .. } => match proto {
            netsim_core::model::ProbeProto::Icmp => "ICMP",
            netsim_core::model::ProbeProto::Tcp => "TCP",
            netsim_core::model::ProbeProto::Udp => "UDP",
        },
        EventKind::Deliver { delivery } => match delivery {
            Delivery::EchoRequest => "ICMP",
            Delivery::TcpSyn { .. }
            | Delivery::TcpAccepted { .. }
            | Delivery::TcpNoConnection { .. } => "TCP",
            Delivery::Udp { .. } => "UDP",
            Delivery::ProbeAnswer { answer, .. } => match answer {
                Answer::SynAck { .. } | Answer::Reset { .. } => "TCP",
                Answer::UdpReply { .. } => "UDP",
                Answer::LocalNoRoute | Answer::Nothing => "route",
                _ => "ICMP",
            },
        },
        EventKind::ProbeEnd { .. } => "route",
    }
}

/// The group of every event; a transmission takes its frame's.
pub fn groups(events: &[Event]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = events.iter().map(group).collect();
    for (k, e) in events.iter().enumerate() {
        if let EventKind::Transmit { frame, .. } = e.kind {
            if let Some(j) = (0..k)
                .rev()
                .find(|&j| events[j].bytes().is_some() && events[j].frame() == Some(frame))
            {
                out[k] = out[j];
            }
        }
    }
    out
}

/// The node an event is about (a wire's events belong to none).
pub fn node_of(topo: &Topology, e: &Event) -> Option<netsim_core::model::NodeId> {
    e.place.node(topo)
}

/// The chain of causes of event `k`, most recent first, back to the probe's
/// start, from the trace's `cause` links. `base` is the run's number of
/// `events[0]` (causes are numbered over the whole run).
pub fn causes(events: &[Event], base: usize, k: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut cur = k;
    while let Some(c) = events.get(cur).and_then(|e| e.cause) {
        match (c as usize).checked_sub(base) {
            Some(j) if j < cur => {
                out.push(j);
                cur = j;
            }
            _ => break,
        }
    }
    out
}

/// The same packet's frame at its previous hop, for "what changed": the
/// last frame event before `k` of the same packet (the trace's packet id,
/// kept across routers) in another namespace or wire.
pub fn previous_hop(topo: &Topology, events: &[Event], k: usize) -> Option<usize> {
    let e = events.get(k)?;
    e.bytes()?;
    let packet = e.packet?;
    let here = |x: &Event| match x.place {
        Place::Wire(w) => (None, Some(w)),
        p => (p.node(topo), None),
    };
    let mine = here(e);
    (0..k).rev().find(|&j| {
        let x = &events[j];
        x.packet == Some(packet) && x.bytes().is_some() && here(x) != mine
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::layout;
    use crate::model;
    use std::sync::Arc;

    fn run(key: &str, probe: usize) -> model::Run {
        let t = model::find_scenario(key)
            .and_then(|s| s.topo)
            .expect("loads");
        model::run_probe(Arc::clone(&t), probe).expect("the probe runs")
    }

    #[test]
    fn docker0_arp_floods_then_unicast() {
        let r = run("docker0", 0);
        let t = &r.topo;
        let eth = |n: &str| {
            t.iface_by_name(t.node_by_name(n).expect("node"), "eth0")
                .expect("eth0")
        };
        // The first trip: bus2's ARP request up its veth.
        let first = &r.moves[0];
        assert_eq!(first.from, End::Iface(eth("bus2")));
        assert_eq!(first.kind, FrameKind::Arp);
        assert!(first.recv < r.events.len() && first.recv > first.sent);
        // Every trip arrives, and ICMP follows ARP.
        assert!(r.moves.iter().all(|m| m.recv < r.events.len()));
        assert!(r.moves.iter().any(|m| m.kind == FrameKind::Icmp));
        // Halfway between the send and the next event the frame is on the
        // cable, partway along.
        let at = first.sent as f64 + 0.5;
        let f = frames_at(&r.events, &r.moves, at);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].1 > 0.0 && f[0].1 < 1.0);
        // At the very start nothing is on a cable yet; at the end neither.
        assert!(frames_at(&r.events, &r.moves, 0.0).is_empty());
        assert!(frames_at(&r.events, &r.moves, (r.events.len() - 1) as f64).is_empty());
    }

    #[test]
    fn a_flood_leaves_together() {
        let r = run("bridge", 0);
        // docker0-like bridge with 4 ports: the request floods to 3.
        let flood = r
            .events
            .iter()
            .position(|e| matches!(e.kind, EventKind::Flood { .. }))
            .expect("a flood");
        let copies: Vec<&Move> = r.moves.iter().filter(|m| m.sent > flood).take(3).collect();
        assert_eq!(copies.len(), 3);
        assert!(copies.iter().all(|m| m.depart == copies[0].depart));
        let last = copies.iter().map(|m| m.sent).max().unwrap_or(0);
        let on = frames_at(&r.events, &r.moves, last as f64 + 0.5);
        assert_eq!(on.len(), 3, "all three copies glide at once");
        let fr: Vec<f64> = on.iter().map(|x| x.1).collect();
        assert!(fr.iter().all(|f| (f - fr[0]).abs() < 1e-9));
    }

    #[test]
    fn wires_go_through_the_bus() {
        let r = run("nic-per-netns", 0);
        let l = layout(&r.topo);
        let m = r
            .moves
            .iter()
            .find(|m| matches!(m.from, End::Bus { .. }))
            .expect("a trip out of a wire");
        let p = path(&l, m);
        assert_eq!(p.len(), 3);
        assert_eq!(along(&p, 1.0), p[2]);
        assert_eq!(along(&p, 0.0), p[0]);
    }

    #[test]
    fn causes_lead_back_to_the_start() {
        let r = run("docker0", 0);
        let last = r.events.len() - 1;
        let c = causes(&r.events, r.prior, last);
        assert_eq!(c.last(), Some(&0), "back to the probe's start: {c:?}");
        assert!(c.windows(2).all(|w| w[0] > w[1]));
        assert!(causes(&r.events, r.prior, 0).is_empty());
        // A later probe: causes are numbered over the whole run.
        let r3 = run("docker0", 2);
        let c = causes(&r3.events, r3.prior, r3.events.len() - 1);
        assert_eq!(c.last(), Some(&0), "{c:?}");
    }

    #[test]
    fn the_router_changes_ttl_and_macs() {
        let r = run("router", 0);
        // The echo request as r1 sends it on towards c3, and its previous
        // hop: the bridge port that delivered it to r1.
        let k = r
            .lines
            .iter()
            .position(|l| {
                l.contains("r1:eth1") && l.contains("ICMP echo request") && l.contains("out")
            })
            .expect("r1 forwards the request");
        let p = previous_hop(&r.topo, &r.events, k).expect("a previous hop");
        let before = dissect(r.events[p].bytes().expect("frame"));
        let after = dissect(r.events[k].bytes().expect("frame"));
        let ch = netsim_core::wire::dissect::changes(&before, &after);
        let fields: Vec<&str> = ch.iter().map(|c| c.field.as_str()).collect();
        for f in ["TTL", "Header checksum", "Source", "Destination"] {
            assert!(fields.contains(&f), "{f} in {ch:?}");
        }
        // Bridged, nothing changes: c3 gets what the bridge port sent.
        let c3 = r
            .lines
            .iter()
            .position(|l| l.contains("c3:eth0") && l.contains("ICMP echo request"))
            .expect("c3 gets it");
        let p = previous_hop(&r.topo, &r.events, c3).expect("a previous hop");
        assert_eq!(r.events[p].bytes(), r.events[c3].bytes());
    }

    #[test]
    fn nat_hooks_are_filed_under_nat() {
        let t = model::find_scenario("published-port")
            .and_then(|s| s.topo)
            .expect("loads");
        let nat = (0..t.probes.len())
            .filter_map(|i| model::run_probe(Arc::clone(&t), i))
            .any(|r| r.groups.contains(&"NAT"));
        assert!(nat);
    }

    #[test]
    fn groups() {
        let r = run("docker0", 0);
        let gs: Vec<&str> = r.events.iter().map(group).collect();
        for g in ["ARP", "ICMP", "bridge", "route"] {
            assert!(gs.contains(&g), "{g}");
        }
    }

    #[test]
    fn the_overlay_is_filed_under_vxlan_and_its_pills_say_so() {
        let r = run("vxlan-two-hosts", 0);
        for (e, g) in r.events.iter().zip(&r.groups) {
            if matches!(
                e.kind,
                EventKind::VxlanEncap { .. } | EventKind::VxlanDecap { .. }
            ) {
                assert_eq!(*g, "VXLAN", "{}", e.kind_name());
            }
        }
        // The frames between the hosts carry the inner frame: VXLAN pills.
        let outer = r
            .events
            .iter()
            .filter(|e| matches!(e.place, Place::Wire(_)))
            .filter_map(|e| e.bytes())
            .map(|b| FrameKind::of_layers(&dissect(b)))
            .filter(|k| *k == FrameKind::Vxlan)
            .count();
        assert!(outer > 0, "no VXLAN frame on the LAN");
        assert!(r.events.iter().any(|e| e.kind_name() == "vxlan_decap"));
    }
}
