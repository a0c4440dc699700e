//! How a probe ended, how that compares with what the file expects, and
//! the one way each of them is written (the CLI, the page and the tests all
//! use these).

use core::fmt::Write as _;
use core::net::Ipv4Addr;

use crate::model::{Expect, IfaceId, NodeId, Probe, ProbeProto, ProbeResult, Topology};
use crate::sock::FlowId;
use crate::time::Time;
use crate::trace::Answer;

/// The outcome of one probe.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProbeOutcome {
    /// 0-based index into the topology's probes (or the label of an ad hoc
    /// probe).
    pub index: u32,
    /// The run's handle of this probe.
    #[serde(skip)]
    pub flow: FlowId,
    pub result: ProbeResult,
    /// What came back, in detail.
    pub answer: Answer,
    /// The namespace that received the first packet, if any did: where it
    /// was delivered, or else the namespace owning its destination address
    /// if it got in there.
    pub reached: Option<NodeId>,
    /// The source address that namespace saw.
    pub seen_from: Option<Ipv4Addr>,
    /// The TTL the first packet had on arrival.
    pub ttl: Option<u8>,
    /// The events of this probe, numbered over the whole run (as `cause`
    /// and `show --at-event` count them): from `events.0` to `events.1`.
    pub events: (usize, usize),
    pub started: Time,
    pub finished: Time,
    /// When the run was stopped as a broadcast storm: the loop and how far
    /// it got.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storm: Option<Storm>,
}

/// A run stopped because its frames kept multiplying.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Storm {
    /// Events of the run when it was stopped.
    pub events: usize,
    /// The ports of the loop, in the order frames go round it (each port
    /// followed by the one its frames arrive on).
    pub ports: Vec<IfaceId>,
}

/// `stopped after 50001 events; the loop: h1:to-h3 → h3:to-h1 → ...`.
pub fn describe_storm(topo: &Topology, s: &Storm) -> String {
    let ports: Vec<String> = s.ports.iter().map(|&p| topo.iface_label(p)).collect();
    if ports.is_empty() {
        format!(
            "stopped after {} events; no loop of bridge ports found",
            s.events
        )
    } else {
        format!(
            "stopped after {} events; frames went round the loop {}",
            s.events,
            ports.join(" → ")
        )
    }
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

/// `bus2 → bus1 (172.17.0.2) tcp/80`.
pub fn describe_probe(topo: &Topology, p: &Probe) -> String {
    let from = &topo.node(p.from).name;
    let to = if p.to_text == p.to.to_string() {
        p.to_text.clone()
    } else {
        format!("{} ({})", p.to_text, p.to)
    };
    match (p.proto, p.port) {
        (ProbeProto::Icmp, _) | (_, None) => format!("{from} → {to} {}", p.proto.as_str()),
        (proto, Some(port)) => format!("{from} → {to} {}/{port}", proto.as_str()),
    }
}

/// `reply, seen from 192.168.1.10, arrived with TTL 62`, or `(anything)`.
pub fn describe_expect(expect: Option<&Expect>) -> String {
    let Some(e) = expect else {
        return "(anything)".into();
    };
    let mut parts = Vec::new();
    if let Some(r) = e.result {
        parts.push(r.to_string());
    }
    if let Some(s) = e.seen_from {
        parts.push(format!("seen from {s}"));
    }
    if let Some(t) = e.ttl {
        parts.push(format!("arrived with TTL {t}"));
    }
    if parts.is_empty() {
        "(anything)".into()
    } else {
        parts.join(", ")
    }
}

/// `reply, seen from 172.17.0.3, arrived with TTL 64`: the result, then what the
/// destination saw of the first packet.
pub fn describe_outcome(o: &ProbeOutcome) -> String {
    let mut s = o.result.to_string();
    if let Some(from) = o.seen_from {
        let _ = write!(s, ", seen from {from}");
    }
    // The TTL the first packet had on arrival, not the TTL of a reply
    // (which is what ping prints as `ttl=`).
    if let Some(ttl) = o.ttl {
        let _ = write!(s, ", arrived with TTL {ttl}");
    }
    s
}

/// The outcome of a probe that never ran.
pub(crate) fn nothing(index: u32, flow: FlowId, now: Time, events: usize) -> ProbeOutcome {
    ProbeOutcome {
        index,
        flow,
        result: ProbeResult::Timeout,
        answer: Answer::Nothing,
        reached: None,
        seen_from: None,
        ttl: None,
        events: (events, events),
        started: now,
        finished: now,
        storm: None,
    }
}

/// The outcome of a finished probe.
pub(crate) fn outcome_of(
    f: &crate::sock::Flow,
    result: ProbeResult,
    answer: Answer,
    now: Time,
    events: usize,
) -> ProbeOutcome {
    ProbeOutcome {
        index: f.index,
        flow: f.id,
        result,
        answer,
        reached: f.arrival.or(f.entered).map(|a| a.0),
        seen_from: f.arrival.or(f.entered).map(|a| a.1),
        ttl: f.arrival.or(f.entered).map(|a| a.2),
        events: (f.first_event, events),
        started: f.started,
        finished: now,
        storm: f.storm.clone(),
    }
}
