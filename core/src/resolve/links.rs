//! `links:` — veth pairs and wires. A link end `NODE:IF` that its node
//! does not declare is created there, as the spec's `host:veth2d6f8e9` is;
//! then every interface is checked to be an end of exactly the links its
//! type allows, and `master`s are settled.

use rustc_hash::FxHashMap;

use super::names;
use super::yaml::{Node, Pos};
use super::{Cx, Drafts, Form, Ids, IfaceDraft, LinkDraft, Local, MasterRef, Path, Use};
use crate::model::{Iface, IfaceKind};

const LINK_KEYS: &[&str] = &["veth", "wire", "master", "name"];

/// Reads the `links` list into `d`, creating undeclared link ends.
pub(super) fn read<'n>(cx: &mut Cx<'_>, d: &mut Drafts<'n>, n: &'n Node<'n>, path: &Path<'_>) {
    let Some(items) = cx.list(
        n,
        path,
        "a list of links",
        "links: [{ veth: [bus1:eth0, host:veth1] }]",
    ) else {
        return;
    };
    let mut wires = Wires {
        count: 0,
        names: FxHashMap::default(),
    };
    for (i, item) in items.iter().enumerate() {
        link(cx, d, i, item, &path.index(i), &mut wires);
    }
}

/// Wire names given so far (given or by default), with the link that took
/// each.
struct Wires {
    count: usize,
    names: FxHashMap<String, usize>,
}

fn link<'n>(
    cx: &mut Cx<'_>,
    d: &mut Drafts<'n>,
    i: usize,
    item: &'n Node<'n>,
    p: &Path<'_>,
    wires: &mut Wires,
) {
    let Some(entries) = cx.map(
        item,
        p,
        "a link: a map such as `{ veth: [A:IF, B:IF] }` or `{ wire: [A:IF, B:IF] }`",
    ) else {
        return;
    };
    let before = cx.reported();
    let f = cx.fields(entries, p, "a link", LINK_KEYS);
    let had_unknown = cx.reported() > before;
    match (f.get("veth"), f.get("wire")) {
        (Some(_), Some(_)) => cx.err(
            item.pos,
            p,
            "a link is either `veth` or `wire`, not both".into(),
            Some("split it into two links".into()),
        ),
        (None, None) => {
            if !had_unknown {
                cx.err(
                    item.pos,
                    p,
                    "this link has neither `veth` nor `wire`".into(),
                    Some("write `veth: [A:IF, B:IF]` for a veth pair, or `wire: [A:IF, B:IF, ...]` for a segment".into()),
                );
            }
        }
        (Some(v), None) => {
            if let Some((kpos, _)) = f.entry("name") {
                cx.err(
                    kpos,
                    p.key("name"),
                    "`name` is for wires; a veth pair is known by its ends".into(),
                    Some("remove it".into()),
                );
            }
            let vp = p.key("veth");
            let Some(ends) = cx.list(
                v,
                &vp,
                "the two ends of the pair",
                "veth: [bus1:eth0, host:veth1]",
            ) else {
                return;
            };
            let [a, b] = ends else {
                cx.err(
                    v.pos,
                    vp,
                    format!(
                        "a veth pair has exactly two ends; this list has {}",
                        ends.len()
                    ),
                    Some(
                        "write `veth: [NODE:IF, NODE:IF]`; to join more, use a bridge or a wire"
                            .into(),
                    ),
                );
                // They are ends all the same: no "end of no link" follows.
                for (e, it) in ends.iter().enumerate() {
                    end(cx, d, it, &vp.index(e), i, e, Form::Veth);
                }
                return;
            };
            let a = end(cx, d, a, &vp.index(0), i, 0, Form::Veth);
            let b = end(cx, d, b, &vp.index(1), i, 1, Form::Veth);
            if let Some(m) = f.get("master") {
                let mp = p.key("master");
                if let Some(s) = cx.text(m, &mp, "the name of a bridge in the second end's node") {
                    if let Some((bn, bi)) = b {
                        link_master(cx, d, (bn, bi), s, m.pos, i, &mp);
                    }
                }
            }
            if let (Some(a), Some(b)) = (a, b) {
                d.links.push(LinkDraft::Veth { ends: [a, b] });
            }
        }
        (None, Some(w)) => {
            if let Some((kpos, _)) = f.entry("master") {
                cx.err(
                    kpos,
                    p.key("master"),
                    "`master` is for veth links".into(),
                    Some("to enslave a NIC of this wire to a bridge, give the NIC `master:` under its node's `interfaces`".into()),
                );
            }
            wires.count += 1;
            let name = wire_name(cx, d, &f, i, p, item.pos, wires);
            let wp = p.key("wire");
            let Some(items) = cx.list(w, &wp, "the NICs on the wire", "wire: [a:eth0, b:eth0]")
            else {
                return;
            };
            let mut ok = true;
            if items.len() < 2 {
                cx.err(
                    w.pos,
                    wp,
                    format!(
                        "a wire joins at least two NICs; this one has {}",
                        items.len()
                    ),
                    Some(
                        "list every NIC plugged into the segment, e.g. `wire: [a:eth0, b:eth0]`"
                            .into(),
                    ),
                );
                ok = false;
            }
            let mut ends = Vec::with_capacity(items.len());
            for (e, it) in items.iter().enumerate() {
                match end(cx, d, it, &wp.index(e), i, e, Form::Wire) {
                    Some(x) => ends.push(x),
                    None => ok = false,
                }
            }
            if let (true, Some(name)) = (ok, name) {
                d.links.push(LinkDraft::Wire { ends, name });
            }
        }
    }
}

