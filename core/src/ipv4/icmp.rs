//! `icmp_send`: an ICMP error about a packet goes back to its source.

use core::net::Ipv4Addr;

use crate::model::NodeId;
use crate::sim::Net;
use crate::trace::{DropReason, EventKind, IcmpError, Place};
use crate::wire::frame::{Icmp, Ipv4Packet, L4};

use super::{Packet, DEFAULT_TTL};

impl Net<'_> {
    /// Sends `error` about `orig` back to its source. Never about an ICMP
    /// error, a broadcast, or a packet without a source (RFC 1812 4.3.2.7).
    pub(crate) fn icmp_error(&mut self, node: NodeId, orig: &Packet, error: IcmpError) {
        let o = &orig.view;
        let is_error = matches!(
            o.l4,
            L4::Icmp(
                Icmp::DestUnreachable { .. }
                    | Icmp::TimeExceeded { .. }
                    | Icmp::Redirect { .. }
                    | Icmp::Other { .. }
            )
        );
        if is_error
            || o.src.is_unspecified()
            || o.src.is_broadcast()
            || o.dst.is_broadcast()
            || self.is_broadcast(node, o.dst)
        {
            return;
        }
        // The source: the original destination if it is ours (port
        // unreachable), else what the route back prefers.
        let src = if self.is_local(node, o.dst) {
            o.dst
        } else {
            Ipv4Addr::UNSPECIFIED
        };
        // `icmpv4_xrlim_allow`: destination unreachable and time exceeded
        // are rate limited per destination (icmp_ratemask).
        if !self.icmp_rate_allow(node, o.src) {
            self.drop_at(Place::Node(node), DropReason::IcmpRateLimited { to: o.src });
            return;
        }
        self.emit(
            Place::Node(node),
            EventKind::IcmpError {
                error: error.clone(),
                to: o.src,
            },
        );
        let original = orig.quote();
        let l4 = match error {
            IcmpError::TimeExceeded(code) => L4::Icmp(Icmp::TimeExceeded {
                code,
                original: original.into(),
            }),
            IcmpError::Unreachable(code) => L4::Icmp(Icmp::DestUnreachable {
                code,
                original: original.into(),
            }),
        };
        let ident = self.next_ident(node);
        let view = Ipv4Packet {
            src,
            dst: o.src,
            ttl: DEFAULT_TTL,
            ident,
            dont_fragment: false,
            l4,
        };
        self.new_packet();
        self.ip_output(node, Packet::new(view), None);
    }
}
