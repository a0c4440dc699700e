//! The layout's promises, checked on the examples and on generated topologies.
use super::*;
use netsim_core::examples;

fn load(file: &str) -> Topology {
    let e = examples::find(file).map(|e| e.yaml).unwrap_or_default();
    netsim_core::load(file, e).unwrap_or_else(|d| panic!("{d}"))
}

fn node(t: &Topology, name: &str) -> NodeId {
    t.node_by_name(name).unwrap_or_else(|| panic!("no {name}"))
}

fn iface(t: &Topology, n: &str, i: &str) -> IfaceId {
    t.iface_by_name(node(t, n), i)
        .unwrap_or_else(|| panic!("no {n}:{i}"))
}

#[test]
fn docker0_as_the_seed_draws_it() {
    let t = load("docker0.yaml");
    let l = layout(&t);
    let host = l.nodes[node(&t, "host").index()];
    let bus1 = l.nodes[node(&t, "bus1").index()];
    let bus2 = l.nodes[node(&t, "bus2").index()];
    let bar = &l.bars[l.bar_of[iface(&t, "host", "docker0").index()].unwrap_or(99)];
    // The containers inside the host, side by side, under the bar.
    for c in [bus1, bus2] {
        assert!(
            host.contains(Point::new(c.x, c.y)) && host.contains(Point::new(c.x + c.w, c.y + c.h))
        );
        assert!(c.y > bar.y, "container above the bar");
    }
    assert_eq!(bus1.y, bus2.y);
    assert!(host.contains(Point::new(bar.x1, bar.y)) && host.contains(Point::new(bar.x2, bar.y)));
    // One tick per port, each right above its container's eth0.
    assert_eq!(bar.ticks.len(), 2);
    for (c, v) in [("bus1", "veth2d6f8e9"), ("bus2", "vethb1c3a07")] {
        let eth0 = l.ifaces[iface(&t, c, "eth0").index()];
        let port = l.ifaces[iface(&t, "host", v).index()];
        assert_eq!(eth0.side, Side::Top);
        assert_eq!(port.side, Side::Bar);
        assert!((eth0.at.x - port.at.x).abs() < 1e-9);
        assert!((port.at.y - bar.y).abs() < 1e-9);
    }
    assert!(l.overlaps(&t).is_empty());
}

#[test]
fn router_between_its_two_bridges() {
    let t = load("router.yaml");
    let l = layout(&t);
    let x = |n: &str| l.nodes[node(&t, n).index()].x;
    assert!(x("c1") < x("r1") && x("c2") < x("r1"));
    assert!(x("r1") < x("c3") && x("r1") < x("c4"));
    assert_eq!(l.bars.len(), 2);
    // r1's two ends on two different bars.
    let a = l.ifaces[iface(&t, "host", "veth-r1a").index()].at;
    let b = l.ifaces[iface(&t, "host", "veth-r1b").index()].at;
    assert_ne!(
        a.y, b.y,
        "the two bars overlap at r1, so they take two lanes"
    );
    let sw2 = &l.bars[l.bar_of[iface(&t, "host", "SW2").index()].unwrap_or(99)];
    assert!(
        sw2.x1 > a.x,
        "SW2 does not reach over the cable from r1 to SW1"
    );
    assert!(l.overlaps(&t).is_empty());
}

#[test]
fn two_bridges_apart_with_their_patch_cable_between() {
    let t = load("two-bridges.yaml");
    let l = layout(&t);
    let bar = |b: &str| &l.bars[l.bar_of[iface(&t, "host", b).index()].unwrap_or(99)];
    let (sw1, sw2) = (bar("SW1"), bar("SW2"));
    assert_eq!(sw1.y, sw2.y, "no overlap, one lane");
    assert!(
        sw1.x2 + 40.0 < sw2.x1,
        "a visible gap: {} .. {}",
        sw1.x2,
        sw2.x1
    );
    let a = l.ifaces[iface(&t, "host", "sw1-sw2").index()].at;
    let b = l.ifaces[iface(&t, "host", "sw2-sw1").index()].at;
    assert!(a.x > sw1.ticks[0].1 && a.x <= sw1.x2, "at SW1's right end");
    assert!(
        b.x >= sw2.x1 && b.x < sw2.ticks[sw2.ticks.len() - 1].1,
        "at SW2's left end"
    );
    assert!(l.overlaps(&t).is_empty());
}

