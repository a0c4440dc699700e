//! The resolved, validated topology: what the simulator runs and what the
//! native backend will turn into netlink messages.
//!
//! A [`Topology`] is only ever built by [`crate::load`] (or
//! [`crate::resolve::resolve`]), which checks every rule of the topology
//! file contract (`shared/spec/topology.md`). Code that holds one may rely on
//! these invariants without re-checking them:
//!
//! - every id ([`NodeId`], [`IfaceId`], [`WireId`]) indexes its vector;
//! - every node owns a loopback `lo` as its first interface;
//! - a `veth` or `nic` interface is an end of exactly one link, and its
//!   [`Iface::device`] says which peer or wire that is;
//! - `master` names a bridge of the same node;
//! - every route has an output interface, and a gateway (if any) lies in a
//!   connected subnet of that interface or is covered by a route of the
//!   same node with `dev` and no `via` through it (the /32 set-up);
//! - probe destinations are already addresses.

use core::fmt;
use core::net::Ipv4Addr;

use crate::wire::{Ipv4Net, MacAddr};

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the topology's vector of this kind.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

typed_id!(
    /// A node (one network namespace), an index into [`Topology::nodes`].
    NodeId
);
typed_id!(
    /// An interface of any node, an index into [`Topology::ifaces`].
    IfaceId
);
typed_id!(
    /// A wire (an unmanaged switch), an index into [`Topology::wires`].
    WireId
);

/// A whole resolved topology file.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    pub name: String,
    pub description: String,
    /// In file order.
    pub nodes: Vec<Node>,
    /// Every interface of every node, grouped by node: a node's loopback,
    /// then its interfaces in file order.
    pub ifaces: Vec<Iface>,
    /// Wires in file order.
    pub wires: Vec<Wire>,
    /// Veth pairs in file order (each also recorded on both ends).
    pub veths: Vec<VethPair>,
    /// Probes in file order; probe N of the CLI is `probes[N - 1]`.
    pub probes: Vec<Probe>,
}

impl Topology {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn iface(&self, id: IfaceId) -> &Iface {
        &self.ifaces[id.index()]
    }

    pub fn wire(&self, id: WireId) -> &Wire {
        &self.wires[id.index()]
    }

    /// The node with this name, if any (linear: meant for the CLI, not for
    /// the data path).
    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().find(|n| n.name == name).map(|n| n.id)
    }

    /// The interface `name` of `node`, if any.
    pub fn iface_by_name(&self, node: NodeId, name: &str) -> Option<IfaceId> {
        self.node(node)
            .ifaces
            .iter()
            .copied()
            .find(|&i| self.iface(i).name == name)
    }

    /// `NODE:IF`, as written in the topology file and in traces.
    pub fn iface_label(&self, id: IfaceId) -> String {
        let i = self.iface(id);
        format!("{}:{}", self.node(i.node).name, i.name)
    }
}

/// What a node is; only the drawing and the defaults differ, every node is
/// one network namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Host,
    Container,
    Router,
    External,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Host => "host",
            NodeKind::Container => "container",
            NodeKind::Router => "router",
            NodeKind::External => "external",
        }
    }
}

/// One network namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: NodeId,
    pub name: String,
    pub kind: NodeKind,
    /// The host node this container or router runs on.
    pub on: Option<NodeId>,
    /// `net.ipv4.ip_forward`.
    pub forwarding: bool,
    /// `net.bridge.bridge-nf-call-iptables`.
    pub bridge_nf: bool,
    /// `lo` first, then the interfaces in file order (each one's
    /// [`Iface::ifindex`] says where the kernel numbers it).
    pub ifaces: Vec<IfaceId>,
    /// The routes written in the file, in file order (connected routes are
    /// implied by addresses and not listed here).
    pub routes: Vec<Route>,
    /// NAT rules in file order: first match wins.
    pub nat: Vec<NatRule>,
    /// Listening sockets in file order.
    pub listen: Vec<Listen>,
    /// The local table: every address of every interface (`lo`'s
    /// included), in interface order, worked out once from the interfaces.
    pub local: Vec<LocalAddr>,
}

