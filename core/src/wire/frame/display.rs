//! Frames as one line in the style of `tcpdump -e -n -v`.

use core::fmt::{self, Write as _};

use super::{unreach_name, ArpOp, Frame, Icmp, Ipv4Packet, Payload, Quoted, L4};

/// One line in the style of `tcpdump -e -n -v`, e.g.
/// `02:42:ac:11:00:03 > ff:ff:ff:ff:ff:ff, ARP, Request who-has 172.17.0.2 tell 172.17.0.3`.
pub fn summary(bytes: &[u8]) -> String {
    match Frame::parse(bytes) {
        Ok(f) => f.to_string(),
        Err(e) => format!("{} bytes: {e}", bytes.len()),
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} > {}, ", self.src, self.dst)?;
        match &self.payload {
            Payload::Arp(a) => match a.op {
                ArpOp::Request => write!(
                    f,
                    "ARP, Request who-has {} tell {}",
                    a.target_ip, a.sender_ip
                ),
                ArpOp::Reply => write!(f, "ARP, Reply {} is-at {}", a.sender_ip, a.sender_mac),
                ArpOp::Other(v) => write!(f, "ARP, op {v}"),
            },
            Payload::Ipv4(p) => write!(f, "IPv4, {p}"),
            Payload::Other { ethertype, len } => {
                write!(f, "ethertype 0x{ethertype:04x}, length {len}")
            }
        }
    }
}

impl fmt::Display for Ipv4Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        match &self.l4 {
            L4::Icmp(i) => {
                let _ = write!(s, "{} > {}: ICMP ", self.src, self.dst);
                match i {
                    Icmp::EchoRequest { id, seq, .. } => {
                        let _ = write!(s, "echo request, id {id}, seq {seq}");
                    }
                    Icmp::EchoReply { id, seq, .. } => {
                        let _ = write!(s, "echo reply, id {id}, seq {seq}");
                    }
                    Icmp::DestUnreachable { code, original } => {
                        let what = unreach_name(code);
                        let _ = match Quoted::parse(original) {
                            Ok(q) => write!(s, "{} {what} unreachable", q.dst),
                            Err(_) => write!(s, "{what} unreachable"),
                        };
                    }
                    Icmp::TimeExceeded { .. } => s.push_str("time exceeded in-transit"),
                    Icmp::Redirect {
                        gateway, original, ..
                    } => {
                        let _ = match Quoted::parse(original) {
                            Ok(q) => write!(s, "redirect {} to host {gateway}", q.dst),
                            Err(_) => write!(s, "redirect to host {gateway}"),
                        };
                    }
                    Icmp::Other { icmp_type, code } => {
                        let _ = write!(s, "type {icmp_type} code {code}");
                    }
                }
            }
            L4::Tcp(t) => {
                let mut flags = String::new();
                for (on, c) in [
                    (t.flags.syn, 'S'),
                    (t.flags.fin, 'F'),
                    (t.flags.rst, 'R'),
                    (t.flags.ack, '.'),
                ] {
                    if on {
                        flags.push(c);
                    }
                }
                let _ = write!(
                    s,
                    "{}.{} > {}.{}: Flags [{flags}], seq {}",
                    self.src, t.src_port, self.dst, t.dst_port, t.seq
                );
                if t.flags.ack {
                    let _ = write!(s, ", ack {}", t.ack);
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
        write!(f, "{s}, ttl {}", self.ttl)
    }
}