#[test]
fn wires_and_externals() {
    let t = load("nic-per-netns.yaml");
    let l = layout(&t);
    let pm = l.nodes[node(&t, "pm").index()];
    for ext in ["gw", "server"] {
        let r = l.nodes[node(&t, ext).index()];
        assert!(r.y > pm.y + pm.h, "{ext} is outside every host, under them");
    }
    assert_eq!(l.buses.len(), 2);
    let lan = &l.buses[0];
    assert_eq!(lan.drops.len(), 5);
    let y = lan.drops[0].1.y;
    assert!(y > pm.y + pm.h && y < l.nodes[node(&t, "gw").index()].y);
    for ext in ["gw", "server"] {
        for &i in &t.node(node(&t, ext)).ifaces[1..] {
            assert_eq!(
                l.ifaces[i.index()].side,
                Side::Top,
                "{ext}'s NICs face the bus above"
            );
        }
    }
    for (i, at) in &lan.drops {
        assert!((at.y - y).abs() < 1e-9);
        assert!(
            (l.ifaces[i.index()].at.x - at.x).abs() < 1e-9,
            "drop straight down"
        );
    }
    assert!(l.overlaps(&t).is_empty());
}

#[test]
fn every_example_is_finite_and_readable() {
    for e in examples::ALL {
        let t = load(e.file);
        let l = layout(&t);
        assert!(l.overlaps(&t).is_empty(), "{}", e.file);
        for d in &l.ifaces {
            assert!(d.at.x.is_finite() && d.at.y.is_finite(), "{}", e.file);
            assert!(
                d.at.x >= 0.0 && d.at.x <= l.width && d.at.y <= l.height,
                "{}",
                e.file
            );
        }
    }
}

#[test]
fn two_hundred_nodes_without_overlap() {
    let y = examples::generated(10, 19);
    let t = netsim_core::load("gen.yaml", &y).unwrap_or_else(|d| panic!("{d}"));
    assert!(t.nodes.len() >= 200);
    let l = layout(&t);
    assert!(l.overlaps(&t).is_empty());
    // Every container inside its host.
    for n in &t.nodes {
        if let Some(h) = n.on {
            let (r, hr) = (l.nodes[n.id.index()], l.nodes[h.index()]);
            assert!(
                hr.contains(Point::new(r.x, r.y)) && hr.contains(Point::new(r.x + r.w, r.y + r.h)),
                "{}",
                n.name
            );
        }
    }
    // Roughly as wide as high, not a 40000-unit strip.
    assert!(
        l.width / l.height < 4.0 && l.height / l.width < 4.0,
        "{} x {}",
        l.width,
        l.height
    );
    assert_eq!(l.buses[0].drops.len(), 10);
    // Each router (on the backbone) sits in its host's bottom row, so
    // its drop to the bus crosses no box.
    for h in 0..10 {
        let r = l.nodes[node(&t, &format!("r{h}")).index()];
        let hr = l.nodes[node(&t, &format!("h{h}")).index()];
        for n in t
            .nodes
            .iter()
            .filter(|n| n.on == Some(node(&t, &format!("h{h}"))))
        {
            let c = l.nodes[n.id.index()];
            assert!(c.y <= r.y, "{} below r{h}", n.name);
        }
        assert!(r.y + r.h < hr.y + hr.h);
    }
}

