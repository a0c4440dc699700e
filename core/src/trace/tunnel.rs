//! The words of VXLAN events: what a learner reads when a frame enters or
//! leaves the overlay, in the terms `bridge fdb` and `ip -d link` use.

use super::words::describe_frame;
use super::EventKind;
use crate::model::Topology;
use crate::wire::MacAddr;

/// The line of a `vxlan_encap`, `vxlan_decap` or `vxlan_learn` event.
pub(super) fn explain(topo: &Topology, kind: &EventKind) -> Option<String> {
    Some(match kind {
        EventKind::VxlanEncap {
            dev,
            fdb_mac,
            copies,
            remote,
            src_port,
            inner,
        } => {
            let name = &topo.iface(*dev).name;
            let vx = topo.iface(*dev).vxlan()?;
            let (vni, local, port) = (vx.vni, vx.local, vx.port);
            let why = if *fdb_mac == MacAddr::ZERO {
                let n = if *copies == 1 {
                    "its only remote".to_string()
                } else {
                    format!("each of its {copies} remotes, one copy each (head-end replication)")
                };
                format!(
                    "fdb: 00:00:00:00:00:00 dst {remote}, the default entry that `remotes` made: a broadcast or unknown destination goes to {n}"
                )
            } else {
                format!("fdb: {fdb_mac} dst {remote}")
            };
            format!(
                "{name}: encapsulate for VNI {vni} to {remote}:{port} ({why}): {}, wrapped in outer IPv4 {local} > {remote}, UDP {src_port} > {port} (source port from a hash of the inner flow) and VXLAN VNI {vni}; the host routes the outer packet like any other",
                describe_frame(inner)
            )
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
            let i = topo.iface(*dev);
            let then = match i.master {
                Some(b) => format!(
                    "as if it came in on {}, a port of bridge {}",
                    i.name,
                    topo.iface(b).name
                ),
                None => format!("as if it came in on {}", i.name),
            };
            format!(
                "{}: decapsulate the VXLAN packet {from}:{src_port} > {to}:{port}, VNI {vni}: UDP port {port} belongs to the vxlan device of that VNI; the outer headers are stripped and {} is received {then}",
                i.name,
                describe_frame(inner)
            )
        }
        EventKind::VxlanLearn {
            dev,
            mac,
            dst,
            moved_from,
        } => {
            let name = &topo.iface(*dev).name;
            match moved_from {
                None => format!(
                    "{name} learns that {mac} is behind the VTEP {dst} (`bridge fdb`: {mac} dev {name} dst {dst} self): frames to it will be sent there only"
                ),
                Some(old) => format!(
                    "{name} now sees {mac} behind the VTEP {dst} (it was behind {old}): the FDB entry moves"
                ),
            }
        }
        _ => return None,
    })
}
