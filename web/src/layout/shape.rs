//! Which way the hosts wrap onto shelves for the shape of the screen the
//! drawing is shown on ([`layout_for`]), and the checks it chooses by: how
//! large the drawing fits, and whether a cable between two hosts runs
//! through a third.

use netsim_core::model::{IfaceId, NodeId, NodeKind, Topology};

use super::{layout, layout_wrapped, Layout, Point, Rect, HOST_GAP, MARGIN};

/// At most this many hosts are tried on every number of shelves by
/// [`layout_for`]; a larger topology keeps the 16:10 wrap.
const SHAPED_HOSTS: usize = 12;

/// Lays out `topo` for an element `aspect` times as wide as it is high:
/// of the ways its hosts can wrap onto shelves (all on one shelf, one per
/// shelf, and each way between), the one whose drawing fits that element
/// largest, and among those within 2% of it the one with the fewest
/// shelves. An arrangement where a cable or a tunnel between two hosts
/// runs through a third host's box comes after every one where none does
/// (three hosts in a ring are not put in a row). On a wide screen two
/// hosts go side by side; on a phone, one above the other. Deterministic,
/// as [`layout`].
pub fn layout_for(topo: &Topology, aspect: f64) -> Layout {
    let base = layout(topo);
    if !aspect.is_finite() || aspect <= 0.0 {
        return base;
    }
    let widths: Vec<f64> = topo
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Host && top_level(topo, n.id))
        .map(|n| base.nodes[n.id.index()].w)
        .collect();
    if widths.len() < 2 || widths.len() > SHAPED_HOSTS {
        return base;
    }
    // A wrap width for each number of shelves the greedy packing can make:
    // the width of every run of neighbouring hosts (widest first, so that
    // fewer shelves come first).
    let mut wraps: Vec<f64> = Vec::new();
    for i in 0..widths.len() {
        let mut run = -HOST_GAP;
        for w in &widths[i..] {
            run += w + HOST_GAP;
            wraps.push(run);
        }
    }
    wraps.sort_by(|a, b| b.total_cmp(a));
    let mut seen: Vec<Vec<usize>> = Vec::new();
    let scale = |l: &Layout| {
        let e = l.extent(topo);
        (aspect / e.w.max(1.0)).min(1.0 / e.h.max(1.0))
    };
    let mut best: Option<(usize, f64, Layout)> = None;
    for wrap in wraps {
        let shelves = shelves(&widths, wrap);
        if seen.contains(&shelves) {
            continue;
        }
        seen.push(shelves);
        let l = layout_wrapped(topo, Some(wrap));
        let (c, s) = (crossings(topo, &l), scale(&l));
        let better = match &best {
            None => true,
            Some((bc, bs, _)) => c < *bc || (c == *bc && s > bs * 1.02),
        };
        if better {
            best = Some((c, s, l));
        }
    }
    best.map_or(base, |(_, _, l)| l)
}

/// The host `n` is drawn in (`n` itself when it is drawn on its own).
pub(super) fn host_of(topo: &Topology, n: NodeId) -> NodeId {
    match topo.node(n).on {
        Some(h) if !top_level(topo, n) => h,
        _ => n,
    }
}

/// How many cables between two hosts (veth pairs and vxlan tunnels) run
/// through the box of a host at neither of their ends.
pub(super) fn crossings(topo: &Topology, l: &Layout) -> usize {
    let hosts: Vec<NodeId> = topo
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Host && top_level(topo, n.id))
        .map(|n| n.id)
        .collect();
    let ends = |a: IfaceId, b: IfaceId| {
        (
            host_of(topo, topo.iface(a).node),
            host_of(topo, topo.iface(b).node),
        )
    };
    let mut lines: Vec<(Vec<Point>, (NodeId, NodeId))> = Vec::new();
    for v in &topo.veths {
        let [a, b] = v.ends;
        lines.push((l.cable(a, b), ends(a, b)));
    }
    for tun in l.tunnels(topo) {
        lines.push((tun.path, ends(tun.from, tun.to)));
    }
    let mut n = 0;
    for (points, (ha, hb)) in &lines {
        if ha == hb {
            continue;
        }
        for &h in hosts.iter().filter(|&&h| h != *ha && h != *hb) {
            let r = l.nodes[h.index()];
            if points.windows(2).any(|w| crosses(w[0], w[1], r)) {
                n += 1;
            }
        }
    }
    n
}

/// Whether the segment from `p` to `q` passes through the inside of `r`
/// (Liang–Barsky clipping; touching an edge is not crossing).
pub(super) fn crosses(p: Point, q: Point, r: Rect) -> bool {
    let (dx, dy) = (q.x - p.x, q.y - p.y);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (den, num) in [
        (-dx, p.x - r.x),
        (dx, r.x + r.w - p.x),
        (-dy, p.y - r.y),
        (dy, r.y + r.h - p.y),
    ] {
        if den == 0.0 {
            if num <= 0.0 {
                return false;
            }
        } else {
            let t = num / den;
            if den < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    t1 - t0 > 1e-9
}

/// Whether `n` is drawn on its own (a host, or a node on no host), not
/// inside a host.
fn top_level(topo: &Topology, n: NodeId) -> bool {
    match topo.node(n).on {
        Some(h) => h == n || topo.node(h).kind != NodeKind::Host,
        None => true,
    }
}

/// Where the greedy packing of hosts `widths` wide onto shelves `wrap`
/// wide starts a new shelf.
fn shelves(widths: &[f64], wrap: f64) -> Vec<usize> {
    let mut breaks = Vec::new();
    let mut x = MARGIN;
    for (k, w) in widths.iter().enumerate() {
        if x > MARGIN && x + w > MARGIN + wrap {
            breaks.push(k);
            x = MARGIN;
        }
        x += w + HOST_GAP;
    }
    breaks
}
