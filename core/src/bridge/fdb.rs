//! The forwarding database of a learning switch: a Linux bridge or a wire.
//!
//! Source MACs are learned per port and forgotten after 300 s without a
//! frame (`ageing_time`); group addresses are never learned. Entries are
//! kept in learning order so that `bridge fdb` lists them stably.

use rustc_hash::FxHashMap;

use crate::model::IfaceId;
use crate::wire::MacAddr;

use crate::time::Time;

/// The bridge default `ageing_time` (300 s).
pub const AGEING: Time = 300_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdbEntry {
    pub mac: MacAddr,
    pub port: IfaceId,
    pub updated: Time,
}

/// What learning a source address changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Learned {
    /// Seen before on the same port: only the timer was refreshed.
    Refreshed,
    New,
    /// The address moved here from another port.
    Moved {
        from: IfaceId,
    },
    /// Group addresses are not learned.
    Ignored,
}

#[derive(Debug, Clone, Default)]
pub struct Fdb {
    entries: Vec<FdbEntry>,
    index: FxHashMap<MacAddr, usize>,
}

impl Fdb {
    pub fn learn(&mut self, mac: MacAddr, port: IfaceId, now: Time) -> Learned {
        if mac.is_multicast() {
            return Learned::Ignored;
        }
        if let Some(&i) = self.index.get(&mac) {
            let e = &mut self.entries[i];
            let expired = now >= e.updated + AGEING;
            let before = e.port;
            e.port = port;
            e.updated = now;
            return if expired {
                Learned::New
            } else if before == port {
                Learned::Refreshed
            } else {
                Learned::Moved { from: before }
            };
        }
        self.index.insert(mac, self.entries.len());
        self.entries.push(FdbEntry {
            mac,
            port,
            updated: now,
        });
        Learned::New
    }

    /// The port a unicast `mac` was last seen on, unless aged out.
    pub fn lookup(&self, mac: MacAddr, now: Time) -> Option<IfaceId> {
        let e = &self.entries[*self.index.get(&mac)?];
        (now < e.updated + AGEING).then_some(e.port)
    }

    /// Live entries at `now`, in learning order.
    pub fn entries(&self, now: Time) -> impl Iterator<Item = &FdbEntry> {
        self.entries
            .iter()
            .filter(move |e| now < e.updated + AGEING)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: MacAddr = MacAddr([2, 0x42, 0xac, 0x11, 0, 2]);

    #[test]
    fn learns_moves_and_ages() {
        let mut f = Fdb::default();
        assert_eq!(f.learn(A, IfaceId(3), 0), Learned::New);
        assert_eq!(f.learn(A, IfaceId(3), 10), Learned::Refreshed);
        assert_eq!(f.lookup(A, 10), Some(IfaceId(3)));
        assert_eq!(
            f.learn(A, IfaceId(4), 20),
            Learned::Moved { from: IfaceId(3) }
        );
        assert_eq!(f.lookup(A, 20 + AGEING - 1), Some(IfaceId(4)));
        assert_eq!(f.lookup(A, 20 + AGEING), None, "aged out after 300 s");
        assert_eq!(f.entries(20 + AGEING).count(), 0);
        assert_eq!(f.learn(A, IfaceId(4), 20 + AGEING), Learned::New);
    }

    #[test]
    fn group_addresses_are_not_learned() {
        let mut f = Fdb::default();
        assert_eq!(f.learn(MacAddr::BROADCAST, IfaceId(1), 0), Learned::Ignored);
        assert_eq!(f.lookup(MacAddr::BROADCAST, 0), None);
    }
}
