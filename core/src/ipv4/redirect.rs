//! ICMP redirects and the ICMP rate limit, as `net/ipv4/route.c`
//! (`ip_rt_send_redirect`, `__ip_do_redirect`) and `net/ipv4/icmp.c`
//! (`icmpv4_xrlim_allow`) have them.
//!
//! A router that forwards a packet back out of the interface it came in
//! on, towards a sender on that link, tells the sender to use the next hop
//! directly (`send_redirects` is 1 by default). Redirects and ICMP errors
//! share one record per remote address (`inet_peer`): sending a redirect
//! stamps its `rate_last`, so an error to the same address right after
//! finds no token (`icmp_ratelimit`, 1 s) and is not sent. That is why, in
//! a routing loop between two routers on one link, the time exceeded never
//! comes back. A host (forwarding off: `accept_redirects` 1) that receives
//! a redirect from its current gateway keeps a next-hop exception for that
//! destination, once it knows the new gateway's MAC; otherwise it starts
//! resolving it.

use core::net::Ipv4Addr;

use crate::model::{IfaceId, NodeId};
use crate::sim::{Action, Net};
use crate::time::{Time, SECOND};
use crate::trace::{DropReason, EventKind, Place, RedirectOutcome};
use crate::wire::frame::{Icmp, Ipv4Packet, RedirectCode, L4};

use super::{Packet, DEFAULT_TTL};

/// `net.ipv4.icmp_ratelimit`: one ICMP error per second per destination.
const ICMP_RATELIMIT: Time = SECOND;
/// `XRLIM_BURST_FACTOR`: up to six may go at once after a quiet time.
const BURST: Time = 6 * ICMP_RATELIMIT;
/// `ip_rt_redirect_load` (HZ/50): the first gap between redirects, doubled
/// after each.
const REDIRECT_LOAD: Time = 20_000_000;
/// `ip_rt_redirect_number`: redirects sent to one host before giving up.
const REDIRECT_NUMBER: u32 = 9;
/// `ip_rt_redirect_silence`: after this long without redirects, start again.
const REDIRECT_SILENCE: Time = REDIRECT_LOAD << (REDIRECT_NUMBER + 1);
/// `ip_rt_gc_timeout`: how long a learned redirect lasts.
const REDIRECT_EXPIRES: Time = 300 * SECOND;

/// What a namespace keeps about one remote address (`struct inet_peer`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Peer {
    /// `rate_tokens`, in ns.
    tokens: Time,
    /// `rate_last`; `None` is "long ago" (a new peer's is 60 s back).
    last: Option<Time>,
    /// `n_redirects`.
    redirects: u32,
}

impl Peer {
    fn since_last(&self, now: Time) -> Time {
        match self.last {
            Some(t) => now.saturating_sub(t),
            None => 60 * SECOND,
        }
    }

    /// `inet_peer_xrlim_allow`: may an ICMP error go to this peer now?
    pub fn xrlim_allow(&mut self, now: Time) -> bool {
        let token = (self.tokens + self.since_last(now)).min(BURST);
        self.last = Some(now);
        if token >= ICMP_RATELIMIT {
            self.tokens = token - ICMP_RATELIMIT;
            true
        } else {
            self.tokens = token;
            false
        }
    }

    /// `ip_rt_send_redirect`'s load limit: may a redirect go now? Sending
    /// one stamps `rate_last` (which the error limit shares).
    pub fn redirect_allow(&mut self, now: Time) -> bool {
        if self.since_last(now) > REDIRECT_SILENCE {
            self.tokens = 0;
            self.redirects = 0;
        }
        if self.redirects >= REDIRECT_NUMBER {
            self.last = Some(now);
            return false;
        }
        let gap = REDIRECT_LOAD
            .checked_shl(self.redirects)
            .unwrap_or(Time::MAX);
        if self.redirects == 0 || self.since_last(now) > gap {
            self.last = Some(now);
            self.redirects += 1;
            true
        } else {
            false
        }
    }
}

