//! Netfilter's state as the real tools print it: `conntrack -L` and
//! `nft list ruleset`.
//!
//! Timeouts are not simulated: `conntrack -L` shows each entry with the
//! kernel's default timeout for its state, as right after its last packet.

use core::fmt::Write as _;

use super::conntrack::{Conn, CtState, Tuple};
use super::nat::rule_text;
use crate::model::{NatRule, NodeId, Topology};
use crate::sim::Sim;

fn tuple_fields(t: &Tuple, reply: bool) -> String {
    if t.proto == 1 {
        // Echo request one way, echo reply the other.
        let ty = if reply { 0 } else { 8 };
        format!(
            "src={} dst={} type={ty} code=0 id={}",
            t.src, t.dst, t.sport
        )
    } else {
        format!(
            "src={} dst={} sport={} dport={}",
            t.src, t.dst, t.sport, t.dport
        )
    }
}

/// The kernel's default timeout (seconds) for an entry in this state.
fn timeout(c: &Conn) -> u32 {
    match (c.orig.proto, c.state) {
        (6, CtState::SynSent) => 120,
        (6, CtState::SynRecv) => 60,
        (6, CtState::Established) => 432_000,
        (6, CtState::Close) => 10,
        (17, _) if c.replied => 120,
        (17, _) => 30,
        _ => 30,
    }
}

/// `conntrack -L` in the namespace of `node`.
pub fn conntrack_list(sim: &Sim, node: NodeId) -> String {
    let Some(table) = sim.conntrack_of(node) else {
        return "conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n".into();
    };
    let mut out = String::new();
    for c in table.confirmed() {
        let name = c.orig.proto_name();
        let _ = write!(out, "{name:<8} {} {} ", c.orig.proto, timeout(c));
        if c.orig.proto == 6 {
            let state = match c.state {
                CtState::SynSent => "SYN_SENT",
                CtState::SynRecv => "SYN_RECV",
                CtState::Established => "ESTABLISHED",
                CtState::Close => "CLOSE",
                CtState::New => "NONE",
            };
            let _ = write!(out, "{state} ");
        }
        let _ = write!(out, "{} ", tuple_fields(&c.orig, false));
        if !c.replied {
            out.push_str("[UNREPLIED] ");
        }
        let _ = write!(out, "{} ", tuple_fields(&c.reply, true));
        if c.replied && c.orig.proto == 6 && c.state == CtState::Established {
            out.push_str("[ASSURED] ");
        }
        out.push_str("mark=0 use=1\n");
    }
    let _ = writeln!(
        out,
        "conntrack v1.4.7 (conntrack-tools): {} flow entries have been shown.",
        table.confirmed().count()
    );
    out
}

/// `nft list ruleset` in the namespace of `node`: the table `apply` makes
/// from its `nat` rules (nothing where it has none).
pub fn nft_ruleset(topo: &Topology, node: NodeId) -> String {
    let n = topo.node(node);
    if n.nat.is_empty() {
        return String::new();
    }
    let (mut pre, mut out, mut post) = (Vec::new(), Vec::new(), Vec::new());
    for r in &n.nat {
        let text = rule_text(topo, r);
        match r {
            NatRule::Dnat { input: None, .. } => {
                pre.push(text.clone());
                out.push(text.replacen(
                    "fib daddr type local ",
                    "fib daddr type local ip daddr != 127.0.0.0/8 ",
                    1,
                ));
            }
            NatRule::Dnat { .. } => pre.push(text),
            _ => post.push(text),
        }
    }
    let mut s = String::from("table ip netsim {\n");
    for (k, (name, hook, prio, rules)) in [
        ("prerouting", "prerouting", "dstnat", &pre),
        ("output", "output", "-100", &out),
        ("postrouting", "postrouting", "srcnat", &post),
    ]
    .into_iter()
    .enumerate()
    {
        if k > 0 {
            s.push('\n');
        }
        let _ = writeln!(s, "\tchain {name} {{");
        let _ = writeln!(
            s,
            "\t\ttype nat hook {hook} priority {prio}; policy accept;"
        );
        for r in rules.iter() {
            let _ = writeln!(s, "\t\t{r}");
        }
        s.push_str("\t}\n");
    }
    s.push_str("}\n");
    s
}
