//! A frame taken apart for people: every header field with its value in
//! words and the byte range it occupies, layer by layer (Ethernet, ARP,
//! IPv4, ICMP with the packet it quotes, UDP, TCP), as a packet analyser
//! shows it. The web page's inspector draws it, with a hex dump where the
//! bytes of a field light up.
//!
//! Read first: RFC 894, RFC 826, RFC 791, RFC 792, RFC 768, RFC 9293.
//!
//! Built on etherparse's slices, which check every length: [`dissect`]
//! never panics; what it cannot read ends the list with a `Malformed`
//! layer naming the reason.

use core::net::Ipv4Addr;

use etherparse::{
    ArpPacketSlice, Ethernet2Slice, Icmpv4Slice, Ipv4HeaderSlice, TcpHeaderSlice, UdpHeaderSlice,
};

use super::MacAddr;

/// One header.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Layer {
    /// `Ethernet`, `ARP`, `IPv4`, `ICMP`, `UDP`, `TCP`, `Quoted IPv4`,
    /// `Payload`, `Malformed`.
    pub name: String,
    pub fields: Vec<Field>,
}

/// One field of a header.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    /// Bytes `range.0 .. range.1` of the frame.
    pub range: (usize, usize),
}

impl Layer {
    /// The value of field `name`, if the layer has it.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }
}

struct Builder {
    layers: Vec<Layer>,
}

impl Builder {
    fn layer(&mut self, name: &str) {
        self.layers.push(Layer {
            name: name.to_string(),
            fields: Vec::new(),
        });
    }

    fn field(&mut self, name: &str, value: impl Into<String>, start: usize, len: usize) {
        if let Some(l) = self.layers.last_mut() {
            l.fields.push(Field {
                name: name.to_string(),
                value: value.into(),
                range: (start, start + len),
            });
        }
    }

    fn malformed(&mut self, what: &str, err: impl core::fmt::Display, at: usize, end: usize) {
        self.layer("Malformed");
        self.field(
            "error",
            format!("{what}: {err}"),
            at.min(end),
            end.saturating_sub(at),
        );
    }
}

fn mac(b: &[u8]) -> String {
    match <[u8; 6]>::try_from(b) {
        Ok(a) => {
            let m = MacAddr(a);
            if m.is_broadcast() {
                format!("{m} (broadcast)")
            } else {
                m.to_string()
            }
        }
        Err(_) => hex(b),
    }
}

fn ip(b: &[u8]) -> String {
    match <[u8; 4]>::try_from(b) {
        Ok(a) => Ipv4Addr::from(a).to_string(),
        Err(_) => hex(b),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn ethertype_name(t: u16) -> &'static str {
    match t {
        0x0800 => "IPv4",
        0x0806 => "ARP",
        0x86dd => "IPv6",
        0x8100 => "802.1Q VLAN",
        _ => "unknown",
    }
}

fn proto_name(p: u8) -> &'static str {
    match p {
        1 => "ICMP",
        6 => "TCP",
        17 => "UDP",
        _ => "other",
    }
}

/// Every layer of `bytes`, an Ethernet II frame without FCS. A VXLAN
/// packet (UDP port 4789) goes on with its header and the inner frame's
/// layers, named `Inner Ethernet`, `Inner IPv4`, ...
pub fn dissect(bytes: &[u8]) -> Vec<Layer> {
    let mut b = Builder { layers: Vec::new() };
    let used = ethernet(&mut b, bytes, 0, "");
    if used < bytes.len() {
        let pad = bytes.len() - used;
        if let Some(l) = b.layers.first_mut() {
            l.fields.push(Field {
                name: "Padding".into(),
                value: format!("{pad} bytes (to Ethernet's 60-byte minimum)"),
                range: (used, bytes.len()),
            });
        }
    }
    b.layers
}

