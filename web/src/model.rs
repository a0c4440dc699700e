//! The page's model: plain data made from `netsim-core`, no Yew here.
//!
//! A scenario is a resolved topology and its drawing; a [`Run`] is one
//! probe simulated the way the CLI runs it (on a fresh simulator that ran
//! the file's earlier probes first, so ARP caches and FDBs are as the CLI
//! has them), with its trace. The state of any node at any event of a run
//! is recomputed on demand by replaying the run to that event, so stepping
//! back is exact.

use std::rc::Rc;
use std::sync::Arc;

use netsim_core::examples;
use netsim_core::model::{NodeId, Probe, ProbeProto, Topology};
use netsim_core::sim::{describe_outcome, describe_probe, ProbeOutcome, Sim};
use netsim_core::trace::{self, Event};
use netsim_core::view::{self, View};

use crate::anim::{self, Move};
use crate::layout::{self, Layout};

/// A fresh simulator of a shared topology.
fn new_sim(topo: &Arc<Topology>) -> Sim {
    Sim::new(Arc::clone(topo))
}

/// A built-in scenario, loaded, or the errors that stopped it.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// `docker0` for `examples/docker0.yaml`; `scale-HxN` for a generated one.
    pub key: String,
    pub file: String,
    pub title: String,
    pub description: String,
    pub topo: Option<Arc<Topology>>,
    /// The diagnostics, when the file does not load.
    pub error: Option<String>,
}

impl PartialEq for Scenario {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}

/// Every built-in example, in order.
pub fn scenarios() -> Vec<Scenario> {
    examples::ALL
        .iter()
        .map(|e| scenario(e.file.trim_end_matches(".yaml"), e.file, e.yaml))
        .collect()
}

/// A built-in example or, for `scale-HxN`, a generated topology of H hosts
/// with N containers each (the page's scale test).
pub fn find_scenario(key: &str) -> Option<Scenario> {
    if let Some(e) = examples::find(&format!("{key}.yaml")) {
        return Some(scenario(key, e.file, e.yaml));
    }
    let (h, n) = key.strip_prefix("scale-")?.split_once('x')?;
    let (h, n) = (h.parse().ok()?, n.parse().ok()?);
    let yaml = examples::generated(h, n);
    Some(scenario(key, "generated", &yaml))
}

fn scenario(key: &str, file: &str, yaml: &str) -> Scenario {
    match netsim_core::load(file, yaml) {
        Ok(t) => Scenario {
            key: key.to_string(),
            file: file.to_string(),
            title: t.name.clone(),
            description: t.description.trim().to_string(),
            topo: Some(Arc::new(t)),
            error: None,
        },
        Err(d) => Scenario {
            key: key.to_string(),
            file: file.to_string(),
            title: key.to_string(),
            description: String::new(),
            topo: None,
            error: Some(d.to_string()),
        },
    }
}

/// The key of the scenario the page opens with.
pub fn default_key() -> &'static str {
    examples::DEFAULT.trim_end_matches(".yaml")
}

/// The drawing of a topology, for a drawing area `aspect` times as wide
/// as it is high when that is known.
pub fn draw(topo: &Topology, aspect: Option<f64>) -> Layout {
    match aspect {
        Some(a) => layout::layout_for(topo, a),
        None => layout::layout(topo),
    }
}

/// One probe, simulated, with everything the page shows of it.
#[derive(Debug)]
pub struct Run {
    /// The topology the run used: the file's, or a copy whose only probe
    /// is the one composed on the page.
    pub topo: Arc<Topology>,
    /// The probe's index in `topo.probes`.
    pub probe: usize,
    /// Events of the probes run before this one (not shown).
    pub prior: usize,
    /// This probe's events.
    pub events: Vec<Event>,
    /// `render_line` of each event.
    pub lines: Vec<String>,
    pub outcome: ProbeOutcome,
    /// Every frame's trip along a cable.
    pub moves: Vec<Move>,
    /// What the probe is: "bus2 → bus1 icmp".
    pub caption: String,
    /// How it ended: "reply, ttl 64".
    pub result: String,
    /// The event-list group of each event.
    pub groups: Vec<&'static str>,
}

/// Runs probe `probe` of `topo` as the CLI does; `None` if there is no
/// such probe.
pub fn run_probe(topo: Arc<Topology>, probe: usize) -> Option<Run> {
    let mut sim = new_sim(&topo);
    for i in 0..probe.min(topo.probes.len()) {
        sim.run_probe(i);
    }
    let prior = sim.events_total();
    let outcome = sim.run_probe(probe)?;
    let events: Vec<Event> = sim.events_of(&outcome).to_vec();
    drop(sim);
    Some(finish(topo, probe, prior, events, outcome))
}

