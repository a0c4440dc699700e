//! The Internet checksum (RFC 1071): the one's complement of the one's
//! complement sum of 16-bit words. IPv4, ICMP, UDP and TCP all use it.

/// The one's complement sum of `bytes`, not yet folded (an odd last byte
/// is the high half of a word). Read 32 bits at a time: 2^16 is 1 modulo
/// 0xffff, so a sum of 32-bit words folds to the sum of their halves.
pub(crate) fn sum(bytes: &[u8]) -> u32 {
    let mut s: u64 = 0;
    let mut words = bytes.chunks_exact(4);
    for w in &mut words {
        s += u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
    }
    match *words.remainder() {
        [a, b, c] => s += u64::from(u16::from_be_bytes([a, b])) + (u64::from(c) << 8),
        [a, b] => s += u64::from(u16::from_be_bytes([a, b])),
        [a] => s += u64::from(a) << 8,
        _ => {}
    }
    // 64 → 32 → 17 bits, each fold keeping the value modulo 0xffff (and a
    // non-zero sum non-zero, as one's complement addition does).
    let s = (s & 0xffff_ffff) + (s >> 32);
    let s = (s & 0xffff_ffff) + (s >> 32);
    ((s & 0xffff) + (s >> 16)) as u32
}

/// The checksum of a sum: carries folded in, complemented.
pub(crate) fn fold(mut s: u32) -> u16 {
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_1071_example_and_a_header_that_verifies() {
        // RFC 1071 section 3: 0001 f203 f4f5 f6f7 sums to ddf2 (folded).
        assert_eq!(
            fold(sum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])),
            !0xddf2
        );
        // An IPv4 header as the kernel sent it (ping 172.17.0.3 > 172.17.0.2).
        let mut h = [
            0x45, 0x00, 0x00, 0x54, 0x4e, 0x01, 0x40, 0x00, 0x40, 0x01, 0x94, 0x80, 172, 17, 0, 3,
            172, 17, 0, 2,
        ];
        assert_eq!(fold(sum(&h)), 0, "a right header sums to 0xffff");
        h[8] = 0x3f; // TTL 63, checksum not updated
        assert_ne!(fold(sum(&h)), 0);
        // An odd length: the last byte is the high half of a word.
        assert_eq!(sum(&[0x01]), 0x0100);
        assert_eq!(fold(sum(&[0x12, 0x34, 0x56])), !0x6834);
    }

    /// The word-at-a-time sum agrees with RFC 1071's 16-bit loop on every
    /// length and on sums that carry many times.
    #[test]
    fn agrees_with_the_16_bit_definition() {
        fn by_16(bytes: &[u8]) -> u16 {
            let mut s: u32 = 0;
            for w in bytes.chunks(2) {
                let hi = u32::from(w[0]) << 8;
                s += hi | w.get(1).map_or(0, |&b| u32::from(b));
            }
            while s >> 16 != 0 {
                s = (s & 0xffff) + (s >> 16);
            }
            !(s as u16)
        }
        let mut x: u32 = 0x1234_5678;
        let mut bytes = Vec::new();
        for n in 0..300 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            bytes.push(if n % 7 == 0 { 0xff } else { x as u8 });
            assert_eq!(fold(sum(&bytes)), by_16(&bytes), "{} bytes", bytes.len());
        }
        assert_eq!(fold(sum(&[0xff; 4096])), by_16(&[0xff; 4096]));
    }
}
