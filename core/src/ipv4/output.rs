//! `ip_output` for packets a namespace makes: the OUTPUT hook before the
//! route lookup (so that a DNAT there can change where the packet goes),
//! the lookup, then POSTROUTING and the neighbour layer
//! (`ip_finish_output`).

use core::net::Ipv4Addr;

use crate::model::NodeId;
use crate::neigh::Origin;
use crate::netfilter::{Hook, Verdict};
use crate::sim::Net;
use crate::sock::FlowId;
use crate::trace::{Answer, DropReason, Place};
use crate::wire::frame::{Ipv4Packet, L4};
use crate::wire::MacAddr;

use super::route::RouteEntry;
use super::{Packet, DEFAULT_TTL};

impl Net<'_> {
    /// `ip_route_output` + `ip_output` for a packet this namespace makes.
    /// An unspecified source takes the route's preferred source. `flow` is
    /// the probe whose socket made it, if any (the socket learns of a
    /// failed send).
    pub(crate) fn ip_output(&mut self, node: NodeId, p: Packet, flow: Option<FlowId>) {
        let Verdict::Accept(mut p) = self.nf_hook(Hook::Output, node, None, p) else {
            return;
        };
        if p.view.dst.is_unspecified() {
            // `ip_route_output_key`: 0.0.0.0 means this host, reached over lo.
            p.view.dst = p.view.src;
            if p.view.dst.is_unspecified() {
                p.view.dst = Ipv4Addr::LOCALHOST;
            }
            p.rebuild();
        }
        if self.is_local(node, p.view.dst) {
            self.emit_local_lookup(node, p.view.dst);
            if p.view.src.is_unspecified() {
                p.view.src = local_source(p.view.dst);
                p.rebuild();
            }
            match self.loopback(node) {
                Some(lo) => {
                    let bytes = self.frame_of(&p, MacAddr::ZERO, MacAddr::ZERO);
                    self.dev_xmit(lo, bytes);
                }
                None => self.ip_local_deliver(node, p),
            }
            return;
        }
        let route = self.route_lookup_logged(node, p.view.dst);
        let Some(route) = route else {
            match flow {
                // A socket's send: the call itself fails (ENETUNREACH)
                // before any packet exists, so nothing is "dropped".
                Some(_) => self.local_error(flow, Answer::LocalNoRoute),
                // The kernel's own answer (a reply, an ICMP error): it is
                // discarded here, and its addressee waits in vain.
                None => self.drop_at(Place::Node(node), DropReason::NoRouteBack(p.view.dst)),
            }
            return;
        };
        if p.view.src.is_unspecified() {
            p.view.src = route.src.unwrap_or(Ipv4Addr::UNSPECIFIED);
            p.rebuild();
        }
        self.ip_finish_output(node, &route, p, crate::neigh::Origin::Local { flow });
    }

    /// POSTROUTING, then the neighbour layer.
    pub(crate) fn ip_finish_output(
        &mut self,
        node: NodeId,
        route: &RouteEntry,
        p: Packet,
        origin: Origin,
    ) {
        let Verdict::Accept(p) = self.nf_hook(Hook::Postrouting, node, Some(route.dev), p) else {
            return;
        };
        self.neigh_output(node, route, p, origin);
    }

    /// The kernel answers `to` from the address it was sent to, with its
    /// own TTL and IP id (echo replies, SYN-ACKs, RSTs, UDP echoes). The
    /// answer is a packet of its own, caused by `to`.
    pub(crate) fn reply(&mut self, node: NodeId, to: &Ipv4Packet, l4: L4, dont_fragment: bool) {
        let ident = self.next_ident(node);
        let view = Ipv4Packet {
            src: to.dst,
            dst: to.src,
            ttl: DEFAULT_TTL,
            ident,
            dont_fragment,
            l4,
        };
        self.new_packet();
        self.ip_output(node, Packet::new(view), None);
    }
}

/// The source the local table gives a packet to one of our own addresses:
/// `local 127.0.0.0/8 dev lo src 127.0.0.1` for the loopback range, the
/// address itself for the others (`local X dev IF src X`).
pub(crate) fn local_source(dst: Ipv4Addr) -> Ipv4Addr {
    if dst.is_loopback() {
        Ipv4Addr::LOCALHOST
    } else {
        dst
    }
}
