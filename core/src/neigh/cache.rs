//! The neighbour (ARP) cache of one namespace, as `ip neigh` shows it.
//!
//! States follow the kernel's: a miss creates an `INCOMPLETE` entry that
//! holds the packets waiting for it and is probed every second
//! (`retrans_time_ms` = 1000) up to three times (`mcast_solicit` = 3) before
//! it becomes `FAILED`; an answer makes it `REACHABLE` for 30 s
//! (`base_reachable_time_ms`), after which it is `STALE` but still used.
//! An entry learned from someone else's request starts `STALE`.
//!
//! Using a `STALE` entry sends the packet at once and moves the entry to
//! `DELAY`; unconfirmed 5 s later (`delay_first_probe_time`) it becomes
//! `PROBE` and the kernel asks the neighbour itself with unicast ARP
//! requests, one a second, three in all (`ucast_solicit`): a reply makes it
//! `REACHABLE`, silence `FAILED`. Measured on the kernel (see
//! `examples/KERNEL-CHECKS.md`): bus1's entry for bus2 is `DELAY` right
//! after bus2's first ping, and 5 s later bus1 sends `who-has 172.17.0.3
//! tell 172.17.0.2` to bus2's MAC; a TCP handshake does not confirm it.

use core::net::Ipv4Addr;

use rustc_hash::FxHashMap;

use crate::model::IfaceId;
use crate::wire::MacAddr;

use crate::time::Time;

