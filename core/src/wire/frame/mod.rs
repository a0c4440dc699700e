//! Ethernet II frames carrying ARP or IPv4 (ICMP, TCP, UDP): plain values
//! ([`Frame`], [`Ipv4Packet`], ...) that are built into bytes with
//! [`Frame::emit`] and read back with [`Frame::parse`], both through
//! etherparse.
//!
//! Read first: RFC 894 (IPv4 over Ethernet), RFC 826 (ARP), RFC 791 (IPv4),
//! RFC 792 (ICMP), RFC 768 (UDP), RFC 9293 (TCP).
//!
//! Nothing here panics: parsing checks every length and returns
//! [`ParseError`] for anything it cannot read, which the data path turns
//! into a drop with that reason.

use core::fmt;
use core::net::Ipv4Addr;

use crate::wire::checksum::{fold, sum};
pub use etherparse::icmpv4::{DestUnreachableHeader, RedirectCode, TimeExceededCode};
use etherparse::{
    ArpEthIpv4Packet, ArpOperation, EtherType, Ethernet2Header, IcmpEchoHeader, Icmpv4Header,
    Icmpv4Type, IpNumber, Ipv4Header, TcpHeader, UdpHeader,
};

use super::MacAddr;

pub use crate::wire::bytes::Bytes;

/// Why bytes could not be read as a frame, naming the layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn perr(layer: &str, e: impl fmt::Display) -> ParseError {
    ParseError(format!("malformed {layer}: {e}"))
}

/// An Ethernet II frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub dst: MacAddr,
    pub src: MacAddr,
    pub payload: Payload,
}

/// What an Ethernet frame carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Arp(Arp),
    Ipv4(Ipv4Packet),
    /// Any other EtherType: carried by switches, dropped by IP stacks.
    Other {
        ethertype: u16,
        len: usize,
    },
}

/// An Ethernet/IPv4 ARP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arp {
    pub op: ArpOp,
    pub sender_mac: MacAddr,
    pub sender_ip: Ipv4Addr,
    pub target_mac: MacAddr,
    pub target_ip: Ipv4Addr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArpOp {
    Request,
    Reply,
    Other(u16),
}

/// An IPv4 packet. Options are not kept (none of ours has any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Packet {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    pub ident: u16,
    pub dont_fragment: bool,
    pub l4: L4,
}

/// The transport part of an IPv4 packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum L4 {
    Icmp(Icmp),
    Tcp(Tcp),
    Udp(Udp),
    /// Another protocol, or a fragment: carried, never answered.
    Other {
        proto: u8,
        payload: Bytes,
    },
}

/// The ICMP messages the data path makes or reacts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Icmp {
    EchoRequest {
        id: u16,
        seq: u16,
        data: Bytes,
    },
    EchoReply {
        id: u16,
        seq: u16,
        data: Bytes,
    },
    /// Type 3 with its code; `original` is the offending packet's IP
    /// header and at least 8 bytes of what followed.
    DestUnreachable {
        code: DestUnreachableHeader,
        original: Bytes,
    },
    /// Type 11 (code 0: TTL exceeded in transit).
    TimeExceeded {
        code: TimeExceededCode,
        original: Bytes,
    },
    /// Type 5: use `gateway` for the quoted packet's destination.
    Redirect {
        code: RedirectCode,
        gateway: Ipv4Addr,
        original: Bytes,
    },
    Other {
        icmp_type: u8,
        code: u8,
    },
}

