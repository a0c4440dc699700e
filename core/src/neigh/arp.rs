//! ARP (`arp_process`, `neigh_resolve_output`, the retransmit timer).

use core::net::Ipv4Addr;

use super::{Lookup, NudState, Origin, Pending, Timer, DELAY_FIRST_PROBE, RETRANS};
use crate::ipv4::route::RouteEntry;
use crate::ipv4::Packet;
use crate::model::{IfaceId, IfaceKind, NodeId};
use crate::sim::{Action, Net};
use crate::trace::{DropReason, EventKind, IcmpError, Place};
use crate::wire::frame::{Arp, ArpOp, DestUnreachableHeader, Frame, Payload};
use crate::wire::MacAddr;

impl Net<'_> {
    /// `arp_process`.
    pub(crate) fn arp_rcv(&mut self, dev: IfaceId, arp: Arp) {
        let place = Place::Iface(dev);
        let node = self.topo.iface(dev).node;
        let now = self.st.now;
        match arp.op {
            ArpOp::Request => {
                // arp_ignore = 0: answer for any local address, on any interface.
                let ours = !arp.target_ip.is_loopback()
                    && self.local_addrs(node).any(|(a, _)| a == arp.target_ip);
                if !ours {
                    self.drop_at(place, DropReason::ArpNotForUs(arp.target_ip));
                    return;
                }
                if !arp.sender_ip.is_unspecified() {
                    let (released, changed) = self.ns(node).neigh.learn_from_request(
                        dev,
                        arp.sender_ip,
                        arp.sender_mac,
                        now,
                    );
                    if changed {
                        let state = if released.is_empty() {
                            NudState::Stale
                        } else {
                            NudState::Reachable
                        };
                        self.note(
                            place,
                            EventKind::NeighLearn {
                                ip: arp.sender_ip,
                                mac: arp.sender_mac,
                                state,
                                from_request: released.is_empty(),
                                released: released.len(),
                            },
                        );
                    }
                    let cx = self.st.cx;
                    self.release(dev, arp.sender_mac, released);
                    self.st.cx = cx;
                }
                self.emit(place, EventKind::ArpAnswer { ip: arp.target_ip });
                let mac = self.topo.iface(dev).mac;
                let reply = Frame {
                    dst: arp.sender_mac,
                    src: mac,
                    payload: Payload::Arp(Arp {
                        op: ArpOp::Reply,
                        sender_mac: mac,
                        sender_ip: arp.target_ip,
                        target_mac: arp.sender_mac,
                        target_ip: arp.sender_ip,
                    }),
                };
                self.new_packet();
                self.dev_xmit(dev, reply.emit());
            }
            ArpOp::Reply => {
                let known = self.ns(node).neigh.get(dev, arp.sender_ip).is_some();
                if !known {
                    self.drop_at(place, DropReason::UnsolicitedArpReply);
                    return;
                }
                let released = self
                    .ns(node)
                    .neigh
                    .confirm(dev, arp.sender_ip, arp.sender_mac, now);
                self.emit(
                    place,
                    EventKind::NeighLearn {
                        ip: arp.sender_ip,
                        mac: arp.sender_mac,
                        state: NudState::Reachable,
                        from_request: false,
                        released: released.len(),
                    },
                );
                self.release(dev, arp.sender_mac, released);
            }
            ArpOp::Other(op) => self.drop_at(
                place,
                DropReason::Malformed(format!("unknown ARP operation {op}")),
            ),
        }
    }

    /// Sends the packets that waited for `mac`, each in its own context,
    /// caused by the event that released them.
    fn release(&mut self, dev: IfaceId, mac: MacAddr, packets: Vec<Pending>) {
        let cause = self.st.cx.cause;
        for p in packets {
            self.st.cx = p.cx;
            self.st.cx.cause = cause;
            self.send_frame(dev, mac, &p.packet);
        }
    }

    pub(crate) fn send_frame(&mut self, dev: IfaceId, dst: MacAddr, packet: &Packet) {
        let bytes = self.frame_of(packet, dst, self.topo.iface(dev).mac);
        self.dev_xmit(dev, bytes);
    }

    /// The address an ARP request for `target` is sent from: one of `dev`'s
    /// in the target's subnet, else `dev`'s first, else any of the node's.
    fn arp_source(&mut self, dev: IfaceId, target: Ipv4Addr) -> Ipv4Addr {
        let iface = self.topo.iface(dev);
        iface
            .addresses
            .iter()
            .find(|a| a.contains(target))
            .or_else(|| iface.addresses.first())
            .map(|a| a.addr())
            .or_else(|| {
                self.local_addrs(iface.node)
                    .map(|(a, _)| a)
                    .find(|a| !a.is_loopback())
            })
            .unwrap_or(Ipv4Addr::UNSPECIFIED)
    }

    /// An ARP request, a packet of its own caused by the one that waits:
    /// broadcast while the entry is INCOMPLETE, unicast to the address the
    /// entry has while it is PROBE (`arp_solicit`; the target hardware
    /// address stays zero in both).
    pub(crate) fn send_arp_request(&mut self, dev: IfaceId, target: Ipv4Addr, to: Option<MacAddr>) {
        let mac = self.topo.iface(dev).mac;
        let sender_ip = self.arp_source(dev, target);
        let req = Frame {
            dst: to.unwrap_or(MacAddr::BROADCAST),
            src: mac,
            payload: Payload::Arp(Arp {
                op: ArpOp::Request,
                sender_mac: mac,
                sender_ip,
                target_mac: MacAddr::ZERO,
                target_ip: target,
            }),
        };
        self.new_packet();
        self.dev_xmit(dev, req.emit());
    }

    /// Sends a request and starts the timer that follows it, in the
    /// context the timer fired in (the timer's own cause kept).
    fn probe_again(&mut self, dev: IfaceId, ip: Ipv4Addr, to: Option<MacAddr>, cx: crate::sim::Cx) {
        let timer_cx = self.st.cx;
        self.send_arp_request(dev, ip, to);
        self.schedule(
            RETRANS,
            Action::NeighTimer {
                dev,
                ip,
                cx: crate::sim::Cx {
                    cause: timer_cx.cause,
                    ..cx
                },
            },
        );
    }

    /// `neigh_timer_handler`.
    pub(crate) fn neigh_timer(&mut self, dev: IfaceId, ip: Ipv4Addr) {
        let node = self.topo.iface(dev).node;
        let now = self.st.now;
        let place = Place::Iface(dev);
        match self.ns(node).neigh.timer(dev, ip, now) {
            Timer::Nothing => {}
            Timer::Retransmit(n) => {
                let cx = self.st.cx;
                self.emit(
                    place,
                    EventKind::NeighProbe {
                        ip,
                        probe: n,
                        to: None,
                    },
                );
                self.probe_again(dev, ip, None, cx);
            }
            Timer::Probe { mac, probe } => {
                let cx = self.st.cx;
                if probe == 1 {
                    self.emit(
                        place,
                        EventKind::NeighState {
                            ip,
                            from: NudState::Delay,
                            to: NudState::Probe,
                        },
                    );
                }
                self.emit(
                    place,
                    EventKind::NeighProbe {
                        ip,
                        probe,
                        to: Some(mac),
                    },
                );
                self.probe_again(dev, ip, Some(mac), cx);
            }
            Timer::ProbeFailed => {
                self.emit(
                    place,
                    EventKind::NeighState {
                        ip,
                        from: NudState::Probe,
                        to: NudState::Failed,
                    },
                );
            }
            Timer::Failed(lost) => {
                self.emit(
                    place,
                    EventKind::NeighFailed {
                        ip,
                        dropped: lost.len(),
                        forwarded: lost
                            .iter()
                            .filter(|p| p.origin == Origin::Forwarded)
                            .count(),
                    },
                );
                let cause = self.st.cx.cause;
                // `arp_error_report` → `ipv4_link_failure`: for every packet
                // that waited, the kernel sends its source an ICMP host
                // unreachable. For a forwarded packet that is the sender
                // beyond the router; for one made here it is this namespace
                // itself, over lo, and that ICMP is what the socket (and
                // ping's "From <own address> ... Destination Host
                // Unreachable") learns from.
                for p in lost {
                    self.st.cx = p.cx;
                    self.st.cx.cause = cause;
                    self.icmp_error(
                        node,
                        &p.packet,
                        IcmpError::Unreachable(DestUnreachableHeader::Host),
                    );
                }
            }
        }
    }

    /// `neigh_output`: find the next hop's MAC, or wait for ARP.
    pub(crate) fn neigh_output(
        &mut self,
        node: NodeId,
        route: &RouteEntry,
        p: Packet,
        origin: Origin,
    ) {
        let dev = route.dev;
        let next_hop = route.via.unwrap_or(p.view.dst);
        if self.is_broadcast(node, p.view.dst) {
            self.send_frame(dev, MacAddr::BROADCAST, &p);
            return;
        }
        if self.topo.iface(dev).kind() == IfaceKind::Loopback {
            // A route into lo: out and straight back in, no ARP.
            let bytes = self.frame_of(&p, MacAddr::ZERO, MacAddr::ZERO);
            self.dev_xmit(dev, bytes);
            return;
        }
        let cx = self.st.cx;
        let now = self.st.now;
        let (lookup, back) = self.ns(node).neigh.resolve(
            dev,
            next_hop,
            Pending {
                packet: p,
                origin,
                cx,
            },
            now,
        );
        let place = Place::Iface(dev);
        match lookup {
            Lookup::Found(mac) => {
                self.emit(place, EventKind::NeighHit { ip: next_hop, mac });
                if let Some(b) = back {
                    self.send_frame(dev, mac, &b.packet);
                }
            }
            Lookup::FoundStale(mac) => {
                self.emit(place, EventKind::NeighHit { ip: next_hop, mac });
                let hit = self.st.cx;
                self.emit(
                    place,
                    EventKind::NeighState {
                        ip: next_hop,
                        from: NudState::Stale,
                        to: NudState::Delay,
                    },
                );
                // The DELAY timer belongs to the state change; the frame to
                // the hit, as it would have gone out anyway.
                let timer_cx = self.st.cx;
                self.schedule(
                    DELAY_FIRST_PROBE,
                    Action::NeighTimer {
                        dev,
                        ip: next_hop,
                        cx: timer_cx,
                    },
                );
                self.st.cx = hit;
                if let Some(b) = back {
                    self.send_frame(dev, mac, &b.packet);
                }
            }
            Lookup::Queued { new_probe } => {
                self.emit(
                    place,
                    EventKind::NeighMiss {
                        ip: next_hop,
                        request: new_probe,
                    },
                );
                if new_probe {
                    let timer_cx = self.st.cx;
                    self.send_arp_request(dev, next_hop, None);
                    self.schedule(
                        RETRANS,
                        Action::NeighTimer {
                            dev,
                            ip: next_hop,
                            cx: timer_cx,
                        },
                    );
                }
            }
            Lookup::QueueFull => self.drop_at(place, DropReason::NeighQueueFull(next_hop)),
        }
    }
}
