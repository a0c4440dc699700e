//! The built-in scenarios as a clickable list.

use std::rc::Rc;

use yew::prelude::*;

use crate::model::Scenario;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub scenarios: Rc<Vec<Scenario>>,
    pub selected: usize,
    pub on_select: Callback<usize>,
}

#[function_component(ScenarioList)]
pub fn scenario_list(props: &Props) -> Html {
    html! {
        <nav class="scenarios">
            <h2>{ "Scenarios" }</h2>
            <ul>
            { for props.scenarios.iter().enumerate().map(|(i, s)| {
                let onclick = {
                    let cb = props.on_select.clone();
                    Callback::from(move |_| cb.emit(i))
                };
                let class = if i == props.selected { "selected" } else { "" };
                html! {
                    <li {class} {onclick}>
                        <span class="file">{ format!("examples/{}", s.file) }</span>
                        <span class="name">{ &s.title }</span>
                    </li>
                }
            }) }
            </ul>
        </nav>
    }
}