/// The words `tcpdump` and `ping` use for a destination unreachable code.
pub fn unreach_name(code: &DestUnreachableHeader) -> &'static str {
    use DestUnreachableHeader as U;
    match code {
        U::Network => "net",
        U::Host => "host",
        U::Protocol => "protocol",
        U::Port => "port",
        U::FragmentationNeeded { .. } => "fragmentation needed",
        U::SourceRouteFailed => "source route failed",
        U::NetworkUnknown => "net unknown",
        U::HostUnknown => "host unknown",
        U::Isolated => "source host isolated",
        U::NetworkProhibited => "net prohibited",
        U::HostProhibited => "host prohibited",
        U::TosNetwork => "net for TOS",
        U::TosHost => "host for TOS",
        U::FilterProhibited => "administratively prohibited",
        U::HostPrecedenceViolation => "host precedence violation",
        U::PrecedenceCutoff => "precedence cutoff",
    }
}

/// The TCP flags the data path looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpFlags {
    pub syn: bool,
    pub ack: bool,
    pub rst: bool,
    pub fin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tcp {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Udp {
    pub src_port: u16,
    pub dst_port: u16,
    pub data: Bytes,
}

/// The addresses and ports of a packet quoted inside an ICMP error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quoted {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub proto: u8,
    pub ident: u16,
    /// TCP/UDP ports, or the ICMP echo id and sequence.
    pub first: u16,
    pub second: u16,
}

impl Ipv4Packet {
    pub fn proto_number(&self) -> u8 {
        match &self.l4 {
            L4::Icmp(_) => 1,
            L4::Tcp(_) => 6,
            L4::Udp(_) => 17,
            L4::Other { proto, .. } => *proto,
        }
    }

    /// The IPv4 header and transport bytes, without Ethernet.
    pub fn emit(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(20 + 8 + self.payload_len());
        self.emit_into(&mut out);
        out
    }

    /// The transport bytes after the transport header.
    fn payload(&self) -> &[u8] {
        match &self.l4 {
            L4::Icmp(
                Icmp::EchoRequest { data, .. }
                | Icmp::EchoReply { data, .. }
                | Icmp::DestUnreachable { original: data, .. }
                | Icmp::TimeExceeded { original: data, .. }
                | Icmp::Redirect { original: data, .. },
            ) => data,
            L4::Icmp(Icmp::Other { .. }) | L4::Tcp(_) => &[],
            L4::Udp(u) => &u.data,
            L4::Other { payload, .. } => payload,
        }
    }

    fn payload_len(&self) -> usize {
        self.payload().len()
    }

    /// Appends the IPv4 header and transport bytes to `out`, with no
    /// buffer in between.
    pub fn emit_into(&self, out: &mut Vec<u8>) {
        let data = self.payload();
        // The transport header (at most 60 bytes, TCP with options).
        let mut buf = [0u8; 60];
        let mut len = 0;
        let mut put = |bytes: &[u8]| {
            let n = bytes.len().min(buf.len() - len);
            buf[len..len + n].copy_from_slice(&bytes[..n]);
            len += n;
        };
        match &self.l4 {
            L4::Icmp(icmp) => {
                let ty = match icmp {
                    Icmp::EchoRequest { id, seq, .. } => {
                        Icmpv4Type::EchoRequest(IcmpEchoHeader { id: *id, seq: *seq })
                    }
                    Icmp::EchoReply { id, seq, .. } => {
                        Icmpv4Type::EchoReply(IcmpEchoHeader { id: *id, seq: *seq })
                    }
                    Icmp::DestUnreachable { code, .. } => {
                        Icmpv4Type::DestinationUnreachable(code.clone())
                    }
                    Icmp::TimeExceeded { code, .. } => Icmpv4Type::TimeExceeded(*code),
                    Icmp::Redirect { code, gateway, .. } => {
                        Icmpv4Type::Redirect(etherparse::icmpv4::RedirectHeader {
                            code: *code,
                            gateway_internet_address: gateway.octets(),
                        })
                    }
                    Icmp::Other { icmp_type, code } => Icmpv4Type::Unknown {
                        type_u8: *icmp_type,
                        code_u8: *code,
                        bytes5to8: [0; 4],
                    },
                };
                let mut h = Icmpv4Header::new(ty).to_bytes();
                // The checksum covers the ICMP header (8 bytes: an even
                // length, so the two sums add) and the data.
                let c = fold(sum(&h).wrapping_add(sum(data)));
                if let Some(at) = h.get_mut(2..4) {
                    at.copy_from_slice(&c.to_be_bytes());
                }
                put(&h);
            }
            L4::Tcp(t) => {
                let mut h = TcpHeader::new(t.src_port, t.dst_port, t.seq, t.window);
                h.acknowledgment_number = t.ack;
                h.syn = t.flags.syn;
                h.ack = t.flags.ack;
                h.rst = t.flags.rst;
                h.fin = t.flags.fin;
                h.checksum = h
                    .calc_checksum_ipv4_raw(self.src.octets(), self.dst.octets(), &[])
                    .unwrap_or(0);
                put(&h.to_bytes());
            }
            L4::Udp(u) => {
                let h = UdpHeader::with_ipv4_checksum(
                    u.src_port,
                    u.dst_port,
                    &ipv4_header(self, 8 + u.data.len()),
                    &u.data,
                )
                .unwrap_or(UdpHeader {
                    source_port: u.src_port,
                    destination_port: u.dst_port,
                    length: 0,
                    checksum: 0,
                });
                put(&h.to_bytes());
            }
            L4::Other { .. } => {}
        }
        let head = &buf[..len];
        out.reserve(20 + head.len() + data.len());
        out.extend_from_slice(&self.header_bytes(head.len() + data.len()));
        out.extend_from_slice(head);
        out.extend_from_slice(data);
    }

