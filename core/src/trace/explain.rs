//! The words of the trace: [`Event::explain`], the line a learner reads.
//! The listing of a run that uses it is in `listing`.

use super::words::describe_frame;
use super::{Answer, Delivery, Event, EventKind, FloodWhy, IcmpError, Place};
use crate::ipv4::route::RouteOrigin;
use crate::model::{IfaceId, ProbeProto, ProbeResult, Topology};
use crate::neigh::NudState;
use crate::wire::frame::DestUnreachableHeader;

fn port_name(topo: &Topology, port: IfaceId) -> String {
    topo.iface_label(port)
}

impl Event {
    /// One line that says what happened and why, in Linux's terms.
    pub fn explain(&self, topo: &Topology) -> String {
        let here = self.place.label(topo);
        let dev = match self.place {
            Place::Iface(i) => topo.iface(i).name.as_str(),
            _ => "",
        };
        match &self.kind {
            EventKind::ProbeStart {
                index,
                proto,
                dst,
                port,
                ttl,
            } => {
                let what = match (proto, port) {
                    (ProbeProto::Icmp, _) => format!("pings {dst} (one ICMP echo request)"),
                    (ProbeProto::Tcp, Some(p)) => {
                        format!("opens a TCP connection to {dst} port {p} (sends a SYN)")
                    }
                    (ProbeProto::Udp, Some(p)) => {
                        format!("sends one UDP datagram to {dst} port {p}")
                    }
                    (_, None) => format!("sends to {dst}"),
                };
                format!("probe {}: {here} {what}, TTL {ttl}", index + 1)
            }
            EventKind::FrameSent { bytes, .. } => {
                format!("{here} sends {}", describe_frame(bytes))
            }
            EventKind::FrameReceived { bytes, .. } => {
                format!("{here} receives {}", describe_frame(bytes))
            }
            EventKind::Transmit {
                from,
                to,
                link,
                depart,
                arrive,
                ..
            } => {
                let over = match link {
                    super::Link::Veth(_) => format!(
                        "over the veth pair {}: what goes in one end comes out of the other",
                        link.label(topo)
                    ),
                    super::Link::Wire(_) => format!("over wire {}", link.label(topo)),
                    super::Link::Bridge(_) => "inside the bridge, with no cable".to_string(),
                    super::Link::Loopback(_) => {
                        "over lo: the namespace sends it to itself".to_string()
                    }
                };
                format!(
                    "the frame crosses from {} to {} {over} ({} ns)",
                    from.label(topo),
                    to.label(topo),
                    arrive.saturating_sub(*depart)
                )
            }
            EventKind::Learn {
                switch,
                mac,
                port,
                moved_from,
            } => match moved_from {
                None => format!(
                    "{} learns that {mac} is behind port {}: frames to it will go out only there",
                    switch.label(topo),
                    port_name(topo, *port)
                ),
                Some(old) => format!(
                    "{} sees {mac} on port {} now (it was behind {}): the FDB entry moves",
                    switch.label(topo),
                    port_name(topo, *port),
                    port_name(topo, *old)
                ),
            },
            EventKind::Forward { switch, mac, port } => format!(
                "{} knows {mac} is behind port {} (FDB hit): forwards the frame out of that port only",
                switch.label(topo),
                port_name(topo, *port)
            ),
            EventKind::Flood {
                switch,
                why,
                in_port,
                ports,
                up,
            } => {
                let what = match why {
                    FloodWhy::Broadcast => "a broadcast frame",
                    FloodWhy::Multicast => "a multicast frame",
                    FloodWhy::Unknown => {
                        "a frame to a MAC address it has not learned (unknown unicast)"
                    }
                };
                let list = if ports.is_empty() {
                    "none: there is no other port".to_string()
                } else {
                    ports
                        .iter()
                        .map(|p| port_name(topo, *p))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let mut up = if *up {
                    ", and passes a copy up to its own IP stack".to_string()
                } else {
                    String::new()
                };
                // The ports the spanning tree blocks are left out.
                if let super::Switch::Bridge(b) = switch {
                    if topo.iface(*b).stp() {
                        let tree = crate::bridge::stp::SpanningTree::compute(topo);
                        let blocked: Vec<String> = crate::bridge::stp::ports_of(topo, *b)
                            .filter(|&p| tree.blocks(p))
                            .map(|p| port_name(topo, p))
                            .collect();
                        if !blocked.is_empty() {
                            up.push_str(&format!(
                                "; not out of {}: blocking (STP)",
                                blocked.join(", ")
                            ));
                        }
                    }
                }
                match in_port {
                    Some(p) => format!(
                        "{}: {what} came in on port {}, so it floods it out of every other port ({list}){up}",
                        switch.label(topo),
                        port_name(topo, *p)
                    ),
                    // Sent by the bridge device itself (`br_dev_xmit`):
                    // there is no ingress port to leave out.
                    None => format!(
                        "{}: {what} sent by the bridge's own IP stack, so it floods it out of every port ({list})",
                        switch.label(topo)
                    ),
                }
            }
            EventKind::PassUp { bridge } => format!(
                "the frame is addressed to bridge {} itself: it goes up to the namespace's IP stack instead of out of a port",
                topo.iface(*bridge).name
            ),
            EventKind::VxlanEncap { .. }
            | EventKind::VxlanDecap { .. }
            | EventKind::VxlanLearn { .. } => {
                super::tunnel::explain(topo, &self.kind).unwrap_or_default()
            }
            EventKind::NeighHit { ip, mac } => {
                format!("ARP cache hit: {ip} is at {mac} on {dev}, no need to ask")
            }
            EventKind::NeighMiss { ip, request } => {
                if *request {
                    format!(
                        "ARP cache miss for {ip} on {dev}: a new INCOMPLETE entry holds the packet while an ARP request asks who has {ip}"
                    )
                } else {
                    format!("{ip} is still being resolved on {dev}: the packet joins the queue")
                }
            }
            EventKind::NeighProbe {
                ip,
                probe,
                to: None,
            } => format!(
                "no ARP reply for {ip} after 1 s: broadcast request {probe} of 3 (net.ipv4.neigh.{dev}.retrans_time_ms 1000, mcast_solicit 3)"
            ),
            EventKind::NeighProbe {
                ip,
                probe,
                to: Some(mac),
            } => {
                let after = if *probe == 1 { "" } else { "still no reply: " };
                format!(
                    "{after}unicast ARP request {probe} of 3 (ucast_solicit), to {mac}: is {ip} still there?"
                )
            }
            EventKind::NeighState { ip, from, to } => match (from, to) {
                (NudState::Stale, NudState::Delay) => format!(
                    "the entry for {ip} on {dev} was STALE: the packet goes out with its MAC anyway, and the entry is DELAY"
                ),
                (NudState::Delay, NudState::Probe) => format!(
                    "nothing confirmed {ip} on {dev} in the 5 s since the entry was used: it is PROBE"
                ),
                (NudState::Probe, NudState::Failed) => format!(
                    "three unicast ARP requests for {ip} on {dev} got no reply: the entry is FAILED"
                ),
                (f, t) => format!(
                    "the neighbour entry for {ip} on {dev} goes from {} to {}",
                    f.as_str(),
                    t.as_str()
                ),
            },
            EventKind::NeighLearn {
                ip,
                mac,
                state,
                from_request,
                released,
            } => {
                let state = match (state, from_request) {
                    (NudState::Stale, true) => "STALE (learned from its request)",
                    (s, _) => s.as_str(),
                };
                let rel = match released {
                    0 => String::new(),
                    1 => ": the packet that waited goes out now".to_string(),
                    n => format!(": the {n} packets that waited go out now"),
                };
                format!("neighbour cache: {ip} is at {mac} on {dev}, {state}{rel}")
            }
            EventKind::NeighFailed {
                ip,
                dropped,
                forwarded,
            } => {
                let tell = match (*dropped - *forwarded, *forwarded) {
                    (0, 0) => String::new(),
                    (_, 0) => ": for each, the kernel sends itself an ICMP host unreachable over lo, which is how the socket that sent it learns (ping prints \"From <own address> ... Destination Host Unreachable\")".to_string(),
                    (0, _) => ": for each, the kernel sends an ICMP host unreachable back to its sender".to_string(),
                    (_, _) => ": for each, the kernel sends an ICMP host unreachable to its source: itself over lo for its own packets, the sender for forwarded ones".to_string(),
                };
                format!(
                    "three ARP requests for {ip} on {dev} got no reply: the entry is FAILED and the {dropped} packet(s) waiting for it are dropped{tell}"
                )
            }
            EventKind::ArpAnswer { ip } => format!(
                "{ip} is an address of this namespace, so the kernel answers the ARP request with {dev}'s MAC"
            ),
            EventKind::RouteLookup { dst, local, route } => {
                let node = self.place.node(topo);
                if *local {
                    format!(
                        "route lookup for {dst}: table local has `{}`, so {dst} is this namespace's own address and the packet is delivered here",
                        node.map_or_else(|| format!("local {dst}"), |n| local_route(topo, n, *dst))
                    )
                } else {
                    let here = self.place.label(topo);
                    match route {
                        None => format!(
                            "route lookup for {dst}: no route matches, not even a default (in {here}, `ip route get {dst}` answers `RTNETLINK answers: Network is unreachable`)"
                        ),
                        Some(r) => {
                            let line = r.display(topo).to_string();
                            let why = match (r.origin, r.via) {
                                (RouteOrigin::Connected, _) => format!(
                                    "{dst} is on the link itself, so it is sent straight to it"
                                ),
                                (_, Some(gw)) if r.to.prefix() == 0 => format!(
                                    "nothing more specific matches, so it goes to the default gateway {gw}"
                                ),
                                (_, Some(gw)) => format!("it goes to the gateway {gw}"),
                                (_, None) => "it is sent straight out of that device".to_string(),
                            };
                            let brd = node.is_some_and(|n| crate::view::subnet_broadcast(topo, n, *dst));
                            let get = crate::view::route_get_line(topo, r, *dst, brd);
                            format!(
                                "route lookup for {dst}: matched `{line}`: {why} (in {here}, `ip route get {dst}` prints `{get}`)"
                            )
                        }
                    }
                }
            }
            EventKind::TtlDecrement { from, to } => {
                format!("{here} forwards the packet (net.ipv4.ip_forward = 1): TTL {from} → {to}")
            }
            EventKind::Netfilter { step } => {
                let node = self.place.node(topo);
                crate::netfilter::nat::explain(topo, node, step)
            }
            EventKind::Redirect { to, dst, gateway } => format!(
                "{here} sends the packet back out of the interface it came in on, and {to} is on that link: it tells {to} with an ICMP redirect to send packets for {dst} to {gateway} directly (net.ipv4.conf.all.send_redirects = 1)"
            ),
            EventKind::RouteRedirect {
                dst,
                gateway,
                outcome,
            } => match outcome {
                super::RedirectOutcome::Cached => format!(
                    "{here} accepts the redirect (net.ipv4.conf.all.accept_redirects = 1): packets for {dst} now go to {gateway} (ip route get shows `cache <redirected>`)"
                ),
                super::RedirectOutcome::ResolvingGateway => format!(
                    "{here} does not know {gateway}'s MAC yet: it asks for it by ARP and keeps the route as it is this time"
                ),
                super::RedirectOutcome::NotFromGateway => format!(
                    "{here} ignores the redirect for {dst}: it did not come from the gateway it uses for {dst}"
                ),
                super::RedirectOutcome::BadGateway => format!(
                    "{here} rejects the redirect for {dst}: the new gateway {gateway} is not another host's unicast address (the kernel's __ip_do_redirect wants inet_addr_type RTN_UNICAST), so nothing is learned and no ARP is sent"
                ),
                super::RedirectOutcome::Router => format!(
                    "{here} forwards packets (net.ipv4.ip_forward = 1), which turns accept_redirects off: the redirect for {dst} is ignored"
                ),
            },
            EventKind::IcmpError { error, to } => {
                // Only the message: the line before says why it is sent.
                let what = match error {
                    IcmpError::TimeExceeded(_) => "time exceeded in-transit",
                    IcmpError::Unreachable(c) => match c {
                        DestUnreachableHeader::Network => "net unreachable",
                        DestUnreachableHeader::Host => "host unreachable",
                        DestUnreachableHeader::Port => "port unreachable",
                        DestUnreachableHeader::Protocol => "protocol unreachable",
                        _ => "destination unreachable",
                    },
                };
                let own = self.place.node(topo).is_some_and(|n| {
                    topo.node(n).ifaces.iter().any(|&i| {
                        topo.iface(i).addresses.iter().any(|a| a.addr() == *to)
                    })
                });
                if own {
                    // `ipv4_link_failure` for a packet made here: the error
                    // goes to this namespace itself.
                    format!("{here} sends ICMP {what} to itself ({to}, the packet's source), over lo")
                } else {
                    format!("{here} sends ICMP {what} back to {to}")
                }
            }
            EventKind::Deliver { delivery } => match delivery {
                Delivery::EchoRequest => format!(
                    "{here} gets the echo request; the kernel itself answers with an echo reply"
                ),
                Delivery::TcpSyn { port, open: true } => format!(
                    "a socket listens on TCP port {port} in {here}: the kernel answers SYN-ACK"
                ),
                Delivery::TcpSyn { port, open: false } => format!(
                    "nothing listens on TCP port {port} in {here}: the kernel answers RST (connection refused)"
                ),
                Delivery::TcpAccepted { port } => format!(
                    "the handshake's last ACK arrives: accept() on TCP port {port} in {here} returns the new connection"
                ),
                Delivery::TcpNoConnection { port } => format!(
                    "a TCP segment to port {port} that belongs to no connection of {here}: the kernel answers RST"
                ),
                Delivery::Udp { port, open: true } => format!(
                    "a socket on UDP port {port} in {here} receives the datagram and echoes it back"
                ),
                Delivery::Udp { port, open: false } => format!(
                    "nothing listens on UDP port {port} in {here}: the kernel answers ICMP port unreachable"
                ),
                Delivery::ProbeAnswer { probe, answer } => {
                    let got = probe_answer(topo, *probe, answer);
                    format!("probe {}'s socket in {here} gets {got}", probe + 1)
                }
            },
            EventKind::Drop { reason } => format!("dropped at {here}: {}", reason.explain(topo)),
            EventKind::ProbeEnd { index, result } => match result {
                ProbeResult::Timeout => format!(
                    "probe {} ends: timeout: nothing came back within 5 s (ping -W 5, the socket's 5 s); the lines above show where the packet, or the answer to it, went no further",
                    index + 1
                ),
                ProbeResult::Storm => format!(
                    "probe {} ends: storm: the simulator stopped the run, so what the probe would have got is not predicted (on a real machine the loop saturates the links and the CPUs)",
                    index + 1
                ),
                _ => format!("probe {} ends: {result}", index + 1),
            },
        }
    }
}

/// The route of table local that holds `dst`, an address of `node`, as
/// `ip route show table local` prints it: `local ADDR dev IF proto kernel
/// scope host src ADDR`, and for the loopback range the two routes of `lo`.
fn local_route(topo: &Topology, node: crate::model::NodeId, dst: core::net::Ipv4Addr) -> String {
    if dst.is_loopback() && dst != core::net::Ipv4Addr::LOCALHOST {
        return "local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1".to_string();
    }
    let dev = topo
        .node(node)
        .ifaces
        .iter()
        .map(|&i| topo.iface(i))
        .find(|i| i.addresses.iter().any(|a| a.addr() == dst))
        .map_or("lo", |i| i.name.as_str());
    format!("local {dst} dev {dev} proto kernel scope host src {dst}")
}

/// What came back to a probe's socket, and what the tool a learner would
/// run sees of it: ping (iputils), nc (OpenBSD) or a socket call, as
/// measured on the kernel (see `examples/KERNEL-CHECKS.md`).
fn probe_answer(topo: &Topology, probe: u32, answer: &Answer) -> String {
    let p = topo.probes.get(probe as usize);
    let proto = p.map(|p| p.proto);
    let dst = p.map_or_else(|| "the destination".to_string(), |p| p.to.to_string());
    let port = p.and_then(|p| p.port).unwrap_or(0);
    let nc = |what: &str, msg: &str| {
        format!("nc prints `nc: connect to {dst} port {port} ({what}) failed: {msg}`")
    };
    match (answer, proto) {
        (Answer::EchoReply { from }, _) => {
            format!("echo reply from {from} (ping prints `64 bytes from {from}: icmp_seq=1 ttl=…`: the reply's TTL as it arrived here, not the request's)")
        }
        (Answer::SynAck { from }, _) => {
            format!("SYN-ACK from {from}: connect() succeeds (the kernel sends the final ACK)")
        }
        (Answer::Reset { from }, _) => format!(
            "RST from {from}: connect() fails with ECONNREFUSED; {}",
            nc("tcp", "Connection refused")
        ),
        (Answer::UdpReply { from }, _) => {
            format!("the datagram echoed by {from}: recv() returns it")
        }
        (Answer::Icmp { from, error }, Some(ProbeProto::Icmp)) => {
            let ping = match error {
                IcmpError::Unreachable(DestUnreachableHeader::Network) => {
                    "Destination Net Unreachable"
                }
                IcmpError::Unreachable(DestUnreachableHeader::Host) => {
                    "Destination Host Unreachable"
                }
                IcmpError::Unreachable(DestUnreachableHeader::Port) => {
                    "Destination Port Unreachable"
                }
                IcmpError::Unreachable(DestUnreachableHeader::Protocol) => {
                    "Destination Protocol Unreachable"
                }
                IcmpError::Unreachable(_) => "Destination Unreachable",
                IcmpError::TimeExceeded(_) => "Time to live exceeded",
            };
            format!(
                "ICMP {} from {from} (ping prints `From {from} icmp_seq=1 {ping}`)",
                error.name().replace('-', " ")
            )
        }
        (Answer::Icmp { from, error }, Some(ProbeProto::Tcp)) => {
            // `icmp_err_convert`; TCP gives up on the first ICMP error of a
            // connect (`tcp_v4_err` in SYN-SENT).
            let (errno, msg) = match error {
                IcmpError::Unreachable(DestUnreachableHeader::Network) => {
                    ("ENETUNREACH", "Network is unreachable")
                }
                IcmpError::Unreachable(DestUnreachableHeader::Port) => {
                    ("ECONNREFUSED", "Connection refused")
                }
                _ => ("EHOSTUNREACH", "No route to host"),
            };
            format!(
                "ICMP {} from {from}: connect() fails at once with {errno}; {} (only IP_RECVERR's error queue tells which ICMP it was)",
                error.name().replace('-', " "),
                nc("tcp", msg)
            )
        }
        (Answer::Icmp { from, error }, _) => match error {
            IcmpError::Unreachable(DestUnreachableHeader::Port) => format!(
                "ICMP port unreachable from {from}: on a connected UDP socket the next recv() fails with ECONNREFUSED"
            ),
            // `__udp4_lib_err`: without IP_RECVERR only "hard" errors
            // (port and protocol unreachable) reach a UDP socket.
            _ => format!(
                "ICMP {} from {from}: recv() fails with {} only because the probe's socket sets the socket option IP_RECVERR; without it a UDP socket ignores this error and waits until it times out",
                error.name().replace('-', " "),
                match error {
                    IcmpError::Unreachable(DestUnreachableHeader::Network) => "ENETUNREACH",
                    _ => "EHOSTUNREACH",
                }
            ),
        },
        (Answer::LocalNoRoute, proto) => {
            let tool = match proto {
                Some(ProbeProto::Icmp) => "ping prints `ping: connect: Network is unreachable`".to_string(),
                Some(ProbeProto::Tcp) => nc("tcp", "Network is unreachable"),
                Some(ProbeProto::Udp) => nc("udp", "Network is unreachable"),
                None => "the call fails".to_string(),
            };
            format!(
                "no packet: with no route to {dst}, the socket call itself (connect(), sendto()) fails at once with ENETUNREACH, and nothing is built or sent; {tool}"
            )
        }
        (Answer::Nothing, _) => "nothing".to_string(),
    }
}
