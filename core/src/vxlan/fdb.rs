//! A vxlan device's own forwarding database: which remote VTEP each inner
//! MAC sits behind (`bridge fdb show dev vxlan0` lists it with `dst`).
//!
//! Two kinds of entry, as the kernel keeps them (`vxlan_fdb`): the static
//! all-zero entry that the topology's `remotes` make (`bridge fdb append
//! 00:00:00:00:00:00 dev vxlan0 dst IP`, one destination per remote, in the
//! order appended), used for broadcast and unknown frames (head-end
//! replication); and entries learned from received packets (`vxlan_snoop`:
//! inner source MAC → outer source IP), forgotten after 300 s without a
//! packet (`ageing 300`). A learned MAC that shows up behind another remote
//! moves there; a static entry never moves, and the packet that would have
//! moved it is dropped. The kernel lists entries newest first.

use core::net::Ipv4Addr;

use rustc_hash::FxHashMap;

use crate::time::Time;
use crate::wire::MacAddr;

/// The default `ageing` of a vxlan device (300 s).
pub const AGEING: Time = 300_000_000_000;

/// One entry: a MAC and where frames to it are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VxlanFdbEntry {
    pub mac: MacAddr,
    /// Remote VTEPs, in the order they were added (one for a learned entry).
    pub dsts: Vec<Ipv4Addr>,
    /// Static (`permanent`): from the topology, never ages, never moves.
    pub permanent: bool,
    pub updated: Time,
}

/// Where a frame to some MAC goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdbHit<'a> {
    /// A learned (or static) entry for that MAC.
    Mac(MacAddr, &'a [Ipv4Addr]),
    /// The all-zero default entry: one copy per remote.
    Default(&'a [Ipv4Addr]),
}

impl<'a> FdbHit<'a> {
    pub fn dsts(self) -> &'a [Ipv4Addr] {
        match self {
            FdbHit::Mac(_, d) | FdbHit::Default(d) => d,
        }
    }

    /// The MAC of the entry used (all zeros for the default entry).
    pub fn mac(self) -> MacAddr {
        match self {
            FdbHit::Mac(m, _) => m,
            FdbHit::Default(_) => MacAddr::ZERO,
        }
    }
}

/// What a received packet's inner source taught the FDB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snooped {
    /// Known behind that remote already: the timer was refreshed.
    Refreshed,
    New,
    /// It moved here from another remote.
    Moved {
        from: Ipv4Addr,
    },
    /// A static entry says it is behind another remote: the kernel drops
    /// the packet rather than move it.
    StaticElsewhere {
        dst: Ipv4Addr,
    },
    /// Group addresses are not learned.
    Ignored,
}

#[derive(Debug, Clone, Default)]
pub struct VxlanFdb {
    /// In the order made (the kernel lists them the other way round).
    entries: Vec<VxlanFdbEntry>,
    index: FxHashMap<MacAddr, usize>,
}

impl VxlanFdb {
    /// The FDB a vxlan device starts with: the all-zero entry to each of
    /// `remotes` (none without remotes).
    pub fn with_remotes(remotes: &[Ipv4Addr]) -> VxlanFdb {
        let mut f = VxlanFdb::default();
        if !remotes.is_empty() {
            f.index.insert(MacAddr::ZERO, 0);
            f.entries.push(VxlanFdbEntry {
                mac: MacAddr::ZERO,
                dsts: remotes.to_vec(),
                permanent: true,
                updated: 0,
            });
        }
        f
    }

    fn live(&self, mac: MacAddr, now: Time) -> Option<&VxlanFdbEntry> {
        let e = &self.entries[*self.index.get(&mac)?];
        (e.permanent || now < e.updated.saturating_add(AGEING)).then_some(e)
    }