    /// The 20-byte header of a packet made here (no options, DSCP and ECN
    /// 0) before `payload_len` bytes, its checksum computed.
    fn header_bytes(&self, payload_len: usize) -> [u8; 20] {
        let total = u16::try_from(20 + payload_len).unwrap_or(u16::MAX);
        let [l0, l1] = total.to_be_bytes();
        let [i0, i1] = self.ident.to_be_bytes();
        let [s0, s1, s2, s3] = self.src.octets();
        let [d0, d1, d2, d3] = self.dst.octets();
        let df = if self.dont_fragment { 0x40 } else { 0 };
        let mut h = [
            0x45,
            0,
            l0,
            l1,
            i0,
            i1,
            df,
            0,
            self.ttl,
            self.proto_number(),
            0,
            0,
            s0,
            s1,
            s2,
            s3,
            d0,
            d1,
            d2,
            d3,
        ];
        let [c0, c1] = fold(sum(&h)).to_be_bytes();
        h[10] = c0;
        h[11] = c1;
        h
    }

    /// What an ICMP error about this packet quotes: its header and the
    /// first 8 bytes of its payload (RFC 792).
    pub fn quote(&self) -> Vec<u8> {
        let mut bytes = self.emit();
        bytes.truncate(20 + 8);
        bytes
    }
}

/// The IPv4 bytes inside a frame that [`Frame::parse`] read as IPv4:
/// exactly its total length, without the Ethernet header or padding.
pub fn ipv4_slice(frame: &[u8]) -> Option<&[u8]> {
    let ip = frame.get(ETH_LEN..)?;
    let total = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
    ip.get(..total)
}

/// What `ip_forward` changes in the bytes of a packet: the TTL, one less,
/// and the header checksum (RFC 1624's incremental update gives the same
/// result as recomputing it). Returns `false`, changing nothing, when the
/// bytes are not an IPv4 header or the TTL is already 0.
pub fn decrement_ttl(ip: &mut [u8]) -> bool {
    let Some(&first) = ip.first() else {
        return false;
    };
    let ihl = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || ihl < 20 || ip.len() < ihl || ip[8] == 0 {
        return false;
    }
    ip[8] -= 1;
    ip[10] = 0;
    ip[11] = 0;
    let sum = ip[..ihl]
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum::<u32>();
    let folded = (sum & 0xffff) + (sum >> 16);
    let folded = (folded & 0xffff) + (folded >> 16);
    let check = !(folded as u16);
    ip[10..12].copy_from_slice(&check.to_be_bytes());
    true
}