/// The wire's name: as given, or `wireN`; unique among wires and nodes,
/// since `netsim apply` makes a namespace of each.
fn wire_name(
    cx: &mut Cx<'_>,
    d: &Drafts<'_>,
    f: &super::Fields<'_>,
    link: usize,
    p: &Path<'_>,
    item_pos: Pos,
    wires: &mut Wires,
) -> Option<String> {
    let (name, pos, given) = match f.get("name") {
        Some(n) => {
            let np = p.key("name");
            let s = cx.text(n, &np, "a name for the wire")?;
            if let Some(problem) = names::wire_name_problem(s) {
                cx.err(
                    n.pos,
                    np,
                    problem,
                    Some("a wire becomes a namespace of its own: 1 to 20 of a-z, 0-9 and -, starting with a letter, e.g. `lan`".into()),
                );
                return None;
            }
            (s.to_string(), n.pos, true)
        }
        None => (format!("wire{}", wires.count), item_pos, false),
    };
    let path = if given {
        format!("links[{link}].name")
    } else {
        format!("links[{link}]")
    };
    let what = if given {
        format!("wire name `{name}`")
    } else {
        format!("this wire is named `{name}` by default, but that name")
    };
    if let Some(&other) = wires.names.get(&name) {
        cx.err(
            pos,
            path,
            format!("{what} is already the name of the wire of links[{other}]"),
            Some("give each wire a `name:` of its own".into()),
        );
        return None;
    }
    if d.node_index.contains_key(name.as_str()) {
        cx.err(
            pos,
            path,
            format!("{what} is also the name of a node"),
            Some("`netsim apply` makes a namespace of every node and every wire; give the wire another `name:`".into()),
        );
        return None;
    }
    wires.names.insert(name.clone(), link);
    Some(name)
}

