//! A node's `routes` and `nat`, read once its interfaces have ids: every
//! route gets its output interface, and is refused where `ip route add`
//! would refuse it.

use core::net::Ipv4Addr;

use rustc_hash::FxHashMap;

use super::yaml::Node;
use super::{Cx, Drafts, Ids, Local, NodeDraft, Path};
use crate::model::Route;
use crate::wire::Ipv4Net;

const ROUTE_KEYS: &[&str] = &["to", "via", "dev"];

const GATEWAY_HELP: &str = "Linux accepts a gateway it can reach on a link: in the subnet of an address of the node, or covered by a route with `dev` and no `via` (the /32 set-up: `{ to: 10.0.0.1/32, dev: eth0 }` then `{ to: default, via: 10.0.0.1 }`); add one of those, or fix the gateway";

/// Where a destination was first seen: a connected subnet (interface,
/// address) or an earlier route (index, line).
#[derive(Clone, Copy)]
enum Dest {
    Connected(Local, Ipv4Net),
    Route(usize, u32),
}

/// Destinations a node has routes to: a short list, as most nodes have a
/// few, or a hash map once it grows.
#[derive(Default)]
struct Dests {
    few: Vec<((u32, u8), Dest)>,
    many: FxHashMap<(u32, u8), Dest>,
}

impl Dests {
    const FEW: usize = 16;

    fn get(&self, key: (u32, u8)) -> Option<Dest> {
        if self.many.is_empty() {
            self.few.iter().find(|(k, _)| *k == key).map(|x| x.1)
        } else {
            self.many.get(&key).copied()
        }
    }

    /// Keeps the first.
    fn add(&mut self, key: (u32, u8), d: Dest) {
        if self.get(key).is_some() {
            return;
        }
        if self.many.is_empty() && self.few.len() < Self::FEW {
            self.few.push((key, d));
        } else {
            self.many.extend(self.few.drain(..));
            self.many.insert(key, d);
        }
    }
}

/// The connected subnets of one node, by prefix length, for finding the
/// interface of a gateway in constant time.
struct Subnets {
    /// (prefix, network → first interface in node order), longest first.
    by_len: Vec<(u8, FxHashMap<u32, usize>)>,
}

impl Subnets {
    fn of(n: &NodeDraft<'_>) -> Subnets {
        let mut maps: Vec<FxHashMap<u32, usize>> = vec![FxHashMap::default(); 33];
        for (fi, f) in n.ifaces.iter().enumerate() {
            for a in &f.addresses {
                if let Some(m) = maps.get_mut(usize::from(a.prefix())) {
                    m.entry(u32::from(a.network())).or_insert(fi);
                }
            }
        }
        let mut by_len: Vec<(u8, FxHashMap<u32, usize>)> = maps
            .into_iter()
            .enumerate()
            .filter(|(_, m)| !m.is_empty())
            .map(|(p, m)| (p as u8, m))
            .collect();
        by_len.reverse();
        Subnets { by_len }
    }

    /// The interface whose subnet holds `ip`, and that subnet: the longest
    /// prefix, as the kernel's lookup of the gateway finds it; among
    /// equals, the first interface.
    fn find(&self, ip: Ipv4Addr) -> Option<(usize, Ipv4Net)> {
        self.by_len.iter().find_map(|(p, m)| {
            let net = Ipv4Net::new(ip, *p)?.trunc();
            m.get(&u32::from(net.network())).map(|&fi| (fi, net))
        })
    }
}

/// What a gateway is reached through: the connected subnet of an address,
/// or a route of the same node with `dev` and no `via`.
#[derive(Clone, Copy)]
enum OnLink {
    Subnet(Local, Ipv4Net),
    DevRoute(Local, Ipv4Net),
}

impl OnLink {
    fn prefix(self) -> u8 {
        match self {
            OnLink::Subnet(_, n) | OnLink::DevRoute(_, n) => n.prefix(),
        }
    }
}

