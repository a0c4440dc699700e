//! Node placement inside a host: which of its children go above or below
//! its bridges' bars, in which column, and how large the host's box is.

use netsim_core::model::{Device, IfaceId, IfaceKind, NodeId, Topology};

use super::{Rect, BAR_GAP, CHILD_H, CHILD_W, GAP_X, GROUP_GAP, HEADER, LANE, PAD, ROW_GAP};

/// How a host's children are arranged: rows above the bars, then the bar
/// lanes, then rows below.
pub(super) struct HostPlan {
    pub(super) w: f64,
    pub(super) h: f64,
    /// Child boxes relative to the host's top-left corner.
    pub(super) children: Vec<(NodeId, Rect)>,
    /// Bars relative to the host: (bridge, x1, x2, y).
    pub(super) bars: Vec<(IfaceId, f64, f64, f64)>,
}

/// The bridges of `host` that `child`'s veths plug into, as positions in
/// the host's bridge list.
fn anchors(topo: &Topology, bridges: &[IfaceId], child: NodeId) -> Vec<usize> {
    let mut out = Vec::new();
    for &i in &topo.node(child).ifaces {
        if let Device::Veth { peer, .. } = topo.iface(i).device {
            if let Some(m) = topo.iface(peer).master {
                if let Some(k) = bridges.iter().position(|&b| b == m) {
                    if !out.contains(&k) {
                        out.push(k);
                    }
                }
            }
        }
    }
    out
}

/// `room` is extra width left and right of the children, for the ports at
/// the ends of the bars (see `layout`).
pub(super) fn plan_host(
    topo: &Topology,
    host: NodeId,
    kids: &[NodeId],
    room: (f64, f64),
) -> HostPlan {
    let pad = PAD + room.0;
    let bridges: Vec<IfaceId> = topo
        .node(host)
        .ifaces
        .iter()
        .copied()
        .filter(|&i| topo.iface(i).kind() == IfaceKind::Bridge)
        .collect();
    let n = kids.len();
    // Children grouped under the bridge they plug into (a router on two
    // bridges between them; children on none at the end).
    // Within a group, nodes with a NIC on a wire go last, so that they
    // land in the bottom row, nearest the wire's bus under the host.
    let mut keyed: Vec<(f64, usize, NodeId)> = kids
        .iter()
        .enumerate()
        .map(|(k, &c)| {
            let a = anchors(topo, &bridges, c);
            let key = if a.is_empty() {
                f64::from(u16::MAX)
            } else {
                a.iter().sum::<usize>() as f64 / a.len() as f64
            };
            let wired = topo
                .node(c)
                .ifaces
                .iter()
                .any(|&i| matches!(topo.iface(i).device, Device::Nic { .. }));
            (key, usize::from(wired) * kids.len() + k, c)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    // Groups of equal key become blocks of columns.
    let rows = if n <= 8 {
        1
    } else {
        ((n as f64 / 3.0).sqrt().ceil() as usize).max(1)
    };
    let upper = if bridges.is_empty() { 0 } else { rows / 2 };
    let lower = rows - upper;
    let cell = CHILD_W + GAP_X;
    let mut placed: Vec<(NodeId, usize, usize)> = Vec::with_capacity(n); // node, row, col
                                                                         // The x of each column: groups are set apart, so that the bars of two
                                                                         // bridges side by side do not run into each other.
    let mut col_x: Vec<f64> = Vec::new();
    let mut groups = 0usize;
    let mut i = 0;
    while i < keyed.len() {
        let mut j = i;
        while j < keyed.len() && keyed[j].0 == keyed[i].0 {
            j += 1;
        }
        let g = j - i;
        let gcols = g.div_ceil(rows).max(1);
        let col0 = col_x.len();
        for (k, item) in keyed[i..j].iter().enumerate() {
            placed.push((item.2, k / gcols, col0 + k % gcols));
        }
        for c in 0..gcols {
            col_x.push(pad + (col0 + c) as f64 * cell + groups as f64 * GROUP_GAP);
        }
        groups += 1;
        i = j;
    }
    let next_x = col_x.last().map_or(pad, |x| x + cell + GROUP_GAP);

    // Bar lanes: a bar spans the columns of the children that plug into
    // it; overlapping bars go to different lanes.
    let mut spans: Vec<(IfaceId, f64, f64)> = Vec::new();
    for (k, &b) in bridges.iter().enumerate() {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for &(c, _, col) in &placed {
            if anchors(topo, &bridges, c).contains(&k) {
                lo = lo.min(col_x[col]);
                hi = hi.max(col_x[col]);
            }
        }
        if !lo.is_finite() {
            // A bridge with no child: after the others.
            lo = next_x + k as f64 * cell;
            hi = lo;
        }
        spans.push((b, lo - 10.0, hi + CHILD_W + 10.0));
    }
    let mut lanes: Vec<usize> = Vec::with_capacity(spans.len());
    for (k, s) in spans.iter().enumerate() {
        let mut lane = 0;
        while spans[..k]
            .iter()
            .zip(&lanes)
            .any(|(o, &l)| l == lane && o.1 < s.2 + 20.0 && s.1 < o.2 + 20.0)
        {
            lane += 1;
        }
        lanes.push(lane);
    }
    let n_lanes = lanes.iter().max().map_or(0, |m| m + 1);

    let upper_h = upper as f64 * (CHILD_H + ROW_GAP);
    let bar_top = HEADER + upper_h + if upper > 0 { BAR_GAP - ROW_GAP } else { 20.0 };
    let bars_h = if n_lanes > 0 {
        (n_lanes - 1) as f64 * LANE
    } else {
        0.0
    };
    let lower_top = if n_lanes > 0 {
        bar_top + bars_h + BAR_GAP
    } else {
        HEADER + 16.0
    };
    let stagger = |r: usize| if r % 2 == 1 { cell / 2.0 } else { 0.0 };
    let mut children = Vec::with_capacity(n);
    let mut max_x: f64 = 0.0;
    for &(c, row, col) in &placed {
        // Row 0 sits nearest the bars: upper rows count upwards from them.
        let (y, r_from_bar) = if row < upper {
            let r = upper - 1 - row;
            (HEADER + row as f64 * (CHILD_H + ROW_GAP), r)
        } else {
            let r = row - upper;
            (lower_top + r as f64 * (CHILD_H + ROW_GAP), r)
        };
        let x = col_x[col] + stagger(r_from_bar);
        max_x = max_x.max(x + CHILD_W);
        children.push((
            c,
            Rect {
                x,
                y,
                w: CHILD_W,
                h: CHILD_H,
            },
        ));
    }
    let bars_rel: Vec<(IfaceId, f64, f64, f64)> = spans
        .iter()
        .zip(&lanes)
        .map(|(&(b, x1, x2), &l)| (b, x1, x2, bar_top + l as f64 * LANE))
        .collect();
    for b in &bars_rel {
        max_x = max_x.max(b.2);
    }
    let content_bottom = if lower > 0 && n > 0 {
        lower_top + lower as f64 * (CHILD_H + ROW_GAP) - ROW_GAP
    } else if n_lanes > 0 {
        bar_top + bars_h + 30.0
    } else {
        HEADER + 30.0
    };
    let name_w = topo.node(host).name.len() as f64 * 9.0 + 100.0;
    HostPlan {
        w: (max_x + room.1 + PAD).max(name_w).max(220.0),
        h: content_bottom + PAD,
        children,
        bars: bars_rel,
    }
}
