//! Where each thing of a topology is drawn: plain geometry computed from the
//! resolved [`Topology`], no Yew and no browser, so that it is tested and
//! benchmarked natively.
//!
//! The picture follows the seed article's figures: a host is a large box
//! holding its containers and routers; its bridges are horizontal bars
//! between the rows of those boxes, one tick per port, with the host-side
//! veth ends on the bar; a wire (an unmanaged switch) is a bus in the gap
//! under a row of hosts; external nodes sit in a row of their own, outside
//! every host. Everything is placed in one pass over the nodes and
//! interfaces (linear in their number, apart from sorting a host's
//! children), so 200 nodes take well under a millisecond.
//!
//! Promises: every node and interface gets a finite position; nothing
//! panics on any valid topology.

use netsim_core::model::{Device, IfaceId, IfaceKind, NodeId, NodeKind, Topology};

/// A point in the drawing's user units (about one CSS pixel at zoom 1).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub fn new(x: f64, y: f64) -> Point {
        Point { x, y }
    }

    /// The point `t` of the way from `self` to `to` (0 is `self`).
    pub fn lerp(self, to: Point, t: f64) -> Point {
        Point::new(self.x + (to.x - self.x) * t, self.y + (to.y - self.y) * t)
    }
}

/// An axis-aligned box.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn centre(&self) -> Point {
        Point::new(self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    pub fn contains(&self, p: Point) -> bool {
        p.x >= self.x && p.x <= self.x + self.w && p.y >= self.y && p.y <= self.y + self.h
    }

    fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
}

/// Which edge of its box an interface sits on; its label goes on the
/// other side of the dot, inside the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Top,
    Bottom,
    Left,
    Right,
    /// On a bridge bar (a host-side port): the label goes beside the line.
    Bar,
    /// Not drawn as a dot (loopback, a bridge's own device).
    Hidden,
}

/// Where one interface is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dot {
    pub at: Point,
    pub side: Side,
}

/// A bridge drawn as a bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub bridge: IfaceId,
    pub node: NodeId,
    pub x1: f64,
    pub x2: f64,
    pub y: f64,
    /// One per port: the port and the x of its tick.
    pub ticks: Vec<(IfaceId, f64)>,
}

/// A wire drawn as a bus: horizontal runs joined by a vertical trunk, and
/// one drop per NIC from the NIC's dot to the bus.
#[derive(Debug, Clone, PartialEq)]
pub struct Bus {
    pub segments: Vec<(Point, Point)>,
    /// One per end of the wire, in the wire's order: the point on the bus
    /// under (or over) the NIC.
    pub drops: Vec<(IfaceId, Point)>,
    /// Where the wire's name is written, which is also where a frame "in
    /// the switch" is drawn.
    pub label: Point,
}

/// The whole drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    /// Indexed by [`NodeId`].
    pub nodes: Vec<Rect>,
    /// Indexed by [`IfaceId`].
    pub ifaces: Vec<Dot>,
    pub bars: Vec<Bar>,
    /// Indexed by `WireId`.
    pub buses: Vec<Bus>,
    /// For each interface of kind bridge, its bar in `bars`.
    pub bar_of: Vec<Option<usize>>,
}

pub const CHILD_W: f64 = 170.0;
pub const CHILD_H: f64 = 76.0;
const GAP_X: f64 = 44.0;
const ROW_GAP: f64 = 56.0;
const PAD: f64 = 28.0;
const HEADER: f64 = 40.0;
/// Vertical room between a row of boxes and a bar.
const BAR_GAP: f64 = 78.0;
const LANE: f64 = 26.0;
const HOST_GAP: f64 = 60.0;
/// Extra room between the children of two different bridges.
const GROUP_GAP: f64 = 70.0;
const WIRE_LANE: f64 = 22.0;
const MARGIN: f64 = 40.0;

/// How a host's children are arranged: rows above the bars, then the bar
/// lanes, then rows below.
struct HostPlan {
    w: f64,
    h: f64,
    /// Child boxes relative to the host's top-left corner.
    children: Vec<(NodeId, Rect)>,
    /// Bars relative to the host: (bridge, x1, x2, y).
    bars: Vec<(IfaceId, f64, f64, f64)>,
}

