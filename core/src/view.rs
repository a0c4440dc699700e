//! State views in the formats people know: `ip addr`, `ip route`,
//! `ip neigh` and `bridge fdb`, for any namespace, at any point of a run
//! (run the simulation to that point with [`Sim::run_until`], then look).
//!
//! [`Sim::run_until`]: crate::sim::Sim::run_until

use core::fmt::Write as _;

use core::net::Ipv4Addr;

use crate::ipv4::route::{RouteEntry, RouteTable};
use crate::model::{Device, IfaceKind, NodeId, Topology};
use crate::neigh::NeighState;
use crate::sim::Sim;
use crate::trace::Switch;

/// Which view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Addr,
    Route,
    Neigh,
    Fdb,
    /// `conntrack -L`.
    Conntrack,
    /// `nft list ruleset`.
    Nft,
    /// `bridge link`: each bridge port's state, then, for a bridge with
    /// STP on, its place in the spanning tree and each port's role.
    Stp,
}

impl View {
    pub const ALL: [View; 7] = [
        View::Addr,
        View::Route,
        View::Neigh,
        View::Fdb,
        View::Conntrack,
        View::Nft,
        View::Stp,
    ];

    /// The word used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            View::Addr => "addr",
            View::Route => "route",
            View::Neigh => "neigh",
            View::Fdb => "fdb",
            View::Conntrack => "conntrack",
            View::Nft => "nft",
            View::Stp => "stp",
        }
    }

    /// The command whose output it imitates.
    pub fn command(self) -> &'static str {
        match self {
            View::Addr => "ip addr",
            View::Route => "ip route",
            View::Neigh => "ip neigh",
            View::Fdb => "bridge fdb show",
            View::Conntrack => "conntrack -L",
            View::Nft => "nft list ruleset",
            View::Stp => "bridge link",
        }
    }

    pub fn parse(word: &str) -> Option<View> {
        Self::ALL.into_iter().find(|v| v.as_str() == word)
    }
}

/// The view of `node` in the simulation's current state.
pub fn render(sim: &Sim, node: NodeId, view: View) -> String {
    let topo = sim.topology();
    match view {
        View::Addr => ip_addr(topo, node),
        View::Route => ip_route(topo, node),
        View::Neigh => ip_neigh(sim, node),
        View::Fdb => bridge_fdb(sim, node),
        View::Conntrack => crate::netfilter::views::conntrack_list(sim, node),
        View::Nft => crate::netfilter::views::nft_ruleset(topo, node),
        View::Stp => bridge_link(topo, node),
    }
}

/// `bridge link`: every bridge port of `node` by ifindex, with its state
/// once the spanning tree has converged (`forwarding`, or `blocking`), its
/// priority (32, the port id's top bits `>> 10`) and path cost; each line
/// ends with a space, as iproute2 prints it. A veth's peer is named as
/// `bridge link` names it: by the peer's ifindex, looked up in this
/// namespace (`@if7`, or a local name that happens to have that index),
/// and not at all when that index is the port's own.
///
/// Then, for each bridge with STP on, what sysfs says of it
/// (`/sys/class/net/BR/bridge/{bridge_id,root_id,root_port,root_path_cost}`)
/// and each port's id and role, the role read as the kernel decides it:
/// `root` is the bridge's `root_port`, `designated` when the port's
/// `designated_bridge` and `designated_port` are its own, `backup` when only
/// the bridge is its own, else `alternate`.
pub fn bridge_link(topo: &Topology, node: NodeId) -> String {
    use crate::bridge::stp::{self, SpanningTree};
    let tree = SpanningTree::compute(topo);
    let mut out = String::new();
    let mut ifaces = topo.node(node).ifaces.clone();
    ifaces.sort_by_key(|&i| topo.iface(i).ifindex);
    for &id in &ifaces {
        let i = topo.iface(id);
        let Some(m) = i.master else { continue };
        let mut name = i.name.clone();
        if let Some(peer) = i.veth_peer() {
            let k = topo.iface(peer).ifindex;
            if k != i.ifindex {
                let local = ifaces
                    .iter()
                    .map(|&j| topo.iface(j))
                    .find(|j| j.ifindex == k);
                match local {
                    Some(j) => {
                        let _ = write!(name, "@{}", j.name);
                    }
                    None => {
                        let _ = write!(name, "@if{k}");
                    }
                }
            }
        }
        let state = tree
            .state(id)
            .unwrap_or(stp::PortState::Forwarding)
            .as_str();
        let _ = writeln!(
            out,
            "{}: {name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu {} master {} state {state} priority 32 cost {} ",
            i.ifindex,
            i.mtu,
            topo.iface(m).name,
            stp::port_cost(topo, id)
        );
    }
    for &id in &ifaces {
        let Some(b) = tree.bridges.get(&id) else {
            continue;
        };
        let port_no = |p: crate::model::IfaceId| tree.ports.get(&p).map_or(0, |s| s.id & 0x3ff);
        let _ = writeln!(
            out,
            "bridge {} id {} root {} root_port {} root_path_cost {}",
            topo.iface(id).name,
            b.id,
            b.root,
            b.root_port.map_or(0, port_no),
            b.root_path_cost
        );
        for p in stp::ports_of(topo, id) {
            if let Some(s) = tree.ports.get(&p) {
                let _ = writeln!(
                    out,
                    "  port {} id 0x{:x} role {}",
                    topo.iface(p).name,
                    s.id,
                    s.role.as_str()
                );
            }
        }
    }
    out
}

