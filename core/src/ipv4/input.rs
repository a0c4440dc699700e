//! `ip_rcv` and `ip_local_deliver`: a packet arrives; after the
//! PREROUTING hook the route decides whether it is for this namespace or to
//! be forwarded; local packets pass INPUT and reach the transport layer.

use crate::model::{IfaceId, IfaceKind, NodeId, ProbeResult};
use crate::netfilter::{Hook, Verdict};
use crate::sim::Net;
use crate::trace::{Answer, Delivery, DropReason, EventKind, IcmpError, Place};
use crate::wire::frame::{DestUnreachableHeader, Icmp, L4};

use super::{AddrClass, Packet};

impl Net<'_> {
    /// `ip_rcv` → PREROUTING → `ip_route_input`: local, or forward.
    pub(crate) fn ip_rcv(&mut self, dev: IfaceId, p: Packet) {
        let node = self.topo.iface(dev).node;
        let from_lo = self.topo.iface(dev).kind() == IfaceKind::Loopback;
        // `fib_validate_source`: our own address as the source of a packet
        // from outside is a martian (accept_local = 0).
        if !from_lo && self.is_local(node, p.view.src) {
            self.drop_at(Place::Iface(dev), DropReason::MartianSource(p.view.src));
            return;
        }
        // A frame br_netfilter already took through PREROUTING on its way
        // into the bridge, and the bridge passed up, carries its connection:
        // `ip_sabotage_in` lets it skip the hook the second time.
        let p = if p.ct.is_some() {
            p
        } else {
            let Verdict::Accept(p) = self.nf_hook(Hook::Prerouting, node, Some(dev), p) else {
                return;
            };
            p
        };
        let local = self.addr_class(node, p.view.dst) != AddrClass::Other;
        if from_lo && !local {
            // Looped back with the output route it was sent by, whose
            // input is `dst_discard`.
            self.drop_at(Place::Iface(dev), DropReason::LoopbackNotLocal(p.view.dst));
            return;
        }
        if local {
            self.emit_local_lookup(node, p.view.dst);
            self.ip_local_deliver(node, p);
            return;
        }
        if !self.topo.node(node).forwarding {
            self.drop_at(Place::Iface(dev), DropReason::ForwardingOff);
            return;
        }
        self.ip_forward(node, dev, p);
    }

    /// `ip_local_deliver` → INPUT → the transport layer of `node`.
    pub(crate) fn ip_local_deliver(&mut self, node: NodeId, p: Packet) {
        let Verdict::Accept(p) = self.nf_hook(Hook::Input, node, None, p) else {
            return;
        };
        let place = Place::Node(node);
        let to_broadcast = self.is_broadcast(node, p.view.dst);
        // `udp_rcv` → the vxlan socket's `encap_rcv`, before any other socket.
        if let (L4::Udp(u), false) = (&p.view.l4, to_broadcast) {
            if self.vxlan_rcv(node, &p.view, u) {
                return;
            }
        }
        // A probe goes to one host: a broadcast taken in here is not its
        // arrival.
        if !to_broadcast {
            self.note_arrival(node, &p.view);
        }
        let src = p.view.src;
        match &p.view.l4 {
            L4::Icmp(Icmp::EchoRequest { id, seq, data }) => {
                if to_broadcast {
                    self.drop_at(place, DropReason::EchoToBroadcast);
                    return;
                }
                self.emit(
                    place,
                    EventKind::Deliver {
                        delivery: Delivery::EchoRequest,
                    },
                );
                let l4 = L4::Icmp(Icmp::EchoReply {
                    id: *id,
                    seq: *seq,
                    data: data.clone(),
                });
                self.reply(node, &p.view, l4, false);
            }
            L4::Icmp(Icmp::EchoReply { id, .. }) => {
                let sock = self
                    .ns(node)
                    .socks
                    .lookup(crate::model::ProbeProto::Icmp, p.view.dst, *id, src, 0)
                    .map(|s| s.flow);
                match sock {
                    Some(flow) => {
                        self.answer(flow, ProbeResult::Reply, Answer::EchoReply { from: src })
                    }
                    None => self.drop_at(place, DropReason::NoSocket),
                }
            }
            L4::Icmp(Icmp::DestUnreachable { code, original }) => {
                let result = if *code == DestUnreachableHeader::Port {
                    ProbeResult::Refused
                } else {
                    ProbeResult::Unreachable
                };
                let answer = Answer::Icmp {
                    from: src,
                    error: IcmpError::Unreachable(code.clone()),
                };
                let original = original.clone();
                if !self.icmp_to_socket(node, &original, result, answer) {
                    self.drop_at(place, DropReason::NoSocket);
                }
            }
            L4::Icmp(Icmp::TimeExceeded { code, original }) => {
                let answer = Answer::Icmp {
                    from: src,
                    error: IcmpError::TimeExceeded(*code),
                };
                let original = original.clone();
                if !self.icmp_to_socket(node, &original, ProbeResult::TtlExceeded, answer) {
                    self.drop_at(place, DropReason::NoSocket);
                }
            }
            L4::Icmp(Icmp::Redirect {
                gateway, original, ..
            }) => {
                let (gateway, original) = (*gateway, original.clone());
                self.redirect_rcv(node, src, gateway, &original);
            }
            L4::Icmp(Icmp::Other { .. }) => self.drop_at(place, DropReason::NoSocket),
            L4::Tcp(_) if to_broadcast => self.drop_at(place, DropReason::TcpToBroadcast),
            L4::Tcp(t) => {
                let t = *t;
                self.tcp_rcv(node, &p, t);
            }
            L4::Udp(u) => {
                let u = u.clone();
                self.udp_rcv(node, &p, &u, to_broadcast);
            }
            L4::Other { .. } => {
                // No protocol handler: the kernel answers protocol unreachable.
                self.icmp_error(
                    node,
                    &p,
                    IcmpError::Unreachable(DestUnreachableHeader::Protocol),
                );
            }
        }
    }
}
