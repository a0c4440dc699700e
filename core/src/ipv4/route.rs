//! A namespace's main routing table: connected routes implied by addresses,
//! then the file's routes, looked up by longest prefix as `ip route get`
//! does.
//!
//! Lookup cost depends on how many distinct prefix lengths the table has,
//! not on how many routes: each length is one hash probe.

use core::fmt;
use core::net::Ipv4Addr;

use rustc_hash::FxHashMap;

use crate::model::{IfaceId, IfaceKind, NodeId, Topology};
use crate::wire::Ipv4Net;

/// Where a route came from, as `ip route` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteOrigin {
    /// `proto kernel scope link`: added with an address.
    Connected,
    /// Written in the topology file.
    Static,
    /// A next-hop exception learned from an ICMP redirect (`ip route get`
    /// shows `cache <redirected>`).
    Redirected,
}

/// One entry of the main table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RouteEntry {
    pub to: Ipv4Net,
    pub via: Option<Ipv4Addr>,
    pub dev: IfaceId,
    /// The preferred source address (`src`), chosen as the kernel does.
    pub src: Option<Ipv4Addr>,
    pub origin: RouteOrigin,
}

impl RouteEntry {
    /// The line `ip route` prints for it.
    pub fn display<'a>(&'a self, topo: &'a Topology) -> impl fmt::Display + 'a {
        RouteLine { r: self, topo }
    }
}

struct RouteLine<'a> {
    r: &'a RouteEntry,
    topo: &'a Topology,
}

impl fmt::Display for RouteLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.r;
        if r.to.prefix() == 0 {
            f.write_str("default")?;
        } else {
            write!(f, "{}", r.to)?;
        }
        if let Some(via) = r.via {
            write!(f, " via {via}")?;
        }
        write!(f, " dev {}", self.topo.iface(r.dev).name)?;
        if r.origin == RouteOrigin::Connected {
            f.write_str(" proto kernel scope link")?;
            if let Some(src) = r.src {
                write!(f, " src {src}")?;
            }
        }
        if r.origin == RouteOrigin::Redirected {
            f.write_str(" cache <redirected>")?;
        }
        Ok(())
    }
}

/// The main table of one namespace.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    /// In the order `ip route` lists them: connected then static, each in
    /// file order.
    entries: Vec<RouteEntry>,
    /// Prefix lengths present, longest first, each with network → first
    /// entry index.
    by_len: Vec<(u8, FxHashMap<u32, u32>)>,
}

impl RouteTable {
    /// Builds the table of `node` from its addresses and routes.
    pub fn build(topo: &Topology, node: NodeId) -> RouteTable {
        let n = topo.node(node);
        let mut entries = Vec::new();
        for &i in &n.ifaces {
            let iface = topo.iface(i);
            if iface.kind() == IfaceKind::Loopback {
                continue; // 127.0.0.0/8 lives in the local table
            }
            for a in &iface.addresses {
                entries.push(RouteEntry {
                    to: a.trunc(),
                    via: None,
                    dev: i,
                    src: Some(a.addr()),
                    origin: RouteOrigin::Connected,
                });
            }
        }
        for r in &n.routes {
            entries.push(RouteEntry {
                to: r.to.trunc(),
                via: r.via,
                dev: r.dev,
                src: preferred_source(topo, node, r.dev, r.via),
                origin: RouteOrigin::Static,
            });
        }
        RouteTable::from_entries(entries)
    }

    /// Indexes `entries` (kept in this order) by prefix length.
    fn from_entries(entries: Vec<RouteEntry>) -> RouteTable {
        let mut by_len: Vec<(u8, FxHashMap<u32, u32>)> = Vec::new();
        for (idx, e) in entries.iter().enumerate() {
            let len = e.to.prefix();
            let pos = match by_len.iter().position(|(l, _)| *l == len) {
                Some(p) => p,
                None => {
                    by_len.push((len, FxHashMap::default()));
                    by_len.len() - 1
                }
            };
            by_len[pos]
                .1
                .entry(u32::from(e.to.network()))
                .or_insert(idx as u32);
        }
        by_len.sort_by_key(|(len, _)| core::cmp::Reverse(*len));
        RouteTable { entries, by_len }
    }

    pub fn entries(&self) -> &[RouteEntry] {
        &self.entries
    }

    /// The longest-prefix match for `dst`; among equal prefixes the first
    /// added wins, as in the kernel.
    pub fn lookup(&self, dst: Ipv4Addr) -> Option<&RouteEntry> {
        let d = u32::from(dst);
        self.by_len.iter().find_map(|(len, map)| {
            let mask = if *len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(*len))
            };
            map.get(&(d & mask)).map(|&i| &self.entries[i as usize])
        })
    }
}

/// The kernel's choice of source address for a route through `dev`
/// (`inet_select_addr`): an address of `dev` whose subnet holds the gateway,
/// else `dev`'s first address, else the first address of any other
/// interface.
fn preferred_source(
    topo: &Topology,
    node: NodeId,
    dev: IfaceId,
    via: Option<Ipv4Addr>,
) -> Option<Ipv4Addr> {
    let addrs = &topo.iface(dev).addresses;
    via.and_then(|gw| addrs.iter().find(|a| a.contains(gw)))
        .or_else(|| addrs.first())
        .map(|a| a.addr())
        .or_else(|| {
            topo.node(node)
                .ifaces
                .iter()
                .map(|&i| topo.iface(i))
                .filter(|i| i.kind() != IfaceKind::Loopback)
                .find_map(|i| i.addresses.first())
                .map(|a| a.addr())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(to: &str, dev: u32) -> RouteEntry {
        RouteEntry {
            to: to.parse::<Ipv4Net>().unwrap().trunc(),
            via: None,
            dev: IfaceId(dev),
            src: None,
            origin: RouteOrigin::Static,
        }
    }

    fn table(entries: Vec<RouteEntry>) -> RouteTable {
        RouteTable::from_entries(entries)
    }

    #[test]
    fn longest_prefix_wins_and_first_of_equals() {
        let t = table(vec![
            entry("0.0.0.0/0", 1),
            entry("10.0.0.0/8", 2),
            entry("10.1.0.0/16", 3),
            entry("10.1.0.0/16", 4),
            entry("10.1.2.3/32", 5),
        ]);
        let dev = |ip: [u8; 4]| t.lookup(Ipv4Addr::from(ip)).map(|r| r.dev.0);
        assert_eq!(dev([10, 1, 2, 3]), Some(5));
        assert_eq!(dev([10, 1, 9, 9]), Some(3), "first of two equal prefixes");
        assert_eq!(dev([10, 9, 9, 9]), Some(2));
        assert_eq!(dev([192, 168, 0, 1]), Some(1));
        let no_default = table(vec![entry("10.0.0.0/8", 2)]);
        assert!(no_default.lookup(Ipv4Addr::new(11, 0, 0, 1)).is_none());
    }
}
