//! The neighbour layer: the cache ([`cache`], what `ip neigh` shows) and
//! ARP ([`arp`]): requests, replies, retransmission and failure.
//!
//! Read first: RFC 826 (ARP), RFC 1122 2.3.2.

pub mod arp;
pub mod cache;

pub use cache::{Lookup, NeighCache, NeighEntry, NeighState, NudState, MAX_PROBES, RETRANS};

use crate::ipv4::Packet;
use crate::sim::Cx;
use crate::sock::FlowId;

/// Who made a packet that waits for ARP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// This namespace's own socket or kernel; the probe's socket, if any.
    Local { flow: Option<FlowId> },
    /// Being forwarded.
    Forwarded,
}

/// A packet waiting in the neighbour queue, with the context it was sent
/// in.
#[derive(Debug, Clone)]
pub struct Pending {
    pub(crate) packet: Packet,
    pub(crate) origin: Origin,
    pub(crate) cx: Cx,
}
