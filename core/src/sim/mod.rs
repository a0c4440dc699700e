//! The simulator: a discrete-event model of the Linux data path.
//!
//! Frames are real Ethernet bytes ([`crate::wire::frame`]). They travel over
//! veth pairs and wires (each cable takes [`HOP`] of virtual time) and
//! through learning switches; each namespace's IP stack decides on the
//! parsed packet. The data path lives in one folder per layer of the
//! kernel, each adding its part to the working view [`Net`]:
//!
//! - [`crate::dev`]: transmit and receive on veth, NIC, wire and `lo`;
//! - [`crate::bridge`]: bridge input, FDB, forwarding and flooding;
//! - [`crate::neigh`]: the neighbour cache and ARP;
//! - [`crate::ipv4`]: routes, `ip_rcv`, `ip_forward`, `ip_output`, ICMP errors;
//! - [`crate::netfilter`]: the hooks between them;
//! - [`crate::sock`]: the socket table, TCP, UDP and ICMP echo, and probes;
//! - [`crate::vxlan`]: VXLAN encapsulation, decapsulation and its FDB.
//!
//! This module holds the run loop, the scheduler and the storm bound, and
//! the state, organised as the kernel's is: per namespace ([`NsState`]),
//! per bridge, per wire.
//!
//! Time is virtual and passed along, never read; there is no randomness
//! (hash maps use a fixed hasher), so a topology and its probes always give
//! the same trace. State is created lazily, so a probe costs what its path
//! costs, whatever the size of the topology.

mod limits;
mod outcome;
mod sched;
pub(crate) mod slots;
mod views;

use core::net::Ipv4Addr;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::bridge::fdb::Fdb;
use crate::bridge::BridgeState;
use crate::ipv4::route::RouteTable;
use crate::model::{IfaceId, NodeId, Probe, Topology};
use crate::neigh::{NeighCache, Pending};
use crate::sock::{Flow, FlowId, SockTable};
use crate::trace::{DropReason, Event, EventKind, FrameId, PacketId, Place, Switch};
use crate::wire::frame::Bytes;
use crate::wire::MacAddr;

pub use crate::time::{Time, HOP};
pub use limits::{event_budget, EVENT_BUDGET, FLOOD_REPEATS, PROBE_TIMEOUT};
pub(crate) use outcome::outcome_of;
pub use outcome::{
    describe_expect, describe_outcome, describe_probe, describe_storm, Mismatch, ProbeOutcome,
    Storm,
};
pub(crate) use sched::Action;

/// What the events being recorded belong to: the event that led to them,
/// the packet they concern and the probe they are part of. It travels with
/// every frame in flight, every packet waiting for ARP and every timer.
/// Compact (16 bytes), as it is copied into each of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cx {
    pub cause: Index,
    pub packet: Option<PacketId>,
    pub cause_packet: Option<PacketId>,
    pub probe: Index,
}

/// An optional event or probe number in 4 bytes (`u32::MAX` is none: a run
/// stops long before it has that many events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Index(u32);

impl Index {
    pub const NONE: Index = Index(u32::MAX);

    pub fn get(self) -> Option<u32> {
        (self.0 != u32::MAX).then_some(self.0)
    }
}

impl Default for Index {
    fn default() -> Index {
        Index::NONE
    }
}

impl From<Option<u32>> for Index {
    fn from(v: Option<u32>) -> Index {
        v.map_or(Index::NONE, Index)
    }
}

/// The mutable state of one namespace, made on first use.
#[derive(Debug, Default, Clone)]
pub(crate) struct NsState {
    /// The main routing table.
    pub routes: Option<RouteTable>,
    pub neigh: NeighCache<Pending>,
    pub socks: SockTable,
    /// Sockets this namespace has made: where its next ephemeral port or
    /// echo id comes from (each namespace has its own port space).
    pub sockets_made: u32,
    /// IP identification counter for packets this namespace makes.
    pub ident: u16,
    /// What few namespaces need (ICMP peers, redirects, conntrack), boxed
    /// so that the many that never need it stay small.
    pub extra: Option<Box<NsExtra>>,
}

