//! IPv4, as the kernel's `net/ipv4` does it: the routing table
//! ([`route`]), `ip_rcv` and local delivery ([`input`]), `ip_forward`
//! ([`forward`]), `ip_output` ([`output`]) and ICMP errors ([`icmp`]).
//!
//! A packet travels as its bytes with a parsed view beside them
//! ([`Packet`]): decisions read the view; a router forwards the bytes it
//! received, changing only what the kernel changes (TTL and header
//! checksum), so options, DSCP/ECN, identification and every transport
//! byte survive each hop.
//!
//! Read first: RFC 791 (IPv4), RFC 1812 (requirements for routers),
//! RFC 792 (ICMP).

mod forward;
mod icmp;
mod input;
mod output;
pub mod redirect;

pub(crate) use output::local_source;
pub mod route;

use core::net::Ipv4Addr;

use crate::model::{IfaceId, IfaceKind, NodeId};
use crate::sim::Net;
use crate::trace::{EventKind, Place};
use crate::wire::frame::{self, Ipv4Packet};

use route::{RouteEntry, RouteTable};

/// The TTL of packets the kernel makes itself (`ip_default_ttl`).
pub const DEFAULT_TTL: u8 = 64;

/// An IPv4 packet: its bytes (exactly its total length) and what they say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub view: Ipv4Packet,
    pub bytes: Vec<u8>,
}

impl Packet {
    /// A packet this namespace makes: its bytes are built from the view.
    pub fn new(view: Ipv4Packet) -> Packet {
        let bytes = view.emit();
        Packet { view, bytes }
    }

    /// A packet read from a frame: `view` is what [`Ipv4Packet::parse`]
    /// made of `frame`'s IPv4 bytes, which are kept as they came.
    pub fn received(view: Ipv4Packet, frame_bytes: &[u8]) -> Packet {
        let bytes = match frame::ipv4_slice(frame_bytes) {
            Some(b) => b.to_vec(),
            None => view.emit(),
        };
        Packet { view, bytes }
    }

    /// The view changed (an address chosen late): make the bytes again.
    pub fn rebuild(&mut self) {
        self.bytes = self.view.emit();
    }

    /// `ip_decrease_ttl`: TTL one less, header checksum updated.
    pub fn decrement_ttl(&mut self) {
        if frame::decrement_ttl(&mut self.bytes) {
            self.view.ttl -= 1;
        }
    }

    /// What an ICMP error about this packet quotes.
    pub fn quote(&self) -> Vec<u8> {
        frame::quote_bytes(&self.bytes)
    }
}

impl Net<'_> {
    /// The route to `dst`: the main table's longest match, with the
    /// gateway a redirect taught (a next-hop exception) when there is one.
    pub(crate) fn route_lookup(&mut self, node: NodeId, dst: Ipv4Addr) -> Option<RouteEntry> {
        let topo = self.topo;
        let now = self.st.now;
        let ns = self.ns(node);
        let route = ns
            .routes
            .get_or_insert_with(|| RouteTable::build(topo, node))
            .lookup(dst)
            .copied()?;
        match ns.redirected.get(&dst) {
            Some(&(gw, until)) if route.via.is_some() && now < until => Some(RouteEntry {
                to: crate::wire::Ipv4Net::new(dst, 32).unwrap_or(route.to),
                via: Some(gw),
                origin: route::RouteOrigin::Redirected,
                ..route
            }),
            _ => Some(route),
        }
    }

    /// A main-table lookup, recorded in the trace.
    pub(crate) fn route_lookup_logged(
        &mut self,
        node: NodeId,
        dst: Ipv4Addr,
    ) -> Option<RouteEntry> {
        let route = self.route_lookup(node, dst);
        self.emit(
            Place::Node(node),
            EventKind::RouteLookup {
                dst,
                local: false,
                route,
            },
        );
        route
    }

    /// A hit in the local table, recorded in the trace.
    pub(crate) fn emit_local_lookup(&mut self, node: NodeId, dst: Ipv4Addr) {
        self.emit(
            Place::Node(node),
            EventKind::RouteLookup {
                dst,
                local: true,
                route: None,
            },
        );
    }

    pub(crate) fn local_addrs(&mut self, node: NodeId) -> &[(Ipv4Addr, IfaceId)] {
        let topo = self.topo;
        self.ns(node).local.get_or_insert_with(|| {
            topo.node(node)
                .ifaces
                .iter()
                .flat_map(|&i| topo.iface(i).addresses.iter().map(move |a| (a.addr(), i)))
                .collect()
        })
    }

    /// Whether `ip` is one of this namespace's addresses (the local table:
    /// any address of any interface, and all of 127.0.0.0/8).
    pub(crate) fn is_local(&mut self, node: NodeId, ip: Ipv4Addr) -> bool {
        ip.is_loopback() || self.local_addrs(node).iter().any(|(a, _)| *a == ip)
    }

    /// Limited broadcast, or the broadcast address of a connected subnet.
    pub(crate) fn is_broadcast(&self, node: NodeId, ip: Ipv4Addr) -> bool {
        ip.is_broadcast()
            || self.topo.node(node).ifaces.iter().any(|&i| {
                self.topo
                    .iface(i)
                    .addresses
                    .iter()
                    .any(|a| a.prefix() < 31 && a.broadcast() == ip)
            })
    }

    pub(crate) fn next_ident(&mut self, node: NodeId) -> u16 {
        let st = self.ns(node);
        st.ident = st.ident.wrapping_add(1);
        st.ident
    }

    pub(crate) fn loopback(&self, node: NodeId) -> Option<IfaceId> {
        self.topo
            .node(node)
            .ifaces
            .iter()
            .copied()
            .find(|&i| self.topo.iface(i).kind() == IfaceKind::Loopback)
    }
}
