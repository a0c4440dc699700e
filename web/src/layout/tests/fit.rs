//! The fit: the whole drawing on screen, as large as fits, clear of the
//! zoom buttons, on every example and screen shape.
use super::*;

/// The screens the drawing is fitted to: the stage of a phone (390 x 844,
/// with and without a scrollbar) and of a desktop (1400 x 900), a very
/// wide and a very tall one.
const SCREENS: [(f64, f64); 5] = [
    (390.0, 489.0),
    (375.0, 407.0),
    (968.0, 436.0),
    (1400.0, 300.0),
    (300.0, 1400.0),
];

/// Everything the diagram draws at a fixed place, as boxes: node boxes,
/// host titles, bars, port labels, cable corners, buses and their names.
fn drawn(t: &Topology, l: &Layout) -> Vec<(String, Rect)> {
    let pt = |p: Point| Rect {
        x: p.x,
        y: p.y,
        w: 0.0,
        h: 0.0,
    };
    let mut out = Vec::new();
    for n in &t.nodes {
        out.push((n.name.clone(), l.nodes[n.id.index()]));
    }
    for r in l.host_titles(t) {
        out.push(("a host title".into(), r));
    }
    for b in &l.bars {
        let name = t.iface_label(b.bridge);
        out.push((
            name,
            Rect {
                x: b.x1,
                y: b.y,
                w: b.x2 - b.x1,
                h: 0.0,
            },
        ));
    }
    for i in &t.ifaces {
        let d = l.ifaces[i.id.index()];
        if d.side != Side::Hidden {
            out.push((t.iface_label(i.id), pt(d.at)));
        }
        if let Some(p) = l.port_label(t, i.id) {
            out.push((format!("label of {}", t.iface_label(i.id)), p.rect));
        }
    }
    for v in &t.veths {
        for p in l.cable(v.ends[0], v.ends[1]) {
            out.push((format!("cable of {}", t.iface_label(v.ends[0])), pt(p)));
        }
    }
    for b in &l.buses {
        for &(p, q) in &b.segments {
            out.push(("a bus".into(), pt(p)));
            out.push(("a bus".into(), pt(q)));
        }
        out.push(("a wire's name".into(), pt(b.label)));
    }
    out
}

/// Where the zoom buttons float on a `w` wide screen (three of 2.2rem,
/// .6rem from the top right corner).
fn buttons(w: f64) -> Rect {
    Rect {
        x: w - 124.0,
        y: 10.0,
        w: 114.0,
        h: 36.0,
    }
}

/// Checks that `v` shows all of the drawing on a `w` x `h` screen, clear
/// of `clear_of`, and as large as fits: centred in the whole screen, or in
/// the part under the buttons, or in the part to their left, and spanning
/// that part (less the edge) one way.
fn assert_fits(name: &str, t: &Topology, l: &Layout, (w, h): (f64, f64), clear_of: Option<Rect>) {
    let v = l.fit(t, w, h, clear_of);
    for (what, r) in drawn(t, l) {
        let a = v.to_screen(Point::new(r.x, r.y));
        let b = v.to_screen(Point::new(r.x + r.w, r.y + r.h));
        assert!(
            a.x >= FIT_EDGE - 0.5
                && a.y >= FIT_EDGE - 0.5
                && b.x <= w - FIT_EDGE + 0.5
                && b.y <= h - FIT_EDGE + 0.5,
            "{name} on {w}x{h}: {what} is drawn at {a:?}-{b:?}, off the screen"
        );
    }
    let e = v.on_screen(l.extent(t));
    if let Some(c) = clear_of {
        assert!(
            !e.overlaps(&c),
            "{name} on {w}x{h}: {e:?} is under the buttons"
        );
    }
    let mut areas = vec![Rect {
        x: 0.0,
        y: 0.0,
        w,
        h,
    }];
    if let Some(c) = clear_of {
        areas.push(Rect {
            x: 0.0,
            y: c.y + c.h,
            w,
            h: h - c.y - c.h,
        });
        areas.push(Rect {
            x: 0.0,
            y: 0.0,
            w: c.x,
            h,
        });
    }
    let fills = |a: &Rect| {
        let (left, right) = (e.x - a.x, a.x + a.w - e.x - e.w);
        let (top, bottom) = (e.y - a.y, a.y + a.h - e.y - e.h);
        let centred = (left - right).abs() < 1.0 && (top - bottom).abs() < 1.0;
        let spans = (left - FIT_EDGE).abs() < 1.0 || (top - FIT_EDGE).abs() < 1.0;
        centred && (spans || v.s >= FIT_MAX - 1e-9)
    };
    assert!(
        areas.iter().any(fills),
        "{name} on {w}x{h}: not centred or smaller than fits (drawn at {e:?}, scale {:.3})",
        v.s
    );
}

#[test]
fn the_fit_shows_the_whole_drawing_as_large_as_fits() {
    for (name, t) in all_topologies() {
        let l = layout(&t);
        for screen in SCREENS {
            assert_fits(&name, &t, &l, screen, None);
            assert_fits(&name, &t, &l, screen, Some(buttons(screen.0)));
        }
    }
    // A tall drawing on a phone reaches the top right corner: it goes
    // under the buttons, smaller than it would be without them.
    let t = load("nat-two-hosts.yaml");
    let l = layout(&t);
    let (free, clear) = (
        l.fit(&t, 375.0, 407.0, None),
        l.fit(&t, 375.0, 407.0, Some(buttons(375.0))),
    );
    assert!(clear.s < free.s);
}

#[test]
fn the_fit_follows_a_dragged_node() {
    // h2 dragged far right and up, h3 far left: out of the layout's
    // nominal box, and still shown whole.
    let t = load("stp.yaml");
    let mut l = layout(&t);
    l.translate_node(&t, node(&t, "h2"), 700.0, -400.0);
    l.translate_node(&t, node(&t, "h3"), -600.0, 0.0);
    for screen in SCREENS {
        assert_fits("stp dragged", &t, &l, screen, Some(buttons(screen.0)));
    }
}

#[test]
fn zooming_keeps_the_point_under_the_pointer() {
    let v = View {
        x: 30.0,
        y: -12.0,
        s: 0.7,
    };
    let p = Point::new(200.0, 150.0);
    let before = v.to_screen(p);
    for f in [0.5, 1.25, 3.0] {
        let after = v.zoom_at(before.x, before.y, f).to_screen(p);
        assert!((after.x - before.x).abs() < 1e-9 && (after.y - before.y).abs() < 1e-9);
    }
    assert_eq!(
        v.pan(5.0, -5.0).to_screen(p),
        Point::new(before.x + 5.0, before.y - 5.0)
    );
}