impl Net<'_> {
    /// May `node` send an ICMP error to `to` now? Errors that go over `lo`
    /// are never limited.
    pub(crate) fn icmp_rate_allow(&mut self, node: NodeId, to: Ipv4Addr) -> bool {
        if self.is_local(node, to) {
            return true;
        }
        let now = self.st.now;
        self.ns(node)
            .extra()
            .peers
            .entry(to)
            .or_default()
            .xrlim_allow(now)
    }

    /// `ip_forward` found that `p` leaves by `in_dev`, the interface it came
    /// in on, towards `gateway`: when the way back to its source is that
    /// interface too, tell the source (`IPSKB_DOREDIRECT`).
    pub(crate) fn maybe_redirect(
        &mut self,
        node: NodeId,
        in_dev: IfaceId,
        out_dev: IfaceId,
        p: &Packet,
        gateway: Ipv4Addr,
    ) {
        if in_dev != out_dev {
            return;
        }
        let src = p.view.src;
        let back = self.route_lookup(node, src);
        if back.is_none_or(|r| r.dev != in_dev) {
            return;
        }
        let now = self.st.now;
        if !self
            .ns(node)
            .extra()
            .peers
            .entry(src)
            .or_default()
            .redirect_allow(now)
        {
            return;
        }
        self.emit(
            Place::Node(node),
            EventKind::Redirect {
                to: src,
                dst: p.view.dst,
                gateway,
            },
        );
        let ident = self.next_ident(node);
        let view = Ipv4Packet {
            src: Ipv4Addr::UNSPECIFIED,
            dst: src,
            ttl: DEFAULT_TTL,
            ident,
            dont_fragment: false,
            l4: L4::Icmp(Icmp::Redirect {
                code: RedirectCode::RedirectForHost,
                gateway,
                original: p.quote().into(),
            }),
        };
        let cx = self.st.cx;
        self.new_packet();
        self.ip_output(node, Packet::new(view), None);
        self.st.cx = cx;
    }

    /// `icmp_redirect` → `__ip_do_redirect`: a host learns a better gateway
    /// for one destination.
    pub(crate) fn redirect_rcv(
        &mut self,
        node: NodeId,
        from: Ipv4Addr,
        gateway: Ipv4Addr,
        original: &[u8],
    ) {
        let place = Place::Node(node);
        let Ok(q) = crate::wire::frame::Quoted::parse(original) else {
            self.drop_at(
                place,
                DropReason::Malformed("ICMP redirect quotes no IPv4 header".into()),
            );
            return;
        };
        let dst = q.dst;
        let outcome = if self.topo.node(node).forwarding {
            // Turning forwarding on sets accept_redirects to 0.
            RedirectOutcome::Router
        } else {
            // `__ip_do_redirect` (shared_media 1): the new gateway must be a
            // unicast address of another host. Measured: a redirect to the
            // host's own address leaves no neighbour entry for it.
            let unicast = !self.is_local(node, gateway)
                && !self.is_broadcast(node, gateway)
                && !gateway.is_multicast()
                && !gateway.is_broadcast();
            match self.route_lookup(node, dst) {
                Some(r) if r.via == Some(from) && !unicast => RedirectOutcome::BadGateway,
                Some(r) if r.via == Some(from) && gateway != from && !gateway.is_unspecified() => {
                    if self.ns(node).neigh.is_valid(r.dev, gateway) {
                        let until = self.st.now.saturating_add(REDIRECT_EXPIRES);
                        self.ns(node)
                            .extra()
                            .redirected
                            .insert(dst, (gateway, until));
                        RedirectOutcome::Cached
                    } else {
                        if self.ns(node).neigh.start(r.dev, gateway) {
                            self.emit(
                                place,
                                EventKind::RouteRedirect {
                                    dst,
                                    gateway,
                                    outcome: RedirectOutcome::ResolvingGateway,
                                },
                            );
                            self.send_arp_request(r.dev, gateway, None);
                            let cx = self.st.cx;
                            self.schedule(
                                crate::neigh::RETRANS,
                                Action::NeighTimer {
                                    dev: r.dev,
                                    ip: gateway,
                                    cx,
                                },
                            );
                            return;
                        }
                        RedirectOutcome::ResolvingGateway
                    }
                }
                _ => RedirectOutcome::NotFromGateway,
            }
        };
        self.emit(
            place,
            EventKind::RouteRedirect {
                dst,
                gateway,
                outcome,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_leaves_no_token_for_an_error_right_after() {
        let mut p = Peer::default();
        assert!(p.redirect_allow(1_000));
        assert!(!p.xrlim_allow(2_000), "the redirect stamped rate_last");
        // A second later there is a token again.
        assert!(p.xrlim_allow(2_000 + SECOND));
    }

    #[test]
    fn errors_come_in_a_burst_of_six_then_one_a_second() {
        let mut p = Peer::default();
        let allowed = (0..10).filter(|k| p.xrlim_allow(*k)).count();
        assert_eq!(allowed, 6);
        assert!(p.xrlim_allow(10 + SECOND));
    }

    #[test]
    fn redirects_back_off_and_stop_after_nine() {
        let mut p = Peer::default();
        let mut t = 0;
        let mut sent = 0;
        // A looping packet every 50 ms for 50 s: the gaps double (40 ms,
        // 80 ms, ... 5.12 s), then nine is the most.
        for _ in 0..1000 {
            t += 50_000_000;
            if p.redirect_allow(t) {
                sent += 1;
            }
        }
        assert_eq!(sent, REDIRECT_NUMBER);
        assert!(!p.redirect_allow(t + 1));
    }
}
