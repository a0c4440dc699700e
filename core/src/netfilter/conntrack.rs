//! Connection tracking (`nf_conntrack`): every flow a namespace sees, by
//! its original and its reply tuple, so that NAT is decided once, on the
//! first packet, and applied from the entry to the rest and to the replies.

use core::net::Ipv4Addr;

use rustc_hash::FxHashMap;

use crate::wire::frame::{Icmp, Ipv4Packet, L4};

/// A flow as conntrack keys it: protocol, addresses and ports (for ICMP
/// echo, the echo id in both port places).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Tuple {
    pub proto: u8,
    pub src: Ipv4Addr,
    pub sport: u16,
    pub dst: Ipv4Addr,
    pub dport: u16,
}

impl Tuple {
    /// The tuple of the answer: the same flow seen from the other end.
    pub fn invert(self) -> Tuple {
        Tuple {
            proto: self.proto,
            src: self.dst,
            sport: self.dport,
            dst: self.src,
            dport: self.sport,
        }
    }

    /// The tuple of a packet that conntrack follows (TCP, UDP, ICMP echo).
    pub fn of(p: &Ipv4Packet) -> Option<Tuple> {
        let (proto, sport, dport) = match &p.l4 {
            L4::Tcp(t) => (6, t.src_port, t.dst_port),
            L4::Udp(u) => (17, u.src_port, u.dst_port),
            L4::Icmp(Icmp::EchoRequest { id, .. } | Icmp::EchoReply { id, .. }) => (1, *id, *id),
            _ => return None,
        };
        Some(Tuple {
            proto,
            src: p.src,
            sport,
            dst: p.dst,
            dport,
        })
    }

    pub fn proto_name(self) -> &'static str {
        match self.proto {
            6 => "tcp",
            17 => "udp",
            1 => "icmp",
            _ => "unknown",
        }
    }
}

/// Which way a packet goes in its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    Original,
    Reply,
}

/// A connection's state, as `conntrack -L` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CtState {
    /// Only the original direction has been seen (`[UNREPLIED]`).
    New,
    /// Both directions have been seen.
    Established,
    /// TCP: a SYN went out.
    SynSent,
    /// TCP: the SYN-ACK came back.
    SynRecv,
    /// TCP: reset.
    Close,
}

/// One tracked connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conn {
    pub orig: Tuple,
    /// What a reply looks like; NAT changes it.
    pub reply: Tuple,
    /// Source NAT was applied (masquerade, snat).
    pub snat: bool,
    /// Destination NAT was applied (dnat).
    pub dnat: bool,
    pub state: CtState,
    /// A packet of the reply direction was seen.
    pub replied: bool,
    /// The destination NAT rules were evaluated for it (`IPS_DST_NAT_DONE`).
    pub dst_nat_done: bool,
    /// The source NAT rules were evaluated for it (`IPS_SRC_NAT_DONE`).
    pub src_nat_done: bool,
    /// Its first packet got past the last hook (POSTROUTING or INPUT),
    /// where `__nf_conntrack_confirm` puts the entry in the kernel's table.
    /// Until then `conntrack -L` does not list it, and if that packet is
    /// dropped on the way (a hairpin the bridge cannot make), the next
    /// packet of the flow starts a connection afresh.
    pub confirmed: bool,
}

impl Conn {
    /// The tuple a packet going `dir` must end up with: the inverse of the
    /// other direction's (`nf_ct_invert_tuple` of the other tuple).
    pub fn target(&self, dir: Dir) -> Tuple {
        match dir {
            Dir::Original => self.reply.invert(),
            Dir::Reply => self.orig.invert(),
        }
    }
}

/// A namespace's conntrack table, in creation order for `conntrack -L`.
#[derive(Debug, Clone, Default)]
pub struct Table {
    conns: Vec<Conn>,
    index: FxHashMap<Tuple, (u32, Dir)>,
}

impl Table {
    pub fn conns(&self) -> &[Conn] {
        &self.conns
    }

    pub fn get(&self, id: u32) -> Option<&Conn> {
        self.conns.get(id as usize)
    }

    pub fn get_mut(&mut self, id: u32) -> Option<&mut Conn> {
        self.conns.get_mut(id as usize)
    }

    /// The connection a packet with this tuple belongs to, and its way.
    pub fn lookup(&self, t: &Tuple) -> Option<(u32, Dir)> {
        self.index.get(t).copied()
    }

    /// Whether some connection already expects replies with tuple `t`.
    pub fn reply_taken(&self, t: &Tuple) -> bool {
        self.index.contains_key(t)
    }

    /// A new connection for a first packet with tuple `orig`.
    pub fn insert(&mut self, orig: Tuple) -> u32 {
        let id = self.conns.len() as u32;
        let reply = orig.invert();
        self.conns.push(Conn {
            orig,
            reply,
            snat: false,
            dnat: false,
            state: if orig.proto == 6 {
                CtState::SynSent
            } else {
                CtState::New
            },
            replied: false,
            dst_nat_done: false,
            src_nat_done: false,
            confirmed: false,
        });
        self.index.insert(orig, (id, Dir::Original));
        self.index.insert(reply, (id, Dir::Reply));
        id
    }

    /// The connections `conntrack -L` lists: the confirmed ones.
    pub fn confirmed(&self) -> impl Iterator<Item = &Conn> {
        self.conns.iter().filter(|c| c.confirmed)
    }

    /// A connection whose first packet never got past the last hook, met
    /// again by a new packet of its flow: it starts afresh, as the kernel
    /// makes a new entry (under the same number here).
    pub fn restart(&mut self, id: u32) {
        let Some(c) = self.conns.get(id as usize) else {
            return;
        };
        let orig = c.orig;
        self.set_reply(id, orig.invert());
        if let Some(c) = self.conns.get_mut(id as usize) {
            c.snat = false;
            c.dnat = false;
            c.replied = false;
            c.dst_nat_done = false;
            c.src_nat_done = false;
            c.state = if orig.proto == 6 {
                CtState::SynSent
            } else {
                CtState::New
            };
        }
    }

    /// NAT decided how replies will look: re-key the reply tuple.
    pub fn set_reply(&mut self, id: u32, reply: Tuple) {
        if let Some(c) = self.conns.get_mut(id as usize) {
            self.index.remove(&c.reply);
            c.reply = reply;
            self.index.insert(reply, (id, Dir::Reply));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16) -> Tuple {
        Tuple {
            proto: 6,
            src: Ipv4Addr::from(src),
            sport,
            dst: Ipv4Addr::from(dst),
            dport,
        }
    }

    #[test]
    fn a_reply_finds_its_connection_after_nat() {
        let mut table = Table::default();
        let orig = t([172, 17, 0, 2], 33000, [203, 0, 113, 7], 80);
        let id = table.insert(orig);
        assert_eq!(table.lookup(&orig), Some((id, Dir::Original)));
        // Masquerade: replies now come to 192.168.1.10.
        let reply = t([203, 0, 113, 7], 80, [192, 168, 1, 10], 33000);
        table.set_reply(id, reply);
        assert_eq!(table.lookup(&reply), Some((id, Dir::Reply)));
        assert_eq!(
            table.lookup(&orig.invert()),
            None,
            "the old reply key is gone"
        );
        let c = table.get(id).unwrap_or_else(|| unreachable!());
        // A reply must end up as the original, inverted.
        assert_eq!(c.target(Dir::Reply), orig.invert());
        // The original must leave as the reply, inverted (its new source).
        assert_eq!(c.target(Dir::Original).src, Ipv4Addr::new(192, 168, 1, 10));
        assert!(table.reply_taken(&reply));
    }
}
