//! State panels: `ip addr`, `ip route`, `ip neigh`, `bridge fdb`,
//! `conntrack -L` and `nft list ruleset` (every view core has) of one node
//! at the current event, as the CLI's `show` prints them, from the run
//! replayed to that event (so stepping back shows the state as it was).
//! Lines that the current event added are highlighted.

use netsim_core::model::{IfaceKind, NodeId};
use netsim_core::view::View;
use yew::prelude::*;

use crate::model::{Run, Shared, Topo};
use crate::ui::node_select::NodeSelect;

#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    pub run: Shared<Run>,
    pub k: usize,
    pub node: Option<NodeId>,
    pub on_node: Callback<Option<NodeId>>,
}

#[function_component(StatePanel)]
pub fn state_panel(props: &Props) -> Html {
    let r = &props.run;
    let t = &r.topo;
    let node = props.node.filter(|n| n.index() < t.nodes.len());
    let views = node.map(|n| {
        let has_netfilter = !t.node(n).nat.is_empty() || t.node(n).bridge_nf;
        let has_bridge = t
            .node(n)
            .ifaces
            .iter()
            .any(|&i| t.iface(i).kind() == IfaceKind::Bridge);
        View::ALL
            .iter()
            .filter(|v| match v {
                View::Fdb | View::Stp => has_bridge,
                // Netfilter's views where the namespace has rules or
                // passes bridged frames through its hooks.
                View::Conntrack | View::Nft => has_netfilter,
                _ => true,
            })
            .map(|&v| {
                let now = r.state_at(n, v, props.k);
                let before = if props.k > 0 {
                    r.state_at(n, v, props.k - 1)
                } else {
                    String::new()
                };
                let changed = props.k > 0 && now != before;
                html! {
                    <section class={classes!("view", changed.then_some("changed"))}>
                        <h4>{ v.command() }</h4>
                        <pre id={format!("state-{}", v.as_str())}>
                            { for now.lines().map(|l| {
                                let new = props.k > 0 && !before.lines().any(|b| b == l);
                                html! { <span class={classes!("ln", new.then_some("new"))}>{ l }{ "\n" }</span> }
                            }) }
                        </pre>
                    </section>
                }
            })
            .collect::<Html>()
    });
    html! {
        <details class="panel state" open=true>
            <summary>{ "State" }</summary>
            <label>{ "node " }
                <NodeSelect topo={Topo(r.topo.clone())} selected={node} id="state-node" label="node of the state panels" on_change={props.on_node.clone()} />
            </label>
            <span class="muted">{ format!(" after event {}", props.k + 1) }</span>
            { views.unwrap_or_default() }
        </details>
    }
}
