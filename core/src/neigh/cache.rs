//! The neighbour (ARP) cache of one namespace, as `ip neigh` shows it.
//!
//! States follow the kernel's: a miss creates an `INCOMPLETE` entry that
//! holds the packets waiting for it and is probed every second
//! (`retrans_time_ms` = 1000) up to three times (`mcast_solicit` = 3) before
//! it becomes `FAILED`; an answer makes it `REACHABLE` for 30 s
//! (`base_reachable_time_ms`), after which it is `STALE` but still used.
//! An entry learned from someone else's request starts `STALE`.

use core::net::Ipv4Addr;

use rustc_hash::FxHashMap;

use crate::model::IfaceId;
use crate::wire::MacAddr;

use crate::time::Time;

/// Seconds between ARP probes of an incomplete entry.
pub const RETRANS: Time = 1_000_000_000;
/// Probes sent before an entry fails.
pub const MAX_PROBES: u8 = 3;
/// How long a confirmed entry stays `REACHABLE`.
pub const REACHABLE_TIME: Time = 30_000_000_000;
/// Packets an incomplete entry holds (`unres_qlen`); more are dropped.
pub const QUEUE_LEN: usize = 101;

/// A neighbour entry's state as `ip neigh` names it (the kernel's `NUD_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum NudState {
    Incomplete,
    Reachable,
    Stale,
    Delay,
    Probe,
    Failed,
}

impl NudState {
    /// The word `ip neigh` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            NudState::Incomplete => "INCOMPLETE",
            NudState::Reachable => "REACHABLE",
            NudState::Stale => "STALE",
            NudState::Delay => "DELAY",
            NudState::Probe => "PROBE",
            NudState::Failed => "FAILED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeighState<P> {
    /// Asked, no answer yet; the packets waiting for the answer.
    Incomplete { probes: u8, queue: Vec<P> },
    /// Confirmed by an ARP reply at this time.
    Reachable { confirmed: Time },
    /// Learned without confirmation (from a request we answered).
    Stale,
    /// Three probes went unanswered.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeighEntry<P> {
    pub ip: Ipv4Addr,
    pub dev: IfaceId,
    pub mac: Option<MacAddr>,
    pub state: NeighState<P>,
}

impl<P> NeighEntry<P> {
    /// The state `ip neigh` shows at time `now`.
    pub fn nud(&self, now: Time) -> NudState {
        match &self.state {
            NeighState::Incomplete { .. } => NudState::Incomplete,
            NeighState::Reachable { confirmed } if now < confirmed + REACHABLE_TIME => {
                NudState::Reachable
            }
            NeighState::Reachable { .. } | NeighState::Stale => NudState::Stale,
            NeighState::Failed => NudState::Failed,
        }
    }

    /// The state word `ip neigh` prints at time `now`.
    pub fn state_name(&self, now: Time) -> &'static str {
        self.nud(now).as_str()
    }
}

/// What a lookup found.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Send now to this MAC.
    Found(MacAddr),
    /// Queued; `new_probe` says whether a request must go out now (a new or
    /// previously failed entry).
    Queued { new_probe: bool },
    /// Queue full: the packet is dropped.
    QueueFull,
}

/// One namespace's cache, in creation order for display.
#[derive(Debug, Clone)]
pub struct NeighCache<P> {
    entries: Vec<NeighEntry<P>>,
    index: FxHashMap<(IfaceId, Ipv4Addr), usize>,
}

impl<P> Default for NeighCache<P> {
    fn default() -> Self {
        NeighCache {
            entries: Vec::new(),
            index: FxHashMap::default(),
        }
    }
}

impl<P> NeighCache<P> {
    pub fn entries(&self) -> &[NeighEntry<P>] {
        &self.entries
    }

    pub fn get(&self, dev: IfaceId, ip: Ipv4Addr) -> Option<&NeighEntry<P>> {
        self.index.get(&(dev, ip)).map(|&i| &self.entries[i])
    }

    fn slot(&mut self, dev: IfaceId, ip: Ipv4Addr) -> Option<&mut NeighEntry<P>> {
        self.index.get(&(dev, ip)).map(|&i| &mut self.entries[i])
    }