/// An Ethernet frame at `at` and what it carries; returns where its
/// payload ends.
fn ethernet(b: &mut Builder, bytes: &[u8], at: usize, prefix: &str) -> usize {
    let rest = bytes.get(at..).unwrap_or_default();
    let eth = match Ethernet2Slice::from_slice_without_fcs(rest) {
        Ok(e) => e,
        Err(e) => {
            b.malformed(&format!("{prefix}Ethernet header"), e, at, bytes.len());
            return bytes.len();
        }
    };
    b.layer(&format!("{prefix}Ethernet"));
    b.field("Destination", mac(&eth.destination()), at, 6);
    b.field("Source", mac(&eth.source()), at + 6, 6);
    let et = eth.ether_type().0;
    b.field(
        "Type",
        format!("0x{et:04x} ({})", ethertype_name(et)),
        at + 12,
        2,
    );
    let l3 = at + 14;
    match et {
        0x0806 => arp(b, bytes, l3, prefix),
        0x0800 => ipv4(b, bytes, l3, prefix),
        _ => {
            if bytes.len() > l3 {
                b.layer(&format!("{prefix}Payload"));
                b.field(
                    "Data",
                    format!("{} bytes", bytes.len() - l3),
                    l3,
                    bytes.len() - l3,
                );
            }
            bytes.len()
        }
    }
}

/// The 8-byte VXLAN header (RFC 7348) at `at`, then the inner frame.
fn vxlan(b: &mut Builder, bytes: &[u8], at: usize) {
    let Some(h) = bytes.get(at..at + 8) else {
        b.malformed("VXLAN", "shorter than its 8-byte header", at, bytes.len());
        return;
    };
    b.layer("VXLAN");
    let flags = h[0];
    let i = if flags & 0x08 != 0 {
        " (I: VNI valid)"
    } else {
        ""
    };
    b.field("Flags", format!("0x{flags:02x}{i}"), at, 1);
    b.field("Reserved", hex(&h[1..4]), at + 1, 3);
    let vni = u32::from_be_bytes([0, h[4], h[5], h[6]]);
    b.field("VNI", vni.to_string(), at + 4, 3);
    b.field("Reserved", hex(&h[7..8]), at + 7, 1);
    ethernet(b, bytes, at + 8, "Inner ");
}

/// ARP at `at`; returns where the packet ends.
fn arp(b: &mut Builder, bytes: &[u8], at: usize, prefix: &str) -> usize {
    let rest = bytes.get(at..).unwrap_or_default();
    let a = match ArpPacketSlice::from_slice(rest) {
        Ok(a) => a,
        Err(e) => {
            b.malformed(&format!("{prefix}ARP"), e, at, bytes.len());
            return bytes.len();
        }
    };
    b.layer(&format!("{prefix}ARP"));
    let hw = a.hw_addr_type().0;
    b.field(
        "Hardware type",
        format!("{hw} ({})", if hw == 1 { "Ethernet" } else { "other" }),
        at,
        2,
    );
    let pt = a.proto_addr_type().0;
    b.field(
        "Protocol type",
        format!("0x{pt:04x} ({})", ethertype_name(pt)),
        at + 2,
        2,
    );
    let (hl, pl) = (
        usize::from(a.hw_addr_size()),
        usize::from(a.proto_addr_size()),
    );
    b.field("Hardware size", hl.to_string(), at + 4, 1);
    b.field("Protocol size", pl.to_string(), at + 5, 1);
    let op = a.operation().0;
    let opn = match op {
        1 => "request",
        2 => "reply",
        _ => "other",
    };
    b.field("Operation", format!("{op} ({opn})"), at + 6, 2);
    let mut o = at + 8;
    b.field("Sender MAC", mac(a.sender_hw_addr()), o, hl);
    o += hl;
    b.field("Sender IP", ip(a.sender_protocol_addr()), o, pl);
    o += pl;
    b.field("Target MAC", mac(a.target_hw_addr()), o, hl);
    o += hl;
    b.field("Target IP", ip(a.target_protocol_addr()), o, pl);
    o + pl
}