/// `ip addr`: interfaces with their ifindex, `@ifN` peer, flags, MAC and
/// addresses.
pub fn ip_addr(topo: &Topology, node: NodeId) -> String {
    let mut out = String::new();
    let mut ifaces = topo.node(node).ifaces.clone();
    ifaces.sort_by_key(|&i| topo.iface(i).ifindex);
    for id in ifaces {
        let i = topo.iface(id);
        let index = i.ifindex;
        let mut name = i.name.clone();
        if let Some(peer) = i.veth_peer() {
            // `ip` names a peer in the same namespace, and gives the
            // index of one in another.
            let p = topo.iface(peer);
            if p.node == node {
                let _ = write!(name, "@{}", p.name);
            } else {
                let _ = write!(name, "@if{}", p.ifindex);
            }
        }
        let no_carrier = no_carrier(topo, id);
        let (flags, state) = match (i.kind(), no_carrier) {
            (IfaceKind::Loopback, _) => ("LOOPBACK,UP,LOWER_UP", "UNKNOWN"),
            (_, true) => ("NO-CARRIER,BROADCAST,MULTICAST,UP", "DOWN"),
            (IfaceKind::Vxlan, _) => ("BROADCAST,MULTICAST,UP,LOWER_UP", "UNKNOWN"),
            _ => ("BROADCAST,MULTICAST,UP,LOWER_UP", "UP"),
        };
        let qdisc = if i.kind() == IfaceKind::Nic {
            "fq_codel"
        } else {
            "noqueue"
        };
        let master = i
            .master
            .map(|m| format!(" master {}", topo.iface(m).name))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{index}: {name}: <{flags}> mtu {} qdisc {qdisc}{master} state {state} group default qlen 1000",
            i.mtu
        );
        match i.kind() {
            IfaceKind::Loopback => {
                let _ = writeln!(
                    out,
                    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"
                );
            }
            _ => {
                let netns = match i.device {
                    Device::Veth { peer, .. } if topo.iface(peer).node != node => {
                        format!(" link-netns {}", topo.node(topo.iface(peer).node).name)
                    }
                    _ => String::new(),
                };
                // A vxlan's `vxlan id ... dstport ...` line is `ip -d`'s:
                // plain `ip addr` does not print it (measured).
                let _ = writeln!(out, "    link/ether {} brd ff:ff:ff:ff:ff:ff{netns}", i.mac);
            }
        }
        for a in &i.addresses {
            let scope = if a.addr().is_loopback() {
                "host"
            } else {
                "global"
            };
            let brd = if a.prefix() < 31 && !a.addr().is_loopback() {
                format!(" brd {}", a.broadcast())
            } else {
                String::new()
            };
            let _ = writeln!(out, "    inet {a}{brd} scope {scope} {}", i.name);
            let _ = writeln!(out, "       valid_lft forever preferred_lft forever");
        }
    }
    out
}