/// The state of a namespace that sends ICMP errors or redirects, learns
/// redirects or tracks connections.
#[derive(Debug, Default, Clone)]
pub(crate) struct NsExtra {
    /// What this namespace remembers of each remote address it sent ICMP
    /// to (`inet_peer`): the rate limit shared by redirects and errors.
    pub peers: FxHashMap<Ipv4Addr, crate::ipv4::redirect::Peer>,
    /// The connections netfilter tracks (only where there are NAT rules).
    pub conntrack: crate::netfilter::conntrack::Table,
    /// Next-hop exceptions learned from redirects: destination → gateway,
    /// until a time.
    pub redirected: FxHashMap<Ipv4Addr, (Ipv4Addr, Time)>,
}

impl NsState {
    /// The rarely needed part, made on first use.
    pub fn extra(&mut self) -> &mut NsExtra {
        self.extra.get_or_insert_with(Box::default)
    }
}

/// Everything a run changes.
#[derive(Debug, Default, Clone)]
pub(crate) struct State {
    pub now: Time,
    pub queue: sched::Queue,
    /// Frames on a cable or in a wire (the run is not quiet while any are).
    pub in_flight: usize,
    pub ns: slots::Slots<NsState>,
    pub bridges: slots::Slots<BridgeState>,
    /// The converged spanning tree, made when the first STP bridge is used.
    pub stp: Option<crate::bridge::stp::SpanningTree>,
    /// How often each switch flooded each packet in this run of the queue
    /// (a loop shows as the same packet flooded again and again).
    pub floods: FxHashMap<(Switch, PacketId), u32>,
    /// A switch flooded one packet more than [`FLOOD_REPEATS`] times.
    pub looping: Option<Switch>,
    pub wires: slots::Slots<Fdb>,
    /// The FDB of each vxlan device that sent or received.
    pub vxlans: crate::vxlan::Fdbs,
    trace: Vec<Event>,
    /// Events forgotten by [`Sim::clear_trace`]: `trace[k]` is event
    /// number `trace_base + k` of the run.
    trace_base: usize,
    /// Stop recording (and simulating) once the run has this many events.
    limit: usize,
    pub cx: Cx,
    next_frame: u32,
    next_packet: u32,
    /// Probes started and not yet finished.
    pub flows: Vec<Flow>,
    /// Sockets made so far in the run: the source of flow handles and of
    /// each probe's initial sequence number.
    pub sockets_made: u32,
    /// Where frames are put together before they get their own bytes.
    scratch: Vec<u8>,
    /// The data of `ping`'s echo requests, made once and shared by all.
    pub ping_data: Option<Bytes>,
    /// Room for the outcomes of [`Sim::run_adhoc`], kept between probes.
    done: Vec<ProbeOutcome>,
}

/// A simulation of one topology. Probes run one after the other on the
/// same state (caches and FDBs carry over, as on a real machine), or
/// several at once ([`Sim::start_probe`], [`Sim::run_started`]).
#[derive(Debug, Clone)]
pub struct Sim {
    topo: Arc<Topology>,
    st: State,
}

/// The working view of a simulation: the topology beside the state it
/// changes. Every layer of the data path adds its methods to it.
#[derive(Debug)]
pub(crate) struct Net<'a> {
    pub topo: &'a Topology,
    pub st: &'a mut State,
}

impl Sim {
    /// A simulation of `topo`, which it shares (a `Topology` converts).
    pub fn new(topo: impl Into<Arc<Topology>>) -> Sim {
        let topo: Arc<Topology> = topo.into();
        let st = State {
            limit: usize::MAX,
            ns: slots::Slots::with_len(topo.nodes.len()),
            bridges: slots::Slots::with_len(topo.ifaces.len()),
            wires: slots::Slots::with_len(topo.wires.len()),
            // Room for a probe's events without growing (a ping on docker0
            // records a few dozen).
            trace: Vec::with_capacity(64),
            ..State::default()
        };
        Sim { topo, st }
    }

