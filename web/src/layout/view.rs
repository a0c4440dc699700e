//! What of the drawing a screen shows: the box everything drawn fits in
//! ([`Layout::extent`]), and the pan and zoom transform ([`View`]) with the
//! fit that shows that box whole and as large as the screen allows, clear
//! of the controls floating over it.
//!
//! The extent is the drawing's own ink (boxes, bars, buses, cables, the
//! labels beside them), not `Layout::width` x `height`: those hold a
//! margin and the room a row of hosts keeps free on its right, and a node
//! dragged out of them is drawn all the same. Text widths are estimates
//! from the font sizes of the page's style sheet, a little generous.

use netsim_core::model::{NodeKind, Topology};

use super::{label_width, Layout, Point, Rect, Side};

/// Average width of one character, by font: the node labels (14px bold),
/// the bars' labels (13px bold), the wires' labels (12px semi-bold) and
/// the node kinds (11px).
const NODE_CH: f64 = 8.6;
const BAR_CH: f64 = 8.0;
const WIRE_CH: f64 = 7.4;
const KIND_CH: f64 = 6.2;

/// Screen pixels left around the fitted drawing, so that its edge does not
/// touch the screen's and a rounding of the text widths stays inside.
pub const FIT_EDGE: f64 = 16.0;
/// A small drawing is fitted no larger than this.
pub const FIT_MAX: f64 = 1.6;
const MIN_SCALE: f64 = 0.02;
const MAX_SCALE: f64 = 8.0;

/// Translation and scale: screen = drawing * s + (x, y).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub x: f64,
    pub y: f64,
    pub s: f64,
}

impl Default for View {
    fn default() -> View {
        View {
            x: 0.0,
            y: 0.0,
            s: 1.0,
        }
    }
}

impl View {
    /// The view that shows `extent` whole, centred on a `w` x `h` screen,
    /// as large as fits with [`FIT_EDGE`] to spare on every side. When
    /// that would put some of it under `clear_of` (the zoom buttons, in
    /// screen pixels), it goes under them or to their left instead,
    /// whichever leaves it larger.
    pub fn fit(extent: Rect, w: f64, h: f64, clear_of: Option<Rect>) -> View {
        let v = View::fit_in(
            extent,
            Rect {
                x: 0.0,
                y: 0.0,
                w,
                h,
            },
        );
        let Some(c) = clear_of else { return v };
        if !v.on_screen(extent).overlaps(&c) {
            return v;
        }
        let under = Rect {
            x: 0.0,
            y: c.y + c.h,
            w,
            h: h - (c.y + c.h),
        };
        let left = Rect {
            x: 0.0,
            y: 0.0,
            w: c.x,
            h,
        };
        let (a, b) = (View::fit_in(extent, under), View::fit_in(extent, left));
        if a.s >= b.s {
            a
        } else {
            b
        }
    }

    /// `extent` centred in the screen's `area`, as large as fits.
    fn fit_in(extent: Rect, area: Rect) -> View {
        let iw = (area.w - 2.0 * FIT_EDGE).max(1.0);
        let ih = (area.h - 2.0 * FIT_EDGE).max(1.0);
        let s = (iw / extent.w.max(1.0))
            .min(ih / extent.h.max(1.0))
            .clamp(MIN_SCALE, FIT_MAX);
        let (c, m) = (extent.centre(), area.centre());
        View {
            x: m.x - c.x * s,
            y: m.y - c.y * s,
            s,
        }
    }

    /// Zoomed by `factor` around the screen point (px, py), which stays put.
    pub fn zoom_at(self, px: f64, py: f64, factor: f64) -> View {
        let s = (self.s * factor).clamp(MIN_SCALE, MAX_SCALE);
        let f = s / self.s;
        View {
            x: px - (px - self.x) * f,
            y: py - (py - self.y) * f,
            s,
        }
    }

    /// Moved by (dx, dy) screen pixels.
    pub fn pan(self, dx: f64, dy: f64) -> View {
        View {
            x: self.x + dx,
            y: self.y + dy,
            s: self.s,
        }
    }

    /// Where the drawing's point `p` is on the screen.
    pub fn to_screen(self, p: Point) -> Point {
        Point::new(p.x * self.s + self.x, p.y * self.s + self.y)
    }

    /// Where the drawing's box `r` is on the screen.
    pub fn on_screen(self, r: Rect) -> Rect {
        let a = self.to_screen(Point::new(r.x, r.y));
        Rect {
            x: a.x,
            y: a.y,
            w: r.w * self.s,
            h: r.h * self.s,
        }
    }
}

/// The smallest box holding every box it is given.
#[derive(Debug, Clone, Copy, Default)]
struct Bounds(Option<(f64, f64, f64, f64)>);

