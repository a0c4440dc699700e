//! The words for a frame and for a drop, in a learner's terms.

use super::*;
use crate::model::Topology;

/// A frame in words: "an ARP request (broadcast): who has 172.17.0.2?".
pub(crate) fn describe_frame(bytes: &[u8]) -> String {
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
    /// A frame that was for someone else (an ARP request for another
    /// address, a unicast frame to another MAC, ...): normal on a shared
    /// segment, and no reason for anything to fail.
    pub fn is_not_for_us(&self) -> bool {
        matches!(
            self,
            DropReason::ArpNotForUs(_)
                | DropReason::OtherHost
                | DropReason::SamePort
                | DropReason::UnsolicitedArpReply
        )
    }

    pub fn explain(&self, topo: &Topology) -> String {
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
                "an ARP reply nobody asked for; with net.ipv4.conf.<interface>.arp_accept = 0 it creates no entry".into()
            }
            DropReason::ForwardingOff => {
                "the packet is for another host and net.ipv4.ip_forward is 0 here, so it is not routed"
                    .into()
            }
            DropReason::NoRoute => "no route matches the destination".into(),
            DropReason::NoRouteBack(dst) => format!(
                "this namespace has no route to {dst} (no connected route, no default in `ip route`), so the route lookup for the answer it made fails and the kernel discards it before any frame is built: {dst} hears nothing and times out"
            ),
            DropReason::TtlExpired => "its TTL would reach 0".into(),
            DropReason::NeighFailed(ip) => format!("the next hop {ip} never answered ARP"),
            DropReason::NeighQueueFull(ip) => {
                format!("too many packets already wait for {ip}'s ARP answer (net.ipv4.neigh.<interface>.unres_qlen, 101)")
            }
            DropReason::SamePort => {
                "the destination MAC is behind the port the frame came in on; the bridge does not send it back"
                    .into()
            }
            DropReason::EchoToBroadcast => {
                "an echo request to a broadcast address; net.ipv4.icmp_echo_ignore_broadcasts is 1".into()
            }
            DropReason::NoSocket => "no socket waits for it".into(),
            DropReason::StrayReset => "a TCP reset for no connection is discarded".into(),
            DropReason::TooBig { len, mtu } => {
                format!("the {len}-byte packet is larger than the MTU {mtu}")
            }
            DropReason::VxlanNoRemote => {
                "the vxlan device's FDB has no entry for the destination MAC and no 00:00:00:00:00:00 entry (no `remotes`): it has nowhere to send the frame".into()
            }
            DropReason::VxlanNoRoute(ip) => format!(
                "the host has no route to the remote VTEP {ip}, so the VXLAN packet cannot leave"
            ),
            DropReason::VxlanLoop(ip) => format!(
                "the route to the remote VTEP {ip} leads back into the vxlan device itself (a circular route)"
            ),
            DropReason::VxlanNoVni { vni, port } => format!(
                "no vxlan device here has VNI {vni} on UDP port {port}: the VXLAN packet is dropped (the kernel answers nothing, as a socket is bound to the port)"
            ),
            DropReason::VxlanOwnSource(mac) => format!(
                "the inner frame comes from {mac}, the vxlan device's own MAC: it looped back, and is dropped"
            ),
            DropReason::VxlanStaticEntry { mac, dst, from } => format!(
                "{mac} has a static FDB entry to {dst}, but this frame came from {from}: the kernel keeps the static entry and drops the frame"
            ),
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
            DropReason::Storm {
                events,
                in_flight,
                ports,
            } => {
                let ports: Vec<String> = ports.iter().map(|&p| topo.iface_label(p)).collect();
                let around = if ports.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; they go round the loop {} and back, copied at every bridge on the way (no spanning tree blocks a port of it)",
                        ports.join(" → ")
                    )
                };
                format!(
                    "the run was stopped after {events} events, with {in_flight} frames on the cables (netsim stops a run once a switch has flooded the same frame {} times, or after {} events): frames keep multiplying, a broadcast storm{around}",
                    crate::sim::FLOOD_REPEATS + 1,
                    crate::sim::EVENT_BUDGET
                )
            }
            DropReason::StpBlocking => {
                "the port is blocking: the spanning tree (STP) keeps it from taking in or sending anything but BPDUs, which breaks the loop here".into()
            }
        }
    }
}

/// Something a learner needs explained once per trace, the first time it
/// appears: each neighbour state, a veth pair, a connected route's words,
/// table local.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lesson {
    /// What a neighbour entry in this state means, as `ip neigh` shows it.
    Neigh(NudState),
    /// A frame crossing a veth pair.
    Veth,
    /// `proto kernel scope link src`, on the route an address adds.
    ConnectedRoute,
    /// The routing table `local`.
    LocalTable,
    /// What VXLAN does with a frame.
    Vxlan,
}
