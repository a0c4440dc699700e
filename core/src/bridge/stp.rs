//! The spanning tree (IEEE 802.1D-1998 §8, as Linux implements it in
//! `net/bridge/br_stp.c`, `br_stp_if.c`, `br_if.c`), converged.
//!
//! Read first: 802.1D §8.6 (the priority vectors), then `br_stp.c`'s
//! `br_supersedes_port_info`, `br_root_selection` and
//! `br_designated_port_selection`, and `br_if.c`'s `port_cost`.
//!
//! The simulator does not exchange BPDUs frame by frame: a probe runs, as
//! on the kernel, after the forward delay, on the tree that the bridges
//! have agreed on. [`SpanningTree::compute`] finds that tree from the
//! topology alone:
//!
//! - every bridge with `stp: true` has the id priority `0x8000` and its own
//!   MAC (`8000.020000000001`); the lowest id is the root;
//! - a port's id is priority `0x80` (shown by `bridge link` as 32, its
//!   value `>> 2`) and its number, counted from 1 in enslaving order
//!   (`0x8001`); its path cost comes from the speed its device reports: a
//!   veth reports 10000 Mb/s, cost 2 (checked with `bridge link`);
//! - BPDUs cross veths and wires, and non-STP bridges forward them
//!   (`br_handle_frame`: "If STP is turned off, then must forward to keep
//!   loop detection"): all the STP ports they reach share one segment;
//! - each segment has one designated port, the one offering the best
//!   (root, root path cost, bridge id, port id); each non-root bridge has
//!   one root port, the port with the best vector received plus its own
//!   path cost; every other port blocks (alternate, or backup when the
//!   better port on its segment is its own bridge's).
//!
//! Promises: a pure function of the topology, no panics, and it ends (the
//! vectors only ever improve, and there are finitely many).

use core::fmt;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::{Device, IfaceId, IfaceKind, Topology};
use crate::wire::MacAddr;

/// The default bridge priority (`br_dev_setup`: `0x8000`).
pub const BRIDGE_PRIORITY: u16 = 0x8000;
/// The default port priority in the port id's top bits (`0x20 << 10`).
pub const PORT_PRIORITY: u16 = 0x8000;

/// A bridge id: priority, then MAC. Compares as the kernel's `memcmp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct BridgeId {
    pub priority: u16,
    pub mac: MacAddr,
}

impl fmt::Display for BridgeId {
    /// As sysfs prints it: `8000.020000000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}.", self.priority)?;
        for b in self.mac.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// What a port does in the tree (802.1D-2004 names; the 1998 text calls
/// alternate and backup ports "blocking").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PortRole {
    /// The bridge's best way to the root.
    Root,
    /// The port that speaks for its segment.
    Designated,
    /// A way to the root worse than the root port: blocks.
    Alternate,
    /// Another port of the same bridge is designated on this segment: blocks.
    Backup,
}

impl PortRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PortRole::Root => "root",
            PortRole::Designated => "designated",
            PortRole::Alternate => "alternate",
            PortRole::Backup => "backup",
        }
    }

    /// The state the port settles in once the forward delay is over.
    pub fn state(self) -> PortState {
        match self {
            PortRole::Root | PortRole::Designated => PortState::Forwarding,
            PortRole::Alternate | PortRole::Backup => PortState::Blocking,
        }
    }
}

/// A port's state, as `bridge link` shows it once the tree has converged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PortState {
    Forwarding,
    Blocking,
}

impl PortState {
    pub fn as_str(self) -> &'static str {
        match self {
            PortState::Forwarding => "forwarding",
            PortState::Blocking => "blocking",
        }
    }
}

/// One port of an STP bridge in the converged tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StpPort {
    pub bridge: IfaceId,
    /// `0x8000 | port_no`.
    pub id: u16,
    pub cost: u32,
    pub role: PortRole,
    /// Which segment it is on (an index, the same for every port on it).
    pub segment: usize,
}

/// One STP bridge in the converged tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StpBridge {
    pub id: BridgeId,
    /// The root it agrees on (its own id if it is the root).
    pub root: BridgeId,
    pub root_port: Option<IfaceId>,
    pub root_path_cost: u32,
}

