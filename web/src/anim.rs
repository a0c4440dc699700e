//! The animation as a pure function of (layout, trace, position): which
//! frames are on which cable, how far along, and what is being decided
//! where. No Yew, no clock: the page passes a position and draws what this
//! returns, so stepping back is exact.
//!
//! The position is a number of events: at `k.0` event `k` has just
//! happened; between `k` and `k + 1` the virtual clock runs from event
//! `k`'s time to event `k + 1`'s, and the frames on the cables glide.
//!
//! Frames' trips ([`Move`]) come from [`moves`], the one function to change
//! when the engine's trace names its transmissions.

use netsim_core::model::{IfaceId, IfaceKind, IfaceLink, NodeKind, Topology, WireId};
use netsim_core::sim::Time;
use netsim_core::trace::{Answer, Delivery, Event, EventKind, Place};
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
            FrameKind::Other => "other",
        }
    }

    /// From the dissected layers: the innermost protocol the page colours.
    pub fn of_layers(layers: &[Layer]) -> FrameKind {
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

fn same_bytes(a: &Event, b: &Event) -> bool {
    match (a.bytes(), b.bytes()) {
        (Some(x), Some(y)) => x[..] == y[..],
        _ => false,
    }
}

/// Every frame's trip in `events`, in the order they leave.
pub fn moves(topo: &Topology, events: &[Event]) -> Vec<Move> {
    let n = events.len();
    let mut out = Vec::new();
    let kind = |e: &Event| {
        e.bytes()
            .map(|b| FrameKind::of_layers(&dissect(b)))
            .unwrap_or(FrameKind::Other)
    };
    for (k, e) in events.iter().enumerate() {
        match (&e.kind, e.place) {
            (EventKind::FrameSent { .. }, Place::Iface(a)) => {
                let iface = topo.iface(a);
                if !matches!(iface.kind, IfaceKind::Veth | IfaceKind::Nic) {
                    continue;
                }
                match iface.link {
                    IfaceLink::Veth { peer } => {
                        let recv = (k + 1..n)
                            .find(|&j| {
                                matches!(events[j].kind, EventKind::FrameReceived { .. })
                                    && events[j].place == Place::Iface(peer)
                                    && same_bytes(e, &events[j])
                            })
                            .unwrap_or(n);
                        out.push(Move {
                            from: End::Iface(a),
                            to: End::Iface(peer),
                            depart: e.time,
                            arrive: e.time + netsim_core::sim::HOP,
                            sent: k,
                            recv,
                            kind: kind(e),
                        });
                    }
                    IfaceLink::Wire { wire } => {
                        // Into the wire's switch: its first event after.
                        let recv = (k + 1..n)
                            .find(|&j| events[j].place == Place::Wire(wire))
                            .unwrap_or(n);
                        out.push(Move {
                            from: End::Iface(a),
                            to: End::Bus { wire, via: a },
                            depart: e.time,
                            arrive: e.time + netsim_core::sim::HOP,
                            sent: k,
                            recv,
                            kind: kind(e),
                        });
                    }
                    IfaceLink::None => {}
                }
            }
            (EventKind::FrameReceived { .. }, Place::Iface(b)) => {
                let IfaceLink::Wire { wire } = topo.iface(b).link else {
                    continue;
                };
                // Out of the wire's switch: from its last decision before.
                let sent = (0..k)
                    .rev()
                    .find(|&j| events[j].place == Place::Wire(wire))
                    .unwrap_or(k.saturating_sub(1));
                let via = (0..sent)
                    .rev()
                    .find_map(|j| match (&events[j].kind, events[j].place) {
                        (EventKind::FrameSent { .. }, Place::Iface(a))
                            if topo.iface(a).link == (IfaceLink::Wire { wire })
                                && same_bytes(e, &events[j]) =>
                        {
                            Some(a)
                        }
                        _ => None,
                    })
                    .unwrap_or(b);
                out.push(Move {
                    from: End::Bus { wire, via },
                    to: End::Iface(b),
                    depart: e.time.saturating_sub(netsim_core::sim::HOP),
                    arrive: e.time,
                    sent,
                    recv: k,
                    kind: kind(e),
                });
            }
            _ => {}
        }
    }
    out.sort_by_key(|m| (m.sent, m.recv));
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
    if name.contains("vxlan") || name.contains("encap") {
        return "VXLAN";
    }
    match &e.kind {
        EventKind::FrameSent { .. } | EventKind::FrameReceived { .. } => e
            .bytes()
            .map(|b| FrameKind::of_layers(&dissect(b)))
            .map_or("bridge", |k| match k {
                FrameKind::Arp => "ARP",
                FrameKind::Icmp => "ICMP",
                FrameKind::Tcp => "TCP",
                FrameKind::Udp => "UDP",
                FrameKind::Other => "bridge",
            }),
        EventKind::Learn { .. }
        | EventKind::Forward { .. }
        | EventKind::Flood { .. }
        | EventKind::PassUp { .. } => "bridge",
        EventKind::NeighHit { .. }
        | EventKind::NeighMiss { .. }
        | EventKind::NeighProbe { .. }
        | EventKind::NeighLearn { .. }
        | EventKind::NeighFailed { .. }
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
                Answer::LocalNeighFailed { .. } => "ARP",
                _ => "ICMP",
            },
        },
        EventKind::ProbeEnd { .. } => "route",
    }
}

