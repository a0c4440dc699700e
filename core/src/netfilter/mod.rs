//! Netfilter: the five IPv4 hooks where nftables rules and connection
//! tracking act, at the places the kernel calls them (`NF_HOOK` in
//! `ip_rcv`, `ip_local_deliver`, `ip_forward`, `__ip_local_out` and
//! `ip_output`; with br_netfilter, from the bridge too).
//!
//! In a namespace with `nat` rules, conntrack ([`conntrack`]) follows every
//! TCP, UDP and ICMP echo flow; the rules ([`nat`]) are evaluated for the
//! first packet of a connection only, at the hook of their chain, and what
//! they decide is kept in the connection: every later packet and every
//! reply is translated from it, as `nf_nat_packet` does (destination at
//! PREROUTING and OUTPUT, source at POSTROUTING and INPUT). ICMP errors
//! about a tracked flow are translated with the packet they quote.
//! Namespaces without rules are not tracked (the kernel registers
//! conntrack's hooks in a namespace only when a rule needs them).

pub mod conntrack;
pub mod nat;
pub mod views;

use crate::ipv4::Packet;
use crate::model::{IfaceId, NodeId};
use crate::sim::Net;
use crate::trace::{EventKind, Place};
use crate::wire::frame::{Icmp, Quoted, L4};

use conntrack::{CtState, Dir, Tuple};

/// A netfilter hook of the IPv4 family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Hook {
    /// Every packet that arrives, before the route decides local or forward.
    Prerouting,
    /// Packets for this namespace, before the socket.
    Input,
    /// Packets being forwarded.
    Forward,
    /// Packets this namespace makes, before their route lookup.
    Output,
    /// Every packet that leaves, after routing.
    Postrouting,
}

impl Hook {
    pub fn as_str(self) -> &'static str {
        match self {
            Hook::Prerouting => "prerouting",
            Hook::Input => "input",
            Hook::Forward => "forward",
            Hook::Output => "output",
            Hook::Postrouting => "postrouting",
        }
    }

    /// Hooks where NAT changes the destination (the others, the source).
    fn manips_dst(self) -> bool {
        matches!(self, Hook::Prerouting | Hook::Output)
    }
}

/// What a hook decided.
#[derive(Debug)]
pub enum Verdict {
    /// Go on with this packet (translated, if a rule said so).
    Accept(Packet),
    /// The packet ends here; the hook has recorded why.
    Stolen,
}

/// What one hook did to one packet, for the trace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HookStep {
    pub hook: Hook,
    /// The connection (its index in the namespace's table), if tracked.
    pub conn: Option<u32>,
    pub dir: Option<Dir>,
    /// The connection was made by this packet.
    pub new_conn: bool,
    /// An ICMP error that belongs to the connection (`RELATED`).
    pub related: bool,
    /// The NAT rules of this hook's chain were evaluated: which matched
    /// (its index in the node's `nat` list), if any.
    pub rules: Option<Option<u32>>,
    /// The packet's tuple before and after a translation here (boxed: few
    /// steps translate, and every event is as large as its largest kind).
    pub translated: Option<Box<(Tuple, Tuple)>>,
}