/// What an ICMP error quotes of a packet (RFC 792, RFC 1812 4.3.2.3): its
/// IP header, options included, and the first 8 bytes of its payload.
pub fn quote_bytes(ip: &[u8]) -> Vec<u8> {
    let ihl = ip.first().map_or(20, |b| usize::from(b & 0x0f) * 4);
    ip[..ip.len().min(ihl + 8)].to_vec()
}

fn ipv4_header(p: &Ipv4Packet, payload_len: usize) -> Ipv4Header {
    let mut h = Ipv4Header::new(
        u16::try_from(payload_len)
            .unwrap_or(u16::MAX - 20)
            .min(u16::MAX - 20),
        p.ttl,
        IpNumber(p.proto_number()),
        p.src.octets(),
        p.dst.octets(),
    )
    .unwrap_or_default();
    h.identification = p.ident;
    h.dont_fragment = p.dont_fragment;
    h
}

const ETH_LEN: usize = 14;

impl Frame {
    pub fn ethertype(&self) -> u16 {
        match &self.payload {
            Payload::Arp(_) => EtherType::ARP.0,
            Payload::Ipv4(_) => EtherType::IPV4.0,
            Payload::Other { ethertype, .. } => *ethertype,
        }
    }

    /// The frame's bytes, unpadded, as the kernel hands them to a device.
    /// Ethernet's 60-byte minimum is a NIC's business (it pads in hardware,
    /// after every capture point); veths and bridges never pad, so an ARP
    /// request is 42 bytes, as `tcpdump -e` shows it on both ends of a
    /// veth.
    pub fn emit(&self) -> Bytes {
        let mut out = Vec::with_capacity(128);
        let eth = Ethernet2Header {
            destination: self.dst.0,
            source: self.src.0,
            ether_type: EtherType(self.ethertype()),
        };
        out.extend_from_slice(&eth.to_bytes());
        match &self.payload {
            Payload::Arp(a) => {
                let p = ArpEthIpv4Packet {
                    operation: match a.op {
                        ArpOp::Request => ArpOperation::REQUEST,
                        ArpOp::Reply => ArpOperation::REPLY,
                        ArpOp::Other(v) => ArpOperation(v),
                    },
                    sender_mac: a.sender_mac.0,
                    sender_ipv4: a.sender_ip.octets(),
                    target_mac: a.target_mac.0,
                    target_ipv4: a.target_ip.octets(),
                };
                out.extend_from_slice(&p.to_bytes());
            }
            Payload::Ipv4(ip) => out.extend_from_slice(&ip.emit()),
            Payload::Other { len, .. } => out.resize(ETH_LEN + len, 0),
        }
        out.into()
    }

    /// A frame around IPv4 bytes that are already made (a packet being
    /// forwarded keeps every byte but those the router changes).
    pub fn ipv4_bytes(dst: MacAddr, src: MacAddr, ip: &[u8]) -> Bytes {
        let mut out = Vec::with_capacity(ETH_LEN + ip.len());
        let eth = Ethernet2Header {
            destination: dst.0,
            source: src.0,
            ether_type: EtherType::IPV4,
        };
        out.extend_from_slice(&eth.to_bytes());
        out.extend_from_slice(ip);
        out.into()
    }

    /// Writes an Ethernet II header into the first 14 bytes of `frame`.
    pub fn ethernet_header(frame: &mut [u8], dst: MacAddr, src: MacAddr, ethertype: u16) {
        if let Some(h) = frame.get_mut(..ETH_LEN) {
            h[..6].copy_from_slice(&dst.0);
            h[6..12].copy_from_slice(&src.0);
            h[12..14].copy_from_slice(&ethertype.to_be_bytes());
        }
    }
}

mod display;
pub mod nat;
mod parse;
pub use display::summary;

#[cfg(test)]
mod tests;
