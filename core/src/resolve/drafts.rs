//! Drafts: what the file says, before ids are given.

use super::*;

/// A node as read, with its interfaces (declared, then created by links).
pub(crate) struct NodeDraft<'n> {
    pub name: &'n str,
    pub pos: Pos,
    pub kind: Option<NodeKind>,
    pub on: Option<(&'n str, Pos)>,
    pub forwarding: bool,
    pub bridge_nf: bool,
    pub ifaces: Vec<IfaceDraft<'n>>,
    pub routes: Option<&'n Node<'n>>,
    pub nat: Option<&'n Node<'n>>,
    pub listen: Vec<Listen>,
    /// Where `listen:` is written (the node's key without one).
    pub listen_pos: Pos,
    /// Some address of it was refused: checks that need its addresses
    /// (gateways, probe destinations) stay quiet rather than pile up.
    pub bad_addresses: bool,
}

/// An interface as read.
pub(crate) struct IfaceDraft<'n> {
    pub name: &'n str,
    /// Its key, or for one created by a link, that link's end.
    pub pos: Pos,
    pub declared: Option<IfaceKind>,
    pub addresses: Vec<Ipv4Net>,
    pub mac: Option<MacAddr>,
    pub mtu: Option<u32>,
    pub master: Option<MasterRef<'n>>,
    pub stp: bool,
    pub vxlan: Option<VxlanDraft<'n>>,
    pub used: Option<Use>,
}

impl<'n> IfaceDraft<'n> {
    pub(crate) fn new(name: &'n str, pos: Pos) -> Self {
        IfaceDraft {
            name,
            pos,
            declared: None,
            addresses: Vec::new(),
            mac: None,
            mtu: None,
            master: None,
            stp: false,
            vxlan: None,
            used: None,
        }
    }

    /// The kind it ends up with: as declared, else from its link.
    pub(crate) fn kind(&self) -> IfaceKind {
        self.declared
            .or(self.used.map(|u| u.form.kind()))
            .unwrap_or(IfaceKind::Veth)
    }
}

/// A `master:` as written: on the interface, or on the veth link that
/// enslaves its second end.
#[derive(Clone, Copy)]
pub(crate) struct MasterRef<'n> {
    pub name: &'n str,
    pub pos: Pos,
    pub link: Option<usize>,
}

/// The two forms of link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Veth,
    Wire,
}

impl Form {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Form::Veth => "veth",
            Form::Wire => "wire",
        }
    }

    pub(crate) fn kind(self) -> IfaceKind {
        match self {
            Form::Veth => IfaceKind::Veth,
            Form::Wire => IfaceKind::Nic,
        }
    }
}

/// Which link end an interface is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Use {
    pub link: usize,
    pub end: usize,
    pub form: Form,
    pub pos: Pos,
}

impl Use {
    pub(crate) fn path(&self) -> String {
        format!("links[{}].{}[{}]", self.link, self.form.key(), self.end)
    }
}

pub(crate) struct VxlanDraft<'n> {
    /// With the place of its value, for the errors that need it.
    pub vni: Option<(Vni, Pos)>,
    pub local: Option<(Ipv4Addr, Pos)>,
    pub remotes: Vec<(Ipv4Addr, Pos)>,
    pub dev: Option<(&'n str, Pos)>,
    pub port: u16,
}

/// A link as read: (node, interface) indices of its ends.
pub(crate) enum LinkDraft {
    Veth {
        ends: [(usize, usize); 2],
    },
    Wire {
        ends: Vec<(usize, usize)>,
        name: String,
    },
}

/// An interface of one node: its loopback, or one of its drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Local {
    Lo,
    If(usize),
}

/// Everything read so far, with the name indexes.
pub(crate) struct Drafts<'n> {
    pub nodes: Vec<NodeDraft<'n>>,
    pub node_index: FxHashMap<&'n str, usize>,
    /// (node, interface name) → index in that node's `ifaces`.
    pub iface_index: FxHashMap<(usize, &'n str), usize>,
    pub links: Vec<LinkDraft>,
    /// `lo`'s one address, 127.0.0.1/8.
    pub lo: [Ipv4Net; 1],
}

impl<'n> Drafts<'n> {
    pub(crate) fn local(&self, node: usize, name: &str) -> Option<Local> {
        if name == "lo" {
            return Some(Local::Lo);
        }
        self.iface_index.get(&(node, name)).map(|&i| Local::If(i))
    }

    pub(crate) fn local_name(&self, node: usize, l: Local) -> &'n str {
        match l {
            Local::Lo => "lo",
            Local::If(i) => self
                .nodes
                .get(node)
                .and_then(|d| d.ifaces.get(i))
                .map_or("?", |f| f.name),
        }
    }

    pub(crate) fn local_addresses(&self, node: usize, l: Local) -> &[Ipv4Net] {
        match l {
            Local::Lo => &self.lo,
            Local::If(i) => self
                .nodes
                .get(node)
                .and_then(|d| d.ifaces.get(i))
                .map_or(&[], |f| &f.addresses),
        }
    }

    pub(crate) fn iface_path(&self, node: usize, i: usize) -> String {
        let d = self.nodes.get(node);
        format!(
            "nodes.{}.interfaces.{}",
            d.map_or("?", |d| d.name),
            d.and_then(|d| d.ifaces.get(i)).map_or("?", |f| f.name)
        )
    }
}

pub(crate) fn lo_address() -> Ipv4Net {
    Ipv4Net::new(Ipv4Addr::LOCALHOST, 8).unwrap_or(Ipv4Net::DEFAULT)
}

/// Ids: a node's loopback, then its interfaces in draft order.
pub(crate) struct Ids {
    pub(crate) base: Vec<u32>,
}

impl Ids {
    pub(crate) fn of(&self, node: usize, l: Local) -> IfaceId {
        let b = self.base.get(node).copied().unwrap_or(0);
        match l {
            Local::Lo => IfaceId(b),
            Local::If(i) => IfaceId(b.saturating_add(1).saturating_add(i as u32)),
        }
    }
}
