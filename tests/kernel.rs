//! Kernel cross-check: every example is built on the real Linux kernel, in a
//! private sandbox (`unshare -m -n --propagation private`), as `netsim apply`
//! would build it, and every probe's kernel result, source seen and TTL on
//! arrival must equal what the simulator says.
//!
//! The build script is generated from the resolved model (any topology),
//! and uses the helpers in
//! `tests/kernel/`: `lib.sh` (namespaces, wires, listeners, probes with a
//! tcpdump capture on the destination), `listen.py` (TCP accepts, UDP
//! echoes) and `probe.py` (one TCP connect or UDP datagram, 5 s, with
//! `IP_RECVERR` to tell ICMP time exceeded from unreachable).
//!
//! Views compared: `ip addr`, `ip route`, `ip neigh`, `bridge fdb` and the
//! STP view of every node, `ip route get` of every probe, and `conntrack -L`
//! and `nft list ruleset` of every node with NAT rules.
//!
//! Bridges with STP get the kernel's shortest timers, and the probes wait
//! until the tree has converged and its topology change is over
//! (`stp_wait`); `bridge link` and each STP bridge's root and port roles
//! (sysfs) are compared with `netsim show NODE stp`. A loop of bridge ports
//! that no STP breaks is a broadcast storm: such a file is skipped, with the
//! loop named (`build::unsupported`).
//!
//! Needs root and `unshare`, `ip`, `tcpdump`, `python3`, `ping`, `timeout`,
//! `nft`, `conntrack`:
//! without them the test fails, unless `NETSIM_SKIP_KERNEL=1` is set. It
//! never touches the machine's own network namespace: everything lives in
//! the sandbox and vanishes with it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "kernel/build.rs"]
mod build;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use netsim_core::examples;
use netsim_core::model::{IfaceKind, NodeId, ProbeResult, Topology};
use netsim_core::sim::Sim;
use netsim_core::view::{self, View};

/// Tools the generated script runs.
const TOOLS: [&str; 9] = [
    "unshare",
    "ip",
    "tcpdump",
    "python3",
    "ping",
    "timeout",
    "bash",
    "nft",
    "conntrack",
];

/// Seconds after which one example's sandbox is stopped (it normally takes
/// well under a minute).
const SANDBOX_TIMEOUT_S: &str = "240";

/// What the simulator says of one probe.
#[derive(Debug, Clone)]
struct SimSide {
    result: ProbeResult,
    seen_from: Option<Ipv4Addr>,
    ttl: Option<u8>,
    /// Where the simulator delivered the first packet.
    reached: Option<NodeId>,
}

/// What the kernel did with one probe (`-` where nothing was seen).
#[derive(Debug, Clone)]
struct KernelSide {
    result: String,
    seen_from: String,
    ttl: String,
}

/// The outcome of one example's run in its sandbox.
struct Run {
    kernel: Vec<Option<KernelSide>>,
    /// (node, view, what the real tool printed), at the end of the run.
    views: Vec<(String, String, String)>,
    status: String,
    stderr: String,
    /// `nft list ruleset` of each node with NAT rules, by node name.
    nft: Vec<(String, String)>,
    secs: f64,
}

fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `script` in a fresh sandbox and reads its probe lines.
fn run_in_sandbox(file: &str, script: &str, probes: usize) -> Run {
    let stem = file
        .rsplit('/')
        .next()
        .unwrap_or(file)
        .trim_end_matches(".yaml");
    let path = std::env::temp_dir().join(format!("netsim-kernel-{}-{stem}.sh", std::process::id()));
    std::fs::write(&path, script).expect("write the generated script");
    let t0 = Instant::now();
    let out = Command::new("timeout")
        .args(["-k", "10", SANDBOX_TIMEOUT_S])
        .args(["unshare", "-m", "-n", "--propagation", "private", "bash"])
        .arg(&path)
        .output();
    let secs = t0.elapsed().as_secs_f64();
    // NETSIM_KERNEL_KEEP=DIR keeps a copy of each generated script there.
    if let Some(dir) = std::env::var_os("NETSIM_KERNEL_KEEP") {
        let _ = std::fs::copy(&path, Path::new(&dir).join(format!("{stem}.sh")));
    }
    let _ = std::fs::remove_file(&path);
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            return Run {
                kernel: vec![None; probes],
                views: Vec::new(),
                status: format!("could not start the sandbox: {e}"),
                stderr: String::new(),
                nft: Vec::new(),
                secs,
            };
        }
    };
    let mut kernel = vec![None; probes];
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut views: Vec<(String, String, String)> = Vec::new();
    let mut nft: Vec<(String, String)> = Vec::new();
    let mut in_nft: Option<(String, String)> = None;
    for line in stdout.lines() {
        if let Some(node) = line.strip_prefix("NFT-BEGIN ") {
            in_nft = Some((node.to_string(), String::new()));
            continue;
        }
        if line == "NFT-END" {
            nft.extend(in_nft.take());
            continue;
        }
        if let Some((_, text)) = in_nft.as_mut() {
            text.push_str(line);
            text.push('\n');
            continue;
        }
        // `VIEW NODE WHICH` opens a view; its lines follow, each `| ...`.
        if let Some(rest) = line.strip_prefix("VIEW ") {
            let mut f = rest.split(' ');
            let (node, which) = (f.next().unwrap_or(""), f.next().unwrap_or(""));
            views.push((node.to_string(), which.to_string(), String::new()));
            continue;
        }
        if let Some(text) = line.strip_prefix("| ") {
            if let Some(v) = views.last_mut() {
                v.2.push_str(text);
                v.2.push('\n');
            }
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if let ["PROBE", n, result, seen, ttl] = f[..] {
            if let Some(slot) = n
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|n| kernel.get_mut(n))
            {
                *slot = Some(KernelSide {
                    result: result.to_string(),
                    seen_from: seen.to_string(),
                    ttl: ttl.to_string(),
                });
            }
        }
    }
    Run {
        kernel,
        views,
        status: out.status.to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        nft,
        secs,
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// Fails (or, with `NETSIM_SKIP_KERNEL=1`, skips) when the machine cannot
/// run the check. Returns false when skipping.
fn prerequisites() -> bool {
    if std::env::var("NETSIM_SKIP_KERNEL").as_deref() == Ok("1") {
        println!("kernel cross-check SKIPPED: NETSIM_SKIP_KERNEL=1");
        return false;
    }
    let mut missing = Vec::new();
    let root = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false);
    if !root {
        missing.push("root (effective uid 0)".to_string());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for tool in TOOLS {
        if !std::env::split_paths(&path).any(|d| d.join(tool).is_file()) {
            missing.push(format!("`{tool}` on PATH"));
        }
    }
    assert!(
        missing.is_empty(),
        "the kernel cross-check cannot run, it lacks: {}. Run it as root with \
         iproute2, tcpdump, iputils-ping, python3 and util-linux installed, or set \
         NETSIM_SKIP_KERNEL=1 to skip it",
        missing.join(", ")
    );
    true
}

/// What a view of the kernel's looks like once the differences that the
/// spec lists (and `netsim show --help` repeats) are taken out:
///
/// - namespaces are named `n-NODE` in the sandbox, `NODE` in netsim;
/// - a NIC on a wire is built as a veth into the wire's own namespace
///   (`wK`), and shown by netsim as the physical NIC it stands for: no
///   `@ifN`, no `link-netns`, `qdisc fq_codel`;
/// - `ip neigh` lists entries in the order of a hash table with a random
///   key, and the state of a valid entry (REACHABLE, STALE, DELAY, PROBE)
///   depends on the real time between the probes: compared as a sorted
///   list, valid states as one; a FAILED entry that one side lists and the
///   other does not list at all is left out: the kernel's periodic
///   neighbour GC drops unused FAILED entries once the ARP table, which
///   all namespaces of the machine share, holds more than `gc_thresh1`
///   (128) entries, so whether one is still there depends on what else the
///   machine runs (the parallel sandboxes of this check among them);
/// - a bridge sends IGMP reports for 224.0.0.106 when it comes up (its
///   multicast snooping's router discovery); netsim has no IGMP, so
///   another bridge learning a bridge's MAC from them is left out, and so
///   is a vxlan device learning it behind a remote VTEP (when the report
///   crossed an overlay: `BR-MAC dev vxlan0 dst IP self`). Everything else
///   of a vxlan (its `ip addr`, its FDB lines, the bridge's entries for it)
///   is compared;
/// - an STP bridge sends BPDUs from each port's own MAC, and the bridge
///   that receives them learns that MAC (`br_handle_local_finish`); netsim
///   does not send BPDUs frame by frame, so entries learned for the MAC of
///   an STP bridge's port are left out;
/// - `bridge link` names a NIC's peer (the wire's end, in another
///   namespace) as `@ifN`; netsim shows the physical NIC, without.
fn normalise(topo: &Topology, node: &str, which: &str, text: &str) -> String {
    let nics: Vec<&str> = topo
        .node_by_name(node)
        .map(|n| {
            topo.node(n)
                .ifaces
                .iter()
                .map(|&i| topo.iface(i))
                .filter(|i| i.kind() == IfaceKind::Nic)
                .map(|i| i.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    let bridge_macs: Vec<String> = topo
        .ifaces
        .iter()
        .filter(|i| i.kind() == IfaceKind::Bridge)
        .map(|i| i.mac.to_string())
        .chain(
            topo.ifaces
                .iter()
                .filter(|i| i.master.is_some_and(|m| topo.iface(m).stp()))
                .map(|i| i.mac.to_string()),
        )
        .collect();
    let mut lines: Vec<String> = Vec::new();
    let mut in_nic = false;
    for l in text.lines() {
        if which == "fdb"
            && !l.contains("permanent")
            && bridge_macs.iter().any(|m| l.starts_with(m.as_str()))
        {
            continue;
        }
        let mut l = l.replace("link-netns n-", "link-netns ");
        if which == "addr" {
            if let Some((_, rest)) = l.split_once(": ").filter(|_| !l.starts_with(' ')) {
                let name = rest.split([':', '@']).next().unwrap_or("");
                in_nic = nics.contains(&name);
                if in_nic {
                    if let (Some(a), Some(b)) = (l.find('@'), l.find(": <")) {
                        l.replace_range(a..b, "");
                    }
                    l = l.replace("qdisc noqueue", "qdisc fq_codel");
                }
            } else if in_nic {
                if let Some(k) = l.find(" link-netns w") {
                    l.truncate(k);
                }
            }
        }
        if which == "stp" && !l.starts_with(' ') {
            if let Some((idx, rest)) = l.split_once(": ") {
                if let Some((name, tail)) = rest.split_once(": ") {
                    let bare = name.split('@').next().unwrap_or(name);
                    if nics.contains(&bare) {
                        l = format!("{idx}: {bare}: {tail}");
                    }
                }
            }
        }
        if which == "neigh" {
            for s in ["REACHABLE", "STALE", "DELAY", "PROBE"] {
                l = l.replace(&format!(" {s} "), " (valid) ");
            }
        }
        lines.push(l);
    }
    if which == "conntrack" {
        // Without the IGMP report a bridge sends when it comes up (protocol
        // 2, which netsim does not model), and the count that includes it.
        lines = lines
            .iter()
            .filter(|l| !l.split_whitespace().take(2).eq(["unknown", "2"]))
            .filter(|l| !l.starts_with("conntrack v"))
            .map(|l| conntrack_line(l))
            .collect();
    }
    if which == "neigh" || which == "conntrack" {
        lines.sort();
    }
    lines.join("\n")
}

/// Each of netsim's views against the real tool's, line by line.
/// A `conntrack -L` line without what the kernel chooses at random or by
/// the clock: the timeout, ephemeral ports (32768 and up, the default
/// `ip_local_port_range`) and echo ids, and the reference count.
fn conntrack_line(l: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for (k, w) in l.split_whitespace().enumerate() {
        if k == 2 && w.bytes().all(|b| b.is_ascii_digit()) || w.starts_with("use=") {
            continue;
        }
        let w = match w.split_once('=') {
            Some(("sport" | "dport", p)) if p.parse::<u32>().is_ok_and(|p| p >= 32768) => {
                format!("{}=EPHEMERAL", &w[..5])
            }
            Some(("id", _)) => "id=ID".to_string(),
            _ => w.to_string(),
        };
        out.push(w);
    }
    out.join(" ")
}

/// `ip neigh` lines of `ours` without the FAILED entries for addresses
/// that `theirs` does not list at all (see [`normalise`]).
fn without_lone_failed(ours: &str, theirs: &str) -> String {
    let listed: Vec<&str> = theirs
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    ours.lines()
        .filter(|l| {
            let addr = l.split_whitespace().next().unwrap_or("");
            !l.trim_end().ends_with(" FAILED") || listed.contains(&addr)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn compare_views(
    topo: &Topology,
    sim: &[(String, String, String)],
    kernel: &[(String, String, String)],
) -> Vec<String> {
    let mut bad = Vec::new();
    for (node, which, ours) in sim {
        let Some((_, _, theirs)) = kernel.iter().find(|(n, w, _)| n == node && w == which) else {
            bad.push(format!("{node} {which}: the kernel's view is missing"));
            continue;
        };
        let a = normalise(topo, node, which, ours);
        let b = normalise(topo, node, which, theirs);
        let (a, b) = if which == "neigh" {
            (without_lone_failed(&a, &b), without_lone_failed(&b, &a))
        } else {
            (a, b)
        };
        if a != b {
            let mut d = format!("{node}: `{which}` differs (- netsim, + kernel):");
            let (al, bl): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
            for k in 0..al.len().max(bl.len()) {
                match (al.get(k), bl.get(k)) {
                    (Some(x), Some(y)) if x == y => d.push_str(&format!("\n      {x:?}")),
                    (x, y) => {
                        if let Some(x) = x {
                            d.push_str(&format!("\n    - {x:?}"));
                        }
                        if let Some(y) = y {
                            d.push_str(&format!("\n    + {y:?}"));
                        }
                    }
                }
            }
            bad.push(d);
        }
    }
    bad
}

fn host_netns_list() -> String {
    Command::new("ip")
        .args(["netns", "list"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// One example, ready to run: its simulator outcomes and its script.
struct Case {
    /// `examples/NAME.yaml` or `tests/kernel/cases/NAME.yaml`.
    file: String,
    topo: Topology,
    sim: Vec<SimSide>,
    /// `show NODE VIEW` after every probe: (node, view, text).
    views: Vec<(String, String, String)>,
    script: String,
}

#[test]
fn kernel_agrees_with_the_simulator_on_every_example() {
    if !prerequisites() {
        return;
    }
    let lib = tests_dir().join("kernel").join("lib.sh");
    assert!(lib.is_file(), "{} is missing", lib.display());

    // Every example, and the cases kept for the kernel's answer to
    // unusual input (tests/kernel/cases/).
    let mut files: Vec<(String, String)> = examples::ALL
        .iter()
        .map(|e| (format!("examples/{}", e.file), e.yaml.to_string()))
        .collect();
    let case_dir = tests_dir().join("kernel").join("cases");
    let mut extra: Vec<_> = std::fs::read_dir(&case_dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    extra.retain(|p: &PathBuf| p.extension().is_some_and(|x| x == "yaml"));
    extra.sort();
    for p in extra {
        let name = format!(
            "tests/kernel/cases/{}",
            p.file_name().unwrap_or_default().to_string_lossy()
        );
        let text = std::fs::read_to_string(&p).expect("read a kernel case");
        files.push((name, text));
    }
    let mut cases = Vec::new();
    for (file, yaml) in &files {
        let topo = match netsim_core::load(file, yaml) {
            Ok(t) => t,
            Err(d) => panic!("{file} does not load:\n{d}"),
        };
        if let Some(why) = build::unsupported(&topo) {
            println!("kernel cross-check: SKIPPING {file}: {why} (not built by this check)");
            continue;
        }
        let mut sim = Sim::new(topo.clone());
        let outcomes: Vec<SimSide> = (0..topo.probes.len())
            .map(|i| {
                let o = sim.run_probe(i).unwrap();
                SimSide {
                    result: o.result,
                    seen_from: o.seen_from,
                    reached: o.reached,
                    ttl: o.ttl,
                }
            })
            .collect();
        let reached: Vec<_> = outcomes.iter().map(|o| o.reached).collect();
        let script = build::script(file, &topo, &reached, &lib);
        let mut views = Vec::new();
        for (from, to) in build::route_gets(&topo) {
            // `ip route get` ends its line with a space.
            let mut line = view::route_get(&sim, from, to);
            if !line.starts_with("RTNETLINK") {
                line.push(' ');
            }
            views.push((topo.node(from).name.clone(), format!("rget:{to}"), line));
        }
        // The views the kernel's tools print here (nft is compared on its
        // own; conntrack where NAT rules make the kernel track).
        for n in &topo.nodes {
            let nat = if n.nat.is_empty() {
                None
            } else {
                Some(View::Conntrack)
            };
            for v in [View::Addr, View::Route, View::Neigh, View::Fdb, View::Stp]
                .into_iter()
                .chain(nat)
            {
                views.push((
                    n.name.clone(),
                    v.as_str().to_string(),
                    view::render(&sim, n.id, v),
                ));
            }
        }
        cases.push(Case {
            file: file.clone(),
            topo,
            sim: outcomes,
            views,
            script,
        });
    }

    let netns_before = host_netns_list();
    let t0 = Instant::now();
    // One sandbox per example, all at once: they share nothing.
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|c| s.spawn(|| run_in_sandbox(&c.file, &c.script, c.topo.probes.len())))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("sandbox thread panicked"))
            .collect()
    });
    let total = t0.elapsed().as_secs_f64();
    let netns_after = host_netns_list();

    let mut failures = Vec::new();
    for (c, run) in cases.iter().zip(&runs) {
        println!(
            "\n== {} ({:.1} s, sandbox {})",
            c.file, run.secs, run.status
        );
        println!(
            "{:>3}  {:<32} {:<26} {:<26}",
            "#", "probe", "simulator", "kernel"
        );
        let mut bad = Vec::new();
        for (k, (p, sim)) in c.topo.probes.iter().zip(&c.sim).enumerate() {
            let port = p.port.map(|p| format!("/{p}")).unwrap_or_default();
            let label = format!(
                "{} -> {} {}{port} ttl {}",
                c.topo.node(p.from).name,
                p.to,
                p.proto.as_str(),
                p.ttl
            );
            let sim_text = format!("{} {} {}", sim.result, opt(sim.seen_from), opt(sim.ttl));
            let Some(kern) = &run.kernel[k] else {
                println!("{:>3}  {label:<32} {sim_text:<26} (no result)", k + 1);
                bad.push(format!(
                    "probe {} ({label}): simulator {sim_text}, kernel: no result line",
                    k + 1
                ));
                continue;
            };
            let kern_text = format!("{} {} {}", kern.result, kern.seen_from, kern.ttl);
            println!("{:>3}  {label:<32} {sim_text:<26} {kern_text:<26}", k + 1);
            let mut fields = Vec::new();
            if kern.result != sim.result.as_str() {
                fields.push("result");
            }
            // What the destination saw, both ways round: the simulator
            // seeing nothing where the kernel saw the packet (or the other
            // way) is a disagreement too.
            if kern.seen_from != opt(sim.seen_from) {
                fields.push("seen_from");
            }
            if kern.ttl != opt(sim.ttl) {
                fields.push("ttl");
            }
            if !fields.is_empty() {
                bad.push(format!(
                    "probe {} ({label}): {} differ: simulator {sim_text}, kernel {kern_text}",
                    k + 1,
                    fields.join(", ")
                ));
            }
        }
        bad.extend(compare_views(&c.topo, &c.views, &run.views));
        // `netsim show NODE nft` is what nftables holds.
        for n in c.topo.nodes.iter().filter(|n| !n.nat.is_empty()) {
            let ours = netsim_core::netfilter::views::nft_ruleset(&c.topo, n.id);
            let theirs = run
                .nft
                .iter()
                .find(|(name, _)| *name == n.name)
                .map(|(_, t)| t.as_str());
            if theirs != Some(ours.as_str()) {
                bad.push(format!(
                    "node {}: `nft list ruleset` differs from `netsim show {} nft`:\n--- kernel\n{}--- netsim\n{ours}",
                    n.name,
                    n.name,
                    theirs.unwrap_or("(nothing)\n")
                ));
            }
        }
        if !bad.is_empty() {
            failures.push(format!(
                "{}: sandbox {}\n  {}\n--- script stderr ---\n{}",
                c.file,
                run.status,
                bad.join("\n  "),
                run.stderr
            ));
        }
    }
    println!(
        "\nkernel cross-check: {} examples, {} probes, {total:.1} s",
        cases.len(),
        cases.iter().map(|c| c.topo.probes.len()).sum::<usize>()
    );

    assert_eq!(
        netns_before, netns_after,
        "`ip netns list` in the machine's namespace changed during the check"
    );
    assert!(
        failures.is_empty(),
        "the kernel and the simulator disagree:\n\n{}",
        failures.join("\n\n")
    );
}
