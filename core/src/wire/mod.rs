//! Packet formats and the address types they carry.
//!
//! Ethernet, ARP, IPv4, ICMP, UDP and TCP bytes are built and parsed with
//! etherparse ([`frame`]), the VXLAN header by hand ([`vxlan`]); this module adds the small value types that
//! etherparse leaves to its users: MAC addresses and IPv4 prefixes.

mod addr;
pub mod bytes;
pub(crate) mod checksum;
pub mod dissect;
pub mod frame;
pub mod vxlan;

pub use addr::{Ipv4Net, MacAddr, ParseAddrError};
