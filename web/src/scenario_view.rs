//! One scenario: what it shows, its namespaces, its probes and its file.

use yew::prelude::*;

use crate::model::Scenario;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub scenario: Scenario,
}

#[function_component(ScenarioView)]
pub fn scenario_view(props: &Props) -> Html {
    let s = &props.scenario;
    if let Some(err) = &s.error {
        return html! {
            <section class="scenario">
                <h2>{ s.file }</h2>
                <pre class="error">{ err }</pre>
            </section>
        };
    }
    html! {
        <section class="scenario">
            <h2>{ &s.title }<small>{ format!(" examples/{}", s.file) }</small></h2>
            <p class="description">{ &s.description }</p>
            <p class="counts">{ format!("{} nodes · {} links · {} probes", s.nodes.len(), s.links, s.probes.len()) }</p>
            <h3>{ "Namespaces" }</h3>
            <ul class="nodes">
            { for s.nodes.iter().map(|n| html! {
                <li><b>{ &n.name }</b>{ format!(" {} · {} interfaces (lo included)", n.kind, n.interfaces) }</li>
            }) }
            </ul>
            <h3>{ "Probes, as the simulator ran them" }</h3>
            <table class="probes">
                <tr><th>{ "probe" }</th><th>{ "expected" }</th><th>{ "got" }</th><th></th></tr>
                { for s.probes.iter().map(|p| html! {
                    <tr>
                        <td>{ &p.text }</td>
                        <td>{ &p.expected }</td>
                        <td>{ &p.got }</td>
                        <td class={ if p.pass { "pass" } else { "fail" } }>{ if p.pass { "PASS" } else { "FAIL" } }</td>
                    </tr>
                }) }
            </table>
            <h3>{ "The topology file" }</h3>
            <pre class="yaml">{ s.yaml }</pre>
        </section>
    }
}
