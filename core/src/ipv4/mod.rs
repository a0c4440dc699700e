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
use crate::wire::frame::{self, Bytes, Frame, Ipv4Packet, L4};
use crate::wire::MacAddr;

use route::{RouteEntry, RouteTable};

/// The TTL of packets the kernel makes itself (`ip_default_ttl`).
pub const DEFAULT_TTL: u8 = 64;

/// An IPv4 packet: what it says (`view`), and its bytes as they travel.
///
/// A packet this namespace makes is built from its view when it leaves; a
/// received one keeps the frame it came in (no copy for local delivery);
/// one that a router changes (its TTL) gets bytes of its own, the received
/// ones with only that changed, like an skb after `skb_cow`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub view: Ipv4Packet,
    buf: Buf,
    /// The connection conntrack found or made for it in this namespace.
    pub(crate) ct: Option<(u32, crate::netfilter::conntrack::Dir)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Buf {
    /// Made here: the bytes are the view's.
    Local,
    /// As received: an Ethernet frame whose IPv4 bytes start at byte 14.
    Frame(Bytes),
    /// Changed on the way: room for an Ethernet header, then the IPv4 bytes.
    Owned(Vec<u8>),
}

const ETH: usize = 14;

impl Packet {
    /// A packet this namespace makes.
    pub fn new(view: Ipv4Packet) -> Packet {
        Packet {
            view,
            buf: Buf::Local,
            ct: None,
        }
    }

    /// A packet read from `frame`: `view` is what [`Ipv4Packet::parse`]
    /// made of its IPv4 bytes, which are kept as they came.
    pub fn received(view: Ipv4Packet, frame: &Bytes) -> Packet {
        Packet {
            view,
            buf: Buf::Frame(frame.clone()),
            ct: None,
        }
    }

    /// Whether its bytes are no longer those it came with.
    pub fn is_changed(&self) -> bool {
        !matches!(self.buf, Buf::Frame(_))
    }

    /// The view changed (an address chosen late): the bytes follow it.
    pub fn rebuild(&mut self) {
        self.buf = Buf::Local;
    }

    /// The IPv4 bytes (header and payload, exactly the total length).
    pub fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match &self.buf {
            Buf::Local => std::borrow::Cow::Owned(self.view.emit()),
            Buf::Frame(f) => std::borrow::Cow::Borrowed(frame::ipv4_slice(f).unwrap_or(&[])),
            Buf::Owned(v) => std::borrow::Cow::Borrowed(v.get(ETH..).unwrap_or(&[])),
        }
    }

    /// `ip_decrease_ttl`: TTL one less, header checksum updated, every
    /// other byte as it was.
    pub fn decrement_ttl(&mut self) {
        match &mut self.buf {
            Buf::Local => self.view.ttl = self.view.ttl.saturating_sub(1),
            Buf::Frame(f) => {
                let ip = frame::ipv4_slice(f).unwrap_or(&[]);
                let mut v = Vec::with_capacity(ETH + ip.len().max(46));
                v.extend_from_slice(&f[..ETH.min(f.len())]);
                v.resize(ETH, 0);
                v.extend_from_slice(ip);
                if frame::decrement_ttl(&mut v[ETH..]) {
                    self.view.ttl -= 1;
                }
                self.buf = Buf::Owned(v);
            }
            Buf::Owned(v) => {
                if frame::decrement_ttl(&mut v[ETH..]) {
                    self.view.ttl -= 1;
                }
            }
        }
    }

    /// The frame that carries it from `src` to `dst`.
    pub fn frame(&self, dst: MacAddr, src: MacAddr) -> Bytes {
        let mut v = Vec::new();
        self.frame_into(&mut v, dst, src);
        v.into()
    }

    /// The frame's bytes written into `v` (emptied first): the data path
    /// keeps one such buffer, so that a frame costs one allocation, its own.
    pub fn frame_into(&self, v: &mut Vec<u8>, dst: MacAddr, src: MacAddr) {
        v.clear();
        v.resize(ETH, 0);
        match &self.buf {
            Buf::Local => self.view.emit_into(v),
            Buf::Frame(f) => v.extend_from_slice(frame::ipv4_slice(f).unwrap_or(&[])),
            Buf::Owned(o) => v.extend_from_slice(o.get(ETH..).unwrap_or(&[])),
        }
        Frame::ethernet_header(v, dst, src, 0x0800);
        if v.len() < 60 {
            v.resize(60, 0);
        }
    }

    /// NAT: the source (`src`) or destination address and port become
    /// `addr` and `port`, in the bytes (checksums kept right) and the view.
    /// `icmp_error` for an ICMP error about a translated flow, whose quoted
    /// packet changes too.
    pub fn translate(&mut self, src: bool, addr: core::net::Ipv4Addr, port: u16, icmp_error: bool) {
        let mut v = match core::mem::replace(&mut self.buf, Buf::Local) {
            Buf::Owned(v) => v,
            Buf::Local => {
                let mut v = Vec::with_capacity(ETH + 20 + 8 + 64);
                v.resize(ETH, 0);
                self.view.emit_into(&mut v);
                v
            }
            Buf::Frame(f) => {
                let ip = frame::ipv4_slice(&f).unwrap_or(&[]);
                let mut v = Vec::with_capacity(ETH + ip.len().max(46));
                v.resize(ETH, 0);
                v.extend_from_slice(ip);
                v
            }
        };
        if let Some(ip) = v.get_mut(ETH..) {
            if icmp_error {
                frame::nat::rewrite_icmp_error(ip, src, addr, port);
                if let Ok(view) = Ipv4Packet::parse(ip) {
                    self.view = view;
                }
            } else {
                frame::nat::rewrite(ip, src, addr, port);
                // The view changes as the bytes did (no need to read them
                // again; the tests' debug builds check that it agrees).
                let p = match (src, &mut self.view.l4) {
                    (true, L4::Tcp(frame::Tcp { src_port: p, .. }))
                    | (true, L4::Udp(frame::Udp { src_port: p, .. }))
                    | (false, L4::Tcp(frame::Tcp { dst_port: p, .. }))
                    | (false, L4::Udp(frame::Udp { dst_port: p, .. }))
                    | (
                        _,
                        L4::Icmp(
                            frame::Icmp::EchoRequest { id: p, .. }
                            | frame::Icmp::EchoReply { id: p, .. },
                        ),
                    ) => Some(p),
                    _ => None,
                };
                if let Some(p) = p {
                    *p = port;
                }
                if src {
                    self.view.src = addr;
                } else {
                    self.view.dst = addr;
                }
                debug_assert!(Ipv4Packet::parse(ip).map_or(true, |v| v == self.view));
            }
        }
        self.buf = Buf::Owned(v);
    }

    /// What an ICMP error about this packet quotes.
    pub fn quote(&self) -> Vec<u8> {
        frame::quote_bytes(&self.bytes())
    }
}

