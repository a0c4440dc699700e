//! Speed of the simulator and the resolver.
//!
//! Run with `cargo bench -p netsim-core --bench sim`. Each group carries its
//! own baseline, measured in the same run, so the figures compare as ratios:
//!
//! - `ping`: one echo round trip between the two docker0 containers, from a
//!   fresh start (ARP and FDB learning included) and with warm caches; the
//!   baseline is just building and parsing the four frames of the warm
//!   round trip with etherparse, the floor of any packet-level model.
//! - `path_vs_size`: the same cross-host ping (container → bridge → router →
//!   backbone wire → router → bridge → container) in a topology of 1,000
//!   and of 10,000 containers: the cost follows the path, not the size.
//! - `resolve`: parsing and validating 10,000 containers on 100 hosts; the
//!   baseline is serde-saphyr reading the same text into a generic value.
//! - `storm`: the broadcast storm of `storm.yaml`, from a fresh start to
//!   the stop at the event bound (the budget: 10 ms), and the same ring
//!   with STP (`stp.yaml`, the tree computed on first use), against the
//!   cold docker0 ping in the same run.
//! - `vxlan`: a ping across the two-host overlay (`vxlan-two-hosts`)
//!   against the docker0 ping, both warm (target: at most 2×); resolving
//!   100 hosts with 100 containers each on one overlay (target: 300 ms);
//!   a learned ping between two containers of that overlay with 10 and
//!   with 100 hosts (target: 50 µs, the same for both).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use core::net::Ipv4Addr;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use netsim_core::examples;
use netsim_core::model::{Probe, Topology};
use netsim_core::sim::Sim;
use netsim_core::wire::frame::{Frame, Icmp, Ipv4Packet, Payload, L4};
use netsim_core::wire::MacAddr;

fn load(name: &str, yaml: &str) -> Topology {
    match netsim_core::load(name, yaml) {
        Ok(t) => t,
        Err(d) => panic!("{d}"),
    }
}

fn frames_floor() -> usize {
    let (a, b) = (Ipv4Addr::new(172, 17, 0, 3), Ipv4Addr::new(172, 17, 0, 2));
    let mut n = 0;
    for (src, dst, request) in [(a, b, true), (b, a, false)] {
        let icmp = if request {
            Icmp::EchoRequest {
                id: 1,
                seq: 1,
                data: vec![0; 56].into(),
            }
        } else {
            Icmp::EchoReply {
                id: 1,
                seq: 1,
                data: vec![0; 56].into(),
            }
        };
        let f = Frame {
            dst: MacAddr::docker(dst),
            src: MacAddr::docker(src),
            payload: Payload::Ipv4(Ipv4Packet {
                src,
                dst,
                ttl: 64,
                ident: 1,
                dont_fragment: true,
                l4: L4::Icmp(icmp),
            }),
        };
        // Each frame is seen twice on its way (out of one veth, into the next).
        for _ in 0..2 {
            let bytes = f.emit();
            n += Frame::parse(&bytes)
                .map(|f| f.src.0[5] as usize)
                .unwrap_or(0);
        }
    }
    n
}

/// Times one probe on a warm simulation: each measured run starts from a
/// copy of the same state (caches and tables learned, the connections of
/// earlier runs tracked), so that every run does the same work however
/// many there are. (Run over and over on one state instead, a NAT probe
/// would leave a connection each time, and its source ports would wrap
/// round into old connections after 28,000 runs.) The copy runs the probe
/// once before it is timed, so that it is in the cache and its buffers
/// have grown, as on the state it copies.
fn warm_probe(b: &mut criterion::Bencher<'_>, warm: &Sim, probe: &Probe) {
    b.iter_batched_ref(
        || {
            let mut sim = warm.clone();
            sim.run_adhoc(0, probe);
            sim.clear_trace();
            sim
        },
        |sim| {
            let r = sim.run_adhoc(0, probe).result;
            sim.clear_trace();
            black_box(r)
        },
        BatchSize::PerIteration,
    )
}

