//! Netfilter: the five IPv4 hooks where nftables rules and connection
//! tracking act, at the places the kernel calls them (`NF_HOOK` in
//! `ip_rcv`, `ip_local_deliver`, `ip_forward`, `__ip_local_out` and
//! `ip_output`; with br_netfilter, from the bridge too).
//!
//! The data path calls [`Net::nf_hook`] at each of them. No rule is
//! evaluated yet: NAT and conntrack (the `nat` rules of the topology file)
//! fill this in; until then every packet is accepted unchanged and the
//! hooks leave nothing in the trace.

use crate::ipv4::Packet;
use crate::model::{IfaceId, NodeId};
use crate::sim::Net;

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

/// What a hook decided.
#[derive(Debug)]
pub enum Verdict {
    /// Go on with this packet (translated, if a rule said so).
    Accept(Packet),
    /// The packet ends here; the hook has recorded why.
    Stolen,
}

impl Net<'_> {
    /// Runs `hook` of `node`'s netfilter on `p`; `dev` is the interface the
    /// packet came in on (PREROUTING, INPUT) or goes out of (FORWARD,
    /// POSTROUTING).
    pub(crate) fn nf_hook(
        &mut self,
        hook: Hook,
        node: NodeId,
        dev: Option<IfaceId>,
        p: Packet,
    ) -> Verdict {
        let _ = (hook, node, dev);
        Verdict::Accept(p)
    }
}
