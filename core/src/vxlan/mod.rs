//! VXLAN tunnel endpoints (`drivers/net/vxlan`): a vxlan device carries
//! Ethernet frames between hosts inside UDP, so that containers of one
//! subnet can sit on several machines (the overlay network of the seed
//! article's third section).
//!
//! - Transmit (`vxlan_xmit`): the inner destination MAC is looked up in the
//!   device's own FDB ([`fdb`]); a learned entry gives one remote VTEP, the
//!   all-zero entry made from `remotes` gives every remote, one copy each
//!   (head-end replication); no entry drops the frame. Each copy gets an
//!   outer IPv4/UDP/VXLAN header (source `local`, TTL 64, DF clear, UDP
//!   source port from a hash of the inner flow, destination port `port`)
//!   and leaves through the host's own IPv4 output: OUTPUT hook, route
//!   lookup, POSTROUTING, ARP for the next hop. The lookup is not bound to
//!   `dev`: the kernel binds it to the interface of the FDB entry (`via`),
//!   which neither `bridge fdb append ... dst IP` nor learning sets
//!   (measured: a vxlan with `dev: eth1` whose remote is routed through
//!   eth0 sends through eth0, `tests/kernel/cases/vxlan-dev-is-not-the-route.yaml`).
//! - Receive (`vxlan_rcv`): a UDP packet to a local address whose port is a
//!   vxlan device's `port` goes to the device of that VNI before any
//!   socket; with none for that VNI it is dropped. The inner source MAC is
//!   learned behind the outer source address, then the inner frame is
//!   received on the vxlan device: by its bridge if it is enslaved, else by
//!   its own IP stack.
//!
//! The outer packet keeps the inner packet's `packet` id, so a probe's
//! journey reads through the tunnel; the trace shows `vxlan_encap` and
//! `vxlan_decap` with both headers.
//!
//! Read first: RFC 7348 (VXLAN).

pub mod fdb;

use core::net::Ipv4Addr;

use crate::ipv4::{Packet, DEFAULT_TTL};
use crate::model::{IfaceId, NodeId, Vxlan};
use crate::netfilter::{Hook, Verdict};
use crate::sim::Net;
use crate::trace::{DropReason, EventKind, Place};
use crate::wire::frame::{Bytes, Frame, Ipv4Packet, Udp, L4};
use crate::wire::vxlan::VxlanHeader;

use fdb::{Snooped, VxlanFdb};

/// The UDP source ports the kernel picks from by default (`srcport 0 0`:
/// the local port range, 32768 to 60999).
const SRC_PORT_MIN: u32 = 32768;
const SRC_PORT_MAX: u32 = 61000;

/// The outer UDP source port for `inner`, as `udp_flow_src_port` picks it:
/// a hash of the inner flow scaled into the port range, so that one flow
/// always takes one port. The kernel's hash has a random key; this one is
/// FNV-1a over the same fields (addresses, protocol and ports of an IPv4
/// packet; the MACs and EtherType of anything else), so runs repeat.
pub fn src_port(inner: &[u8]) -> u16 {
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    let ip = inner
        .get(14..)
        .filter(|_| inner.get(12..14) == Some(&[8, 0]));
    match ip.and_then(|ip| Some((ip, usize::from(ip.first()? & 0x0f) * 4))) {
        Some((ip, ihl)) if ip.len() >= 20 => {
            eat(&ip[12..20]);
            eat(&ip[9..10]);
            if matches!(ip[9], 6 | 17) {
                eat(ip.get(ihl..ihl + 4).unwrap_or_default());
            }
        }
        _ => eat(inner.get(..14).unwrap_or(inner)),
    }
    let h = h ^ (h << 16);
    let span = u64::from(SRC_PORT_MAX - SRC_PORT_MIN);
    ((u64::from(h) * span) >> 32) as u16 + SRC_PORT_MIN as u16
}

