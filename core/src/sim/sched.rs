//! The scheduler: what is waiting to happen, earliest first, and among
//! equals in the order it was scheduled (so runs are deterministic).

use core::cmp::Ordering;
use core::net::Ipv4Addr;
use std::collections::BinaryHeap;

use super::Cx;
use crate::model::{IfaceId, WireId};
use crate::sock::FlowId;
use crate::time::Time;
use crate::trace::FrameId;
use crate::wire::frame::Bytes;

/// What is waiting to happen. Each carries the context ([`Cx`]) it was
/// scheduled in, so that what it causes is recorded as its consequence.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// A frame arrives on an interface at the far end of a cable.
    Arrive {
        iface: IfaceId,
        bytes: Bytes,
        frame: FrameId,
        cx: Cx,
    },
    /// A frame enters a wire's switch from one of its NICs.
    WireIn {
        wire: WireId,
        port: IfaceId,
        bytes: Bytes,
        frame: FrameId,
        cx: Cx,
    },
    /// The ARP retransmit timer of an incomplete entry.
    NeighTimer { dev: IfaceId, ip: Ipv4Addr, cx: Cx },
    /// A probe's TCP SYN is due for retransmission.
    SynRetransmit { flow: FlowId, attempt: u8, cx: Cx },
}

impl Action {
    /// A frame on a cable (what a storm's end throws away).
    pub fn is_frame(&self) -> bool {
        matches!(self, Action::Arrive { .. } | Action::WireIn { .. })
    }
}

#[derive(Debug, Clone)]
struct Scheduled {
    at: Time,
    seq: u64,
    action: Action,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    /// Reversed: the heap pops the earliest, and among equals the first
    /// scheduled.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Queue {
    heap: BinaryHeap<Scheduled>,
    seq: u64,
}

impl Queue {
    pub fn push(&mut self, at: Time, action: Action) {
        self.seq += 1;
        self.heap.push(Scheduled {
            at,
            seq: self.seq,
            action,
        });
    }

    pub fn peek_time(&self) -> Option<Time> {
        self.heap.peek().map(|s| s.at)
    }

    pub fn pop(&mut self) -> Option<(Time, Action)> {
        self.heap.pop().map(|s| (s.at, s.action))
    }

    /// Keeps only the actions for which `keep` is true.
    pub fn retain(&mut self, keep: impl Fn(&Action) -> bool) {
        self.heap.retain(|s| keep(&s.action));
    }
}