/// Seconds between ARP probes of an incomplete entry.
pub const RETRANS: Time = 1_000_000_000;
/// Probes sent before an entry fails.
pub const MAX_PROBES: u8 = 3;
/// How long a used `STALE` entry waits in `DELAY` for a confirmation
/// before it is probed (`delay_first_probe_time`).
pub const DELAY_FIRST_PROBE: Time = 5_000_000_000;
/// Unicast probes of an entry in `PROBE` before it fails (`ucast_solicit`).
pub const UCAST_PROBES: u8 = 3;
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
    /// Learned without confirmation (from a request we answered), or
    /// confirmed too long ago.
    Stale,
    /// A `STALE` entry was used: its timer fires at `until`, when the entry
    /// is probed unless something confirmed it.
    Delay { until: Time },
    /// Asked by unicast: `probes` requests sent, the next timer at `next`.
    Probe { probes: u8, next: Time },
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
            NeighState::Delay { .. } => NudState::Delay,
            NeighState::Probe { .. } => NudState::Probe,
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
    /// Send now to this MAC, but the entry was `STALE`: it is `DELAY` now,
    /// and its timer must be started ([`DELAY_FIRST_PROBE`]).
    FoundStale(MacAddr),
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
    pub fn resolve(
        &mut self,
        dev: IfaceId,
        ip: Ipv4Addr,
        packet: P,
        now: Time,
    ) -> (Lookup, Option<P>) {
        if let Some(e) = self.slot(dev, ip) {
            let stale = e.nud(now) == NudState::Stale;
            match (&mut e.state, e.mac) {
                // `neigh_event_send`: a valid entry sends at once; a STALE
                // one starts the DELAY timer as it does.
                (
                    NeighState::Reachable { .. }
                    | NeighState::Stale
                    | NeighState::Delay { .. }
                    | NeighState::Probe { .. },
                    Some(mac),
                ) => {
                    if stale {
                        e.state = NeighState::Delay {
                            until: now.saturating_add(DELAY_FIRST_PROBE),
                        };
                        return (Lookup::FoundStale(mac), Some(packet));
                    }
                    (Lookup::Found(mac), Some(packet))
                }
                (NeighState::Incomplete { queue, .. }, _) => {
                    if queue.len() >= QUEUE_LEN {
                        (Lookup::QueueFull, Some(packet))
                    } else {
                        queue.push(packet);
                        (Lookup::Queued { new_probe: false }, None)
                    }
                }
                // FAILED, or a valid state without an address (never made):
                // ask again from the start.
                (_, _) => {
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

    /// The timer of `ip` fired at `now` (`neigh_timer_handler`): what the
    /// entry does next.
    pub fn timer(&mut self, dev: IfaceId, ip: Ipv4Addr, now: Time) -> Timer<P> {
        let Some(e) = self.slot(dev, ip) else {
            return Timer::Nothing;
        };
        match (&mut e.state, e.mac) {
            (NeighState::Incomplete { probes, .. }, _) => {
                if *probes < MAX_PROBES {
                    *probes += 1;
                    return Timer::Retransmit(*probes);
                }
                match core::mem::replace(&mut e.state, NeighState::Failed) {
                    NeighState::Incomplete { queue, .. } => Timer::Failed(queue),
                    _ => Timer::Failed(Vec::new()),
                }
            }
            // A timer due before the entry's current deadline is an old one
            // (the state was left and entered again since): it does nothing.
            (NeighState::Delay { until }, Some(mac)) if *until <= now => {
                // Nothing but an ARP reply confirms an entry here (a reply
                // makes it REACHABLE at once, leaving DELAY): probe it.
                e.state = NeighState::Probe {
                    probes: 1,
                    next: now.saturating_add(super::RETRANS),
                };
                Timer::Probe { mac, probe: 1 }
            }
            (NeighState::Probe { probes, next }, Some(mac)) if *next <= now => {
                if *probes < UCAST_PROBES {
                    *probes += 1;
                    *next = now.saturating_add(super::RETRANS);
                    return Timer::Probe {
                        mac,
                        probe: *probes,
                    };
                }
                e.mac = None;
                e.state = NeighState::Failed;
                Timer::ProbeFailed
            }
            _ => Timer::Nothing,
        }
    }
}

/// What an entry's timer does.
#[derive(Debug, PartialEq, Eq)]
pub enum Timer<P> {
    /// Nothing: the entry was answered, or the timer is an old one.
    Nothing,
    /// INCOMPLETE: broadcast request number `n` goes out now.
    Retransmit(u8),
    /// INCOMPLETE after the last request: FAILED; these packets are lost.
    Failed(Vec<P>),
    /// DELAY ran out (then it is PROBE now, `probe` 1), or PROBE is still
    /// unanswered: unicast request number `probe` goes out to `mac`.
    Probe { mac: MacAddr, probe: u8 },
    /// PROBE after the last unicast request: FAILED.
    ProbeFailed,
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
            c.resolve(DEV, IP, 1, 0),
            (Lookup::Queued { new_probe: true }, None)
        );
        assert_eq!(
            c.resolve(DEV, IP, 2, 0),
            (Lookup::Queued { new_probe: false }, None)
        );
        assert_eq!(c.get(DEV, IP).unwrap().state_name(0), "INCOMPLETE");
        assert_eq!(c.confirm(DEV, IP, MAC, 5), vec![1, 2]);
        assert_eq!(c.resolve(DEV, IP, 3, 5), (Lookup::Found(MAC), Some(3)));
        assert_eq!(c.get(DEV, IP).unwrap().state_name(5), "REACHABLE");
        assert_eq!(
            c.get(DEV, IP).unwrap().state_name(5 + REACHABLE_TIME),
            "STALE"
        );
    }

    #[test]
    fn three_probes_then_failed_and_a_new_packet_retries() {
        let mut c: NeighCache<u32> = NeighCache::default();
        let _ = c.resolve(DEV, IP, 1, 0);
        assert_eq!(c.timer(DEV, IP, 1), Timer::Retransmit(2));
        assert_eq!(c.timer(DEV, IP, 2), Timer::Retransmit(3));
        assert_eq!(c.timer(DEV, IP, 3), Timer::Failed(vec![1]));
        assert_eq!(c.get(DEV, IP).unwrap().state_name(0), "FAILED");
        assert_eq!(
            c.timer(DEV, IP, 4),
            Timer::Nothing,
            "a failed entry has no timer"
        );
        assert_eq!(
            c.resolve(DEV, IP, 2, 5),
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
        assert_eq!(c.resolve(DEV, IP, 9, 0), (Lookup::FoundStale(MAC), Some(9)));
    }

    const S: Time = 1_000_000_000;

    #[test]
    fn a_used_stale_entry_is_delay_then_probed_by_unicast_then_reachable() {
        // As measured: bus1 answers bus2's ping from a STALE entry (DELAY),
        // and 5 s later asks bus2 directly; bus2's reply confirms it.
        let mut c: NeighCache<u32> = NeighCache::default();
        let _ = c.learn_from_request(DEV, IP, MAC, 0);
        assert_eq!(c.resolve(DEV, IP, 1, 0), (Lookup::FoundStale(MAC), Some(1)));
        assert_eq!(c.get(DEV, IP).unwrap().state_name(0), "DELAY");
        assert_eq!(
            c.resolve(DEV, IP, 2, S),
            (Lookup::Found(MAC), Some(2)),
            "DELAY sends at once and keeps its timer"
        );
        assert_eq!(
            c.timer(DEV, IP, DELAY_FIRST_PROBE),
            Timer::Probe { mac: MAC, probe: 1 }
        );
        assert_eq!(c.get(DEV, IP).unwrap().state_name(0), "PROBE");
        assert_eq!(
            c.resolve(DEV, IP, 3, DELAY_FIRST_PROBE),
            (Lookup::Found(MAC), Some(3)),
            "PROBE still sends with the address it has"
        );
        assert!(c.confirm(DEV, IP, MAC, DELAY_FIRST_PROBE + 1).is_empty());
        assert_eq!(
            c.get(DEV, IP).unwrap().state_name(DELAY_FIRST_PROBE + 1),
            "REACHABLE"
        );
        assert_eq!(
            c.timer(DEV, IP, DELAY_FIRST_PROBE + S),
            Timer::Nothing,
            "the old PROBE timer finds the entry answered"
        );
    }

    #[test]
    fn an_unanswered_probe_fails_after_three_unicast_requests() {
        // As measured with the neighbour silent (arp_ignore 8): PROBE at
        // 5 s, requests at 5, 6 and 7 s, FAILED at 8 s.
        let mut c: NeighCache<u32> = NeighCache::default();
        let _ = c.learn_from_request(DEV, IP, MAC, 0);
        let _ = c.resolve(DEV, IP, 1, 0);
        assert_eq!(
            c.timer(DEV, IP, 4 * S),
            Timer::Nothing,
            "not this entry's timer"
        );
        assert_eq!(c.timer(DEV, IP, 5 * S), Timer::Probe { mac: MAC, probe: 1 });
        assert_eq!(c.timer(DEV, IP, 6 * S), Timer::Probe { mac: MAC, probe: 2 });
        assert_eq!(c.timer(DEV, IP, 7 * S), Timer::Probe { mac: MAC, probe: 3 });
        assert_eq!(c.timer(DEV, IP, 8 * S), Timer::ProbeFailed);
        let e = c.get(DEV, IP).unwrap();
        assert_eq!((e.state_name(8 * S), e.mac), ("FAILED", None));
    }

    #[test]
    fn an_expired_reachable_entry_is_stale_and_its_use_starts_delay() {
        let mut c: NeighCache<u32> = NeighCache::default();
        let _ = c.resolve(DEV, IP, 1, 0);
        let _ = c.confirm(DEV, IP, MAC, 0);
        assert_eq!(c.resolve(DEV, IP, 2, 1), (Lookup::Found(MAC), Some(2)));
        assert_eq!(
            c.resolve(DEV, IP, 3, REACHABLE_TIME),
            (Lookup::FoundStale(MAC), Some(3))
        );
        assert_eq!(c.get(DEV, IP).unwrap().state_name(REACHABLE_TIME), "DELAY");
    }

    #[test]
    fn queue_is_bounded() {
        let mut c: NeighCache<usize> = NeighCache::default();
        for i in 0..QUEUE_LEN {
            assert!(c.resolve(DEV, IP, i, 0).1.is_none());
        }
        assert_eq!(c.resolve(DEV, IP, 999, 0), (Lookup::QueueFull, Some(999)));
    }
}
