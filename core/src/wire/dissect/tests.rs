//! Golden bytes, field by field.
use super::*;
use crate::wire::frame::{Arp, ArpOp, Frame, Icmp, Ipv4Packet, Payload, Tcp, TcpFlags, Udp, L4};

fn m(last: u8) -> MacAddr {
    MacAddr([0x02, 0x42, 0xac, 0x11, 0x00, last])
}

fn arp_request() -> Vec<u8> {
    Frame {
        dst: MacAddr([0xff; 6]),
        src: m(3),
        payload: Payload::Arp(Arp {
            op: ArpOp::Request,
            sender_mac: m(3),
            sender_ip: Ipv4Addr::new(172, 17, 0, 3),
            target_mac: MacAddr([0; 6]),
            target_ip: Ipv4Addr::new(172, 17, 0, 2),
        }),
    }
    .emit()
    .to_vec()
}

fn echo(ttl: u8, dst_mac: MacAddr) -> Vec<u8> {
    Frame {
        dst: dst_mac,
        src: m(3),
        payload: Payload::Ipv4(Ipv4Packet {
            src: Ipv4Addr::new(172, 17, 0, 3),
            dst: Ipv4Addr::new(172, 17, 0, 2),
            ttl,
            ident: 0x1234,
            dont_fragment: true,
            l4: L4::Icmp(Icmp::EchoRequest {
                id: 7,
                seq: 1,
                data: vec![0; 8].into(),
            }),
        }),
    }
    .emit()
    .to_vec()
}

fn layer<'a>(ls: &'a [Layer], name: &str) -> &'a Layer {
    ls.iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("no {name} in {ls:?}"))
}

#[test]
fn arp_request_field_by_field() {
    let bytes = arp_request();
    let ls = dissect(&bytes);
    let names: Vec<&str> = ls.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["Ethernet", "ARP"]);
    let eth = layer(&ls, "Ethernet");
    assert_eq!(
        eth.field("Destination"),
        Some("ff:ff:ff:ff:ff:ff (broadcast)")
    );
    assert_eq!(eth.field("Type"), Some("0x0806 (ARP)"));
    // 14 + 28 bytes: a veth or bridge sends it unpadded...
    assert_eq!(bytes.len(), 42);
    assert!(eth.fields.iter().all(|f| f.name != "Padding"));
    // ...and a NIC pads it to 60, which shows as padding.
    let mut padded = bytes.to_vec();
    padded.resize(60, 0);
    let ls60 = dissect(&padded);
    let pad = layer(&ls60, "Ethernet")
        .fields
        .iter()
        .find(|f| f.name == "Padding")
        .unwrap();
    assert_eq!(pad.range, (42, 60));
    let arp = layer(&ls, "ARP");
    assert_eq!(arp.field("Operation"), Some("1 (request)"));
    assert_eq!(arp.field("Sender IP"), Some("172.17.0.3"));
    assert_eq!(arp.field("Target IP"), Some("172.17.0.2"));
    let tpa = arp.fields.iter().find(|f| f.name == "Target IP").unwrap();
    assert_eq!(tpa.range, (38, 42));
    assert_eq!(&bytes[38..42], &[172, 17, 0, 2]);
}

#[test]
fn echo_request_ranges_point_at_their_bytes() {
    let bytes = echo(64, m(2));
    let ls = dissect(&bytes);
    let ip = layer(&ls, "IPv4");
    assert_eq!(ip.field("TTL"), Some("64"));
    assert_eq!(ip.field("Protocol"), Some("1 (ICMP)"));
    let ttl = ip.fields.iter().find(|f| f.name == "TTL").unwrap();
    assert_eq!(bytes[ttl.range.0], 64);
    let icmp = layer(&ls, "ICMP");
    assert_eq!(icmp.field("Type"), Some("8 (echo request)"));
    assert_eq!(icmp.field("Sequence"), Some("1"));
    for l in &ls {
        for f in &l.fields {
            assert!(f.range.0 <= f.range.1 && f.range.1 <= bytes.len(), "{f:?}");
        }
    }
}

#[test]
fn tcp_syn_flags() {
    let bytes = Frame {
        dst: m(2),
        src: m(3),
        payload: Payload::Ipv4(Ipv4Packet {
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: Ipv4Addr::new(10, 0, 0, 2),
            ttl: 64,
            ident: 1,
            dont_fragment: true,
            l4: L4::Tcp(Tcp {
                src_port: 40000,
                dst_port: 80,
                seq: 1000,
                ack: 0,
                flags: TcpFlags {
                    syn: true,
                    ..TcpFlags::default()
                },
                window: 64240,
            }),
        }),
    }
    .emit();
    let ls = dissect(&bytes);
    let tcp = layer(&ls, "TCP");
    assert_eq!(tcp.field("Flags"), Some("SYN"));
    assert_eq!(tcp.field("Destination port"), Some("80"));
}

#[test]
fn vxlan_outer_and_inner() {
    let inner = arp_request();
    let mut outer = Frame {
        dst: m(0x20),
        src: m(0x10),
        payload: Payload::Ipv4(Ipv4Packet {
            src: Ipv4Addr::new(192, 168, 1, 11),
            dst: Ipv4Addr::new(192, 168, 1, 12),
            ttl: 64,
            ident: 7,
            dont_fragment: false,
            l4: L4::Udp(Udp {
                src_port: 50000,
                dst_port: 4789,
                data: [&[0x08, 0, 0, 0, 0, 0, 42, 0][..], &inner[..]]
                    .concat()
                    .into(),
            }),
        }),
    }
    .emit()
    .to_vec();
    let ls = dissect(&outer);
    let names: Vec<&str> = ls.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Ethernet",
            "IPv4",
            "UDP",
            "VXLAN",
            "Inner Ethernet",
            "Inner ARP"
        ]
    );
    assert_eq!(layer(&ls, "VXLAN").field("VNI"), Some("42"));
    let tpa = layer(&ls, "Inner ARP")
        .fields
        .iter()
        .find(|f| f.name == "Target IP")
        .unwrap();
    assert_eq!(&outer[tpa.range.0..tpa.range.1], &[172, 17, 0, 2]);
    // Cut inside the inner frame: no panic, a Malformed layer.
    outer.truncate(14 + 20 + 8 + 8 + 10);
    let ls = dissect(&outer);
    assert!(ls.iter().any(|l| l.name == "Malformed"), "{ls:?}");
}

#[test]
fn what_a_router_changes() {
    let a = dissect(&echo(64, m(2)));
    let b = dissect(&echo(63, m(9)));
    let c = changes(&a, &b);
    let fields: Vec<&str> = c.iter().map(|c| c.field.as_str()).collect();
    assert!(fields.contains(&"TTL"), "{c:?}");
    assert!(fields.contains(&"Destination"), "{c:?}");
    assert!(fields.contains(&"Header checksum"), "{c:?}");
    assert!(!fields.contains(&"Source port"));
}

#[test]
fn never_panics_on_cut_or_garbage() {
    let good = echo(64, m(2));
    for n in 0..good.len() {
        let ls = dissect(&good[..n]);
        assert!(!ls.is_empty());
        for l in &ls {
            for f in &l.fields {
                assert!(f.range.1 <= n.max(f.range.1), "{f:?}");
            }
        }
    }
    assert_eq!(dissect(&[1, 2, 3])[0].name, "Malformed");
    let mut odd = good.clone();
    odd[14] = 0x4f; // IHL 15 with too few bytes
    let _ = dissect(&odd);
    let mut arp = arp_request();
    arp[18] = 200; // hardware size larger than the packet
    let _ = dissect(&arp);
}