/// `ip route`: the main table, the default route first, then by
/// destination. Each line ends with a space, as iproute2 prints it.
pub fn ip_route(topo: &Topology, node: NodeId) -> String {
    let table = RouteTable::build(topo, node);
    let mut out = String::new();
    let mut entries: Vec<_> = table.entries().iter().collect();
    entries.sort_by_key(|e| (e.to.prefix() != 0, u32::from(e.to.network()), e.to.prefix()));
    for e in entries {
        // The kernel marks a route whose device has no carrier.
        let down = if no_carrier(topo, e.dev) {
            " linkdown"
        } else {
            ""
        };
        let _ = writeln!(out, "{}{down} ", e.display(topo));
    }
    out
}

/// Whether an interface has no carrier: a bridge without ports (the only
/// such case a topology can have: every veth and NIC is cabled).
fn no_carrier(topo: &Topology, id: crate::model::IfaceId) -> bool {
    let i = topo.iface(id);
    i.kind() == IfaceKind::Bridge
        && !topo
            .node(i.node)
            .ifaces
            .iter()
            .any(|&p| topo.iface(p).master == Some(id))
}

/// The first line of `ip route get DST` in `node` (without its trailing
/// space), or the error it prints: `local 10.0.0.1 dev lo src 10.0.0.1 uid
/// 0` for an own address, `local 127.0.0.5 dev lo src 127.0.0.1 uid 0` in
/// the loopback range, `RTNETLINK answers: Network is unreachable` without
/// a route. Checked against the kernel for every probe's destination.
pub fn route_get(sim: &Sim, node: NodeId, dst: Ipv4Addr) -> String {
    let topo = sim.topology();
    let own = topo
        .node(node)
        .ifaces
        .iter()
        .any(|&i| topo.iface(i).addresses.iter().any(|a| a.addr() == dst));
    if own || dst.is_loopback() {
        let src = crate::ipv4::local_source(dst);
        return format!("local {dst} dev lo src {src} uid 0");
    }
    match RouteTable::build(topo, node).lookup(dst) {
        // A next-hop exception from a redirect replaces a gateway route's
        // gateway (measured: `10.0.9.9 via 10.0.0.253 dev eth0 ...` after
        // 10.0.0.254's redirect).
        Some(r) => {
            let r = match sim.redirected_gateway(node, dst) {
                Some(gw) if r.via.is_some() => RouteEntry {
                    via: Some(gw),
                    ..*r
                },
                _ => *r,
            };
            route_get_line(topo, &r, dst, subnet_broadcast(topo, node, dst))
        }
        None => "RTNETLINK answers: Network is unreachable".to_string(),
    }
}

/// The line `ip route get DST` prints for the route `r` (measured: `10.0.0.2
/// dev eth0 src 10.0.0.1 uid 0`, `8.8.8.8 via 10.0.0.254 dev eth0 src
/// 10.0.0.1 uid 0`, `broadcast 10.0.0.255 dev eth0 src 10.0.0.1 uid 0`).
pub fn route_get_line(topo: &Topology, r: &RouteEntry, dst: Ipv4Addr, broadcast: bool) -> String {
    let mut s = String::new();
    if broadcast {
        s.push_str("broadcast ");
    }
    let _ = write!(s, "{dst}");
    if let Some(gw) = r.via {
        let _ = write!(s, " via {gw}");
    }
    let _ = write!(s, " dev {}", topo.iface(r.dev).name);
    if let Some(src) = r.src {
        let _ = write!(s, " src {src}");
    }
    s.push_str(" uid 0");
    s
}

/// Whether `dst` is the broadcast address of one of `node`'s subnets (a
/// `broadcast` route of table local).
pub fn subnet_broadcast(topo: &Topology, node: NodeId, dst: Ipv4Addr) -> bool {
    topo.node(node).ifaces.iter().any(|&i| {
        topo.iface(i)
            .addresses
            .iter()
            .any(|a| a.prefix() < 31 && a.broadcast() == dst)
    })
}

/// `ip neigh`: the ARP cache, in the order entries were made (the kernel
/// lists them in the order of its hash table, which depends on a random
/// key). Each line ends with a space, as iproute2 prints it.
pub fn ip_neigh(sim: &Sim, node: NodeId) -> String {
    let topo = sim.topology();
    let mut out = String::new();
    for e in sim.neigh_entries(node) {
        let dev = &topo.iface(e.dev).name;
        let state = e.state_name(sim.now());
        match (&e.state, e.mac) {
            (NeighState::Incomplete { .. } | NeighState::Failed, _) | (_, None) => {
                let _ = writeln!(out, "{} dev {dev} {state} ", e.ip);
            }
            (_, Some(mac)) => {
                let _ = writeln!(out, "{} dev {dev} lladdr {mac} {state} ", e.ip);
            }
        }
    }
    out
}

