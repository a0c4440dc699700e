//! Sockets: each namespace's socket table, and the probes that open them.
//!
//! A probe is a socket a namespace opens (a raw ICMP socket as `ping`
//! uses, a TCP socket that connects, a UDP socket that sends one datagram)
//! plus what the run learns about it: where its first packet arrived and
//! what came back. Several can be in flight at once; answers find their
//! socket by the flow they belong to (addresses, ports or echo id), as the
//! kernel's socket lookup does, so each is answered on its own.
//!
//! Ephemeral ports and echo ids come from the socket as it is made
//! (`inet_hash_connect` picks a free port; here the choice is fixed, so
//! runs repeat): the Nth socket a namespace makes takes port 33000 + N, or
//! echo id 0x6e00 + N, skipping any that the namespace already uses. Each
//! namespace has its own port space, as on the kernel.

mod probe;
mod tcp;
mod udp;

use core::net::Ipv4Addr;

use crate::model::{NodeId, ProbeProto, ProbeResult};
use crate::time::Time;
use crate::trace::{Answer, PacketId};

/// A started probe, the run's handle for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FlowId(pub u32);

/// One socket in a namespace's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sock {
    pub proto: ProbeProto,
    /// The local address (chosen by the route at connect time).
    pub local: Ipv4Addr,
    /// The local port, or the ICMP echo id.
    pub lport: u16,
    pub remote: Ipv4Addr,
    /// The remote port (0 for ICMP).
    pub rport: u16,
    /// The probe it belongs to.
    pub flow: FlowId,
}

/// A namespace's sockets.
#[derive(Debug, Clone, Default)]
pub struct SockTable {
    socks: Vec<Sock>,
    /// Half-open connections of listeners (`SYN_RECV`): (local ip, local
    /// port, remote ip, remote port).
    pub(crate) syn_recv: rustc_hash::FxHashSet<(Ipv4Addr, u16, Ipv4Addr, u16)>,
}

impl SockTable {
    pub fn iter(&self) -> impl Iterator<Item = &Sock> {
        self.socks.iter()
    }

    pub fn insert(&mut self, sock: Sock) {
        self.socks.push(sock);
    }

    pub fn remove(&mut self, flow: FlowId) {
        self.socks.retain(|s| s.flow != flow);
    }

    /// Whether `port` (or echo id) is taken for `proto`.
    pub fn in_use(&self, proto: ProbeProto, port: u16) -> bool {
        self.socks
            .iter()
            .any(|s| s.proto == proto && s.lport == port)
    }

    /// The socket a packet from `remote:rport` to `local:lport` belongs to
    /// (`__inet_lookup_established`); for ICMP echo replies `lport` is the
    /// echo id and `rport` is ignored.
    pub fn lookup(
        &self,
        proto: ProbeProto,
        local: Ipv4Addr,
        lport: u16,
        remote: Ipv4Addr,
        rport: u16,
    ) -> Option<&Sock> {
        self.socks.iter().find(|s| {
            s.proto == proto
                && s.lport == lport
                && s.remote == remote
                && (proto == ProbeProto::Icmp || (s.rport == rport && s.local == local))
        })
    }
}

/// A probe in flight.
#[derive(Debug, Clone)]
pub struct Flow {
    pub id: FlowId,
    /// The probe's index in the file (or an ad hoc label).
    pub index: u32,
    pub node: NodeId,
    pub proto: ProbeProto,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    /// The socket's source address (unspecified until the first send).
    pub src: Ipv4Addr,
    pub lport: u16,
    pub rport: u16,
    pub isn: u32,
    /// IP id of the first packet.
    pub ident: u16,
    pub started: Time,
    /// The run's number of the first event of this probe.
    pub first_event: usize,
    /// The first packet the socket sent.
    pub first_packet: Option<PacketId>,
    /// What came back.
    pub answer: Option<(ProbeResult, Answer)>,
    /// Where the first packet was delivered: node, source seen, TTL seen.
    pub arrival: Option<(NodeId, Ipv4Addr, u8)>,
    /// Where the first packet entered the namespace that owns its
    /// destination address, if it got there but was delivered nowhere
    /// (dropped on the way in): what that namespace saw of it.
    pub entered: Option<(NodeId, Ipv4Addr, u8)>,
    /// The run's number of the probe's `probe_start` event.
    pub start_event: Option<u32>,
    /// Set when the run was stopped as a storm while this probe ran.
    pub storm: Option<crate::sim::Storm>,
}
