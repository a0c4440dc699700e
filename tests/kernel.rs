//! Kernel cross-check: every example is built on the real Linux kernel, in a
//! private sandbox (`unshare -m -n --propagation private`), as `netsim apply`
//! would build it, and every probe's kernel result, source seen and TTL on
//! arrival must equal what the simulator says.
//!
//! The build script is generated from the resolved model (any topology
//! without NAT, `bridge_nf` or vxlan), and uses the helpers in
//! `tests/kernel/`: `lib.sh` (namespaces, wires, listeners, probes with a
//! tcpdump capture on the destination), `listen.py` (TCP accepts, UDP
//! echoes) and `probe.py` (one TCP connect or UDP datagram, 5 s, with
//! `IP_RECVERR` to tell ICMP time exceeded from unreachable).
//!
//! Needs root and `unshare`, `ip`, `tcpdump`, `python3`, `ping`, `timeout`:
//! without them the test fails, unless `NETSIM_SKIP_KERNEL=1` is set. It
//! never touches the machine's own network namespace: everything lives in
//! the sandbox and vanishes with it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use netsim_core::examples;
use netsim_core::model::{IfaceKind, NodeId, ProbeProto, ProbeResult, Topology};
use netsim_core::sim::Sim;

/// Tools the generated script runs.
const TOOLS: [&str; 7] = [
    "unshare", "ip", "tcpdump", "python3", "ping", "timeout", "bash",
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
    status: String,
    stderr: String,
    secs: f64,
}

fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Single-quotes `s` for bash.
fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Why this topology cannot be checked by this generic builder, if it cannot.
fn unsupported(topo: &Topology) -> Option<String> {
    let mut why = Vec::new();
    for i in &topo.ifaces {
        if i.kind() == IfaceKind::Vxlan {
            why.push(format!("{} is a vxlan", topo.iface_label(i.id)));
        }
    }
    (!why.is_empty()).then(|| why.join(", "))
}

/// The node's NAT rules as an nftables ruleset, as `apply` will make them
/// (the CLI's form here; the product will send the same through netlink).
fn nft_ruleset(topo: &Topology, node: NodeId) -> String {
    use netsim_core::model::NatRule;
    let n = topo.node(node);
    let name = |i: netsim_core::model::IfaceId| topo.iface(i).name.clone();
    let (mut pre, mut out, mut post) = (Vec::new(), Vec::new(), Vec::new());
    for r in &n.nat {
        match r {
            NatRule::Masquerade { source, out: o } => {
                let mut m = String::new();
                if let Some(s) = source {
                    let _ = write!(m, "ip saddr {} ", s.trunc());
                }
                if let Some(o) = o {
                    let _ = write!(m, "oifname \"{}\" ", name(*o));
                }
                post.push(format!("{m}masquerade"));
            }
            NatRule::Snat { to, source, out: o } => {
                let mut m = String::new();
                if let Some(s) = source {
                    let _ = write!(m, "ip saddr {} ", s.trunc());
                }
                if let Some(o) = o {
                    let _ = write!(m, "oifname \"{}\" ", name(*o));
                }
                post.push(format!("{m}snat to {to}"));
            }
            NatRule::Dnat {
                proto,
                port,
                to,
                to_port,
                input,
                dest,
            } => {
                let target = match to_port {
                    Some(p) => format!("{to}:{p}"),
                    None => to.to_string(),
                };
                let daddr = match dest {
                    Some(d) => format!("ip daddr {d}"),
                    None => "fib daddr type local".to_string(),
                };
                let l4 = format!("{} dport {port}", proto.as_str());
                match input {
                    Some(i) => pre.push(format!(
                        "iifname \"{}\" {daddr} {l4} dnat to {target}",
                        name(*i)
                    )),
                    None => {
                        pre.push(format!("{daddr} {l4} dnat to {target}"));
                        out.push(format!(
                            "{daddr} ip daddr != 127.0.0.0/8 {l4} dnat to {target}"
                        ));
                    }
                }
            }
        }
    }
    let chain = |name: &str, hook: &str, prio: &str, rules: &[String]| {
        let mut c = format!(
            "  chain {name} {{\n    type nat hook {hook} priority {prio}; policy accept;\n"
        );
        for r in rules {
            let _ = writeln!(c, "    {r}");
        }
        c.push_str("  }\n");
        c
    };
    format!(
        "table ip netsim {{\n{}{}{}}}\n",
        chain("prerouting", "prerouting", "dstnat", &pre),
        chain("output", "output", "-100", &out),
        chain("postrouting", "postrouting", "srcnat", &post)
    )
}

/// The sandbox namespace of a node.
fn ns_of(topo: &Topology, node: NodeId) -> String {
    format!("n-{}", topo.node(node).name)
}

/// The node that owns `addr` (the first interface holding it), if any.
fn owner(topo: &Topology, addr: Ipv4Addr) -> Option<NodeId> {
    topo.ifaces
        .iter()
        .find(|i| i.addresses.iter().any(|a| a.addr() == addr))
        .map(|i| i.node)
}

