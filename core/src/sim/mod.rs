//! The simulator: a discrete-event model of the Linux data path.
//!
//! Frames are real Ethernet bytes ([`crate::wire::frame`]). They travel over
//! veth pairs and wires (each cable takes [`HOP`] of virtual time) and
//! through learning switches (bridges, wires); each namespace's IP stack
//! decides on the parsed packet: ARP, the local table, the main routing
//! table, `ip_forward`, TTL, ICMP errors, and the sockets of `listen`.
//! Every decision is appended to the trace as an [`Event`].
//!
//! Time is virtual and passed along, never read; there is no randomness
//! (hash maps use a fixed hasher), so a topology and its probes always give
//! the same trace. Device and namespace state is created lazily, so a probe
//! costs what its path costs, whatever the size of the topology.
//!
//! Ingress functions are named after the kernel's (`ip_rcv`, `arp_rcv`,
//! `ip_forward`, `ip_local_deliver`), egress ones likewise (`ip_output`,
//! `neigh_output`, `dev_xmit`).

pub mod fdb;
pub mod neigh;
pub mod route;

use core::cmp::Ordering;
use core::net::Ipv4Addr;
use std::collections::BinaryHeap;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::{
    Expect, IfaceId, IfaceKind, IfaceLink, L4Proto, NodeId, Probe, ProbeProto, ProbeResult,
    Topology, WireId,
};
use crate::trace::{Answer, Delivery, DropReason, Event, EventKind, FloodWhy, Place, Switch};
use crate::wire::frame::{
    unreach, Arp, ArpOp, Bytes, Frame, Icmp, Ipv4Packet, Payload, Quoted, Tcp, TcpFlags, Udp, L4,
};
use crate::wire::MacAddr;

use fdb::{Fdb, Learned};
use neigh::{Lookup, NeighCache};
use route::{RouteEntry, RouteTable};

/// Virtual time in nanoseconds since the start of the run.
pub type Time = u64;

/// Time a frame takes over one cable (a veth pair, half a wire).
pub const HOP: Time = 1_000;
/// How long a probe waits for an answer.
pub const PROBE_TIMEOUT: Time = 5_000_000_000;
/// Events one probe may produce before the run is declared a storm.
pub const EVENT_BUDGET: usize = 50_000;
/// TCP's initial retransmission timeout; a SYN is resent after 1 s and 3 s.
const TCP_RTO: Time = 1_000_000_000;
/// The TTL of packets the kernel makes itself (`ip_default_ttl`).
const DEFAULT_TTL: u8 = 64;
/// Bytes of an echo request after the ICMP header, as `ping` sends.
const PING_DATA: usize = 56;

/// What is waiting to happen.
#[derive(Debug, Clone)]
enum Action {
    /// A frame arrives on an interface at the far end of a cable.
    Arrive { iface: IfaceId, bytes: Bytes },
    /// A frame enters a wire's switch from one of its NICs.
    WireIn {
        wire: WireId,
        port: IfaceId,
        bytes: Bytes,
    },
    /// The ARP retransmit timer of an incomplete entry.
    NeighTimer { dev: IfaceId, ip: Ipv4Addr },
    /// A probe's TCP SYN is due for retransmission.
    SynRetransmit { probe: u32, attempt: u8 },
}

#[derive(Debug)]
struct Scheduled {
    at: Time,
    seq: u64,
    action: Action,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    /// Reversed: the heap pops the earliest, and among equals the first
    /// scheduled.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Who made a packet that waits for ARP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// This namespace's own socket or kernel; the probe it belongs to.
    Local { probe: Option<u32> },
    /// Being forwarded.
    Forwarded,
}

/// A packet waiting in the neighbour queue.
#[derive(Debug, Clone)]
pub struct Pending {
    packet: Ipv4Packet,
    origin: Origin,
}

/// What the simulator needs to know of a bridge, derived from the topology.
#[derive(Debug)]
struct BridgeInfo {
    ports: Vec<IfaceId>,
    /// The bridge's own MAC and its ports': `local` FDB entries.
    local: FxHashSet<MacAddr>,
}

/// The mutable state of one namespace, made on first use.
#[derive(Debug, Default)]
struct NodeState {
    routes: Option<RouteTable>,
    /// (address, interface) of every address, lo's included.
    local: Option<Vec<(Ipv4Addr, IfaceId)>>,
    neigh: NeighCache<Pending>,
    /// Half-open connections of listeners: (local ip, local port, remote
    /// ip, remote port).
    syn_recv: FxHashSet<(Ipv4Addr, u16, Ipv4Addr, u16)>,
    /// IP identification counter for packets this namespace makes.
    ident: u16,
}

/// The socket of the probe being run.
#[derive(Debug, Clone)]
struct ProbeRun {
    index: u32,
    node: NodeId,
    proto: ProbeProto,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    /// Source port, or the echo id.
    sport: u16,
    dport: u16,
    ttl: u8,
    ident: u16,
    isn: u32,
    answer: Option<(ProbeResult, Answer)>,
    /// Where the first packet was delivered: node, source seen, TTL seen.
    arrival: Option<(NodeId, Ipv4Addr, u8)>,
}

/// The outcome of one probe.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProbeOutcome {
    /// 0-based index into the topology's probes.
    pub index: u32,
    pub result: ProbeResult,
    /// What came back, in detail.
    pub answer: Answer,
    /// The namespace that received the first packet, if any did.
    pub reached: Option<NodeId>,
    /// The source address that namespace saw.
    pub seen_from: Option<Ipv4Addr>,
    /// The TTL the first packet had on arrival.
    pub ttl: Option<u8>,
    /// The events of this probe: `sim.trace()[events.0..events.1]`.
    pub events: (usize, usize),
    pub started: Time,
    pub finished: Time,
}

/// One field of an expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mismatch {
    pub field: &'static str,
    pub expected: String,
    pub actual: String,
}