    /// Resolves `ip` on `dev` for `packet`: returns it with the MAC when
    /// known, else keeps it until the answer (or the failure) comes.
    pub fn resolve(&mut self, dev: IfaceId, ip: Ipv4Addr, packet: P) -> (Lookup, Option<P>) {
        if let Some(e) = self.slot(dev, ip) {
            match &mut e.state {
                NeighState::Reachable { .. } | NeighState::Stale => {
                    if let Some(mac) = e.mac {
                        return (Lookup::Found(mac), Some(packet));
                    }
                    e.state = NeighState::Incomplete {
                        probes: 1,
                        queue: vec![packet],
                    };
                    (Lookup::Queued { new_probe: true }, None)
                }
                NeighState::Incomplete { queue, .. } => {
                    if queue.len() >= QUEUE_LEN {
                        (Lookup::QueueFull, Some(packet))
                    } else {
                        queue.push(packet);
                        (Lookup::Queued { new_probe: false }, None)
                    }
                }
                NeighState::Failed => {
                    e.mac = None;
                    e.state = NeighState::Incomplete {
                        probes: 1,
                        queue: vec![packet],
                    };
                    (Lookup::Queued { new_probe: true }, None)
                }
            }
        } else {
            self.index.insert((dev, ip), self.entries.len());
            self.entries.push(NeighEntry {
                ip,
                dev,
                mac: None,
                state: NeighState::Incomplete {
                    probes: 1,
                    queue: vec![packet],
                },
            });
            (Lookup::Queued { new_probe: true }, None)
        }
    }

    /// Whether `ip` has a usable entry on `dev` (`NUD_VALID`).
    pub fn is_valid(&self, dev: IfaceId, ip: Ipv4Addr) -> bool {
        self.get(dev, ip).is_some_and(|e| {
            e.mac.is_some() && matches!(e.state, NeighState::Reachable { .. } | NeighState::Stale)
        })
    }

    /// `neigh_event_send` without a packet: starts resolving `ip` unless it
    /// is known or already being resolved. Returns whether a request must
    /// go out now.
    pub fn start(&mut self, dev: IfaceId, ip: Ipv4Addr) -> bool {
        if let Some(e) = self.slot(dev, ip) {
            return match e.state {
                NeighState::Failed => {
                    e.mac = None;
                    e.state = NeighState::Incomplete {
                        probes: 1,
                        queue: Vec::new(),
                    };
                    true
                }
                _ => false,
            };
        }
        self.index.insert((dev, ip), self.entries.len());
        self.entries.push(NeighEntry {
            ip,
            dev,
            mac: None,
            state: NeighState::Incomplete {
                probes: 1,
                queue: Vec::new(),
            },
        });
        true
    }

    /// An ARP reply arrived: a waiting entry becomes `REACHABLE` and gives
    /// back its queue. Unsolicited replies create nothing (`arp_accept` = 0).
    pub fn confirm(&mut self, dev: IfaceId, ip: Ipv4Addr, mac: MacAddr, now: Time) -> Vec<P> {
        let Some(e) = self.slot(dev, ip) else {
            return Vec::new();
        };
        e.mac = Some(mac);
        let old = core::mem::replace(&mut e.state, NeighState::Reachable { confirmed: now });
        match old {
            NeighState::Incomplete { queue, .. } => queue,
            _ => Vec::new(),
        }
    }

    /// We answered `ip`'s request: remember its MAC as `STALE`, or release
    /// packets already waiting for it. Returns the released packets and
    /// whether the entry was new or changed.
    pub fn learn_from_request(
        &mut self,
        dev: IfaceId,
        ip: Ipv4Addr,
        mac: MacAddr,
        now: Time,
    ) -> (Vec<P>, bool) {
        if let Some(e) = self.slot(dev, ip) {
            if let NeighState::Incomplete { .. } = e.state {
                return (self.confirm(dev, ip, mac, now), true);
            }
            let changed = e.mac != Some(mac) || matches!(e.state, NeighState::Failed);
            if changed {
                e.mac = Some(mac);
                e.state = NeighState::Stale;
            }
            return (Vec::new(), changed);
        }
        self.index.insert((dev, ip), self.entries.len());
        self.entries.push(NeighEntry {
            ip,
            dev,
            mac: Some(mac),
            state: NeighState::Stale,
        });
        (Vec::new(), true)
    }

