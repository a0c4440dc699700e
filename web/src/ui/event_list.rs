//! The whole trace, one row per event as the CLI prints it, filterable by
//! kind and node; a click moves the animation there, and the current event
//! is highlighted and kept in view.

use std::collections::BTreeSet;
use std::rc::Rc;

use netsim_core::model::NodeId;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::anim;
use crate::model::{Run, Shared, Topo};
use crate::ui::node_select::NodeSelect;
use crate::ui::state::Action;

#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    pub run: Shared<Run>,
    pub k: usize,
    pub hidden: Rc<BTreeSet<&'static str>>,
    pub only: Option<NodeId>,
    pub on_action: Callback<Action>,
}

#[function_component(EventList)]
pub fn event_list(props: &Props) -> Html {
    let r = &props.run;
    let list = use_node_ref();
    // Keep the current row in view, inside the list only.
    {
        let list = list.clone();
        use_effect_with(props.k, move |k| {
            if let Some(ul) = list.cast::<web_sys::HtmlElement>() {
                if let Ok(Some(row)) = ul.query_selector(&format!("[data-k=\"{k}\"]")) {
                    if let Some(row) = row.dyn_ref::<web_sys::HtmlElement>() {
                        // The list is the rows' offset parent (position: relative).
                        let top = f64::from(row.offset_top());
                        let (h, st) = (f64::from(ul.client_height()), f64::from(ul.scroll_top()));
                        let rh = f64::from(row.offset_height());
                        if top < st || top + rh > st + h {
                            ul.set_scroll_top((top - h / 3.0).max(0.0) as i32);
                        }
                    }
                }
            }
        });
    }
    let groups = &r.groups;
    let buttons = anim::GROUPS.iter().map(|&g| {
        let on = !props.hidden.contains(g);
        let cb = props.on_action.clone();
        let count = groups.iter().filter(|&&x| x == g).count();
        html! {
            <button class={classes!("filter", g.to_lowercase(), on.then_some("on"))}
                aria-pressed={on.to_string()}
                onclick={Callback::from(move |_| cb.emit(Action::ToggleGroup(g)))}>
                { format!("{g} {count}") }
            </button>
        }
    });
    let on_node = use_callback(props.on_action.clone(), |n, cb| cb.emit(Action::Only(n)));
    let t = &r.topo;
    let rows = r.events.iter().enumerate().filter(|(j, e)| {
        !props.hidden.contains(groups[*j])
            && props.only.is_none_or(|n| anim::node_of(t, e) == Some(n))
    });
    let rows = rows.map(|(j, _)| {
        let cb = props.on_action.clone();
        let class = classes!("ev", groups[j].to_lowercase(), (j == props.k).then_some("current"));
        html! {
            <li {class} data-k={j.to_string()} onclick={Callback::from(move |_| cb.emit(Action::Seek(j as f64)))}>
                <span class="n">{ j + 1 }</span>
                <span class="g">{ groups[j] }</span>
                <span class="line">{ &r.lines[j] }</span>
            </li>
        }
    });
    html! {
        <div class="events">
            <div class="filters" role="toolbar" aria-label="filter events">
                { for buttons }
                <label>{ "node " }
                    <NodeSelect topo={Topo(r.topo.clone())} selected={props.only} id="only" label="node filter" all=true on_change={on_node} />
                </label>
            </div>
            <ol class="event-list" ref={list}>{ for rows }</ol>
        </div>
    }
}
