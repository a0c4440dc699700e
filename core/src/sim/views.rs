//! What the views read of a simulation's state: redirects learned,
//! neighbour caches, conntrack tables and FDBs.

use core::net::Ipv4Addr;

use super::Sim;
use crate::bridge::fdb::Fdb;
use crate::model::{IfaceId, NodeId};
use crate::neigh::{NeighEntry, Pending};
use crate::trace::Switch;

impl Sim {
    /// The gateway a redirect taught `node` for `dst`, while it lasts (a
    /// next-hop exception, as `ip route get` shows it).
    pub fn redirected_gateway(&self, node: NodeId, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        let (gw, until) = *self
            .st
            .ns
            .get(node.index())?
            .extra
            .as_deref()?
            .redirected
            .get(&dst)?;
        (self.st.now < until).then_some(gw)
    }

    /// The neighbour cache of `node` (empty if it never used ARP).
    pub fn neigh_entries(&self, node: NodeId) -> &[NeighEntry<Pending>] {
        self.st
            .ns
            .get(node.index())
            .map_or(&[], |s| s.neigh.entries())
    }

    /// The conntrack table of `node`, if it tracks anything (it has NAT
    /// rules and saw a packet).
    pub fn conntrack_of(&self, node: NodeId) -> Option<&crate::netfilter::conntrack::Table> {
        self.st
            .ns
            .get(node.index())
            .and_then(|s| s.extra.as_deref())
            .map(|e| &e.conntrack)
            .filter(|t| !t.conns().is_empty())
    }

    /// The FDB of a vxlan device: its static entries, and what it learned.
    pub fn vxlan_fdb_of(&self, dev: IfaceId) -> crate::vxlan::fdb::VxlanFdb {
        match self.st.vxlans.get(dev.index()) {
            Some(f) => f.clone(),
            None => crate::vxlan::fdb::VxlanFdb::with_remotes(
                self.topo.iface(dev).vxlan().map_or(&[], |v| &v.remotes),
            ),
        }
    }

    /// The FDB of a bridge or wire, if it ever learned anything.
    pub fn fdb_of(&self, sw: Switch) -> Option<&Fdb> {
        match sw {
            Switch::Bridge(b) => self.st.bridges.get(b.index()).map(|b| &b.fdb),
            Switch::Wire(w) => self.st.wires.get(w.index()),
        }
    }
}
