//! `ip_forward`: the route found by `ip_route_input`, the TTL checked and
//! decremented, the FORWARD hook, then out through POSTROUTING.

use crate::model::{IfaceId, NodeId};
use crate::neigh::Origin;
use crate::netfilter::{Hook, Verdict};
use crate::sim::Net;
use crate::trace::{DropReason, EventKind, IcmpError, Place};
use crate::wire::frame::{DestUnreachableHeader, TimeExceededCode};

use super::Packet;

impl Net<'_> {
    pub(crate) fn ip_forward(&mut self, node: NodeId, in_dev: IfaceId, mut p: Packet) {
        let route = self.route_lookup_logged(node, p.view.dst);
        let Some(route) = route else {
            self.drop_at(Place::Node(node), DropReason::NoRoute);
            self.icmp_error(
                node,
                &p,
                IcmpError::Unreachable(DestUnreachableHeader::Network),
            );
            return;
        };
        if p.view.ttl <= 1 {
            self.drop_at(Place::Node(node), DropReason::TtlExpired);
            self.icmp_error(
                node,
                &p,
                IcmpError::TimeExceeded(TimeExceededCode::TtlExceededInTransit),
            );
            return;
        }
        self.emit(
            Place::Node(node),
            EventKind::TtlDecrement {
                from: p.view.ttl,
                to: p.view.ttl - 1,
            },
        );
        p.decrement_ttl();
        let gateway = route.via.unwrap_or(p.view.dst);
        self.maybe_redirect(node, in_dev, route.dev, &p, gateway);
        let Verdict::Accept(p) = self.nf_hook(Hook::Forward, node, Some(route.dev), p) else {
            return;
        };
        self.ip_finish_output(node, &route, p, Origin::Forwarded);
    }
}
