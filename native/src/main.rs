//! `netsim`: run a topology file's probes in the simulator, show the
//! hop-by-hop trace, and show each namespace's state as `ip` would.
//!
//! Output is written with care ([`Out`]): text from the file never reaches
//! the terminal with its control characters, a closed pipe ends the output
//! quietly with the status the run had, and any other write error is
//! reported and makes the status non-zero. Nothing here panics on a write.

use std::fmt::Write as _;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use std::sync::Arc;

use netsim_core::model::Topology;
use netsim_core::sim::{describe_expect, describe_outcome, describe_probe, describe_storm, Sim};
use netsim_core::text::escape_control;
use netsim_core::trace;
use netsim_core::view::{self, View};
use netsim_core::{Diagnostics, MAX_FILE_BYTES};
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

A topology file may be at most 64 MiB (a file of 10,000 containers takes \
about 2.6 MB); a larger one is refused without being read.

Exit status: 0 success, 1 a probe did not do what it expects, 2 the file could \
not be read or is not a valid topology, or the output could not be written. \
When the output is a pipe that closes early (`| head`), netsim stops writing \
and exits with the status the run had.";

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
    /// Exits 0 only when every probe passes and all of this was written.
    Check {
        /// The topology file (YAML or JSON), at most 64 MiB.
        file: PathBuf,
        /// One JSON object per probe, one per line. Errors are JSON too, on
        /// standard output, one object per line: `file`, `line`, `column`,
        /// `path` (the key path), `message`, `help` (or null); then, when
        /// more than 50 were found, `{"file": ..., "more_errors": N}`.
        /// An error that is not in the file (it cannot be read) has `line`,
        /// `column` and `path` null.
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
        /// The topology file (YAML or JSON), at most 64 MiB.
        file: PathBuf,
        /// Only probe N (numbered from 1 in file order); the probes before
        /// it still run first, so caches are as they would be.
        #[arg(short, long, value_name = "N")]
        probe: Option<usize>,
        /// One JSON object per event, one per line, with the frame bytes in
        /// hex. Errors are JSON objects too, as `check --json` gives them.
        #[arg(long)]
        json: bool,
        /// Also write every frame of the run (or of probe N) to this pcapng
        /// file, for Wireshark or tshark: one capture interface per NODE:IF,
        /// each frame as it left and as it arrived, at its virtual time,
        /// with a comment naming its probe, hop, frame and packet.
        #[arg(long, value_name = "OUT.pcapng")]
        pcap: Option<PathBuf>,
    },
    /// Show a namespace's state after the probes ran (or at any point).
    ///
    /// `addr` is `ip addr` (with `eth0@if5`-style veth peers), `route` is
    /// `ip route`, `neigh` is `ip neigh` (the ARP cache the probes filled),
    /// `fdb` is `bridge fdb show` (what the node's bridges learned, each
    /// vxlan's own FDB with `dst`, and every other interface's multicast
    /// entries), `conntrack` is `conntrack -L`, `nft` is `nft list
    /// ruleset`, `stp` is `bridge link` (each port's state) followed by
    /// each STP bridge's root and each port's role (from sysfs). Without a
    /// view, all of them. By default the
    /// state after every probe; `--after-probe` and `--at-event` stop the run
    /// earlier.
    ///
    /// Each prints what the real tool prints for the topology as it is built
    /// (the kernel cross-check compares them), except where netsim leaves
    /// something out: IPv6 (no `inet6` lines, no IPv6 neighbours, no
    /// `33:33:ff:...` solicited-node entries; the kernel check disables
    /// IPv6); IGMP (a bridge's reports for 224.0.0.106, which another bridge
    /// learns its MAC from); BPDUs (the kernel's bridges learn the MACs of
    /// STP ports from them; netsim runs on the converged tree and sends
    /// none); a NIC on a wire is shown as the physical NIC it
    /// stands for (no `@ifN`, `qdisc fq_codel`), and namespaces by node
    /// name. `ip neigh` lists entries in the order they were made (the
    /// kernel: its hash order), in the state they have in virtual time.
    Show {
        /// The topology file (YAML or JSON), at most 64 MiB.
        file: PathBuf,
        /// The node (network namespace) to look into.
        node: String,
        /// Which state to show.
        view: Option<ViewArg>,
        /// The state after probe N (numbered from 1): later probes do not run.
        #[arg(long, value_name = "N", conflicts_with = "at_event")]
        after_probe: Option<usize>,
        /// The state right after event K of the run (the `index` of
        /// `netsim trace --json`, from 0); past the last event, an error.
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
    /// `conntrack -L`: the connections NAT follows (default timeouts).
    Conntrack,
    /// `nft list ruleset`: the node's NAT rules as nftables holds them.
    Nft,
    /// `bridge link`: bridge ports and their STP state, then each STP
    /// bridge's root, root port and every port's role.
    Stp,
}

