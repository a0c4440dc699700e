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

/// How much of a storm's trace its snapshot keeps: the first events and
/// the last.
const STORM_HEAD: usize = 150;
const STORM_TAIL: usize = 4;

#[test]
fn first_probe_traces_match_snapshots() {
    let mut diffs = Vec::new();
    for e in examples::ALL {
        let topo = load(e);
        let mut sim = Sim::new(topo.clone());
        let o = sim.run_probe(0).unwrap();
        let events = sim.events_of(&o);
        // A storm's 50,000 events: its start, where the copies multiply,
        // and its end, where the run is stopped.
        let mut text = if o.storm.is_some() && events.len() > STORM_HEAD + STORM_TAIL {
            format!(
                "{}... {} events left out ...\n{}",
                trace::render(&topo, &events[..STORM_HEAD]),
                events.len() - STORM_HEAD - STORM_TAIL,
                trace::render(&topo, &events[events.len() - STORM_TAIL..])
            )
        } else {
            trace::render(&topo, events)
        };
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

/// Each sentence of a trace that has to say something precise: the kernel
/// (or the article) is the reference for every one of them.
fn first_probe_text(file: &str) -> String {
    let e = examples::find(file).unwrap();
    let topo = load(e);
    let mut sim = Sim::new(topo.clone());
    let o = sim.run_probe(0).unwrap();
    trace::render(&topo, sim.events_of(&o))
}

#[test]
fn a_flood_names_the_port_it_came_in_on_and_the_ports_it_leaves_by() {
    // bus2's ARP request enters docker0 from bus2's veth (vethb1c3a07) and
    // leaves by bus1's (veth2d6f8e9).
    let text = first_probe_text("docker0.yaml");
    assert!(
        text.contains(
            "bridge host:docker0: a broadcast frame came in on port host:vethb1c3a07, \
             so it floods it out of every other port (host:veth2d6f8e9)"
        ),
        "{text}"
    );
}

#[test]
fn a_used_stale_entry_is_delay_as_on_the_kernel() {
    // Measured: right after bus2's first ping, bus1's entry for bus2
    // (learned from bus2's ARP request, then used for the echo reply) is
    // DELAY, not STALE.
    let e = examples::find("docker0.yaml").unwrap();
    let topo = load(e);
    let mut sim = Sim::new(topo.clone());
    let o = sim.run_probe(0).unwrap();
    let bus1 = topo.node_by_name("bus1").unwrap();
    assert_eq!(
        view::render(&sim, bus1, View::Neigh),
        "172.17.0.3 dev eth0 lladdr 02:42:ac:11:00:03 DELAY \n"
    );
    let text = trace::render(&topo, sim.events_of(&o));
    assert!(
        text.contains("the entry for 172.17.0.3 on eth0 was STALE: the packet goes out with its MAC anyway, and the entry is DELAY"),
        "{text}"
    );
    assert!(text.contains("(DELAY: a STALE entry was used;"), "{text}");
}

#[test]
fn five_seconds_after_use_the_router_asks_by_unicast_arp() {
    // Measured: tcpdump on r1's eth0 shows `02:42:0a:00:01:fe >
    // 02:42:0a:00:01:01 ... Request who-has 10.0.1.1 tell 10.0.1.254` about
    // 5 s after r1 first forwarded c3's echo reply to c1, then c1's reply.
    let e = examples::find("router.yaml").unwrap();
    let topo = load(e);
    let mut sim = Sim::new(topo.clone());
    sim.run_all();
    let r1_eth0 = topo
        .iface_by_name(topo.node_by_name("r1").unwrap(), "eth0")
        .unwrap();
    let first_use = sim
        .trace()
        .iter()
        .find(|e| {
            e.place == trace::Place::Iface(r1_eth0)
                && matches!(e.kind, trace::EventKind::NeighState { .. })
        })
        .map(|e| e.time)
        .expect("r1 uses its STALE entry for c1");
    let lines: Vec<String> = sim
        .trace()
        .iter()
        .filter(|e| e.place == trace::Place::Iface(r1_eth0))
        .map(|e| trace::render_line(&topo, e))
        .collect();
    let asked = sim.trace().iter().find(|e| {
        e.place == trace::Place::Iface(r1_eth0)
            && matches!(e.kind, trace::EventKind::FrameSent { .. })
            && e.summary().is_some_and(|s| {
                s.starts_with("02:42:0a:00:01:fe > 02:42:0a:00:01:01")
                    && s.contains("Request who-has 10.0.1.1 tell 10.0.1.254")
            })
    });
    let asked = asked.unwrap_or_else(|| panic!("no unicast request:\n{}", lines.join("\n")));
    assert_eq!(
        asked.time - first_use,
        netsim_core::neigh::DELAY_FIRST_PROBE
    );
    assert!(
        lines.iter().any(|l| l.contains("REACHABLE")),
        "{}",
        lines.join("\n")
    );
}

/// The trace of probe `k` (1-based) of an example, after the probes
/// before it (as `netsim trace FILE -p K` prints it).
fn probe_text(topo: &Topology, k: usize) -> String {
    let mut sim = Sim::new(topo.clone());
    let mut text = String::new();
    for i in 0..k {
        let o = sim.run_probe(i).unwrap();
        text = trace::render(topo, sim.events_of(&o));
    }
    text
}

#[test]
fn a_failed_arp_at_the_sender_is_an_icmp_error_to_itself_over_lo() {
    // Measured: ping prints `From 10.0.0.1 icmp_seq=1 Destination Host
    // Unreachable` (its own address), and a socket with IP_RECVERR reads
    // origin icmp, type 3 code 1, offender its own address.
    let topo = load(examples::find("docker0.yaml").unwrap());
    let text = probe_text(&topo, 7);
    for want in [
        "bus2 sends ICMP host unreachable to itself (172.17.0.3, the packet's source), over lo",
        "bus2:lo                out 00:00:00:00:00:00 > 00:00:00:00:00:00, ",
        "172.17.0.3 > 172.17.0.3: ICMP",
        "(ping prints `From 172.17.0.3 icmp_seq=1 Destination Host Unreachable`)",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}

#[test]
fn no_route_at_the_sender_builds_nothing_and_the_call_fails() {
    // Measured: `ping: connect: Network is unreachable`, `nc: connect to
    // 10.9.9.9 port 80 (tcp) failed: Network is unreachable`.
    let topo = load(examples::find("router.yaml").unwrap());
    let text = probe_text(&topo, 7);
    assert!(!text.contains("dropped"), "{text}");
    assert!(!text.contains(" out "), "{text}");
    assert!(
        text.contains(
            "nothing is built or sent; ping prints `ping: connect: Network is unreachable`"
        ),
        "{text}"
    );
    // A missing route back: c4's reply is never sent, and the sender
    // times out.
    let text = probe_text(&topo, 8);
    assert!(
        text.contains("dropped at c4: this namespace has no route to 10.0.1.1"),
        "{text}"
    );
}

#[test]
fn a_udp_socket_learns_of_host_unreachable_only_with_ip_recverr() {
    // Measured (KERNEL-CHECKS, nic-per-netns x2): with IP_RECVERR the UDP
    // socket fails with EHOSTUNREACH after ~3 s; `__udp4_lib_err` passes
    // that error to a socket without it only for port/protocol unreachable.
    let yaml = examples::find("docker0.yaml").unwrap().yaml.replace(
        "probes:\n",
        "probes:\n  - { from: bus2, to: 172.17.0.99, proto: udp, port: 53, expect: unreachable }\n  - { from: bus2, to: 172.17.0.99, proto: tcp, port: 80, expect: unreachable }\n",
    );
    let topo = netsim_core::load("udp.yaml", &yaml).unwrap();
    let udp = probe_text(&topo, 1);
    assert!(
        udp.contains("recv() fails with EHOSTUNREACH only because the probe's socket sets the socket option IP_RECVERR"),
        "{udp}"
    );
    let tcp = probe_text(&topo, 2);
    assert!(
        tcp.contains("connect() fails at once with EHOSTUNREACH; nc prints `nc: connect to 172.17.0.99 port 80 (tcp) failed: No route to host`"),
        "{tcp}"
    );
}

#[test]
fn a_route_lookup_quotes_ip_route_get_and_the_local_route() {
    // Measured: `ip route get 172.17.0.2` in bus2 prints `172.17.0.2 dev
    // eth0 src 172.17.0.3 uid 0`; `ip route show table local` in bus1 has
    // `local 172.17.0.2 dev eth0 proto kernel scope host src 172.17.0.2`.
    // The kernel cross-check compares `ip route get` for every probe.
    let text = first_probe_text("docker0.yaml");
    for want in [
        "(in bus2, `ip route get 172.17.0.2` prints `172.17.0.2 dev eth0 src 172.17.0.3 uid 0`)",
        "route lookup for 172.17.0.2: table local has `local 172.17.0.2 dev eth0 proto kernel scope host src 172.17.0.2`",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}

#[test]
fn each_lesson_is_taught_once_and_nothing_is_said_twice() {
    let topo = load(examples::find("router.yaml").unwrap());
    let mut sim = Sim::new(topo.clone());
    let mut r = trace::Renderer::new();
    let mut text = String::new();
    for i in 0..topo.probes.len() {
        let o = sim.run_probe(i).unwrap();
        text.push_str(&r.render(&topo, sim.events_of(&o)));
    }
    for l in [
        trace::Lesson::Veth,
        trace::Lesson::ConnectedRoute,
        trace::Lesson::LocalTable,
        trace::Lesson::Neigh(netsim_core::neigh::NudState::Incomplete),
        trace::Lesson::Neigh(netsim_core::neigh::NudState::Delay),
        trace::Lesson::Neigh(netsim_core::neigh::NudState::Probe),
        trace::Lesson::Neigh(netsim_core::neigh::NudState::Failed),
    ] {
        assert_eq!(text.matches(l.text()).count(), 1, "{l:?} in\n{text}");
    }
    // Why probe 8 timed out: c4 has no route back.
    assert!(
        text.contains("probe 8 ends: timeout: nothing came back within 5 s"),
        "{text}"
    );
    assert!(
        text.contains(
            "the last packet lost was dropped at c4: this namespace has no route to 10.0.1.1"
        ),
        "{text}"
    );
    // The closed UDP port is said once, not again on the ICMP line.
    let topo = load(examples::find("docker0.yaml").unwrap());
    let udp = probe_text(&topo, 6);
    assert!(
        udp.contains("nothing listens on UDP port 53 in host"),
        "{udp}"
    );
    assert!(
        udp.contains("host sends ICMP port unreachable back to 172.17.0.2"),
        "{udp}"
    );
}

#[test]
fn the_spanning_tree_blocks_two_ports_and_the_frames_that_reach_them() {
    let e = examples::find("stp.yaml").unwrap();
    let topo = load(e);
    let mut sim = Sim::new(topo.clone());
    sim.run_all();
    // Measured on the kernel (examples/KERNEL-CHECKS.md): `bridge link`.
    let h2 = topo.node_by_name("h2").unwrap();
    let h3 = topo.node_by_name("h3").unwrap();
    let blocking = |n| -> Vec<String> {
        view::render(&sim, n, View::Stp)
            .lines()
            .filter(|l| l.contains("state blocking"))
            .map(|l| l.split(": ").nth(1).unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(blocking(h2), ["to-h1b"]);
    assert_eq!(blocking(h3), ["to-h2@veth-c3"]);
    assert!(view::render(&sim, h3, View::Stp).contains("  port to-h1 id 0x8001 role root\n"));
    // c2's ARP broadcast reaches h3 over its blocking port and goes no
    // further there; it reaches c3 the other way round, through h1.
    let text = probe_text(&topo, 2);
    assert!(
        text.contains("dropped at h3:to-h2: the port is blocking"),
        "{text}"
    );
    assert!(!text.contains("storm"), "{text}");
}

#[test]
fn a_storm_is_stopped_and_names_its_loop() {
    let e = examples::find("storm.yaml").unwrap();
    let topo = load(e);
    let mut sim = Sim::new(topo.clone());
    let o = sim.run_probe(0).unwrap();
    let storm = o.storm.clone().expect("the ring storms");
    let ports: Vec<String> = storm.ports.iter().map(|&p| topo.iface_label(p)).collect();
    // Found from h2's bridge, the first to flood c1's ARP request a 33rd time.
    assert_eq!(ports, ["h2:to-h1a", "h1:to-h2a", "h1:to-h2b", "h2:to-h1b"]);
    // Each port of the loop is followed by the one its frames arrive on:
    // the other end of the veth, or another port of the same bridge.
    for w in storm
        .ports
        .windows(2)
        .chain([[storm.ports[3], storm.ports[0]].as_slice()])
    {
        let (a, b) = (topo.iface(w[0]), topo.iface(w[1]));
        assert!(
            a.veth_peer() == Some(w[1]) || (a.master.is_some() && a.master == b.master),
            "{} → {}",
            topo.iface_label(w[0]),
            topo.iface_label(w[1])
        );
    }
    // The copies multiply: far more floods than bridges, and ever more
    // frames on the cables; the run is stopped within a few turns.
    let events = sim.events_of(&o);
    let floods = events
        .iter()
        .filter(|e| matches!(e.kind, netsim_core::trace::EventKind::Flood { .. }))
        .count();
    assert!(floods > 60 && events.len() < 5_000, "{floods} floods");
    let in_flight = events.iter().find_map(|e| match &e.kind {
        netsim_core::trace::EventKind::Drop {
            reason: netsim_core::trace::DropReason::Storm { in_flight, .. },
        } => Some(*in_flight),
        _ => None,
    });
    assert!(in_flight.is_some_and(|n| n > 60), "{in_flight:?}");
}