/// What the page's "compose a probe" form asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Compose {
    pub from: NodeId,
    /// A node name, `node:iface` or an address.
    pub to: String,
    pub proto: ProbeProto,
    pub port: Option<u16>,
    pub ttl: u8,
}

/// Runs a composed probe on a fresh simulator; the error says what in the
/// form is wrong.
pub fn run_composed(base: &Topology, c: &Compose) -> Result<Run, String> {
    let to = resolve_to(base, &c.to)?;
    if c.proto != ProbeProto::Icmp && c.port.is_none() {
        return Err(format!("{} needs a port", c.proto.as_str()));
    }
    if c.from.index() >= base.nodes.len() {
        return Err("no such node".into());
    }
    let mut t = base.clone();
    t.probes = vec![Probe {
        from: c.from,
        to_text: c.to.clone(),
        to,
        proto: c.proto,
        port: if c.proto == ProbeProto::Icmp {
            None
        } else {
            c.port
        },
        ttl: c.ttl.max(1),
        expect: None,
    }];
    run_probe(Arc::new(t), 0).ok_or_else(|| "the probe did not run".to_string())
}

/// `bus1`, `bus1:eth0` or `172.17.0.2` to an address, as the topology
/// file's probes are resolved: a node's first address, an interface's
/// first address, or the address itself.
fn resolve_to(topo: &Topology, text: &str) -> Result<core::net::Ipv4Addr, String> {
    let text = text.trim();
    if let Ok(a) = text.parse() {
        return Ok(a);
    }
    let (node, iface) = match text.split_once(':') {
        Some((n, i)) => (n, Some(i)),
        None => (text, None),
    };
    let n = topo
        .node_by_name(node)
        .ok_or_else(|| format!("no node or address {text:?}"))?;
    let ifaces: Vec<_> = match iface {
        Some(i) => topo
            .iface_by_name(n, i)
            .map(|i| vec![i])
            .ok_or_else(|| format!("{node} has no interface {i:?}"))?,
        None => topo.node(n).ifaces.clone(),
    };
    ifaces
        .iter()
        .flat_map(|&i| topo.iface(i).addresses.iter())
        .map(|a| a.addr())
        .find(|a| !a.is_loopback())
        .ok_or_else(|| format!("{text} has no address"))
}

fn finish(
    topo: Arc<Topology>,
    probe: usize,
    prior: usize,
    events: Vec<Event>,
    outcome: ProbeOutcome,
) -> Run {
    let lines = events
        .iter()
        .map(|e| trace::render_line(&topo, e))
        .collect();
    let moves = anim::moves(&events);
    let caption = caption(&topo, probe);
    let result = result(&outcome);
    let groups = anim::groups(&events);
    Run {
        topo,
        probe,
        prior,
        events,
        lines,
        outcome,
        moves,
        caption,
        result,
        groups,
    }
}

/// "bus2 → bus1 icmp", as the CLI writes it, with the TTL when it is
/// not the default.
pub fn caption(topo: &Topology, probe: usize) -> String {
    let Some(p) = topo.probes.get(probe) else {
        return String::new();
    };
    let ttl = if p.ttl != 64 {
        format!(" ttl {}", p.ttl)
    } else {
        String::new()
    };
    format!("{}{ttl}", describe_probe(topo, p))
}

/// "reply, seen from 172.17.0.3, ttl 64", as the CLI writes it.
pub fn result(o: &ProbeOutcome) -> String {
    describe_outcome(o)
}

/// A probe as listed in the menu, with its expectation.
pub fn probe_label(topo: &Topology, i: usize) -> String {
    let Some(p) = topo.probes.get(i) else {
        return String::new();
    };
    let ttl = if p.ttl != 64 {
        format!(" ttl {}", p.ttl)
    } else {
        String::new()
    };
    let expect = p
        .expect
        .and_then(|e| e.result)
        .map(|r| format!(" (expect {r})"))
        .unwrap_or_default();
    format!("{}: {}{ttl}{expect}", i + 1, describe_probe(topo, p))
}

impl Run {
    /// The output of `view` for `node` once event `k` (0-based, included)
    /// of this probe has happened: the run replayed up to there.
    pub fn state_at(&self, node: NodeId, v: View, k: usize) -> String {
        if node.index() >= self.topo.nodes.len() {
            return String::new();
        }
        let mut sim = new_sim(&self.topo);
        sim.run_until(self.prior + k.min(self.events.len().saturating_sub(1)) + 1);
        view::render(&sim, node, v)
    }

