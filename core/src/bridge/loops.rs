//! Loops in the layer-2 graph: where a broadcast storm goes round.
//!
//! The switches (bridges and wires) are the vertices; a veth pair whose two
//! ends are ports of switches, or a NIC that is a bridge port on a wire, is
//! an edge. A port that the spanning tree blocks is no edge: frames never
//! cross it. A cycle of this graph is a loop that a flooded frame goes
//! round for ever, copied at every bridge with more than two ports: a
//! storm. [`find_loop`] names the ports of one such loop.
//!
//! Promises: a pure function of the topology and the tree; no panics.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use super::stp::SpanningTree;
use crate::model::{Device, IfaceId, Topology};
use crate::trace::Switch;

/// A link between two switches, with its ports from `a`'s side to `b`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edge {
    a: Switch,
    b: Switch,
    ports: Vec<IfaceId>,
}

/// The switch `port` belongs to, unless it is not a switch port or it
/// blocks.
fn switch_of(topo: &Topology, tree: Option<&SpanningTree>, port: IfaceId) -> Option<Switch> {
    let m = topo.iface(port).master?;
    (!tree.is_some_and(|t| t.blocks(port))).then_some(Switch::Bridge(m))
}

fn edges(topo: &Topology, tree: Option<&SpanningTree>) -> Vec<Edge> {
    let mut out = Vec::new();
    for v in &topo.veths {
        let [p, x] = v.ends;
        if let (Some(a), Some(b)) = (switch_of(topo, tree, p), switch_of(topo, tree, x)) {
            out.push(Edge {
                a,
                b,
                ports: vec![p, x],
            });
        }
    }
    for w in &topo.wires {
        for &n in &w.ends {
            if let (Some(a), Device::Nic { wire }) =
                (switch_of(topo, tree, n), &topo.iface(n).device)
            {
                out.push(Edge {
                    a,
                    b: Switch::Wire(*wire),
                    ports: vec![n],
                });
            }
        }
    }
    out
}

/// The ports of a loop that frames flooded at `start` go round, in order
/// (each port followed by the one its frames arrive on): the shortest loop
/// through the first link, in breadth-first order from `start`, that lies
/// on one. Empty when no loop is reachable from `start`. With `start`
/// `None`, any loop of the topology.
pub fn find_loop(
    topo: &Topology,
    tree: Option<&SpanningTree>,
    start: Option<Switch>,
) -> Vec<IfaceId> {
    let edges = edges(topo, tree);
    if !has_cycle(&edges) {
        return Vec::new(); // the common case, in one pass
    }
    let mut adj: FxHashMap<Switch, Vec<usize>> = FxHashMap::default();
    for (k, e) in edges.iter().enumerate() {
        adj.entry(e.a).or_default().push(k);
        if e.b != e.a {
            adj.entry(e.b).or_default().push(k);
        }
    }
    let starts: Vec<Switch> = match start {
        Some(s) => vec![s],
        None => edges.iter().map(|e| e.a).collect(),
    };
    let mut done: Vec<Switch> = Vec::new();
    for s in starts {
        if done.contains(&s) {
            continue; // a component already searched
        }
        // Links in breadth-first order from `s`.
        let mut order = Vec::new();
        let mut seen = vec![s];
        let mut queue = VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            for &k in adj.get(&u).map_or(&[][..], |v| v.as_slice()) {
                if !order.iter().any(|&(j, _)| j == k) {
                    order.push((k, u));
                }
                let v = other(&edges[k], u);
                if !seen.contains(&v) {
                    seen.push(v);
                    queue.push_back(v);
                }
            }
        }
        done.extend(seen.iter().copied());
        for (k, u) in order {
            let e = &edges[k];
            let v = other(e, u);
            if let Some(path) = path_without(&edges, &adj, v, u, k) {
                let mut ports = e.ports.clone();
                if e.a != u {
                    ports.reverse();
                }
                let mut at = v;
                for j in path {
                    let f = &edges[j];
                    if f.a == at {
                        ports.extend(f.ports.iter().copied());
                        at = f.b;
                    } else {
                        ports.extend(f.ports.iter().rev().copied());
                        at = f.a;
                    }
                }
                return ports;
            }
        }
    }
    Vec::new()
}

/// The warning `netsim check` gives before running a topology whose
/// bridges make a loop that no spanning tree breaks, if it has one.
pub fn warning(topo: &Topology) -> Option<String> {
    let tree = SpanningTree::any(topo).then(|| SpanningTree::compute(topo));
    let ports = find_loop(topo, tree.as_ref(), None);
    if ports.is_empty() {
        return None;
    }
    let names: Vec<String> = ports.iter().map(|&p| topo.iface_label(p)).collect();
    Some(format!(
        "the bridge ports {} make a loop that no spanning tree breaks: a broadcast sent into it goes round for ever (a broadcast storm); set `stp: true` on the bridges of the loop",
        names.join(" → ")
    ))
}

