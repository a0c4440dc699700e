//! `netsim`: run a topology file's probes in the simulator, show the
//! hop-by-hop trace, and show each namespace's state as `ip` would.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use std::sync::Arc;

use netsim_core::model::Topology;
use netsim_core::sim::{describe_expect, describe_outcome, describe_probe, Sim};
use netsim_core::trace;
use netsim_core::view::{self, View};
use serde_json::json;

const ABOUT: &str = "Watch container networking one packet at a time.

A topology file (YAML) describes network namespaces (hosts, containers, \
routers), the veth pairs and wires between them, bridges, addresses, routes, \
and probes: traffic to send and what must come of it. netsim simulates the \
Linux data path for those probes, frame by frame: bridges learning and \
flooding, ARP, route lookups, ip_forward, TTL, ICMP, TCP and UDP sockets.

Examples live in examples/ (start with examples/docker0.yaml):
  netsim check examples/docker0.yaml        did every probe do what it expects?
  netsim trace examples/docker0.yaml -p 1   every hop and decision of probe 1
  netsim show examples/docker0.yaml host    ip addr, ip route, ip neigh, bridge fdb

Exit status: 0 success, 1 a probe did not do what it expects, 2 the file could \
not be read or is not a valid topology.";

#[derive(Debug, Parser)]
#[command(name = "netsim", version, about = "Watch container networking one packet at a time", long_about = ABOUT)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every probe and compare with its `expect`.
    ///
    /// For each probe: what was expected, what happened (result, the source
    /// address the destination saw, the TTL the first packet had when it
    /// arrived) and PASS or FAIL. A probe without `expect` always passes.
    /// Exits 0 only when every probe passes.
    Check {
        /// The topology file (YAML or JSON).
        file: PathBuf,
        /// One JSON object per probe, one per line.
        #[arg(long)]
        json: bool,
    },
    /// Show every frame and decision of the probes, hop by hop.
    ///
    /// Frames print like `tcpdump -e`, prefixed with where they were seen
    /// (NODE:IF) and `in`/`out`; decisions (bridge learning and flooding,
    /// ARP cache hits and misses, route lookups, TTL, drops, sockets) print
    /// with `--` and one line that explains them in Linux terms. Times are
    /// virtual seconds since the start of the run.
    Trace {
        /// The topology file (YAML or JSON).
        file: PathBuf,
        /// Only probe N (numbered from 1 in file order); the probes before
        /// it still run first, so caches are as they would be.
        #[arg(short, long, value_name = "N")]
        probe: Option<usize>,
        /// One JSON object per event, one per line, with the frame bytes in hex.
        #[arg(long)]
        json: bool,
    },
    /// Show a namespace's state after the probes ran (or at any point).
    ///
    /// `addr` is `ip addr` (with `eth0@if5`-style veth peers), `route` is
    /// `ip route`, `neigh` is `ip neigh` (the ARP cache the probes filled),
    /// `fdb` is `bridge fdb` (what the node's bridges learned). Without a
    /// view, all four. By default the state after every probe; `--after-probe`
    /// and `--at-event` stop the run earlier.
    Show {
        /// The topology file (YAML or JSON).
        file: PathBuf,
        /// The node (network namespace) to look into.
        node: String,
        /// Which state to show.
        view: Option<ViewArg>,
        /// The state after probe N (numbered from 1): later probes do not run.
        #[arg(long, value_name = "N", conflicts_with = "at_event")]
        after_probe: Option<usize>,
        /// The state right after event K of the run (the `index` of
        /// `netsim trace --json`, from 0).
        #[arg(long, value_name = "K")]
        at_event: Option<usize>,
    },
    /// List the built-in examples with their descriptions.
    Examples,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ViewArg {
    Addr,
    Route,
    Neigh,
    Fdb,
}

impl From<ViewArg> for View {
    fn from(v: ViewArg) -> View {
        match v {
            ViewArg::Addr => View::Addr,
            ViewArg::Route => View::Route,
            ViewArg::Neigh => View::Neigh,
            ViewArg::Fdb => View::Fdb,
        }
    }
}

/// `println!` that ends the program quietly when stdout is gone (`netsim
/// trace FILE | head`) instead of panicking on the broken pipe.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        if writeln!(out, $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// `print!` with the same care.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        if write!(out, $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// A failure that ends the command: the message and the exit status.
struct Fail(String, u8);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { file, json } => check(&file, json),
        Command::Trace { file, probe, json } => trace_cmd(&file, probe, json),
        Command::Show {
            file,
            node,
            view,
            after_probe,
            at_event,
        } => show(&file, &node, view.map(View::from), after_probe, at_event),
        Command::Examples => {
            examples();
            Ok(true)
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Fail(msg, code)) => {
            eprintln!("{msg}");
            ExitCode::from(code)
        }
    }
}

fn load(path: &Path) -> Result<Topology, Fail> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Fail(
            format!("error: cannot read {name}: {e}\n  help: give the path of a topology file, e.g. examples/docker0.yaml"),
            2,
        )
    })?;
    netsim_core::load(&name, &text).map_err(|d| Fail(d.to_string(), 2))
}