impl ProbeOutcome {
    /// What differs from `expect` (empty: the probe passes).
    pub fn check(&self, expect: Option<&Expect>) -> Vec<Mismatch> {
        let Some(e) = expect else {
            return Vec::new();
        };
        /// A field that is expected and differs; `None` on our side is "nothing".
        fn field<T: PartialEq + ToString>(
            name: &'static str,
            want: Option<T>,
            got: Option<T>,
        ) -> Option<Mismatch> {
            let want = want?;
            (Some(&want) != got.as_ref()).then(|| Mismatch {
                field: name,
                expected: want.to_string(),
                actual: got.map_or_else(|| "nothing".to_string(), |g| g.to_string()),
            })
        }
        [
            field("result", e.result, Some(self.result)),
            field("seen_from", e.seen_from, self.seen_from),
            field("ttl", e.ttl, self.ttl),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// A simulation of one topology. Probes run one after the other on the
/// same state (caches and FDBs carry over, as on a real machine).
#[derive(Debug)]
pub struct Sim<'t> {
    topo: &'t Topology,
    now: Time,
    seq: u64,
    queue: BinaryHeap<Scheduled>,
    /// Frames on a cable or in a wire (the run is not quiet while any are).
    in_flight: usize,
    nodes: FxHashMap<NodeId, NodeState>,
    bridges: FxHashMap<IfaceId, Fdb>,
    bridges_info: FxHashMap<IfaceId, Arc<BridgeInfo>>,
    wires: FxHashMap<WireId, Fdb>,
    trace: Vec<Event>,
    probe: Option<ProbeRun>,
    /// Stop recording (and simulating) once the trace reaches this length.
    limit: usize,
}

impl<'t> Sim<'t> {
    pub fn new(topo: &'t Topology) -> Sim<'t> {
        Sim {
            topo,
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            in_flight: 0,
            nodes: FxHashMap::default(),
            bridges: FxHashMap::default(),
            bridges_info: FxHashMap::default(),
            wires: FxHashMap::default(),
            trace: Vec::new(),
            probe: None,
            limit: usize::MAX,
        }
    }

    pub fn topology(&self) -> &'t Topology {
        self.topo
    }

    pub fn now(&self) -> Time {
        self.now
    }

    pub fn trace(&self) -> &[Event] {
        &self.trace
    }

    /// Forgets the trace recorded so far (state is kept), so that a long
    /// run does not grow without bound.
    pub fn clear_trace(&mut self) {
        self.trace.clear();
    }

    /// Runs every probe of the topology in file order.
    pub fn run_all(&mut self) -> Vec<ProbeOutcome> {
        (0..self.topo.probes.len())
            .map(|i| self.run_probe(i))
            .collect()
    }

    /// Runs probes in order but stops the whole run once `events` events
    /// are recorded: the state is then what it was at that moment of the
    /// run. This is how a view "at event N" is made.
    pub fn run_until(&mut self, events: usize) {
        self.limit = events;
        for i in 0..self.topo.probes.len() {
            if self.trace.len() >= self.limit {
                break;
            }
            self.run_probe(i);
        }
        self.limit = usize::MAX;
    }

    /// Runs probe `index` (0-based) of the topology.
    ///
    /// An index out of range runs nothing and reports a timeout.
    pub fn run_probe(&mut self, index: usize) -> ProbeOutcome {
        match self.topo.probes.get(index) {
            Some(p) => self.run(index as u32, &p.clone()),
            None => unreachable_outcome(
                index as u32,
                self.now,
                self.now,
                self.trace.len(),
                self.trace.len(),
            ),
        }
    }

    /// Runs a probe that is not in the file (the page's "ping from here").
    /// `index` only labels its events.
    pub fn run_adhoc(&mut self, index: u32, probe: &Probe) -> ProbeOutcome {
        self.run(index, probe)
    }

    /// Puts raw bytes on the wire as if they arrived on `iface`, and runs
    /// until things are quiet. Returns the range of events it caused.
    pub fn inject(&mut self, iface: IfaceId, bytes: &[u8]) -> (usize, usize) {
        let first = self.trace.len();
        if iface.index() < self.topo.ifaces.len() {
            self.in_flight += 1;
            self.schedule(
                0,
                Action::Arrive {
                    iface,
                    bytes: bytes.into(),
                },
            );
            let deadline = self.now.saturating_add(PROBE_TIMEOUT);
            self.run_queue(deadline, first);
        }
        (first, self.trace.len())
    }

    // ---- the event loop ----

    fn schedule(&mut self, delay: Time, action: Action) {
        self.seq += 1;
        self.queue.push(Scheduled {
            at: self.now.saturating_add(delay),
            seq: self.seq,
            action,
        });
    }

    fn emit(&mut self, place: Place, kind: EventKind) {
        if self.trace.len() < self.limit {
            self.trace.push(Event {
                time: self.now,
                place,
                probe: self.probe.as_ref().map(|p| p.index),
                kind,
            });
        }
    }

    fn run(&mut self, index: u32, p: &Probe) -> ProbeOutcome {
        let first = self.trace.len();
        let start = self.now;
        let (sport, dport) = match p.proto {
            ProbeProto::Icmp => (0x6e00 | (index as u16 & 0xff), 0),
            _ => (33000u16.wrapping_add(index as u16), p.port.unwrap_or(0)),
        };
        let run = ProbeRun {
            index,
            node: p.from,
            proto: p.proto,
            src: Ipv4Addr::UNSPECIFIED,
            dst: p.to,
            sport,
            dport,
            ttl: p.ttl,
            ident: 0,
            isn: 1_000_000u32.wrapping_mul(index + 1),
            answer: None,
            arrival: None,
        };
        self.probe = Some(run);
        self.emit(
            Place::Node(p.from),
            EventKind::ProbeStart {
                index,
                proto: p.proto,
                dst: p.to,
                port: p.port,
                ttl: p.ttl,
            },
        );
        self.send_probe_packet(false);
        if p.proto == ProbeProto::Tcp {
            self.schedule(
                TCP_RTO,
                Action::SynRetransmit {
                    probe: index,
                    attempt: 1,
                },
            );
        }
        self.run_queue(start.saturating_add(PROBE_TIMEOUT), first);
        let run = self.probe.take();
        match run {
            Some(mut run) => {
                if run.answer.is_none() {
                    self.now = self.now.max(start.saturating_add(PROBE_TIMEOUT));
                    run.answer = Some((ProbeResult::Timeout, Answer::Nothing));
                }
                let out = self.finish(run);
                ProbeOutcome {
                    started: start,
                    events: (first, self.trace.len()),
                    ..out
                }
            }
            None => unreachable_outcome(index, start, self.now, first, self.trace.len()),
        }
    }

    fn finish(&mut self, run: ProbeRun) -> ProbeOutcome {
        let (result, answer) = run
            .answer
            .unwrap_or((ProbeResult::Timeout, Answer::Nothing));
        self.emit(
            Place::Node(run.node),
            EventKind::ProbeEnd {
                index: run.index,
                result,
            },
        );
        let len = self.trace.len();
        ProbeOutcome {
            index: run.index,
            result,
            answer,
            reached: run.arrival.map(|a| a.0),
            seen_from: run.arrival.map(|a| a.1),
            ttl: run.arrival.map(|a| a.2),
            events: (len, len),
            started: self.now,
            finished: self.now,
        }
    }

    /// Processes scheduled actions up to `deadline`, until the probe has its
    /// answer and no frame is in flight.
    fn run_queue(&mut self, deadline: Time, first_event: usize) {
        loop {
            let answered = self.probe.as_ref().is_none_or(|p| p.answer.is_some());
            if answered && self.in_flight == 0 {
                break;
            }
            if self.trace.len() >= self.limit {
                break;
            }
            if self.trace.len() - first_event > EVENT_BUDGET {
                let events = self.trace.len() - first_event;
                let place = self
                    .probe
                    .as_ref()
                    .map_or(Place::Node(NodeId(0)), |p| Place::Node(p.node));
                self.drop_at(place, DropReason::Storm { events });
                // Drop every frame in flight: the storm ends here.
                let kept: Vec<Scheduled> = self
                    .queue
                    .drain()
                    .filter(|s| !matches!(s.action, Action::Arrive { .. } | Action::WireIn { .. }))
                    .collect();
                self.queue.extend(kept);
                self.in_flight = 0;
                break;
            }
            let Some(next) = self.queue.peek() else {
                break;
            };
            if next.at > deadline {
                break;
            }
            let Some(s) = self.queue.pop() else {
                break;
            };
            self.now = self.now.max(s.at);
            self.dispatch(s.action);
        }
    }

    fn dispatch(&mut self, action: Action) {
        match action {
            Action::Arrive { iface, bytes } => {
                self.in_flight = self.in_flight.saturating_sub(1);
                self.netif_receive(iface, bytes);
            }
            Action::WireIn { wire, port, bytes } => {
                self.in_flight = self.in_flight.saturating_sub(1);
                self.switch_input(Switch::Wire(wire), port, bytes);
            }
            Action::NeighTimer { dev, ip } => self.neigh_timer(dev, ip),
            Action::SynRetransmit { probe, attempt } => {
                let waiting = self
                    .probe
                    .as_ref()
                    .is_some_and(|p| p.index == probe && p.answer.is_none());
                if waiting {
                    self.send_probe_packet(true);
                    if attempt < 2 {
                        self.schedule(
                            TCP_RTO << attempt,
                            Action::SynRetransmit {
                                probe,
                                attempt: attempt + 1,
                            },
                        );
                    }
                }
            }
        }
    }

    // ---- namespace state ----

    fn node_state(&mut self, node: NodeId) -> &mut NodeState {
        self.nodes.entry(node).or_default()
    }

    fn route_lookup(&mut self, node: NodeId, dst: Ipv4Addr) -> Option<RouteEntry> {
        let topo = self.topo;
        let st = self.nodes.entry(node).or_default();
        st.routes
            .get_or_insert_with(|| RouteTable::build(topo, node))
            .lookup(dst)
            .copied()
    }

    /// A main-table lookup, recorded in the trace.
    fn route_lookup_logged(&mut self, node: NodeId, dst: Ipv4Addr) -> Option<RouteEntry> {
        let route = self.route_lookup(node, dst);
        self.emit(
            Place::Node(node),
            EventKind::RouteLookup {
                dst,
                local: false,
                route,
            },
        );
        route
    }

    /// A hit in the local table, recorded in the trace.
    fn emit_local_lookup(&mut self, node: NodeId, dst: Ipv4Addr) {
        self.emit(
            Place::Node(node),
            EventKind::RouteLookup {
                dst,
                local: true,
                route: None,
            },
        );
    }

    fn drop_at(&mut self, place: Place, reason: DropReason) {
        self.emit(place, EventKind::Drop { reason });
    }

    fn local_addrs(&mut self, node: NodeId) -> &[(Ipv4Addr, IfaceId)] {
        let topo = self.topo;
        let st = self.nodes.entry(node).or_default();
        st.local.get_or_insert_with(|| {
            topo.node(node)
                .ifaces
                .iter()
                .flat_map(|&i| topo.iface(i).addresses.iter().map(move |a| (a.addr(), i)))
                .collect()
        })
    }

    /// Whether `ip` is one of this namespace's addresses (the local table:
    /// any address of any interface, and all of 127.0.0.0/8).
    fn is_local(&mut self, node: NodeId, ip: Ipv4Addr) -> bool {
        ip.is_loopback() || self.local_addrs(node).iter().any(|(a, _)| *a == ip)
    }

    /// Limited broadcast, or the broadcast address of a connected subnet.
    fn is_broadcast(&self, node: NodeId, ip: Ipv4Addr) -> bool {
        ip.is_broadcast()
            || self.topo.node(node).ifaces.iter().any(|&i| {
                self.topo
                    .iface(i)
                    .addresses
                    .iter()
                    .any(|a| a.prefix() < 31 && a.broadcast() == ip)
            })
    }

    fn next_ident(&mut self, node: NodeId) -> u16 {
        let st = self.node_state(node);
        st.ident = st.ident.wrapping_add(1);
        st.ident
    }

    fn loopback(&self, node: NodeId) -> Option<IfaceId> {
        self.topo
            .node(node)
            .ifaces
            .iter()
            .copied()
            .find(|&i| self.topo.iface(i).kind == IfaceKind::Loopback)
    }

    /// A bridge's ports and local MACs, worked out once per run.
    fn bridge_info(&mut self, bridge: IfaceId) -> Arc<BridgeInfo> {
        let topo = self.topo;
        self.bridges_info
            .entry(bridge)
            .or_insert_with(|| {
                let ports: Vec<IfaceId> = topo
                    .node(topo.iface(bridge).node)
                    .ifaces
                    .iter()
                    .copied()
                    .filter(|&i| topo.iface(i).master == Some(bridge))
                    .collect();
                let local = ports
                    .iter()
                    .chain(core::iter::once(&bridge))
                    .map(|&i| topo.iface(i).mac)
                    .collect();
                Arc::new(BridgeInfo { ports, local })
            })
            .clone()
    }

    // ---- layer 2 ----

    /// `dev_queue_xmit`: a frame leaves a device.
    fn dev_xmit(&mut self, dev: IfaceId, bytes: Bytes) {
        let iface = self.topo.iface(dev);
        match iface.kind {
            IfaceKind::Bridge => {
                self.emit(
                    Place::Iface(dev),
                    EventKind::FrameSent {
                        bytes: bytes.clone(),
                    },
                );
                self.bridge_output(dev, None, bytes);
            }
            IfaceKind::Vxlan => {
                self.drop_at(Place::Iface(dev), DropReason::VxlanNotModelled);
            }
            IfaceKind::Loopback => {
                self.emit(
                    Place::Iface(dev),
                    EventKind::FrameSent {
                        bytes: bytes.clone(),
                    },
                );
                self.in_flight += 1;
                self.schedule(0, Action::Arrive { iface: dev, bytes });
            }
            IfaceKind::Veth | IfaceKind::Nic => self.cable_xmit(dev, bytes),
        }
    }

    /// A frame goes out of a veth end or a NIC, onto its cable.
    fn cable_xmit(&mut self, dev: IfaceId, bytes: Bytes) {
        let iface = self.topo.iface(dev);
        let l3_len = bytes.len().saturating_sub(14);
        if l3_len > iface.mtu as usize && bytes.len() > 60 {
            self.drop_at(
                Place::Iface(dev),
                DropReason::TooBig {
                    len: l3_len,
                    mtu: iface.mtu,
                },
            );
            return;
        }
        self.emit(
            Place::Iface(dev),
            EventKind::FrameSent {
                bytes: bytes.clone(),
            },
        );
        match iface.link {
            IfaceLink::Veth { peer } => {
                self.in_flight += 1;
                self.schedule(HOP, Action::Arrive { iface: peer, bytes });
            }
            IfaceLink::Wire { wire } => {
                self.in_flight += 1;
                self.schedule(
                    HOP,
                    Action::WireIn {
                        wire,
                        port: dev,
                        bytes,
                    },
                );
            }
            IfaceLink::None => self.drop_at(Place::Iface(dev), DropReason::NoCarrier),
        }
    }

    /// `netif_receive_skb`: a frame arrived on an interface.
    fn netif_receive(&mut self, dev: IfaceId, bytes: Bytes) {
        self.emit(
            Place::Iface(dev),
            EventKind::FrameReceived {
                bytes: bytes.clone(),
            },
        );
        match self.topo.iface(dev).master {
            // `br_handle_frame`: an enslaved port hands every frame to its bridge.
            Some(bridge) => self.switch_input(Switch::Bridge(bridge), dev, bytes),
            None => self.l3_receive(dev, bytes),
        }
    }

    fn fdb(&mut self, sw: Switch) -> &mut Fdb {
        match sw {
            Switch::Bridge(b) => self.bridges.entry(b).or_default(),
            Switch::Wire(w) => self.wires.entry(w).or_default(),
        }
    }

    fn switch_place(sw: Switch) -> Place {
        match sw {
            Switch::Bridge(b) => Place::Iface(b),
            Switch::Wire(w) => Place::Wire(w),
        }
    }

    /// `br_handle_frame_finish`: learn the source, then deliver locally,
    /// forward, or flood.
    fn switch_input(&mut self, sw: Switch, in_port: IfaceId, bytes: Bytes) {
        let place = Self::switch_place(sw);
        let (dst, src) = match Frame::peek_macs(&bytes) {
            Ok(m) => m,
            Err(e) => {
                self.drop_at(place, DropReason::Malformed(e.0));
                return;
            }
        };
        let now = self.now;
        match self.fdb(sw).learn(src, in_port, now) {
            Learned::New => self.emit(
                place,
                EventKind::Learn {
                    switch: sw,
                    mac: src,
                    port: in_port,
                    moved_from: None,
                },
            ),
            Learned::Moved { from } => self.emit(
                place,
                EventKind::Learn {
                    switch: sw,
                    mac: src,
                    port: in_port,
                    moved_from: Some(from),
                },
            ),
            Learned::Refreshed | Learned::Ignored => {}
        }
        if let Switch::Bridge(b) = sw {
            if !dst.is_multicast() && self.bridge_info(b).local.contains(&dst) {
                self.emit(place, EventKind::PassUp { bridge: b });
                self.bridge_pass_up(b, bytes);
                return;
            }
        }
        self.switch_forward(sw, Some(in_port), dst, bytes);
    }

    /// Sends a frame out of the right port(s) of a switch; a bridge also
    /// passes group frames from its ports up to its own stack.
    fn switch_forward(&mut self, sw: Switch, in_port: Option<IfaceId>, dst: MacAddr, bytes: Bytes) {
        let place = Self::switch_place(sw);
        let now = self.now;
        if !dst.is_multicast() {
            if let Some(port) = self.fdb(sw).lookup(dst, now) {
                if Some(port) == in_port {
                    self.drop_at(place, DropReason::SamePort);
                } else {
                    self.emit(
                        place,
                        EventKind::Forward {
                            switch: sw,
                            mac: dst,
                            port,
                        },
                    );
                    self.port_xmit(sw, port, bytes);
                }
                return;
            }
        }
        let why = if dst.is_broadcast() {
            FloodWhy::Broadcast
        } else if dst.is_multicast() {
            FloodWhy::Multicast
        } else {
            FloodWhy::Unknown
        };
        let others = |all: &[IfaceId]| -> Vec<IfaceId> {
            all.iter()
                .copied()
                .filter(|&p| Some(p) != in_port)
                .collect()
        };
        let ports = match sw {
            Switch::Bridge(b) => others(&self.bridge_info(b).ports),
            Switch::Wire(w) => others(&self.topo.wire(w).ends),
        };
        let up = matches!(sw, Switch::Bridge(_)) && in_port.is_some() && dst.is_multicast();
        self.emit(
            place,
            EventKind::Flood {
                switch: sw,
                why,
                ports: ports.clone(),
                up,
            },
        );
        for p in ports {
            self.port_xmit(sw, p, bytes.clone());
        }
        if let (Switch::Bridge(b), true) = (sw, up) {
            self.bridge_pass_up(b, bytes);
        }
    }

    fn port_xmit(&mut self, sw: Switch, port: IfaceId, bytes: Bytes) {
        match sw {
            Switch::Bridge(_) => self.dev_xmit(port, bytes),
            Switch::Wire(_) => {
                // The second half of the wire, into the NIC.
                self.in_flight += 1;
                self.schedule(HOP, Action::Arrive { iface: port, bytes });
            }
        }
    }

    /// `br_pass_frame_up`: the frame enters the bridge device as if received.
    fn bridge_pass_up(&mut self, bridge: IfaceId, bytes: Bytes) {
        self.emit(
            Place::Iface(bridge),
            EventKind::FrameReceived {
                bytes: bytes.clone(),
            },
        );
        self.l3_receive(bridge, bytes);
    }

    /// The bridge device transmits (`br_dev_xmit`): out of the port that
    /// knows the destination, or every port.
    fn bridge_output(&mut self, bridge: IfaceId, in_port: Option<IfaceId>, bytes: Bytes) {
        match Frame::peek_macs(&bytes) {
            Ok((dst, _)) => self.switch_forward(Switch::Bridge(bridge), in_port, dst, bytes),
            Err(e) => self.drop_at(Place::Iface(bridge), DropReason::Malformed(e.0)),
        }
    }

    /// The frame reaches the IP stack of the interface's namespace.
    fn l3_receive(&mut self, dev: IfaceId, bytes: Bytes) {
        let place = Place::Iface(dev);
        let frame = match Frame::parse(&bytes) {
            Ok(f) => f,
            Err(e) => {
                self.drop_at(place, DropReason::Malformed(e.0));
                return;
            }
        };
        let iface = self.topo.iface(dev);
        if iface.kind != IfaceKind::Loopback && !frame.dst.is_multicast() && frame.dst != iface.mac
        {
            self.drop_at(place, DropReason::OtherHost);
            return;
        }
        match frame.payload {
            Payload::Arp(arp) => self.arp_rcv(dev, arp),
            Payload::Ipv4(p) => self.ip_rcv(dev, p),
            Payload::Other { ethertype, .. } => {
                self.drop_at(place, DropReason::UnsupportedEtherType(ethertype))
            }
        }
    }

    // ---- ARP ----

    /// `arp_process`.
    fn arp_rcv(&mut self, dev: IfaceId, arp: Arp) {
        let place = Place::Iface(dev);
        let node = self.topo.iface(dev).node;
        let now = self.now;
        match arp.op {
            ArpOp::Request => {
                // arp_ignore = 0: answer for any local address, on any interface.
                let ours = !arp.target_ip.is_loopback()
                    && self
                        .local_addrs(node)
                        .iter()
                        .any(|(a, _)| *a == arp.target_ip);
                if !ours {
                    self.drop_at(place, DropReason::ArpNotForUs(arp.target_ip));
                    return;
                }
                if !arp.sender_ip.is_unspecified() {
                    let (released, changed) = self.node_state(node).neigh.learn_from_request(
                        dev,
                        arp.sender_ip,
                        arp.sender_mac,
                        now,
                    );
                    if changed {
                        let state = if released.is_empty() {
                            "STALE (learned from its request)"
                        } else {
                            "REACHABLE"
                        };
                        self.emit(
                            place,
                            EventKind::NeighLearn {
                                ip: arp.sender_ip,
                                mac: arp.sender_mac,
                                state,
                                released: released.len(),
                            },
                        );
                    }
                    self.release(dev, arp.sender_mac, released);
                }
                self.emit(place, EventKind::ArpAnswer { ip: arp.target_ip });
                let mac = self.topo.iface(dev).mac;
                let reply = Frame {
                    dst: arp.sender_mac,
                    src: mac,
                    payload: Payload::Arp(Arp {
                        op: ArpOp::Reply,
                        sender_mac: mac,
                        sender_ip: arp.target_ip,
                        target_mac: arp.sender_mac,
                        target_ip: arp.sender_ip,
                    }),
                };
                self.dev_xmit(dev, reply.emit());
            }
            ArpOp::Reply => {
                let known = self
                    .node_state(node)
                    .neigh
                    .get(dev, arp.sender_ip)
                    .is_some();
                if !known {
                    self.drop_at(place, DropReason::UnsolicitedArpReply);
                    return;
                }
                let released =
                    self.node_state(node)
                        .neigh
                        .confirm(dev, arp.sender_ip, arp.sender_mac, now);
                self.emit(
                    place,
                    EventKind::NeighLearn {
                        ip: arp.sender_ip,
                        mac: arp.sender_mac,
                        state: "REACHABLE",
                        released: released.len(),
                    },
                );
                self.release(dev, arp.sender_mac, released);
            }
            ArpOp::Other(_) => {
                self.drop_at(place, DropReason::Malformed("unknown ARP operation".into()))
            }
        }
    }

    /// Sends the packets that waited for `mac`.
    fn release(&mut self, dev: IfaceId, mac: MacAddr, packets: Vec<Pending>) {
        for p in packets {
            self.send_frame(dev, mac, &p.packet);
        }
    }

    fn send_frame(&mut self, dev: IfaceId, dst: MacAddr, packet: &Ipv4Packet) {
        let frame = Frame {
            dst,
            src: self.topo.iface(dev).mac,
            payload: Payload::Ipv4(packet.clone()),
        };
        self.dev_xmit(dev, frame.emit());
    }

    /// The address an ARP request for `target` is sent from: one of `dev`'s
    /// in the target's subnet, else `dev`'s first, else any of the node's.
    fn arp_source(&mut self, dev: IfaceId, target: Ipv4Addr) -> Ipv4Addr {
        let iface = self.topo.iface(dev);
        iface
            .addresses
            .iter()
            .find(|a| a.contains(target))
            .or_else(|| iface.addresses.first())
            .map(|a| a.addr())
            .or_else(|| {
                self.local_addrs(iface.node)
                    .iter()
                    .map(|(a, _)| *a)
                    .find(|a| !a.is_loopback())
            })
            .unwrap_or(Ipv4Addr::UNSPECIFIED)
    }

    fn send_arp_request(&mut self, dev: IfaceId, target: Ipv4Addr) {
        let mac = self.topo.iface(dev).mac;
        let sender_ip = self.arp_source(dev, target);
        let req = Frame {
            dst: MacAddr::BROADCAST,
            src: mac,
            payload: Payload::Arp(Arp {
                op: ArpOp::Request,
                sender_mac: mac,
                sender_ip,
                target_mac: MacAddr::ZERO,
                target_ip: target,
            }),
        };
        self.dev_xmit(dev, req.emit());
    }

    fn neigh_timer(&mut self, dev: IfaceId, ip: Ipv4Addr) {
        let node = self.topo.iface(dev).node;
        match self.node_state(node).neigh.timer(dev, ip) {
            Ok(0) => {}
            Ok(n) => {
                self.emit(Place::Iface(dev), EventKind::NeighProbe { ip, probe: n });
                self.send_arp_request(dev, ip);
                self.schedule(neigh::RETRANS, Action::NeighTimer { dev, ip });
            }
            Err(lost) => {
                self.emit(
                    Place::Iface(dev),
                    EventKind::NeighFailed {
                        ip,
                        dropped: lost.len(),
                    },
                );
                for p in lost {
                    match p.origin {
                        Origin::Local { probe } => {
                            self.local_error(probe, Answer::LocalNeighFailed { ip }, node)
                        }
                        Origin::Forwarded => {
                            self.icmp_error(node, &p.packet, 3, unreach::HOST);
                        }
                    }
                }
            }
        }
    }

    // ---- IPv4 ----

    /// `ip_rcv` and `ip_route_input`: local, or forward.
    fn ip_rcv(&mut self, dev: IfaceId, p: Ipv4Packet) {
        let node = self.topo.iface(dev).node;
        if self.is_local(node, p.dst) || self.is_broadcast(node, p.dst) {
            self.emit_local_lookup(node, p.dst);
            self.ip_local_deliver(node, p);
            return;
        }
        if !self.topo.node(node).forwarding {
            self.drop_at(Place::Iface(dev), DropReason::ForwardingOff);
            return;
        }
        self.ip_forward(node, p);
    }

    /// `ip_forward`: route, check and decrement the TTL, send on.
    fn ip_forward(&mut self, node: NodeId, mut p: Ipv4Packet) {
        let route = self.route_lookup_logged(node, p.dst);
        let Some(route) = route else {
            self.drop_at(Place::Node(node), DropReason::NoRoute);
            self.icmp_error(node, &p, 3, unreach::NET);
            return;
        };
        if p.ttl <= 1 {
            self.drop_at(Place::Node(node), DropReason::TtlExpired);
            self.icmp_error(node, &p, 11, 0);
            return;
        }
        self.emit(
            Place::Node(node),
            EventKind::TtlDecrement {
                from: p.ttl,
                to: p.ttl - 1,
            },
        );
        p.ttl -= 1;
        self.neigh_output(node, &route, p, Origin::Forwarded);
    }

    /// `ip_route_output` + `ip_output` for a packet this namespace makes.
    /// An unspecified source takes the route's preferred source.
    fn ip_output(&mut self, node: NodeId, mut p: Ipv4Packet, probe: Option<u32>) {
        if self.is_local(node, p.dst) {
            self.emit_local_lookup(node, p.dst);
            if p.src.is_unspecified() {
                p.src = p.dst;
            }
            match self.loopback(node) {
                Some(lo) => {
                    let frame = Frame {
                        dst: MacAddr::ZERO,
                        src: MacAddr::ZERO,
                        payload: Payload::Ipv4(p),
                    };
                    self.dev_xmit(lo, frame.emit());
                }
                None => self.ip_local_deliver(node, p),
            }
            return;
        }
        let route = self.route_lookup_logged(node, p.dst);
        let Some(route) = route else {
            self.drop_at(Place::Node(node), DropReason::NoRoute);
            self.local_error(probe, Answer::LocalNoRoute, node);
            return;
        };
        if p.src.is_unspecified() {
            p.src = route.src.unwrap_or(Ipv4Addr::UNSPECIFIED);
        }
        self.neigh_output(node, &route, p, Origin::Local { probe });
    }

    /// `neigh_output`: find the next hop's MAC, or wait for ARP.
    fn neigh_output(&mut self, node: NodeId, route: &RouteEntry, p: Ipv4Packet, origin: Origin) {
        let dev = route.dev;
        let next_hop = route.via.unwrap_or(p.dst);
        if self.is_broadcast(node, p.dst) {
            self.send_frame(dev, MacAddr::BROADCAST, &p);
            return;
        }
        if self.topo.iface(dev).kind == IfaceKind::Loopback {
            self.ip_local_deliver(node, p);
            return;
        }
        let (lookup, back) =
            self.node_state(node)
                .neigh
                .resolve(dev, next_hop, Pending { packet: p, origin });
        let place = Place::Iface(dev);
        match lookup {
            Lookup::Found(mac) => {
                self.emit(place, EventKind::NeighHit { ip: next_hop, mac });
                if let Some(b) = back {
                    self.send_frame(dev, mac, &b.packet);
                }
            }
            Lookup::Queued { new_probe } => {
                self.emit(
                    place,
                    EventKind::NeighMiss {
                        ip: next_hop,
                        request: new_probe,
                    },
                );
                if new_probe {
                    self.send_arp_request(dev, next_hop);
                    self.schedule(neigh::RETRANS, Action::NeighTimer { dev, ip: next_hop });
                }
            }
            Lookup::QueueFull => self.drop_at(place, DropReason::NeighQueueFull(next_hop)),
        }
    }

    /// `icmp_send`: an error about `orig` goes back to its source. Never
    /// about an ICMP error, a broadcast, or a packet without a source.
    fn icmp_error(&mut self, node: NodeId, orig: &Ipv4Packet, icmp_type: u8, code: u8) {
        let is_error = matches!(
            orig.l4,
            L4::Icmp(Icmp::DestUnreachable { .. } | Icmp::TimeExceeded { .. } | Icmp::Other { .. })
        );
        if is_error
            || orig.src.is_unspecified()
            || orig.src.is_broadcast()
            || orig.dst.is_broadcast()
            || self.is_broadcast(node, orig.dst)
        {
            return;
        }
        // The source: the original destination if it is ours (port
        // unreachable), else what the route back prefers.
        let src = if self.is_local(node, orig.dst) {
            orig.dst
        } else {
            Ipv4Addr::UNSPECIFIED
        };
        self.emit(
            Place::Node(node),
            EventKind::IcmpError {
                icmp_type,
                code,
                to: orig.src,
            },
        );
        let original = orig.quote();
        let l4 = if icmp_type == 11 {
            L4::Icmp(Icmp::TimeExceeded { code, original })
        } else {
            L4::Icmp(Icmp::DestUnreachable { code, original })
        };
        let ident = self.next_ident(node);
        let packet = Ipv4Packet {
            src,
            dst: orig.src,
            ttl: DEFAULT_TTL,
            ident,
            dont_fragment: false,
            l4,
        };
        self.ip_output(node, packet, None);
    }

    /// `ip_local_deliver`: the transport layer of `node` takes the packet.
    fn ip_local_deliver(&mut self, node: NodeId, p: Ipv4Packet) {
        self.note_arrival(node, &p);
        let place = Place::Node(node);
        let to_broadcast = self.is_broadcast(node, p.dst);
        match &p.l4 {
            L4::Icmp(Icmp::EchoRequest { id, seq, data }) => {
                if to_broadcast {
                    self.drop_at(place, DropReason::EchoToBroadcast);
                    return;
                }
                self.emit(
                    place,
                    EventKind::Deliver {
                        delivery: Delivery::EchoRequest,
                    },
                );
                let l4 = L4::Icmp(Icmp::EchoReply {
                    id: *id,
                    seq: *seq,
                    data: data.clone(),
                });
                self.reply(node, &p, l4, false);
            }
            L4::Icmp(Icmp::EchoReply { id, .. }) => {
                let mine = self.probe.as_ref().is_some_and(|r| {
                    r.node == node
                        && r.proto == ProbeProto::Icmp
                        && r.sport == *id
                        && r.dst == p.src
                });
                if mine {
                    self.answer(ProbeResult::Reply, Answer::EchoReply { from: p.src });
                } else {
                    self.drop_at(place, DropReason::NoSocket);
                }
            }
            L4::Icmp(Icmp::DestUnreachable { code, original }) => {
                let (code, original) = (*code, original.clone());
                let result = if code == unreach::PORT {
                    ProbeResult::Refused
                } else {
                    ProbeResult::Unreachable
                };
                self.icmp_to_socket(
                    node,
                    &original,
                    result,
                    Answer::IcmpUnreachable { from: p.src, code },
                );
            }
            L4::Icmp(Icmp::TimeExceeded { original, .. }) => {
                let original = original.clone();
                self.icmp_to_socket(
                    node,
                    &original,
                    ProbeResult::TtlExceeded,
                    Answer::IcmpTimeExceeded { from: p.src },
                );
            }
            L4::Icmp(Icmp::Other { .. }) => self.drop_at(place, DropReason::NoSocket),
            L4::Tcp(t) => self.tcp_rcv(node, &p, *t),
            L4::Udp(u) => self.udp_rcv(node, &p, u, to_broadcast),
            L4::Other { .. } => {
                // No protocol handler: the kernel answers protocol unreachable.
                self.icmp_error(node, &p, 3, 2);
            }
        }
    }

    /// Records where the probe's first packet arrived, with what it looked
    /// like there (NAT and TTL show here).
    fn note_arrival(&mut self, node: NodeId, p: &Ipv4Packet) {
        let Some(run) = self.probe.as_mut() else {
            return;
        };
        if run.arrival.is_some() || p.ident != run.ident || run.ident == 0 {
            return;
        }
        let is_request = match (&p.l4, run.proto) {
            (L4::Icmp(Icmp::EchoRequest { id, .. }), ProbeProto::Icmp) => *id == run.sport,
            (L4::Tcp(t), ProbeProto::Tcp) => t.flags.syn && !t.flags.ack && t.src_port == run.sport,
            (L4::Udp(u), ProbeProto::Udp) => u.src_port == run.sport,
            _ => false,
        };
        if is_request {
            run.arrival = Some((node, p.src, p.ttl));
        }
    }

    fn answer(&mut self, result: ProbeResult, answer: Answer) {
        let Some(run) = self.probe.as_mut() else {
            return;
        };
        if run.answer.is_some() {
            return;
        }
        run.answer = Some((result, answer));
        let (node, index) = (run.node, run.index);
        self.emit(
            Place::Node(node),
            EventKind::Deliver {
                delivery: Delivery::ProbeAnswer {
                    probe: index,
                    answer,
                },
            },
        );
    }

    /// The sender's own kernel failed the send.
    fn local_error(&mut self, probe: Option<u32>, answer: Answer, node: NodeId) {
        let current = self
            .probe
            .as_ref()
            .is_some_and(|r| Some(r.index) == probe && r.node == node);
        if current {
            self.answer(ProbeResult::Unreachable, answer);
        }
    }

    /// An ICMP error reaches the socket whose packet it quotes.
    fn icmp_to_socket(
        &mut self,
        node: NodeId,
        original: &[u8],
        result: ProbeResult,
        answer: Answer,
    ) {
        let quoted = Quoted::parse(original).ok();
        let mine = match (quoted, self.probe.as_ref()) {
            (Some(q), Some(r)) => {
                r.node == node
                    && q.src == r.src
                    && q.dst == r.dst
                    && match r.proto {
                        ProbeProto::Icmp => q.proto == 1 && q.first == r.sport,
                        ProbeProto::Tcp => {
                            q.proto == 6 && q.first == r.sport && q.second == r.dport
                        }
                        ProbeProto::Udp => {
                            q.proto == 17 && q.first == r.sport && q.second == r.dport
                        }
                    }
            }
            _ => false,
        };
        if mine {
            self.answer(result, answer);
        } else {
            self.drop_at(Place::Node(node), DropReason::NoSocket);
        }
    }

    fn listens(&self, node: NodeId, proto: L4Proto, port: u16) -> bool {
        self.topo
            .node(node)
            .listen
            .iter()
            .any(|l| l.proto == proto && l.port == port)
    }

    fn is_probe_socket(
        &self,
        node: NodeId,
        p: &Ipv4Packet,
        proto: ProbeProto,
        dport: u16,
        sport: u16,
    ) -> bool {
        self.probe.as_ref().is_some_and(|r| {
            r.node == node
                && r.proto == proto
                && r.src == p.dst
                && r.dst == p.src
                && r.sport == dport
                && r.dport == sport
        })
    }

    /// `tcp_v4_rcv`, reduced to connection set-up.
    fn tcp_rcv(&mut self, node: NodeId, p: &Ipv4Packet, t: Tcp) {
        let place = Place::Node(node);
        if self.is_probe_socket(node, p, ProbeProto::Tcp, t.dst_port, t.src_port) {
            if t.flags.rst {
                self.answer(ProbeResult::Refused, Answer::Reset { from: p.src });
                return;
            }
            if t.flags.syn && t.flags.ack {
                self.answer(ProbeResult::Reply, Answer::SynAck { from: p.src });
                let ack = Tcp {
                    src_port: t.dst_port,
                    dst_port: t.src_port,
                    seq: t.ack,
                    ack: t.seq.wrapping_add(1),
                    flags: TcpFlags {
                        ack: true,
                        ..TcpFlags::default()
                    },
                    window: 502,
                };
                self.send_tcp(node, p, ack);
                return;
            }
        }
        if t.flags.rst {
            self.drop_at(place, DropReason::StrayReset);
            return;
        }
        let open = self.listens(node, L4Proto::Tcp, t.dst_port);
        if t.flags.syn && !t.flags.ack {
            self.emit(
                place,
                EventKind::Deliver {
                    delivery: Delivery::TcpSyn {
                        port: t.dst_port,
                        open,
                    },
                },
            );
            let reply = if open {
                self.node_state(node)
                    .syn_recv
                    .insert((p.dst, t.dst_port, p.src, t.src_port));
                Tcp {
                    src_port: t.dst_port,
                    dst_port: t.src_port,
                    seq: 0x5e00_0000,
                    ack: t.seq.wrapping_add(1),
                    flags: TcpFlags {
                        syn: true,
                        ack: true,
                        ..TcpFlags::default()
                    },
                    window: 65160,
                }
            } else {
                rst_for(&t)
            };
            self.send_tcp(node, p, reply);
            return;
        }
        let key = (p.dst, t.dst_port, p.src, t.src_port);
        if open && t.flags.ack && !t.flags.syn && self.node_state(node).syn_recv.remove(&key) {
            self.emit(
                place,
                EventKind::Deliver {
                    delivery: Delivery::TcpAccepted { port: t.dst_port },
                },
            );
            return;
        }
        self.emit(
            place,
            EventKind::Deliver {
                delivery: Delivery::TcpNoConnection { port: t.dst_port },
            },
        );
        self.send_tcp(node, p, rst_for(&t));
    }

    fn send_tcp(&mut self, node: NodeId, to: &Ipv4Packet, t: Tcp) {
        self.reply(node, to, L4::Tcp(t), true);
    }

    /// The kernel answers `to` from the address it was sent to, with its
    /// own TTL and IP id (echo replies, SYN-ACKs, RSTs, UDP echoes).
    fn reply(&mut self, node: NodeId, to: &Ipv4Packet, l4: L4, dont_fragment: bool) {
        let ident = self.next_ident(node);
        let packet = Ipv4Packet {
            src: to.dst,
            dst: to.src,
            ttl: DEFAULT_TTL,
            ident,
            dont_fragment,
            l4,
        };
        self.ip_output(node, packet, None);
    }

    fn udp_rcv(&mut self, node: NodeId, p: &Ipv4Packet, u: &Udp, to_broadcast: bool) {
        if self.is_probe_socket(node, p, ProbeProto::Udp, u.dst_port, u.src_port) {
            self.answer(ProbeResult::Reply, Answer::UdpReply { from: p.src });
            return;
        }
        let open = self.listens(node, L4Proto::Udp, u.dst_port);
        self.emit(
            Place::Node(node),
            EventKind::Deliver {
                delivery: Delivery::Udp {
                    port: u.dst_port,
                    open,
                },
            },
        );
        if open {
            if to_broadcast {
                return;
            }
            let l4 = L4::Udp(Udp {
                src_port: u.dst_port,
                dst_port: u.src_port,
                data: u.data.clone(),
            });
            self.reply(node, p, l4, true);
        } else {
            self.icmp_error(node, p, 3, unreach::PORT);
        }
    }

    /// Builds and sends the probe's packet (again, for a retransmission).
    fn send_probe_packet(&mut self, retransmit: bool) {
        let Some(run) = self.probe.as_ref() else {
            return;
        };
        let node = run.node;
        let (proto, dst, sport, dport, ttl, isn, index) = (
            run.proto, run.dst, run.sport, run.dport, run.ttl, run.isn, run.index,
        );
        // The source the route prefers, fixed for the socket's lifetime.
        let src = if run.src.is_unspecified() {
            if self.is_local(node, dst) {
                dst
            } else {
                self.route_lookup(node, dst)
                    .and_then(|r| r.src)
                    .unwrap_or(Ipv4Addr::UNSPECIFIED)
            }
        } else {
            run.src
        };
        let ident = if retransmit {
            self.next_ident(node)
        } else {
            0x4e00u16.wrapping_add(index as u16)
        };
        if let Some(r) = self.probe.as_mut() {
            r.src = src;
            if !retransmit {
                r.ident = ident;
            }
        }
        let l4 = match proto {
            ProbeProto::Icmp => L4::Icmp(Icmp::EchoRequest {
                id: sport,
                seq: 1,
                data: (0..PING_DATA).map(|i| i as u8).collect(),
            }),
            ProbeProto::Tcp => L4::Tcp(Tcp {
                src_port: sport,
                dst_port: dport,
                seq: isn,
                ack: 0,
                flags: TcpFlags {
                    syn: true,
                    ..TcpFlags::default()
                },
                window: 64240,
            }),
            ProbeProto::Udp => L4::Udp(Udp {
                src_port: sport,
                dst_port: dport,
                data: format!("netsim probe {}\n", index + 1).into_bytes(),
            }),
        };
        let packet = Ipv4Packet {
            src,
            dst,
            ttl,
            ident,
            dont_fragment: true,
            l4,
        };
        self.ip_output(node, packet, Some(index));
    }

    // ---- state, for the views ----

    /// The neighbour cache of `node` (empty if it never used ARP).
    pub fn neigh_entries(&self, node: NodeId) -> &[neigh::NeighEntry<Pending>] {
        self.nodes.get(&node).map_or(&[], |s| s.neigh.entries())
    }

    /// The FDB of a bridge or wire, if it ever learned anything.
    pub fn fdb_of(&self, sw: Switch) -> Option<&Fdb> {
        match sw {
            Switch::Bridge(b) => self.bridges.get(&b),
            Switch::Wire(w) => self.wires.get(&w),
        }
    }
}

/// The RST that answers an unwanted segment (RFC 9293, 3.10.7.1).
fn rst_for(t: &Tcp) -> Tcp {
    if t.flags.ack {
        Tcp {
            src_port: t.dst_port,
            dst_port: t.src_port,
            seq: t.ack,
            ack: 0,
            flags: TcpFlags {
                rst: true,
                ..TcpFlags::default()
            },
            window: 0,
        }
    } else {
        Tcp {
            src_port: t.dst_port,
            dst_port: t.src_port,
            seq: 0,
            ack: t.seq.wrapping_add(u32::from(t.flags.syn)),
            flags: TcpFlags {
                rst: true,
                ack: true,
                ..TcpFlags::default()
            },
            window: 0,
        }
    }
}

fn unreachable_outcome(
    index: u32,
    start: Time,
    now: Time,
    first: usize,
    last: usize,
) -> ProbeOutcome {
    ProbeOutcome {
        index,
        result: ProbeResult::Timeout,
        answer: Answer::Nothing,
        reached: None,
        seen_from: None,
        ttl: None,
        events: (first, last),
        started: start,
        finished: now,
    }
}
