//! Learning switches: the Linux bridge (`br_handle_frame`,
//! `br_handle_frame_finish`, `br_forward`, `br_flood`, `br_pass_frame_up`)
//! and, with the same logic, the unmanaged switch of a wire.
//!
//! [`decide`] is the bridge's decision as a value, from the FDB and the
//! frame's addresses alone; the data path then carries it out. A port the
//! spanning tree blocks ([`stp`]) is left out of every flood and takes
//! nothing in; a switch that floods the same packet again and again is on a
//! loop ([`loops`] names it) and the run is stopped as a storm.
//! br_netfilter has its own stage.

pub mod fdb;
pub mod loops;
mod netfilter;
pub mod stp;

use rustc_hash::FxHashSet;

use crate::ipv4::Packet;
use crate::model::{IfaceId, NodeId, Topology};
use crate::sim::Net;
use crate::time::Time;
use crate::trace::{DropReason, Endpoint, EventKind, FloodWhy, Link, Place, Switch};
use crate::wire::frame::{Bytes, Frame};
use crate::wire::MacAddr;

use fdb::{Fdb, Learned};
use stp::SpanningTree;

/// A bridge's state: its FDB, and what the topology says of its ports,
/// worked out on first use.
#[derive(Debug, Clone)]
pub struct BridgeState {
    pub fdb: Fdb,
    pub ports: Vec<IfaceId>,
    /// The bridge's own MAC and its ports': `local` FDB entries.
    pub local: FxHashSet<MacAddr>,
    /// Ports the spanning tree blocks (not in `ports`): they take in
    /// nothing but BPDUs and send nothing.
    pub blocking: Vec<IfaceId>,
}

impl BridgeState {
    /// A bridge's state; `tree` is the converged spanning tree when the
    /// bridge runs STP.
    pub fn new(topo: &Topology, bridge: IfaceId, tree: Option<&SpanningTree>) -> BridgeState {
        let all: Vec<IfaceId> = stp::ports_of(topo, bridge).collect();
        let local = all
            .iter()
            .chain(core::iter::once(&bridge))
            .map(|&i| topo.iface(i).mac)
            .collect();
        let (blocking, ports) = all
            .into_iter()
            .partition(|&p| tree.is_some_and(|t| t.blocks(p)));
        BridgeState {
            fdb: Fdb::default(),
            ports,
            local,
            blocking,
        }
    }
}

/// What a switch does with a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// For the bridge itself: up to its namespace's IP stack.
    Local,
    /// Known unicast: out of this port only.
    Forward(IfaceId),
    /// Out of these ports (every port but the ingress one); `up` when a
    /// copy also goes up to the bridge's own stack.
    Flood {
        why: FloodWhy,
        ports: Vec<IfaceId>,
        up: bool,
    },
    Drop(DropReason),
}

/// The switch's decision for a frame to `dst` that came in on `in_port`
/// (`None`: sent by the bridge device itself). `local` holds the MACs the
/// switch delivers to itself (a bridge's own; none for a wire); `is_bridge`
/// says whether there is a stack to pass group frames up to.
pub fn decide(
    fdb: &Fdb,
    ports: &[IfaceId],
    local: Option<&FxHashSet<MacAddr>>,
    in_port: Option<IfaceId>,
    dst: MacAddr,
    now: Time,
) -> Decision {
    if !dst.is_multicast() {
        if local.is_some_and(|l| l.contains(&dst)) {
            // A local entry: up to the bridge's stack, or, for a frame the
            // bridge sends itself, nowhere.
            return match in_port {
                Some(_) => Decision::Local,
                None => Decision::Drop(DropReason::ToBridgeItself),
            };
        }
        if let Some(port) = fdb.lookup(dst, now) {
            return if Some(port) == in_port {
                Decision::Drop(DropReason::SamePort)
            } else {
                Decision::Forward(port)
            };
        }
    }
    let why = if dst.is_broadcast() {
        FloodWhy::Broadcast
    } else if dst.is_multicast() {
        FloodWhy::Multicast
    } else {
        FloodWhy::Unknown
    };
    Decision::Flood {
        why,
        ports: ports
            .iter()
            .copied()
            .filter(|&p| Some(p) != in_port)
            .collect(),
        up: local.is_some() && in_port.is_some() && dst.is_multicast(),
    }
}

fn place(sw: Switch) -> Place {
    match sw {
        Switch::Bridge(b) => Place::Iface(b),
        Switch::Wire(w) => Place::Wire(w),
    }
}