impl From<ViewArg> for View {
    fn from(v: ViewArg) -> View {
        match v {
            ViewArg::Addr => View::Addr,
            ViewArg::Route => View::Route,
            ViewArg::Neigh => View::Neigh,
            ViewArg::Fdb => View::Fdb,
            ViewArg::Conntrack => View::Conntrack,
            ViewArg::Nft => View::Nft,
            ViewArg::Stp => View::Stp,
        }
    }
}

/// Standard output, buffered. A write that fails stops the output: a
/// closed pipe (`| head`) quietly, any other error ([`OutState::Failed`])
/// to be reported once the command is done. Commands go on without output
/// where they must, so that the exit status is still the run's.
struct Out {
    w: io::BufWriter<io::StdoutLock<'static>>,
    state: OutState,
}

#[derive(Debug)]
enum OutState {
    Open,
    /// The reader went away (EPIPE): nobody is left to tell.
    Closed,
    /// Output was lost (`> /dev/full`): the run cannot report success.
    Failed(io::Error),
}

impl Out {
    fn new() -> Out {
        Out {
            w: io::BufWriter::new(io::stdout().lock()),
            state: OutState::Open,
        }
    }

    fn is_open(&self) -> bool {
        matches!(self.state, OutState::Open)
    }

    /// Text for people: control characters from the file are escaped
    /// (`\x1b`), line breaks kept.
    fn text(&mut self, args: std::fmt::Arguments<'_>) {
        if !self.is_open() {
            return;
        }
        let s = args.to_string();
        let mut lines = s.split('\n').peekable();
        let mut result = Ok(());
        while let Some(line) = lines.next() {
            // Tabs are kept too: the views use them as the real tools do
            // (`nft list ruleset`), and a tab cannot hide or forge output.
            let mut cells = line.split('\t').peekable();
            while let Some(cell) = cells.next() {
                result = result.and_then(|()| self.w.write_all(escape_control(cell).as_bytes()));
                if cells.peek().is_some() {
                    result = result.and_then(|()| self.w.write_all(b"\t"));
                }
            }
            if lines.peek().is_some() {
                result = result.and_then(|()| self.w.write_all(b"\n"));
            }
        }
        if let Err(e) = result {
            self.fail(e);
        }
    }

    /// One JSON value on a line of its own (serde_json escapes controls).
    fn json(&mut self, v: &serde_json::Value) {
        if !self.is_open() {
            return;
        }
        let r = serde_json::to_writer(&mut self.w, v)
            .map_err(io::Error::from)
            .and_then(|()| self.w.write_all(b"\n"));
        if let Err(e) = r {
            self.fail(e);
        }
    }

    fn fail(&mut self, e: io::Error) {
        self.state = if e.kind() == io::ErrorKind::BrokenPipe {
            OutState::Closed
        } else {
            OutState::Failed(e)
        };
    }

    /// Flushes what is left, and says how the output went.
    fn finish(mut self) -> OutState {
        if self.is_open() {
            if let Err(e) = self.w.flush() {
                self.fail(e);
            }
        }
        self.state
    }
}

