//! UDP: a probe's socket gets its echo; a listener echoes the datagram
//! back from the address it was sent to (as a server answering with
//! `IP_PKTINFO` does); a closed port answers ICMP port unreachable.

use crate::ipv4::Packet;
use crate::model::{L4Proto, NodeId, ProbeProto, ProbeResult};
use crate::sim::Net;
use crate::trace::{Answer, Delivery, EventKind, IcmpError, Place};
use crate::wire::frame::{DestUnreachableHeader, Udp, L4};

impl Net<'_> {
    /// `udp_rcv`.
    pub(crate) fn udp_rcv(&mut self, node: NodeId, p: &Packet, u: &Udp, to_broadcast: bool) {
        let v = &p.view;
        let sock = self
            .ns(node)
            .socks
            .lookup(ProbeProto::Udp, v.dst, u.dst_port, v.src, u.src_port)
            .map(|s| s.flow);
        if let Some(flow) = sock {
            self.answer(flow, ProbeResult::Reply, Answer::UdpReply { from: v.src });
            return;
        }
        let open = self.listens(node, L4Proto::Udp, u.dst_port);
        self.emit(
            Place::Node(node),
            EventKind::Deliver {
                delivery: Delivery::Udp {
                    port: u.dst_port,
                    open,
                },
            },
        );
        if open {
            if to_broadcast {
                return;
            }
            let l4 = L4::Udp(Udp {
                src_port: u.dst_port,
                dst_port: u.src_port,
                data: u.data.clone(),
            });
            self.reply(node, v, l4, true);
        } else {
            self.icmp_error(node, p, IcmpError::Unreachable(DestUnreachableHeader::Port));
        }
    }
}
