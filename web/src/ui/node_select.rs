//! A `<select>` of a topology's nodes. Its own component so that the list
//! (hundreds of options on a big topology) is only redrawn when the choice
//! or the topology changes, not at every step of the animation.

use netsim_core::model::NodeId;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::model::Topo;

#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    pub topo: Topo,
    pub selected: Option<NodeId>,
    pub id: AttrValue,
    pub label: AttrValue,
    /// Offer "all" (no node) first.
    #[prop_or_default]
    pub all: bool,
    pub on_change: Callback<Option<NodeId>>,
}

#[function_component(NodeSelect)]
pub fn node_select(props: &Props) -> Html {
    let onchange = {
        let cb = props.on_change.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .map(|s| s.value())
                .unwrap_or_default();
            cb.emit(v.parse::<u32>().ok().map(NodeId));
        })
    };
    html! {
        <select id={props.id.clone()} {onchange} aria-label={props.label.clone()}>
            if props.all {
                <option value="" selected={props.selected.is_none()}>{ "all" }</option>
            }
            { for props.topo.nodes.iter().map(|n| html! {
                <option value={n.id.0.to_string()} selected={props.selected == Some(n.id)}>{ &n.name }</option>
            }) }
        </select>
    }
}
