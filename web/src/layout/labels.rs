//! What is written beside the drawing's things, as boxes: the label of a
//! bridge port under its bar, a host's title, the explanation callout of
//! the current hop; and the route of a patch cable between two bars. The
//! page draws from these, and the tests check that no two overlap.

use netsim_core::model::{Device, IfaceId, NodeKind, Topology};

use super::{Layout, Point, Rect, Side};

/// Width of one character of an interface's name (11px monospace) and of
/// its address (10.5px).
const NAME_CH: f64 = 6.6;
const ADDR_CH: f64 = 6.3;
/// Height of one row of port labels under a bar (a name and an address).
pub const LABEL_ROW: f64 = 28.0;
/// How far under its bar a port's label starts.
const LABEL_TOP: f64 = 12.0;
/// How far under the bars a patch cable dips, and how much further each
/// cable around another one.
const DIP: f64 = 48.0;
const DIP_STEP: f64 = 10.0;

/// The width of an interface's label (its name, its first address).
pub fn label_width(topo: &Topology, i: IfaceId) -> f64 {
    let iface = topo.iface(i);
    let name = iface.name.chars().count() as f64 * NAME_CH;
    let addr = iface
        .addresses
        .first()
        .map_or(0.0, |a| a.to_string().chars().count() as f64 * ADDR_CH);
    name.max(addr)
}

/// The label of a port on a bar: the anchor of its first line (text
/// starting there, the address 13 under it) and its box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PortLabel {
    pub at: Point,
    pub rect: Rect,
}

impl Layout {
    /// Where the label of bar port `i` goes: beside its tick, under the
    /// bar, in its row (neighbours whose labels would overlap take
    /// different rows). None for an interface that is not on a bar.
    pub fn port_label(&self, topo: &Topology, i: IfaceId) -> Option<PortLabel> {
        let row = self.label_row.get(i.index()).copied().unwrap_or(0);
        let rect = port_label_at(topo, self, i, row)?;
        Some(PortLabel {
            at: Point::new(rect.x, rect.y + 10.0),
            rect,
        })
    }

    /// The band of each host's box that holds its title.
    pub fn host_titles(&self, topo: &Topology) -> Vec<Rect> {
        topo.nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Host)
            .filter_map(|n| {
                let r = self.nodes.get(n.id.index())?;
                let chars = n.name.chars().count() + " (netns)".len();
                Some(Rect {
                    x: r.x + 8.0,
                    y: r.y + 4.0,
                    w: chars as f64 * 9.0 + 12.0,
                    h: 28.0,
                })
            })
            .collect()
    }

    /// Where a callout of size `w` x `h` about the point `at` goes: near
    /// it, over no host's title, on the drawing if it can be; towards the
    /// middle of the drawing first.
    pub fn callout(&self, topo: &Topology, at: Point, w: f64, h: f64) -> Rect {
        let titles = self.host_titles(topo);
        let right = at.x + 12.0;
        let left = at.x - 12.0 - w;
        let (near, far) = if at.x > self.width / 2.0 {
            (left, right)
        } else {
            (right, left)
        };
        let above = at.y - h - 10.0;
        let below = at.y + 16.0;
        let mut ys = vec![above, below];
        // Just under a title that one of those would cover.
        for t in &titles {
            ys.push(t.y + t.h + 4.0);
            ys.push(t.y - h - 4.0);
        }
        let mut cands = Vec::with_capacity(ys.len() * 2);
        for &y in &ys {
            for x in [near, far] {
                cands.push(Rect { x, y, w, h });
            }
        }
        // Bars, their ports' labels and the boxes in the hosts it had better
        // not hide either, though less so.
        let ports: Vec<Rect> = topo
            .ifaces
            .iter()
            .filter_map(|i| self.port_label(topo, i.id).map(|p| p.rect))
            .chain(self.bars.iter().map(|b| Rect {
                x: b.x1,
                y: b.y - 26.0,
                w: b.x2 - b.x1,
                h: 32.0,
            }))
            .chain(
                topo.nodes
                    .iter()
                    .filter(|n| n.kind != NodeKind::Host)
                    .filter_map(|n| self.nodes.get(n.id.index()).copied()),
            )
            .collect();
        let cost = |r: &Rect| -> f64 {
            let covered: f64 = titles.iter().map(|t| r.overlap_area(t)).sum();
            let hidden: f64 = ports.iter().map(|p| r.overlap_area(p)).sum();
            let off = (0.0 - r.x).max(0.0)
                + (r.x + r.w - self.width).max(0.0)
                + (0.0 - r.y).max(0.0)
                + (r.y + r.h - self.height).max(0.0);
            let c = r.centre();
            let dist = (c.x - at.x).abs() + (c.y - at.y).abs();
            let hides_hop = r.contains(at);
            covered * 1e6
                + f64::from(u8::from(hides_hop)) * 1e5
                + off * 100.0
                + hidden * 0.1
                + 2.0 * dist
        };
        cands
            .into_iter()
            .min_by(|a, b| cost(a).total_cmp(&cost(b)))
            .unwrap_or(Rect {
                x: right,
                y: above,
                w,
                h,
            })
    }

    /// The polyline a veth's cable is drawn along from `a` to `b`: straight,
    /// or, for a patch cable between two bars of one row that would run
    /// along a bar or along another cable, down under the bars, across and
    /// up.
    pub fn cable(&self, a: IfaceId, b: IfaceId) -> Vec<Point> {
        let at = |i: IfaceId| self.ifaces.get(i.index()).map(|d| d.at).unwrap_or_default();
        let (pa, pb) = (at(a), at(b));
        let dip = self
            .dips
            .iter()
            .find(|d| (d.0 == a && d.1 == b) || (d.0 == b && d.1 == a))
            .map_or(0.0, |d| d.2);
        if dip == 0.0 {
            return vec![pa, pb];
        }
        let y = pa.y.max(pb.y) + dip;
        vec![pa, Point::new(pa.x, y), Point::new(pb.x, y), pb]
    }
}