/// An address of a namespace, as its local table holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalAddr {
    pub addr: Ipv4Addr,
    pub iface: IfaceId,
    /// The broadcast address of its subnet (none for a /31 or /32).
    pub broadcast: Option<Ipv4Addr>,
}

/// The kind of an interface, as the file's `type` names it (without the
/// data each kind carries; see [`Device`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IfaceKind {
    Loopback,
    Veth,
    Nic,
    Bridge,
    Vxlan,
}

impl IfaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IfaceKind::Loopback => "loopback",
            IfaceKind::Veth => "veth",
            IfaceKind::Nic => "nic",
            IfaceKind::Bridge => "bridge",
            IfaceKind::Vxlan => "vxlan",
        }
    }
}

/// What an interface is, with the data that only its kind has: one variant
/// per kind of kernel device, so that each netlink builder (and each
/// transmit path of the simulator) matches exactly one.
#[derive(Debug, Clone, PartialEq)]
pub enum Device {
    /// `lo`: packets sent to it come back in.
    Loopback,
    /// One end of a veth pair (`ip link add A type veth peer name B`);
    /// `pair` indexes [`Topology::veths`].
    Veth { peer: IfaceId, pair: u32 },
    /// A NIC plugged into a wire.
    Nic { wire: WireId },
    /// A Linux bridge (`ip link add NAME type bridge`).
    Bridge { stp: bool },
    /// A VXLAN tunnel endpoint (`ip link add NAME type vxlan id VNI ...`).
    Vxlan(Vxlan),
}

impl Device {
    pub fn kind(&self) -> IfaceKind {
        match self {
            Device::Loopback => IfaceKind::Loopback,
            Device::Veth { .. } => IfaceKind::Veth,
            Device::Nic { .. } => IfaceKind::Nic,
            Device::Bridge { .. } => IfaceKind::Bridge,
            Device::Vxlan(_) => IfaceKind::Vxlan,
        }
    }
}

/// One interface of one node.
#[derive(Debug, Clone, PartialEq)]
pub struct Iface {
    pub id: IfaceId,
    pub node: NodeId,
    pub name: String,
    /// The kernel's ifindex inside its namespace, as the topology is built:
    /// `lo` is 1, then bridges, veth ends in link order (of a pair inside
    /// one namespace, the second end first), NICs in wire order, vxlans.
    pub ifindex: u32,
    pub device: Device,
    /// In file order; the first is the primary address.
    pub addresses: Vec<Ipv4Net>,
    pub mac: MacAddr,
    pub mtu: u32,
    /// The bridge (an interface of the same node) this one is enslaved to.
    pub master: Option<IfaceId>,
}

impl Iface {
    pub fn kind(&self) -> IfaceKind {
        self.device.kind()
    }

    /// The other end of a veth pair.
    pub fn veth_peer(&self) -> Option<IfaceId> {
        match self.device {
            Device::Veth { peer, .. } => Some(peer),
            _ => None,
        }
    }

    /// Bridges only: spanning tree on.
    pub fn stp(&self) -> bool {
        matches!(self.device, Device::Bridge { stp: true })
    }

    /// Vxlan only: its settings.
    pub fn vxlan(&self) -> Option<&Vxlan> {
        match &self.device {
            Device::Vxlan(v) => Some(v),
            _ => None,
        }
    }
}

/// A 24-bit VXLAN network identifier (1..=16777215).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Vni(u32);

impl Vni {
    pub const MAX: u32 = 0x00ff_ffff;

