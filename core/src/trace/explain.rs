//! The words of the trace: [`Event::explain`], the line a learner reads,
//! and [`render`], the tcpdump-like listing of a run.

use core::fmt::Write as _;

use super::{Answer, Delivery, DropReason, Event, EventKind, FloodWhy, IcmpError, Place};
use crate::ipv4::route::RouteOrigin;
use crate::model::{IfaceId, ProbeProto, Topology};
use crate::neigh::NudState;
use crate::wire::frame::{self, DestUnreachableHeader};

fn port_name(topo: &Topology, port: IfaceId) -> String {
    topo.iface_label(port)
}

impl Event {
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
            EventKind::FrameSent { bytes, .. } => {
                format!("{here} sends {}", describe_frame(bytes))
            }
            EventKind::FrameReceived { bytes, .. } => {
                format!("{here} receives {}", describe_frame(bytes))
            }
            EventKind::Transmit {
                from,
                to,
                link,
                depart,
                arrive,
                ..
            } => {
                let over = match link {
                    super::Link::Veth(_) => format!(
                        "over the veth pair {}: what goes in one end comes out of the other",
                        link.label(topo)
                    ),
                    super::Link::Wire(_) => format!("over wire {}", link.label(topo)),
                    super::Link::Bridge(_) => "inside the bridge, with no cable".to_string(),
                    super::Link::Loopback(_) => {
                        "over lo: the namespace sends it to itself".to_string()
                    }
                };
                format!(
                    "the frame crosses from {} to {} {over} ({} ns)",
                    from.label(topo),
                    to.label(topo),
                    arrive.saturating_sub(*depart)
                )
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
                ..
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
                from_request,
                released,
            } => {
                let state = match (state, from_request) {
                    (NudState::Stale, true) => "STALE (learned from its request)",
                    (s, _) => s.as_str(),
                };
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
            EventKind::Netfilter { step } => {
                let node = self.place.node(topo);
                crate::netfilter::nat::explain(topo, node, step)
            }
            EventKind::Redirect { to, dst, gateway } => format!(
                "{here} sends the packet back out of the interface it came in on, and {to} is on that link: it tells {to} with an ICMP redirect to send packets for {dst} to {gateway} directly (net.ipv4.conf.all.send_redirects = 1)"
            ),
            EventKind::RouteRedirect {
                dst,
                gateway,
                outcome,
            } => match outcome {
                super::RedirectOutcome::Cached => format!(
                    "{here} accepts the redirect (net.ipv4.conf.all.accept_redirects = 1): packets for {dst} now go to {gateway} (ip route get shows `cache <redirected>`)"
                ),
                super::RedirectOutcome::ResolvingGateway => format!(
                    "{here} does not know {gateway}'s MAC yet: it asks for it by ARP and keeps the route as it is this time"
                ),
                super::RedirectOutcome::NotFromGateway => format!(
                    "{here} ignores the redirect for {dst}: it did not come from the gateway it uses for {dst}"
                ),
                super::RedirectOutcome::Router => format!(
                    "{here} forwards packets (net.ipv4.ip_forward = 1), which turns accept_redirects off: the redirect for {dst} is ignored"
                ),
            },
            EventKind::IcmpError { error, to } => {
                let what = match error {
                    IcmpError::TimeExceeded(_) => "time exceeded (the TTL ran out here)",
                    IcmpError::Unreachable(DestUnreachableHeader::Network) => {
                        "net unreachable (no route to the destination)"
                    }
                    IcmpError::Unreachable(DestUnreachableHeader::Host) => {
                        "host unreachable (the destination never answered ARP)"
                    }
                    IcmpError::Unreachable(DestUnreachableHeader::Port) => {
                        "port unreachable (no socket on that UDP port)"
                    }
                    IcmpError::Unreachable(DestUnreachableHeader::Protocol) => {
                        "protocol unreachable (no handler for that IP protocol)"
                    }
                    IcmpError::Unreachable(_) => "destination unreachable",
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
                        Answer::Icmp { from, error } => match error {
                            IcmpError::Unreachable(DestUnreachableHeader::Port) => {
                                format!("ICMP port unreachable from {from}: refused")
                            }
                            IcmpError::Unreachable(c) => {
                                format!("ICMP {} unreachable from {from}", frame::unreach_name(c))
                            }
                            IcmpError::TimeExceeded(_) => {
                                format!("ICMP time exceeded from {from}")
                            }
                        },
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
                L4::Icmp(Icmp::Redirect { .. }) => "an ICMP redirect",
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
            DropReason::ToBridgeItself => {
                "the destination MAC is the bridge's own (a local FDB entry): a frame the bridge sends itself to it has no port to leave by".into()
            }
            DropReason::IcmpRateLimited { to } => format!(
                "the ICMP error to {to} is not sent: the per-destination rate limit (net.ipv4.icmp_ratelimit = 1000 ms, shared with redirects) has no token left"
            ),
            DropReason::TcpToBroadcast => {
                "TCP does not accept connections to a broadcast address, and sends no reset for it".into()
            }
            DropReason::LoopbackNotLocal(ip) => format!(
                "the route sent {ip} into lo, but {ip} is not an address of this namespace: the packet comes back in and has nowhere to go (dst_discard)"
            ),
            DropReason::MartianSource(ip) => format!(
                "the source {ip} is an address of this namespace, yet the packet came from outside: a martian source, dropped (net.ipv4.conf.all.accept_local = 0)"
            ),
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
    let _ = write!(
        s,
        "{} {:<22} ",
        crate::time::seconds(e.time),
        e.place.label(topo)
    );
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
/// decisions as `--` lines. A frame's crossing (`transmit`) is the `out`
/// line followed by the `in` line, so it has no line of its own.
pub fn render(topo: &Topology, events: &[Event]) -> String {
    let mut out = String::new();
    for e in events
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::Transmit { .. }))
    {
        out.push_str(&render_line(topo, e));
        out.push('\n');
    }
    out
}
