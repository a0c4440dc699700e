//! The bounds of a run: how long a probe waits, and how many events and
//! floods a run may produce before it is declared a storm.

use crate::model::Topology;
use crate::time::Time;

/// How long a probe waits for an answer.
pub const PROBE_TIMEOUT: Time = 5 * crate::time::SECOND;
/// Events one run may produce before it is declared a storm, in a small
/// topology; see [`event_budget`].
pub const EVENT_BUDGET: usize = 50_000;
/// How many times one switch may flood the same packet before the run is
/// declared a storm. Without a loop a switch floods a packet once: a
/// router that sends it back through the same bridge does so with a MAC
/// the bridge has learned by then, so the frame is forwarded, not flooded.
/// In a loop every copy comes round again, and this is reached within a
/// few turns, long before [`EVENT_BUDGET`].
pub const FLOOD_REPEATS: u32 = 32;

/// Events one run of `topo` may produce before it is declared a storm: one
/// broadcast legitimately reaches every interface once (an ARP request on
/// an overlay of 100 hosts with 100 containers each is replicated to every
/// host and flooded to every container), so the bound grows with the
/// number of interfaces, 16 events each.
pub fn event_budget(topo: &Topology) -> usize {
    EVENT_BUDGET.max(topo.ifaces.len().saturating_mul(16))
}
