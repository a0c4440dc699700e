//! MAC addresses and IPv4 prefixes (`172.17.0.2/16`), as `ip` prints them.

use core::fmt;
use core::net::Ipv4Addr;
use core::str::FromStr;

/// Why an address did not parse; the message says what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseAddrError(pub &'static str);

impl fmt::Display for ParseAddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A 48-bit Ethernet address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

/// Hashed as one 48-bit number: a switch hashes two MACs per frame (the
/// source it learns, the destination it looks up), and one word is far
/// cheaper to hash than six bytes and their length.
impl core::hash::Hash for MacAddr {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        let [a, b, c, d, e, f] = self.0;
        state.write_u64(u64::from_le_bytes([a, b, c, d, e, f, 0, 0]));
    }
}

impl MacAddr {
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);
    pub const ZERO: MacAddr = MacAddr([0; 6]);

    /// Group bit set: broadcast or multicast, never learned, always flooded.
    pub fn is_multicast(self) -> bool {
        self.0[0] & 1 == 1
    }

    pub fn is_broadcast(self) -> bool {
        self == Self::BROADCAST
    }

    /// Docker's rule: `02:42:` followed by the four bytes of the address.
    pub fn docker(addr: Ipv4Addr) -> MacAddr {
        let o = addr.octets();
        MacAddr([0x02, 0x42, o[0], o[1], o[2], o[3]])
    }

    /// A locally administered unicast address derived from `seed` (FNV-1a),
    /// the same on every run.
    pub fn derived(seed: &str) -> MacAddr {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        let b = h.to_be_bytes();
        MacAddr([(b[0] & 0xfc) | 0x02, b[1], b[2], b[3], b[4], b[5]])
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for MacAddr {
    type Err = ParseAddrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const WANT: &str =
            "a MAC address is six two-digit hex bytes separated by colons, e.g. 02:42:ac:11:00:02";
        let mut out = [0u8; 6];
        let mut parts = s.split(':');
        for byte in &mut out {
            let p = parts.next().ok_or(ParseAddrError(WANT))?;
            if p.len() != 2 {
                return Err(ParseAddrError(WANT));
            }
            *byte = u8::from_str_radix(p, 16).map_err(|_| ParseAddrError(WANT))?;
        }
        if parts.next().is_some() {
            return Err(ParseAddrError(WANT));
        }
        Ok(MacAddr(out))
    }
}

impl serde::Serialize for MacAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An interface address with its prefix length, as in `172.17.0.2/16`.
/// The host bits are kept: this is an address on a subnet, not a route.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ipv4Net {
    addr: Ipv4Addr,
    prefix: u8,
}

impl Ipv4Net {
    pub const DEFAULT: Ipv4Net = Ipv4Net {
        addr: Ipv4Addr::UNSPECIFIED,
        prefix: 0,
    };

    /// `None` when `prefix > 32`.
    pub fn new(addr: Ipv4Addr, prefix: u8) -> Option<Ipv4Net> {
        (prefix <= 32).then_some(Ipv4Net { addr, prefix })
    }

    pub fn addr(self) -> Ipv4Addr {
        self.addr
    }

    pub fn prefix(self) -> u8 {
        self.prefix
    }

    pub fn mask(self) -> u32 {
        match self.prefix {
            0 => 0,
            p => u32::MAX << (32 - u32::from(p)),
        }
    }

    /// The subnet: host bits cleared.
    pub fn network(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }

    /// The same prefix with host bits cleared, as a route destination.
    pub fn trunc(self) -> Ipv4Net {
        Ipv4Net {
            addr: self.network(),
            prefix: self.prefix,
        }
    }

    /// The subnet's broadcast address (`brd` in `ip addr`).
    pub fn broadcast(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !self.mask())
    }

    pub fn contains(self, ip: Ipv4Addr) -> bool {
        (u32::from(ip) ^ u32::from(self.addr)) & self.mask() == 0
    }

    /// Whether the host bits are all zero.
    pub fn is_network(self) -> bool {
        u32::from(self.addr) & !self.mask() == 0
    }
}

impl fmt::Display for Ipv4Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl fmt::Debug for Ipv4Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Ipv4Net {
    type Err = ParseAddrError;

    /// `A.B.C.D/N`; a bare address is not accepted (the file must say the
    /// prefix, as `ip addr add` warns it should).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const WANT: &str =
            "an IPv4 CIDR is ADDRESS/PREFIX with a prefix from 0 to 32, e.g. 172.17.0.2/16";
        let (a, p) = s.split_once('/').ok_or(ParseAddrError(WANT))?;
        let addr: Ipv4Addr = a.parse().map_err(|_| ParseAddrError(WANT))?;
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseAddrError(WANT));
        }
        let prefix: u8 = p.parse().map_err(|_| ParseAddrError(WANT))?;
        Ipv4Net::new(addr, prefix).ok_or(ParseAddrError(WANT))
    }
}

impl serde::Serialize for Ipv4Net {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_mac_from_address() {
        let mac = MacAddr::docker(Ipv4Addr::new(172, 17, 0, 2));
        assert_eq!(mac.to_string(), "02:42:ac:11:00:02");
    }

    #[test]
    fn derived_mac_is_stable_local_unicast() {
        let a = MacAddr::derived("host/veth2d6f8e9");
        assert_eq!(a, MacAddr::derived("host/veth2d6f8e9"));
        assert_ne!(a, MacAddr::derived("host/vethb1c3a07"));
        assert_eq!(a.0[0] & 0x03, 0x02, "locally administered, unicast");
    }

    #[test]
    fn mac_round_trip_and_errors() {
        let m: MacAddr = "1a:66:5e:d2:c1:66".parse().unwrap();
        assert_eq!(m.to_string(), "1a:66:5e:d2:c1:66");
        for bad in [
            "",
            "1a:66:5e:d2:c1",
            "1a:66:5e:d2:c1:66:00",
            "1a:66:5e:d2:c1:6g",
            "1a:66:5e:d2:c1:6",
        ] {
            assert!(bad.parse::<MacAddr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn cidr_parse_and_math() {
        let n: Ipv4Net = "172.17.0.2/16".parse().unwrap();
        assert_eq!(n.network(), Ipv4Addr::new(172, 17, 0, 0));
        assert_eq!(n.broadcast(), Ipv4Addr::new(172, 17, 255, 255));
        assert!(n.contains(Ipv4Addr::new(172, 17, 200, 1)));
        assert!(!n.contains(Ipv4Addr::new(172, 18, 0, 1)));
        assert_eq!(n.trunc().to_string(), "172.17.0.0/16");
        assert!(Ipv4Net::DEFAULT.contains(Ipv4Addr::new(8, 8, 8, 8)));
        for bad in [
            "172.17.0.2",
            "172.17.0.2/33",
            "172.17.0.300/16",
            "1.2.3.4/",
            "1.2.3.4/+1",
            "x/8",
        ] {
            assert!(bad.parse::<Ipv4Net>().is_err(), "{bad}");
        }
    }
}