/// Times one probe run over and over on a warm simulation (its state
/// stays the same from one run to the next: caches and tables refreshed,
/// nothing added).
fn repeat_probe(b: &mut criterion::Bencher<'_>, warm: &mut Sim, probe: &Probe) {
    b.iter(|| {
        let r = warm.run_adhoc(0, probe).result;
        warm.clear_trace();
        black_box(r)
    })
}

fn bench_ping(c: &mut Criterion) {
    let e = examples::find("docker0.yaml").expect("docker0 example");
    let topo = std::sync::Arc::new(load(e.file, e.yaml));
    let probe = topo.probes[0].clone();
    let mut g = c.benchmark_group("ping");
    g.bench_function("baseline_build_and_parse_4_frames", |b| {
        b.iter(|| black_box(frames_floor()))
    });
    g.bench_function("docker0_cold", |b| {
        b.iter(|| {
            let mut sim = Sim::new(std::sync::Arc::clone(&topo));
            black_box(sim.run_adhoc(0, &probe).result)
        })
    });
    let mut warm = Sim::new(std::sync::Arc::clone(&topo));
    warm.run_adhoc(0, &probe);
    g.bench_function("docker0_warm", |b| repeat_probe(b, &mut warm, &probe));
    g.finish();
}

fn bench_path_vs_size(c: &mut Criterion) {
    let mut g = c.benchmark_group("path_vs_size");
    g.sample_size(30);
    for (hosts, per_host) in [(10, 100), (100, 100)] {
        let topo = std::sync::Arc::new(load("scale.yaml", &examples::generated(hosts, per_host)));
        let probe = topo.probes[0].clone();
        let n = hosts * per_host;
        g.bench_function(format!("cross_host_ping_cold_{n}_containers"), |b| {
            b.iter(|| {
                let mut sim = Sim::new(std::sync::Arc::clone(&topo));
                black_box(sim.run_adhoc(0, &probe).result)
            })
        });
        let mut warm = Sim::new(std::sync::Arc::clone(&topo));
        warm.run_adhoc(0, &probe);
        g.bench_function(format!("cross_host_ping_warm_{n}_containers"), |b| {
            repeat_probe(b, &mut warm, &probe)
        });
    }
    g.finish();
}

