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
    assert_eq!(tun[0].path, vec![v1.at, v2.at]);
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

mod fit;
mod shape;