    pub fn topology(&self) -> &Topology {
        &self.topo
    }

    /// The shared topology, for another simulation of the same file.
    pub fn topology_arc(&self) -> Arc<Topology> {
        Arc::clone(&self.topo)
    }

    pub fn now(&self) -> Time {
        self.st.now
    }

    /// The events recorded since the last [`Sim::clear_trace`].
    pub fn trace(&self) -> &[Event] {
        &self.st.trace
    }

    /// The run's number of the first event of [`Sim::trace`] (events are
    /// numbered over the whole run; `cause` refers to these numbers).
    pub fn trace_base(&self) -> usize {
        self.st.trace_base
    }

    /// The events of a probe that are still in [`Sim::trace`].
    pub fn events_of(&self, o: &ProbeOutcome) -> &[Event] {
        let base = self.st.trace_base;
        let len = self.st.trace.len();
        let a = o.events.0.saturating_sub(base).min(len);
        let b = o.events.1.saturating_sub(base).clamp(a, len);
        &self.st.trace[a..b]
    }

    /// How many events the run has produced, cleared ones included.
    pub fn events_total(&self) -> usize {
        self.st.trace_base + self.st.trace.len()
    }

    /// Forgets the trace recorded so far (state is kept), so that a long
    /// run does not grow without bound. Event numbers go on counting.
    pub fn clear_trace(&mut self) {
        self.st.trace_base += self.st.trace.len();
        self.st.trace.clear();
    }

    fn net(&mut self) -> Net<'_> {
        Net {
            topo: &self.topo,
            st: &mut self.st,
        }
    }

    /// Runs every probe of the topology in file order.
    pub fn run_all(&mut self) -> Vec<ProbeOutcome> {
        (0..self.topo.probes.len())
            .filter_map(|i| self.run_probe(i))
            .collect()
    }

    /// Runs probes in order but stops the whole run once `events` events
    /// are recorded: the state is then what it was at that moment of the
    /// run. This is how a view "at event N" is made.
    pub fn run_until(&mut self, events: usize) {
        self.st.limit = events;
        for i in 0..self.topo.probes.len() {
            if self.events_total() >= self.st.limit {
                break;
            }
            self.run_probe(i);
        }
        self.st.limit = usize::MAX;
    }

    /// Runs probe `index` (0-based) of the topology; `None` if there is no
    /// such probe.
    pub fn run_probe(&mut self, index: usize) -> Option<ProbeOutcome> {
        let flow = self.start_probe(index)?;
        self.run_started().into_iter().find(|o| o.flow == flow)
    }

    /// Runs a probe that is not in the file (the page's "ping from here").
    /// `index` only labels its events.
    pub fn run_adhoc(&mut self, index: u32, probe: &Probe) -> ProbeOutcome {
        let flow = self.start_adhoc(index, probe);
        // The outcomes go into a list the simulation keeps, so that a probe
        // run on its own costs no allocation for it.
        let mut done = core::mem::take(&mut self.st.done);
        self.run_started_into(&mut done);
        let found = done.iter().position(|o| o.flow == flow);
        let outcome = match found {
            Some(k) => done.swap_remove(k),
            None => outcome::nothing(index, flow, self.st.now, self.events_total()),
        };
        done.clear();
        self.st.done = done;
        outcome
    }

    /// Opens the socket of probe `index` and sends its first packet, without
    /// waiting for the answer: several probes can be in flight at once, each
    /// on its own socket. [`Sim::run_started`] runs them to their ends.
    pub fn start_probe(&mut self, index: usize) -> Option<FlowId> {
        let probe = self.topo.probes.get(index)?.clone();
        Some(self.start_adhoc(index as u32, &probe))
    }

    /// Like [`Sim::start_probe`] for a probe that is not in the file.
    pub fn start_adhoc(&mut self, index: u32, probe: &Probe) -> FlowId {
        let first = self.events_total();
        self.net().start_flow(index, probe, first)
    }

    /// Runs until every started probe has its answer (or its 5 s are up)
    /// and no frame is in flight; returns their outcomes in start order.
    pub fn run_started(&mut self) -> Vec<ProbeOutcome> {
        let mut out = Vec::new();
        self.run_started_into(&mut out);
        out
    }

    /// [`Sim::run_started`], adding the outcomes to `out`.
    fn run_started_into(&mut self, out: &mut Vec<ProbeOutcome>) {
        let first = self.events_total();
        let deadline = self
            .st
            .flows
            .iter()
            .map(|f| f.started.saturating_add(PROBE_TIMEOUT))
            .max()
            .unwrap_or(self.st.now);
        let mut net = self.net();
        net.run_queue(deadline, first);
        net.finish_flows(out);
    }

    /// Puts raw bytes on the wire as if they arrived on `iface`, and runs
    /// until things are quiet. Returns the range of events it caused, as
    /// indexes into [`Sim::trace`].
    pub fn inject(&mut self, iface: IfaceId, bytes: &[u8]) -> (usize, usize) {
        let first = self.st.trace.len();
        if iface.index() < self.topo.ifaces.len() {
            let first_total = self.events_total();
            let mut net = self.net();
            let frame = net.new_frame();
            net.st.cx = Cx::default();
            net.schedule(
                0,
                Action::Arrive {
                    iface,
                    bytes: bytes.into(),
                    frame,
                    cx: Cx::default(),
                },
            );
            net.st.in_flight += 1;
            let deadline = net.st.now.saturating_add(PROBE_TIMEOUT);
            net.run_queue(deadline, first_total);
        }
        (first, self.st.trace.len())
    }
}