fn bench_resolve(c: &mut Criterion) {
    let yaml = examples::generated(100, 100);
    let mut g = c.benchmark_group("resolve");
    g.sample_size(10);
    // The baseline must really parse the whole file: lift serde-saphyr's
    // default node budget (250,000), which this file exceeds.
    let options = || {
        let mut o = serde_saphyr::Options::default();
        o.budget = None;
        o
    };
    let check: Result<serde_json::Value, _> = serde_saphyr::from_str_with_options(&yaml, options());
    assert!(check.is_ok(), "the baseline parse failed: {check:?}");
    g.bench_function("baseline_yaml_to_generic_value_10000_containers", |b| {
        b.iter(|| {
            let v: Result<serde_json::Value, _> =
                serde_saphyr::from_str_with_options(&yaml, options());
            black_box(v.is_ok())
        })
    });
    g.bench_function("load_10000_containers_100_hosts", |b| {
        b.iter_batched(
            || (),
            |_| black_box(netsim_core::load("scale.yaml", &yaml).map(|t| t.ifaces.len())),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// A probe through SNAT on one host and a published port (DNAT) on
/// another, against the docker0 ping and against the same connection
/// routed without NAT (`routed.yaml`) in the same run; and conntrack
/// lookups in tables of 1,000 and 100,000 connections.
fn bench_nat(c: &mut Criterion) {
    use netsim_core::netfilter::conntrack::{Table, Tuple};
    let mut g = c.benchmark_group("nat");
    let e = examples::find("docker0.yaml").expect("docker0 example");
    let docker0 = std::sync::Arc::new(load(e.file, e.yaml));
    let ping = docker0.probes[0].clone();
    let mut warm = Sim::new(std::sync::Arc::clone(&docker0));
    warm.run_adhoc(0, &ping);
    g.bench_function("baseline_docker0_ping_warm", |b| {
        warm_probe(b, &warm, &ping)
    });
    let e = examples::find("nat-two-hosts.yaml").expect("nat example");
    let hosts = std::sync::Arc::new(load(e.file, e.yaml));
    // app on host1 to host2's published port: SNAT, then DNAT.
    let probe = hosts.probes[0].clone();
    let mut warm = Sim::new(std::sync::Arc::clone(&hosts));
    warm.run_adhoc(0, &probe);
    // What each probe does, to read the ratio of their times by: frames
    // crossing a link (veth, wire, bridge) and events recorded.
    let crossings = |sim: &mut Sim, p: &Probe| {
        sim.clear_trace();
        sim.run_adhoc(0, p);
        let n = sim
            .trace()
            .iter()
            .filter(|e| matches!(e.kind, netsim_core::trace::EventKind::Transmit { .. }))
            .count();
        (n, sim.trace().len())
    };
    let mut d = Sim::new(std::sync::Arc::clone(&docker0));
    d.run_adhoc(0, &ping);
    let (dn, de) = crossings(&mut d, &ping);
    let (nn, ne) = crossings(&mut warm, &probe);
    eprintln!(
        "nat: warm docker0 ping: {dn} crossings, {de} events; warm SNAT+DNAT TCP connection: {nn} crossings, {ne} events ({:.1}x the crossings)",
        nn as f64 / dn as f64
    );
    g.bench_function("snat_dnat_two_hosts_tcp_warm", |b| {
        warm_probe(b, &warm, &probe)
    });
    // The same connection over the same links and routers, without NAT.
    let routed = std::sync::Arc::new(load("routed.yaml", include_str!("routed.yaml")));
    let direct = routed.probes[0].clone();
    let mut plain = Sim::new(std::sync::Arc::clone(&routed));
    let first = plain.run_adhoc(0, &direct).result;
    assert_eq!(first, netsim_core::model::ProbeResult::Reply);
    let (rn, re) = crossings(&mut plain, &direct);
    eprintln!("nat: the same connection routed without NAT: {rn} crossings, {re} events");
    g.bench_function("routed_two_hosts_tcp_warm_no_nat", |b| {
        warm_probe(b, &plain, &direct)
    });
    for n in [1_000u32, 100_000] {
        let mut table = Table::default();
        let tuple = |k: u32| Tuple {
            proto: 6,
            src: Ipv4Addr::from(0x0a00_0000 | (k >> 8)),
            sport: 30_000 + (k & 0xff) as u16,
            dst: Ipv4Addr::new(203, 0, 113, 7),
            dport: 443,
        };
        for k in 0..n {
            table.insert(tuple(k));
        }
        let probe_at = tuple(n / 2);
        g.bench_function(format!("conntrack_lookup_{n}_connections"), |b| {
            b.iter(|| black_box(table.lookup(black_box(&probe_at))))
        });
    }
    g.finish();
}

/// A storm from the first frame to its stop, and the ring tamed by STP,
/// against the cold docker0 ping.
fn bench_storm(c: &mut Criterion) {
    let mut g = c.benchmark_group("storm");
    let e = examples::find("docker0.yaml").expect("docker0 example");
    let docker0 = std::sync::Arc::new(load(e.file, e.yaml));
    let ping = docker0.probes[0].clone();
    g.bench_function("baseline_docker0_ping_cold", |b| {
        b.iter(|| {
            let mut sim = Sim::new(std::sync::Arc::clone(&docker0));
            black_box(sim.run_adhoc(0, &ping).result)
        })
    });
    for (file, what) in [
        ("storm.yaml", "storm_stopped_cold"),
        ("stp.yaml", "stp_ring_ping_cold"),
    ] {
        let e = examples::find(file).expect("example");
        let topo = std::sync::Arc::new(load(e.file, e.yaml));
        let probe = topo.probes[0].clone();
        g.bench_function(what, |b| {
            b.iter(|| {
                let mut sim = Sim::new(std::sync::Arc::clone(&topo));
                black_box(sim.run_adhoc(0, &probe).result)
            })
        });
    }
    g.finish();
}

/// `hosts` hosts on one wire, each with a bridge, a vxlan (VNI 42) whose
/// remotes are all the other hosts, and `per_host` containers, all in
/// 10.200.0.0/16. One probe: the first container of the first host to the
/// last container of the last host.
fn overlay_yaml(hosts: usize, per_host: usize) -> String {
    use core::fmt::Write as _;
    let mut y = String::from("name: overlay\nnodes:\n");
    let addr = |h: usize, i: usize| format!("10.200.{h}.{}", i + 2);
    let under = |h: usize| format!("192.168.{}.{}", h / 250, h % 250 + 1);
    for h in 0..hosts {
        let remotes: Vec<String> = (0..hosts).filter(|&o| o != h).map(under).collect();
        let _ = writeln!(
            y,
            "  h{h}:\n    kind: host\n    interfaces:\n      eth0: {{ addresses: [{}/16] }}\n      br0: {{ type: bridge }}\n      vxlan0: {{ type: vxlan, vni: 42, local: {}, remotes: [{}], dev: eth0, master: br0 }}",
            under(h),
            under(h),
            remotes.join(", ")
        );
        for i in 0..per_host {
            let _ = writeln!(
                y,
                "  c{h}-{i}:\n    kind: container\n    on: h{h}\n    interfaces:\n      eth0: {{ addresses: [{}/16] }}",
                addr(h, i)
            );
        }
    }
    y.push_str("links:\n");
    for h in 0..hosts {
        for i in 0..per_host {
            let _ = writeln!(y, "  - {{ veth: [c{h}-{i}:eth0, h{h}:v{i}], master: br0 }}");
        }
    }
    let ends: Vec<String> = (0..hosts).map(|h| format!("h{h}:eth0")).collect();
    let _ = writeln!(y, "  - wire: [{}]\n    name: lan", ends.join(", "));
    let _ = writeln!(
        y,
        "probes:\n  - {{ from: c0-0, to: {}, proto: icmp, expect: reply }}",
        addr(hosts - 1, per_host - 1)
    );
    y
}

fn bench_vxlan(c: &mut Criterion) {
    use std::sync::Arc;
    let mut g = c.benchmark_group("vxlan");
    let warm_bench = |g: &mut criterion::BenchmarkGroup<'_, _>, name: &str, topo: Arc<Topology>| {
        let probe = topo.probes[0].clone();
        let mut warm = Sim::new(topo);
        let first = warm.run_adhoc(0, &probe).result;
        assert_eq!(first, netsim_core::model::ProbeResult::Reply, "{name}");
        g.bench_function(name, |b| repeat_probe(b, &mut warm, &probe));
    };
    let e = examples::find("docker0.yaml").expect("docker0 example");
    let docker0 = load(e.file, e.yaml);
    warm_bench(&mut g, "baseline_docker0_ping_warm", Arc::new(docker0));
    let e = examples::find("vxlan-two-hosts.yaml").expect("vxlan example");
    warm_bench(
        &mut g,
        "two_host_overlay_ping_warm",
        Arc::new(load(e.file, e.yaml)),
    );
    for hosts in [10, 100] {
        let topo = Arc::new(load("overlay.yaml", &overlay_yaml(hosts, 100)));
        warm_bench(
            &mut g,
            &format!("overlay_ping_warm_{hosts}_hosts_100_each"),
            topo,
        );
    }
    g.sample_size(10);
    let yaml = overlay_yaml(100, 100);
    g.bench_function("load_overlay_100_hosts_100_each", |b| {
        b.iter(|| black_box(netsim_core::load("overlay.yaml", &yaml).map(|t| t.ifaces.len())))
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_ping,
    bench_path_vs_size,
    bench_resolve,
    bench_nat,
    bench_storm,
    bench_vxlan
);
criterion_main!(benches);
