//! The VXLAN header: 8 bytes between the outer UDP header and the inner
//! Ethernet frame. etherparse has no VXLAN, so this header is ours.
//!
//! Read first: RFC 7348 (VXLAN), section 5 (the frame format).
//!
//! ```text
//!  0                   1                   2                   3
//! |R|R|R|R|I|R|R|R|            Reserved                           |
//! |                VXLAN Network Identifier (VNI) |   Reserved    |
//! ```
//!
//! Nothing here panics: [`VxlanHeader::parse`] checks the length first and
//! returns a [`ParseError`] that names the layer for anything it refuses.

use super::frame::ParseError;
use crate::model::Vni;

/// The header's length in bytes.
pub const HEADER_LEN: usize = 8;
/// The I flag: the VNI is valid (RFC 7348 requires it set).
pub const FLAG_I: u8 = 0x08;
/// IANA's port for VXLAN, and Linux's default `dstport`.
pub const DEFAULT_PORT: u16 = 4789;

/// A VXLAN header as a plain value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VxlanHeader {
    pub vni: Vni,
}

impl VxlanHeader {
    /// Reads the header at the start of `bytes`; returns it and the inner
    /// frame after it. Refused as the kernel refuses it (`vxlan_rcv`
    /// without extensions): the I flag unset, any reserved bit set, or a
    /// VNI of 0, which no vxlan device can have.
    pub fn parse(bytes: &[u8]) -> Result<(VxlanHeader, &[u8]), ParseError> {
        let Some((h, inner)) = bytes.split_first_chunk::<HEADER_LEN>() else {
            return Err(ParseError(format!(
                "malformed VXLAN: {} bytes, shorter than its 8-byte header",
                bytes.len()
            )));
        };
        if h[0] != FLAG_I || h[1..4] != [0, 0, 0] || h[7] != 0 {
            return Err(ParseError(format!(
                "malformed VXLAN: flags 0x{:02x} and reserved bits {:02x}{:02x}{:02x}/{:02x}; \
                 only the I flag (0x08) may be set",
                h[0], h[1], h[2], h[3], h[7]
            )));
        }
        let raw = u32::from_be_bytes([0, h[4], h[5], h[6]]);
        let vni = Vni::try_new(raw)
            .ok_or_else(|| ParseError("malformed VXLAN: VNI 0, which no device has".into()))?;
        Ok((VxlanHeader { vni }, inner))
    }

    /// The 8 bytes of the header.
    pub fn to_bytes(self) -> [u8; HEADER_LEN] {
        let v = self.vni.get().to_be_bytes();
        [FLAG_I, 0, 0, 0, v[1], v[2], v[3], 0]
    }

    /// The UDP payload that carries `inner`: this header, then the frame.
    pub fn encapsulate(self, inner: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + inner.len());
        out.extend_from_slice(&self.to_bytes());
        out.extend_from_slice(inner);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vni(n: u32) -> Vni {
        Vni::try_new(n).unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn golden_bytes() {
        // As captured on the kernel (`tcpdump -xx` of a ping over
        // `ip link add vxlan0 type vxlan id 42 ...`): 0800 0000 0000 2a00.
        let h = VxlanHeader { vni: vni(42) };
        assert_eq!(h.to_bytes(), [0x08, 0, 0, 0, 0, 0, 0x2a, 0]);
        let h = VxlanHeader {
            vni: vni(0x00ab_cdef),
        };
        assert_eq!(h.to_bytes(), [0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0]);
    }

    #[test]
    fn parse_round_trip_and_inner_frame() {
        let inner = [0xffu8; 20];
        let bytes = VxlanHeader { vni: vni(7) }.encapsulate(&inner);
        let (h, rest) = VxlanHeader::parse(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(h.vni, vni(7));
        assert_eq!(rest, inner);
    }

    #[test]
    fn refuses_what_the_kernel_drops() {
        assert!(VxlanHeader::parse(&[8, 0, 0, 0, 0, 0, 1]).is_err(), "short");
        assert!(
            VxlanHeader::parse(&[0, 0, 0, 0, 0, 0, 1, 0]).is_err(),
            "no I flag"
        );
        assert!(
            VxlanHeader::parse(&[8, 1, 0, 0, 0, 0, 1, 0]).is_err(),
            "reserved"
        );
        assert!(
            VxlanHeader::parse(&[8, 0, 0, 0, 0, 0, 1, 1]).is_err(),
            "reserved"
        );
        assert!(
            VxlanHeader::parse(&[8, 0, 0, 0, 0, 0, 0, 0]).is_err(),
            "VNI 0"
        );
    }
}
