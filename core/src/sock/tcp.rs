//! TCP, reduced to what probes reach: connection set-up (`tcp_v4_rcv`,
//! `tcp_v4_conn_request`), resets for closed ports and stray segments
//! (RFC 9293, 3.10.7.1).

use crate::ipv4::Packet;
use crate::model::{L4Proto, NodeId, ProbeProto, ProbeResult};
use crate::sim::Net;
use crate::trace::{Answer, Delivery, DropReason, EventKind, Place};
use crate::wire::frame::{Tcp, TcpFlags, L4};

impl Net<'_> {
    /// `tcp_v4_rcv`.
    pub(crate) fn tcp_rcv(&mut self, node: NodeId, p: &Packet, t: Tcp) {
        let place = Place::Node(node);
        let v = &p.view;
        let sock = self
            .ns(node)
            .socks
            .lookup(ProbeProto::Tcp, v.dst, t.dst_port, v.src, t.src_port)
            .map(|s| s.flow);
        if let Some(flow) = sock {
            if t.flags.rst {
                self.answer(flow, ProbeResult::Refused, Answer::Reset { from: v.src });
                return;
            }
            if t.flags.syn && t.flags.ack {
                self.answer(flow, ProbeResult::Reply, Answer::SynAck { from: v.src });
                let ack = Tcp {
                    src_port: t.dst_port,
                    dst_port: t.src_port,
                    seq: t.ack,
                    ack: t.seq.wrapping_add(1),
                    flags: TcpFlags {
                        ack: true,
                        ..TcpFlags::default()
                    },
                    window: 502,
                };
                self.reply(node, &p.view, L4::Tcp(ack), true);
                return;
            }
        }
        if t.flags.rst {
            self.drop_at(place, DropReason::StrayReset);
            return;
        }
        let open = self.listens(node, L4Proto::Tcp, t.dst_port);
        if t.flags.syn && !t.flags.ack {
            self.emit(
                place,
                EventKind::Deliver {
                    delivery: Delivery::TcpSyn {
                        port: t.dst_port,
                        open,
                    },
                },
            );
            let reply = if open {
                self.ns(node)
                    .socks
                    .syn_recv
                    .insert((v.dst, t.dst_port, v.src, t.src_port));
                Tcp {
                    src_port: t.dst_port,
                    dst_port: t.src_port,
                    seq: 0x5e00_0000,
                    ack: t.seq.wrapping_add(1),
                    flags: TcpFlags {
                        syn: true,
                        ack: true,
                        ..TcpFlags::default()
                    },
                    window: 65160,
                }
            } else {
                rst_for(&t)
            };
            self.reply(node, &p.view, L4::Tcp(reply), true);
            return;
        }
        let key = (v.dst, t.dst_port, v.src, t.src_port);
        if open && t.flags.ack && !t.flags.syn && self.ns(node).socks.syn_recv.remove(&key) {
            self.emit(
                place,
                EventKind::Deliver {
                    delivery: Delivery::TcpAccepted { port: t.dst_port },
                },
            );
            return;
        }
        self.emit(
            place,
            EventKind::Deliver {
                delivery: Delivery::TcpNoConnection { port: t.dst_port },
            },
        );
        self.reply(node, &p.view, L4::Tcp(rst_for(&t)), true);
    }

    /// Whether `node` has a listening socket on `proto`/`port`.
    pub(crate) fn listens(&self, node: NodeId, proto: L4Proto, port: u16) -> bool {
        self.topo
            .node(node)
            .listen
            .iter()
            .any(|l| l.proto == proto && l.port == port)
    }
}

/// The RST that answers an unwanted segment (RFC 9293, 3.10.7.1).
fn rst_for(t: &Tcp) -> Tcp {
    if t.flags.ack {
        Tcp {
            src_port: t.dst_port,
            dst_port: t.src_port,
            seq: t.ack,
            ack: 0,
            flags: TcpFlags {
                rst: true,
                ..TcpFlags::default()
            },
            window: 0,
        }
    } else {
        Tcp {
            src_port: t.dst_port,
            dst_port: t.src_port,
            seq: 0,
            ack: t.seq.wrapping_add(u32::from(t.flags.syn)),
            flags: TcpFlags {
                rst: true,
                ack: true,
                ..TcpFlags::default()
            },
            window: 0,
        }
    }
}