/// A line of text for people on standard output (see [`Out::text`]).
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        $out.text(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// [`say!`] without the line break.
macro_rules! say_raw {
    ($out:expr, $($arg:tt)*) => {
        $out.text(format_args!($($arg)*))
    };
}

/// Writes to standard error, ignoring failure: when even standard error is
/// gone (`2>/dev/full`), the exit status is all that is left to say it.
fn report(text: &str) {
    let mut e = io::stderr().lock();
    let _ = writeln!(e, "{}", escape_control_keep_lines(text));
    let _ = e.flush();
}

/// [`escape_control`] line by line, keeping the line breaks.
fn escape_control_keep_lines(text: &str) -> String {
    text.split('\n')
        .map(|l| escape_control(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A failure that ends the command with status 2.
#[derive(Debug)]
enum Fail {
    /// The file is not a valid topology.
    Invalid(Diagnostics),
    /// Anything else (the file cannot be read, an argument names nothing):
    /// what went wrong, the file it is about, and what to do.
    Other {
        file: String,
        message: String,
        help: Option<String>,
    },
}

impl Fail {
    fn other(file: &Path, message: String, help: Option<&str>) -> Fail {
        Fail::Other {
            file: file.display().to_string(),
            message,
            help: help.map(str::to_string),
        }
    }

    /// As text on standard error.
    fn report_text(&self) {
        match self {
            Fail::Invalid(d) => report(&d.to_string()),
            Fail::Other {
                file,
                message,
                help,
            } => {
                let mut s = format!("error: {file}: {message}");
                if let Some(h) = help {
                    let _ = write!(s, "\n  help: {h}");
                }
                report(&s);
            }
        }
    }

    /// As JSON objects on standard output, one per line.
    fn report_json(&self, out: &mut Out) {
        match self {
            Fail::Invalid(d) => {
                for e in &d.errors {
                    out.json(&json!({
                        "file": e.file,
                        "line": e.line,
                        "column": e.column,
                        "path": e.path,
                        "message": e.message,
                        "help": e.help,
                    }));
                }
                if d.more > 0 {
                    let file = d.errors.first().map(|e| e.file.as_str());
                    out.json(&json!({ "file": file, "more_errors": d.more }));
                }
            }
            Fail::Other {
                file,
                message,
                help,
            } => out.json(&json!({
                "file": file,
                "line": null,
                "column": null,
                "path": null,
                "message": message,
                "help": help,
            })),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // `--help`, `--version` (status 0) and usage errors (2).
            let code = u8::try_from(e.exit_code()).unwrap_or(2);
            return match e.print() {
                Ok(()) => ExitCode::from(code),
                Err(w) if w.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(code),
                Err(_) => ExitCode::from(2),
            };
        }
    };
    let mut out = Out::new();
    let (result, json) = match cli.command {
        Command::Check { file, json } => (check(&mut out, &file, json), json),
        Command::Trace {
            file,
            probe,
            json,
            pcap,
        } => (
            trace_cmd(&mut out, &file, probe, json, pcap.as_deref()),
            json,
        ),
        Command::Show {
            file,
            node,
            view,
            after_probe,
            at_event,
        } => (
            show(
                &mut out,
                &file,
                &node,
                view.map(View::from),
                after_probe,
                at_event,
            ),
            false,
        ),
        Command::Examples => {
            examples(&mut out);
            (Ok(true), false)
        }
    };
    let code = match &result {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(f) => {
            if json {
                f.report_json(&mut out);
            } else {
                f.report_text();
            }
            2
        }
    };
    match out.finish() {
        OutState::Open | OutState::Closed => ExitCode::from(code),
        OutState::Failed(e) => {
            report(&format!(
                "error: cannot write the output: {e}\n  help: the results were not all written; check where standard output goes (a full disk?)"
            ));
            ExitCode::from(2)
        }
    }
}

/// The bytes of the file, at most one more than [`MAX_FILE_BYTES`]: the
/// loader refuses a file that long without anything more being read.
fn read(path: &Path) -> Result<Vec<u8>, Fail> {
    const HELP: &str = "give the path of a topology file, e.g. examples/docker0.yaml";
    let cannot = |e: io::Error| Fail::other(path, format!("cannot read it: {e}"), Some(HELP));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    Ok(bytes)
}

fn load(path: &Path) -> Result<Topology, Fail> {
    let name = path.display().to_string();
    let bytes = read(path)?;
    netsim_core::load_bytes(&name, &bytes).map_err(Fail::Invalid)
}

/// A description on one line: runs of white space (line breaks included)
/// become one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check(out: &mut Out, path: &Path, json: bool) -> Result<bool, Fail> {
    let topo = Arc::new(load(path)?);
    let mut sim = Sim::new(Arc::clone(&topo));
    let mut failed = 0;
    if !json {
        say!(out, "{}: {}", topo.name, one_line(&topo.description));
        if let Some(w) = netsim_core::bridge::loops::warning(&topo) {
            say!(out, "  warning: {w}");
        }
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
        if !out.is_open() {
            // Nobody reads any more (or output failed): the probes still
            // run, so that the exit status says whether they all passed.
        } else if json {
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
                "storm": o.storm.as_ref().map(|s| json!({
                    "events": s.events,
                    "loop": s.ports.iter().map(|&p| topo.iface_label(p)).collect::<Vec<_>>(),
                })),
                "pass": pass,
                "mismatches": mismatches,
            });
            out.json(&line);
        } else {
            say!(
                out,
                "  {} {:>2}  {}\n          expected: {}\n          got:      {}",
                if pass { "PASS" } else { "FAIL" },
                i + 1,
                describe_probe(&topo, p),
                describe_expect(p.expect.as_ref()),
                describe_outcome(&o),
            );
            for m in &mismatches {
                say!(
                    out,
                    "          ✗ {}: expected {}, got {}",
                    m.field,
                    m.expected,
                    m.actual
                );
            }
            if let Some(s) = &o.storm {
                say!(out, "          storm: {}", describe_storm(&topo, s));
            }
        }
        sim.clear_trace();
    }
    if !json {
        let n = topo.probes.len();
        say!(out, "{n} probes: {} passed, {failed} failed", n - failed);
    }
    Ok(failed == 0)
}

fn check_probe_number(path: &Path, topo: &Topology, k: Option<usize>) -> Result<(), Fail> {
    let n = topo.probes.len();
    match k {
        Some(k) if k == 0 || k > n => Err(Fail::other(
            path,
            format!("there is no probe {k}; this file has {n} probe(s), numbered from 1"),
            None,
        )),
        _ => Ok(()),
    }
}

fn trace_cmd(
    out: &mut Out,
    path: &Path,
    only: Option<usize>,
    json: bool,
    pcap: Option<&Path>,
) -> Result<bool, Fail> {
    let topo = Arc::new(load(path)?);
    check_probe_number(path, &topo, only)?;
    let mut sim = Sim::new(Arc::clone(&topo));
    let mut writer = trace::json::Writer::new();
    // One renderer for the whole run: each lesson once, not once a probe.
    let mut text = trace::Renderer::new();
    // The frames for the capture file, with their numbers in the run.
    let mut captured: Vec<(usize, trace::Event)> = Vec::new();
    for (i, p) in topo.probes.iter().enumerate() {
        if !out.is_open() && pcap.is_none() {
            break; // nobody reads the rest
        }
        let Some(o) = sim.run_probe(i) else {
            continue;
        };
        let shown = only.is_none_or(|k| k == i + 1);
        if shown {
            let events = sim.events_of(&o);
            if pcap.is_some() {
                captured.extend(
                    events
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| e.bytes().is_some())
                        .map(|(k, e)| (o.events.0 + k, e.clone())),
                );
            }
            if json {
                // Events are numbered over the whole run, as `cause` and
                // `show --at-event` count them.
                for (k, e) in events.iter().enumerate() {
                    out.json(&writer.event(&topo, o.events.0 + k, e));
                }
            } else {
                say!(
                    out,
                    "probe {}: {}: {}",
                    i + 1,
                    describe_probe(&topo, p),
                    describe_outcome(&o)
                );
                if let Some(s) = &o.storm {
                    say!(out, "storm: {}", describe_storm(&topo, s));
                }
                say_raw!(out, "{}", text.render(&topo, events));
                say!(out, "");
            }
        }
        sim.clear_trace();
        if only.is_some_and(|k| k == i + 1) {
            break;
        }
    }
    if let Some(file) = pcap {
        let bytes = trace::pcap::pcapng(&topo, captured.iter().map(|(k, e)| (*k, e)))
            .map_err(|e| Fail::other(path, e.to_string(), None))?;
        std::fs::write(file, bytes).map_err(|e| {
            Fail::other(
                file,
                format!("cannot write the capture: {e}"),
                Some("give a path in a folder you can write to, e.g. /tmp/run.pcapng"),
            )
        })?;
    }
    Ok(true)
}