/// Resolves the end `NODE:IF` to (node, interface) indices, creating the
/// interface when its node does not declare it.
fn end<'n>(
    cx: &mut Cx<'_>,
    d: &mut Drafts<'n>,
    n: &'n Node<'n>,
    path: &Path<'_>,
    link: usize,
    e: usize,
    form: Form,
) -> Option<(usize, usize)> {
    let s = cx.text(n, path, "a link end NODE:IF such as bus1:eth0")?;
    let Some((node, iface)) = s.split_once(':') else {
        cx.err(
            n.pos,
            path,
            format!("`{s}` is not NODE:IF"),
            Some(format!("name the node and its interface, e.g. `{s}:eth0`")),
        );
        return None;
    };
    let Some(&ni) = d.node_index.get(node) else {
        let help = match cx.suggest(node, d.nodes.iter().map(|x| x.name)) {
            Some(c) => format!("did you mean `{c}`?"),
            None => "declare the node under `nodes`".into(),
        };
        cx.err(
            n.pos,
            path,
            format!("`{node}` is not a node of this file"),
            Some(help),
        );
        return None;
    };
    if iface == "lo" {
        cx.err(
            n.pos,
            path,
            "`lo` cannot be an end of a link".into(),
            Some("name another interface; it is created if the node does not declare it".into()),
        );
        return None;
    }
    if let Some(problem) = names::iface_name_problem(iface) {
        // One mistake, one error: a declared interface had its name refused
        // where it is declared; this end makes it an end all the same, so
        // that "an end of no link" does not follow.
        match d.iface_index.get(&(ni, iface)).copied() {
            Some(fi) => {
                if let Some(f) = d.nodes.get_mut(ni).and_then(|x| x.ifaces.get_mut(fi)) {
                    f.used.get_or_insert(Use {
                        link,
                        end: e,
                        form,
                        pos: n.pos,
                    });
                }
            }
            None => cx.err(n.pos, path, problem, None),
        }
        return None;
    }
    let draft = d.nodes.get_mut(ni)?;
    let fi = match d.iface_index.get(&(ni, iface)) {
        Some(&fi) => fi,
        None => {
            let fi = draft.ifaces.len();
            draft.ifaces.push(IfaceDraft::new(iface, n.pos));
            d.iface_index.insert((ni, iface), fi);
            fi
        }
    };
    let f = draft.ifaces.get_mut(fi)?;
    if let Some(u) = f.used {
        if u.link == link {
            let message = match form {
                Form::Veth => format!("both ends of this veth pair are `{s}`"),
                Form::Wire => format!("`{s}` is on this wire twice"),
            };
            cx.err(
                n.pos,
                path,
                message,
                Some("an interface is one end of one link; name another one here".into()),
            );
        } else {
            cx.err(
                n.pos,
                path,
                format!(
                    "`{s}` is already an end of links[{}] (line {})",
                    u.link,
                    cx.line(u.pos)
                ),
                Some("a veth or NIC is an end of exactly one link; name another interface here (it is created if its node does not declare it)".into()),
            );
        }
        return None;
    }
    f.used = Some(Use {
        link,
        end: e,
        form,
        pos: n.pos,
    });
    Some((ni, fi))
}

/// A veth link's `master` enslaves its second end.
fn link_master<'n>(
    cx: &mut Cx<'_>,
    d: &mut Drafts<'n>,
    (bn, bi): (usize, usize),
    master: &'n str,
    pos: Pos,
    link: usize,
    path: &Path<'_>,
) {
    let Some(node) = d.nodes.get_mut(bn) else {
        return;
    };
    let node_name = node.name;
    let Some(f) = node.ifaces.get_mut(bi) else {
        return;
    };
    match f.master {
        Some(own) if own.name != master => cx.err(
            pos,
            path,
            format!(
                "this link enslaves `{node_name}:{}` to `{master}`, but nodes.{node_name}.interfaces.{} says `master: {}`",
                f.name, f.name, own.name
            ),
            Some("keep one of the two".into()),
        ),
        Some(_) => {}
        None => {
            f.master = Some(MasterRef {
                name: master,
                pos,
                link: Some(link),
            });
        }
    }
}

