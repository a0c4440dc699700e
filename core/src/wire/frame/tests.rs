//! Golden bytes and round trips of the frame types.
use super::*;

fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

#[test]
fn arp_request_bytes() {
    // The request bus2 (172.17.0.3) sends for bus1, as tcpdump -xx shows it.
    let f = Frame {
        dst: MacAddr::BROADCAST,
        src: MacAddr::docker(ip(172, 17, 0, 3)),
        payload: Payload::Arp(Arp {
            op: ArpOp::Request,
            sender_mac: MacAddr::docker(ip(172, 17, 0, 3)),
            sender_ip: ip(172, 17, 0, 3),
            target_mac: MacAddr::ZERO,
            target_ip: ip(172, 17, 0, 2),
        }),
    };
    let bytes = f.emit();
    let want: [u8; 42] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x42, 0xac, 0x11, 0x00, 0x03, 0x08, 0x06, 0x00,
        0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x42, 0xac, 0x11, 0x00, 0x03, 172, 17, 0,
        3, 0, 0, 0, 0, 0, 0, 172, 17, 0, 2,
    ];
    assert_eq!(
        &bytes[..],
        &want[..],
        "not padded: veths and bridges never pad"
    );
    assert_eq!(Frame::parse(&bytes).unwrap(), f);
    assert_eq!(
        f.to_string(),
        "02:42:ac:11:00:03 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 172.17.0.2 tell 172.17.0.3, length 28"
    );
}

#[test]
fn echo_request_bytes_and_checksums() {
    let p = Ipv4Packet {
        src: ip(172, 17, 0, 3),
        dst: ip(172, 17, 0, 2),
        ttl: 64,
        ident: 0x1234,
        dont_fragment: true,
        l4: L4::Icmp(Icmp::EchoRequest {
            id: 1,
            seq: 1,
            data: vec![0; 56].into(),
        }),
    };
    let b = p.emit();
    assert_eq!(b.len(), 84, "20 IP + 8 ICMP + 56 data, as ping sends");
    assert_eq!(&b[..4], &[0x45, 0x00, 0x00, 84]);
    assert_eq!(&b[4..8], &[0x12, 0x34, 0x40, 0x00], "id, DF");
    assert_eq!(b[8], 64);
    assert_eq!(b[9], 1);
    // The header checksum makes the one's complement sum of the header 0xffff.
    let sum: u32 = b[..20]
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    let folded = (sum & 0xffff) + (sum >> 16);
    assert_eq!(folded, 0xffff);
    assert_eq!(&b[20..28], &[8, 0, 0xf7, 0xfd, 0, 1, 0, 1]);
    assert_eq!(Ipv4Packet::parse(&b).unwrap(), p);
}

#[test]
fn corrupted_checksum_is_an_error() {
    let p = Ipv4Packet {
        src: ip(10, 0, 0, 1),
        dst: ip(10, 0, 0, 2),
        ttl: 64,
        ident: 7,
        dont_fragment: true,
        l4: L4::Udp(Udp {
            src_port: 33000,
            dst_port: 53,
            data: b"netsim".to_vec().into(),
        }),
    };
    let mut b = p.emit();
    assert_eq!(Ipv4Packet::parse(&b).unwrap(), p);
    b[8] = 1; // TTL changed without fixing the checksum
    assert!(Ipv4Packet::parse(&b).is_err());
}

#[test]
fn tcp_and_icmp_error_round_trip() {
    let syn = Ipv4Packet {
        src: ip(10, 0, 0, 1),
        dst: ip(10, 0, 1, 2),
        ttl: 1,
        ident: 9,
        dont_fragment: true,
        l4: L4::Tcp(Tcp {
            src_port: 33001,
            dst_port: 80,
            seq: 1000,
            ack: 0,
            flags: TcpFlags {
                syn: true,
                ..TcpFlags::default()
            },
            window: 64240,
        }),
    };
    assert_eq!(Ipv4Packet::parse(&syn.emit()).unwrap(), syn);
    let err = Ipv4Packet {
        src: ip(10, 0, 0, 254),
        dst: ip(10, 0, 0, 1),
        ttl: 64,
        ident: 0,
        dont_fragment: false,
        l4: L4::Icmp(Icmp::TimeExceeded {
            code: TimeExceededCode::TtlExceededInTransit,
            original: syn.quote().into(),
        }),
    };
    let back = Ipv4Packet::parse(&err.emit()).unwrap();
    assert_eq!(back, err);
    let L4::Icmp(Icmp::TimeExceeded { original, .. }) = back.l4 else {
        panic!("not a time exceeded")
    };
    let q = Quoted::parse(&original).unwrap();
    assert_eq!(
        (q.src, q.dst, q.proto, q.first, q.second),
        (syn.src, syn.dst, 6, 33001, 80)
    );
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for len in 0..80 {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
        let _ = Frame::parse(&bytes);
        let _ = summary(&bytes);
    }
}
