//! The scenario menu: every built-in example, and what the chosen one shows.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::model::Scenario;

#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    pub scenarios: Rc<Vec<Scenario>>,
    pub current: Scenario,
    pub on_pick: Callback<String>,
}

#[function_component(ScenarioMenu)]
pub fn scenario_menu(props: &Props) -> Html {
    let onchange = {
        let cb = props.on_pick.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            {
                cb.emit(s.value());
            }
        })
    };
    let cur = &props.current;
    let generated = !props.scenarios.iter().any(|s| s.key == cur.key);
    html! {
        <div class="scenario">
            <label>
                <span class="sr">{ "Scenario" }</span>
                <select id="scenario" {onchange} aria-label="Scenario">
                    { for props.scenarios.iter().map(|s| html! {
                        <option value={s.key.clone()} selected={s.key == cur.key}>
                            { format!("{} — {}", s.key, s.title) }
                        </option>
                    }) }
                    if generated {
                        <option value={cur.key.clone()} selected=true>{ cur.key.clone() }</option>
                    }
                </select>
            </label>
            <p class="description" id="description">{ &cur.description }</p>
        </div>
    }
}
