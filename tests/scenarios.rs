//! Every example's probes do what the file expects (what Linux did), the
//! first probe of each example matches its snapshot trace, and runs are
//! deterministic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use netsim_core::examples::{self, Example};
use netsim_core::model::Topology;
use netsim_core::sim::Sim;
use netsim_core::trace;
use netsim_core::view::{self, View};
use netsim_tests::{compare_golden, dir, root};

fn load(e: &Example) -> Topology {
    match netsim_core::load(e.file, e.yaml) {
        Ok(t) => t,
        Err(d) => panic!("examples/{} does not load:\n{d}", e.file),
    }
}

#[test]
fn every_example_file_is_built_in() {
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    on_disk.sort();
    let mut built_in: Vec<String> = examples::ALL.iter().map(|e| e.file.to_string()).collect();
    built_in.sort();
    assert_eq!(
        on_disk, built_in,
        "examples/ and examples::ALL must list the same files"
    );
    assert!(examples::find(examples::DEFAULT).is_some());
}

#[test]
fn every_probe_of_every_example_passes() {
    let mut failures = Vec::new();
    for e in examples::ALL {
        let topo = load(e);
        assert!(!topo.probes.is_empty(), "{} has no probes", e.file);
        assert!(
            !topo.description.trim().is_empty(),
            "{} has no description",
            e.file
        );
        let mut sim = Sim::new(topo.clone());
        for (i, p) in topo.probes.iter().enumerate() {
            assert!(
                p.expect.is_some(),
                "{} probe {} has no expect",
                e.file,
                i + 1
            );
            let o = sim.run_probe(i).unwrap();
            for m in o.check(p.expect.as_ref()) {
                failures.push(format!(
                    "{} probe {} ({} → {} {}): {} expected {}, got {}\n{}",
                    e.file,
                    i + 1,
                    topo.node(p.from).name,
                    p.to_text,
                    p.proto.as_str(),
                    m.field,
                    m.expected,
                    m.actual,
                    trace::render(&topo, sim.events_of(&o))
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn first_probe_traces_match_snapshots() {
    let mut diffs = Vec::new();
    for e in examples::ALL {
        let topo = load(e);
        let mut sim = Sim::new(topo.clone());
        let o = sim.run_probe(0).unwrap();
        let mut text = trace::render(&topo, sim.events_of(&o));
        // The state a learner would look at next, after every probe ran.
        for i in 1..topo.probes.len() {
            sim.run_probe(i).unwrap();
        }
        let first = &topo.node(topo.probes[0].from);
        for v in View::ALL {
            text.push_str(&format!("\n# {}: {}\n", first.name, v.command()));
            text.push_str(&view::render(&sim, first.id, v));
        }
        let name = e.file.trim_end_matches(".yaml");
        let path = dir().join("snapshots").join(format!("{name}.trace"));
        if let Some(d) = compare_golden(&path, &text) {
            diffs.push(d);
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

#[test]
fn runs_are_deterministic() {
    for e in examples::ALL {
        let topo = load(e);
        let run = || {
            let mut sim = Sim::new(topo.clone());
            let outcomes = sim.run_all();
            (outcomes, sim.trace().to_vec())
        };
        assert_eq!(run(), run(), "{} gave two different runs", e.file);
    }
}

#[test]
fn state_at_any_event_is_a_prefix_of_the_run() {
    let e = examples::find("docker0.yaml").unwrap();
    let topo = load(e);
    let mut full = Sim::new(topo.clone());
    full.run_all();
    let all = full.trace().to_vec();
    for cut in [0, 1, all.len() / 3, all.len() / 2, all.len()] {
        let mut sim = Sim::new(topo.clone());
        sim.run_until(cut);
        assert_eq!(
            sim.trace(),
            &all[..cut],
            "run_until({cut}) must replay the same events"
        );
    }
}
