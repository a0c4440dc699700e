//! What NAT changes in the bytes of an IPv4 packet: an address and a port
//! (or an ICMP echo id), with every checksum that covers them made right
//! again; for an ICMP error, the packet it quotes as well.
//!
//! Nothing here panics: a packet too short for a field is left as it is.

use core::net::Ipv4Addr;

use crate::wire::checksum::{fold, sum};

fn header_len(ip: &[u8]) -> Option<usize> {
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    (ihl >= 20 && ip.len() >= ihl).then_some(ihl)
}

/// The IPv4 header checksum, computed again.
fn fix_ip_checksum(ip: &mut [u8]) {
    if let Some(hl) = header_len(ip) {
        ip[10] = 0;
        ip[11] = 0;
        let c = fold(sum(&ip[..hl]));
        ip[10..12].copy_from_slice(&c.to_be_bytes());
    }
}

/// The TCP, UDP or ICMP checksum of the whole transport part, computed
/// again (a UDP checksum of 0 means none, and stays 0).
fn fix_l4_checksum(ip: &mut [u8]) {
    let Some(hl) = header_len(ip) else { return };
    let total = usize::from(u16::from_be_bytes([ip[2], ip[3]])).min(ip.len());
    if total < hl {
        return;
    }
    let proto = ip[9];
    let (src, dst) = (
        [ip[12], ip[13], ip[14], ip[15]],
        [ip[16], ip[17], ip[18], ip[19]],
    );
    let l4 = &mut ip[hl..total];
    let at = match proto {
        6 => 16,
        17 => 6,
        1 => 2,
        _ => return,
    };
    if l4.len() < at + 2 || (proto == 17 && l4[at] == 0 && l4[at + 1] == 0) {
        return;
    }
    l4[at] = 0;
    l4[at + 1] = 0;
    let mut s = sum(l4);
    if proto != 1 {
        s = s
            .wrapping_add(sum(&src))
            .wrapping_add(sum(&dst))
            .wrapping_add(u32::from(proto))
            .wrapping_add(l4.len() as u32);
    }
    let mut c = fold(s);
    if proto == 17 && c == 0 {
        c = 0xffff;
    }
    l4[at..at + 2].copy_from_slice(&c.to_be_bytes());
}

/// Sets the source (`src`) or destination address and port of `ip`; for
/// ICMP echo the port is the echo id. Checksums follow.
pub fn rewrite(ip: &mut [u8], src: bool, addr: Ipv4Addr, port: u16) {
    let Some(hl) = header_len(ip) else { return };
    let a = if src { 12 } else { 16 };
    ip[a..a + 4].copy_from_slice(&addr.octets());
    let proto = ip[9];
    let l4 = &mut ip[hl..];
    match proto {
        6 | 17 if l4.len() >= 4 => {
            let p = if src { 0 } else { 2 };
            l4[p..p + 2].copy_from_slice(&port.to_be_bytes());
        }
        // Echo request or reply: the id is at 4.
        1 if l4.len() >= 8 && (l4[0] == 8 || l4[0] == 0) => {
            l4[4..6].copy_from_slice(&port.to_be_bytes());
        }
        _ => {}
    }
    fix_ip_checksum(ip);
    fix_l4_checksum(ip);
}