/// The converged spanning tree of every STP bridge of a topology.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanningTree {
    pub bridges: FxHashMap<IfaceId, StpBridge>,
    pub ports: FxHashMap<IfaceId, StpPort>,
}

/// `port_cost()` of `br_if.c`, from the speed the device reports: veths
/// (and the NICs of a wire, veths in the kernel check) report 10000 Mb/s,
/// cost 2; a vxlan reports the speed of its `dev` (`vxlan_get_link_ksettings`
/// asks the lower device), and without one no speed: the old 10 Mb/s
/// guess, 100.
pub fn port_cost(topo: &Topology, port: IfaceId) -> u32 {
    let i = topo.iface(port);
    match (i.kind(), i.vxlan().and_then(|v| v.dev)) {
        (IfaceKind::Veth | IfaceKind::Nic, _) => 2,
        (IfaceKind::Vxlan, Some(lower)) if topo.iface(lower).kind() != IfaceKind::Vxlan => {
            port_cost(topo, lower)
        }
        _ => 100,
    }
}

/// The ports of `bridge` in enslaving order (`port_no` 1, 2, ...).
pub fn ports_of(topo: &Topology, bridge: IfaceId) -> impl Iterator<Item = IfaceId> + '_ {
    topo.node(topo.iface(bridge).node)
        .ifaces
        .iter()
        .copied()
        .filter(move |&i| topo.iface(i).master == Some(bridge))
}

/// The interfaces a frame sent out of `iface` arrives on: the veth's peer,
/// or every other NIC of its wire.
pub fn link_peers(topo: &Topology, iface: IfaceId) -> Vec<IfaceId> {
    match topo.iface(iface).device {
        Device::Veth { peer, .. } => vec![peer],
        Device::Nic { wire } => topo
            .wire(wire)
            .ends
            .iter()
            .copied()
            .filter(|&e| e != iface)
            .collect(),
        _ => Vec::new(),
    }
}

/// The best a bridge has heard (or its own claim to be the root):
/// (root, root path cost, designated bridge, designated port, own port).
type Vector = (BridgeId, u32, BridgeId, u16, u16);

impl SpanningTree {
    /// Whether any bridge of `topo` runs STP (cheap; no tree is built).
    pub fn any(topo: &Topology) -> bool {
        topo.ifaces.iter().any(|i| i.stp())
    }

    /// The converged tree of `topo`'s STP bridges.
    pub fn compute(topo: &Topology) -> SpanningTree {
        let mut tree = SpanningTree::default();
        let bridges: Vec<IfaceId> = topo
            .ifaces
            .iter()
            .filter(|i| i.stp())
            .map(|i| i.id)
            .collect();
        for &b in &bridges {
            let id = BridgeId {
                priority: BRIDGE_PRIORITY,
                mac: topo.iface(b).mac,
            };
            tree.bridges.insert(
                b,
                StpBridge {
                    id,
                    root: id,
                    root_port: None,
                    root_path_cost: 0,
                },
            );
            for (k, p) in ports_of(topo, b).enumerate() {
                tree.ports.insert(
                    p,
                    StpPort {
                        bridge: b,
                        id: PORT_PRIORITY | ((k as u16 + 1) & 0x3ff),
                        cost: port_cost(topo, p),
                        role: PortRole::Designated,
                        segment: usize::MAX,
                    },
                );
            }
        }
        let segments = tree.segments(topo, &bridges);
        tree.elect(&bridges, &segments);
        tree
    }

    /// Groups the STP ports into segments: the ports that hear each
    /// other's BPDUs through veths, wires and non-STP bridges.
    fn segments(&mut self, topo: &Topology, bridges: &[IfaceId]) -> Vec<Vec<IfaceId>> {
        let mut segments: Vec<Vec<IfaceId>> = Vec::new();
        for &b in bridges {
            for p in ports_of(topo, b) {
                if self.ports.get(&p).is_some_and(|s| s.segment != usize::MAX) {
                    continue;
                }
                let k = segments.len();
                let mut members = vec![p];
                let mut seen: FxHashSet<IfaceId> = [p].into_iter().collect();
                let mut todo = link_peers(topo, p);
                while let Some(x) = todo.pop() {
                    if !seen.insert(x) {
                        continue;
                    }
                    let master = topo.iface(x).master;
                    match master {
                        Some(m) if topo.iface(m).stp() => members.push(x),
                        // A bridge without STP floods the BPDU out of its
                        // other ports.
                        Some(m) => {
                            for y in ports_of(topo, m).filter(|&y| y != x) {
                                if seen.insert(y) {
                                    todo.extend(link_peers(topo, y));
                                }
                            }
                        }
                        None => {}
                    }
                }
                for &m in &members {
                    if let Some(s) = self.ports.get_mut(&m) {
                        s.segment = k;
                    }
                }
                members.sort();
                segments.push(members);
            }
        }
        segments
    }

