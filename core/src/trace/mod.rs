//! The trace: every frame and every decision of a run, in order.
//!
//! This is the one record that the CLI prints, the web page animates, the
//! pcap export writes and the kernel verifier compares, so it is plain data:
//! ids, addresses, frame bytes and enums. Every event says where it happened
//! ([`Place`]), which probe it belongs to, which event led to it
//! ([`Event::cause`]) and which IP packet (or ARP exchange) it concerns
//! ([`Event::packet`], the same id for a packet's whole journey, across every
//! router that rebuilds it). Every frame that crosses a cable is one
//! [`EventKind::Transmit`], between the `frame_sent` and `frame_received`
//! events that carry the same [`FrameId`].
//!
//! [`Event::explain`] turns an event into the one line a learner reads;
//! [`Event::summary`] gives the tcpdump-style line of a frame; [`json`]
//! writes an event as the JSON object the CLI and the page read. All are
//! pure functions of the event and the topology.

mod explain;
pub mod json;
mod listing;
mod outcomes;
pub mod pcap;
mod tunnel;
mod words;

pub use listing::{render, render_line, Lesson, Renderer};
pub use outcomes::{Answer, Delivery, DropReason, IcmpError, RedirectOutcome};

use core::net::Ipv4Addr;

use crate::ipv4::route::RouteEntry;
use crate::model::{IfaceId, NodeId, ProbeProto, ProbeResult, Topology, WireId};
use crate::neigh::NudState;
use crate::time::Time;
use crate::wire::frame::{self, Bytes};
use crate::wire::MacAddr;

macro_rules! trace_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);
    };
}

trace_id!(
    /// One frame's crossing of one cable: the `frame_sent`, `transmit` and
    /// `frame_received` events of that crossing share it. Unique in a run.
    FrameId
);
/// One packet (IPv4, or an ARP request or reply) from the socket or kernel
/// that made it to where it ends; a router that forwards it keeps the id.
/// Unique in a run, counted from 1 (so that an optional one takes no more
/// room than the id: every event and every frame in flight carries two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct PacketId(pub core::num::NonZeroU32);

/// Where an event happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "at", content = "id", rename_all = "lowercase")]
pub enum Place {
    /// In a namespace, not on one interface (a route lookup, a socket).
    Node(NodeId),
    /// On one interface of a namespace (a frame, an ARP entry, a bridge port).
    Iface(IfaceId),
    /// Inside the unmanaged switch of a wire.
    Wire(WireId),
}

/// A learning switch: a Linux bridge (by its interface) or a wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum Switch {
    Bridge(IfaceId),
    Wire(WireId),
}

/// One end of a frame's crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Endpoint {
    /// An interface: a veth end, a NIC, `lo`, or a bridge device itself.
    Iface(IfaceId),
    /// The forwarding logic of a bridge or of a wire's switch.
    Switch(Switch),
}

/// What a frame crosses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Link {
    /// A veth pair, by its index in [`Topology::veths`].
    Veth(u32),
    /// One NIC's cable into a wire's switch (either way).
    Wire(WireId),
    /// Between a bridge device and its own forwarding logic
    /// (`br_dev_xmit`, `br_pass_frame_up`): no cable, no time.
    Bridge(IfaceId),
    /// `lo`: out and straight back in.
    Loopback(IfaceId),
}

/// Why a frame was flooded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FloodWhy {
    Broadcast,
    Multicast,
    /// Unicast to a MAC address the FDB does not know (yet).
    Unknown,
}

