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

mod hosts;
mod ifaces;
mod labels;
mod shape;
mod tunnels;
mod view;

pub use labels::{label_width, PortLabel, LABEL_ROW};
pub use shape::layout_for;
pub use tunnels::Tunnel;
pub use view::{View, FIT_EDGE, FIT_MAX};

use netsim_core::model::{IfaceId, NodeId, NodeKind, Topology};

use hosts::{plan_host, HostPlan};
use ifaces::{place_bar_ports, place_box_ifaces};
use tunnels::tunnel_ends;

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

    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }

    /// The area the two boxes share (0 when apart).
    pub fn overlap_area(&self, o: &Rect) -> f64 {
        let w = (self.x + self.w).min(o.x + o.w) - self.x.max(o.x);
        let h = (self.y + self.h).min(o.y + o.h) - self.y.max(o.y);
        w.max(0.0) * h.max(0.0)
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
    /// Indexed by [`IfaceId`]: the row of a bar port's label under its
    /// bar (see [`Layout::port_label`]).
    pub label_row: Vec<u8>,
    /// Patch cables between two bars of one row drawn under the bars, with
    /// how far under (see [`Layout::cable`]).
    pub dips: Vec<(IfaceId, IfaceId, f64)>,
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

/// Lays out `topo`. Deterministic: the same topology always gives the same
/// drawing.
///
/// Hosts go on shelves, wrapped to a width that keeps the drawing about
/// 16:10 ([`layout_for`] wraps them for the shape of the screen instead).
pub fn layout(topo: &Topology) -> Layout {
    layout_wrapped(topo, None)
}

/// [`layout`] with hosts wrapped at `wrap` (the 16:10 width if `None`).
///
/// The ports at the ends of a bar (patch cables to other bars, NICs) go
/// to the end nearest where their cable goes, which is known only once the
/// hosts are placed: a host whose ports (with their labels) do not fit in
/// its box is widened on that side and everything is placed again (at
/// most twice more).
fn layout_wrapped(topo: &Topology, wrap: Option<f64>) -> Layout {
    let mut room = vec![(0.0, 0.0); topo.nodes.len()];
    let mut l = layout_with(topo, &room, wrap);
    for _ in 0..2 {
        let over = ifaces::overflow(topo, &l);
        if over.iter().all(|o| o.0 <= 0.5 && o.1 <= 0.5) {
            break;
        }
        for (r, o) in room.iter_mut().zip(&over) {
            r.0 += o.0;
            r.1 += o.1;
        }
        l = layout_with(topo, &room, wrap);
    }
    l
}

fn layout_with(topo: &Topology, room: &[(f64, f64)], wrap: Option<f64>) -> Layout {
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
        .map(|&h| plan_host(topo, h, &children[h.index()], room[h.index()]))
        .collect();

    // Hosts on shelves, wrapped at `wrap` or else to a width that keeps
    // the drawing about 16:10; each shelf leaves room under it for the
    // wires' buses.
    let area: f64 = plans
        .iter()
        .map(|p| (p.w + HOST_GAP) * (p.h + HOST_GAP))
        .sum();
    let widest = plans.iter().map(|p| p.w).fold(0.0, f64::max);
    let target = wrap.unwrap_or_else(|| (area * 1.6).sqrt()).max(widest);
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

    let mut out = Layout {
        width: width.max(400.0) + MARGIN,
        height: height.max(300.0) + MARGIN,
        nodes,
        ifaces,
        bars,
        buses,
        bar_of,
        label_row: Vec::new(),
        dips: Vec::new(),
    };
    out.label_row = labels::label_rows(topo, &out);
    out.dips = labels::dips(topo, &out);
    out
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