/// How deep each patch cable between two bars of one row dips: 0 (a
/// straight line) when no tick of a bar lies between its ends and no other
/// cable runs along it; else under the bars, one step deeper than every
/// cable it goes around, so that parallel cables nest and never overlap.
pub(super) fn dips(topo: &Topology, layout: &Layout) -> Vec<(IfaceId, IfaceId, f64)> {
    let on_bar = |i: IfaceId| {
        layout
            .ifaces
            .get(i.index())
            .is_some_and(|d| d.side == Side::Bar)
    };
    // (a, b, lo, hi, y)
    let mut cables: Vec<(IfaceId, IfaceId, f64, f64, f64)> = Vec::new();
    for v in &topo.veths {
        let [a, b] = v.ends;
        if !(on_bar(a) && on_bar(b) && matches!(topo.iface(a).device, Device::Veth { .. })) {
            continue;
        }
        let (pa, pb) = (layout.ifaces[a.index()].at, layout.ifaces[b.index()].at);
        if (pa.y - pb.y).abs() > 0.5 {
            continue;
        }
        cables.push((a, b, pa.x.min(pb.x), pa.x.max(pb.x), pa.y));
    }
    cables.sort_by(|x, y| (x.3 - x.2).total_cmp(&(y.3 - y.2)));
    let mut levels: Vec<u32> = Vec::with_capacity(cables.len());
    for (k, c) in cables.iter().enumerate() {
        let (lo, hi, y) = (c.2, c.3, c.4);
        let tick_between = layout.bars.iter().any(|bar| {
            (bar.y - y).abs() < 0.5 && bar.ticks.iter().any(|t| t.1 > lo + 0.5 && t.1 < hi - 0.5)
        });
        let mut level = u32::from(tick_between);
        for (o, &l) in cables[..k].iter().zip(&levels) {
            let same_row = (o.4 - y).abs() < 0.5;
            if same_row && o.2 < hi && lo < o.3 {
                level = level.max(l + 1);
            }
        }
        levels.push(level);
    }
    cables
        .iter()
        .zip(&levels)
        .filter(|(_, &l)| l > 0)
        .map(|(c, &l)| (c.0, c.1, DIP + f64::from(l - 1) * DIP_STEP))
        .collect()
}

/// Rows for the labels of each bar's ports: left to right, each label
/// takes the first row where it overlaps no label already placed.
pub(super) fn label_rows(topo: &Topology, layout: &Layout) -> Vec<u8> {
    let mut rows = vec![0u8; layout.ifaces.len()];
    for bar in &layout.bars {
        let mut placed: Vec<(Rect, u8)> = Vec::new();
        for &(i, _) in &bar.ticks {
            let mut row = 0u8;
            loop {
                rows[i.index()] = row;
                let Some(l) = port_label_at(topo, layout, i, row) else {
                    break;
                };
                let clash = placed
                    .iter()
                    .any(|(r, pr)| *pr == row && r.overlaps(&pad(&l, 4.0)));
                if !clash || row >= 3 {
                    placed.push((l, row));
                    break;
                }
                row += 1;
            }
        }
    }
    rows
}

fn pad(r: &Rect, by: f64) -> Rect {
    Rect {
        x: r.x - by,
        y: r.y,
        w: r.w + 2.0 * by,
        h: r.h,
    }
}

fn port_label_at(topo: &Topology, layout: &Layout, i: IfaceId, row: u8) -> Option<Rect> {
    let d = layout.ifaces.get(i.index())?;
    if d.side != Side::Bar {
        return None;
    }
    let two = !topo.iface(i).addresses.is_empty();
    Some(Rect {
        x: d.at.x + 7.0,
        y: d.at.y + LABEL_TOP + f64::from(row) * LABEL_ROW,
        w: label_width(topo, i),
        h: if two { 26.0 } else { 13.0 },
    })
}