/// One event of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Event {
    /// Virtual time since the start of the run, in nanoseconds.
    pub time: Time,
    pub place: Place,
    /// The probe (0-based) this event belongs to.
    pub probe: Option<u32>,
    /// The index (over the whole run) of the event that led to this one: a
    /// received frame → its route lookup → the forward → the sent frame.
    pub cause: Option<u32>,
    /// The packet this event concerns (IPv4, or an ARP request or reply).
    pub packet: Option<PacketId>,
    /// For a packet made because of another (an ARP request for a waiting
    /// packet, an ICMP error, a reply): that other packet.
    pub cause_packet: Option<PacketId>,
    pub kind: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A probe's socket sends its first packet.
    ProbeStart {
        index: u32,
        proto: ProbeProto,
        dst: Ipv4Addr,
        port: Option<u16>,
        ttl: u8,
    },
    /// A frame left this interface (or a wire's switch).
    FrameSent {
        frame: FrameId,
        #[serde(skip)]
        bytes: Bytes,
    },
    /// The frame crosses a cable from `from` to `to`, leaving at `depart`
    /// and arriving at `arrive` (virtual ns).
    Transmit {
        frame: FrameId,
        from: Endpoint,
        to: Endpoint,
        link: Link,
        depart: Time,
        arrive: Time,
    },
    /// A frame arrived on this interface (or a wire's switch).
    FrameReceived {
        frame: FrameId,
        #[serde(skip)]
        bytes: Bytes,
    },
    /// The switch learned (or moved) a source MAC onto a port.
    Learn {
        switch: Switch,
        mac: MacAddr,
        port: IfaceId,
        moved_from: Option<IfaceId>,
    },
    /// Known unicast: out of one port.
    Forward {
        switch: Switch,
        mac: MacAddr,
        port: IfaceId,
    },
    /// Out of every port but the ingress one; `up` when a copy also goes
    /// up to the bridge's own stack.
    Flood {
        switch: Switch,
        why: FloodWhy,
        /// The port it came in on (`None`: sent by the bridge device itself).
        in_port: Option<IfaceId>,
        ports: Vec<IfaceId>,
        up: bool,
    },
    /// The frame is for the bridge's own address: passed up to its stack.
    PassUp { bridge: IfaceId },
    /// `vxlan_xmit` wraps a frame for one remote VTEP, by the FDB entry of
    /// `fdb_mac` (all zeros: the default one, `copies` copies, head-end
    /// replication). The outer packet keeps the inner one's `packet` id.
    /// The device's VNI, local address and port are its settings
    /// ([`crate::model::Vxlan`]); the JSON writes them out.
    VxlanEncap {
        dev: IfaceId,
        fdb_mac: MacAddr,
        copies: u32,
        remote: Ipv4Addr,
        src_port: u16,
        #[serde(skip)]
        inner: Bytes,
    },
    /// `vxlan_rcv`: the device of its VNI unwraps a VXLAN packet from VTEP
    /// `from`; the inner frame is received on that device.
    VxlanDecap {
        dev: IfaceId,
        vni: crate::model::Vni,
        from: Ipv4Addr,
        to: Ipv4Addr,
        src_port: u16,
        port: u16,
        #[serde(skip)]
        inner: Bytes,
    },
    /// A vxlan device learned (or moved) an inner source MAC behind the
    /// remote VTEP `dst` (`vxlan_snoop`).
    VxlanLearn {
        dev: IfaceId,
        mac: MacAddr,
        dst: Ipv4Addr,
        moved_from: Option<Ipv4Addr>,
    },
    /// The next hop's MAC is in the neighbour cache.
    NeighHit { ip: Ipv4Addr, mac: MacAddr },
    /// Not in the cache: the packet waits; `request` when an ARP request
    /// goes out because of it.
    NeighMiss { ip: Ipv4Addr, request: bool },
    /// An ARP request is sent again (`probe` of 3): broadcast for an
    /// INCOMPLETE entry (`to` is `None`), unicast to the MAC the entry has
    /// for a PROBE entry.
    NeighProbe {
        ip: Ipv4Addr,
        probe: u8,
        to: Option<MacAddr>,
    },
    /// A neighbour entry changed state without learning anything: a used
    /// STALE entry is DELAY, an unconfirmed DELAY entry is PROBE, an
    /// unanswered PROBE entry is FAILED.
    NeighState {
        ip: Ipv4Addr,
        from: NudState,
        to: NudState,
    },
    /// The cache learned a MAC and the entry is now in `state`;
    /// `from_request` when it was learned from the other side's request;
    /// `released` packets that waited go out.
    NeighLearn {
        ip: Ipv4Addr,
        mac: MacAddr,
        state: NudState,
        from_request: bool,
        released: usize,
    },
    /// Three requests went unanswered: the entry is FAILED and the
    /// waiting packets are dropped, `forwarded` of them being forwarded
    /// (the others were made here); each one's source is sent ICMP host
    /// unreachable.
    NeighFailed {
        ip: Ipv4Addr,
        dropped: usize,
        forwarded: usize,
    },
    /// An ARP request for one of our addresses: we reply.
    ArpAnswer { ip: Ipv4Addr },
    /// A route lookup for `dst`: `local` when it is an address of this
    /// namespace, else the matched route, if any.
    RouteLookup {
        dst: Ipv4Addr,
        local: bool,
        route: Option<RouteEntry>,
    },
    /// Forwarding decremented the TTL.
    TtlDecrement { from: u8, to: u8 },
    /// A netfilter hook: conntrack, the NAT rules, a translation.
    Netfilter { step: crate::netfilter::HookStep },
    /// The packet leaves by the interface it came in on: the router tells
    /// its source (`to`) to send packets for `dst` to `gateway` directly.
    Redirect {
        to: Ipv4Addr,
        dst: Ipv4Addr,
        gateway: Ipv4Addr,
    },
    /// A redirect arrived: what the namespace made of it.
    RouteRedirect {
        dst: Ipv4Addr,
        gateway: Ipv4Addr,
        outcome: RedirectOutcome,
    },
    /// The kernel sent an ICMP error about a packet it could not deliver.
    IcmpError { error: IcmpError, to: Ipv4Addr },
    /// The packet reached a socket or the kernel's own handler.
    Deliver { delivery: Delivery },
    /// It went no further.
    Drop { reason: DropReason },
    /// The probe is over.
    ProbeEnd { index: u32, result: ProbeResult },
}

impl Place {
    /// `bus1`, `bus1:eth0` or `wire lan`.
    pub fn label(self, topo: &Topology) -> String {
        match self {
            Place::Node(n) => topo.node(n).name.clone(),
            Place::Iface(i) => topo.iface_label(i),
            Place::Wire(w) => format!("wire {}", topo.wire(w).name),
        }
    }