    /// The designated port of a segment, with the vector it sends.
    fn designated(&self, segment: &[IfaceId]) -> Option<(IfaceId, (BridgeId, u32, BridgeId, u16))> {
        segment
            .iter()
            .filter_map(|&p| {
                let port = self.ports.get(&p)?;
                let b = self.bridges.get(&port.bridge)?;
                Some((p, (b.root, b.root_path_cost, b.id, port.id)))
            })
            .min_by_key(|&(_, v)| v)
    }

    /// Root, root ports and roles, by repeating what each bridge does with
    /// the best BPDU of each of its segments until nothing changes.
    fn elect(&mut self, bridges: &[IfaceId], segments: &[Vec<IfaceId>]) {
        let mut best: FxHashMap<IfaceId, Vector> = bridges
            .iter()
            .filter_map(|&b| {
                let id = self.bridges.get(&b)?.id;
                Some((b, (id, 0, id, 0, 0)))
            })
            .collect();
        // Each round can only improve some vector; the bound is a guard.
        for _ in 0..=4 * self.ports.len() + 1 {
            let mut changed = false;
            let designated: Vec<_> = segments.iter().map(|s| self.designated(s)).collect();
            for (p, port) in self.ports.clone() {
                let Some((d, (root, cost, dbridge, dport))) =
                    designated.get(port.segment).copied().flatten()
                else {
                    continue;
                };
                if self.ports.get(&d).is_some_and(|x| x.bridge == port.bridge) {
                    continue; // our own BPDU
                }
                let cand: Vector = (
                    root,
                    cost.saturating_add(port.cost),
                    dbridge,
                    dport,
                    port.id,
                );
                if best.get(&port.bridge).is_some_and(|&v| cand < v) {
                    best.insert(port.bridge, cand);
                    if let Some(b) = self.bridges.get_mut(&port.bridge) {
                        b.root = cand.0;
                        b.root_path_cost = cand.1;
                        b.root_port = Some(p);
                    }
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let designated: Vec<Option<IfaceId>> = segments
            .iter()
            .map(|s| self.designated(s).map(|d| d.0))
            .collect();
        let owners: FxHashMap<IfaceId, IfaceId> =
            self.ports.iter().map(|(&p, s)| (p, s.bridge)).collect();
        for (&p, port) in self.ports.iter_mut() {
            let d = designated.get(port.segment).copied().flatten();
            let root_port = self.bridges.get(&port.bridge).and_then(|b| b.root_port);
            port.role = if d == Some(p) {
                PortRole::Designated
            } else if root_port == Some(p) {
                PortRole::Root
            } else if d.and_then(|d| owners.get(&d)) == Some(&port.bridge) {
                PortRole::Backup
            } else {
                PortRole::Alternate
            };
        }
    }

    /// The state of a port, if it is a port of an STP bridge.
    pub fn state(&self, port: IfaceId) -> Option<PortState> {
        self.ports.get(&port).map(|p| p.role.state())
    }

    /// Whether `port` blocks (only ports of STP bridges ever do).
    pub fn blocks(&self, port: IfaceId) -> bool {
        self.state(port) == Some(PortState::Blocking)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(yaml: &str) -> Topology {
        crate::load("t.yaml", yaml).unwrap_or_else(|d| panic!("{d}"))
    }

    /// `NODE:IF` → (role, state) of every STP port, sorted.
    fn roles(t: &Topology) -> Vec<(String, &'static str)> {
        let tree = SpanningTree::compute(t);
        let mut v: Vec<_> = tree
            .ports
            .iter()
            .map(|(&p, s)| (t.iface_label(p), s.role.as_str()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_ring_blocks_the_port_farthest_from_the_root() {
        // Measured on the kernel (KERNEL-CHECKS.md, stp.yaml): root h1 (the
        // lowest MAC); h2 and h3 reach it at cost 2; on the h2–h3 cable h2
        // has the better bridge id, so h3:to-h2 blocks.
        let t = load(&crate::bridge::loops::tests::ring(true));
        let tree = SpanningTree::compute(&t);
        assert_eq!(
            roles(&t),
            [
                ("h1:to-h2".to_string(), "designated"),
                ("h1:to-h3".to_string(), "designated"),
                ("h2:to-h1".to_string(), "root"),
                ("h2:to-h3".to_string(), "designated"),
                ("h3:to-h1".to_string(), "root"),
                ("h3:to-h2".to_string(), "alternate"),
            ]
        );
        let b = |n: &str| {
            let node = t.node_by_name(n).unwrap_or_else(|| panic!("{n}"));
            tree.bridges[&t
                .iface_by_name(node, "br0")
                .unwrap_or_else(|| panic!("br0"))]
        };
        let root = b("h1").id;
        assert_eq!(root.to_string(), "8000.020000000001");
        for n in ["h1", "h2", "h3"] {
            assert_eq!(b(n).root, root);
        }
        assert_eq!((b("h1").root_port, b("h1").root_path_cost), (None, 0));
        assert_eq!(b("h3").root_path_cost, 2);
        let h3 = t.node_by_name("h3").unwrap_or_else(|| panic!("h3"));
        assert_eq!(b("h3").root_port, t.iface_by_name(h3, "to-h1"));
        assert_eq!(
            tree.ports[&t.iface_by_name(h3, "to-h1").unwrap_or_else(|| panic!())].id,
            0x8002
        );
    }

    #[test]
    fn the_lowest_mac_is_the_root_and_ties_go_to_the_lower_port_id() {
        // Two bridges, two cables: br1 (higher MAC) keeps the cable on its
        // lower port id as root port; the other is an alternate. The cable
        // from br0 to itself makes a backup port: br0 is designated on that
        // segment with its lower port.
        let t = load(
            "
name: pair
nodes:
  h:
    kind: host
    interfaces:
      br1: { type: bridge, stp: true, mac: '02:00:00:00:00:09' }
      br0: { type: bridge, stp: true, mac: '02:00:00:00:00:05' }
      a0: { master: br0 }
      b0: { master: br0 }
      s0: { master: br0 }
links:
  - { veth: [h:a0, h:a1], master: br1 }
  - { veth: [h:b0, h:b1], master: br1 }
  - { veth: [h:s0, h:s1], master: br0 }
",
        );
        assert_eq!(
            roles(&t),
            [
                ("h:a0".to_string(), "designated"),
                ("h:a1".to_string(), "root"),
                ("h:b0".to_string(), "designated"),
                ("h:b1".to_string(), "alternate"),
                ("h:s0".to_string(), "designated"),
                ("h:s1".to_string(), "backup"),
            ]
        );
    }

    #[test]
    fn non_stp_bridges_and_wires_pass_bpdus_on() {
        // One STP bridge whose two ports reach each other through a bridge
        // without STP: the BPDU comes back, one segment, the second port
        // is a backup. A port to a container hears nobody: designated.
        let t = load(
            "
name: mixed
nodes:
  h:
    kind: host
    interfaces:
      br0: { type: bridge, stp: true }
      plain: { type: bridge }
      x0: { master: br0 }
      y0: { master: br0 }
  c: { kind: container, interfaces: { eth0: { addresses: [10.0.0.1/24] } } }
links:
  - { veth: [h:x0, h:x1], master: plain }
  - { veth: [h:y0, h:y1], master: plain }
  - { veth: [c:eth0, h:c0], master: br0 }
",
        );
        assert_eq!(
            roles(&t),
            [
                ("h:c0".to_string(), "designated"),
                ("h:x0".to_string(), "designated"),
                ("h:y0".to_string(), "backup"),
            ]
        );
        // No STP anywhere: no tree at all.
        let t = load(&crate::bridge::loops::tests::ring(false));
        assert!(!SpanningTree::any(&t));
        assert!(SpanningTree::compute(&t).ports.is_empty());
    }
}