fn check(path: &Path, json: bool) -> Result<bool, Fail> {
    let topo = Arc::new(load(path)?);
    let mut sim = Sim::new(Arc::clone(&topo));
    let mut failed = 0;
    if !json {
        say!("{}: {}", topo.name, topo.description.trim());
    }
    for (i, p) in topo.probes.iter().enumerate() {
        let Some(o) = sim.run_probe(i) else {
            continue;
        };
        let mismatches = o.check(p.expect.as_ref());
        let pass = mismatches.is_empty();
        if !pass {
            failed += 1;
        }
        if json {
            let line = json!({
                "probe": i + 1,
                "from": topo.node(p.from).name,
                "to": p.to_text,
                "to_addr": p.to.to_string(),
                "proto": p.proto.as_str(),
                "port": p.port,
                "expect": p.expect.map(|e| json!({
                    "result": e.result.map(|r| r.as_str()),
                    "seen_from": e.seen_from.map(|a| a.to_string()),
                    "ttl": e.ttl,
                })),
                "result": o.result.as_str(),
                "seen_from": o.seen_from.map(|a| a.to_string()),
                "ttl": o.ttl,
                "reached": o.reached.map(|n| topo.node(n).name.clone()),
                "pass": pass,
                "mismatches": mismatches,
            });
            say!("{line}");
        } else {
            say!(
                "  {} {:>2}  {}\n          expected: {}\n          got:      {}",
                if pass { "PASS" } else { "FAIL" },
                i + 1,
                describe_probe(&topo, p),
                describe_expect(p.expect.as_ref()),
                describe_outcome(&o),
            );
            for m in &mismatches {
                say!(
                    "          ✗ {}: expected {}, got {}",
                    m.field,
                    m.expected,
                    m.actual
                );
            }
        }
        sim.clear_trace();
    }
    if !json {
        let n = topo.probes.len();
        say!("{n} probes: {} passed, {failed} failed", n - failed);
    }
    Ok(failed == 0)
}

fn check_probe_number(path: &Path, topo: &Topology, k: Option<usize>) -> Result<(), Fail> {
    let n = topo.probes.len();
    match k {
        Some(k) if k == 0 || k > n => Err(Fail(
            format!(
                "error: {}: there is no probe {k}; this file has {n} probe(s), numbered from 1",
                path.display()
            ),
            2,
        )),
        _ => Ok(()),
    }
}

fn trace_cmd(path: &Path, only: Option<usize>, json: bool) -> Result<bool, Fail> {
    let topo = Arc::new(load(path)?);
    check_probe_number(path, &topo, only)?;
    let mut sim = Sim::new(Arc::clone(&topo));
    let mut writer = trace::json::Writer::new();
    for (i, p) in topo.probes.iter().enumerate() {
        let Some(o) = sim.run_probe(i) else {
            continue;
        };
        let shown = only.is_none_or(|k| k == i + 1);
        if shown {
            let events = sim.events_of(&o);
            if json {
                // Events are numbered over the whole run, as `cause` and
                // `show --at-event` count them.
                for (k, e) in events.iter().enumerate() {
                    say!("{}", writer.event(&topo, o.events.0 + k, e));
                }
            } else {
                say!(
                    "probe {}: {}: {}",
                    i + 1,
                    describe_probe(&topo, p),
                    describe_outcome(&o)
                );
                say_raw!("{}", trace::render(&topo, events));
                say!("");
            }
        }
        sim.clear_trace();
        if only.is_some_and(|k| k == i + 1) {
            break;
        }
    }
    Ok(true)
}

fn show(
    path: &Path,
    node: &str,
    which: Option<View>,
    after_probe: Option<usize>,
    at_event: Option<usize>,
) -> Result<bool, Fail> {
    let topo = load(path)?;
    let Some(id) = topo.node_by_name(node) else {
        let names: Vec<&str> = topo.nodes.iter().map(|n| n.name.as_str()).collect();
        return Err(Fail(
            format!(
                "error: {}: no node named `{node}`; the nodes are: {}",
                path.display(),
                names.join(", ")
            ),
            2,
        ));
    };
    check_probe_number(path, &topo, after_probe)?;
    let n = topo.probes.len();
    let mut sim = Sim::new(topo.clone());
    match at_event {
        Some(k) => sim.run_until(k.saturating_add(1)),
        None => {
            for i in 0..after_probe.unwrap_or(n) {
                sim.run_probe(i);
                sim.clear_trace();
            }
        }
    }
    let views = match which {
        Some(v) => vec![v],
        None => View::ALL.to_vec(),
    };
    let many = views.len() > 1;
    for v in views {
        let text = view::render(&sim, id, v);
        if many {
            say!("# {node}: {}", v.command());
        }
        say_raw!("{text}");
        if many {
            say!("");
        }
    }
    Ok(true)
}

fn examples() {
    for e in netsim_core::examples::ALL {
        match netsim_core::load(e.file, e.yaml) {
            Ok(t) => say!(
                "examples/{:<20} {}",
                e.file,
                t.description
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Err(d) => say!("examples/{:<20} (invalid: {d})", e.file),
        }
    }
}