/// The node an event is about (a wire's events belong to none).
pub fn node_of(topo: &Topology, e: &Event) -> Option<netsim_core::model::NodeId> {
    e.place.node(topo)
}

/// The chain of causes of event `k`, most recent first, back to the probe's
/// start: a frame's arrival is caused by its departure; anything else by
/// the previous event in the same place (namespace or wire).
pub fn causes(topo: &Topology, events: &[Event], k: usize) -> Vec<usize> {
    let mvs = moves(topo, events);
    let mut out = Vec::new();
    let mut cur = k.min(events.len().saturating_sub(1));
    let here = |e: &Event| match e.place {
        Place::Wire(w) => (None, Some(w)),
        p => (p.node(topo), None),
    };
    while cur > 0 && out.len() < 64 {
        let e = &events[cur];
        let prev = if let Some(m) = mvs.iter().find(|m| m.recv == cur) {
            Some(m.sent)
        } else {
            let h = here(e);
            (0..cur).rev().find(|&j| here(&events[j]) == h)
        };
        match prev {
            Some(p) if p < cur => {
                out.push(p);
                cur = p;
            }
            _ => break,
        }
    }
    if out.last() != Some(&0) && !events.is_empty() && k > 0 {
        out.push(0);
    }
    out
}

/// The event of the same packet's previous hop, for "what changed": the
/// last frame event before `k` whose IPv4 identification, addresses and
/// protocol match (or, for ARP, the same ARP packet).
pub fn previous_hop(events: &[Event], k: usize) -> Option<usize> {
    let key = |e: &Event| -> Option<Vec<String>> {
        let ls = dissect(e.bytes()?);
        let ip = ls.iter().find(|l| l.name == "IPv4");
        match ip {
            Some(ip) => Some(
                ["Identification", "Source", "Destination", "Protocol"]
                    .iter()
                    .map(|f| ip.field(f).unwrap_or_default().to_string())
                    .collect(),
            ),
            None => ls
                .iter()
                .find(|l| l.name == "ARP")
                .map(|a| a.fields.iter().map(|f| f.value.clone()).collect()),
        }
    };
    let mine = key(events.get(k)?)?;
    (0..k).rev().find(|&j| {
        key(&events[j]).as_ref() == Some(&mine) && events[j].bytes() != events[k].bytes()
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
        model::run_probe(Arc::clone(&t), probe)
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
        let c = causes(&r.topo, &r.events, last);
        assert_eq!(c.last(), Some(&0));
        assert!(c.windows(2).all(|w| w[0] > w[1]));
    }

    #[test]
    fn the_router_changes_ttl_and_macs() {
        let r = run("router", 0);
        // The echo request as c3 receives it, and its previous hop.
        let k = r
            .lines
            .iter()
            .rposition(|l| l.contains("c3:eth0") && l.contains("ICMP echo request"))
            .expect("c3 gets the request");
        let p = previous_hop(&r.events, k).expect("a previous hop");
        let before = dissect(r.events[p].bytes().expect("frame"));
        let after = dissect(r.events[k].bytes().expect("frame"));
        let ch = netsim_core::wire::dissect::changes(&before, &after);
        assert!(ch.iter().any(|c| c.field == "TTL"), "{ch:?}");
    }

    #[test]
    fn groups() {
        let r = run("docker0", 0);
        let gs: Vec<&str> = r.events.iter().map(group).collect();
        for g in ["ARP", "ICMP", "bridge", "route"] {
            assert!(gs.contains(&g), "{g}");
        }
    }
}
