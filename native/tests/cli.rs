//! The `netsim` command as a user runs it: exit statuses, JSON fields,
//! errors that say where, the views.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn netsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netsim"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn temp_file(name: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn check_passes_every_example() {
    for e in std::fs::read_dir(root().join("examples")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            let o = netsim(&["check", p.to_str().unwrap()]);
            assert!(o.status.success(), "{}:\n{}", p.display(), text(&o));
            assert!(text(&o).contains(" 0 failed"), "{}", text(&o));
        }
    }
}

#[test]
fn check_json_has_the_fields_programs_need() {
    let o = netsim(&["check", "examples/docker0.yaml", "--json"]);
    assert!(o.status.success());
    let lines: Vec<serde_json::Value> = text(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 8);
    let first = &lines[0];
    for key in [
        "from",
        "to",
        "proto",
        "port",
        "result",
        "seen_from",
        "ttl",
        "pass",
    ] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert_eq!(first["from"], "bus2");
    assert_eq!(first["result"], "reply");
    assert_eq!(first["seen_from"], "172.17.0.3");
    assert_eq!(first["ttl"], 64);
    assert_eq!(first["pass"], true);
}

#[test]
fn a_wrong_expectation_fails_with_status_1_and_says_why() {
    let p = temp_file(
        "wrong.yaml",
        "name: w\nnodes:\n  a: { kind: host, interfaces: { eth0: { addresses: [10.0.0.1/24] } } }\n  b: { kind: host, interfaces: { eth0: { addresses: [10.0.0.2/24] } } }\nlinks:\n  - veth: [a:eth0, b:eth0]\nprobes:\n  - { from: a, to: b, proto: icmp, expect: { result: reply, ttl: 63 } }\n",
    );
    let o = netsim(&["check", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("FAIL"), "{}", text(&o));
    assert!(
        text(&o).contains("ttl: expected 63, got 64"),
        "{}",
        text(&o)
    );
}

#[test]
fn an_invalid_file_exits_2_with_file_line_and_path() {
    let o = netsim(&["check", "tests/invalid/unknown-kind.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("tests/invalid/unknown-kind.yaml:3:"), "{err}");
    assert!(err.contains("nodes.a.kind"), "{err}");
    let o = netsim(&["check", "no/such/file.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read no/such/file.yaml"));
}

#[test]
fn trace_one_probe_text_and_json() {
    let o = netsim(&["trace", "examples/docker0.yaml", "--probe", "1"]);
    assert!(o.status.success());
    let t = text(&o);
    assert!(t.starts_with("probe 1: bus2 → bus1"), "{t}");
    assert!(
        t.contains("ARP, Request who-has 172.17.0.2 tell 172.17.0.3"),
        "{t}"
    );
    assert!(!t.contains("probe 2:"), "only probe 1");
    let o = netsim(&["trace", "examples/docker0.yaml", "-p", "1", "--json"]);
    let events: Vec<serde_json::Value> = text(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(events
        .iter()
        .all(|e| e["explain"].is_string() && e["type"].is_string()));
    assert!(events.iter().any(|e| e["type"] == "frame_sent"
        && e["bytes"]
            .as_str()
            .is_some_and(|b| b.starts_with("ffffffffffff"))));
    // The first crossing: bus2's ARP request over its veth pair.
    let t = events
        .iter()
        .find(|e| e["type"] == "transmit")
        .expect("a transmit event");
    assert_eq!(t["from"], "bus2:eth0");
    assert_eq!(t["to"], "host:vethb1c3a07");
    assert_eq!(t["link"], "bus2:eth0-host:vethb1c3a07");
    assert_eq!(t["link_kind"], "veth");
    assert_eq!(
        t["arrive_ns"].as_u64().unwrap() - t["depart_ns"].as_u64().unwrap(),
        1000
    );
    let sent = &events[t["cause"].as_u64().unwrap() as usize];
    assert_eq!(
        (&sent["type"], &sent["frame"]),
        (&"frame_sent".into(), &t["frame"])
    );
    // Names, not numbers: the route lookup names its device.
    let route = events
        .iter()
        .find(|e| e["type"] == "route_lookup" && !e["route"].is_null())
        .expect("a route lookup");
    assert_eq!(route["route"]["dev"], "eth0");
    // Every event of the probe carries its number, the end included.
    assert!(events.iter().all(|e| e["probe"] == 1));
    let o = netsim(&["trace", "examples/docker0.yaml", "-p", "99"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("there is no probe 99"));
}

#[test]
fn show_prints_the_views_after_the_probes() {
    let o = netsim(&["show", "examples/docker0.yaml", "bus1", "addr"]);
    let t = text(&o);
    assert!(t.contains("eth0@if"), "{t}");
    assert!(t.contains("link/ether 02:42:ac:11:00:02"), "{t}");
    assert!(
        t.contains("inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0"),
        "{t}"
    );
    let t = text(&netsim(&["show", "examples/docker0.yaml", "host", "fdb"]));
    assert!(
        t.contains("02:42:ac:11:00:02 dev veth2d6f8e9 master docker0\n"),
        "{t}"
    );
    let t = text(&netsim(&["show", "examples/docker0.yaml", "bus2", "neigh"]));
    assert!(
        t.contains("172.17.0.2 dev eth0 lladdr 02:42:ac:11:00:02"),
        "{t}"
    );
    let t = text(&netsim(&["show", "examples/docker0.yaml", "bus1"]));
    for h in [
        "# bus1: ip addr",
        "# bus1: ip route",
        "# bus1: ip neigh",
        "# bus1: bridge fdb",
    ] {
        assert!(t.contains(h), "{t}");
    }
    let o = netsim(&["show", "examples/docker0.yaml", "bus9"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the nodes are: host, bus1, bus2"));
}

#[test]
fn show_at_any_point_of_the_run() {
    // Event 3 of docker0 is bus2's ARP request going out: the entry is INCOMPLETE.
    let t = text(&netsim(&[
        "show",
        "examples/docker0.yaml",
        "bus2",
        "neigh",
        "--at-event",
        "3",
    ]));
    assert_eq!(t, "172.17.0.2 dev eth0  INCOMPLETE\n");
    let t = text(&netsim(&[
        "show",
        "examples/docker0.yaml",
        "bus2",
        "neigh",
        "--after-probe",
        "1",
    ]));
    assert_eq!(
        t,
        "172.17.0.2 dev eth0 lladdr 02:42:ac:11:00:02 REACHABLE\n"
    );
    // The JSON trace numbers events over the whole run, as --at-event counts them.
    let o = netsim(&["trace", "examples/docker0.yaml", "-p", "2", "--json"]);
    let first: serde_json::Value = serde_json::from_str(text(&o).lines().next().unwrap()).unwrap();
    assert!(first["index"].as_u64().unwrap() > 30, "{first}");
    assert_eq!(first["type"], "probe_start");
}
