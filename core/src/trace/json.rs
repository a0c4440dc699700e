//! The JSON form of trace events: one object per event, with names (never
//! internal numbers) in every field. The CLI's `--json` and the page read
//! this, and nothing else writes events as JSON.
//!
//! A frame's bytes are written once: on the `frame_sent` event that first
//! carries them. A `frame_received` refers to its `frame`; the copies of a
//! flood, which share their bytes, refer to the first copy with
//! `same_bytes_as`. So the output grows with what happened, not with the
//! number of copies times their size.

use serde_json::{json, Map, Value};

use rustc_hash::FxHashMap;

use super::{Delivery, Endpoint, Event, EventKind, FrameId, Lesson, Place, Switch};
use crate::model::{IfaceId, Topology};
use crate::wire::frame::Bytes;

/// Writes events as JSON, remembering which bytes it has written.
#[derive(Debug, Default)]
pub struct Writer {
    /// The first frame that carried each shared buffer, by address; the
    /// buffer is held so that its address is not reused for another.
    seen: FxHashMap<(usize, usize), (FrameId, Bytes)>,
    /// The lessons already given, each once a run (as the text trace).
    taught: Vec<Lesson>,
}

impl Writer {
    pub fn new() -> Writer {
        Writer::default()
    }

    /// Event `index` (counted over the whole run) as one JSON object.
    pub fn event(&mut self, topo: &Topology, index: usize, e: &Event) -> Value {
        let (node, iface) = match e.place {
            Place::Node(n) => (Some(topo.node(n).name.clone()), None),
            Place::Iface(i) => {
                let f = topo.iface(i);
                (Some(topo.node(f.node).name.clone()), Some(f.name.clone()))
            }
            Place::Wire(_) => (None, None),
        };
        let mut o = Map::new();
        o.insert("index".into(), json!(index));
        o.insert("probe".into(), json!(e.probe.map(|p| p + 1)));
        o.insert("time_ns".into(), json!(e.time));
        o.insert("place".into(), json!(e.place.label(topo)));
        o.insert("node".into(), json!(node));
        o.insert("iface".into(), json!(iface));
        if let Place::Wire(w) = e.place {
            o.insert("wire".into(), json!(topo.wire(w).name));
        }
        o.insert("type".into(), json!(e.kind_name()));
        o.insert("cause".into(), json!(e.cause));
        o.insert("packet".into(), json!(e.packet));
        o.insert("cause_packet".into(), json!(e.cause_packet));
        self.fields(topo, e, &mut o);
        o.insert("summary".into(), json!(e.summary()));
        o.insert("explain".into(), json!(e.explain(topo)));
        // What a learner needs explained, the first time it shows up.
        let lesson = e.lesson(topo).filter(|l| !self.taught.contains(l));
        if let Some(l) = lesson {
            self.taught.push(l);
        }
        o.insert("lesson".into(), json!(lesson.map(Lesson::text)));
        Value::Object(o)
    }