/// A bash script that builds `topo` as `netsim apply` does, starts its
/// listeners and runs its probes in file order, printing one
/// `PROBE <n> <result> <seen_from> <ttl>` line per probe.
fn script(file: &str, topo: &Topology, sim: &[SimSide], lib: &Path) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "# generated by tests/kernel.rs from {file}");
    let _ = writeln!(w, ". {}", q(&lib.to_string_lossy()));
    let ns = |n: NodeId| q(&ns_of(topo, n));

    let _ = writeln!(w, "# nodes");
    for n in &topo.nodes {
        let _ = writeln!(w, "ns {} {}", ns(n.id), u8::from(n.forwarding));
    }
    let _ = writeln!(w, "# wires: a namespace with a bridge each");
    for (k, _) in topo.wires.iter().enumerate() {
        let _ = writeln!(w, "wire_ns w{k}");
    }
    let _ = writeln!(w, "# bridges");
    for i in topo.ifaces.iter().filter(|i| i.kind() == IfaceKind::Bridge) {
        let _ = writeln!(
            w,
            "must ip -n {} link add name {} type bridge stp_state {}",
            ns(i.node),
            q(&i.name),
            u8::from(i.stp())
        );
    }
    let _ = writeln!(w, "# veth pairs, the peer created in its namespace");
    for v in &topo.veths {
        let (a, b) = (topo.iface(v.ends[0]), topo.iface(v.ends[1]));
        let _ = writeln!(
            w,
            "must ip -n {} link add name {} type veth peer name {} netns {}",
            ns(a.node),
            q(&a.name),
            q(&b.name),
            ns(b.node)
        );
    }
    let _ = writeln!(w, "# NICs: veths whose other ends are ports of their wire");
    for (k, wire) in topo.wires.iter().enumerate() {
        for (p, &end) in wire.ends.iter().enumerate() {
            let i = topo.iface(end);
            let _ = writeln!(w, "wire_port {} {} w{k} p{}", ns(i.node), q(&i.name), p + 1);
        }
    }
    let ifaces: Vec<_> = topo
        .ifaces
        .iter()
        .filter(|i| i.kind() != IfaceKind::Loopback)
        .collect();
    let _ = writeln!(w, "# MACs and MTUs (before anything is up), masters");
    for i in &ifaces {
        let _ = writeln!(
            w,
            "must ip -n {} link set dev {} address {} mtu {}",
            ns(i.node),
            q(&i.name),
            i.mac,
            i.mtu
        );
    }
    for i in &ifaces {
        if let Some(m) = i.master {
            let _ = writeln!(
                w,
                "must ip -n {} link set dev {} master {}",
                ns(i.node),
                q(&i.name),
                q(&topo.iface(m).name)
            );
        }
    }
    let _ = writeln!(w, "# addresses, then up");
    for i in &ifaces {
        for a in &i.addresses {
            let _ = writeln!(
                w,
                "must ip -n {} addr add {a} dev {}",
                ns(i.node),
                q(&i.name)
            );
        }
    }
    for i in &ifaces {
        let _ = writeln!(
            w,
            "must ip -n {} link set dev {} up",
            ns(i.node),
            q(&i.name)
        );
    }
    let _ = writeln!(w, "# routes");
    for n in &topo.nodes {
        // Device routes first: the kernel refuses a gateway it cannot
        // reach yet ("Nexthop has invalid gateway"), and a gateway may be
        // reachable only through a device route written after it.
        let mut routes: Vec<_> = n.routes.iter().collect();
        routes.sort_by_key(|r| r.via.is_some());
        for r in routes {
            let via = r.via.map(|v| format!(" via {v}")).unwrap_or_default();
            let _ = writeln!(
                w,
                "must ip -n {} route add {}{via} dev {}",
                ns(n.id),
                r.to.trunc(),
                q(&topo.iface(r.dev).name)
            );
        }
    }
    let _ = writeln!(w, "# NAT: one nftables table per namespace that has rules");
    for n in &topo.nodes {
        if !n.nat.is_empty() {
            let _ = writeln!(w, "nft_load {} <<'NFT'", ns(n.id));
            let _ = write!(w, "{}", nft_ruleset(topo, n.id));
            let _ = writeln!(w, "NFT");
        }
        if n.bridge_nf {
            let _ = writeln!(w, "bridge_nf {}", ns(n.id));
        }
    }
    let _ = writeln!(w, "# listeners");
    for n in &topo.nodes {
        for l in &n.listen {
            let _ = writeln!(w, "listen {} {} {}", ns(n.id), l.proto.as_str(), l.port);
        }
    }
    let _ = writeln!(w, "# probes, in file order");
    for (k, p) in topo.probes.iter().enumerate() {
        let port = match p.proto {
            ProbeProto::Icmp => "-".to_string(),
            ProbeProto::Tcp | ProbeProto::Udp => p.port.unwrap_or(0).to_string(),
        };
        // Where the first packet arrives: the owner of the address, or the
        // sender itself for 0.0.0.0 and 127.0.0.0/8 (its own lo).
        let dest = if p.to.is_unspecified() || p.to.is_loopback() {
            Some(p.from)
        } else {
            owner(topo, p.to)
        };
        // Behind a DNAT the packet is delivered elsewhere, with another
        // destination: capture where the simulator delivered it, any first
        // packet of the probe's kind (the kernel must agree, or it sees
        // nothing there).
        let reached = sim.get(k).and_then(|s| s.reached);
        let (cap, loose) = match (reached, dest) {
            (Some(r), Some(d)) if r != d => (Some(r), "loose"),
            (Some(r), None) => (Some(r), "loose"),
            _ => (dest, "strict"),
        };
        let cap = cap.map_or_else(|| "-".to_string(), ns);
        let _ = writeln!(
            w,
            "probe {} {} {} {} {port} {} {cap} {loose}",
            k + 1,
            ns(p.from),
            p.to,
            p.proto.as_str(),
            p.ttl
        );
    }
    let _ = writeln!(w, "exit 0");
    s
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
                status: format!("could not start the sandbox: {e}"),
                stderr: String::new(),
                secs,
            };
        }
    };
    let mut kernel = vec![None; probes];
    for line in String::from_utf8_lossy(&out.stdout).lines() {
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
        status: out.status.to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
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
        if let Some(why) = unsupported(&topo) {
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
        let script = script(file, &topo, &outcomes, &lib);
        cases.push(Case {
            file: file.clone(),
            topo,
            sim: outcomes,
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