    /// The retransmit timer of `ip` fired. `Ok(n)`: probe number `n` must be
    /// sent now; `Err(queue)`: the entry failed and these packets are lost.
    /// `Ok(0)` means there is nothing to do (the entry was answered).
    pub fn timer(&mut self, dev: IfaceId, ip: Ipv4Addr) -> Result<u8, Vec<P>> {
        let Some(e) = self.slot(dev, ip) else {
            return Ok(0);
        };
        let NeighState::Incomplete { probes, .. } = &mut e.state else {
            return Ok(0);
        };
        if *probes < MAX_PROBES {
            *probes += 1;
            return Ok(*probes);
        }
        match core::mem::replace(&mut e.state, NeighState::Failed) {
            NeighState::Incomplete { queue, .. } => Err(queue),
            _ => Err(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV: IfaceId = IfaceId(1);
    const IP: Ipv4Addr = Ipv4Addr::new(172, 17, 0, 2);
    const MAC: MacAddr = MacAddr([2, 0x42, 0xac, 0x11, 0, 2]);

    #[test]
    fn miss_queues_then_reply_releases() {
        let mut c: NeighCache<u32> = NeighCache::default();
        assert_eq!(
            c.resolve(DEV, IP, 1),
            (Lookup::Queued { new_probe: true }, None)
        );
        assert_eq!(
            c.resolve(DEV, IP, 2),
            (Lookup::Queued { new_probe: false }, None)
        );
        assert_eq!(c.get(DEV, IP).unwrap().state_name(0), "INCOMPLETE");
        assert_eq!(c.confirm(DEV, IP, MAC, 5), vec![1, 2]);
        assert_eq!(c.resolve(DEV, IP, 3), (Lookup::Found(MAC), Some(3)));
        assert_eq!(c.get(DEV, IP).unwrap().state_name(5), "REACHABLE");
        assert_eq!(
            c.get(DEV, IP).unwrap().state_name(5 + REACHABLE_TIME),
            "STALE"
        );
    }

    #[test]
    fn three_probes_then_failed_and_a_new_packet_retries() {
        let mut c: NeighCache<u32> = NeighCache::default();
        let _ = c.resolve(DEV, IP, 1);
        assert_eq!(c.timer(DEV, IP), Ok(2));
        assert_eq!(c.timer(DEV, IP), Ok(3));
        assert_eq!(c.timer(DEV, IP), Err(vec![1]));
        assert_eq!(c.get(DEV, IP).unwrap().state_name(0), "FAILED");
        assert_eq!(c.timer(DEV, IP), Ok(0), "a failed entry has no timer");
        assert_eq!(
            c.resolve(DEV, IP, 2),
            (Lookup::Queued { new_probe: true }, None)
        );
    }

    #[test]
    fn request_creates_stale_and_unsolicited_reply_creates_nothing() {
        let mut c: NeighCache<u32> = NeighCache::default();
        assert!(c.confirm(DEV, IP, MAC, 0).is_empty());
        assert!(c.get(DEV, IP).is_none());
        let (released, changed) = c.learn_from_request(DEV, IP, MAC, 0);
        assert!(released.is_empty() && changed);
        assert_eq!(c.get(DEV, IP).unwrap().state_name(0), "STALE");
        assert_eq!(c.resolve(DEV, IP, 9), (Lookup::Found(MAC), Some(9)));
    }

    #[test]
    fn queue_is_bounded() {
        let mut c: NeighCache<usize> = NeighCache::default();
        for i in 0..QUEUE_LEN {
            assert!(c.resolve(DEV, IP, i).1.is_none());
        }
        assert_eq!(c.resolve(DEV, IP, 999), (Lookup::QueueFull, Some(999)));
    }
}