/// The routes of a list with `dev` and no `via`, read quietly (the main
/// pass reports what is wrong with them): the gateways of other routes may
/// be reached through them, wherever they stand in the list.
fn dev_routes(d: &Drafts<'_>, ni: usize, items: &[Node<'_>]) -> Vec<(Ipv4Net, Local)> {
    let mut out = Vec::new();
    for it in items {
        let super::yaml::Value::Map(entries) = &it.value else {
            continue;
        };
        let get = |key: &str| {
            entries
                .iter()
                .find(|(k, _)| k.text() == Some(key))
                .map(|(_, v)| v)
        };
        if get("via").is_some() {
            continue;
        }
        let to = match get("to").and_then(Node::text) {
            Some("default") => Some(Ipv4Net::DEFAULT),
            Some(t) => t.parse::<Ipv4Net>().ok().filter(|c| c.is_network()),
            None => None,
        };
        let dev = get("dev").and_then(Node::text).and_then(|s| d.local(ni, s));
        if let (Some(to), Some(dev)) = (to, dev) {
            out.push((to, dev));
        }
    }
    out
}

/// The route with `dev` and no `via` that covers `gw` with the longest
/// prefix, through interface `only` if given.
fn dev_route_for(routes: &[(Ipv4Net, Local)], gw: Ipv4Addr, only: Option<Local>) -> Option<OnLink> {
    routes
        .iter()
        .filter(|(to, l)| to.contains(gw) && only.is_none_or(|o| o == *l))
        .max_by_key(|(to, _)| to.prefix())
        .map(|&(to, l)| OnLink::DevRoute(l, to))
}

/// The longer prefix of the two, as the kernel's lookup picks; a connected
/// subnet on a tie.
fn longest(subnet: Option<OnLink>, route: Option<OnLink>) -> Option<OnLink> {
    match (subnet, route) {
        (Some(s), Some(r)) if r.prefix() > s.prefix() => Some(r),
        (Some(s), _) => Some(s),
        (None, r) => r,
    }
}

/// A gateway on link must still be a host there: not the network or
/// broadcast address of its subnet (a /31 and a /32 have neither, RFC
/// 3021), and not an address of the node itself. Linux refuses each
/// (Nexthop has invalid gateway).
#[allow(clippy::too_many_arguments)]
fn gateway_ok(
    cx: &mut Cx<'_>,
    d: &Drafts<'_>,
    ni: usize,
    node: &NodeDraft<'_>,
    gw: Ipv4Addr,
    on: OnLink,
    rp: &Path<'_>,
    pos: super::yaml::Pos,
) -> bool {
    let problem = match on {
        OnLink::Subnet(l, net) if net.prefix() <= 30 => {
            let of = format!("{net}, the subnet of {}", d.local_name(ni, l));
            if gw == net.network() {
                Some(format!("gateway {gw} is the network address of {of}"))
            } else if gw == net.broadcast() {
                Some(format!("gateway {gw} is the broadcast address of {of}"))
            } else {
                None
            }
        }
        _ => None,
    };
    let problem = problem.or_else(|| {
        node.ifaces
            .iter()
            .find(|f| f.addresses.iter().any(|a| a.addr() == gw))
            .map(|f| {
                format!(
                    "gateway {gw} is an address of this node itself (on {})",
                    f.name
                )
            })
    });
    match problem {
        None => true,
        Some(message) => {
            cx.err(
                pos,
                rp.key("via"),
                message,
                Some("Linux refuses it (Nexthop has invalid gateway): a gateway is the address of another host on the link, such as a router".into()),
            );
            false
        }
    }
}

/// `0.0.0.0/0` is written `default`, as `ip route` prints it.
fn show(to: Ipv4Net) -> String {
    if to.prefix() == 0 {
        "default".into()
    } else {
        to.to_string()
    }
}