/// Whether some link joins two switches already joined (union-find).
fn has_cycle(edges: &[Edge]) -> bool {
    let mut parent: FxHashMap<Switch, Switch> = FxHashMap::default();
    fn root(parent: &mut FxHashMap<Switch, Switch>, mut x: Switch) -> Switch {
        while let Some(&p) = parent.get(&x) {
            if p == x {
                break;
            }
            // Path halving keeps the chains short.
            let gp = parent.get(&p).copied().unwrap_or(p);
            parent.insert(x, gp);
            x = gp;
        }
        x
    }
    for e in edges {
        let (a, b) = (root(&mut parent, e.a), root(&mut parent, e.b));
        if a == b {
            return true;
        }
        parent.insert(a, b);
    }
    false
}

fn other(e: &Edge, u: Switch) -> Switch {
    if e.a == u {
        e.b
    } else {
        e.a
    }
}

/// The shortest path of links from `from` to `to` that does not use link
/// `skip` (empty when they are the same switch).
fn path_without(
    edges: &[Edge],
    adj: &FxHashMap<Switch, Vec<usize>>,
    from: Switch,
    to: Switch,
    skip: usize,
) -> Option<Vec<usize>> {
    let mut via: FxHashMap<Switch, Option<usize>> = FxHashMap::default();
    via.insert(from, None);
    let mut queue = VecDeque::from([from]);
    while let Some(u) = queue.pop_front() {
        if u == to {
            let mut path = Vec::new();
            let mut at = u;
            while let Some(Some(k)) = via.get(&at) {
                path.push(*k);
                at = other(&edges[*k], at);
            }
            path.reverse();
            return Some(path);
        }
        for &k in adj.get(&u).map_or(&[][..], |v| v.as_slice()) {
            if k == skip {
                continue;
            }
            let v = other(&edges[k], u);
            if let std::collections::hash_map::Entry::Vacant(slot) = via.entry(v) {
                slot.insert(Some(k));
                queue.push_back(v);
            }
        }
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::NodeId;

    fn load(yaml: &str) -> Topology {
        crate::load("t.yaml", yaml).unwrap_or_else(|d| panic!("{d}"))
    }

    fn labels(topo: &Topology, ports: &[IfaceId]) -> Vec<String> {
        ports.iter().map(|&p| topo.iface_label(p)).collect()
    }

    /// Three hosts, each with a bridge, cabled in a ring.
    pub(crate) fn ring(stp: bool) -> String {
        format!(
            "
name: ring
nodes:
  h1: {{ kind: host, interfaces: {{ br0: {{ type: bridge, stp: {stp}, mac: '02:00:00:00:00:01' }}, to-h3: {{ master: br0 }} }} }}
  h2: {{ kind: host, interfaces: {{ br0: {{ type: bridge, stp: {stp}, mac: '02:00:00:00:00:02' }}, to-h1: {{ master: br0 }} }} }}
  h3: {{ kind: host, interfaces: {{ br0: {{ type: bridge, stp: {stp}, mac: '02:00:00:00:00:03' }}, to-h2: {{ master: br0 }} }} }}
links:
  - {{ veth: [h2:to-h1, h1:to-h2], master: br0 }}
  - {{ veth: [h3:to-h2, h2:to-h3], master: br0 }}
  - {{ veth: [h1:to-h3, h3:to-h1], master: br0 }}
"
        )
    }

    #[test]
    fn a_ring_of_three_bridges_is_one_loop_of_six_ports() {
        let t = load(&ring(false));
        let br = |n: &str| {
            let node = t.node_by_name(n).unwrap_or_else(|| panic!("{n}"));
            Switch::Bridge(
                t.iface_by_name(node, "br0")
                    .unwrap_or_else(|| panic!("br0")),
            )
        };
        assert_eq!(
            labels(&t, &find_loop(&t, None, Some(br("h1")))),
            ["h1:to-h2", "h2:to-h1", "h2:to-h3", "h3:to-h2", "h3:to-h1", "h1:to-h3"]
        );
        // Spanning tree on: the blocked port breaks the ring.
        let t = load(&ring(true));
        let tree = SpanningTree::compute(&t);
        assert!(find_loop(&t, Some(&tree), None).is_empty());
    }

    #[test]
    fn two_cables_between_two_bridges_and_a_cable_to_itself_are_loops() {
        let t = load(
            "
name: two
nodes:
  h:
    kind: host
    interfaces:
      br0: { type: bridge }
      br1: { type: bridge }
      a0: { master: br0 }
      b0: { master: br0 }
      s0: { master: br1 }
links:
  - { veth: [h:a0, h:a1], master: br1 }
  - { veth: [h:b0, h:b1], master: br1 }
  - { veth: [h:s0, h:s1], master: br1 }
",
        );
        let br1 = t.iface_by_name(NodeId(0), "br1").map(Switch::Bridge);
        let ports = labels(&t, &find_loop(&t, None, br1));
        assert_eq!(ports, ["h:a1", "h:a0", "h:b0", "h:b1"]);
        // Without a0/b0 the cable from br1 to itself still loops.
        let t = load(
            "
name: self
nodes:
  h:
    kind: host
    interfaces:
      br1: { type: bridge }
      s0: { master: br1 }
links:
  - { veth: [h:s0, h:s1], master: br1 }
",
        );
        assert_eq!(labels(&t, &find_loop(&t, None, None)), ["h:s0", "h:s1"]);
    }
}
