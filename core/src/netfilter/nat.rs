//! The `nat` rules of a node, as nftables evaluates them: in order, first
//! match wins, for the first packet of a connection only. `dnat` lives in
//! the prerouting chain (and, without `in`, in output for the namespace's
//! own packets to its own addresses outside 127.0.0.0/8); `masquerade` and
//! `snat` in postrouting. A match decides what the connection's replies
//! will look like; conntrack applies it from then on.

use core::fmt::Write as _;
use core::net::Ipv4Addr;

use super::conntrack::Tuple;
use super::{Hook, HookStep};
use crate::ipv4::Packet;
use crate::model::{IfaceId, L4Proto, NatRule, NodeId, Topology};
use crate::sim::Net;

impl Net<'_> {
    /// Evaluates the rules of `hook`'s chain for connection `id`'s first
    /// packet `p`; returns the index of the rule that matched.
    pub(crate) fn nat_rules(
        &mut self,
        node: NodeId,
        hook: Hook,
        dev: Option<IfaceId>,
        id: u32,
        p: &Packet,
    ) -> Option<u32> {
        let topo = self.topo;
        let n = topo.node(node);
        let v = &p.view;
        let tuple = Tuple::of(v)?;
        let mut matched = None;
        for (k, rule) in n.nat.iter().enumerate() {
            let hit = match (hook, rule) {
                (
                    Hook::Prerouting | Hook::Output,
                    NatRule::Dnat {
                        proto,
                        port,
                        input,
                        dest,
                        ..
                    },
                ) => {
                    let l4 = match proto {
                        L4Proto::Tcp => 6,
                        L4Proto::Udp => 17,
                    };
                    let to_us = match dest {
                        Some(d) => v.dst == *d,
                        // `fib daddr type local`; output leaves 127/8 alone.
                        None => {
                            self.is_local(node, v.dst)
                                && !(hook == Hook::Output && v.dst.is_loopback())
                        }
                    };
                    let input_ok = match (hook, input) {
                        (Hook::Output, Some(_)) => false,
                        (_, Some(i)) => dev == Some(*i),
                        (_, None) => true,
                    };
                    tuple.proto == l4 && tuple.dport == *port && to_us && input_ok
                }
                (
                    Hook::Postrouting,
                    NatRule::Masquerade { source, out } | NatRule::Snat { source, out, .. },
                ) => source.is_none_or(|s| s.contains(v.src)) && out.is_none_or(|o| dev == Some(o)),
                _ => false,
            };
            if hit {
                matched = Some((k as u32, rule.clone()));
                break;
            }
        }
        let dst_hook = matches!(hook, Hook::Prerouting | Hook::Output);
        let table = &mut self.ns(node).extra().conntrack;
        let c = table.get_mut(id)?;
        if dst_hook {
            c.dst_nat_done = true;
        } else {
            c.src_nat_done = true;
        }
        let (k, rule) = matched?;
        let mut reply = c.reply;
        match rule {
            NatRule::Dnat { to, to_port, .. } => {
                // Replies come from the new destination.
                reply.src = to;
                reply.sport = to_port.unwrap_or(reply.sport);
                c.dnat = true;
            }
            NatRule::Masquerade { .. } | NatRule::Snat { .. } => {
                let new_src = match rule {
                    NatRule::Snat { to, .. } => to,
                    _ => masquerade_address(topo, dev, v.dst, self.route_lookup(node, v.dst)),
                };
                reply.dst = new_src;
                // Keep the source port (an echo's id) unless another
                // connection already expects replies on it; then the next
                // free one (`nf_nat_l4proto_unique_tuple` searches its range
                // too, from a place of its own: ports 1024-65535, ids all).
                let icmp = tuple.proto == 1;
                let with = |port: u16| Tuple {
                    // An echo reply carries the id in both halves.
                    sport: if icmp { port } else { reply.sport },
                    dport: port,
                    ..reply
                };
                let table = &self.ns(node).extra().conntrack;
                let mut port = reply.dport;
                let mut tries = 0u32;
                while table.reply_taken(&with(port)) && tries < 65_536 {
                    port = match (port, icmp) {
                        (u16::MAX, true) => 0,
                        (u16::MAX, false) => 1024,
                        (p, _) => p + 1,
                    };
                    tries += 1;
                }
                reply = with(port);
                if let Some(c) = self.ns(node).extra().conntrack.get_mut(id) {
                    c.snat = true;
                }
            }
        }
        self.ns(node).extra().conntrack.set_reply(id, reply);
        Some(k)
    }
}