/// An IPv4 header and what it carries, at `at`; returns where the packet
/// ends (its total length, or the end of the bytes if shorter).
/// `prefix` is "" for the frame's own packet, "Quoted " for the one an
/// ICMP error quotes, "Inner " inside a VXLAN packet.
fn ipv4(b: &mut Builder, bytes: &[u8], at: usize, prefix: &str) -> usize {
    let name = format!("{prefix}IPv4");
    let name = name.as_str();
    let rest = bytes.get(at..).unwrap_or_default();
    let h = match Ipv4HeaderSlice::from_slice(rest) {
        Ok(h) => h,
        Err(e) => {
            b.malformed(name, e, at, bytes.len());
            return bytes.len();
        }
    };
    b.layer(name);
    let ihl = usize::from(h.ihl()) * 4;
    b.field("Version", h.version().to_string(), at, 1);
    b.field("Header length", format!("{ihl} bytes"), at, 1);
    b.field(
        "DSCP / ECN",
        format!("{} / {}", h.dcp().value(), h.ecn().value()),
        at + 1,
        1,
    );
    let total = usize::from(h.total_len());
    b.field("Total length", total.to_string(), at + 2, 2);
    let id = h.identification();
    b.field("Identification", format!("0x{id:04x} ({id})"), at + 4, 2);
    let mut flags = Vec::new();
    if h.dont_fragment() {
        flags.push("DF");
    }
    if h.more_fragments() {
        flags.push("MF");
    }
    let flags = if flags.is_empty() {
        "none".to_string()
    } else {
        flags.join(", ")
    };
    b.field(
        "Flags / Fragment offset",
        format!("{flags}, offset {}", h.fragments_offset().value()),
        at + 6,
        2,
    );
    b.field("TTL", h.ttl().to_string(), at + 8, 1);
    let p = h.protocol().0;
    b.field("Protocol", format!("{p} ({})", proto_name(p)), at + 9, 1);
    b.field(
        "Header checksum",
        format!("0x{:04x}", h.header_checksum()),
        at + 10,
        2,
    );
    b.field("Source", h.source_addr().to_string(), at + 12, 4);
    b.field("Destination", h.destination_addr().to_string(), at + 16, 4);
    if ihl > 20 {
        b.field("Options", hex(h.options()), at + 20, ihl - 20);
    }
    // A quoted packet (inside an ICMP error) is cut short on purpose: read
    // what is there.
    let end = (at + total).min(bytes.len()).max(at + ihl);
    let l4 = at + ihl;
    let body = bytes.get(l4..end).unwrap_or_default();
    if body.is_empty() {
        return end;
    }
    match p {
        1 => icmp(b, bytes, l4, end, prefix),
        6 => tcp(b, body, l4, prefix),
        17 => udp(b, bytes, l4, end, prefix),
        _ => {
            b.layer("Payload");
            b.field("Data", format!("{} bytes", body.len()), l4, body.len());
        }
    }
    end
}

fn icmp(b: &mut Builder, bytes: &[u8], at: usize, end: usize, prefix: &str) {
    let body = bytes.get(at..end).unwrap_or_default();
    let quoted = prefix == "Quoted ";
    let layer = format!("{prefix}ICMP");
    let layer = layer.as_str();
    let s = match Icmpv4Slice::from_slice(body) {
        Ok(s) => s,
        Err(e) => {
            b.malformed(layer, e, at, end);
            return;
        }
    };
    b.layer(layer);
    let (t, c) = (s.type_u8(), s.code_u8());
    let tn = match t {
        0 => "echo reply",
        3 => "destination unreachable",
        8 => "echo request",
        11 => "time exceeded",
        5 => "redirect",
        _ => "other",
    };
    b.field("Type", format!("{t} ({tn})"), at, 1);
    let cn = match (t, c) {
        (3, 0) => " (net unreachable)",
        (3, 1) => " (host unreachable)",
        (3, 3) => " (port unreachable)",
        (3, 4) => " (fragmentation needed)",
        (11, 0) => " (TTL exceeded in transit)",
        _ => "",
    };
    b.field("Code", format!("{c}{cn}"), at + 1, 1);
    b.field("Checksum", format!("0x{:04x}", s.checksum()), at + 2, 2);
    let r = s.bytes5to8();
    match t {
        0 | 8 => {
            let id = u16::from_be_bytes([r[0], r[1]]);
            let seq = u16::from_be_bytes([r[2], r[3]]);
            b.field("Identifier", format!("0x{id:04x} ({id})"), at + 4, 2);
            b.field("Sequence", seq.to_string(), at + 6, 2);
            let n = body.len().saturating_sub(8);
            if n > 0 {
                b.field("Data", format!("{n} bytes"), at + 8, n);
            }
        }
        3 | 11 => {
            b.field("Unused", hex(&r), at + 4, 4);
            if !quoted && body.len() > 8 {
                // The header and first 8 bytes of the packet it is about.
                ipv4(b, bytes, at + 8, "Quoted ");
            }
        }
        _ => {
            b.field("Rest of header", hex(&r), at + 4, 4);
        }
    }
}