#[test]
fn vxlan_tunnels_between_hosts() {
    let t = netsim_core::load(
            "vx.yaml",
            r#"name: vx
nodes:
  h1:
    kind: host
    interfaces:
      eth0: { addresses: [192.168.1.11/24] }
      br0: { type: bridge }
      vx0: { type: vxlan, vni: 42, local: 192.168.1.11, remotes: [192.168.1.12], dev: eth0, master: br0 }
  h2:
    kind: host
    interfaces:
      eth0: { addresses: [192.168.1.12/24] }
      br0: { type: bridge }
      vx0: { type: vxlan, vni: 42, local: 192.168.1.12, remotes: [192.168.1.11], dev: eth0, master: br0 }
  c1: { kind: container, on: h1, interfaces: { eth0: { addresses: [10.0.0.1/24] } } }
  c2: { kind: container, on: h2, interfaces: { eth0: { addresses: [10.0.0.2/24] } } }
links:
  - wire: [h1:eth0, h2:eth0]
  - { veth: [c1:eth0, h1:v1], master: br0 }
  - { veth: [c2:eth0, h2:v2], master: br0 }
"#,
        )
        .unwrap_or_else(|d| panic!("{d}"));
    let l = layout(&t);
    assert!(l.overlaps(&t).is_empty());
    let tun = l.tunnels(&t);
    assert_eq!(tun.len(), 2, "one each way");
    let v1 = l.ifaces[iface(&t, "h1", "vx0").index()];
    let v2 = l.ifaces[iface(&t, "h2", "vx0").index()];
    assert_eq!(tun[0], (v1.at, v2.at));
    // Each vxlan device is a port of its host's bridge: on the bar.
    assert_eq!(v1.side, Side::Bar);
    let bar = &l.bars[l.bar_of[iface(&t, "h1", "br0").index()].unwrap_or(99)];
    assert!((v1.at.y - bar.y).abs() < 1e-9);
    assert!(bar.ticks.iter().any(|&(i, _)| i == iface(&t, "h1", "vx0")));
    // The hosts' NICs drop onto the wire under them.
    assert_eq!(l.buses[0].drops.len(), 2);
}

#[test]
fn dragging_a_host_moves_its_insides() {
    let t = load("docker0.yaml");
    let mut l = layout(&t);
    let before = l.clone();
    l.translate_node(&t, node(&t, "host"), 10.0, 5.0);
    let c = node(&t, "bus1").index();
    assert_eq!(l.nodes[c].x, before.nodes[c].x + 10.0);
    assert_eq!(l.bars[0].y, before.bars[0].y + 5.0);
    let e = iface(&t, "bus1", "eth0").index();
    assert_eq!(l.ifaces[e].at.y, before.ifaces[e].at.y + 5.0);
    // A container alone moves alone.
    l.translate_node(&t, node(&t, "bus1"), 3.0, 0.0);
    assert_eq!(l.nodes[c].x, before.nodes[c].x + 13.0);
    assert_eq!(
        l.nodes[node(&t, "bus2").index()].x,
        before.nodes[node(&t, "bus2").index()].x + 10.0
    );
    assert_eq!(l.node_at(&t, l.nodes[c].centre()), Some(node(&t, "bus1")));
}

/// Every example, and a generated one of 200 nodes.
fn all_topologies() -> Vec<(String, Topology)> {
    let mut out: Vec<(String, Topology)> = examples::ALL
        .iter()
        .map(|e| (e.file.to_string(), load(e.file)))
        .collect();
    let y = examples::generated(10, 19);
    out.push((
        "generated".into(),
        netsim_core::load("gen.yaml", &y).unwrap_or_else(|d| panic!("{d}")),
    ));
    out
}

#[test]
fn port_labels_on_bars_never_overlap() {
    for (name, t) in all_topologies() {
        let l = layout(&t);
        let labels: Vec<(IfaceId, Rect)> = t
            .ifaces
            .iter()
            .filter_map(|i| l.port_label(&t, i.id).map(|p| (i.id, p.rect)))
            .collect();
        for (k, (a, ra)) in labels.iter().enumerate() {
            for (b, rb) in &labels[k + 1..] {
                assert!(
                    !ra.overlaps(rb),
                    "{name}: the labels of {} and {} overlap: {ra:?} {rb:?}",
                    t.iface_label(*a),
                    t.iface_label(*b)
                );
            }
        }
    }
    // The ring's patch ports, three at h1's bar, have their labels apart.
    let t = load("stp.yaml");
    let l = layout(&t);
    let x = |i: &str| l.ifaces[iface(&t, "h1", i).index()].at.x;
    assert!((x("to-h2a") - x("to-h2b")).abs() > label_width(&t, iface(&t, "h1", "to-h2a")));
}

