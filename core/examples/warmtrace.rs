#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use netsim_core::{examples, sim::Sim};
use std::sync::Arc;
fn main() {
    let name = std::env::args().nth(1).unwrap();
    let e = examples::find(&name).unwrap();
    let topo = Arc::new(netsim_core::load(e.file, e.yaml).unwrap());
    let probe = topo.probes[0].clone();
    let mut sim = Sim::new(Arc::clone(&topo));
    sim.run_adhoc(0, &probe);
    sim.clear_trace();
    sim.run_adhoc(0, &probe);
    for e in sim.trace() {
        println!(
            "{:?} | {}",
            std::mem::discriminant(&e.kind),
            e.explain(&topo).lines().next().unwrap_or("")
        );
    }
}
