//! The `netsim` command as a user runs it: exit statuses, JSON fields,
//! errors that say where, the views.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

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
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/file.yaml: cannot read it"));
}

#[test]
fn trace_one_probe_text_and_json() {
    let o = netsim(&["trace", "examples/docker0.yaml", "--probe", "1"]);
    assert!(o.status.success());
    let t = text(&o);
    assert!(t.starts_with("probe 1: bus2 → bus1"), "{t}");
    assert!(
        t.contains("ethertype ARP (0x0806), length 42: Request who-has 172.17.0.2 tell 172.17.0.3, length 28"),
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
    // A frame's bytes are written once: a frame sent on unchanged (bridged)
    // refers to the first copy instead of repeating them.
    let sent: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["type"] == "frame_sent")
        .collect();
    assert!(sent
        .iter()
        .all(|e| e["bytes"].is_string() != e["same_bytes_as"].is_number()));
    assert!(sent.iter().any(|e| e["same_bytes_as"].is_number()));
    assert!(events
        .iter()
        .filter(|e| e["type"] == "frame_received")
        .all(|e| e["bytes"].is_null() && e["frame"].is_number()));
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
        t.contains("02:42:ac:11:00:02 dev veth2d6f8e9 master docker0 \n"),
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
        "# bus1: bridge fdb show",
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
    assert_eq!(t, "172.17.0.2 dev eth0 INCOMPLETE \n");
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
        "172.17.0.2 dev eth0 lladdr 02:42:ac:11:00:02 REACHABLE \n"
    );
    // The JSON trace numbers events over the whole run, as --at-event counts them.
    let o = netsim(&["trace", "examples/docker0.yaml", "-p", "2", "--json"]);
    let first: serde_json::Value = serde_json::from_str(text(&o).lines().next().unwrap()).unwrap();
    assert!(first["index"].as_u64().unwrap() > 30, "{first}");
    assert_eq!(first["type"], "probe_start");
}

fn netsim_with(args: &[&str], stdout: Stdio, stderr: Stdio) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netsim"))
        .args(args)
        .current_dir(root())
        .stdout(stdout)
        .stderr(stderr)
        .output()
        .unwrap()
}

/// A file whose second probe fails.
fn failing_file() -> PathBuf {
    temp_file(
        "failing.yaml",
        "name: w\nnodes:\n  a: { kind: host, interfaces: { eth0: { addresses: [10.0.0.1/24] } } }\n  b: { kind: host, interfaces: { eth0: { addresses: [10.0.0.2/24] } } }\nlinks:\n  - veth: [a:eth0, b:eth0]\nprobes:\n  - { from: a, to: b, proto: icmp, expect: reply }\n  - { from: a, to: b, proto: icmp, expect: { result: reply, ttl: 63 } }\n",
    )
}