/// Whether the segments a-b and c-d lie on one line and share more than a
/// point.
fn collinear_overlap(a: Point, b: Point, c: Point, d: Point) -> bool {
    let cross =
        |o: Point, p: Point, q: Point| (p.x - o.x) * (q.y - o.y) - (p.y - o.y) * (q.x - o.x);
    if cross(a, b, c).abs() > 1e-6 || cross(a, b, d).abs() > 1e-6 {
        return false;
    }
    let horizontal = (a.x - b.x).abs() >= (a.y - b.y).abs();
    let (s, e, u, v) = if horizontal {
        (a.x.min(b.x), a.x.max(b.x), c.x.min(d.x), c.x.max(d.x))
    } else {
        (a.y.min(b.y), a.y.max(b.y), c.y.min(d.y), c.y.max(d.y))
    };
    s.max(u) < e.min(v) - 1.0
}

#[test]
fn cables_run_neither_along_bars_nor_along_each_other() {
    for (name, t) in all_topologies() {
        let l = layout(&t);
        let paths: Vec<(String, Vec<Point>)> = t
            .veths
            .iter()
            .map(|v| {
                let [a, b] = v.ends;
                (
                    format!("{}-{}", t.iface_label(a), t.iface_label(b)),
                    l.cable(a, b),
                )
            })
            .collect();
        for (k, (na, pa)) in paths.iter().enumerate() {
            assert!(pa.len() >= 2, "{name}: {na}");
            // Not along a bar: no stretch on a bar's line longer than the
            // bar's end beyond its outermost tick, and over no other tick.
            for w in pa.windows(2) {
                for bar in &l.bars {
                    let (p, q) = (w[0], w[1]);
                    if (p.y - bar.y).abs() > 0.5 || (q.y - bar.y).abs() > 0.5 {
                        continue;
                    }
                    let (lo, hi) = (p.x.min(q.x), p.x.max(q.x));
                    let along = hi.min(bar.x2) - lo.max(bar.x1);
                    assert!(along <= 12.0, "{name}: {na} runs {along} along a bar");
                    for &(_, tx) in &bar.ticks {
                        assert!(
                            tx <= lo + 0.5 || tx >= hi - 0.5,
                            "{name}: {na} runs over a tick at {tx}"
                        );
                    }
                }
            }
            // Not along another cable.
            for (nb, pb) in &paths[k + 1..] {
                assert_ne!(pa, pb, "{name}: {na} and {nb} are drawn the same");
                for w in pa.windows(2) {
                    for v in pb.windows(2) {
                        assert!(
                            !collinear_overlap(w[0], w[1], v[0], v[1]),
                            "{name}: {na} and {nb} run along each other"
                        );
                    }
                }
            }
        }
    }
    // In the ring, h1 and h2 are cabled twice: one cable dips under the
    // bars, and the two take distinct ways.
    for file in ["stp.yaml", "storm.yaml"] {
        let t = load(file);
        let l = layout(&t);
        let a = l.cable(iface(&t, "h1", "to-h2a"), iface(&t, "h2", "to-h1a"));
        let b = l.cable(iface(&t, "h1", "to-h2b"), iface(&t, "h2", "to-h1b"));
        assert_ne!(a, b);
        assert!(a.len() > 2 || b.len() > 2, "{file}: one of them is routed");
    }
}