/// An ICMP error about a translated flow: its own `src`- or destination
/// address becomes `addr`, and the packet it quotes gets the mirror change
/// (the quoted packet went the other way), its header checksum and the
/// quoted UDP checksum kept right, then the ICMP checksum.
pub fn rewrite_icmp_error(ip: &mut [u8], src: bool, addr: Ipv4Addr, port: u16) {
    let Some(hl) = header_len(ip) else { return };
    let a = if src { 12 } else { 16 };
    ip[a..a + 4].copy_from_slice(&addr.octets());
    fix_ip_checksum(ip);
    // The quoted packet starts after the 8-byte ICMP header.
    if let Some(inner) = ip.get_mut(hl + 8..) {
        if let Some(ihl) = header_len(inner) {
            // The error goes back towards the quoted packet's source, so a
            // change of the error's destination is a change of the quoted
            // packet's source, and the other way round.
            let ia = if src { 16 } else { 12 };
            let old: [u8; 4] = [inner[ia], inner[ia + 1], inner[ia + 2], inner[ia + 3]];
            inner[ia..ia + 4].copy_from_slice(&addr.octets());
            let proto = inner[9];
            let mut old_port = None;
            if let Some(l4) = inner.get_mut(ihl..ihl + 4) {
                if proto == 6 || proto == 17 {
                    let p = if src { 2 } else { 0 };
                    old_port = Some([l4[p], l4[p + 1]]);
                    l4[p..p + 2].copy_from_slice(&port.to_be_bytes());
                }
            }
            // The quoted UDP checksum covers the addresses and the port:
            // update it for what changed (RFC 1624), when it is quoted.
            if proto == 17 {
                if let Some(c) = inner.get(ihl + 6..ihl + 8).map(|c| [c[0], c[1]]) {
                    if c != [0, 0] {
                        let mut s = u32::from(!u16::from_be_bytes(c));
                        s = s.wrapping_add(u32::from(!u16::from_be_bytes([old[0], old[1]])));
                        s = s.wrapping_add(u32::from(!u16::from_be_bytes([old[2], old[3]])));
                        let n = addr.octets();
                        s = s.wrapping_add(u32::from(u16::from_be_bytes([n[0], n[1]])));
                        s = s.wrapping_add(u32::from(u16::from_be_bytes([n[2], n[3]])));
                        if let Some(op) = old_port {
                            s = s.wrapping_add(u32::from(!u16::from_be_bytes(op)));
                            s = s.wrapping_add(u32::from(port));
                        }
                        let c = fold(s);
                        inner[ihl + 6..ihl + 8].copy_from_slice(&c.to_be_bytes());
                    }
                }
            }
            fix_ip_checksum(inner);
        }
    }
    fix_l4_checksum(ip);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::frame::{DestUnreachableHeader, Icmp, Ipv4Packet, Udp, L4};

    #[test]
    fn a_rewritten_packet_parses_with_right_checksums() {
        let p = Ipv4Packet {
            src: Ipv4Addr::new(172, 17, 0, 2),
            dst: Ipv4Addr::new(203, 0, 113, 7),
            ttl: 63,
            ident: 5,
            dont_fragment: true,
            l4: L4::Udp(Udp {
                src_port: 33000,
                dst_port: 9,
                data: b"netsim".to_vec().into(),
            }),
        };
        let mut b = p.emit();
        rewrite(&mut b, true, Ipv4Addr::new(192, 168, 1, 10), 40000);
        let q = Ipv4Packet::parse(&b).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.src, Ipv4Addr::new(192, 168, 1, 10));
        let L4::Udp(u) = &q.l4 else { unreachable!() };
        assert_eq!(u.src_port, 40000);
        // The UDP checksum is what a fresh build gives.
        let fresh = Ipv4Packet {
            src: q.src,
            l4: L4::Udp(Udp {
                src_port: 40000,
                dst_port: 9,
                data: b"netsim".to_vec().into(),
            }),
            ..p.clone()
        }
        .emit();
        assert_eq!(b, fresh);
        // The port unreachable that comes back, translated back.
        let err = Ipv4Packet {
            src: Ipv4Addr::new(203, 0, 113, 7),
            dst: Ipv4Addr::new(192, 168, 1, 10),
            ttl: 64,
            ident: 9,
            dont_fragment: false,
            l4: L4::Icmp(Icmp::DestUnreachable {
                code: DestUnreachableHeader::Port,
                original: crate::wire::frame::quote_bytes(&b).into(),
            }),
        };
        let mut e = err.emit();
        rewrite_icmp_error(&mut e, false, Ipv4Addr::new(172, 17, 0, 2), 33000);
        let back = Ipv4Packet::parse(&e).unwrap_or_else(|x| panic!("{x}"));
        assert_eq!(back.dst, Ipv4Addr::new(172, 17, 0, 2));
        let L4::Icmp(Icmp::DestUnreachable { original, .. }) = &back.l4 else {
            unreachable!()
        };
        let quoted = crate::wire::frame::Quoted::parse(original).unwrap_or_else(|x| panic!("{x}"));
        assert_eq!(
            (quoted.src, quoted.first),
            (Ipv4Addr::new(172, 17, 0, 2), 33000)
        );
        // The quoted header's checksum is right, and so is the quoted UDP
        // checksum: the original packet's first 28 bytes, exactly.
        assert_eq!(
            &original[..],
            &crate::wire::frame::quote_bytes(&p.emit())[..]
        );
    }
}