/// The multicast addresses every interface but `lo` has in its list, and
/// so in `bridge fdb show` as `self permanent`, in the order they are
/// added: IPv6's all-nodes group ff02::1 (`ipv6_add_dev` joins it even
/// where IPv6 is disabled), then IPv4's all-hosts 224.0.0.1 (`ip_mc_up`).
const IFACE_GROUPS: [&str; 2] = ["33:33:00:00:00:01", "01:00:5e:00:00:01"];
/// A bridge's: all-nodes, then the groups its multicast snooping (on by
/// default) joins to hear multicast routers, 224.0.0.106 and ff02::6a
/// (`br_multicast_open`), then all-hosts.
const BRIDGE_GROUPS: [&str; 4] = [
    "33:33:00:00:00:01",
    "01:00:5e:00:00:6a",
    "33:33:00:00:00:6a",
    "01:00:5e:00:00:01",
];

/// A vxlan device's own FDB as `bridge fdb show` lists it (`vxlan_fdb_dump`,
/// instead of the multicast addresses other devices list): newest entry
/// first, one line per remote, learned ones without `permanent`
/// (measured: `00:00:00:00:00:00 dev vxlan0 dst 192.168.1.12 self
/// permanent`, `02:42:0a:00:00:03 dev vxlan0 dst 192.168.1.12 self `).
fn vxlan_fdb(sim: &Sim, dev: crate::model::IfaceId, out: &mut String) {
    let name = &sim.topology().iface(dev).name;
    for e in sim.vxlan_fdb_of(dev).entries(sim.now()) {
        let state = if e.permanent { "permanent" } else { "" };
        for d in &e.dsts {
            let _ = writeln!(out, "{} dev {name} dst {d} self {state}", e.mac);
        }
    }
}

/// `bridge fdb show`: every interface but `lo`, by ifindex, as the kernel
/// dumps them (`rtnl_fdb_dump`). A bridge lists its multicast addresses
/// (`self permanent`), then its own MAC; a bridge port the MACs learned
/// behind it, newest first, then its own MAC (`master ... permanent`), then
/// its multicast addresses; any other interface its multicast addresses.
/// With IPv6 addresses the kernel adds one more group per address (the
/// solicited-node `33:33:ff:...`): netsim has no IPv6, so it has none.
pub fn bridge_fdb(sim: &Sim, node: NodeId) -> String {
    let topo = sim.topology();
    let mut out = String::new();
    let mut ifaces = topo.node(node).ifaces.clone();
    ifaces.sort_by_key(|&i| topo.iface(i).ifindex);
    for id in ifaces {
        let i = topo.iface(id);
        let name = &i.name;
        match (i.kind(), i.master) {
            (IfaceKind::Loopback, _) => {}
            (IfaceKind::Bridge, _) => {
                for g in BRIDGE_GROUPS {
                    let _ = writeln!(out, "{g} dev {name} self permanent");
                }
                let _ = writeln!(out, "{} dev {name} master {name} permanent", i.mac);
            }
            (_, Some(b)) => {
                let bname = &topo.iface(b).name;
                if let Some(fdb) = sim.fdb_of(Switch::Bridge(b)) {
                    let learned: Vec<_> = fdb.entries(sim.now()).filter(|e| e.port == id).collect();
                    // New entries go to the head of the bridge's list.
                    for e in learned.iter().rev() {
                        let _ = writeln!(out, "{} dev {name} master {bname} ", e.mac);
                    }
                }
                let _ = writeln!(out, "{} dev {name} master {bname} permanent", i.mac);
                if i.kind() == IfaceKind::Vxlan {
                    vxlan_fdb(sim, id, &mut out);
                } else {
                    for g in IFACE_GROUPS {
                        let _ = writeln!(out, "{g} dev {name} self permanent");
                    }
                }
            }
            (IfaceKind::Vxlan, None) => vxlan_fdb(sim, id, &mut out),
            (_, None) => {
                for g in IFACE_GROUPS {
                    let _ = writeln!(out, "{g} dev {name} self permanent");
                }
            }
        }
    }
    out
}