    /// Events that led to event `k`, back to the probe's start: each
    /// event's cause, most recent first.
    pub fn why(&self, k: usize) -> Vec<usize> {
        anim::causes(&self.events, self.prior, k)
    }
}

/// A shared value compared by identity, so that Yew skips re-rendering a
/// component whose big input (a layout, a run) is the same allocation.
#[derive(Debug)]
pub struct Shared<T>(pub Rc<T>);

impl<T> Shared<T> {
    pub fn new(v: T) -> Self {
        Shared(Rc::new(v))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

impl<T> core::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A topology shared with the simulator, compared by identity for the same
/// reason as [`Shared`] (a deep comparison of 200 nodes on every animation
/// frame would cost more than drawing it).
#[derive(Debug, Clone)]
pub struct Topo(pub Arc<Topology>);

impl PartialEq for Topo {
    fn eq(&self, o: &Self) -> bool {
        Arc::ptr_eq(&self.0, &o.0)
    }
}

impl core::ops::Deref for Topo {
    type Target = Topology;
    fn deref(&self) -> &Topology {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netsim_core::model::ProbeResult;

    fn docker0() -> Arc<Topology> {
        find_scenario("docker0")
            .and_then(|s| s.topo)
            .expect("docker0 loads")
    }

    #[test]
    fn every_example_loads() {
        let list = scenarios();
        assert_eq!(list.len(), examples::ALL.len());
        for s in &list {
            assert!(s.error.is_none(), "{}: {:?}", s.file, s.error);
        }
        assert!(list.iter().any(|s| s.key == default_key()));
        assert!(find_scenario("scale-10x19").is_some_and(|s| s.topo.is_some()));
        assert!(find_scenario("nope").is_none());
    }

    #[test]
    fn probe_one_of_docker0_as_the_cli_runs_it() {
        let r = run_probe(docker0(), 0).expect("probe 1");
        assert_eq!(r.outcome.result, ProbeResult::Reply);
        assert_eq!(r.prior, 0);
        assert_eq!(r.lines.len(), r.events.len());
        assert_eq!(r.result, "reply, seen from 172.17.0.3, arrived with TTL 64");
        assert_eq!(r.caption, "bus2 → bus1 (172.17.0.2) icmp");
        // The state while the ARP request is out: bus2 waits for bus1.
        let t = &r.topo;
        let bus2 = t.node_by_name("bus2").expect("bus2");
        let miss = r
            .lines
            .iter()
            .position(|l| l.contains("Request who-has"))
            .expect("an ARP request");
        let neigh = r.state_at(bus2, View::Neigh, miss);
        assert!(
            neigh.contains("172.17.0.2") && neigh.contains("INCOMPLETE"),
            "{neigh}"
        );
        let end = r.state_at(bus2, View::Neigh, r.events.len() - 1);
        assert!(end.contains("REACHABLE"), "{end}");
    }

    #[test]
    fn a_later_probe_starts_from_the_earlier_ones_state() {
        let r = run_probe(docker0(), 2).expect("probe 3");
        assert!(r.prior > 0);
        // bus2 knows bus1 from probe 1: no ARP request in probe 3.
        assert!(!r.lines.iter().any(|l| l.contains("Request who-has")));
    }

    #[test]
    fn conntrack_at_any_event() {
        let t = find_scenario("published-port")
            .and_then(|s| s.topo)
            .expect("loads");
        let host = t.node_by_name("host").expect("host");
        let r = run_probe(Arc::clone(&t), 0).expect("probe 1");
        let end = r.state_at(host, View::Conntrack, r.events.len() - 1);
        assert!(!end.trim().is_empty(), "a tracked connection at the end");
        let nft = r.state_at(host, View::Nft, 0);
        assert!(nft.contains("masquerade"), "{nft}");
    }

    #[test]
    fn composed_probe() {
        let t = docker0();
        let bus1 = t.node_by_name("bus1").expect("bus1");
        let c = Compose {
            from: bus1,
            to: "bus2".into(),
            proto: ProbeProto::Udp,
            port: Some(9),
            ttl: 5,
        };
        let r = run_composed(&t, &c).expect("runs");
        assert_eq!(r.outcome.result, ProbeResult::Refused);
        assert!(run_composed(
            &t,
            &Compose {
                to: "nowhere".into(),
                ..c.clone()
            }
        )
        .is_err());
        assert!(run_composed(&t, &Compose { port: None, ..c }).is_err());
    }
}
