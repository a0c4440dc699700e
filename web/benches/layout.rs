//! The layout of a 200-node topology (budget: under 100 ms), fixed and for
//! a screen's shape, beside the
//! cost of resolving the same topology from its YAML as a baseline measured
//! in the same run.

use criterion::{criterion_group, criterion_main, Criterion};
use netsim_core::examples;

fn bench(c: &mut Criterion) {
    // 10 hosts, each with a router and 19 containers: 210 nodes.
    let yaml = examples::generated(10, 19);
    let Ok(topo) = netsim_core::load("scale.yaml", &yaml) else {
        return;
    };
    let mut g = c.benchmark_group("200 nodes");
    g.bench_function("resolve (baseline)", |b| {
        b.iter(|| netsim_core::load("scale.yaml", std::hint::black_box(&yaml)))
    });
    g.bench_function("layout", |b| {
        b.iter(|| netsim_web::layout::layout(std::hint::black_box(&topo)))
    });
    // Laid out for a desktop's drawing area: every way the hosts can wrap
    // onto shelves is tried (what the page does when the area changes
    // shape).
    g.bench_function("layout for a wide screen", |b| {
        b.iter(|| netsim_web::layout::layout_for(std::hint::black_box(&topo), 968.0 / 436.0))
    });
    if let Some(run) = netsim_web::model::run_probe(std::sync::Arc::new(topo.clone()), 0) {
        g.bench_function("frames' trips of the probe", |b| {
            b.iter(|| netsim_web::anim::moves(std::hint::black_box(&run.events)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
