//! Probes: open a socket, send, retransmit (TCP), collect the answer.

use core::net::Ipv4Addr;

use super::{Flow, FlowId, Sock};
use crate::ipv4::Packet;
use crate::model::{NodeId, Probe, ProbeProto, ProbeResult};
use crate::sim::{outcome_of, Action, Cx, Net, ProbeOutcome, PROBE_TIMEOUT};
use crate::time::SECOND;
use crate::trace::{Answer, Delivery, EventKind, Place};
use crate::wire::frame::{Icmp, Ipv4Packet, Quoted, Tcp, TcpFlags, Udp, L4};

/// TCP's initial retransmission timeout; a SYN is resent after 1 s and 3 s.
const TCP_RTO: crate::time::Time = SECOND;
/// Bytes of an echo request after the ICMP header, as `ping` sends.
const PING_DATA: usize = 56;
/// The first ephemeral port handed out (Linux picks at random in
/// `ip_local_port_range`; a fixed start keeps runs repeatable).
const FIRST_PORT: u16 = 33000;

impl Net<'_> {
    /// Opens the probe's socket and sends its first packet.
    pub(crate) fn start_flow(&mut self, index: u32, p: &Probe, first_event: usize) -> FlowId {
        let n = self.st.sockets_made;
        self.st.sockets_made = n.wrapping_add(1);
        let id = FlowId(n);
        let proto = p.proto;
        // The socket's port or echo id: the next one its namespace has free
        // (two namespaces can pick the same, as on the kernel, where each
        // has its own port space; a masquerade between them then has to
        // change one).
        let ns = self.ns(p.from);
        let first = ns.sockets_made;
        ns.sockets_made = first.wrapping_add(1);
        let mut k = first;
        let lport = loop {
            let cand = match proto {
                ProbeProto::Icmp => 0x6e00 | (k as u16 & 0xff),
                _ => FIRST_PORT.wrapping_add(k as u16),
            };
            if !self.ns(p.from).socks.in_use(proto, cand) || k > first + 0xffff {
                break cand;
            }
            k += 1;
        };
        let flow = Flow {
            id,
            index,
            node: p.from,
            proto,
            dst: p.to,
            ttl: p.ttl,
            src: Ipv4Addr::UNSPECIFIED,
            lport,
            rport: p.port.unwrap_or(0),
            isn: 1_000_000u32.wrapping_mul(n + 1),
            ident: 0x4e00u16.wrapping_add(n as u16),
            started: self.st.now,
            first_event,
            first_packet: None,
            answer: None,
            arrival: None,
            entered: None,
            start_event: None,
            storm: None,
        };
        self.st.flows.push(flow);
        self.st.cx = Cx {
            probe: Some(index).into(),
            ..Cx::default()
        };
        let start = self.emit(
            Place::Node(p.from),
            EventKind::ProbeStart {
                index,
                proto,
                dst: p.to,
                port: p.port,
                ttl: p.ttl,
            },
        );
        if let Some(f) = self.flow_mut(id) {
            f.start_event = Some(start);
        }
        self.send_probe_packet(id, false);
        if proto == ProbeProto::Tcp {
            let cx = Cx {
                probe: Some(index).into(),
                cause: Some(start).into(),
                ..Cx::default()
            };
            self.schedule(
                TCP_RTO,
                Action::SynRetransmit {
                    flow: id,
                    attempt: 1,
                    cx,
                },
            );
        }
        id
    }

    pub(crate) fn flow_mut(&mut self, id: FlowId) -> Option<&mut Flow> {
        self.st.flows.iter_mut().find(|f| f.id == id)
    }

    fn flow(&self, id: FlowId) -> Option<&Flow> {
        self.st.flows.iter().find(|f| f.id == id)
    }

    /// Builds and sends the probe's packet (again, for a retransmission).
    fn send_probe_packet(&mut self, id: FlowId, retransmit: bool) {
        let Some(f) = self.flow(id).cloned() else {
            return;
        };
        let node = f.node;
        // `connect` to 0.0.0.0 connects to this host (`ip_route_connect`).
        let dst = if f.dst.is_unspecified() {
            Ipv4Addr::LOCALHOST
        } else {
            f.dst
        };
        // The source the route prefers, fixed for the socket's lifetime
        // (`connect` binds it).
        let src = if f.src.is_unspecified() {
            if self.is_local(node, dst) {
                crate::ipv4::local_source(dst)
            } else {
                self.route_lookup(node, dst)
                    .and_then(|r| r.src)
                    .unwrap_or(Ipv4Addr::UNSPECIFIED)
            }
        } else {
            f.src
        };
        if f.src.is_unspecified() {
            if let Some(m) = self.flow_mut(id) {
                m.src = src;
                m.dst = dst;
            }
            self.ns(node).socks.insert(Sock {
                proto: f.proto,
                local: src,
                lport: f.lport,
                remote: dst,
                rport: f.rport,
                flow: id,
            });
        }
        let ident = if retransmit {
            self.next_ident(node)
        } else {
            f.ident
        };
        let l4 = match f.proto {
            ProbeProto::Icmp => L4::Icmp(Icmp::EchoRequest {
                id: f.lport,
                seq: 1,
                data: self
                    .st
                    .ping_data
                    .get_or_insert_with(|| (0..PING_DATA).map(|i| i as u8).collect())
                    .clone(),
            }),
            ProbeProto::Tcp => L4::Tcp(Tcp {
                src_port: f.lport,
                dst_port: f.rport,
                seq: f.isn,
                ack: 0,
                flags: TcpFlags {
                    syn: true,
                    ..TcpFlags::default()
                },
                window: 64240,
            }),
            ProbeProto::Udp => L4::Udp(Udp {
                src_port: f.lport,
                dst_port: f.rport,
                data: udp_payload(f.index, f.rport).into(),
            }),
        };
        let view = Ipv4Packet {
            src,
            dst,
            ttl: f.ttl,
            ident,
            dont_fragment: true,
            l4,
        };
        self.st.cx.cause_packet = None;
        self.st.cx.packet = None;
        let packet = self.new_packet();
        self.st.cx.cause_packet = None;
        if !retransmit {
            if let Some(m) = self.flow_mut(id) {
                m.first_packet = Some(packet);
            }
        }
        self.ip_output(node, Packet::new(view), Some(id));
    }

    pub(crate) fn syn_retransmit(&mut self, id: FlowId, attempt: u8) {
        let waiting = self.flow(id).is_some_and(|f| f.answer.is_none());
        if !waiting {
            return;
        }
        let cx = self.st.cx;
        self.send_probe_packet(id, true);
        if attempt < 2 {
            self.schedule(
                TCP_RTO << attempt,
                Action::SynRetransmit {
                    flow: id,
                    attempt: attempt + 1,
                    cx,
                },
            );
        }
    }

    /// The probe's socket gets its answer (only the first counts).
    pub(crate) fn answer(&mut self, id: FlowId, result: ProbeResult, answer: Answer) {
        let Some(f) = self.flow_mut(id) else {
            return;
        };
        if f.answer.is_some() {
            return;
        }
        f.answer = Some((result, answer.clone()));
        let (node, index) = (f.node, f.index);
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

    /// The sender's own kernel failed the send of a packet of flow `id`.
    pub(crate) fn local_error(&mut self, id: Option<FlowId>, answer: Answer) {
        if let Some(id) = id {
            self.answer(id, ProbeResult::Unreachable, answer);
        }
    }

    /// Records where a probe's first packet arrived, with what it looked
    /// like there (NAT and TTL show here).
    pub(crate) fn note_arrival(&mut self, node: NodeId, p: &Ipv4Packet) {
        let packet = self.st.cx.packet;
        if packet.is_none() {
            return;
        }
        for f in &mut self.st.flows {
            if f.arrival.is_none() && f.first_packet == packet {
                f.arrival = Some((node, p.src, p.ttl));
            }
        }
    }

    /// A frame of a probe's first packet came into `node`: if `node` owns
    /// the probe's destination, remember what it saw, in case the packet is
    /// delivered nowhere (a capture there would still show it).
    pub(crate) fn note_entry(&mut self, node: NodeId, bytes: &[u8]) {
        let Some(packet) = self.st.cx.packet else {
            return;
        };
        let Some(k) = self
            .st
            .flows
            .iter()
            .position(|f| f.entered.is_none() && f.first_packet == Some(packet))
        else {
            return;
        };
        let dst = self.st.flows[k].dst;
        if !self.is_local(node, dst) {
            return;
        }
        // What the capture there would show: the source and TTL, read
        // straight from the IPv4 header (no need to parse all of it). A
        // VXLAN packet that carries it is to another address.
        let ip = bytes.get(14..34);
        if let Some(h) = ip.filter(|h| h[0] >> 4 == 4 && h[16..20] == dst.octets()) {
            let src = core::net::Ipv4Addr::new(h[12], h[13], h[14], h[15]);
            self.st.flows[k].entered = Some((node, src, h[8]));
        }
    }

    /// An ICMP error reaches the socket whose packet it quotes; `false` if
    /// no socket of `node` sent that packet.
    pub(crate) fn icmp_to_socket(
        &mut self,
        node: NodeId,
        original: &[u8],
        result: ProbeResult,
        answer: Answer,
    ) -> bool {
        let Ok(q) = Quoted::parse(original) else {
            return false;
        };
        let proto = match q.proto {
            1 => ProbeProto::Icmp,
            6 => ProbeProto::Tcp,
            17 => ProbeProto::Udp,
            _ => return false,
        };
        let flow = self
            .ns(node)
            .socks
            .lookup(proto, q.src, q.first, q.dst, q.second)
            .filter(|s| s.local == q.src)
            .map(|s| s.flow);
        match flow {
            Some(id) => {
                self.answer(id, result, answer);
                true
            }
            None => false,
        }
    }

    /// Ends every started probe: an unanswered one has timed out. Its
    /// socket is closed.
    /// Their outcomes are added to `out`.
    pub(crate) fn finish_flows(&mut self, out: &mut Vec<ProbeOutcome>) {
        // Taken out and put back empty, so that its room is kept.
        let mut flows = core::mem::take(&mut self.st.flows);
        out.reserve(flows.len());
        for f in flows.drain(..) {
            let (result, answer) = match (f.answer.clone(), &f.storm) {
                // Whatever came back, the run was stopped: no prediction.
                (a, Some(_)) => (
                    ProbeResult::Storm,
                    a.map_or(Answer::Nothing, |(_, answer)| answer),
                ),
                (Some(a), None) => a,
                (None, None) => {
                    self.st.now = self.st.now.max(f.started.saturating_add(PROBE_TIMEOUT));
                    (ProbeResult::Timeout, Answer::Nothing)
                }
            };
            self.ns(f.node).socks.remove(f.id);
            self.st.cx = Cx {
                probe: Some(f.index).into(),
                cause: f.start_event.into(),
                ..Cx::default()
            };
            self.emit(
                Place::Node(f.node),
                EventKind::ProbeEnd {
                    index: f.index,
                    result,
                },
            );
            out.push(outcome_of(
                &f,
                result,
                answer,
                self.st.now,
                self.events_total(),
            ));
        }
        if self.st.flows.is_empty() {
            self.st.flows = flows;
        }
        self.st.cx = Cx::default();
    }
}

/// What a UDP probe carries: to port 53 a well-formed DNS query (an `A`
/// question for `probe-N.netsim.test`), so that Wireshark reads the
/// capture without a malformed packet; elsewhere a line of text.
fn udp_payload(index: u32, port: u16) -> Vec<u8> {
    if port != 53 {
        return format!("netsim probe {}\n", index + 1).into_bytes();
    }
    let mut q = Vec::with_capacity(40);
    q.extend_from_slice(&(0x6e00u16.wrapping_add(index as u16)).to_be_bytes()); // id
    q.extend_from_slice(&[0x01, 0x00]); // a standard query, recursion desired
    q.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // one question
    let name = format!("probe-{}", index + 1);
    for label in [name.as_str(), "netsim", "test"] {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&[0, 1, 0, 1]); // type A, class IN
    q
}
