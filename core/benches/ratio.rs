//! Paired timings: a probe against the warm docker0 ping, the two measured
//! alternately in short rounds, so that this shared machine's slow and
//! fast phases (its speed changes by a third from one few seconds to the
//! next, which can put two criterion benchmarks of one run in different
//! phases) fall on both sides of every ratio. For each comparison it
//! prints the median ratio over the rounds, with the quartiles and the
//! extremes.
//!
//! ```sh
//! cargo bench -p netsim-core --bench ratio
//! ```
//!
//! - `vxlan`: the ping across the two-host overlay (`vxlan-two-hosts`,
//!   c1 → c2) against the docker0 ping (the issue's target: at most 2×),
//!   and against the same ping between the same hosts routed without an
//!   overlay (`underlay.yaml`), which tells what VXLAN adds from what the
//!   longer path costs;
//! - `nat`: the TCP connection through SNAT on host1 and DNAT on host2
//!   (`nat-two-hosts`, probe 1) against the docker0 ping (target 2×), and
//!   against the same connection routed without NAT (`routed.yaml`), which
//!   tells what NAT adds from what the longer path costs.
//!
//! Every probe runs on a warm simulation. The ping and the overlay ping run
//! over and over on one state, which stays the same (the bench checks that
//! each probe records as many events at the end as at the start); a
//! connection leaves a tracked connection behind, so each round of them
//! starts from a copy of the same warm state.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use netsim_core::examples;
use netsim_core::model::{Probe, ProbeResult, Topology};
use netsim_core::sim::Sim;

const ROUNDS: usize = 41;
const PER_ROUND: usize = 3000;

fn load(name: &str, yaml: &str) -> Arc<Topology> {
    match netsim_core::load(name, yaml) {
        Ok(t) => Arc::new(t),
        Err(d) => panic!("{d}"),
    }
}

/// A probe on a warm simulation: `fresh` when each round must start from
/// a copy of the warm state.
struct Subject {
    name: &'static str,
    warm: Sim,
    probe: Probe,
    fresh: bool,
    events: usize,
}

impl Subject {
    fn new(name: &'static str, topo: Arc<Topology>, probe: Probe, fresh: bool) -> Subject {
        let mut warm = Sim::new(topo);
        assert_eq!(
            warm.run_adhoc(0, &probe).result,
            ProbeResult::Reply,
            "{name}"
        );
        warm.clear_trace();
        assert_eq!(
            warm.run_adhoc(0, &probe).result,
            ProbeResult::Reply,
            "{name}"
        );
        let events = warm.trace().len();
        warm.clear_trace();
        Subject {
            name,
            warm,
            probe,
            fresh,
            events,
        }
    }

    /// The first probe of the topology `yaml` (named `file`).
    fn first_probe(name: &'static str, file: &str, yaml: &str, fresh: bool) -> Subject {
        let topo = load(file, yaml);
        let probe = topo.probes[0].clone();
        Subject::new(name, topo, probe, fresh)
    }

    /// The first probe of the built-in example `file`.
    fn example(name: &'static str, file: &str, fresh: bool) -> Subject {
        let e = examples::find(file).expect("a built-in example");
        Subject::first_probe(name, e.file, e.yaml, fresh)
    }

    /// Nanoseconds per probe over one round.
    fn round(&mut self) -> f64 {
        let mut copy = self.fresh.then(|| self.warm.clone());
        let sim = copy.as_mut().unwrap_or(&mut self.warm);
        let start = Instant::now();
        for _ in 0..PER_ROUND {
            black_box(sim.run_adhoc(0, &self.probe).result);
            sim.clear_trace();
        }
        let ns = start.elapsed().as_nanos() as f64 / PER_ROUND as f64;
        // The work did not change on the way (no timer ran out, no cache
        // went stale): the last probe recorded what the first did.
        sim.run_adhoc(0, &self.probe);
        assert_eq!(
            sim.trace().len(),
            self.events,
            "{}: the work changed",
            self.name
        );
        sim.clear_trace();
        ns
    }
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let k = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[k]
}

/// Rounds of `a` and `b` in turn (which goes first alternates); prints the
/// ratio a/b.
fn compare(a: &mut Subject, b: &mut Subject) {
    // One round each to warm the caches and the branch predictors.
    a.round();
    b.round();
    let (mut ratios, mut ta, mut tb) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..ROUNDS {
        let (x, y) = if k % 2 == 0 {
            let x = a.round();
            (x, b.round())
        } else {
            let y = b.round();
            (a.round(), y)
        };
        ratios.push(x / y);
        ta.push(x);
        tb.push(y);
    }
    for v in [&mut ratios, &mut ta, &mut tb] {
        v.sort_by(f64::total_cmp);
    }
    println!(
        "{} / {}: median ratio {:.2} (quartiles {:.2}–{:.2}, extremes {:.2}–{:.2}; \
         medians {:.2} µs and {:.2} µs; {} and {} events; {ROUNDS} rounds of {PER_ROUND} each)",
        a.name,
        b.name,
        quantile(&ratios, 0.5),
        quantile(&ratios, 0.25),
        quantile(&ratios, 0.75),
        ratios[0],
        ratios[ratios.len() - 1],
        quantile(&ta, 0.5) / 1000.0,
        quantile(&tb, 0.5) / 1000.0,
        a.events,
        b.events,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a filter word picks comparisons.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |w: &str| filter.is_empty() || filter.iter().any(|f| w.contains(f.as_str()));

    // The example's first probe: the article's ping, bus2 → bus1.
    let mut base = Subject::example("docker0 ping", "docker0.yaml", false);
    if wanted("vxlan") {
        let mut overlay = Subject::example("two-host overlay ping", "vxlan-two-hosts.yaml", false);
        compare(&mut overlay, &mut base);
        let yaml = include_str!("underlay.yaml");
        let mut underlay =
            Subject::first_probe("the same ping routed", "underlay.yaml", yaml, false);
        compare(&mut underlay, &mut base);
        compare(&mut overlay, &mut underlay);
    }
    if wanted("nat") {
        let mut nat = Subject::example("SNAT+DNAT connection", "nat-two-hosts.yaml", true);
        compare(&mut nat, &mut base);
        let yaml = include_str!("routed.yaml");
        let mut routed =
            Subject::first_probe("the same connection routed", "routed.yaml", yaml, true);
        compare(&mut routed, &mut base);
        compare(&mut nat, &mut routed);
    }
}
