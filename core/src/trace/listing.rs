//! The listing of a run: [`render`] and [`Renderer`] write tcpdump-like
//! lines, each event with its explanation, and each [`Lesson`] once, under
//! the first event that shows it.

use core::fmt::Write as _;

pub use super::words::Lesson;
use super::{Event, EventKind, Place};
use crate::ipv4::route::RouteOrigin;
use crate::model::{IfaceKind, ProbeResult, Topology};
use crate::neigh::NudState;

impl Lesson {
    /// The explanation, in the kernel's terms and with its settings' names.
    pub fn text(self) -> &'static str {
        match self {
            Lesson::Neigh(NudState::Incomplete) => {
                "INCOMPLETE: an ARP request has gone out and the kernel waits for the reply; packets for that address wait in the entry (up to net.ipv4.neigh.<interface>.unres_qlen of them)"
            }
            Lesson::Neigh(NudState::Reachable) => {
                "REACHABLE: a reply confirmed the MAC; the kernel uses it without asking, for a random time around net.ipv4.neigh.<interface>.base_reachable_time_ms (30000, so between 15 and 45 s; netsim takes 30 s), after which the entry is STALE"
            }
            Lesson::Neigh(NudState::Stale) => {
                "STALE: the MAC is known but not recently confirmed (learned from the neighbour's own request, or confirmed too long ago); the kernel still uses it, and the first use makes it DELAY"
            }
            Lesson::Neigh(NudState::Delay) => {
                "DELAY: a STALE entry was used; the kernel keeps sending with its MAC and waits net.ipv4.neigh.<interface>.delay_first_probe_time (5 s) for a confirmation before it asks the neighbour itself"
            }
            Lesson::Neigh(NudState::Probe) => {
                "PROBE: the kernel asks the neighbour directly, with ARP requests sent to its MAC rather than broadcast, net.ipv4.neigh.<interface>.ucast_solicit (3) of them 1 s apart; packets still go out meanwhile; a reply makes the entry REACHABLE, silence FAILED"
            }
            Lesson::Neigh(NudState::Failed) => {
                "FAILED: nobody answered; packets that waited are dropped and their senders told \"host unreachable\"; the next packet for that address starts again with a new request"
            }
            Lesson::Veth => {
                "veth pair: two interfaces joined like the two ends of a cable; what is sent into one end comes out of the other at once, and the two ends can be in different namespaces, as here: that is how a container's eth0 reaches the host"
            }
            Lesson::ConnectedRoute => {
                "`proto kernel scope link src A`: the kernel added this route itself when the address A was added to the interface (proto kernel); everything in its prefix is on the link, reached directly, by ARP, with no gateway (scope link); packets that leave by it get A as their source unless their socket chose one (src)"
            }
            Lesson::Vxlan => {
                "VXLAN (RFC 7348): an overlay that carries whole Ethernet frames between hosts inside UDP (port 4789); the sending host's vxlan device, a VTEP, puts an outer IPv4 header (from its `local` to the remote VTEP), a UDP header and an 8-byte VXLAN header holding the VNI, the overlay segment's number, around the frame; the vxlan device of that VNI on the receiving host takes them off, and the frame goes on as if both hosts hung off one switch. Those 50 bytes of headers are why a vxlan's MTU is 1450"
            }
            Lesson::LocalTable => {
                "table local: the routing table the kernel looks in before the main one (`ip route show table local`); it fills it itself, with a `local` route for each address of the namespace and `broadcast` routes for their subnets; a packet that matches a local route is for this namespace and is delivered here, never sent out"
            }
        }
    }
}

impl Event {
    /// What this event shows for the first time, if anything; the
    /// explanation itself is [`Lesson::text`].
    pub fn lesson(&self, topo: &Topology) -> Option<Lesson> {
        let state = match &self.kind {
            EventKind::NeighMiss { request: true, .. } => NudState::Incomplete,
            EventKind::NeighLearn { state, .. } => *state,
            EventKind::NeighState { to, .. } => *to,
            EventKind::NeighFailed { .. } => NudState::Failed,
            EventKind::FrameReceived { .. } => {
                return match self.place {
                    Place::Iface(i) if topo.iface(i).kind() == IfaceKind::Veth => {
                        Some(Lesson::Veth)
                    }
                    _ => None,
                }
            }
            EventKind::RouteLookup { local: true, .. } => return Some(Lesson::LocalTable),
            EventKind::VxlanEncap { .. } => return Some(Lesson::Vxlan),
            EventKind::RouteLookup { route: Some(r), .. } if r.origin == RouteOrigin::Connected => {
                return Some(Lesson::ConnectedRoute)
            }
            _ => return None,
        };
        Some(Lesson::Neigh(state))
    }
}

/// Writes a trace as text, one line per event, and each [`Lesson`] once,
/// under the first event that shows it. Keep one for a whole run, so that a
/// lesson of the first probe is not repeated in the second.
#[derive(Debug, Default)]
pub struct Renderer {
    taught: Vec<Lesson>,
}

impl Renderer {
    pub fn new() -> Renderer {
        Renderer::default()
    }

    /// The listing of a slice of events: frames as one line, decisions as
    /// `--` lines. A frame's crossing (`transmit`) is the `out` line
    /// followed by the `in` line, so it has no line of its own.
    pub fn render(&mut self, topo: &Topology, events: &[Event]) -> String {
        let mut out = String::new();
        // The last drop that ended a packet of each probe (not a frame that
        // was simply for someone else): why a probe that times out did.
        let mut ended: Vec<(u32, &Event)> = Vec::new();
        for e in events
            .iter()
            .filter(|e| !matches!(e.kind, EventKind::Transmit { .. }))
        {
            let mut line = render_line(topo, e);
            match (&e.kind, e.probe) {
                (EventKind::Drop { reason }, Some(p)) if !reason.is_not_for_us() => {
                    ended.retain(|(q, _)| *q != p);
                    ended.push((p, e));
                }
                (
                    EventKind::ProbeEnd {
                        index,
                        result: ProbeResult::Timeout,
                    },
                    _,
                ) => {
                    if let Some((_, d)) = ended.iter().find(|(q, _)| q == index) {
                        let _ =
                            write!(line, "; here, the last packet lost was {}", d.explain(topo));
                    }
                }
                _ => {}
            }
            out.push_str(&line);
            out.push('\n');
            if let Some(l) = e.lesson(topo).filter(|l| !self.taught.contains(l)) {
                self.taught.push(l);
                // Under the explanation (or the frame), past the time, the
                // place and the `--  ` / `in  ` / `out ` column.
                let indent = format!(
                    "{} {:<22} ",
                    crate::time::seconds(e.time),
                    e.place.label(topo)
                )
                .len()
                    + 4;
                let _ = writeln!(out, "{:indent$}({})", "", l.text());
            }
        }
        out
    }
}

/// A trace as text: one line per event, with its explanation, in the style
/// of tcpdump for frames.
pub fn render_line(topo: &Topology, e: &Event) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{} {:<22} ",
        crate::time::seconds(e.time),
        e.place.label(topo)
    );
    match (&e.kind, e.summary()) {
        (EventKind::FrameSent { .. }, Some(sum)) => {
            let _ = write!(s, "out {sum}");
        }
        (EventKind::FrameReceived { .. }, Some(sum)) => {
            let _ = write!(s, "in  {sum}");
        }
        _ => {
            let _ = write!(s, "--  {}", e.explain(topo));
        }
    }
    s
}

/// The listing of a whole slice of events, as a fresh [`Renderer`] writes
/// it.
pub fn render(topo: &Topology, events: &[Event]) -> String {
    Renderer::new().render(topo, events)
}