#[test]
fn the_callout_covers_no_host_title() {
    for (name, t) in all_topologies() {
        let l = layout(&t);
        let titles = l.host_titles(&t);
        let mut places: Vec<Point> = l
            .ifaces
            .iter()
            .filter(|d| d.side != Side::Hidden)
            .map(|d| d.at)
            .collect();
        for n in &t.nodes {
            places.push(crate::anim::place_point(
                &l,
                &t,
                netsim_core::trace::Place::Node(n.id),
            ));
        }
        for b in &l.buses {
            places.push(b.label);
        }
        // One line, the usual three of 52 characters, a long one.
        for (w, h) in [(200.0, 25.0), (359.2, 55.0), (359.2, 100.0)] {
            for &at in &places {
                let r = l.callout(&t, at, w, h);
                for title in &titles {
                    assert!(
                        !r.overlaps(title),
                        "{name}: the callout at {at:?} ({r:?}) covers a title at {title:?}"
                    );
                }
                assert!(!r.contains(at), "{name}: the callout hides its hop");
            }
        }
    }
}

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

/// The fitted scale of `l` on a `w` x `h` screen.
fn fitted(t: &Topology, l: &Layout, (w, h): (f64, f64)) -> f64 {
    l.fit(t, w, h, None).s
}

/// On a wide screen (a desktop's drawing area) the hosts of the two-host
/// examples sit side by side, not one above the other; on a phone's they
/// stay stacked. Either way the drawing comes out at least as large as
/// with the fixed 16:10 wrap, on every example.
#[test]
fn hosts_wrap_for_the_shape_of_the_screen() {
    const DESKTOP: (f64, f64) = (968.0, 436.0);
    const PHONE: (f64, f64) = (375.0, 490.0);
    for file in ["vxlan-two-hosts.yaml", "nat-two-hosts.yaml"] {
        let t = load(file);
        let (h1, h2) = (node(&t, "host1"), node(&t, "host2"));
        let wide = layout_for(&t, DESKTOP.0 / DESKTOP.1);
        let (a, b) = (wide.nodes[h1.index()], wide.nodes[h2.index()]);
        assert_eq!(a.y, b.y, "{file}: on a desktop the hosts share a shelf");
        assert!(b.x >= a.x + a.w, "{file}: host2 right of host1");
        let tall = layout_for(&t, PHONE.0 / PHONE.1);
        let (a, b) = (tall.nodes[h1.index()], tall.nodes[h2.index()]);
        assert!(b.y >= a.y + a.h, "{file}: on a phone host2 is under host1");
    }
    for (name, t) in all_topologies() {
        let fixed = layout(&t);
        for screen in [DESKTOP, PHONE, (1400.0, 300.0), (300.0, 1400.0)] {
            let shaped = layout_for(&t, screen.0 / screen.1);
            let (s, f) = (fitted(&t, &shaped, screen), fitted(&t, &fixed, screen));
            assert!(
                s >= f * 0.98,
                "{name} on {screen:?}: fitted at {s:.3}, the 16:10 wrap at {f:.3}"
            );
        }
    }
}

/// Laid out for any shape, every example keeps the promises of the
/// drawing: boxes apart, everything finite.
#[test]
fn every_shape_keeps_boxes_apart() {
    for (name, t) in all_topologies() {
        for aspect in [0.5, 0.77, 1.0, 1.6, 2.2, 4.0] {
            let l = layout_for(&t, aspect);
            assert!(l.nodes.iter().all(|r| r.x.is_finite() && r.y.is_finite()));
            let hosts: Vec<_> = t.nodes.iter().filter(|n| n.on.is_none()).collect();
            for (i, a) in hosts.iter().enumerate() {
                for b in &hosts[i + 1..] {
                    let (ra, rb) = (l.nodes[a.id.index()], l.nodes[b.id.index()]);
                    assert!(
                        !ra.overlaps(&rb),
                        "{name} at {aspect}: {} and {} overlap",
                        a.name,
                        b.name
                    );
                }
            }
        }
    }
}