/// The address `masquerade` gives a packet leaving by `dev`
/// (`inet_select_addr`): `dev`'s address in the next hop's subnet, else its
/// first.
fn masquerade_address(
    topo: &Topology,
    dev: Option<IfaceId>,
    dst: Ipv4Addr,
    route: Option<crate::ipv4::route::RouteEntry>,
) -> Ipv4Addr {
    let Some(dev) = dev else {
        return Ipv4Addr::UNSPECIFIED;
    };
    let next_hop = route.and_then(|r| r.via).unwrap_or(dst);
    let addrs = &topo.iface(dev).addresses;
    addrs
        .iter()
        .find(|a| a.contains(next_hop))
        .or_else(|| addrs.first())
        .map_or(Ipv4Addr::UNSPECIFIED, |a| a.addr())
}

/// A rule as `nft list ruleset` prints it.
pub fn rule_text(topo: &Topology, rule: &NatRule) -> String {
    let name = |i: IfaceId| topo.iface(i).name.clone();
    let mut s = String::new();
    match rule {
        NatRule::Masquerade { source, out } | NatRule::Snat { source, out, .. } => {
            if let Some(src) = source {
                let _ = write!(s, "ip saddr {} ", src.trunc());
            }
            if let Some(o) = out {
                let _ = write!(s, "oifname \"{}\" ", name(*o));
            }
            match rule {
                NatRule::Snat { to, .. } => {
                    let _ = write!(s, "snat to {to}");
                }
                _ => s.push_str("masquerade"),
            }
        }
        NatRule::Dnat {
            proto,
            port,
            to,
            to_port,
            input,
            dest,
        } => {
            if let Some(i) = input {
                let _ = write!(s, "iifname \"{}\" ", name(*i));
            }
            match dest {
                Some(d) => {
                    let _ = write!(s, "ip daddr {d} ");
                }
                None => s.push_str("fib daddr type local "),
            }
            let _ = write!(s, "{} dport {port} dnat to {to}", proto.as_str());
            if let Some(p) = to_port {
                let _ = write!(s, ":{p}");
            }
        }
    }
    s
}

fn tuple_text(t: &Tuple) -> String {
    if t.proto == 1 {
        format!("{} → {} (icmp id {})", t.src, t.dst, t.sport)
    } else {
        format!(
            "{}:{} → {}:{} ({})",
            t.src,
            t.sport,
            t.dst,
            t.dport,
            t.proto_name()
        )
    }
}

/// The line a learner reads for a hook.
pub fn explain(topo: &Topology, node: Option<NodeId>, step: &HookStep) -> String {
    let hook = step.hook.as_str();
    let mut s = format!("netfilter {hook}: ");
    match (step.conn, step.related, step.new_conn) {
        (None, _, _) => s.push_str("a packet conntrack does not follow"),
        (Some(c), true, _) => {
            let _ = write!(
                s,
                "an ICMP error about connection #{c} (RELATED): it is translated with the packet it quotes"
            );
        }
        (Some(c), false, true) => {
            let _ = write!(s, "conntrack makes connection #{c} for this first packet");
        }
        (Some(c), false, false) => {
            let dir = match step.dir {
                Some(super::conntrack::Dir::Reply) => "a reply",
                _ => "a later packet",
            };
            let _ = write!(s, "{dir} of connection #{c}");
        }
    }
    if let Some(rule) = step.rules {
        let chain = match step.hook {
            Hook::Postrouting => "postrouting",
            Hook::Output => "output",
            _ => "prerouting",
        };
        match (rule, node) {
            (Some(k), Some(n)) => {
                let text = topo
                    .node(n)
                    .nat
                    .get(k as usize)
                    .map(|r| rule_text(topo, r))
                    .unwrap_or_default();
                let _ = write!(s, "; the {chain} chain's rule {} matches: `{text}`", k + 1);
            }
            _ => {
                let _ = write!(s, "; no rule of the {chain} chain matches");
            }
        }
    }
    if let Some((before, after)) = step.translated.as_deref() {
        let _ = write!(
            s,
            "; translated {} into {}",
            tuple_text(before),
            tuple_text(after)
        );
    }
    s
}