#[test]
fn a_file_over_the_limit_is_refused_without_being_read_whole() {
    // Under a 512 MiB address-space limit: reading /dev/zero whole would
    // run out of memory long before it ended; stopping at the limit does not.
    let o = Command::new("bash")
        .args(["-c", "ulimit -v 524288 && exec \"$0\" check /dev/zero"])
        .arg(env!("CARGO_BIN_EXE_netsim"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/dev/zero:1:1: the file is larger than 64 MiB"),
        "{err}"
    );
    let o = netsim(&["check", "--help"]);
    assert!(text(&o).contains("at most 64 MiB"), "{}", text(&o));
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_status_of_the_run() {
    // The reading end is closed before netsim writes anything: every write
    // meets EPIPE, as with `| head -0`.
    let p = failing_file();
    let mut child = Command::new(env!("CARGO_BIN_EXE_netsim"))
        .args(["check", p.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "a probe failed");
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = netsim_with(
        &["check", "examples/docker0.yaml"],
        Stdio::null(),
        Stdio::piped(),
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn output_lost_to_an_error_is_never_success() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let o = netsim_with(
        &["check", "examples/docker0.yaml"],
        Stdio::from(full()),
        Stdio::piped(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("error: cannot write the output"), "{err}");
    // Standard error gone too: no panic, the status says it.
    let o = netsim_with(
        &["check", "tests/invalid/many-errors.yaml"],
        Stdio::from(full()),
        Stdio::from(full()),
    );
    assert_eq!(o.status.code(), Some(2));
    let o = netsim_with(
        &["check", "examples/docker0.yaml"],
        Stdio::from(full()),
        Stdio::from(full()),
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn many_errors_end_in_one_line() {
    let o = netsim(&["check", "tests/invalid/many-errors.yaml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("error: ").count(), 50, "{err}");
    assert!(err.ends_with("… and 10 more errors\n"), "{err}");
}

#[test]
fn control_characters_from_the_file_are_escaped() {
    let p = temp_file(
        "controls.yaml",
        "name: c\ndescription: \"\\e[2J\\rPASS \\u202E\"\nnodes:\n  a: { kind: host }\n",
    );
    let o = netsim(&["check", p.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        !t.contains('\u{1b}') && !t.contains('\r') && !t.contains('\u{202e}'),
        "{t:?}"
    );
    // Line breaks and carriage returns are white space, folded to one.
    assert!(t.starts_with("c: \\x1b[2J PASS \\u{202e}\n"), "{t:?}");
    let o = netsim(&["check", "tests/invalid/control-characters.yaml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains('\u{1b}') && !err.contains('\r'), "{err:?}");
    assert!(
        err.contains("unknown node kind `\\x1b]0;owned\\x07`"),
        "{err}"
    );
    let o = netsim(&["show", "examples/docker0.yaml", "a\u{1b}[2J"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no node named `a\\x1b[2J`"), "{err}");
}

#[test]
fn under_json_errors_are_json() {
    let o = netsim(&["check", "--json", "tests/invalid/unknown-kind.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let lines: Vec<serde_json::Value> = text(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    let e = &lines[0];
    assert_eq!(e["file"], "tests/invalid/unknown-kind.yaml");
    assert_eq!(e["line"], 3);
    assert!(e["column"].is_u64(), "{e}");
    assert_eq!(e["path"], "nodes.a.kind");
    assert!(
        e["message"].as_str().unwrap().contains("unknown node kind"),
        "{e}"
    );
    assert!(e["help"].is_string(), "{e}");
    let o = netsim(&["check", "--json", "tests/invalid/many-errors.yaml"]);
    let lines: Vec<serde_json::Value> = text(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 51);
    assert_eq!(lines[50]["more_errors"], 10);
    let o = netsim(&["trace", "--json", "no/such/file.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let e: serde_json::Value = serde_json::from_str(text(&o).trim()).unwrap();
    assert!(
        e["line"].is_null() && e["message"].as_str().unwrap().contains("cannot read"),
        "{e}"
    );
}

#[test]
fn an_event_past_the_end_is_an_error_like_a_probe_past_the_end() {
    let o = netsim(&[
        "show",
        "examples/docker0.yaml",
        "bus1",
        "--at-event",
        "99999",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("there is no event 99999; the run has "),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    let n: usize = err
        .split("the run has ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    let last = (n - 1).to_string();
    let o = netsim(&["show", "examples/docker0.yaml", "bus1", "--at-event", &last]);
    assert!(o.status.success());
    let o = netsim(&[
        "show",
        "examples/docker0.yaml",
        "bus1",
        "--at-event",
        &n.to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_file_that_is_not_utf8_is_placed() {
    let o = netsim(&["check", "tests/invalid/not-utf8.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not-utf8.yaml:3:6: byte 0xE9 here is not UTF-8"),
        "{err}"
    );
    assert!(!err.contains("give the path of a topology file"), "{err}");
}

#[test]
fn the_json_trace_gives_each_lesson_once() {
    let o = netsim(&["trace", "examples/docker0.yaml", "--json"]);
    let lessons: Vec<String> = text(&o)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["lesson"].as_str().map(str::to_string))
        .collect();
    assert!(
        lessons.iter().any(|l| l.starts_with("DELAY:")),
        "{lessons:?}"
    );
    let mut unique = lessons.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), lessons.len(), "{lessons:?}");
}

#[test]
fn a_storm_is_reported_with_its_loop_in_check_trace_and_json() {
    let o = netsim(&["check", "examples/storm.yaml"]);
    let t = text(&o);
    assert!(o.status.success(), "`expect: storm` passes:\n{t}");
    assert!(
        t.contains(
            "warning: the bridge ports h1:to-h2a → h2:to-h1a → h2:to-h1b → h1:to-h2b make a loop"
        ),
        "{t}"
    );
    assert!(t.contains("got:      storm\n"), "{t}");
    assert!(
        t.contains("storm: stopped after 1257 events; frames went round the loop h2:to-h1a"),
        "the run is stopped:\n{t}"
    );
    let o = netsim(&["check", "examples/storm.yaml", "--json"]);
    let v: serde_json::Value = serde_json::from_str(text(&o).trim()).unwrap();
    assert_eq!(v["result"], "storm");
    assert_eq!(
        v["storm"]["loop"],
        serde_json::json!(["h2:to-h1a", "h1:to-h2a", "h1:to-h2b", "h2:to-h1b"])
    );
    let t = text(&netsim(&["trace", "examples/storm.yaml"]));
    assert!(
        t.starts_with("probe 1: c1 → c2 (10.0.0.2) icmp: storm\nstorm: "),
        "{}",
        &t[..200]
    );
    assert!(t.contains("frames keep multiplying, a broadcast storm"));
    let last = text(&netsim(&["trace", "examples/storm.yaml", "--json"]));
    let drop = last
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["reason"]["reason"] == "storm")
        .expect("a storm drop event");
    assert_eq!(drop["loop"][0], "h2:to-h1a");
    // The same ring with STP: no warning, and h2's second cable blocks.
    let t = text(&netsim(&["check", "examples/stp.yaml"]));
    assert!(!t.contains("warning"), "{t}");
    let t = text(&netsim(&["show", "examples/stp.yaml", "h2", "stp"]));
    assert!(
        t.contains("4: to-h1b: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master br0 state blocking priority 32 cost 2 \n"),
        "{t}"
    );
    assert!(
        t.contains("  port to-h1b id 0x8003 role alternate\n"),
        "{t}"
    );
}
