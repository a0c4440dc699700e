//! A probe run over and over, for counting instructions with callgrind: a
//! deterministic measure of the data path's cost where wall-clock times are
//! noisy (a shared machine). Not a benchmark of its own: the criterion
//! benches (`benches/sim.rs`) give the times.
//!
//! ```sh
//! cargo build --release -p netsim-core --example icount
//! for n in 0 400; do valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n \
//!   target/release/examples/icount ping $n; done   # (total(400) - total(0)) / 400
//! ```
//!
//! `ping`: bus2 → bus1 on docker0, warm; `cold`: the same from a fresh
//! simulation each time; `nat`: probe 1 of nat-two-hosts (SNAT then DNAT
//! across two hosts), warm; `routed`: the same connection without NAT
//! (`benches/routed.yaml`), warm; `vxlan`: probe 1 of vxlan-two-hosts (c1 → c2
//! across the overlay), warm; `cross1k`, `cross10k`: the cross-host ping of
//! the generated 1,000- and 10,000-container topologies, cold;
//! `underlay`: vxlan-two-hosts' ping routed between the hosts without the
//! overlay (`benches/underlay.yaml`), warm; `file:PATH`: the first probe of the topology file PATH, warm.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use netsim_core::{examples, sim::Sim};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (which, n) = match (args.get(1), args.get(2).and_then(|n| n.parse().ok())) {
        (Some(w), Some(n)) => (w.as_str(), n),
        _ => {
            panic!("usage: icount ping|cold|nat|routed|vxlan|underlay|cross1k|cross10k|file:PATH N")
        }
    };
    let (file, yaml) = match which {
        "cross1k" => ("scale.yaml".to_string(), examples::generated(10, 100)),
        "cross10k" => ("scale.yaml".to_string(), examples::generated(100, 100)),
        "underlay" => (
            "underlay.yaml".to_string(),
            include_str!("../benches/underlay.yaml").to_string(),
        ),
        "routed" => (
            "routed.yaml".to_string(),
            include_str!("../benches/routed.yaml").to_string(),
        ),
        w if w.starts_with("file:") => (w.to_string(), std::fs::read_to_string(&w[5..]).unwrap()),
        _ => {
            let name = match which {
                "nat" => "nat-two-hosts.yaml",
                "vxlan" => "vxlan-two-hosts.yaml",
                _ => "docker0.yaml",
            };
            let e = examples::find(name).expect("a built-in example");
            (e.file.to_string(), e.yaml.to_string())
        }
    };
    let topo = Arc::new(netsim_core::load(&file, &yaml).expect("it loads"));
    // Every topology's first probe: for docker0 the article's ping, bus2 →
    // bus1 (172.17.0.2).
    let probe = topo.probes[0].clone();
    let mut sim = Sim::new(Arc::clone(&topo));
    sim.run_adhoc(0, &probe);
    let mut replies = 0usize;
    for _ in 0..n {
        let r = if which == "cold" || which.starts_with("cross") {
            Sim::new(Arc::clone(&topo)).run_adhoc(0, &probe).result
        } else {
            let r = sim.run_adhoc(0, &probe).result;
            sim.clear_trace();
            r
        };
        replies += usize::from(r == netsim_core::model::ProbeResult::Reply);
    }
    println!("{replies} of {n} replied");
}