    fn fields(&mut self, topo: &Topology, e: &Event, o: &mut Map<String, Value>) {
        let name = |i: IfaceId| topo.iface_label(i);
        let switch = |s: Switch| match s {
            Switch::Bridge(b) => json!({ "bridge": name(b) }),
            Switch::Wire(w) => json!({ "wire": topo.wire(w).name }),
        };
        let endpoint = |p: Endpoint| match p {
            Endpoint::Iface(i) => json!(name(i)),
            Endpoint::Switch(s) => json!(s.label(topo)),
        };
        let mut put = |k: &str, v: Value| {
            o.insert(k.into(), v);
        };
        match &e.kind {
            EventKind::ProbeStart {
                proto,
                dst,
                port,
                ttl,
                ..
            } => {
                put("proto", json!(proto));
                put("dst", json!(dst));
                put("port", json!(port));
                put("ttl", json!(ttl));
            }
            EventKind::FrameSent { frame, bytes } => {
                put("frame", json!(frame));
                let key = bytes.identity();
                match self.seen.get(&key) {
                    Some((first, _)) => put("same_bytes_as", json!(first)),
                    None => {
                        self.seen.insert(key, (*frame, bytes.clone()));
                        put("bytes", json!(hex(bytes)));
                    }
                }
            }
            EventKind::FrameReceived { frame, .. } => put("frame", json!(frame)),
            EventKind::Transmit {
                frame,
                from,
                to,
                link,
                depart,
                arrive,
            } => {
                put("frame", json!(frame));
                put("from", endpoint(*from));
                put("to", endpoint(*to));
                put("link", json!(link.label(topo)));
                put("link_kind", json!(link.kind_name()));
                put("depart_ns", json!(depart));
                put("arrive_ns", json!(arrive));
            }
            EventKind::Learn {
                switch: s,
                mac,
                port,
                moved_from,
            } => {
                put("switch", switch(*s));
                put("mac", json!(mac));
                put("port", json!(name(*port)));
                put("moved_from", json!(moved_from.map(name)));
            }
            EventKind::Forward {
                switch: s,
                mac,
                port,
            } => {
                put("switch", switch(*s));
                put("mac", json!(mac));
                put("port", json!(name(*port)));
            }
            EventKind::Flood {
                switch: s,
                why,
                in_port,
                ports,
                up,
            } => {
                put("switch", switch(*s));
                put("why", json!(why));
                put("in_port", json!(in_port.map(name)));
                put(
                    "ports",
                    json!(ports.iter().map(|&p| name(p)).collect::<Vec<_>>()),
                );
                put("up", json!(up));
            }
            EventKind::PassUp { bridge } => put("bridge", json!(name(*bridge))),
            EventKind::VxlanEncap {
                dev,
                fdb_mac,
                copies,
                remote,
                src_port,
                inner,
            } => {
                let vx = topo.iface(*dev).vxlan();
                let (vni, local, port) =
                    (vx.map(|v| v.vni), vx.map(|v| v.local), vx.map(|v| v.port));
                put("dev", json!(name(*dev)));
                put("vni", json!(vni));
                put("fdb_mac", json!(fdb_mac));
                put("copies", json!(copies));
                put("outer_src", json!(local));
                put("outer_dst", json!(remote));
                put("src_port", json!(src_port));
                put("port", json!(port));
                put("inner", json!(hex(inner)));
            }
            EventKind::VxlanDecap {
                dev,
                vni,
                from,
                to,
                src_port,
                port,
                inner,
            } => {
                put("dev", json!(name(*dev)));
                put("vni", json!(vni));
                put("outer_src", json!(from));
                put("outer_dst", json!(to));
                put("src_port", json!(src_port));
                put("port", json!(port));
                put("inner", json!(hex(inner)));
            }
            EventKind::VxlanLearn {
                dev,
                mac,
                dst,
                moved_from,
            } => {
                put("dev", json!(name(*dev)));
                put("mac", json!(mac));
                put("dst", json!(dst));
                put("moved_from", json!(moved_from));
            }
            EventKind::NeighHit { ip, mac } => {
                put("ip", json!(ip));
                put("mac", json!(mac));
            }
            EventKind::NeighMiss { ip, request } => {
                put("ip", json!(ip));
                put("request", json!(request));
            }
            EventKind::NeighProbe { ip, probe, to } => {
                put("ip", json!(ip));
                put("attempt", json!(probe));
                put("to", json!(to));
            }
            EventKind::NeighState { ip, from, to } => {
                put("ip", json!(ip));
                put("from", json!(from.as_str()));
                put("to", json!(to.as_str()));
            }
            EventKind::NeighLearn {
                ip,
                mac,
                state,
                from_request,
                released,
            } => {
                put("ip", json!(ip));
                put("mac", json!(mac));
                put("state", json!(state.as_str()));
                put("from_request", json!(from_request));
                put("released", json!(released));
            }
            EventKind::NeighFailed {
                ip,
                dropped,
                forwarded,
            } => {
                put("ip", json!(ip));
                put("dropped", json!(dropped));
                put("forwarded", json!(forwarded));
            }
            EventKind::ArpAnswer { ip } => put("ip", json!(ip)),
            EventKind::RouteLookup { dst, local, route } => {
                put("dst", json!(dst));
                put("local", json!(local));
                put(
                    "route",
                    json!(route.map(|r| json!({
                        "line": r.display(topo).to_string(),
                        "to": r.to,
                        "via": r.via,
                        "dev": topo.iface(r.dev).name,
                        "src": r.src,
                        "origin": r.origin,
                    }))),
                );
            }
            EventKind::Redirect { to, dst, gateway } => {
                put("to", json!(to));
                put("dst", json!(dst));
                put("gateway", json!(gateway));
            }
            EventKind::RouteRedirect {
                dst,
                gateway,
                outcome,
            } => {
                put("dst", json!(dst));
                put("gateway", json!(gateway));
                put("outcome", json!(outcome));
            }
            EventKind::Netfilter { step } => {
                put("hook", json!(step.hook));
                put("conn", json!(step.conn));
                put("dir", json!(step.dir));
                put("new_conn", json!(step.new_conn));
                put("related", json!(step.related));
                put("rule", json!(step.rules.flatten().map(|r| r + 1)));
                put("rules_evaluated", json!(step.rules.is_some()));
                put("translated", json!(step.translated));
            }
            EventKind::TtlDecrement { from, to } => {
                put("from", json!(from));
                put("to", json!(to));
            }
            EventKind::IcmpError { error, to } => {
                put("error", json!(error));
                put("to", json!(to));
            }
            EventKind::Deliver { delivery } => {
                put("delivery", json!(delivery));
                if let Delivery::ProbeAnswer { answer, .. } = delivery {
                    put("answer", json!(answer));
                }
            }
            EventKind::Drop { reason } => {
                put("reason", json!(reason));
                // The loop's ports by name, as the text trace gives them.
                if let super::DropReason::Storm { ports, .. } = reason {
                    let names: Vec<String> = ports.iter().map(|&p| topo.iface_label(p)).collect();
                    put("loop", json!(names));
                }
            }
            EventKind::ProbeEnd { result, .. } => put("result", json!(result)),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        s.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    s
}
