//! State views in the formats people know: `ip addr`, `ip route`,
//! `ip neigh` and `bridge fdb`, for any namespace, at any point of a run
//! (run the simulation to that point with [`Sim::run_until`], then look).
//!
//! [`Sim::run_until`]: crate::sim::Sim::run_until

use core::fmt::Write as _;

use crate::ipv4::route::RouteTable;
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
}

impl View {
    pub const ALL: [View; 6] = [
        View::Addr,
        View::Route,
        View::Neigh,
        View::Fdb,
        View::Conntrack,
        View::Nft,
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
        }
    }

    /// The command whose output it imitates.
    pub fn command(self) -> &'static str {
        match self {
            View::Addr => "ip addr",
            View::Route => "ip route",
            View::Neigh => "ip neigh",
            View::Fdb => "bridge fdb",
            View::Conntrack => "conntrack -L",
            View::Nft => "nft list ruleset",
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
    }
}

/// `ip addr`: interfaces with their ifindex, `@ifN` peer, flags, MAC and
/// addresses.
pub fn ip_addr(topo: &Topology, node: NodeId) -> String {
    let mut out = String::new();
    for (pos, &id) in topo.node(node).ifaces.iter().enumerate() {
        let i = topo.iface(id);
        let index = pos + 1;
        let mut name = i.name.clone();
        if let Some(peer) = i.veth_peer() {
            let _ = write!(name, "@if{}", topo.iface(peer).ifindex);
        }
        let no_carrier = match i.kind() {
            IfaceKind::Bridge => !topo
                .node(node)
                .ifaces
                .iter()
                .any(|&p| topo.iface(p).master == Some(id)),
            _ => false,
        };
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
                let _ = writeln!(out, "    link/ether {} brd ff:ff:ff:ff:ff:ff{netns}", i.mac);
                if let Some(v) = i.vxlan() {
                    let dev = v
                        .dev
                        .map(|d| format!(" dev {}", topo.iface(d).name))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "    vxlan id {} local {}{dev} srcport 0 0 dstport {}",
                        v.vni, v.local, v.port
                    );
                }
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

/// `ip route`: the main table, connected routes first.
pub fn ip_route(topo: &Topology, node: NodeId) -> String {
    let table = RouteTable::build(topo, node);
    let mut out = String::new();
    // `ip route` lists the default route first, then by destination.
    let mut entries: Vec<_> = table.entries().iter().collect();
    entries.sort_by_key(|e| (e.to.prefix() != 0, u32::from(e.to.network()), e.to.prefix()));
    for e in entries {
        let _ = writeln!(out, "{}", e.display(topo));
    }
    out
}

/// `ip neigh`: the ARP cache, in the order entries were made.
pub fn ip_neigh(sim: &Sim, node: NodeId) -> String {
    let topo = sim.topology();
    let mut out = String::new();
    for e in sim.neigh_entries(node) {
        let dev = &topo.iface(e.dev).name;
        let state = e.state_name(sim.now());
        match (&e.state, e.mac) {
            (NeighState::Incomplete { .. } | NeighState::Failed, _) | (_, None) => {
                let _ = writeln!(out, "{} dev {dev}  {state}", e.ip);
            }
            (_, Some(mac)) => {
                let _ = writeln!(out, "{} dev {dev} lladdr {mac} {state}", e.ip);
            }
        }
    }
    out
}

/// `bridge fdb` for every bridge of `node`: learned entries, then the
/// permanent entries of the ports' and the bridge's own addresses.
pub fn bridge_fdb(sim: &Sim, node: NodeId) -> String {
    let topo = sim.topology();
    let mut out = String::new();
    let ifaces = &topo.node(node).ifaces;
    for &b in ifaces
        .iter()
        .filter(|&&i| topo.iface(i).kind() == IfaceKind::Bridge)
    {
        let bname = &topo.iface(b).name;
        let fdb = sim.fdb_of(Switch::Bridge(b));
        for &p in ifaces.iter().filter(|&&p| topo.iface(p).master == Some(b)) {
            let port = topo.iface(p);
            if let Some(fdb) = fdb {
                for e in fdb.entries(sim.now()).filter(|e| e.port == p) {
                    let _ = writeln!(out, "{} dev {} master {bname}", e.mac, port.name);
                }
            }
            let _ = writeln!(
                out,
                "{} dev {} vlan 1 master {bname} permanent",
                port.mac, port.name
            );
            let _ = writeln!(
                out,
                "{} dev {} master {bname} permanent",
                port.mac, port.name
            );
        }
        let mac = topo.iface(b).mac;
        let _ = writeln!(out, "{mac} dev {bname} vlan 1 master {bname} permanent");
        let _ = writeln!(out, "{mac} dev {bname} master {bname} permanent");
    }
    out
}
