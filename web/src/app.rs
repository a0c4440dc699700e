//! The page: the list of scenarios on the left, the chosen one on the right.

use std::rc::Rc;

use yew::prelude::*;

use crate::model::{self, Scenario};
use crate::scenario_list::ScenarioList;
use crate::scenario_view::ScenarioView;

/// The page's state: every scenario and which one is shown.
#[derive(Debug, PartialEq)]
pub struct State {
    pub scenarios: Rc<Vec<Scenario>>,
    pub selected: usize,
}

pub enum Action {
    Select(usize),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Select(i) if i < self.scenarios.len() => Rc::new(State {
                scenarios: self.scenarios.clone(),
                selected: i,
            }),
            Action::Select(_) => self,
        }
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| {
        let scenarios = model::scenarios();
        let selected = model::default_index(&scenarios);
        State {
            scenarios: Rc::new(scenarios),
            selected,
        }
    });
    let on_select = {
        let state = state.clone();
        Callback::from(move |i: usize| state.dispatch(Action::Select(i)))
    };
    let current = state.scenarios.get(state.selected).cloned();
    html! {
        <div class="page">
            <header>
                <h1>{ "netsim" }</h1>
                <p class="tagline">{ "Container networking, one packet at a time: namespaces, veth pairs, bridges, ARP and routing, simulated as Linux does them." }</p>
            </header>
            <main>
                <ScenarioList scenarios={state.scenarios.clone()} selected={state.selected} {on_select} />
                { match current {
                    Some(s) => html! { <ScenarioView scenario={s} /> },
                    None => html! { <p>{ "No scenario." }</p> },
                } }
            </main>
        </div>
    }
}