impl Bounds {
    fn add(&mut self, x0: f64, y0: f64, x1: f64, y1: f64) {
        if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) {
            return;
        }
        let (x0, x1) = (x0.min(x1), x0.max(x1));
        let (y0, y1) = (y0.min(y1), y0.max(y1));
        self.0 = Some(match self.0 {
            Some((a, b, c, d)) => (a.min(x0), b.min(y0), c.max(x1), d.max(y1)),
            None => (x0, y0, x1, y1),
        });
    }

    fn rect(&mut self, r: Rect) {
        self.add(r.x, r.y, r.x + r.w, r.y + r.h);
    }

    /// A point with `by` around it (half a stroke, a dot's radius).
    fn point(&mut self, p: Point, by: f64) {
        self.add(p.x - by, p.y - by, p.x + by, p.y + by);
    }
}

impl Layout {
    /// The box that everything the still drawing paints fits in, in
    /// drawing units: node boxes and their labels, bars and theirs,
    /// interface dots and labels, veth cables (with their dips), the
    /// wires' buses and names. The moving layer (frames, the callout) is
    /// left out: it comes and goes. With nothing drawn, the layout's
    /// nominal box.
    pub fn extent(&self, topo: &Topology) -> Rect {
        let mut b = Bounds::default();
        for n in &topo.nodes {
            let Some(&r) = self.nodes.get(n.id.index()) else {
                continue;
            };
            b.rect(r);
            if n.kind != NodeKind::Host {
                // The name and kind, centred on the box.
                let kind = n.kind.as_str().chars().count() + 1;
                let w = n.name.chars().count() as f64 * NODE_CH + kind as f64 * KIND_CH;
                let cx = r.x + r.w / 2.0;
                b.add(cx - w / 2.0, r.y, cx + w / 2.0, r.y + r.h);
            }
        }
        for t in self.host_titles(topo) {
            b.rect(t);
        }
        for bar in &self.bars {
            b.add(bar.x1 - 5.0, bar.y - 10.0, bar.x2 + 5.0, bar.y + 10.0);
            let br = topo.iface(bar.bridge);
            let mut chars = br.name.chars().count();
            if let Some(a) = br.addresses.first() {
                chars += 1 + a.to_string().chars().count();
            }
            let x = bar.x1 + 4.0;
            b.add(x, bar.y - 26.0, x + chars as f64 * BAR_CH, bar.y - 12.0);
        }
        for i in &topo.ifaces {
            let Some(d) = self.ifaces.get(i.id.index()) else {
                continue;
            };
            let (at, w) = (d.at, label_width(topo, i.id));
            // As the diagram writes them: two lines beside the dot, on the
            // inner side; a Top or Bottom label one row further in when its
            // neighbour takes the first row.
            match d.side {
                Side::Hidden => continue,
                Side::Top => b.add(at.x - w / 2.0, at.y, at.x + w / 2.0, at.y + 59.0),
                Side::Bottom => b.add(at.x - w / 2.0, at.y - 58.0, at.x + w / 2.0, at.y),
                Side::Left => b.add(at.x + 9.0, at.y - 13.0, at.x + 9.0 + w, at.y + 14.0),
                Side::Right => b.add(at.x - 9.0 - w, at.y - 13.0, at.x - 9.0, at.y + 14.0),
                Side::Bar => match self.port_label(topo, i.id) {
                    Some(p) => b.rect(p.rect),
                    None => b.add(at.x + 7.0, at.y, at.x + 7.0 + w, at.y + 38.0),
                },
            }
            b.point(at, 7.0);
        }
        for v in &topo.veths {
            for p in self.cable(v.ends[0], v.ends[1]) {
                b.point(p, 2.0);
            }
        }
        for tun in self.tunnels(topo) {
            for p in tun.path {
                b.point(p, 2.0);
            }
        }
        for (k, bus) in self.buses.iter().enumerate() {
            for &(p, q) in &bus.segments {
                b.point(p, 4.0);
                b.point(q, 4.0);
            }
            for &(_, p) in &bus.drops {
                b.point(p, 4.0);
            }
            let name = topo.wires.get(k).map_or(0, |w| w.name.chars().count());
            let w = (name + "wire ".len()) as f64 * WIRE_CH;
            let l = bus.label;
            b.add(l.x - w / 2.0, l.y - 21.0, l.x + w / 2.0, l.y);
        }
        match b.0 {
            Some((x0, y0, x1, y1)) => Rect {
                x: x0,
                y: y0,
                w: x1 - x0,
                h: y1 - y0,
            },
            None => Rect {
                x: 0.0,
                y: 0.0,
                w: self.width,
                h: self.height,
            },
        }
    }

    /// The view that shows the whole drawing, as large as fits, on a
    /// `w` x `h` screen, clear of the controls at `clear_of` (see
    /// [`View::fit`]).
    pub fn fit(&self, topo: &Topology, w: f64, h: f64, clear_of: Option<Rect>) -> View {
        View::fit(self.extent(topo), w, h, clear_of)
    }
}
