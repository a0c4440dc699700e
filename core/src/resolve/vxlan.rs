//! The rules of a vxlan interface that need the whole node: its `dev` has
//! an address to send from, `local` is one of the node's addresses, no
//! remote is the node itself, no listener takes its port, and no two vxlan
//! devices of a node share a VNI on one port (the kernel refuses the second: "A VXLAN device with the
//! specified VNI already exists").

use super::drafts::{Drafts, Local, VxlanDraft};
use super::Cx;
use crate::model::L4Proto;

/// Reports every broken rule of the vxlan draft `v`, interface `fi` of
/// node `ni`.
pub(super) fn check(cx: &mut Cx<'_>, d: &Drafts<'_>, ni: usize, fi: usize, v: &VxlanDraft<'_>) {
    let Some(n) = d.nodes.get(ni) else { return };
    let path = d.iface_path(ni, fi);
    let name = n.ifaces.get(fi).map_or("?", |f| f.name);
    // Every address of the node but lo's, with its interface.
    let own: Vec<(core::net::Ipv4Addr, &str)> = n
        .ifaces
        .iter()
        .flat_map(|f| f.addresses.iter().map(move |a| (a.addr(), f.name)))
        .collect();
    let is_own = |a: core::net::Ipv4Addr| a.is_loopback() || own.iter().any(|o| o.0 == a);
    let dev = v
        .dev
        .and_then(|(dn, pos)| Some((d.local(ni, dn)?, dn, pos)))
        .filter(|(l, _, _)| *l != Local::If(fi));
    if let Some((l, dn, pos)) = dev {
        if d.local_addresses(ni, l).is_empty() {
            cx.err(
                pos,
                format!("{path}.dev"),
                format!("the underlay `{dn}` of vxlan `{name}` has no address, so its VXLAN packets have no source to leave from"),
                Some(format!(
                    "give `{dn}` the node's address on the underlay network (e.g. `addresses: [192.168.1.11/24]`) and use it as `local`, or name as `dev` the interface that has it"
                )),
            );
        }
    }
    // The address to suggest: the underlay's first, else the node's.
    let suggest = dev
        .and_then(|(l, dn, _)| d.local_addresses(ni, l).first().map(|a| (a.addr(), dn)))
        .or_else(|| own.first().copied())
        .map(|(a, i)| format!("{a} ({i}'s)"));
    if let Some((local, pos)) = v.local {
        if !is_own(local) {
            let help = match &suggest {
                Some(s) => format!("`local` is the outer source address, one of this node's own: write {s}"),
                None => "`local` is the outer source address, one of this node's own: give the underlay interface an address and write it here".into(),
            };
            cx.err(
                pos,
                format!("{path}.local"),
                format!("`{local}` is not an address of node `{}`", n.name),
                Some(help),
            );
        }
    }
    for (k, &(remote, pos)) in v.remotes.iter().enumerate() {
        if is_own(remote) {
            cx.err(
                pos,
                format!("{path}.remotes[{k}]"),
                format!("`{remote}` is an address of node `{}` itself: a VTEP does not send to itself", n.name),
                Some("list the `local` addresses of the other hosts' vxlan devices, and remove this one".into()),
            );
        }
    }
    // The vxlan's socket holds its port on every address (measured: a
    // listener on it then fails with EADDRINUSE).
    if n.listen
        .iter()
        .any(|l| l.proto == L4Proto::Udp && l.port == v.port)
    {
        cx.err(
            n.listen_pos,
            format!("nodes.{}.listen", n.name),
            format!(
                "`udp/{}` is the port of vxlan `{name}` on this node: its socket holds the port, and a listener cannot have it too (EADDRINUSE)",
                v.port
            ),
            Some(format!("remove `udp/{}` from `listen`, or give `{name}` another `port`", v.port)),
        );
    }
    if let Some((vni, pos)) = v.vni {
        let first = n.ifaces[..fi.min(n.ifaces.len())].iter().find(|f| {
            f.vxlan
                .as_ref()
                .is_some_and(|o| o.port == v.port && o.vni.is_some_and(|x| x.0 == vni))
        });
        if let Some(f) = first {
            let line = f.vxlan.as_ref().and_then(|o| o.vni).map_or(0, |x| x.1.line);
            cx.err(
                pos,
                format!("{path}.vni"),
                format!(
                    "VNI {vni} on UDP port {} is already vxlan `{}`'s, on line {line} (the kernel refuses a second: \"A VXLAN device with the specified VNI already exists\")",
                    v.port, f.name
                ),
                Some(format!(
                    "one vxlan device per VNI and port on a node: give `{name}` another `vni`, or another `port`"
                )),
            );
        }
    }
}
