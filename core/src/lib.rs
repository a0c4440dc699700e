//! netsim-core: a deterministic, packet-level model of the Linux data path
//! that containers use: network namespaces, veth pairs, bridges, ARP,
//! IPv4 routing.
//!
//! The data path is split as the kernel's is: [`dev`] (veth, NIC, wire,
//! loopback), [`bridge`], [`neigh`] (ARP), [`ipv4`], [`netfilter`] and
//! [`sock`] and [`vxlan`], driven by the run loop of [`sim`] in virtual [`time`].
//!
//! The flow is one way: a topology file ([`load`]) becomes a validated
//! [`model::Topology`]; a [`sim::Sim`] runs its probes, moving real Ethernet
//! frames between devices and recording every decision in a
//! [`trace::Event`] list; [`view`] prints the state as `ip` and `bridge`
//! would.
//!
//! Promises: no clock, RNG, threads, files or web APIs; the same input gives
//! the same output, byte for byte; nothing panics on any input.

pub mod bridge;
pub mod dev;
pub mod error;
pub mod examples;
pub mod ipv4;
pub mod model;
pub mod neigh;
pub mod netfilter;
pub mod resolve;
pub mod sim;
pub mod sock;
pub mod text;
pub mod time;
pub mod trace;
pub mod view;
pub mod vxlan;
pub mod wire;

pub use error::{Diagnostic, Diagnostics};
pub use model::Topology;
pub use resolve::MAX_FILE_BYTES;

/// Parses and validates a topology file. `file` names it in errors.
pub fn load(file: &str, text: &str) -> Result<Topology, Diagnostics> {
    resolve::resolve(file, text)
}

/// [`load`] for the bytes of a file as read: text that is not UTF-8 is
/// refused with the place of its first bad byte, and more than
/// [`MAX_FILE_BYTES`] bytes without looking further.
pub fn load_bytes(file: &str, bytes: &[u8]) -> Result<Topology, Diagnostics> {
    resolve::resolve_bytes(file, bytes)
}