fn udp(b: &mut Builder, bytes: &[u8], at: usize, end: usize, prefix: &str) {
    let body = bytes.get(at..end).unwrap_or_default();
    let layer = format!("{prefix}UDP");
    let layer = layer.as_str();
    let h = match UdpHeaderSlice::from_slice(body) {
        Ok(h) => h,
        Err(e) => {
            b.malformed(layer, e, at, end);
            return;
        }
    };
    b.layer(layer);
    b.field("Source port", h.source_port().to_string(), at, 2);
    b.field(
        "Destination port",
        h.destination_port().to_string(),
        at + 2,
        2,
    );
    b.field("Length", h.length().to_string(), at + 4, 2);
    b.field("Checksum", format!("0x{:04x}", h.checksum()), at + 6, 2);
    let n = body.len().saturating_sub(8);
    if prefix.is_empty() && h.destination_port() == VXLAN_PORT && n >= 8 {
        vxlan(b, bytes.get(..end).unwrap_or_default(), at + 8);
    } else if n > 0 {
        b.field("Data", format!("{n} bytes"), at + 8, n);
    }
}

/// IANA's VXLAN port (RFC 7348), Linux's default `dstport` too.
const VXLAN_PORT: u16 = 4789;

fn tcp(b: &mut Builder, body: &[u8], at: usize, prefix: &str) {
    let quoted = prefix == "Quoted ";
    let layer = format!("{prefix}TCP");
    let layer = layer.as_str();
    let h = match TcpHeaderSlice::from_slice(body) {
        Ok(h) => h,
        Err(e) => {
            // An ICMP error quotes only the first 8 bytes: the ports and
            // the sequence number.
            if quoted && body.len() >= 8 {
                b.layer(layer);
                let port = |o: usize| u16::from_be_bytes([body[o], body[o + 1]]);
                b.field("Source port", port(0).to_string(), at, 2);
                b.field("Destination port", port(2).to_string(), at + 2, 2);
                let seq = u32::from_be_bytes([body[4], body[5], body[6], body[7]]);
                b.field("Sequence number", seq.to_string(), at + 4, 4);
            } else {
                b.malformed(layer, e, at, at + body.len());
            }
            return;
        }
    };
    b.layer(layer);
    b.field("Source port", h.source_port().to_string(), at, 2);
    b.field(
        "Destination port",
        h.destination_port().to_string(),
        at + 2,
        2,
    );
    b.field(
        "Sequence number",
        h.sequence_number().to_string(),
        at + 4,
        4,
    );
    b.field(
        "Acknowledgment number",
        h.acknowledgment_number().to_string(),
        at + 8,
        4,
    );
    let off = usize::from(h.data_offset()) * 4;
    b.field("Header length", format!("{off} bytes"), at + 12, 1);
    let mut flags = Vec::new();
    for (on, name) in [
        (h.fin(), "FIN"),
        (h.syn(), "SYN"),
        (h.rst(), "RST"),
        (h.psh(), "PSH"),
        (h.ack(), "ACK"),
        (h.urg(), "URG"),
    ] {
        if on {
            flags.push(name);
        }
    }
    b.field("Flags", flags.join(", "), at + 13, 1);
    b.field("Window", h.window_size().to_string(), at + 14, 2);
    b.field("Checksum", format!("0x{:04x}", h.checksum()), at + 16, 2);
    b.field("Urgent pointer", h.urgent_pointer().to_string(), at + 18, 2);
    if off > 20 {
        b.field("Options", hex(h.options()), at + 20, off - 20);
    }
    let n = body.len().saturating_sub(off);
    if n > 0 {
        b.field("Data", format!("{n} bytes"), at + off, n);
    }
}

/// One field whose value differs between two dissections of the same
/// packet at two hops (a MAC rewritten by a router, the TTL, a checksum).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub layer: String,
    pub field: String,
    pub before: String,
    pub after: String,
}

/// What changed from `before` to `after`, field by field, matching layers
/// and fields by name (padding and data sizes are ignored).
pub fn changes(before: &[Layer], after: &[Layer]) -> Vec<Change> {
    let mut out = Vec::new();
    for a in after {
        let Some(b) = before.iter().find(|b| b.name == a.name) else {
            continue;
        };
        for f in &a.fields {
            if f.name == "Padding" {
                continue;
            }
            if let Some(old) = b.field(&f.name) {
                if old != f.value {
                    out.push(Change {
                        layer: a.name.clone(),
                        field: f.name.clone(),
                        before: old.to_string(),
                        after: f.value.clone(),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
