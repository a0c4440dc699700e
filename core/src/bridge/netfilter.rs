//! br_netfilter: with `bridge_nf` on (`net.bridge.bridge-nf-call-iptables`
//! = 1, as on every Docker host), bridged IPv4 frames pass the namespace's
//! IP hooks too: PREROUTING when they enter the bridge, before it decides
//! where they go, and POSTROUTING when they leave by a port. A DNAT at
//! PREROUTING whose new destination is on the same bridge is bridged
//! there, to that host's MAC, not routed: the TTL is unchanged
//! (`br_nf_pre_routing_finish_bridge`).

use crate::ipv4::Packet;
use crate::model::{IfaceId, NodeId};
use crate::netfilter::{Hook, Verdict};
use crate::sim::Net;
use crate::wire::frame::{Bytes, Frame, Payload};
use crate::wire::MacAddr;

/// What PREROUTING made of a frame entering the bridge.
pub(crate) enum PreRouted {
    /// Go on bridging these bytes (translated, and re-addressed to the new
    /// destination's MAC when a DNAT moved it along the bridge).
    Bridge(Bytes, Option<Packet>),
    /// The hook took the packet.
    Gone,
}

impl Net<'_> {
    /// Whether frames of this bridge pass the IP hooks.
    pub(crate) fn bridge_nf(&self, bridge: IfaceId) -> Option<NodeId> {
        let node = self.topo.iface(bridge).node;
        let n = self.topo.node(node);
        (n.bridge_nf && !n.nat.is_empty()).then_some(node)
    }

    /// `br_nf_pre_routing`.
    pub(crate) fn br_nf_prerouting(
        &mut self,
        bridge: IfaceId,
        node: NodeId,
        bytes: Bytes,
    ) -> PreRouted {
        let Ok(frame) = Frame::parse_shared(&bytes) else {
            return PreRouted::Bridge(bytes, None);
        };
        let Payload::Ipv4(view) = frame.payload else {
            return PreRouted::Bridge(bytes, None);
        };
        let before = view.dst;
        let p = Packet::received(view, &bytes);
        let Verdict::Accept(p) = self.nf_hook(Hook::Prerouting, node, Some(bridge), p) else {
            return PreRouted::Gone;
        };
        if p.view.dst == before {
            let out = if p.is_changed() {
                self.frame_of(&p, frame.dst, frame.src)
            } else {
                bytes
            };
            return PreRouted::Bridge(out, Some(p));
        }
        // DNAT moved the destination: on this same bridge, the frame is
        // bridged to the new destination's MAC; elsewhere it is routed.
        let on_bridge = !self.is_local(node, p.view.dst)
            && self
                .route_lookup(node, p.view.dst)
                .is_some_and(|r| r.dev == bridge && r.via.is_none());
        let mac = on_bridge
            .then(|| {
                self.ns(node)
                    .neigh
                    .get(bridge, p.view.dst)
                    .and_then(|e| e.mac)
            })
            .flatten();
        let dst_mac = match mac {
            Some(m) => m,
            // Routed: up to the bridge's own stack.
            None => self.topo.iface(bridge).mac,
        };
        let out = self.frame_of(&p, dst_mac, frame.src);
        PreRouted::Bridge(out, Some(p))
    }

    /// `br_nf_post_routing`: a bridged frame leaves by a port.
    pub(crate) fn br_nf_postrouting(
        &mut self,
        bridge: IfaceId,
        node: NodeId,
        p: Packet,
        dst: MacAddr,
        src: MacAddr,
    ) -> Option<Bytes> {
        match self.nf_hook(Hook::Postrouting, node, Some(bridge), p) {
            Verdict::Accept(p) => Some(self.frame_of(&p, dst, src)),
            Verdict::Stolen => None,
        }
    }
}