/// The subnets of a node's interfaces, for messages: `172.17.0.0/16 on eth0`.
fn describe_subnets(n: &NodeDraft<'_>) -> String {
    const SHOWN: usize = 6;
    let all: Vec<String> = n
        .ifaces
        .iter()
        .flat_map(|f| {
            f.addresses
                .iter()
                .map(move |a| format!("{} on {}", a.trunc(), f.name))
        })
        .take(SHOWN + 1)
        .collect();
    match all.len() {
        0 => "it has no addresses".into(),
        n if n > SHOWN => format!("{}, ...", all[..SHOWN].join(", ")),
        _ => all.join(", "),
    }
}

pub(super) fn routes(
    cx: &mut Cx<'_>,
    d: &Drafts<'_>,
    ni: usize,
    ids: &Ids,
    n: &Node<'_>,
    path: &Path<'_>,
) -> Vec<Route> {
    let mut out: Vec<Route> = Vec::new();
    let Some(node) = d.nodes.get(ni) else {
        return out;
    };
    let Some(items) = cx.list(
        n,
        path,
        "a list of routes",
        "routes: [{ to: default, via: 172.17.0.1 }]",
    ) else {
        return out;
    };
    if items.is_empty() {
        return out;
    }
    out.reserve(items.len());
    // Linux adds a route to the subnet of every address (not /32) and
    // refuses a second route to any destination it already has.
    let mut dests = Dests::default();
    for (fi, f) in node.ifaces.iter().enumerate() {
        for a in f.addresses.iter().filter(|a| a.prefix() < 32) {
            dests.add(
                (u32::from(a.network()), a.prefix()),
                Dest::Connected(Local::If(fi), *a),
            );
        }
    }
    let mut subnets: Option<Subnets> = None;
    let dev_routes = dev_routes(d, ni, items);
    for (i, it) in items.iter().enumerate() {
        let rp = path.index(i);
        let Some(entries) = cx.map(
            it,
            &rp,
            "a route: a map such as `{ to: default, via: 172.17.0.1 }`",
        ) else {
            continue;
        };
        let f = cx.fields(entries, &rp, "a route", ROUTE_KEYS);
        let to = match f.get("to") {
            None => {
                cx.err(
                    it.pos,
                    rp,
                    "this route has no `to`".into(),
                    Some("add `to: default`, or `to:` a network such as 10.1.0.0/16".into()),
                );
                None
            }
            Some(t) => destination(cx, t, &rp.key("to")),
        };
        let via = f.get("via").map(|v| cx.ipv4(v, &rp.key("via")));
        let dev = f.get("dev").map(|v| {
            let dp = rp.key("dev");
            let s = cx.text(v, &dp, "the name of an interface of this node")?;
            let l = d.local(ni, s);
            if l.is_none() {
                let help = cx
                    .suggest(s, node.ifaces.iter().map(|f| f.name))
                    .map(|c| format!("did you mean `{c}`?"));
                cx.err(
                    v.pos,
                    dp,
                    format!("node `{}` has no interface `{s}`", node.name),
                    help,
                );
            }
            l
        });
        let dev = match (via, dev) {
            (None, None) => {
                cx.err(
                    it.pos,
                    rp,
                    "this route has neither `via` nor `dev`".into(),
                    Some("add `via:`, a gateway on a connected subnet, or `dev:`, the interface to send through, or both".into()),
                );
                continue;
            }
            (Some(None), _) | (_, Some(None)) => continue,
            (None, Some(Some(l))) => l,
            (Some(Some(gw)), Some(Some(l))) => {
                // The gateway must be on link through this very interface.
                let subnet = d
                    .local_addresses(ni, l)
                    .iter()
                    .filter(|a| a.contains(gw))
                    .max_by_key(|a| a.prefix())
                    .map(|a| OnLink::Subnet(l, a.trunc()));
                let found = longest(subnet, dev_route_for(&dev_routes, gw, Some(l)));
                match found {
                    Some(on) => {
                        if !gateway_ok(
                            cx,
                            d,
                            ni,
                            node,
                            gw,
                            on,
                            &rp,
                            f.get("via").map_or(it.pos, |v| v.pos),
                        ) {
                            continue;
                        }
                        l
                    }
                    None => {
                        if !node.bad_addresses {
                            let subnets: Vec<String> = d
                                .local_addresses(ni, l)
                                .iter()
                                .map(|a| a.trunc().to_string())
                                .collect();
                            let has = if subnets.is_empty() {
                                "it has no addresses".to_string()
                            } else {
                                format!("its subnets: {}", subnets.join(", "))
                            };
                            cx.err(
                                f.get("via").map_or(it.pos, |v| v.pos),
                                rp.key("via"),
                                format!(
                                    "gateway {gw} is not in a subnet of {} ({has}), nor covered by a route with `dev: {}` and no `via`",
                                    d.local_name(ni, l),
                                    d.local_name(ni, l)
                                ),
                                Some(GATEWAY_HELP.into()),
                            );
                        }
                        continue;
                    }
                }
            }
            (Some(Some(gw)), None) => {
                let subnet = subnets
                    .get_or_insert_with(|| Subnets::of(node))
                    .find(gw)
                    .map(|(fi, net)| OnLink::Subnet(Local::If(fi), net));
                match longest(subnet, dev_route_for(&dev_routes, gw, None)) {
                    Some(on) => {
                        if !gateway_ok(
                            cx,
                            d,
                            ni,
                            node,
                            gw,
                            on,
                            &rp,
                            f.get("via").map_or(it.pos, |v| v.pos),
                        ) {
                            continue;
                        }
                        match on {
                            OnLink::Subnet(l, _) | OnLink::DevRoute(l, _) => l,
                        }
                    }
                    None => {
                        if !node.bad_addresses {
                            cx.err(
                                f.get("via").map_or(it.pos, |v| v.pos),
                                rp.key("via"),
                                format!(
                                    "gateway {gw} is not in any subnet of {}'s interfaces ({}), nor covered by a route with `dev` and no `via`",
                                    node.name,
                                    describe_subnets(node)
                                ),
                                Some(GATEWAY_HELP.into()),
                            );
                        }
                        continue;
                    }
                }
            }
        };
        let Some(to) = to else { continue };
        let key = (u32::from(to.network()), to.prefix());
        match dests.get(key) {
            Some(Dest::Connected(l, a)) => cx.err(
                f.get("to").map_or(it.pos, |t| t.pos),
                rp.key("to"),
                format!(
                    "there is already a route to {}: the connected route of {}'s address {a}",
                    show(to),
                    d.local_name(ni, l)
                ),
                Some("Linux adds a route to the subnet of every address and refuses a second one (RTNETLINK answers: File exists); remove this route".into()),
            ),
            Some(Dest::Route(j, line)) => cx.err(
                f.get("to").map_or(it.pos, |t| t.pos),
                rp.key("to"),
                format!(
                    "there is already a route to {} (routes[{j}], line {line})",
                    show(to)
                ),
                Some("Linux refuses a second route to the same destination (RTNETLINK answers: File exists); keep one".into()),
            ),
            None => {
                dests.add(key, Dest::Route(i, cx.line(it.pos)));
                out.push(Route {
                    to,
                    via: via.flatten(),
                    dev: ids.of(ni, dev),
                });
            }
        }
    }
    out
}

/// `default` or a network in CIDR form.
fn destination(cx: &mut Cx<'_>, t: &Node<'_>, path: &Path<'_>) -> Option<Ipv4Net> {
    match t.text() {
        Some("default") => return Some(Ipv4Net::DEFAULT),
        Some(s) if s.parse::<Ipv4Addr>().is_ok() => {
            cx.err(
                t.pos,
                path,
                format!("`{s}` has no prefix length"),
                Some(format!(
                    "write `{s}/32` for a route to that one host, or its network, e.g. `10.1.0.0/16`"
                )),
            );
            return None;
        }
        _ => {}
    }
    let c = cx.cidr(t, path)?;
    if !c.is_network() {
        cx.err(
            t.pos,
            path,
            format!("`{c}` has host bits set; `ip route` refuses it (Invalid prefix for given prefix length)"),
            Some(format!("write the network: {}", c.trunc())),
        );
        return None;
    }
    Some(c)
}
