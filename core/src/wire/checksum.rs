//! The Internet checksum (RFC 1071): the one's complement of the one's
//! complement sum of 16-bit words. IPv4, ICMP, UDP and TCP all use it.

/// The one's complement sum of `bytes`, not yet folded (an odd last byte
/// is the high half of a word).
pub(crate) fn sum(bytes: &[u8]) -> u32 {
    let mut s: u32 = 0;
    let mut chunks = bytes.chunks_exact(2);
    for w in &mut chunks {
        s = s.wrapping_add(u32::from(u16::from_be_bytes([w[0], w[1]])));
    }
    if let [last] = chunks.remainder() {
        s = s.wrapping_add(u32::from(*last) << 8);
    }
    s
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
    }
}