/// Whatever the screen's shape, no cable or tunnel between two hosts is
/// drawn through a third host when an arrangement without that exists:
/// the rings of stp and storm and the three-host overlay are not put in
/// one row (its middle host would sit on the cable between the others).
#[test]
fn no_cable_between_two_hosts_runs_through_a_third() {
    for file in ["stp.yaml", "storm.yaml", "vxlan-three-hosts.yaml"] {
        let t = load(file);
        for aspect in [0.77, 2.22, 4.7] {
            let l = layout_for(&t, aspect);
            assert_eq!(crossings(&t, &l), 0, "{file} at {aspect}");
        }
    }
    // The check itself: a segment through a box crosses it, one along
    // its edge or beside it does not.
    let r = Rect {
        x: 0.0,
        y: 0.0,
        w: 10.0,
        h: 10.0,
    };
    let p = Point::new;
    assert!(crosses(p(-5.0, 5.0), p(15.0, 5.0), r));
    assert!(crosses(p(-5.0, -5.0), p(15.0, 15.0), r));
    assert!(!crosses(p(-5.0, 0.0), p(15.0, 0.0), r));
    assert!(!crosses(p(-5.0, 12.0), p(15.0, 12.0), r));
    assert!(!crosses(p(-5.0, 5.0), p(-1.0, 5.0), r));
}

/// A vxlan port sits at the end of its bar nearest the hosts its tunnels
/// go to, so that a tunnel between two hosts side by side does not run
/// along a bar; an addressed vxlan (routed overlay) sits on the side of
/// its host's box that faces them, so that its tunnel does not cross the
/// host it ends in.
#[test]
fn a_vxlan_port_faces_its_tunnels() {
    let t = load("vxlan-routed.yaml");
    let l = layout_for(&t, 2.22);
    let (h1, h2) = (node(&t, "host1"), node(&t, "host2"));
    assert!(l.nodes[h1.index()].x < l.nodes[h2.index()].x);
    assert_eq!(
        l.ifaces[iface(&t, "host1", "vxlan0").index()].side,
        Side::Right
    );
    assert_eq!(
        l.ifaces[iface(&t, "host2", "vxlan0").index()].side,
        Side::Left
    );
    let t = load("vxlan-two-hosts.yaml");
    let l = layout_for(&t, 2.22);
    let v2 = iface(&t, "host2", "vxlan0");
    let bar = l
        .bars
        .iter()
        .find(|b| b.node == node(&t, "host2"))
        .expect("host2's bar");
    assert!(
        l.ifaces[v2.index()].at.x <= bar.ticks[0].1,
        "host2's vxlan0 first on its bar"
    );
    for (a, b) in l.tunnels(&t) {
        for other in &l.bars {
            let along = (a.y - other.y).abs() < 0.5
                && (b.y - other.y).abs() < 0.5
                && other
                    .ticks
                    .iter()
                    .any(|&(_, x)| x > a.x.min(b.x) + 0.5 && x < a.x.max(b.x) - 0.5);
            assert!(!along, "a tunnel runs along a bar, over its ports");
        }
    }
}

/// Three overlay hosts in one row: the tunnel between the outer two goes
/// over the tops of the hosts, not through the middle one; two hosts side
/// by side keep a straight tunnel between their facing vxlan ports.
#[test]
fn tunnels_go_over_a_row_of_hosts_when_a_straight_line_would_not_do() {
    let t = load("vxlan-three-hosts.yaml");
    let l = layout_for(&t, 2.22);
    let tops: Vec<f64> = ["host1", "host2", "host3"]
        .iter()
        .map(|h| l.nodes[node(&t, h).index()].y)
        .collect();
    assert!(tops.iter().all(|&y| y == tops[0]), "one row: {tops:?}");
    let paths = l.tunnel_paths(&t);
    assert_eq!(paths.len(), 6, "three hosts, two remotes each");
    assert!(
        paths.iter().any(|p| p.len() == 4 && p[1].y < tops[0]),
        "some tunnel goes over the hosts' tops"
    );
    assert_eq!(crossings(&t, &l), 0);
    let t = load("vxlan-two-hosts.yaml");
    let l = layout_for(&t, 2.22);
    assert!(l.tunnel_paths(&t).iter().all(|p| p.len() == 2));
}
