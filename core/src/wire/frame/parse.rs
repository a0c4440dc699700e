//! Reading frames: [`Frame::parse`] and [`Ipv4Packet::parse`] through
//! etherparse's slices, checking every length and checksum the kernel
//! checks, and returning [`ParseError`] for anything they cannot read.
//! The `_shared` forms keep the payloads as parts of the frame's
//! [`Bytes`] instead of copying them out.

use core::net::Ipv4Addr;

use etherparse::{
    ArpOperation, EtherType, Ethernet2Header, Icmpv4Header, Icmpv4Slice, Icmpv4Type, IpNumber,
    Ipv4Header, Ipv4HeaderSlice, TcpHeaderSlice, UdpHeaderSlice,
};

use super::{
    perr, Arp, ArpOp, Bytes, Frame, Icmp, Ipv4Packet, ParseError, Payload, Quoted, Tcp, TcpFlags,
    Udp, ETH_LEN, L4,
};
use crate::wire::checksum::{fold, sum};
use crate::wire::MacAddr;

impl Quoted {
    /// Reads the IP header and first 8 bytes of an ICMP error's payload.
    pub fn parse(bytes: &[u8]) -> Result<Quoted, ParseError> {
        let (ip, rest) = Ipv4Header::from_slice(bytes).map_err(|e| perr("quoted IPv4", e))?;
        if rest.len() < 8 {
            return Err(ParseError(
                "malformed ICMP error: fewer than 8 bytes of the original datagram".into(),
            ));
        }
        let (first, second) = if ip.protocol == IpNumber::ICMP {
            (
                u16::from_be_bytes([rest[4], rest[5]]),
                u16::from_be_bytes([rest[6], rest[7]]),
            )
        } else {
            (
                u16::from_be_bytes([rest[0], rest[1]]),
                u16::from_be_bytes([rest[2], rest[3]]),
            )
        };
        Ok(Quoted {
            src: Ipv4Addr::from(ip.source),
            dst: Ipv4Addr::from(ip.destination),
            proto: ip.protocol.0,
            ident: ip.identification,
            first,
            second,
        })
    }
}

impl Ipv4Packet {
    /// Reads an IPv4 packet (header checksum checked, as `ip_rcv` does).
    pub fn parse(bytes: &[u8]) -> Result<Ipv4Packet, ParseError> {
        Ipv4Packet::parse_shared(&Bytes::from(bytes))
    }

    /// As [`Ipv4Packet::parse`], the payloads sharing `bytes` rather than
    /// copied out of them.
    pub fn parse_shared(bytes: &Bytes) -> Result<Ipv4Packet, ParseError> {
        let h = Ipv4HeaderSlice::from_slice(bytes).map_err(|e| perr("IPv4 header", e))?;
        let header_len = h.slice().len();
        // Right when the sum over the header, its checksum included, is 0.
        if fold(sum(h.slice())) != 0 {
            let want = h.to_header().calc_header_checksum();
            return Err(ParseError(format!(
                "IPv4 header checksum is 0x{:04x}, it should be 0x{want:04x}",
                h.header_checksum()
            )));
        }
        let total = usize::from(h.total_len());
        let rest = bytes.len() - header_len;
        let body_len = total.saturating_sub(header_len);
        if total < header_len || rest < body_len {
            return Err(ParseError(format!(
                "malformed IPv4: total length {total} but the header is {header_len} bytes and {rest} follow it"
            )));
        }
        let body = bytes.slice(header_len..total);
        let fragment = h.more_fragments() || h.fragments_offset().value() != 0;
        let proto = h.protocol();
        let l4 = if fragment {
            L4::Other {
                proto: proto.0,
                payload: body,
            }
        } else {
            match proto {
                IpNumber::ICMP => L4::Icmp(parse_icmp(&body)?),
                IpNumber::TCP => {
                    let t = TcpHeaderSlice::from_slice(&body).map_err(|e| perr("TCP header", e))?;
                    L4::Tcp(Tcp {
                        src_port: t.source_port(),
                        dst_port: t.destination_port(),
                        seq: t.sequence_number(),
                        ack: t.acknowledgment_number(),
                        flags: TcpFlags {
                            syn: t.syn(),
                            ack: t.ack(),
                            rst: t.rst(),
                            fin: t.fin(),
                        },
                        window: t.window_size(),
                    })
                }
                IpNumber::UDP => {
                    let u = UdpHeaderSlice::from_slice(&body).map_err(|e| perr("UDP header", e))?;
                    let len = usize::from(u.length());
                    if len < 8 || len > body.len() {
                        return Err(ParseError(format!(
                            "malformed UDP: length field {len}, but the datagram has {} bytes",
                            body.len()
                        )));
                    }
                    L4::Udp(Udp {
                        src_port: u.source_port(),
                        dst_port: u.destination_port(),
                        data: body.slice(8..len),
                    })
                }
                other => L4::Other {
                    proto: other.0,
                    payload: body,
                },
            }
        };
        Ok(Ipv4Packet {
            src: h.source_addr(),
            dst: h.destination_addr(),
            ttl: h.ttl(),
            ident: h.identification(),
            dont_fragment: h.dont_fragment(),
            l4,
        })
    }
}