impl Net<'_> {
    #[inline]
    fn vxlan_fdb(&mut self, dev: IfaceId) -> &mut VxlanFdb {
        let topo = self.topo;
        self.st.vxlans.get_or_insert_with(dev.index(), || {
            VxlanFdb::with_remotes(topo.iface(dev).vxlan().map_or(&[], |v| &v.remotes))
        })
    }

    /// `vxlan_xmit`: a frame leaves vxlan device `dev`.
    pub(crate) fn vxlan_xmit(&mut self, dev: IfaceId, vx: &Vxlan, bytes: Bytes) {
        let place = Place::Iface(dev);
        let dst = match Frame::peek_macs(&bytes) {
            Ok((dst, _)) => dst,
            Err(e) => {
                self.drop_at(place, DropReason::Malformed(e.0));
                return;
            }
        };
        let now = self.st.now;
        let Some(hit) = self.vxlan_fdb(dev).lookup(dst, now) else {
            self.drop_at(place, DropReason::VxlanNoRemote);
            return;
        };
        let (fdb_mac, dsts) = (hit.mac(), hit.dsts());
        let copies = dsts.len() as u32;
        // The FDB is borrowed from the state that sending changes: copy the
        // destinations out, without an allocation for the usual single one.
        let (first, rest) = match dsts.split_first() {
            Some((f, r)) => (Some(*f), if r.is_empty() { Vec::new() } else { r.to_vec() }),
            None => (None, Vec::new()),
        };
        let remotes = first.into_iter().chain(rest);
        let src_port = src_port(&bytes);
        // The copies leave together, each caused by the same decision.
        let cx = self.st.cx;
        for remote in remotes {
            self.st.cx = cx;
            self.emit(
                place,
                EventKind::VxlanEncap {
                    dev,
                    fdb_mac,
                    copies,
                    remote,
                    src_port,
                    inner: bytes.clone(),
                },
            );
            self.vxlan_xmit_one(dev, vx, remote, src_port, &bytes);
        }
    }

    /// One copy: the outer headers, then the host's IPv4 output
    /// (`udp_tunnel_xmit_skb` → `ip_local_out`).
    fn vxlan_xmit_one(
        &mut self,
        dev: IfaceId,
        vx: &Vxlan,
        remote: Ipv4Addr,
        src_port: u16,
        inner: &[u8],
    ) {
        let node = self.topo.iface(dev).node;
        let ident = self.next_ident(node);
        let data = self.bytes_of(&[&VxlanHeader { vni: vx.vni }.to_bytes(), inner]);
        let view = Ipv4Packet {
            src: vx.local,
            dst: remote,
            ttl: DEFAULT_TTL,
            ident,
            dont_fragment: false,
            l4: L4::Udp(Udp {
                src_port,
                dst_port: vx.port,
                data,
            }),
        };
        let Verdict::Accept(p) = self.nf_hook(Hook::Output, node, None, Packet::new(view)) else {
            return;
        };
        let route = self.route_lookup(node, p.view.dst);
        self.emit(
            Place::Node(node),
            EventKind::RouteLookup {
                dst: p.view.dst,
                local: false,
                route,
            },
        );
        match route {
            Some(r) if r.dev == dev => {
                self.drop_at(Place::Iface(dev), DropReason::VxlanLoop(p.view.dst))
            }
            Some(r) => {
                self.ip_finish_output(node, &r, p, crate::neigh::Origin::Local { flow: None })
            }
            None => self.drop_at(Place::Iface(dev), DropReason::VxlanNoRoute(p.view.dst)),
        }
    }

    /// `udp_rcv` → the vxlan socket's `encap_rcv`: a UDP packet to a local
    /// address of `node`. `false` if no vxlan device of `node` listens on
    /// its port (its socket is bound to any address on that port), for the
    /// other sockets to take; else the device of its VNI receives the frame
    /// inside (or it is dropped, and said so).
    pub(crate) fn vxlan_rcv(&mut self, node: NodeId, outer: &Ipv4Packet, udp: &Udp) -> bool {
        let topo = self.topo;
        let header = VxlanHeader::parse(&udp.data);
        let vni = header.as_ref().ok().map(|(h, _)| h.vni);
        // One pass over the node's interfaces: is the port a vxlan one,
        // and which device has the packet's VNI.
        let (mut on_port, mut found) = (false, None);
        for &i in &topo.node(node).ifaces {
            if let Some(v) = topo.iface(i).vxlan().filter(|v| v.port == udp.dst_port) {
                on_port = true;
                if Some(v.vni) == vni {
                    found = Some(i);
                    break;
                }
            }
        }
        if !on_port {
            return false;
        }
        self.vxlan_decap(node, outer, udp, header, found);
        true
    }

    fn vxlan_decap(
        &mut self,
        node: NodeId,
        outer: &Ipv4Packet,
        udp: &Udp,
        header: Result<(VxlanHeader, &[u8]), crate::wire::frame::ParseError>,
        found: Option<IfaceId>,
    ) {
        let topo = self.topo;
        let here = Place::Node(node);
        let (h, inner) = match header {
            Ok(x) => x,
            Err(e) => {
                self.drop_at(here, DropReason::Malformed(e.0));
                return;
            }
        };
        let Some(dev) = found else {
            self.drop_at(
                here,
                DropReason::VxlanNoVni {
                    vni: h.vni.get(),
                    port: udp.dst_port,
                },
            );
            return;
        };
        let place = Place::Iface(dev);
        let src_mac = match Frame::peek_macs(inner) {
            Ok((_, src)) => src,
            Err(e) => {
                self.drop_at(place, DropReason::Malformed(e.0));
                return;
            }
        };
        // A frame from our own MAC has looped back (`vxlan_set_mac`).
        if src_mac == topo.iface(dev).mac {
            self.drop_at(place, DropReason::VxlanOwnSource(src_mac));
            return;
        }
        let now = self.st.now;
        let moved_from = match self.vxlan_fdb(dev).snoop(src_mac, outer.src, now) {
            Snooped::New => Some(None),
            Snooped::Moved { from } => Some(Some(from)),
            Snooped::Refreshed | Snooped::Ignored => None,
            Snooped::StaticElsewhere { dst } => {
                self.drop_at(
                    place,
                    DropReason::VxlanStaticEntry {
                        mac: src_mac,
                        dst,
                        from: outer.src,
                    },
                );
                return;
            }
        };
        if let Some(moved_from) = moved_from {
            self.note(
                place,
                EventKind::VxlanLearn {
                    dev,
                    mac: src_mac,
                    dst: outer.src,
                    moved_from,
                },
            );
        }
        // The inner frame is the rest of the outer one: shared, not copied.
        let inner = udp.data.slice(udp.data.len() - inner.len()..udp.data.len());
        self.emit(
            place,
            EventKind::VxlanDecap {
                dev,
                vni: h.vni,
                from: outer.src,
                to: outer.dst,
                src_port: udp.src_port,
                port: udp.dst_port,
                inner: inner.clone(),
            },
        );
        self.netif_deliver(dev, inner);
    }
}

/// The state a run keeps per vxlan device, found by the device's index
/// (made empty: a topology without VXLAN pays nothing for it).
pub(crate) type Fdbs = crate::sim::slots::Slots<VxlanFdb>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ports_stay_in_range_and_follow_the_flow() {
        let mut a = vec![0u8; 42];
        a[12..14].copy_from_slice(&[8, 0]);
        a[14] = 0x45;
        a[23] = 17;
        a[26..34].copy_from_slice(&[10, 0, 0, 2, 10, 0, 0, 3]);
        a[34..38].copy_from_slice(&[0x80, 0x00, 0, 53]);
        let p = src_port(&a);
        assert!((32768..61000).contains(&p), "{p}");
        // The MACs are not part of an IPv4 flow's hash; the ports are.
        let mut b = a.clone();
        b[0] = 0xaa;
        assert_eq!(src_port(&b), p);
        b[37] = 54;
        assert_ne!(src_port(&b), p);
        assert!((32768..61000).contains(&src_port(&[])));
    }
}