impl Net<'_> {
    /// Records an event in the current context; it becomes the cause of
    /// what follows. Returns its number in the run.
    #[inline]
    pub fn emit(&mut self, place: Place, kind: EventKind) -> u32 {
        let index = self.record(place, kind);
        self.st.cx.cause = Some(index).into();
        index
    }

    /// Records an event that leads to nothing further (a side effect, such
    /// as an FDB entry learned on the way): the chain of causes skips it.
    pub fn note(&mut self, place: Place, kind: EventKind) {
        self.record(place, kind);
    }

    #[inline]
    fn record(&mut self, place: Place, kind: EventKind) -> u32 {
        let index = (self.st.trace_base + self.st.trace.len()) as u32;
        if self.st.trace_base + self.st.trace.len() < self.st.limit {
            let cx = self.st.cx;
            self.st.trace.push(Event {
                time: self.st.now,
                place,
                probe: cx.probe.get(),
                cause: cx.cause.get(),
                packet: cx.packet,
                cause_packet: cx.cause_packet,
                kind,
            });
        }
        index
    }

    pub fn drop_at(&mut self, place: Place, reason: DropReason) {
        self.emit(place, EventKind::Drop { reason });
    }

    /// The bytes of `p` in an Ethernet frame from `src` to `dst`.
    pub fn frame_of(&mut self, p: &crate::ipv4::Packet, dst: MacAddr, src: MacAddr) -> Bytes {
        p.frame_into(&mut self.st.scratch, dst, src);
        Bytes::from(&self.st.scratch[..])
    }

    /// `parts` one after the other, in bytes of their own (put together
    /// in the kept buffer, so that they cost one allocation).
    pub fn bytes_of(&mut self, parts: &[&[u8]]) -> Bytes {
        let s = &mut self.st.scratch;
        s.clear();
        for p in parts {
            s.extend_from_slice(p);
        }
        Bytes::from(&s[..])
    }

    pub fn new_frame(&mut self) -> FrameId {
        self.st.next_frame += 1;
        FrameId(self.st.next_frame)
    }

    /// A new packet made because of the current one: the context now
    /// concerns it.
    pub fn new_packet(&mut self) -> PacketId {
        self.st.next_packet += 1;
        let id = PacketId(
            core::num::NonZeroU32::new(self.st.next_packet).unwrap_or(core::num::NonZeroU32::MIN),
        );
        self.st.cx.cause_packet = self.st.cx.packet;
        self.st.cx.packet = Some(id);
        id
    }

    pub fn schedule(&mut self, delay: Time, action: Action) {
        let at = self.st.now.saturating_add(delay);
        self.st.queue.push(at, action);
    }

    pub fn ns(&mut self, node: NodeId) -> &mut NsState {
        self.st
            .ns
            .get_or_insert_with(node.index(), NsState::default)
    }

    /// The number of events recorded in this run so far.
    pub fn events_total(&self) -> usize {
        self.st.trace_base + self.st.trace.len()
    }

    pub fn at_limit(&self) -> bool {
        self.events_total() >= self.st.limit
    }

    /// Processes scheduled actions up to `deadline`, until every started
    /// probe has its answer and no frame is in flight.
    fn run_queue(&mut self, deadline: Time, first_event: usize) {
        self.st.floods.clear();
        self.st.looping = None;
        let budget = event_budget(self.topo);
        loop {
            if self.st.in_flight == 0 && self.st.flows.iter().all(|f| f.answer.is_some()) {
                break;
            }
            if self.at_limit() {
                break;
            }
            if self.st.looping.is_some() || self.events_total() - first_event > budget {
                self.stop_storm(first_event);
                break;
            }
            let Some(at) = self.st.queue.peek_time() else {
                break;
            };
            if at > deadline {
                break;
            }
            let Some((at, action)) = self.st.queue.pop() else {
                break;
            };
            self.st.now = self.st.now.max(at);
            self.dispatch(action);
        }
    }

    /// Ends a run whose frames keep multiplying: every frame in flight is
    /// dropped at once, the probes still running end as a storm, and the
    /// drop names the loop the frames went round (found from the switch
    /// that flooded last).
    fn stop_storm(&mut self, first_event: usize) {
        let events = self.events_total() - first_event;
        let place = self
            .st
            .flows
            .first()
            .map_or(Place::Node(NodeId(0)), |f| Place::Node(f.node));
        let last_flood = self.st.looping.take().or_else(|| {
            self.st.trace.iter().rev().find_map(|e| match e.kind {
                EventKind::Flood { switch, .. } => Some(switch),
                _ => None,
            })
        });
        self.st.floods.clear();
        let ports = crate::bridge::loops::find_loop(self.topo, self.st.stp.as_ref(), last_flood);
        // Caused by the last thing that happened: the run stops after it.
        self.st.cx = Cx {
            probe: self.st.flows.first().map(|f| f.index).into(),
            cause: self.events_total().checked_sub(1).map(|k| k as u32).into(),
            ..Cx::default()
        };
        self.drop_at(
            place,
            DropReason::Storm {
                events,
                in_flight: self.st.in_flight,
                ports: ports.clone(),
            },
        );
        let storm = outcome::Storm { events, ports };
        for f in &mut self.st.flows {
            f.storm = Some(storm.clone());
        }
        self.st.queue.retain(|a| !a.is_frame());
        self.st.in_flight = 0;
    }

    fn dispatch(&mut self, action: Action) {
        match action {
            Action::Arrive {
                iface,
                bytes,
                frame,
                cx,
            } => {
                self.st.in_flight = self.st.in_flight.saturating_sub(1);
                self.st.cx = cx;
                self.netif_receive(iface, bytes, frame);
            }
            Action::WireIn {
                wire,
                port,
                bytes,
                frame,
                cx,
            } => {
                self.st.in_flight = self.st.in_flight.saturating_sub(1);
                self.st.cx = cx;
                self.wire_input(wire, port, bytes, frame);
            }
            Action::NeighTimer { dev, ip, cx } => {
                self.st.cx = cx;
                self.neigh_timer(dev, ip);
            }
            Action::SynRetransmit { flow, attempt, cx } => {
                self.st.cx = cx;
                self.syn_retransmit(flow, attempt);
            }
        }
    }
}