/// What an address is to a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddrClass {
    /// One of its own (the local table), 127.0.0.0/8 included.
    Local,
    /// A broadcast address of a connected subnet, or 255.255.255.255.
    Broadcast,
    Other,
}

impl<'t> Net<'t> {
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
        let Some(extra) = ns.extra.as_deref().filter(|e| !e.redirected.is_empty()) else {
            return Some(route);
        };
        match extra.redirected.get(&dst) {
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

    /// The namespace's local table (worked out when the file was read).
    fn addrs(&self, node: NodeId) -> &'t [crate::model::LocalAddr] {
        &self.topo.node(node).local
    }

    /// Every address of the namespace with its interface.
    pub(crate) fn local_addrs(
        &mut self,
        node: NodeId,
    ) -> impl Iterator<Item = (Ipv4Addr, IfaceId)> + '_ {
        self.addrs(node).iter().map(|e| (e.addr, e.iface))
    }

    /// Whether `ip` is one of this namespace's addresses (the local table:
    /// any address of any interface, and all of 127.0.0.0/8).
    pub(crate) fn is_local(&mut self, node: NodeId, ip: Ipv4Addr) -> bool {
        ip.is_loopback() || self.addrs(node).iter().any(|e| e.addr == ip)
    }

    /// What `ip` is to this namespace, in one look at its addresses.
    pub(crate) fn addr_class(&mut self, node: NodeId, ip: Ipv4Addr) -> AddrClass {
        if ip.is_loopback() {
            return AddrClass::Local;
        }
        if ip.is_broadcast() {
            return AddrClass::Broadcast;
        }
        let mut class = AddrClass::Other;
        for e in self.addrs(node) {
            if e.addr == ip {
                return AddrClass::Local;
            }
            if e.broadcast == Some(ip) {
                class = AddrClass::Broadcast;
            }
        }
        class
    }

    /// Limited broadcast, or the broadcast address of a connected subnet.
    pub(crate) fn is_broadcast(&mut self, node: NodeId, ip: Ipv4Addr) -> bool {
        ip.is_broadcast() || self.addrs(node).iter().any(|e| e.broadcast == Some(ip))
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