/// Every veth and NIC is an end of exactly one link of its form; bridges
/// and vxlan devices of none.
pub(super) fn check_uses(cx: &mut Cx<'_>, d: &Drafts<'_>) {
    for (ni, n) in d.nodes.iter().enumerate() {
        for (fi, f) in n.ifaces.iter().enumerate() {
            match (f.declared, f.used) {
                (Some(k @ (IfaceKind::Bridge | IfaceKind::Vxlan)), Some(u)) => {
                    let help = if k == IfaceKind::Bridge {
                        format!("a bridge takes ports through `master`: link a veth instead, e.g. `veth: [OTHER:eth0, {}:veth0]` with `master: {}`", n.name, f.name)
                    } else {
                        "a vxlan device sends through its `dev`: link that interface instead".into()
                    };
                    cx.err(
                        u.pos,
                        u.path(),
                        format!(
                            "`{}:{}` is a {}, which cannot be an end of a link",
                            n.name,
                            f.name,
                            k.as_str()
                        ),
                        Some(help),
                    );
                }
                (Some(k), Some(u)) if k != u.form.kind() => {
                    let (form, other) = match u.form {
                        Form::Veth => ("veth link, whose ends are veths", "wire"),
                        Form::Wire => ("wire, whose ends are NICs", "veth link"),
                    };
                    cx.err(
                        u.pos,
                        u.path(),
                        format!(
                            "`{}:{}` is declared `type: {}`, but this is a {form}",
                            n.name,
                            f.name,
                            k.as_str()
                        ),
                        Some(format!(
                            "remove its `type` (the link sets it), or make this a {other}"
                        )),
                    );
                }
                (Some(IfaceKind::Veth | IfaceKind::Nic) | None, None) => {
                    let bridge = if f.declared.is_none() {
                        "; or, if it is a bridge, give it `type: bridge`"
                    } else {
                        ""
                    };
                    cx.err(
                        f.pos,
                        d.iface_path(ni, fi),
                        format!(
                            "interface `{}` of node `{}` is an end of no link",
                            f.name, n.name
                        ),
                        Some(format!(
                            "a veth or NIC is an end of exactly one link: add one under `links`, e.g. `- veth: [{}:{}, OTHER:IF]`, or remove it{bridge}",
                            n.name, f.name
                        )),
                    );
                }
                _ => {}
            }
        }
    }
}

/// `master` names a bridge of the same node, other than itself.
pub(super) fn settle_masters(cx: &mut Cx<'_>, d: &Drafts<'_>, ids: &Ids, ifaces: &mut [Iface]) {
    for (ni, n) in d.nodes.iter().enumerate() {
        for (fi, f) in n.ifaces.iter().enumerate() {
            let Some(m) = f.master else { continue };
            let (path, subject) = match m.link {
                Some(l) => (
                    format!("links[{l}].master"),
                    format!("`{}`, the node of this veth's second end,", n.name),
                ),
                None => (
                    format!("{}.master", d.iface_path(ni, fi)),
                    format!("node `{}`", n.name),
                ),
            };
            let node = format!("node `{}`", n.name);
            match d.local(ni, m.name) {
                Some(Local::If(bi)) if bi == fi => cx.err(
                    m.pos,
                    path,
                    format!("`{}` cannot be its own master", m.name),
                    Some(format!("name a bridge of {node}")),
                ),
                Some(Local::If(bi))
                    if n.ifaces.get(bi).map(IfaceDraft::kind) == Some(IfaceKind::Bridge) =>
                {
                    if f.kind() == IfaceKind::Bridge {
                        cx.err(
                            m.pos,
                            path,
                            format!(
                                "bridge `{}` cannot be a port of another bridge",
                                f.name
                            ),
                            Some("Linux refuses to enslave a bridge to a bridge; join them with a veth pair instead".into()),
                        );
                    } else if let Some(x) = ifaces.get_mut(ids.of(ni, Local::If(fi)).index()) {
                        x.master = Some(ids.of(ni, Local::If(bi)));
                    }
                }
                Some(l) => {
                    let kind = match l {
                        Local::Lo => "the loopback".to_string(),
                        Local::If(bi) => format!(
                            "a {}",
                            n.ifaces
                                .get(bi)
                                .map_or(IfaceKind::Veth, IfaceDraft::kind)
                                .as_str()
                        ),
                    };
                    let help = match l {
                        Local::Lo => format!("name a bridge of {node}"),
                        Local::If(_) => format!(
                            "if it is meant to be a bridge, give it `type: bridge` under nodes.{}.interfaces.{}",
                            n.name, m.name
                        ),
                    };
                    cx.err(
                        m.pos,
                        path,
                        format!("`{}` is {kind}, not a bridge", m.name),
                        Some(help),
                    );
                }
                None => {
                    let bridges = n
                        .ifaces
                        .iter()
                        .filter(|b| b.declared == Some(IfaceKind::Bridge))
                        .map(|b| b.name);
                    let help = match cx.suggest(m.name, bridges) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => format!(
                            "declare it under nodes.{}.interfaces as `{}: {{ type: bridge }}`",
                            n.name, m.name
                        ),
                    };
                    cx.err(
                        m.pos,
                        path,
                        format!("{subject} has no bridge `{}`", m.name),
                        Some(help),
                    );
                }
            }
        }
    }
}
