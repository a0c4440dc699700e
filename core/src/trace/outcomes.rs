//! How things ended, in Linux's terms: why a packet or frame went no
//! further, the ICMP errors the kernel sends, what a namespace did with a
//! redirect, what the destination's transport layer did, and what came
//! back to a probe's socket.

use core::net::Ipv4Addr;

use crate::model::IfaceId;
use crate::wire::frame::{self, DestUnreachableHeader, TimeExceededCode};
use crate::wire::MacAddr;

/// Why a packet or frame went no further, in Linux's terms.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum DropReason {
    /// The bytes could not be read; the text names the layer and the value.
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
    /// A packet the kernel made itself (a reply, an ICMP error) has no
    /// route to its destination: it is never sent.
    NoRouteBack(Ipv4Addr),
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
    /// A vxlan device has no FDB entry for the frame, not even all-zero.
    VxlanNoRemote,
    /// No route to the remote VTEP for the outer packet.
    VxlanNoRoute(Ipv4Addr),
    /// The route to the remote VTEP leads back into the vxlan device.
    VxlanLoop(Ipv4Addr),
    /// A VXLAN packet for a VNI that no vxlan device on that port has.
    VxlanNoVni { vni: u32, port: u16 },
    /// The inner frame comes from the vxlan device's own MAC: a loop.
    VxlanOwnSource(MacAddr),
    /// The inner source MAC has a static FDB entry to another VTEP.
    VxlanStaticEntry {
        mac: MacAddr,
        dst: Ipv4Addr,
        from: Ipv4Addr,
    },
    /// The interface is cabled to nothing (a lone NIC on a wire).
    NoCarrier,
    /// The run stopped: frames kept multiplying (a loop, a broadcast storm);
    /// `ports` are the bridge and wire ports of the loop they went round,
    /// in order.
    Storm {
        events: usize,
        in_flight: usize,
        ports: Vec<IfaceId>,
    },
    /// The bridge port is blocking (STP): it takes in only BPDUs.
    StpBlocking,
    /// The bridge device sent a frame to its own MAC address: its local FDB
    /// entry has no port to forward to (`br_dev_xmit`, `br_forward`).
    ToBridgeItself,
    /// TCP never accepts a connection to a broadcast address, and answers
    /// it with nothing (`tcp_v4_rcv` for an `RTN_BROADCAST` route).
    TcpToBroadcast,
    /// A packet sent into `lo` by a route for an address that is not local:
    /// its route has nowhere to deliver it (`dst_discard`).
    LoopbackNotLocal(Ipv4Addr),
    /// An ICMP error was not sent: no token left in the per-destination
    /// rate limit (`net.ipv4.icmp_ratelimit`), which redirects share.
    IcmpRateLimited { to: Ipv4Addr },
    /// A packet whose source is one of this namespace's own addresses came
    /// in from outside: a martian (`accept_local` is 0).
    MartianSource(Ipv4Addr),
}

/// An ICMP error the kernel sends, by its etherparse name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IcmpError {
    /// Type 3, destination unreachable, with its code.
    Unreachable(DestUnreachableHeader),
    /// Type 11, time exceeded, with its code.
    TimeExceeded(TimeExceededCode),
}

impl IcmpError {
    /// `net-unreachable`, `port-unreachable`, `ttl-exceeded`, ...
    pub fn name(&self) -> String {
        match self {
            IcmpError::Unreachable(c) => {
                format!("{}-unreachable", frame::unreach_name(c).replace(' ', "-"))
            }
            IcmpError::TimeExceeded(TimeExceededCode::TtlExceededInTransit) => {
                "ttl-exceeded".into()
            }
            IcmpError::TimeExceeded(TimeExceededCode::FragmentReassemblyTimeExceeded) => {
                "reassembly-time-exceeded".into()
            }
        }
    }
}

impl serde::Serialize for IcmpError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// What a namespace did with an ICMP redirect it received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectOutcome {
    /// The next-hop exception is kept (`ip route get` shows
    /// `cache <redirected>`).
    Cached,
    /// The new gateway's MAC is not known yet: the kernel asks for it and
    /// keeps nothing this time.
    ResolvingGateway,
    /// It did not come from the current gateway for that destination.
    NotFromGateway,
    /// A router (forwarding on) does not accept redirects.
    Router,
    /// The new gateway is not another host's unicast address (it is one of
    /// this namespace's own, or a broadcast or multicast address): rejected.
    BadGateway,
}

/// What the transport layer of the destination did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
    /// An ICMP error (destination unreachable, time exceeded) about the
    /// probe's packet.
    Icmp {
        from: Ipv4Addr,
        error: IcmpError,
    },
    /// The sender's own kernel gave up: no route (`ENETUNREACH`). (A failed
    /// ARP comes back as [`Answer::Icmp`]: the kernel sends itself an ICMP
    /// host unreachable.)
    LocalNoRoute,
    /// Nothing came back in 5 s.
    Nothing,
}