impl Net<'_> {
    /// Runs `hook` of `node`'s netfilter on `p`; `dev` is the interface the
    /// packet came in on (PREROUTING, INPUT) or goes out of (FORWARD,
    /// POSTROUTING).
    #[inline(always)]
    pub(crate) fn nf_hook(
        &mut self,
        hook: Hook,
        node: NodeId,
        dev: Option<IfaceId>,
        p: Packet,
    ) -> Verdict {
        // Most namespaces have no rules: the packet goes on untouched,
        // without being moved around.
        if self.topo.node(node).nat.is_empty() || hook == Hook::Forward {
            return Verdict::Accept(p);
        }
        self.nf_hook_rules(hook, node, dev, p)
    }

    fn nf_hook_rules(
        &mut self,
        hook: Hook,
        node: NodeId,
        dev: Option<IfaceId>,
        mut p: Packet,
    ) -> Verdict {
        let mut step = HookStep {
            hook,
            conn: None,
            dir: None,
            new_conn: false,
            related: false,
            rules: None,
            translated: None,
        };
        // An ICMP error belongs to the flow of the packet it quotes.
        if let Some(inner) = quoted_tuple(&p) {
            if let Some((id, dir)) = self.ns(node).extra().conntrack.lookup(&inner.invert()) {
                step.conn = Some(id);
                step.dir = Some(dir);
                step.related = true;
                self.translate(node, hook, &mut p, id, dir, true, &mut step);
            }
            self.record_hook(node, step);
            return Verdict::Accept(p);
        }
        let Some(tuple) = Tuple::of(&p.view) else {
            return Verdict::Accept(p);
        };
        let (id, dir) = match p.ct {
            Some(ct) => ct,
            None => match self.ns(node).extra().conntrack.lookup(&tuple) {
                // Found, but only because an earlier packet of the flow
                // made it and was dropped before the last hook: the kernel
                // never put that entry in its table, so this one is new.
                Some((id, Dir::Original))
                    if matches!(hook, Hook::Prerouting | Hook::Output)
                        && self
                            .ns(node)
                            .extra()
                            .conntrack
                            .get(id)
                            .is_some_and(|c| !c.confirmed) =>
                {
                    step.new_conn = true;
                    self.ns(node).extra().conntrack.restart(id);
                    (id, Dir::Original)
                }
                Some(ct) => ct,
                None if matches!(hook, Hook::Prerouting | Hook::Output) => {
                    step.new_conn = true;
                    (self.ns(node).extra().conntrack.insert(tuple), Dir::Original)
                }
                None => {
                    self.record_hook(node, step);
                    return Verdict::Accept(p);
                }
            },
        };
        p.ct = Some((id, dir));
        step.conn = Some(id);
        step.dir = Some(dir);
        if matches!(hook, Hook::Prerouting | Hook::Output) {
            self.track_state(node, id, dir, &p);
        }
        // The first packet meets the rules of this hook's chain.
        if dir == Dir::Original {
            let done = self.ns(node).extra().conntrack.get(id).map(|c| {
                if hook.manips_dst() {
                    c.dst_nat_done
                } else {
                    c.src_nat_done
                }
            });
            if done == Some(false) && hook != Hook::Input {
                let matched = self.nat_rules(node, hook, dev, id, &p);
                step.rules = Some(matched);
            }
        }
        self.translate(node, hook, &mut p, id, dir, false, &mut step);
        // The last hook a packet passes confirms its connection.
        if matches!(hook, Hook::Postrouting | Hook::Input) {
            if let Some(c) = self.ns(node).extra().conntrack.get_mut(id) {
                c.confirmed = true;
            }
        }
        self.record_hook(node, step);
        Verdict::Accept(p)
    }

    /// Applies the connection's NAT to a packet going `dir` at `hook`.
    #[allow(clippy::too_many_arguments)]
    fn translate(
        &mut self,
        node: NodeId,
        hook: Hook,
        p: &mut Packet,
        id: u32,
        dir: Dir,
        icmp_error: bool,
        step: &mut HookStep,
    ) {
        let Some(c) = self.ns(node).extra().conntrack.get(id).cloned() else {
            return;
        };
        // `nf_nat_packet`: a packet of the original direction gets the
        // connection's own NAT, a reply the inverse of it.
        let applies = match (hook.manips_dst(), dir) {
            (true, Dir::Original) | (false, Dir::Reply) => c.dnat,
            (true, Dir::Reply) | (false, Dir::Original) => c.snat,
        };
        if !applies {
            return;
        }
        let target = c.target(dir);
        let before = Tuple::of(&p.view).or_else(|| quoted_tuple(p).map(Tuple::invert));
        // An ICMP error goes the opposite way of the packet it quotes: its
        // destination is the quoted packet's source.
        // At PREROUTING and OUTPUT the destination changes, at POSTROUTING
        // and INPUT the source. For an ICMP error the port is the quoted
        // packet's, on the same side of the flow: the target's.
        let (src, addr, port) = if hook.manips_dst() {
            (false, target.dst, target.dport)
        } else {
            (true, target.src, target.sport)
        };
        p.translate(src, addr, port, icmp_error);
        let after = Tuple::of(&p.view).or_else(|| quoted_tuple(p).map(Tuple::invert));
        if let (Some(b), Some(a)) = (before, after) {
            step.translated = Some(Box::new((b, a)));
        }
    }

    /// Conntrack's view of the protocol's state.
    fn track_state(&mut self, node: NodeId, id: u32, dir: Dir, p: &Packet) {
        let Some(c) = self.ns(node).extra().conntrack.get_mut(id) else {
            return;
        };
        if dir == Dir::Reply {
            c.replied = true;
        }
        c.state = match (&p.view.l4, dir, c.state) {
            (L4::Tcp(t), _, _) if t.flags.rst => CtState::Close,
            (L4::Tcp(t), Dir::Reply, CtState::SynSent) if t.flags.syn && t.flags.ack => {
                CtState::SynRecv
            }
            (L4::Tcp(t), Dir::Original, CtState::SynRecv) if t.flags.ack && !t.flags.syn => {
                CtState::Established
            }
            (L4::Tcp(_), _, s) => s,
            (_, Dir::Reply, _) => CtState::Established,
            (_, _, s) => s,
        };
    }

    fn record_hook(&mut self, node: NodeId, step: HookStep) {
        self.emit(Place::Node(node), EventKind::Netfilter { step });
    }
}

/// For an ICMP error, the tuple of the packet it quotes.
fn quoted_tuple(p: &Packet) -> Option<Tuple> {
    let original = match &p.view.l4 {
        L4::Icmp(
            Icmp::DestUnreachable { original, .. }
            | Icmp::TimeExceeded { original, .. }
            | Icmp::Redirect { original, .. },
        ) => original,
        _ => return None,
    };
    let q = Quoted::parse(original).ok()?;
    let (sport, dport) = match q.proto {
        6 | 17 => (q.first, q.second),
        // An echo's id is the first half of its fifth to eighth bytes.
        1 => (q.first, q.first),
        _ => return None,
    };
    Some(Tuple {
        proto: q.proto,
        src: q.src,
        sport,
        dst: q.dst,
        dport,
    })
}