    /// The namespace, if the place is in one.
    pub fn node(self, topo: &Topology) -> Option<NodeId> {
        match self {
            Place::Node(n) => Some(n),
            Place::Iface(i) => Some(topo.iface(i).node),
            Place::Wire(_) => None,
        }
    }
}

impl Switch {
    pub fn label(self, topo: &Topology) -> String {
        match self {
            Switch::Bridge(b) => format!("bridge {}", topo.iface_label(b)),
            Switch::Wire(w) => format!("wire {}", topo.wire(w).name),
        }
    }
}

impl Endpoint {
    /// `NODE:IF`, `bridge NODE:IF` or `wire NAME`.
    pub fn label(self, topo: &Topology) -> String {
        match self {
            Endpoint::Iface(i) => topo.iface_label(i),
            Endpoint::Switch(s) => s.label(topo),
        }
    }
}

impl Link {
    /// The veth pair as `A:IF-B:IF`, the wire's name, `bridge NODE:IF` or
    /// `NODE:lo`.
    pub fn label(self, topo: &Topology) -> String {
        match self {
            Link::Veth(k) => match topo.veths.get(k as usize) {
                Some(v) => format!(
                    "{}-{}",
                    topo.iface_label(v.ends[0]),
                    topo.iface_label(v.ends[1])
                ),
                None => format!("veth{k}"),
            },
            Link::Wire(w) => topo.wire(w).name.clone(),
            Link::Bridge(b) => format!("bridge {}", topo.iface_label(b)),
            Link::Loopback(i) => topo.iface_label(i),
        }
    }

    /// `veth`, `wire`, `bridge` or `loopback`.
    pub fn kind_name(self) -> &'static str {
        match self {
            Link::Veth(_) => "veth",
            Link::Wire(_) => "wire",
            Link::Bridge(_) => "bridge",
            Link::Loopback(_) => "loopback",
        }
    }
}

impl Event {
    /// The frame's bytes, for frame events.
    pub fn bytes(&self) -> Option<&Bytes> {
        match &self.kind {
            EventKind::FrameSent { bytes, .. } | EventKind::FrameReceived { bytes, .. } => {
                Some(bytes)
            }
            _ => None,
        }
    }

    /// The frame, for `frame_sent`, `transmit` and `frame_received`.
    pub fn frame(&self) -> Option<FrameId> {
        match &self.kind {
            EventKind::FrameSent { frame, .. }
            | EventKind::FrameReceived { frame, .. }
            | EventKind::Transmit { frame, .. } => Some(*frame),
            _ => None,
        }
    }

    /// tcpdump-style line of the frame, for frame events.
    pub fn summary(&self) -> Option<String> {
        self.bytes().map(|b| frame::summary(b))
    }

    /// A short name of the kind of event, as in the JSON `type` field.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            EventKind::ProbeStart { .. } => "probe_start",
            EventKind::FrameSent { .. } => "frame_sent",
            EventKind::Transmit { .. } => "transmit",
            EventKind::FrameReceived { .. } => "frame_received",
            EventKind::Learn { .. } => "learn",
            EventKind::Forward { .. } => "forward",
            EventKind::Flood { .. } => "flood",
            EventKind::PassUp { .. } => "pass_up",
            EventKind::VxlanEncap { .. } => "vxlan_encap",
            EventKind::VxlanDecap { .. } => "vxlan_decap",
            EventKind::VxlanLearn { .. } => "vxlan_learn",
            EventKind::NeighHit { .. } => "neigh_hit",
            EventKind::NeighMiss { .. } => "neigh_miss",
            EventKind::NeighProbe { .. } => "neigh_probe",
            EventKind::NeighState { .. } => "neigh_state",
            EventKind::NeighLearn { .. } => "neigh_learn",
            EventKind::NeighFailed { .. } => "neigh_failed",
            EventKind::ArpAnswer { .. } => "arp_answer",
            EventKind::RouteLookup { .. } => "route_lookup",
            EventKind::TtlDecrement { .. } => "ttl_decrement",
            EventKind::Netfilter { .. } => "netfilter",
            EventKind::Redirect { .. } => "redirect",
            EventKind::RouteRedirect { .. } => "route_redirect",
            EventKind::IcmpError { .. } => "icmp_error",
            EventKind::Deliver { .. } => "deliver",
            EventKind::Drop { .. } => "drop",
            EventKind::ProbeEnd { .. } => "probe_end",
        }
    }
}

#[cfg(test)]
mod size {
    /// Every probe writes dozens of events and moves them about: an event
    /// is as large as its largest kind, so a rare kind with much to say
    /// boxes it (a netfilter step's translation) or leaves out what the
    /// topology already holds (a vxlan device's settings).
    #[test]
    fn an_event_takes_88_bytes_at_most() {
        assert!(core::mem::size_of::<super::EventKind>() <= 48);
        assert!(core::mem::size_of::<super::Event>() <= 88);
    }
}