impl Net<'_> {
    fn bridge_state(&mut self, bridge: IfaceId) -> &mut BridgeState {
        let topo = self.topo;
        if topo.iface(bridge).stp() && self.st.stp.is_none() {
            self.st.stp = Some(SpanningTree::compute(topo));
        }
        let tree = self.st.stp.as_ref();
        self.st
            .bridges
            .get_or_insert_with(bridge.index(), || BridgeState::new(topo, bridge, tree))
    }

    /// `br_handle_frame_finish`: learn the source, then deliver locally,
    /// forward, or flood.
    pub(crate) fn switch_input(&mut self, sw: Switch, in_port: IfaceId, bytes: Bytes) {
        if let Switch::Bridge(b) = sw {
            // `br_handle_frame`: a blocking port lets only BPDUs in.
            if self.topo.iface(b).stp() && self.bridge_state(b).blocking.contains(&in_port) {
                self.drop_at(Place::Iface(in_port), DropReason::StpBlocking);
                return;
            }
            if let Some(node) = self.bridge_nf(b) {
                self.switch_input_nf(b, node, in_port, bytes);
                return;
            }
        }
        if let Some((dst, _, decision)) = self.switch_decide(sw, in_port, &bytes) {
            self.carry_out(sw, Some(in_port), dst, decision, bytes);
        }
    }

    /// As [`Net::switch_input`], for a bridge whose frames pass the IP
    /// hooks (br_netfilter): PREROUTING before the bridge decides; a frame
    /// bridged out of a port passes POSTROUTING; one for the bridge itself
    /// goes up as the packet PREROUTING saw, with its connection (as the
    /// skb keeps its conntrack entry).
    fn switch_input_nf(&mut self, b: IfaceId, node: NodeId, in_port: IfaceId, bytes: Bytes) {
        let (bytes, p) = match self.br_nf_prerouting(b, node, bytes) {
            netfilter::PreRouted::Bridge(bytes, p) => (bytes, p),
            netfilter::PreRouted::Gone => return,
        };
        let sw = Switch::Bridge(b);
        let Some((dst, src, decision)) = self.switch_decide(sw, in_port, &bytes) else {
            return;
        };
        match (p, &decision) {
            (Some(p), Decision::Forward(_) | Decision::Flood { .. }) => {
                if let Some(bytes) = self.br_nf_postrouting(b, node, p, dst, src) {
                    self.carry_out(sw, Some(in_port), dst, decision, bytes);
                }
            }
            (Some(p), Decision::Local) => self.pass_up(b, bytes, Some((dst, p))),
            _ => self.carry_out(sw, Some(in_port), dst, decision, bytes),
        }
    }

    /// The switch reads a frame that came in on `in_port`: learns its
    /// source and decides where it goes. `None` if it was malformed
    /// (dropped, and said so). Returns the destination and source MACs
    /// with the decision.
    fn switch_decide(
        &mut self,
        sw: Switch,
        in_port: IfaceId,
        bytes: &[u8],
    ) -> Option<(MacAddr, MacAddr, Decision)> {
        let (dst, src) = match Frame::peek_macs(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.drop_at(place(sw), DropReason::Malformed(e.0));
                return None;
            }
        };
        let now = self.st.now;
        let (learned, decision) = match sw {
            Switch::Bridge(b) => {
                let st = self.bridge_state(b);
                // `br_fdb_update`: the bridge's own (local) addresses never
                // move to a port, whoever sends from them.
                let learned = if st.local.contains(&src) {
                    Learned::Ignored
                } else {
                    st.fdb.learn(src, in_port, now)
                };
                let d = decide(&st.fdb, &st.ports, Some(&st.local), Some(in_port), dst, now);
                (learned, d)
            }
            Switch::Wire(w) => {
                let ends = &self.topo.wire(w).ends;
                let fdb = self.st.wires.get_or_insert_with(w.index(), Fdb::default);
                let learned = fdb.learn(src, in_port, now);
                (learned, decide(fdb, ends, None, Some(in_port), dst, now))
            }
        };
        let moved_from = match learned {
            Learned::New => Some(None),
            Learned::Moved { from } => Some(Some(from)),
            Learned::Refreshed | Learned::Ignored => None,
        };
        if let Some(moved_from) = moved_from {
            self.note(
                place(sw),
                EventKind::Learn {
                    switch: sw,
                    mac: src,
                    port: in_port,
                    moved_from,
                },
            );
        }
        Some((dst, src, decision))
    }

    /// The bridge device transmits (`br_dev_xmit`): out of the port that
    /// knows the destination, or every port.
    pub(crate) fn bridge_output(&mut self, bridge: IfaceId, bytes: Bytes) {
        match Frame::peek_macs(&bytes) {
            Ok((dst, _)) => {
                let now = self.st.now;
                let st = self.bridge_state(bridge);
                let d = decide(&st.fdb, &st.ports, Some(&st.local), None, dst, now);
                self.carry_out(Switch::Bridge(bridge), None, dst, d, bytes);
            }
            Err(e) => self.drop_at(Place::Iface(bridge), DropReason::Malformed(e.0)),
        }
    }

    /// Carries a decision out, recording it.
    fn carry_out(
        &mut self,
        sw: Switch,
        in_port: Option<IfaceId>,
        dst: MacAddr,
        decision: Decision,
        bytes: Bytes,
    ) {
        let here = place(sw);
        match decision {
            Decision::Local => {
                if let Switch::Bridge(b) = sw {
                    self.pass_up(b, bytes, None);
                }
            }
            Decision::Forward(port) => {
                self.emit(
                    here,
                    EventKind::Forward {
                        switch: sw,
                        mac: dst,
                        port,
                    },
                );
                self.port_xmit(sw, port, bytes);
            }
            Decision::Flood { why, ports, up } => {
                if let Some(packet) = self.st.cx.packet {
                    let n = self.st.floods.entry((sw, packet)).or_insert(0);
                    *n += 1;
                    if *n > crate::sim::FLOOD_REPEATS {
                        self.st.looping = Some(sw);
                    }
                }
                self.emit(
                    here,
                    EventKind::Flood {
                        switch: sw,
                        why,
                        in_port,
                        ports: ports.clone(),
                        up,
                    },
                );
                // The copies leave together, each caused by the flood.
                let cx = self.st.cx;
                for p in ports {
                    self.st.cx = cx;
                    self.port_xmit(sw, p, bytes.clone());
                }
                if let (Switch::Bridge(b), true) = (sw, up) {
                    self.st.cx = cx;
                    self.bridge_pass_up(b, bytes, None);
                }
            }
            Decision::Drop(reason) => self.drop_at(here, reason),
        }
    }

    fn port_xmit(&mut self, sw: Switch, port: IfaceId, bytes: Bytes) {
        match sw {
            Switch::Bridge(_) => self.dev_xmit(port, bytes),
            Switch::Wire(w) => self.wire_output(w, port, bytes),
        }
    }

    /// A frame for the bridge itself goes up to its stack (`read`: its
    /// destination MAC and packet, when br_netfilter has already read it).
    fn pass_up(&mut self, bridge: IfaceId, bytes: Bytes, read: Option<(MacAddr, Packet)>) {
        self.emit(Place::Iface(bridge), EventKind::PassUp { bridge });
        self.bridge_pass_up(bridge, bytes, read);
    }

    /// `br_pass_frame_up`: the frame enters the bridge device as if
    /// received (its packet as br_netfilter read it, if it did).
    fn bridge_pass_up(&mut self, bridge: IfaceId, bytes: Bytes, read: Option<(MacAddr, Packet)>) {
        let frame = self.new_frame();
        self.transmit(
            frame,
            Endpoint::Switch(Switch::Bridge(bridge)),
            Endpoint::Iface(bridge),
            Link::Bridge(bridge),
            0,
        );
        self.emit(
            Place::Iface(bridge),
            EventKind::FrameReceived {
                frame,
                bytes: bytes.clone(),
            },
        );
        match read {
            Some((dst, p)) => self.l3_receive_ipv4(bridge, dst, p),
            None => self.l3_receive(bridge, &bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(b: u8) -> MacAddr {
        MacAddr([2, 0, 0, 0, 0, b])
    }

    #[test]
    fn decisions_as_the_kernel_takes_them() {
        let ports = [IfaceId(1), IfaceId(2), IfaceId(3)];
        let mut fdb = Fdb::default();
        let local: FxHashSet<MacAddr> = [mac(9)].into_iter().collect();
        // Unknown unicast floods every port but the ingress one.
        assert_eq!(
            decide(&fdb, &ports, Some(&local), Some(IfaceId(1)), mac(2), 0),
            Decision::Flood {
                why: FloodWhy::Unknown,
                ports: vec![IfaceId(2), IfaceId(3)],
                up: false
            }
        );
        fdb.learn(mac(2), IfaceId(2), 0);
        assert_eq!(
            decide(&fdb, &ports, Some(&local), Some(IfaceId(1)), mac(2), 1),
            Decision::Forward(IfaceId(2))
        );
        assert_eq!(
            decide(&fdb, &ports, Some(&local), Some(IfaceId(2)), mac(2), 1),
            Decision::Drop(DropReason::SamePort)
        );
        assert_eq!(
            decide(&fdb, &ports, Some(&local), Some(IfaceId(1)), mac(9), 1),
            Decision::Local
        );
        assert_eq!(
            decide(&fdb, &ports, Some(&local), None, mac(9), 1),
            Decision::Drop(DropReason::ToBridgeItself)
        );
        // A broadcast from a port also goes up; one the bridge sends does not.
        assert_eq!(
            decide(
                &fdb,
                &ports,
                Some(&local),
                Some(IfaceId(3)),
                MacAddr::BROADCAST,
                1
            ),
            Decision::Flood {
                why: FloodWhy::Broadcast,
                ports: vec![IfaceId(1), IfaceId(2)],
                up: true
            }
        );
        assert_eq!(
            decide(&fdb, &ports, Some(&local), None, MacAddr::BROADCAST, 1),
            Decision::Flood {
                why: FloodWhy::Broadcast,
                ports: ports.to_vec(),
                up: false
            }
        );
        // A wire has no stack of its own.
        assert_eq!(
            decide(&fdb, &ports, None, Some(IfaceId(3)), MacAddr::BROADCAST, 1),
            Decision::Flood {
                why: FloodWhy::Broadcast,
                ports: vec![IfaceId(1), IfaceId(2)],
                up: false
            }
        );
    }
}
