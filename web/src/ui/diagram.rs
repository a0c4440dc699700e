//! The still drawing of a topology, from its [`Layout`]: hosts, their
//! containers and routers, bridges as bars with a tick per port, veth
//! pairs, wires as buses, external nodes, vxlan tunnels as dashed lines.
//! Its props change only when the scenario changes or a node is dragged,
//! so playback never redraws it.

use netsim_core::bridge::stp::SpanningTree;
use netsim_core::model::{IfaceKind, NodeId, NodeKind};
use yew::prelude::*;

use crate::layout::{Layout, Point, Side};
use crate::model::{Shared, Topo};

#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    pub topo: Topo,
    pub layout: Shared<Layout>,
    pub selected: Option<NodeId>,
}

fn line(a: Point, b: Point, class: &'static str) -> Html {
    html! {
        <line class={class} x1={fmt(a.x)} y1={fmt(a.y)} x2={fmt(b.x)} y2={fmt(b.y)} />
    }
}

pub fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

fn text(p: Point, class: &'static str, anchor: &'static str, s: String) -> Html {
    html! {
        <text class={class} x={fmt(p.x)} y={fmt(p.y)} text-anchor={anchor}>{ s }</text>
    }
}

#[function_component(Diagram)]
pub fn diagram(props: &Props) -> Html {
    let t = &props.topo;
    let l = &props.layout;

    // Boxes: hosts first (behind), then the nodes inside them, then the rest.
    let host_boxes = t.nodes.iter().filter(|n| n.kind == NodeKind::Host).map(|n| {
        let r = l.nodes[n.id.index()];
        let sel = if props.selected == Some(n.id) { "host selected" } else { "host" };
        html! {
            <g class="node-g" data-node={n.id.0.to_string()} data-name={n.name.clone()}>
                <rect class={sel} x={fmt(r.x)} y={fmt(r.y)} width={fmt(r.w)} height={fmt(r.h)} rx="16" />
                { text(Point::new(r.x + 14.0, r.y + 24.0), "host-label", "start", format!("{} (netns)", n.name)) }
            </g>
        }
    });
    let node_boxes = t.nodes.iter().filter(|n| n.kind != NodeKind::Host).map(|n| {
        let r = l.nodes[n.id.index()];
        let kind = n.kind.as_str();
        let class = classes!(
            "box",
            kind,
            (props.selected == Some(n.id)).then_some("selected")
        );
        // The name goes where no interface label is.
        let top_dots = n
            .ifaces
            .iter()
            .any(|&i| l.ifaces[i.index()].side == Side::Top);
        let y = if top_dots { r.y + r.h - 12.0 } else { r.y + 20.0 };
        let rx = if n.kind == NodeKind::External { "26" } else { "8" };
        html! {
            <g class="node-g" data-node={n.id.0.to_string()} data-name={n.name.clone()}>
                <rect class={class} x={fmt(r.x)} y={fmt(r.y)} width={fmt(r.w)} height={fmt(r.h)} rx={rx} />
                <text class="node-label" x={fmt(r.x + r.w / 2.0)} y={fmt(y)} text-anchor="middle">
                    { &n.name }<tspan class="kind">{ format!(" {kind}") }</tspan>
                </text>
            </g>
        }
    });

    // Cables.
    let veths = t.veths.iter().flat_map(|v| {
        l.cable(v.ends[0], v.ends[1])
            .windows(2)
            .map(|w| line(w[0], w[1], "veth"))
            .collect::<Vec<_>>()
    });
    let buses = l.buses.iter().enumerate().map(|(w, b)| {
        let name = t.wires.get(w).map(|w| w.name.clone()).unwrap_or_default();
        html! {
            <g class="wire">
                { for b.segments.iter().map(|(a, c)| line(*a, *c, "bus")) }
                { for b.drops.iter().map(|(i, at)| line(l.ifaces[i.index()].at, *at, "drop")) }
                { text(Point::new(b.label.x, b.label.y - 7.0), "wire-label", "middle", format!("wire {name}")) }
            </g>
        }
    });
    let bars = l.bars.iter().map(|b| {
        let br = t.iface(b.bridge);
        let addr = br
            .addresses
            .first()
            .map(|a| format!(" {a}"))
            .unwrap_or_default();
        html! {
            <g class="bridge" data-bridge={br.name.clone()}>
                <line class="bar" x1={fmt(b.x1)} y1={fmt(b.y)} x2={fmt(b.x2)} y2={fmt(b.y)} />
                { for b.ticks.iter().map(|(_, x)| line(Point::new(*x, b.y - 9.0), Point::new(*x, b.y + 9.0), "tick")) }
                { text(Point::new(b.x1 + 4.0, b.y - 12.0), "bar-label", "start", format!("{}{addr}", br.name)) }
            </g>
        }
    });
    // VXLAN: a dashed line to each remote (over the hosts' tops when a
    // straight one would run along a bar over other ports).
    let tunnels = l
        .tunnels(t)
        .iter()
        .flat_map(|tun| {
            tun.path
                .windows(2)
                .map(|w| line(w[0], w[1], "vxlan"))
                .collect::<Vec<_>>()
        })
        .collect::<Html>();

    // Interface dots and their labels (name, first address).
    // Neighbouring dots on one edge take turns for the label row, so that
    // two addresses side by side do not overlap.
    let mut row = vec![0.0f64; t.ifaces.len()];
    for n in &t.nodes {
        for side in [Side::Top, Side::Bottom] {
            let mut on: Vec<_> = n
                .ifaces
                .iter()
                .filter(|&&i| l.ifaces[i.index()].side == side)
                .copied()
                .collect();
            on.sort_by(|a, b| {
                l.ifaces[a.index()]
                    .at
                    .x
                    .total_cmp(&l.ifaces[b.index()].at.x)
            });
            for (k, i) in on.iter().enumerate() {
                let shift = if k % 2 == 1 { 26.0 } else { 0.0 };
                row[i.index()] = if side == Side::Top { shift } else { -shift };
            }
        }
    }
    // Ports the spanning tree blocks (core decides; the page only draws).
    let tree = SpanningTree::any(t).then(|| SpanningTree::compute(t));
    let dots = t
        .ifaces
        .iter()
        .filter(|i| l.ifaces[i.id.index()].side != Side::Hidden)
        .map(|i| {
            let mut d = l.ifaces[i.id.index()];
            let dot = d.at;
            d.at.y += row[i.id.index()];
            let addr = i
                .addresses
                .first()
                .map(|a| a.to_string())
                .unwrap_or_default();
            let (p1, p2, anchor) = match d.side {
                Side::Top => (
                    Point::new(d.at.x, d.at.y + 16.0),
                    Point::new(d.at.x, d.at.y + 29.0),
                    "middle",
                ),
                Side::Bottom => (
                    Point::new(d.at.x, d.at.y - 19.0),
                    Point::new(d.at.x, d.at.y - 6.0),
                    "middle",
                ),
                Side::Left => (
                    Point::new(d.at.x + 9.0, d.at.y - 2.0),
                    Point::new(d.at.x + 9.0, d.at.y + 11.0),
                    "start",
                ),
                Side::Right => (
                    Point::new(d.at.x - 9.0, d.at.y - 2.0),
                    Point::new(d.at.x - 9.0, d.at.y + 11.0),
                    "end",
                ),
                // On a bar: beside the cable, under the bar, in the row
                // the layout gave it.
                Side::Bar if l.port_label(t, i.id).is_some() => {
                    let at = l.port_label(t, i.id).map(|p| p.at).unwrap_or(d.at);
                    (at, Point::new(at.x, at.y + 13.0), "start")
                }
                Side::Bar | Side::Hidden => (
                    Point::new(d.at.x + 7.0, d.at.y + 22.0),
                    Point::new(d.at.x + 7.0, d.at.y + 35.0),
                    "start",
                ),
            };
            let blocking = tree.as_ref().is_some_and(|tr| tr.blocks(i.id));
            let class = if blocking {
                "dot blocking-dot"
            } else if i.kind() == IfaceKind::Vxlan {
                "dot vxlan-dot"
            } else {
                "dot"
            };
            html! {
                <g class="iface" data-iface={t.iface_label(i.id)}>
                    <circle class={class} cx={fmt(dot.x)} cy={fmt(dot.y)} r="5">
                        if blocking {
                            <title>{ "blocking (STP)" }</title>
                        }
                    </circle>
                    { text(p1, "if-name", anchor, i.name.clone()) }
                    if !addr.is_empty() {
                        { text(p2, "if-addr", anchor, addr) }
                    }
                </g>
            }
        });
    html! {
        <g class="diagram">
            <rect class="backdrop" x="-100000" y="-100000" width="200000" height="200000" />
            { for host_boxes }
            <g class="cables">{ for veths }{ for buses }{ tunnels }</g>
            { for bars }
            { for node_boxes }
            { for dots }
        </g>
    }
}
