//! VXLAN tunnels as the drawing shows them: a dashed line from each vxlan
//! device to each of its remotes, straight, or over the hosts' tops when a
//! straight one would run along a bar over other ports or through a host.

use netsim_core::model::{IfaceId, IfaceKind, NodeKind, Topology};

use super::shape::{crosses, host_of};
use super::{Layout, Point, Side};

/// Room over a row of hosts for each lane of tunnels routed over them.
const TUNNEL_LANE: f64 = 14.0;

/// One tunnel: from a vxlan device to the far end of one of its remotes.
#[derive(Debug, Clone, PartialEq)]
pub struct Tunnel {
    pub from: IfaceId,
    pub to: IfaceId,
    /// The line drawn, from `from`'s dot to `to`'s.
    pub path: Vec<Point>,
}

/// The far ends of vxlan device `i`'s tunnels (none for anything else):
/// for each remote, the vxlan device of the node that holds that address
/// if it has one, else the interface that holds it.
pub(super) fn tunnel_ends(topo: &Topology, i: IfaceId) -> impl Iterator<Item = IfaceId> + '_ {
    let remotes = topo.iface(i).vxlan().map_or(&[][..], |v| &v.remotes);
    remotes.iter().filter_map(move |r| {
        let o = topo
            .ifaces
            .iter()
            .find(|o| o.addresses.iter().any(|a| a.addr() == *r))?;
        let far = topo
            .node(o.node)
            .ifaces
            .iter()
            .copied()
            .find(|&x| topo.iface(x).kind() == IfaceKind::Vxlan)
            .unwrap_or(o.id);
        Some(far)
    })
}

impl Layout {
    /// Every VXLAN tunnel: to each remote's vxlan device when its node has
    /// one, else to the interface that holds the remote address. The line
    /// is straight unless both ends are ports on bars at one height, in
    /// hosts of one row, with a port or a host between them: then it goes
    /// up, over the hosts' tops and down, in a lane of its own (a longer
    /// span above a shorter one; the two ways of a tunnel share theirs), so
    /// that it never runs along a bar over other ports.
    pub fn tunnels(&self, topo: &Topology) -> Vec<Tunnel> {
        let ends: Vec<(IfaceId, IfaceId)> = topo
            .ifaces
            .iter()
            .flat_map(|i| tunnel_ends(topo, i.id).map(move |far| (i.id, far)))
            .collect();
        let host = |i: IfaceId| host_of(topo, topo.iface(i).node);
        let dot = |i: IfaceId| self.ifaces[i.index()];
        // (top of the row, x1, x2) of a tunnel that must go over.
        let over = |a: IfaceId, b: IfaceId| -> Option<(f64, f64, f64)> {
            let (p, q) = (dot(a), dot(b));
            let (ra, rb) = (self.nodes[host(a).index()], self.nodes[host(b).index()]);
            let level = p.side == Side::Bar
                && q.side == Side::Bar
                && (p.at.y - q.at.y).abs() < 0.5
                && (ra.y - rb.y).abs() < 0.5;
            if !level {
                return None;
            }
            let (x1, x2) = (p.at.x.min(q.at.x), p.at.x.max(q.at.x));
            let between = |x: f64| x > x1 + 0.5 && x < x2 - 0.5;
            let ports = self
                .bars
                .iter()
                .any(|b| (b.y - p.at.y).abs() < 0.5 && b.ticks.iter().any(|&(_, x)| between(x)));
            let hosts = topo.nodes.iter().any(|n| {
                n.kind == NodeKind::Host
                    && n.id != host(a)
                    && n.id != host(b)
                    && crosses(p.at, q.at, self.nodes[n.id.index()])
            });
            (ports || hosts).then_some((ra.y, x1, x2))
        };
        let spans: Vec<Option<(f64, f64, f64)>> = ends.iter().map(|&(a, b)| over(a, b)).collect();
        let mut sorted: Vec<(f64, f64, f64)> = spans.iter().flatten().copied().collect();
        sorted.sort_by(|p, q| {
            (p.2 - p.1)
                .total_cmp(&(q.2 - q.1))
                .then(p.0.total_cmp(&q.0))
                .then(p.1.total_cmp(&q.1))
        });
        sorted.dedup();
        // Each span in the lowest lane where it overlaps no other of its row.
        let mut lanes: Vec<((f64, f64, f64), usize)> = Vec::new();
        for sp in sorted {
            let mut lane = 0;
            while lanes
                .iter()
                .any(|&(o, k)| k == lane && o.0 == sp.0 && o.1.max(sp.1) < o.2.min(sp.2) - 0.5)
            {
                lane += 1;
            }
            lanes.push((sp, lane));
        }
        ends.iter()
            .zip(spans)
            .map(|(&(from, to), span)| {
                let (p, q) = (dot(from).at, dot(to).at);
                let path = match span {
                    None => vec![p, q],
                    Some(sp) => {
                        let lane = lanes.iter().find(|l| l.0 == sp).map_or(0, |l| l.1);
                        let y = sp.0 - TUNNEL_LANE * (1 + lane) as f64;
                        vec![p, Point::new(p.x, y), Point::new(q.x, y), q]
                    }
                };
                Tunnel { from, to, path }
            })
            .collect()
    }
}