fn show(
    out: &mut Out,
    path: &Path,
    node: &str,
    which: Option<View>,
    after_probe: Option<usize>,
    at_event: Option<usize>,
) -> Result<bool, Fail> {
    let topo = load(path)?;
    let Some(id) = topo.node_by_name(node) else {
        let names: Vec<&str> = topo.nodes.iter().map(|n| n.name.as_str()).collect();
        return Err(Fail::other(
            path,
            format!(
                "no node named `{node}`; the nodes are: {}",
                names.join(", ")
            ),
            None,
        ));
    };
    check_probe_number(path, &topo, after_probe)?;
    let n = topo.probes.len();
    let mut sim = Sim::new(topo.clone());
    match at_event {
        Some(k) => {
            sim.run_until(k.saturating_add(1));
            // run_until keeps the whole trace: its length is the number
            // of events there were, when the run ended before event k.
            let events = sim.events_total();
            if events <= k {
                return Err(Fail::other(
                    path,
                    format!(
                        "there is no event {k}; the run has {events} event(s), numbered from 0"
                    ),
                    Some("`netsim trace --json` numbers every event in its `index`"),
                ));
            }
        }
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
            say!(out, "# {node}: {}", v.command());
        }
        say_raw!(out, "{text}");
        if many {
            say!(out, "");
        }
    }
    Ok(true)
}

fn examples(out: &mut Out) {
    for e in netsim_core::examples::ALL {
        match netsim_core::load(e.file, e.yaml) {
            Ok(t) => say!(out, "examples/{:<20} {}", e.file, one_line(&t.description)),
            Err(d) => say!(out, "examples/{:<20} (invalid: {d})", e.file),
        }
    }
}
