//! The trace: every frame and every decision of a run, in order.
//!
//! This is the one record that the CLI prints, the web page animates and
//! the kernel verifier compares, so it is plain data: ids, addresses,
//! frame bytes and enums. [`Event::explain`] turns an event into the one
//! line a learner reads; [`Event::summary`] gives the tcpdump-style line of
//! a frame. Both are pure functions of the event and the topology, so the
//! same run always reads the same.

use core::fmt::Write as _;
use core::net::Ipv4Addr;

use crate::model::{IfaceId, NodeId, ProbeProto, ProbeResult, Topology, WireId};
use crate::sim::route::{RouteEntry, RouteOrigin};
use crate::sim::Time;
use crate::wire::frame::{self, Bytes};
use crate::wire::MacAddr;

/// Where an event happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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

/// Why a frame was flooded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FloodWhy {
    Broadcast,
    Multicast,
    /// Unicast to a MAC address the FDB does not know (yet).
    Unknown,
}

/// Why a packet or frame went no further, in Linux's terms.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum DropReason {
    /// The bytes could not be read; the text says which layer failed.
    Malformed(String),
    /// Destination MAC is another host's (`PACKET_OTHERHOST`).
    OtherHost,
    /// Neither ARP nor IPv4.
    UnsupportedEtherType(u16),
    /// An ARP request for an address this namespace does not have.
    ArpNotForUs(Ipv4Addr),
    /// An ARP reply nobody asked for (`arp_accept` is 0).
    UnsolicitedArpReply,
    /// Not addressed to this namespace, and `ip_forward` is 0.
    ForwardingOff,
    /// No route to the destination.
    NoRoute,
    /// TTL would reach 0 on forwarding.
    TtlExpired,
    /// The next hop never answered ARP.
    NeighFailed(Ipv4Addr),
    /// Too many packets already wait for this ARP answer (`unres_qlen`).
    NeighQueueFull(Ipv4Addr),
    /// The bridge learned the destination behind the port the frame came in on.
    SamePort,
    /// `icmp_echo_ignore_broadcasts` is 1.
    EchoToBroadcast,
    /// A reply or error that no socket waits for.
    NoSocket,
    /// A TCP reset for no connection: the kernel discards it silently.
    StrayReset,
    /// The packet is larger than the interface's MTU.
    TooBig { len: usize, mtu: u32 },
    /// VXLAN encapsulation is the next stage of the simulator.
    VxlanNotModelled,
    /// The interface is cabled to nothing (a lone NIC on a wire).
    NoCarrier,
    /// The run stopped: frames kept multiplying (a loop, a broadcast storm).
    Storm { events: usize },
}

/// What the transport layer of the destination did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Delivery {
    /// The kernel answers an echo request itself.
    EchoRequest,
    /// A SYN to a port: `open` answers SYN-ACK, closed answers RST.
    TcpSyn { port: u16, open: bool },
    /// The handshake's last ACK: `accept()` returns.
    TcpAccepted { port: u16 },
    /// A segment that belongs to no connection: answered with RST.
    TcpNoConnection { port: u16 },
    /// A datagram: an open port echoes it, a closed one answers ICMP port
    /// unreachable.
    Udp { port: u16, open: bool },
    /// The probe's socket got its answer.
    ProbeAnswer { probe: u32, answer: Answer },
}

/// What came back to a probe's socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answer {
    EchoReply {
        from: Ipv4Addr,
    },
    SynAck {
        from: Ipv4Addr,
    },
    Reset {
        from: Ipv4Addr,
    },
    UdpReply {
        from: Ipv4Addr,
    },
    /// ICMP destination unreachable with this code.
    IcmpUnreachable {
        from: Ipv4Addr,
        code: u8,
    },
    IcmpTimeExceeded {
        from: Ipv4Addr,
    },
    /// The sender's own kernel gave up: no route (`ENETUNREACH`).
    LocalNoRoute,
    /// The sender's own kernel gave up: ARP failed (`EHOSTUNREACH`).
    LocalNeighFailed {
        ip: Ipv4Addr,
    },
    /// Nothing came back in 5 s.
    Nothing,
}

