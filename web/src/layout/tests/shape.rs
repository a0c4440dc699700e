//! The layout for a screen's shape ([`layout_for`]): how hosts wrap,
//! cables kept off third hosts, and vxlan tunnels.
use super::*;
use crate::layout::shape::{crosses, crossings};

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
    let segments: Vec<(Point, Point)> = l
        .tunnels(&t)
        .iter()
        .flat_map(|tun| {
            tun.path
                .windows(2)
                .map(|w| (w[0], w[1]))
                .collect::<Vec<_>>()
        })
        .collect();
    for (a, b) in segments {
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
    let tunnels = l.tunnels(&t);
    assert_eq!(tunnels.len(), 6, "three hosts, two remotes each");
    assert!(
        tunnels
            .iter()
            .any(|t| t.path.len() == 4 && t.path[1].y < tops[0]),
        "some tunnel goes over the hosts' tops"
    );
    assert_eq!(crossings(&t, &l), 0);
    let t = load("vxlan-two-hosts.yaml");
    let l = layout_for(&t, 2.22);
    assert!(l.tunnels(&t).iter().all(|t| t.path.len() == 2));
}
