//! Where interfaces are drawn: a dot on the edge of its node's box that
//! faces where its cable goes, or a tick on its bridge's bar.

use netsim_core::model::{Device, IfaceId, IfaceKind, NodeId, NodeKind, Topology};

use super::{label_width, Bar, Dot, Point, Rect, Side, HEADER};

/// Where an interface's cable goes, to choose the edge it sits on.
fn target_of(
    topo: &Topology,
    nodes: &[Rect],
    bars: &[Bar],
    bar_of: &[Option<usize>],
    under_bus: &[bool],
    i: IfaceId,
) -> Option<Point> {
    let iface = topo.iface(i);
    match iface.device {
        Device::Veth { peer, .. } => {
            let p = topo.iface(peer);
            match p
                .master
                .and_then(|m| bar_of.get(m.index()).copied().flatten())
            {
                Some(b) => {
                    let own = nodes[iface.node.index()].centre();
                    Some(Point::new(own.x, bars[b].y))
                }
                None => Some(nodes[p.node.index()].centre()),
            }
        }
        // Buses run under their shelf, over the outside nodes.
        Device::Nic { .. } => {
            let r = nodes[iface.node.index()];
            if under_bus[iface.node.index()] {
                Some(Point::new(r.centre().x, r.y - 1000.0))
            } else {
                Some(Point::new(r.centre().x, r.y + r.h + 1000.0))
            }
        }
        _ => match iface.kind() {
            // On the side facing the hosts at the far ends of its tunnels
            // (the right when they are level with it, or there are none).
            IfaceKind::Vxlan => {
                let r = nodes[iface.node.index()];
                let left = tunnels_x(topo, nodes, i).is_some_and(|x| x < r.centre().x - 0.5);
                let x = if left {
                    r.x - 1000.0
                } else {
                    r.x + r.w + 1000.0
                };
                Some(Point::new(x, r.centre().y))
            }
            _ => None,
        },
    }
}

