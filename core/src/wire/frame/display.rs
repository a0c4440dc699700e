//! Frames as one line, exactly as `tcpdump -e -n -S` prints them (checked by
//! `tests/tcpdump.rs`, which has the real tcpdump read netsim's frames).
//!
//! One exception, on purpose: a UDP datagram is always `UDP, length N`,
//! which tcpdump prints only for ports it does not decode (it reads port 53
//! as DNS, for instance, and netsim's datagrams carry no DNS).

use core::fmt::{self, Write as _};

use crate::wire::vxlan::DEFAULT_PORT as VXLAN_PORT;

use super::{ArpOp, DestUnreachableHeader, Frame, Icmp, Ipv4Packet, Payload, Quoted, L4};

/// One line in the style of `tcpdump -e -n -S`, e.g. `02:42:ac:11:00:03 >
/// ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has
/// 172.17.0.2 tell 172.17.0.3, length 28`.
pub fn summary(bytes: &[u8]) -> String {
    match Frame::parse(bytes) {
        Ok(f) => line(&f, bytes.len()),
        Err(e) => format!("{} bytes: {e}", bytes.len()),
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&line(self, self.emit().len()))
    }
}

/// The line of a frame of `len` bytes (its length on the wire, padding
/// included).
fn line(fr: &Frame, len: usize) -> String {
    let mut s = format!("{} > {}, ", fr.src, fr.dst);
    let ethertype = fr.ethertype();
    match &fr.payload {
        Payload::Arp(a) => {
            let _ = write!(s, "ethertype ARP (0x0806), length {len}: ");
            let _ = match a.op {
                ArpOp::Request => write!(s, "Request who-has {} tell {}", a.target_ip, a.sender_ip),
                ArpOp::Reply => write!(s, "Reply {} is-at {}", a.sender_ip, a.sender_mac),
                ArpOp::Other(v) => write!(s, "Unknown ({v})"),
            };
            // What follows the Ethernet header: the ARP packet and any
            // padding.
            let _ = write!(s, ", length {}", len.saturating_sub(14));
        }
        Payload::Ipv4(p) => {
            let _ = write!(s, "ethertype IPv4 (0x0800), length {len}: {p}");
        }
        Payload::Other { .. } => {
            let _ = write!(s, "ethertype Unknown (0x{ethertype:04x}), length {len}: ");
        }
    }
    s
}

/// tcpdump's words for an ICMP destination unreachable (`print-icmp.c`),
/// from the packet it quotes.
fn unreachable(code: &DestUnreachableHeader, q: &Quoted) -> String {
    use DestUnreachableHeader as U;
    match code {
        U::Network => format!("net {} unreachable", q.dst),
        U::Host => format!("host {} unreachable", q.dst),
        U::Protocol => format!("{} protocol {} unreachable", q.dst, q.proto),
        U::Port => {
            let proto = match q.proto {
                6 => "tcp".to_string(),
                17 => "udp".to_string(),
                p => format!("#{p}"),
            };
            format!("{} {proto} port {} unreachable", q.dst, q.second)
        }
        other => format!("{} unreachable ({})", q.dst, super::unreach_name(other)),
    }
}

impl fmt::Display for Ipv4Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        match &self.l4 {
            L4::Icmp(i) => {
                let _ = write!(s, "{} > {}: ICMP ", self.src, self.dst);
                let len = match i {
                    Icmp::EchoRequest { id, seq, data } => {
                        let _ = write!(s, "echo request, id {id}, seq {seq}");
                        8 + data.len()
                    }
                    Icmp::EchoReply { id, seq, data } => {
                        let _ = write!(s, "echo reply, id {id}, seq {seq}");
                        8 + data.len()
                    }
                    Icmp::DestUnreachable { code, original } => {
                        match Quoted::parse(original) {
                            Ok(q) => s.push_str(&unreachable(code, &q)),
                            Err(_) => {
                                let _ = write!(s, "{} unreachable", super::unreach_name(code));
                            }
                        }
                        8 + original.len()
                    }
                    Icmp::TimeExceeded { original, .. } => {
                        s.push_str("time exceeded in-transit");
                        8 + original.len()
                    }
                    Icmp::Redirect {
                        gateway, original, ..
                    } => {
                        let _ = match Quoted::parse(original) {
                            Ok(q) => write!(s, "redirect {} to host {gateway}", q.dst),
                            Err(_) => write!(s, "redirect to host {gateway}"),
                        };
                        8 + original.len()
                    }
                    Icmp::Other { icmp_type, code } => {
                        let _ = write!(s, "type-#{icmp_type}, code {code}");
                        8
                    }
                };
                let _ = write!(s, ", length {len}");
            }
            L4::Tcp(t) => {
                // print-tcp.c: flags in this order, ACK as '.'.
                let mut flags = String::new();
                for (on, c) in [
                    (t.flags.fin, 'F'),
                    (t.flags.syn, 'S'),
                    (t.flags.rst, 'R'),
                    (t.flags.ack, '.'),
                ] {
                    if on {
                        flags.push(c);
                    }
                }
                if flags.is_empty() {
                    flags.push_str("none");
                }
                let _ = write!(
                    s,
                    "{}.{} > {}.{}: Flags [{flags}]",
                    self.src, t.src_port, self.dst, t.dst_port
                );
                // No segment of netsim's carries data: the sequence number
                // shows only on SYN, FIN and RST, as tcpdump shows it.
                if t.flags.syn || t.flags.fin || t.flags.rst {
                    let _ = write!(s, ", seq {}", t.seq);
                }
                if t.flags.ack {
                    let _ = write!(s, ", ack {}", t.ack);
                }
                let _ = write!(s, ", win {}, length 0", t.window);
            }
            L4::Udp(u) if u.src_port == VXLAN_PORT || u.dst_port == VXLAN_PORT => {
                // tcpdump decodes port 4789 as VXLAN, then the inner frame
                // on a line of its own: here after a colon, on this line.
                let _ = write!(
                    s,
                    "{}.{} > {}.{}: ",
                    self.src, u.src_port, self.dst, u.dst_port
                );
                match crate::wire::vxlan::VxlanHeader::parse(&u.data) {
                    Ok((h, inner)) => {
                        let _ = write!(
                            s,
                            "VXLAN, flags [I] (0x08), vni {}: {}",
                            h.vni,
                            super::display::summary(inner)
                        );
                    }
                    Err(_) => {
                        let _ = write!(s, "UDP, length {}", u.data.len());
                    }
                }
            }
            L4::Udp(u) => {
                let _ = write!(
                    s,
                    "{}.{} > {}.{}: UDP, length {}",
                    self.src,
                    u.src_port,
                    self.dst,
                    u.dst_port,
                    u.data.len()
                );
            }
            L4::Other { proto, payload } => {
                let _ = write!(
                    s,
                    "{} > {}: ip-proto-{proto} {}",
                    self.src,
                    self.dst,
                    payload.len()
                );
            }
        }
        f.write_str(&s)
    }
}
