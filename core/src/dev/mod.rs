//! Devices: how a frame leaves an interface and arrives at the other end
//! (`dev_queue_xmit`, `netif_receive_skb`) for each kind of device: a veth
//! pair (what goes in one end comes out of the other, in the peer's
//! namespace), a NIC on a wire (an unmanaged learning switch), `lo`, and a
//! bridge device (whose frames go to its own forwarding logic), and a vxlan
//! device (whose frames are encapsulated, [`crate::vxlan`]).
//!
//! Every crossing is recorded as a `frame_sent`, a `transmit` and (when it
//! arrives) a `frame_received` with the same frame id.

use crate::model::{Device, IfaceId, IfaceKind, WireId};
use crate::sim::{Action, Net};
use crate::time::{Time, HOP};
use crate::trace::{DropReason, Endpoint, EventKind, FrameId, Link, Place, Switch};
use crate::wire::frame::{Bytes, Frame, Payload};
use crate::wire::MacAddr;

use crate::ipv4::Packet;

impl Net<'_> {
    /// `dev_queue_xmit`: a frame leaves a device.
    pub(crate) fn dev_xmit(&mut self, dev: IfaceId, bytes: Bytes) {
        let iface = self.topo.iface(dev);
        match &iface.device {
            Device::Bridge { .. } => {
                // `br_dev_xmit`: into the bridge's own forwarding, no cable.
                let frame = self.frame_sent(Place::Iface(dev), &bytes);
                self.transmit(
                    frame,
                    Endpoint::Iface(dev),
                    Endpoint::Switch(Switch::Bridge(dev)),
                    Link::Bridge(dev),
                    0,
                );
                self.bridge_output(dev, bytes);
            }
            Device::Vxlan(vx) => {
                if self.fits_mtu(dev, &bytes) {
                    self.vxlan_xmit(dev, vx, bytes);
                }
            }
            Device::Loopback => {
                let (to, link) = (Endpoint::Iface(dev), Link::Loopback(dev));
                self.cross(Place::Iface(dev), Endpoint::Iface(dev), to, link, 0, bytes);
            }
            // A cable: to the veth's peer, or into the wire's switch.
            Device::Veth { .. } | Device::Nic { .. } => {
                let (to, link) = match iface.device {
                    Device::Veth { peer, pair } => (Endpoint::Iface(peer), Link::Veth(pair)),
                    Device::Nic { wire } => {
                        (Endpoint::Switch(Switch::Wire(wire)), Link::Wire(wire))
                    }
                    _ => return,
                };
                if self.fits_mtu(dev, &bytes) {
                    let from = Endpoint::Iface(dev);
                    self.cross(Place::Iface(dev), from, to, link, HOP, bytes);
                }
            }
        }
    }

    /// A frame leaves `place` and crosses a cable from `from` to `to`: it is
    /// sent, crosses (one `transmit`), and arrives `delay` later, at an
    /// interface or in a wire's switch.
    fn cross(
        &mut self,
        place: Place,
        from: Endpoint,
        to: Endpoint,
        link: Link,
        delay: Time,
        bytes: Bytes,
    ) {
        let frame = self.frame_sent(place, &bytes);
        let cx = self.transmit(frame, from, to, link, delay);
        let action = match (to, from) {
            (Endpoint::Switch(Switch::Wire(wire)), Endpoint::Iface(port)) => Action::WireIn {
                wire,
                port,
                bytes,
                frame,
                cx,
            },
            (Endpoint::Iface(iface), _) => Action::Arrive {
                iface,
                bytes,
                frame,
                cx,
            },
            // Only cables reach here: nothing else is scheduled.
            _ => return,
        };
        self.st.in_flight += 1;
        self.schedule(delay, action);
    }

    /// Drops (and says so) a frame larger than the device's MTU.
    fn fits_mtu(&mut self, dev: IfaceId, bytes: &[u8]) -> bool {
        let mtu = self.topo.iface(dev).mtu;
        let l3_len = bytes.len().saturating_sub(14);
        if l3_len > mtu as usize && bytes.len() > 60 {
            self.drop_at(Place::Iface(dev), DropReason::TooBig { len: l3_len, mtu });
            return false;
        }
        true
    }

    /// Records a frame leaving `place`; returns its new id.
    pub(crate) fn frame_sent(&mut self, place: Place, bytes: &Bytes) -> FrameId {
        let frame = self.new_frame();
        self.emit(
            place,
            EventKind::FrameSent {
                frame,
                bytes: bytes.clone(),
            },
        );
        frame
    }

    /// Records the crossing of `frame` from `from` to `to`, taking `delay`;
    /// returns the context the arrival happens in (caused by the crossing).
    pub(crate) fn transmit(
        &mut self,
        frame: FrameId,
        from: Endpoint,
        to: Endpoint,
        link: Link,
        delay: Time,
    ) -> crate::sim::Cx {
        let depart = self.st.now;
        self.emit(
            match from {
                Endpoint::Iface(i) | Endpoint::Switch(Switch::Bridge(i)) => Place::Iface(i),
                Endpoint::Switch(Switch::Wire(w)) => Place::Wire(w),
            },
            EventKind::Transmit {
                frame,
                from,
                to,
                link,
                depart,
                arrive: depart.saturating_add(delay),
            },
        );
        self.st.cx
    }

    /// `netif_receive_skb`: a frame arrived on an interface.
    pub(crate) fn netif_receive(&mut self, dev: IfaceId, bytes: Bytes, frame: FrameId) {
        self.emit(
            Place::Iface(dev),
            EventKind::FrameReceived {
                frame,
                bytes: bytes.clone(),
            },
        );
        self.netif_deliver(dev, bytes);
    }

    /// What `netif_receive_skb` does with a frame once it is on `dev`
    /// (received from a cable, or decapsulated by a vxlan device).
    pub(crate) fn netif_deliver(&mut self, dev: IfaceId, bytes: Bytes) {
        if !self.st.flows.is_empty() {
            self.note_entry(self.topo.iface(dev).node, &bytes);
        }
        match self.topo.iface(dev).master {
            // `br_handle_frame`: an enslaved port hands every frame to its bridge.
            Some(bridge) => self.switch_input(Switch::Bridge(bridge), dev, bytes),
            None => self.l3_receive(dev, &bytes),
        }
    }

    /// A frame from NIC `port` enters the switch of `wire`.
    pub(crate) fn wire_input(&mut self, wire: WireId, port: IfaceId, bytes: Bytes, frame: FrameId) {
        self.emit(
            Place::Wire(wire),
            EventKind::FrameReceived {
                frame,
                bytes: bytes.clone(),
            },
        );
        self.switch_input(Switch::Wire(wire), port, bytes);
    }

    /// The wire's switch sends a frame down the cable of NIC `port`.
    pub(crate) fn wire_output(&mut self, wire: WireId, port: IfaceId, bytes: Bytes) {
        let from = Endpoint::Switch(Switch::Wire(wire));
        let (to, link) = (Endpoint::Iface(port), Link::Wire(wire));
        self.cross(Place::Wire(wire), from, to, link, HOP, bytes);
    }

    /// The frame reaches the IP stack of the interface's namespace.
    pub(crate) fn l3_receive(&mut self, dev: IfaceId, bytes: &Bytes) {
        let place = Place::Iface(dev);
        let frame = match Frame::parse_shared(bytes) {
            Ok(f) => f,
            Err(e) => {
                self.drop_at(place, DropReason::Malformed(e.0));
                return;
            }
        };
        if !self.for_us(dev, frame.dst) {
            self.drop_at(place, DropReason::OtherHost);
            return;
        }
        match frame.payload {
            Payload::Arp(arp) => self.arp_rcv(dev, arp),
            Payload::Ipv4(p) => self.ip_rcv(dev, Packet::received(p, bytes)),
            Payload::Other { ethertype, .. } => {
                self.drop_at(place, DropReason::UnsupportedEtherType(ethertype))
            }
        }
    }

    /// A frame's destination is this interface's (or a multicast group);
    /// anything else is `PACKET_OTHERHOST`, which IP drops. lo takes all.
    fn for_us(&self, dev: IfaceId, dst: MacAddr) -> bool {
        let iface = self.topo.iface(dev);
        iface.kind() == IfaceKind::Loopback || dst.is_multicast() || dst == iface.mac
    }

    /// An IPv4 frame whose packet is already read (br_netfilter read it on
    /// its way into the bridge that passes it up): as [`Net::l3_receive`],
    /// without reading the bytes again.
    pub(crate) fn l3_receive_ipv4(&mut self, dev: IfaceId, dst: MacAddr, p: Packet) {
        if !self.for_us(dev, dst) {
            self.drop_at(Place::Iface(dev), DropReason::OtherHost);
            return;
        }
        self.ip_rcv(dev, p)
    }
}