/// Where vxlan device `i`'s tunnels go, across: the mean of the centres of
/// the nodes at their far ends that stand beside its own node, not above
/// or below it (`None` when none does: the device keeps its usual place).
fn tunnels_x(topo: &Topology, nodes: &[Rect], i: IfaceId) -> Option<f64> {
    let own = nodes[topo.iface(i).node.index()];
    let xs: Vec<f64> = super::tunnel_ends(topo, i)
        .map(|o| nodes[topo.iface(o).node.index()])
        .filter(|r| r.x >= own.x + own.w || r.x + r.w <= own.x)
        .map(|r| r.centre().x)
        .collect();
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

fn side_towards(r: &Rect, t: Point) -> Side {
    let c = r.centre();
    let (dx, dy) = (t.x - c.x, t.y - c.y);
    if r.contains(t) {
        return Side::Top;
    }
    // Scale by the box's shape so that a wide box prefers top and bottom.
    if (dx / r.w).abs() > (dy / r.h).abs() {
        if dx > 0.0 {
            Side::Right
        } else {
            Side::Left
        }
    } else if dy > 0.0 {
        Side::Bottom
    } else {
        Side::Top
    }
}

/// Dots on the edges of node boxes: every interface that is not a bridge,
/// not loopback, and not a host-side port of a bridge.
pub(super) fn place_box_ifaces(
    topo: &Topology,
    nodes: &[Rect],
    bars: &[Bar],
    bar_of: &[Option<usize>],
    hosts: &[NodeId],
    under_bus: &[bool],
    ifaces: &mut [Dot],
) {
    let is_host = |n: NodeId| hosts.contains(&n);
    for node in &topo.nodes {
        let r = nodes[node.id.index()];
        let host = is_host(node.id) || node.kind == NodeKind::Host;
        let mut per_side: [Vec<(f64, IfaceId)>; 4] = Default::default();
        for &i in &node.ifaces {
            let iface = topo.iface(i);
            match iface.kind() {
                IfaceKind::Loopback => {
                    ifaces[i.index()] = Dot {
                        at: Point::new(r.x + 14.0, r.y + 14.0),
                        side: Side::Hidden,
                    };
                    continue;
                }
                IfaceKind::Bridge => {
                    if let Some(b) = bar_of[i.index()] {
                        let bar = &bars[b];
                        ifaces[i.index()] = Dot {
                            at: Point::new((bar.x1 + bar.x2) / 2.0, bar.y - 14.0),
                            side: Side::Hidden,
                        };
                    } else {
                        ifaces[i.index()] = Dot {
                            at: r.centre(),
                            side: Side::Hidden,
                        };
                    }
                    continue;
                }
                _ => {}
            }
            if iface.master.is_some_and(|m| bar_of[m.index()].is_some()) {
                continue; // on its bar, placed later
            }
            let Some(t) = target_of(topo, nodes, bars, bar_of, under_bus, i) else {
                ifaces[i.index()] = Dot {
                    at: r.centre(),
                    side: Side::Hidden,
                };
                continue;
            };
            // A host's own veth to one of its children: on the header band
            // above that child.
            if host && r.contains(t) {
                ifaces[i.index()] = Dot {
                    at: Point::new(t.x, r.y + HEADER - 8.0),
                    side: Side::Bar,
                };
                continue;
            }
            let side = side_towards(&r, t);
            let (k, along) = match side {
                Side::Top => (0, t.x),
                Side::Bottom => (1, t.x),
                Side::Left => (2, t.y),
                _ => (3, t.y),
            };
            per_side[k].push((along, i));
        }
        for (k, list) in per_side.iter_mut().enumerate() {
            list.sort_by(|a, b| a.0.total_cmp(&b.0));
            let m = list.len() as f64;
            for (j, &(_, i)) in list.iter().enumerate() {
                let f = (j as f64 + 1.0) / (m + 1.0);
                let (at, side) = match k {
                    0 => (Point::new(r.x + r.w * f, r.y), Side::Top),
                    1 => (Point::new(r.x + r.w * f, r.y + r.h), Side::Bottom),
                    2 => (Point::new(r.x, r.y + r.h * f), Side::Left),
                    _ => (Point::new(r.x + r.w, r.y + r.h * f), Side::Right),
                };
                ifaces[i.index()] = Dot { at, side };
            }
        }
    }
}

/// Host-side ports on their bars, each under (or over) the dot of its
/// veth peer; a port whose peer is on another bar goes to the end of its
/// bar nearest that bar.
pub(super) fn place_bar_ports(
    topo: &Topology,
    nodes: &[Rect],
    bars: &mut [Bar],
    bar_of: &[Option<usize>],
    ifaces: &mut [Dot],
) {
    let mut extra: Vec<(usize, IfaceId)> = Vec::new();
    for iface in &topo.ifaces {
        let Some(b) = iface.master.and_then(|m| bar_of[m.index()]) else {
            continue;
        };
        let y = bars[b].y;
        match iface.device {
            Device::Veth { peer, .. }
                if topo
                    .iface(peer)
                    .master
                    .and_then(|m| bar_of[m.index()])
                    .is_none() =>
            {
                let x = ifaces[peer.index()].at.x;
                ifaces[iface.id.index()] = Dot {
                    at: Point::new(x, y),
                    side: Side::Bar,
                };
                bars[b].ticks.push((iface.id, x));
            }
            _ => extra.push((b, iface.id)),
        }
    }
    // A bar runs from its first port to its last, and no further (so
    // that it does not reach over a neighbour's cables).
    // The outermost ports so far: (x, width of its label) at the right
    // end, x at the left end.
    let mut right: Vec<(f64, f64)> = Vec::with_capacity(bars.len());
    let mut left: Vec<Option<f64>> = Vec::with_capacity(bars.len());
    for bar in bars.iter_mut() {
        let mut lo = (f64::INFINITY, 0.0);
        let mut hi = (f64::NEG_INFINITY, 0.0);
        for &(i, x) in &bar.ticks {
            let w = label_width(topo, i);
            if x < lo.0 {
                lo = (x, w);
            }
            if x > hi.0 {
                hi = (x, w);
            }
        }
        if lo.0.is_finite() {
            bar.x1 = lo.0 - 40.0;
            bar.x2 = hi.0 + 40.0;
            right.push(hi);
            left.push(Some(lo.0));
        } else {
            // No box under the bar: its other ports from its left end on.
            right.push((bar.x1 - 18.0, 0.0));
            left.push(None);
        }
    }
    let mut first_right = vec![true; bars.len()];
    let mut first_left = vec![true; bars.len()];
    // Ports without a box below them: bar-to-bar patch cables and NICs,
    // outwards from the bar's ends, each far enough from its neighbour for
    // the label between them (a label is written right of its tick).
    for (b, i) in extra {
        let target = match topo.iface(i).device {
            Device::Veth { peer, .. } => topo
                .iface(peer)
                .master
                .and_then(|m| bar_of[m.index()])
                .map(|ob| (bars[ob].x1 + bars[ob].x2) / 2.0),
            // A vxlan port: towards the hosts at the far ends of its
            // tunnels (the middle of them).
            Device::Vxlan(_) => tunnels_x(topo, nodes, i),
            _ => None,
        };
        let w = label_width(topo, i);
        let mid = (bars[b].x1 + bars[b].x2) / 2.0;
        let step = |first: bool| -> f64 {
            if first {
                58.0
            } else {
                30.0
            }
        };
        let on_left = match (target, left[b]) {
            (Some(t), Some(lx)) if t < mid => Some(lx - step(first_left[b]).max(w + 16.0)),
            _ => None,
        };
        let bar = &mut bars[b];
        let x = match on_left {
            Some(x) => {
                left[b] = Some(x);
                first_left[b] = false;
                bar.x1 = bar.x1.min(x - 6.0);
                x
            }
            None => {
                let (rx, rw) = right[b];
                let x = rx + step(first_right[b]).max(rw + 16.0);
                right[b] = (x, w);
                first_right[b] = false;
                bar.x2 = bar.x2.max(x + 6.0);
                x
            }
        };
        ifaces[i.index()] = Dot {
            at: Point::new(x, bar.y),
            side: Side::Bar,
        };
        bar.ticks.push((i, x));
    }
    for bar in bars.iter_mut() {
        bar.ticks.sort_by(|a, b| a.1.total_cmp(&b.1));
        // A bar always covers its ticks.
        let host = nodes[bar.node.index()];
        bar.x1 = bar.x1.max(host.x + 8.0);
        bar.x2 = bar.x2.min(host.x + host.w - 8.0);
        // The bridge device itself (its own stack, where frames are passed
        // up): above the bar's right end, clear of the bar's label.
        ifaces[bar.bridge.index()] = Dot {
            at: Point::new(bar.x2 - 16.0, bar.y - 14.0),
            side: Side::Hidden,
        };
    }
}

/// How far each node's bar ports (with their labels) reach out of its
/// box, on the left and on the right.
pub(super) fn overflow(topo: &Topology, l: &super::Layout) -> Vec<(f64, f64)> {
    let mut out = vec![(0.0f64, 0.0f64); l.nodes.len()];
    for bar in &l.bars {
        let host = l.nodes[bar.node.index()];
        let o = &mut out[bar.node.index()];
        for &(i, x) in &bar.ticks {
            o.0 = o.0.max(host.x + 16.0 - x);
            o.1 =
                o.1.max(x + 7.0 + label_width(topo, i) + 10.0 - (host.x + host.w));
        }
    }
    out
}