/// One event of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Event {
    /// Virtual time since the start of the run, in nanoseconds.
    pub time: Time,
    pub place: Place,
    /// The probe (0-based) being run when this happened.
    pub probe: Option<u32>,
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
    /// A frame left this interface.
    FrameSent {
        #[serde(serialize_with = "hex")]
        bytes: Bytes,
    },
    /// A frame arrived on this interface.
    FrameReceived {
        #[serde(serialize_with = "hex")]
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
        ports: Vec<IfaceId>,
        up: bool,
    },
    /// The frame is for the bridge's own address: passed up to its stack.
    PassUp { bridge: IfaceId },
    /// The next hop's MAC is in the neighbour cache.
    NeighHit { ip: Ipv4Addr, mac: MacAddr },
    /// Not in the cache: the packet waits; `request` when an ARP request
    /// goes out because of it.
    NeighMiss { ip: Ipv4Addr, request: bool },
    /// An ARP request is retransmitted (`probe` of 3).
    NeighProbe { ip: Ipv4Addr, probe: u8 },
    /// The cache learned a MAC; `released` packets that waited go out.
    NeighLearn {
        ip: Ipv4Addr,
        mac: MacAddr,
        state: &'static str,
        released: usize,
    },
    /// Three requests went unanswered: the entry is FAILED and the
    /// waiting packets are dropped.
    NeighFailed { ip: Ipv4Addr, dropped: usize },
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
    /// The kernel sent an ICMP error about a packet it could not deliver.
    IcmpError {
        icmp_type: u8,
        code: u8,
        to: Ipv4Addr,
    },
    /// The packet reached a socket or the kernel's own handler.
    Deliver { delivery: Delivery },
    /// It went no further.
    Drop { reason: DropReason },
    /// The probe is over.
    ProbeEnd { index: u32, result: ProbeResult },
}

fn hex<S: serde::Serializer>(bytes: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&HexBytes(bytes))
}

struct HexBytes<'a>(&'a [u8]);

impl core::fmt::Display for HexBytes<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
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

fn port_name(topo: &Topology, port: IfaceId) -> String {
    topo.iface_label(port)
}

impl Event {
    /// The frame's bytes, for frame events.
    pub fn bytes(&self) -> Option<&Bytes> {
        match &self.kind {
            EventKind::FrameSent { bytes } | EventKind::FrameReceived { bytes } => Some(bytes),
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
            EventKind::FrameReceived { .. } => "frame_received",
            EventKind::Learn { .. } => "learn",
            EventKind::Forward { .. } => "forward",
            EventKind::Flood { .. } => "flood",
            EventKind::PassUp { .. } => "pass_up",
            EventKind::NeighHit { .. } => "neigh_hit",
            EventKind::NeighMiss { .. } => "neigh_miss",
            EventKind::NeighProbe { .. } => "neigh_probe",
            EventKind::NeighLearn { .. } => "neigh_learn",
            EventKind::NeighFailed { .. } => "neigh_failed",
            EventKind::ArpAnswer { .. } => "arp_answer",
            EventKind::RouteLookup { .. } => "route_lookup",
            EventKind::TtlDecrement { .. } => "ttl_decrement",
            EventKind::IcmpError { .. } => "icmp_error",
            EventKind::Deliver { .. } => "deliver",
            EventKind::Drop { .. } => "drop",
            EventKind::ProbeEnd { .. } => "probe_end",
        }
    }