    /// `None` unless `1 <= value <= 16777215`.
    pub fn try_new(value: u32) -> Option<Vni> {
        (1..=Self::MAX).contains(&value).then_some(Vni(value))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Vni {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The settings of a vxlan interface.
#[derive(Debug, Clone, PartialEq)]
pub struct Vxlan {
    pub vni: Vni,
    pub local: Ipv4Addr,
    pub remotes: Vec<Ipv4Addr>,
    /// The underlay interface, in the same node.
    pub dev: Option<IfaceId>,
    pub port: u16,
}

/// A veth pair, in file order of its ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VethPair {
    pub ends: [IfaceId; 2],
}

/// A physical segment joining two or more NICs, as an unmanaged learning
/// switch.
#[derive(Debug, Clone, PartialEq)]
pub struct Wire {
    pub id: WireId,
    /// The `name` from the file, or `wireN` (N counted from 1 over wires).
    pub name: String,
    pub ends: Vec<IfaceId>,
}

/// A route written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// `default` is `0.0.0.0/0`.
    pub to: Ipv4Net,
    pub via: Option<Ipv4Addr>,
    /// Always set: when the file gives only `via`, the interface whose
    /// connected subnet holds the gateway, or that of the device route
    /// that covers it.
    pub dev: IfaceId,
}

/// Transport protocols that NAT rules and sockets name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum L4Proto {
    Tcp,
    Udp,
}

impl L4Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            L4Proto::Tcp => "tcp",
            L4Proto::Udp => "udp",
        }
    }
}

/// One NAT rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NatRule {
    /// postrouting `masquerade`.
    Masquerade {
        source: Option<Ipv4Net>,
        out: Option<IfaceId>,
    },
    /// postrouting `snat to`.
    Snat {
        to: Ipv4Addr,
        source: Option<Ipv4Net>,
        out: Option<IfaceId>,
    },
    /// prerouting (and, without `in`, output) `dnat to`.
    Dnat {
        proto: L4Proto,
        port: u16,
        to: Ipv4Addr,
        /// `None`: keep the original port.
        to_port: Option<u16>,
        input: Option<IfaceId>,
        dest: Option<Ipv4Addr>,
    },
}

/// A listening socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Listen {
    pub proto: L4Proto,
    pub port: u16,
}

/// What a probe sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeProto {
    Icmp,
    Tcp,
    Udp,
}

impl ProbeProto {
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeProto::Icmp => "icmp",
            ProbeProto::Tcp => "tcp",
            ProbeProto::Udp => "udp",
        }
    }
}

/// How a probe ended, in the words of the topology file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ProbeResult {
    #[serde(rename = "reply")]
    Reply,
    #[serde(rename = "refused")]
    Refused,
    #[serde(rename = "unreachable")]
    Unreachable,
    #[serde(rename = "ttl-exceeded")]
    TtlExceeded,
    #[serde(rename = "timeout")]
    Timeout,
    /// Not something the kernel answers: the simulator stopped the run,
    /// frames multiplying on a loop (a broadcast storm).
    #[serde(rename = "storm")]
    Storm,
}

impl ProbeResult {
    pub const ALL: [ProbeResult; 6] = [
        ProbeResult::Reply,
        ProbeResult::Refused,
        ProbeResult::Unreachable,
        ProbeResult::TtlExceeded,
        ProbeResult::Timeout,
        ProbeResult::Storm,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProbeResult::Reply => "reply",
            ProbeResult::Refused => "refused",
            ProbeResult::Unreachable => "unreachable",
            ProbeResult::TtlExceeded => "ttl-exceeded",
            ProbeResult::Timeout => "timeout",
            ProbeResult::Storm => "storm",
        }
    }

    pub fn parse(text: &str) -> Option<ProbeResult> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl fmt::Display for ProbeResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What must come of a probe; every field that is `None` is not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expect {
    pub result: Option<ProbeResult>,
    pub seen_from: Option<Ipv4Addr>,
    pub ttl: Option<u8>,
}

/// One probe of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub from: NodeId,
    /// The destination as written (`bus1`, `bus1:eth0` or `172.17.0.2`).
    pub to_text: String,
    /// The destination address it resolved to.
    pub to: Ipv4Addr,
    pub proto: ProbeProto,
    /// tcp and udp only.
    pub port: Option<u16>,
    /// TTL of the first packet (default 64).
    pub ttl: u8,
    /// `None`: the probe is run and shown, and always passes.
    pub expect: Option<Expect>,
}