fn parse_icmp(body: &Bytes) -> Result<Icmp, ParseError> {
    let icmp = Icmpv4Slice::from_slice(body).map_err(|e| perr("ICMP header", e))?;
    if fold(sum(body)) != 0 {
        let check = Icmpv4Header::with_checksum(icmp.icmp_type(), icmp.payload());
        return Err(ParseError(format!(
            "ICMP checksum is 0x{:04x}, it should be 0x{:04x}",
            icmp.checksum(),
            check.checksum
        )));
    }
    let data = || body.slice(icmp.header_len()..body.len());
    Ok(match icmp.icmp_type() {
        Icmpv4Type::EchoRequest(e) => Icmp::EchoRequest {
            id: e.id,
            seq: e.seq,
            data: data(),
        },
        Icmpv4Type::EchoReply(e) => Icmp::EchoReply {
            id: e.id,
            seq: e.seq,
            data: data(),
        },
        Icmpv4Type::DestinationUnreachable(code) => Icmp::DestUnreachable {
            code,
            original: data(),
        },
        Icmpv4Type::TimeExceeded(code) => Icmp::TimeExceeded {
            code,
            original: data(),
        },
        Icmpv4Type::Redirect(r) => Icmp::Redirect {
            code: r.code,
            gateway: Ipv4Addr::from(r.gateway_internet_address),
            original: data(),
        },
        _ => Icmp::Other {
            icmp_type: icmp.type_u8(),
            code: icmp.code_u8(),
        },
    })
}

impl Frame {
    /// Only the Ethernet header: enough for a switch.
    pub fn peek_macs(bytes: &[u8]) -> Result<(MacAddr, MacAddr), ParseError> {
        let (h, _) = Ethernet2Header::from_slice(bytes).map_err(|e| perr("Ethernet header", e))?;
        Ok((MacAddr(h.destination), MacAddr(h.source)))
    }

    pub fn parse(bytes: &[u8]) -> Result<Frame, ParseError> {
        Frame::parse_shared(&Bytes::from(bytes))
    }

    /// As [`Frame::parse`], the payloads sharing `bytes` rather than copied
    /// out of them.
    pub fn parse_shared(bytes: &Bytes) -> Result<Frame, ParseError> {
        let (eth, rest) =
            Ethernet2Header::from_slice(bytes).map_err(|e| perr("Ethernet header", e))?;
        let payload = match eth.ether_type {
            EtherType::ARP => {
                let arp = etherparse::ArpPacket::from_slice(rest).map_err(|e| perr("ARP", e))?;
                let a = arp.try_eth_ipv4().map_err(|e| perr("ARP", e))?;
                Payload::Arp(Arp {
                    op: match a.operation {
                        ArpOperation::REQUEST => ArpOp::Request,
                        ArpOperation::REPLY => ArpOp::Reply,
                        ArpOperation(v) => ArpOp::Other(v),
                    },
                    sender_mac: MacAddr(a.sender_mac),
                    sender_ip: a.sender_ipv4_addr(),
                    target_mac: MacAddr(a.target_mac),
                    target_ip: a.target_ipv4_addr(),
                })
            }
            // Only an IPv4 packet keeps parts of the bytes (its payloads).
            EtherType::IPV4 => Payload::Ipv4(Ipv4Packet::parse_shared(
                &bytes.slice(ETH_LEN..bytes.len()),
            )?),
            other => Payload::Other {
                ethertype: other.0,
                len: rest.len(),
            },
        };
        Ok(Frame {
            dst: MacAddr(eth.destination),
            src: MacAddr(eth.source),
            payload,
        })
    }
}