/// Lays out `topo`. Deterministic: the same topology always gives the same
/// drawing.
pub fn layout(topo: &Topology) -> Layout {
    let n_nodes = topo.nodes.len();
    let n_ifaces = topo.ifaces.len();
    let mut nodes = vec![Rect::default(); n_nodes];
    let mut ifaces = vec![
        Dot {
            at: Point::default(),
            side: Side::Hidden,
        };
        n_ifaces
    ];
    let mut bars: Vec<Bar> = Vec::new();
    let mut bar_of = vec![None; n_ifaces];

    // Which nodes live in which host.
    let is_host = |n: NodeId| topo.node(n).kind == NodeKind::Host;
    let mut children: Vec<Vec<NodeId>> = vec![Vec::new(); n_nodes];
    let mut outside: Vec<NodeId> = Vec::new();
    let mut hosts: Vec<NodeId> = Vec::new();
    for n in &topo.nodes {
        match n.on {
            Some(h) if h != n.id && h.index() < n_nodes && is_host(h) => {
                children[h.index()].push(n.id)
            }
            _ if n.kind == NodeKind::Host => hosts.push(n.id),
            _ => outside.push(n.id),
        }
    }

    // Each host's inside, relative to its corner.
    let plans: Vec<HostPlan> = hosts
        .iter()
        .map(|&h| plan_host(topo, h, &children[h.index()]))
        .collect();

    // Hosts on shelves, wrapped to a width that keeps the drawing about
    // 16:10; each shelf leaves room under it for the wires' buses.
    let area: f64 = plans
        .iter()
        .map(|p| (p.w + HOST_GAP) * (p.h + HOST_GAP))
        .sum();
    let widest = plans.iter().map(|p| p.w).fold(0.0, f64::max);
    let target = (area * 1.6).sqrt().max(widest);
    let wire_room = if topo.wires.is_empty() {
        0.0
    } else {
        30.0 + WIRE_LANE * topo.wires.len().min(6) as f64
    };
    // shelf index of every top-level node (hosts and outside nodes)
    let mut shelf_of = vec![0usize; n_nodes];
    let mut shelf_bottoms: Vec<f64> = Vec::new();
    let (mut x, mut y, mut shelf_h, mut shelf) = (MARGIN, MARGIN, 0.0f64, 0usize);
    let mut width: f64 = 0.0;
    for (k, &h) in hosts.iter().enumerate() {
        let p = &plans[k];
        if x > MARGIN && x + p.w > MARGIN + target {
            shelf_bottoms.push(y + shelf_h);
            y += shelf_h + HOST_GAP + wire_room;
            x = MARGIN;
            shelf_h = 0.0;
            shelf += 1;
        }
        let r = Rect {
            x,
            y,
            w: p.w,
            h: p.h,
        };
        nodes[h.index()] = r;
        shelf_of[h.index()] = shelf;
        for (c, cr) in &p.children {
            nodes[c.index()] = Rect {
                x: x + cr.x,
                y: y + cr.y,
                ..*cr
            };
            shelf_of[c.index()] = shelf;
        }
        for &(b, x1, x2, by) in &p.bars {
            bar_of[b.index()] = Some(bars.len());
            bars.push(Bar {
                bridge: b,
                node: h,
                x1: x + x1,
                x2: x + x2,
                y: y + by,
                ticks: Vec::new(),
            });
        }
        x += p.w + HOST_GAP;
        width = width.max(x);
        shelf_h = shelf_h.max(p.h);
    }
    if !hosts.is_empty() {
        shelf_bottoms.push(y + shelf_h);
        y += shelf_h + HOST_GAP / 2.0 + wire_room;
    }
    // Outside nodes in a row of their own under everything, wrapped too.
    let outside_shelf = shelf_bottoms.len().saturating_sub(1);
    let cols = ((target / (CHILD_W + GAP_X)).floor() as usize).max(4);
    for (k, &n) in outside.iter().enumerate() {
        let (r, c) = (k / cols, k % cols);
        nodes[n.index()] = Rect {
            x: MARGIN + c as f64 * (CHILD_W + GAP_X),
            y: y + r as f64 * (CHILD_H + ROW_GAP),
            w: CHILD_W,
            h: CHILD_H,
        };
        shelf_of[n.index()] = outside_shelf;
        width = width.max(MARGIN + (c + 1) as f64 * (CHILD_W + GAP_X));
    }
    let mut height = if outside.is_empty() {
        y
    } else {
        y + outside.len().div_ceil(cols) as f64 * (CHILD_H + ROW_GAP)
    };

    // Interfaces: first the boxes' edges, then the bars (which line up
    // under the boxes' dots), then the wires.
    // Outside nodes sit under the buses; everything else above them.
    let mut under_bus = vec![false; n_nodes];
    if !hosts.is_empty() {
        for &n in &outside {
            under_bus[n.index()] = true;
        }
    }
    place_box_ifaces(
        topo,
        &nodes,
        &bars,
        &bar_of,
        &hosts,
        &under_bus,
        &mut ifaces,
    );
    place_bar_ports(topo, &nodes, &mut bars, &bar_of, &mut ifaces);

    // Buses: one lane per wire, a run in the gap under each shelf that has
    // one of its NICs, a trunk at the left joining the runs.
    let mut buses = Vec::with_capacity(topo.wires.len());
    for (w, wire) in topo.wires.iter().enumerate() {
        let lane = (w % 6) as f64;
        let gap_y = |s: usize| -> f64 {
            let bottom = shelf_bottoms.get(s).copied().unwrap_or(MARGIN);
            bottom + 24.0 + lane * WIRE_LANE
        };
        let mut runs: Vec<(usize, f64, f64)> = Vec::new(); // shelf, x1, x2
        let mut drops = Vec::with_capacity(wire.ends.len());
        for &e in &wire.ends {
            let dot = ifaces[e.index()].at;
            let s = shelf_of[topo.iface(e).node.index()];
            let at = Point::new(dot.x, gap_y(s));
            drops.push((e, at));
            match runs.iter_mut().find(|r| r.0 == s) {
                Some(r) => {
                    r.1 = r.1.min(dot.x);
                    r.2 = r.2.max(dot.x);
                }
                None => runs.push((s, dot.x, dot.x)),
            }
        }
        runs.sort_by_key(|r| r.0);
        let mut segments = Vec::new();
        let trunk_x = MARGIN / 2.0 - lane * 4.0;
        for r in &runs {
            let y = gap_y(r.0);
            let x1 = if runs.len() > 1 { trunk_x } else { r.1 - 30.0 };
            segments.push((Point::new(x1, y), Point::new(r.2 + 30.0, y)));
        }
        if let (Some(first), Some(last)) = (runs.first(), runs.last()) {
            if runs.len() > 1 {
                segments.push((
                    Point::new(trunk_x, gap_y(first.0)),
                    Point::new(trunk_x, gap_y(last.0)),
                ));
            }
        }
        let label = segments
            .first()
            .map(|(a, b)| Point::new((a.x + b.x) / 2.0, a.y))
            .unwrap_or_default();
        height = height.max(label.y + 40.0);
        buses.push(Bus {
            segments,
            drops,
            label,
        });
    }

    Layout {
        width: width.max(400.0) + MARGIN,
        height: height.max(300.0) + MARGIN,
        nodes,
        ifaces,
        bars,
        buses,
        bar_of,
    }
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

fn plan_host(topo: &Topology, host: NodeId, kids: &[NodeId]) -> HostPlan {
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
            col_x.push(PAD + (col0 + c) as f64 * cell + groups as f64 * GROUP_GAP);
        }
        groups += 1;
        i = j;
    }
    let next_x = col_x.last().map_or(PAD, |x| x + cell + GROUP_GAP);

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
        w: (max_x + PAD).max(name_w).max(220.0),
        h: content_bottom + PAD,
        children,
        bars: bars_rel,
    }
}

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
            IfaceKind::Vxlan => {
                let r = nodes[iface.node.index()];
                Some(Point::new(r.x + r.w + 1000.0, r.centre().y))
            }
            _ => None,
        },
    }
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
fn place_box_ifaces(
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
fn place_bar_ports(
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
    for bar in bars.iter_mut() {
        let xs = bar.ticks.iter().map(|t| t.1);
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        if lo.is_finite() {
            bar.x1 = lo - 40.0;
            bar.x2 = hi + 40.0;
        }
    }
    // Ports without a box below them: bar-to-bar patch cables and NICs.
    for (b, i) in extra {
        let target = match topo.iface(i).device {
            Device::Veth { peer, .. } => topo
                .iface(peer)
                .master
                .and_then(|m| bar_of[m.index()])
                .map(|ob| (bars[ob].x1 + bars[ob].x2) / 2.0),
            _ => None,
        };
        let bar = &mut bars[b];
        let mid = (bar.x1 + bar.x2) / 2.0;
        let x = match target {
            Some(t) if t < mid => {
                bar.x1 -= 24.0;
                bar.x1 + 6.0
            }
            _ => {
                bar.x2 += 24.0;
                bar.x2 - 6.0
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

impl Layout {
    /// Moves node `id` by (dx, dy), with everything drawn inside it (a
    /// host's children and bars) and the buses' drops of its NICs.
    pub fn translate_node(&mut self, topo: &Topology, id: NodeId, dx: f64, dy: f64) {
        if id.index() >= self.nodes.len() {
            return;
        }
        let inside: Vec<NodeId> = if topo.node(id).kind == NodeKind::Host {
            topo.nodes
                .iter()
                .filter(|n| n.id == id || n.on == Some(id))
                .map(|n| n.id)
                .collect()
        } else {
            vec![id]
        };
        for &n in &inside {
            let r = &mut self.nodes[n.index()];
            r.x += dx;
            r.y += dy;
            for &i in &topo.node(n).ifaces {
                let d = &mut self.ifaces[i.index()];
                d.at.x += dx;
                d.at.y += dy;
            }
        }
        for bar in self.bars.iter_mut().filter(|b| inside.contains(&b.node)) {
            bar.x1 += dx;
            bar.x2 += dx;
            bar.y += dy;
            for t in &mut bar.ticks {
                t.1 += dx;
            }
        }
        // A drop keeps its bus and follows its NIC sideways; the bus grows
        // to reach it.
        for bus in &mut self.buses {
            let mut moved = false;
            for (i, at) in &mut bus.drops {
                if inside.contains(&topo.iface(*i).node) {
                    at.x += dx;
                    moved = true;
                }
            }
            if moved {
                for (a, b) in &mut bus.segments {
                    if a.y == b.y {
                        for (_, at) in bus.drops.iter().filter(|d| d.1.y == a.y) {
                            a.x = a.x.min(at.x - 30.0);
                            b.x = b.x.max(at.x + 30.0);
                        }
                    }
                }
            }
        }
    }

    /// VXLAN tunnels as (vxlan interface, far end) pairs of points: to each
    /// remote's vxlan device when its node has one, else to the interface
    /// that holds the remote address.
    pub fn tunnels(&self, topo: &Topology) -> Vec<(Point, Point)> {
        let mut out = Vec::new();
        for i in &topo.ifaces {
            let Some(v) = i.vxlan() else { continue };
            for r in &v.remotes {
                let Some(o) = topo
                    .ifaces
                    .iter()
                    .find(|o| o.addresses.iter().any(|a| a.addr() == *r))
                else {
                    continue;
                };
                let far = topo
                    .node(o.node)
                    .ifaces
                    .iter()
                    .copied()
                    .find(|&x| topo.iface(x).kind() == IfaceKind::Vxlan)
                    .unwrap_or(o.id);
                out.push((self.ifaces[i.id.index()].at, self.ifaces[far.index()].at));
            }
        }
        out
    }

    /// The node whose box holds `p`, innermost first (a container before
    /// its host).
    pub fn node_at(&self, topo: &Topology, p: Point) -> Option<NodeId> {
        let mut best: Option<NodeId> = None;
        for n in &topo.nodes {
            if self.nodes[n.id.index()].contains(p) {
                match best {
                    Some(b) if topo.node(b).kind != NodeKind::Host => {}
                    _ => best = Some(n.id),
                }
            }
        }
        best
    }

    /// Pairs of node boxes that overlap though neither holds the other: a
    /// readable drawing has none.
    pub fn overlaps(&self, topo: &Topology) -> Vec<(NodeId, NodeId)> {
        let mut out = Vec::new();
        for a in &topo.nodes {
            for b in topo.nodes.iter().skip(a.id.index() + 1) {
                let nested = a.on == Some(b.id) || b.on == Some(a.id);
                if !nested && self.nodes[a.id.index()].overlaps(&self.nodes[b.id.index()]) {
                    out.push((a.id, b.id));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