    /// `vxlan_xmit`'s lookup: the entry of the destination MAC, else the
    /// all-zero entry; `None` when neither exists (the frame is dropped).
    pub fn lookup(&self, dst: MacAddr, now: Time) -> Option<FdbHit<'_>> {
        if let Some(e) = self.live(dst, now).filter(|_| dst != MacAddr::ZERO) {
            return Some(FdbHit::Mac(e.mac, &e.dsts));
        }
        self.live(MacAddr::ZERO, now)
            .map(|e| FdbHit::Default(&e.dsts))
    }

    /// `vxlan_snoop`: the inner source `mac` came from the VTEP `from`.
    pub fn snoop(&mut self, mac: MacAddr, from: Ipv4Addr, now: Time) -> Snooped {
        if mac.is_multicast() || mac == MacAddr::ZERO {
            return Snooped::Ignored;
        }
        if let Some(&i) = self.index.get(&mac) {
            let e = &mut self.entries[i];
            let alive = e.permanent || now < e.updated.saturating_add(AGEING);
            if alive && e.dsts.first() == Some(&from) {
                e.updated = now;
                return Snooped::Refreshed;
            }
            if e.permanent {
                return Snooped::StaticElsewhere {
                    dst: e.dsts.first().copied().unwrap_or(Ipv4Addr::UNSPECIFIED),
                };
            }
            if alive {
                let before = e.dsts.first().copied().unwrap_or(Ipv4Addr::UNSPECIFIED);
                e.dsts = vec![from];
                e.updated = now;
                return Snooped::Moved { from: before };
            }
            // Aged out: the kernel freed it, the new one is the newest.
            self.entries.remove(i);
            self.index.clear();
            for (k, e) in self.entries.iter().enumerate() {
                self.index.insert(e.mac, k);
            }
        }
        self.index.insert(mac, self.entries.len());
        self.entries.push(VxlanFdbEntry {
            mac,
            dsts: vec![from],
            permanent: false,
            updated: now,
        });
        Snooped::New
    }

    /// Live entries at `now`, newest first, as `bridge fdb show` lists them.
    pub fn entries(&self, now: Time) -> impl Iterator<Item = &VxlanFdbEntry> {
        self.entries
            .iter()
            .rev()
            .filter(move |e| e.permanent || now < e.updated.saturating_add(AGEING))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: MacAddr = MacAddr([2, 0x42, 10, 0, 0, 2]);
    const R1: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 12);
    const R2: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 13);

    #[test]
    fn unknown_and_broadcast_go_to_every_remote() {
        let f = VxlanFdb::with_remotes(&[R1, R2]);
        assert_eq!(f.lookup(A, 0), Some(FdbHit::Default(&[R1, R2])));
        assert_eq!(
            f.lookup(MacAddr::BROADCAST, 0),
            Some(FdbHit::Default(&[R1, R2]))
        );
        assert_eq!(VxlanFdb::with_remotes(&[]).lookup(A, 0), None);
    }

    #[test]
    fn learns_moves_ages_and_lists_newest_first() {
        let mut f = VxlanFdb::with_remotes(&[R1, R2]);
        assert_eq!(f.snoop(A, R1, 5), Snooped::New);
        assert_eq!(f.lookup(A, 6), Some(FdbHit::Mac(A, &[R1])));
        assert_eq!(f.snoop(A, R1, 7), Snooped::Refreshed);
        assert_eq!(f.snoop(A, R2, 8), Snooped::Moved { from: R1 });
        let macs: Vec<MacAddr> = f.entries(9).map(|e| e.mac).collect();
        assert_eq!(macs, [A, MacAddr::ZERO]);
        assert_eq!(f.lookup(A, 8 + AGEING), Some(FdbHit::Default(&[R1, R2])));
        assert_eq!(f.entries(8 + AGEING).count(), 1, "only the static entry");
        assert_eq!(f.snoop(A, R1, 8 + AGEING), Snooped::New);
        assert_eq!(f.snoop(MacAddr::BROADCAST, R1, 0), Snooped::Ignored);
    }

    #[test]
    fn static_entries_do_not_move() {
        let mut f = VxlanFdb::with_remotes(&[R1]);
        assert_eq!(
            f.snoop(MacAddr::ZERO, R2, 1),
            Snooped::Ignored,
            "the all-zero MAC is never a source"
        );
        f.entries[0].mac = A;
        f.index.clear();
        f.index.insert(A, 0);
        assert_eq!(f.snoop(A, R2, 1), Snooped::StaticElsewhere { dst: R1 });
    }
}