    /// One line that says what happened and why, in Linux's terms.
    pub fn explain(&self, topo: &Topology) -> String {
        let here = self.place.label(topo);
        let dev = match self.place {
            Place::Iface(i) => topo.iface(i).name.as_str(),
            _ => "",
        };
        match &self.kind {
            EventKind::ProbeStart {
                index,
                proto,
                dst,
                port,
                ttl,
            } => {
                let what = match (proto, port) {
                    (ProbeProto::Icmp, _) => format!("pings {dst} (one ICMP echo request)"),
                    (ProbeProto::Tcp, Some(p)) => {
                        format!("opens a TCP connection to {dst} port {p} (sends a SYN)")
                    }
                    (ProbeProto::Udp, Some(p)) => {
                        format!("sends one UDP datagram to {dst} port {p}")
                    }
                    (_, None) => format!("sends to {dst}"),
                };
                format!("probe {}: {here} {what}, TTL {ttl}", index + 1)
            }
            EventKind::FrameSent { bytes } => {
                format!("{here} sends {}", describe_frame(bytes))
            }
            EventKind::FrameReceived { bytes } => {
                format!("{here} receives {}", describe_frame(bytes))
            }
            EventKind::Learn {
                switch,
                mac,
                port,
                moved_from,
            } => match moved_from {
                None => format!(
                    "{} learns that {mac} is behind port {}: frames to it will go out only there",
                    switch.label(topo),
                    port_name(topo, *port)
                ),
                Some(old) => format!(
                    "{} sees {mac} on port {} now (it was behind {}): the FDB entry moves",
                    switch.label(topo),
                    port_name(topo, *port),
                    port_name(topo, *old)
                ),
            },
            EventKind::Forward { switch, mac, port } => format!(
                "{} knows {mac} is behind port {} (FDB hit): forwards the frame out of that port only",
                switch.label(topo),
                port_name(topo, *port)
            ),
            EventKind::Flood {
                switch,
                why,
                ports,
                up,
            } => {
                let why = match why {
                    FloodWhy::Broadcast => "a broadcast frame",
                    FloodWhy::Multicast => "a multicast frame",
                    FloodWhy::Unknown => "no FDB entry for the destination MAC (unknown unicast)",
                };
                let list = if ports.is_empty() {
                    "no other port".to_string()
                } else {
                    ports
                        .iter()
                        .map(|p| port_name(topo, *p))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let up = if *up {
                    ", and passes a copy up to its own IP stack"
                } else {
                    ""
                };
                format!(
                    "{}: {why}, so it floods every port but the one it came in on ({list}){up}",
                    switch.label(topo)
                )
            }
            EventKind::PassUp { bridge } => format!(
                "the frame is addressed to bridge {} itself: it goes up to the namespace's IP stack instead of out of a port",
                topo.iface(*bridge).name
            ),
            EventKind::NeighHit { ip, mac } => {
                format!("ARP cache hit: {ip} is at {mac} on {dev}, no need to ask")
            }
            EventKind::NeighMiss { ip, request } => {
                if *request {
                    format!(
                        "ARP cache miss for {ip} on {dev}: the packet waits (INCOMPLETE) while an ARP request asks who has {ip}"
                    )
                } else {
                    format!("{ip} is still being resolved on {dev}: the packet joins the queue")
                }
            }
            EventKind::NeighProbe { ip, probe } => format!(
                "no ARP reply for {ip} after 1 s: request {probe} of 3 (retrans_time 1 s, mcast_solicit 3)"
            ),
            EventKind::NeighLearn {
                ip,
                mac,
                state,
                released,
            } => {
                let rel = match released {
                    0 => String::new(),
                    1 => ": the packet that waited goes out now".to_string(),
                    n => format!(": the {n} packets that waited go out now"),
                };
                format!("neighbour cache: {ip} is at {mac} on {dev}, {state}{rel}")
            }
            EventKind::NeighFailed { ip, dropped } => format!(
                "three ARP requests for {ip} on {dev} got no reply: the entry is FAILED and {dropped} waiting packet(s) are dropped (Destination Host Unreachable)"
            ),
            EventKind::ArpAnswer { ip } => format!(
                "{ip} is an address of this namespace, so the kernel answers the ARP request with {dev}'s MAC"
            ),
            EventKind::RouteLookup { dst, local, route } => {
                if *local {
                    format!(
                        "route lookup for {dst}: it is one of this namespace's own addresses (local table): deliver it here"
                    )
                } else {
                    match route {
                        None => format!("route lookup for {dst}: no route matches (not even a default)"),
                        Some(r) => {
                            let line = r.display(topo).to_string();
                            let why = match (r.origin, r.via) {
                                (RouteOrigin::Connected, _) => format!(
                                    "{dst} is on the link itself, so it is sent straight to it"
                                ),
                                (_, Some(gw)) if r.to.prefix() == 0 => format!(
                                    "nothing more specific matches, so it goes to the default gateway {gw}"
                                ),
                                (_, Some(gw)) => format!("it goes to the gateway {gw}"),
                                (_, None) => "it is sent straight out of that device".to_string(),
                            };
                            format!("route lookup for {dst}: matched `{line}`: {why}")
                        }
                    }
                }
            }
            EventKind::TtlDecrement { from, to } => {
                format!("{here} forwards the packet (ip_forward = 1): TTL {from} → {to}")
            }
            EventKind::IcmpError {
                icmp_type,
                code,
                to,
            } => {
                let what = match (icmp_type, code) {
                    (11, _) => "time exceeded (the TTL ran out here)",
                    (3, 0) => "net unreachable (no route to the destination)",
                    (3, 1) => "host unreachable (the destination never answered ARP)",
                    (3, 3) => "port unreachable (no socket on that UDP port)",
                    _ => "error",
                };
                format!("{here} sends ICMP {what} back to {to}")
            }
            EventKind::Deliver { delivery } => match delivery {
                Delivery::EchoRequest => format!(
                    "{here} gets the echo request; the kernel itself answers with an echo reply"
                ),
                Delivery::TcpSyn { port, open: true } => format!(
                    "a socket listens on TCP port {port} in {here}: the kernel answers SYN-ACK"
                ),
                Delivery::TcpSyn { port, open: false } => format!(
                    "nothing listens on TCP port {port} in {here}: the kernel answers RST (connection refused)"
                ),
                Delivery::TcpAccepted { port } => format!(
                    "the handshake's last ACK arrives: accept() on TCP port {port} in {here} returns the new connection"
                ),
                Delivery::TcpNoConnection { port } => format!(
                    "a TCP segment to port {port} that belongs to no connection of {here}: the kernel answers RST"
                ),
                Delivery::Udp { port, open: true } => format!(
                    "a socket on UDP port {port} in {here} receives the datagram and echoes it back"
                ),
                Delivery::Udp { port, open: false } => format!(
                    "nothing listens on UDP port {port} in {here}: the kernel answers ICMP port unreachable"
                ),
                Delivery::ProbeAnswer { probe, answer } => {
                    let got = match answer {
                        Answer::EchoReply { from } => format!("echo reply from {from}"),
                        Answer::SynAck { from } => {
                            format!("SYN-ACK from {from}: connected (it sends the final ACK)")
                        }
                        Answer::Reset { from } => format!("RST from {from}: connection refused"),
                        Answer::UdpReply { from } => format!("the datagram echoed by {from}"),
                        Answer::IcmpUnreachable { from, code } => match *code {
                            3 => format!("ICMP port unreachable from {from}: refused"),
                            0 => format!("ICMP net unreachable from {from}"),
                            1 => format!("ICMP host unreachable from {from}"),
                            c => format!("ICMP destination unreachable (code {c}) from {from}"),
                        },
                        Answer::IcmpTimeExceeded { from } => {
                            format!("ICMP time exceeded from {from}")
                        }
                        Answer::LocalNoRoute => {
                            "no route: the kernel fails the send at once (ENETUNREACH)".to_string()
                        }
                        Answer::LocalNeighFailed { ip } => format!(
                            "ARP for {ip} failed: the kernel reports EHOSTUNREACH (Destination Host Unreachable)"
                        ),
                        Answer::Nothing => "nothing".to_string(),
                    };
                    format!("probe {}'s socket in {here} gets {got}", probe + 1)
                }
            },
            EventKind::Drop { reason } => format!("dropped at {here}: {}", reason.explain(topo)),
            EventKind::ProbeEnd { index, result } => {
                format!("probe {} ends: {result}", index + 1)
            }
        }
    }
}

/// A frame in words: "an ARP request (broadcast): who has 172.17.0.2?".
fn describe_frame(bytes: &[u8]) -> String {
    use crate::wire::frame::{ArpOp, Frame, Icmp, Payload, L4};
    let Ok(f) = Frame::parse(bytes) else {
        return format!("{} bytes it cannot read", bytes.len());
    };
    let to = if f.dst.is_broadcast() {
        "to everyone on the segment (broadcast)".to_string()
    } else {
        format!("to {}", f.dst)
    };
    match &f.payload {
        Payload::Arp(a) => match a.op {
            ArpOp::Request => format!(
                "an ARP request {to}: who has {}? tell {}",
                a.target_ip, a.sender_ip
            ),
            ArpOp::Reply => format!("an ARP reply {to}: {} is at {}", a.sender_ip, a.sender_mac),
            ArpOp::Other(_) => format!("an ARP packet {to}"),
        },
        Payload::Ipv4(p) => {
            let what = match &p.l4 {
                L4::Icmp(Icmp::EchoRequest { .. }) => "an ICMP echo request",
                L4::Icmp(Icmp::EchoReply { .. }) => "an ICMP echo reply",
                L4::Icmp(Icmp::DestUnreachable { .. }) => "an ICMP destination unreachable",
                L4::Icmp(Icmp::TimeExceeded { .. }) => "an ICMP time exceeded",
                L4::Icmp(_) => "an ICMP message",
                L4::Tcp(t) if t.flags.rst => "a TCP RST",
                L4::Tcp(t) if t.flags.syn && t.flags.ack => "a TCP SYN-ACK",
                L4::Tcp(t) if t.flags.syn => "a TCP SYN",
                L4::Tcp(_) => "a TCP segment",
                L4::Udp(_) => "a UDP datagram",
                L4::Other { .. } => "an IP packet",
            };
            format!(
                "{what} from {} to {} (TTL {}) in a frame {to}",
                p.src, p.dst, p.ttl
            )
        }
        Payload::Other { ethertype, .. } => format!("a frame of EtherType 0x{ethertype:04x} {to}"),
    }
}

impl DropReason {
    pub fn explain(&self, _topo: &Topology) -> String {
        match self {
            DropReason::Malformed(why) => format!("{why}; the kernel discards bad frames silently"),
            DropReason::OtherHost => {
                "the destination MAC is not this interface's (PACKET_OTHERHOST)".into()
            }
            DropReason::UnsupportedEtherType(t) => {
                format!("EtherType 0x{t:04x} is neither IPv4 nor ARP")
            }
            DropReason::ArpNotForUs(ip) => format!(
                "the ARP request asks for {ip}, which is not an address of this namespace; it stays silent"
            ),
            DropReason::UnsolicitedArpReply => {
                "an ARP reply nobody asked for; with arp_accept = 0 it creates no entry".into()
            }
            DropReason::ForwardingOff => {
                "the packet is for another host and net.ipv4.ip_forward is 0 here, so it is not routed"
                    .into()
            }
            DropReason::NoRoute => "no route matches the destination".into(),
            DropReason::TtlExpired => "its TTL would reach 0".into(),
            DropReason::NeighFailed(ip) => format!("the next hop {ip} never answered ARP"),
            DropReason::NeighQueueFull(ip) => {
                format!("too many packets already wait for {ip}'s ARP answer (unres_qlen)")
            }
            DropReason::SamePort => {
                "the destination MAC is behind the port the frame came in on; the bridge does not send it back"
                    .into()
            }
            DropReason::EchoToBroadcast => {
                "an echo request to a broadcast address; icmp_echo_ignore_broadcasts is 1".into()
            }
            DropReason::NoSocket => "no socket waits for it".into(),
            DropReason::StrayReset => "a TCP reset for no connection is discarded".into(),
            DropReason::TooBig { len, mtu } => {
                format!("the {len}-byte packet is larger than the MTU {mtu}")
            }
            DropReason::VxlanNotModelled => {
                "VXLAN encapsulation is not simulated yet (it comes with the overlay stage)".into()
            }
            DropReason::NoCarrier => "the interface is cabled to nothing (NO-CARRIER)".into(),
            DropReason::Storm { events } => format!(
                "the run was stopped after {events} events: frames keep multiplying, as in a broadcast storm on a loop"
            ),
        }
    }
}

/// A trace as text: one line per event, with its explanation, in the style
/// of tcpdump for frames.
pub fn render_line(topo: &Topology, e: &Event) -> String {
    let mut s = String::new();
    let secs = e.time / 1_000_000_000;
    let micros = (e.time % 1_000_000_000) / 1_000;
    let _ = write!(s, "{secs:>2}.{micros:06} {:<22} ", e.place.label(topo));
    match (&e.kind, e.summary()) {
        (EventKind::FrameSent { .. }, Some(sum)) => {
            let _ = write!(s, "out {sum}");
        }
        (EventKind::FrameReceived { .. }, Some(sum)) => {
            let _ = write!(s, "in  {sum}");
        }
        _ => {
            let _ = write!(s, "--  {}", e.explain(topo));
        }
    }
    s
}

/// The tcpdump-like listing of a whole slice of events: frames as one line,
/// decisions as `--` lines.
pub fn render(topo: &Topology, events: &[Event]) -> String {
    let mut out = String::new();
    for e in events {
        out.push_str(&render_line(topo, e));
        out.push('\n');
    }
    out
}
