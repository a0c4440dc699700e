//! The page: the scenario and probe menus on top, the topology with its
//! moving frames, the panels beside it, the transport controls and the
//! event list below. Owns the state (a reducer), the playback timer
//! (requestAnimationFrame, cancelled when dropped), the keyboard and the
//! URL fragment.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::events::EventListener;
use gloo::render::{request_animation_frame, AnimationFrame};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::ui::controls::Controls;
use crate::ui::event_list::EventList;
use crate::ui::inspector::Inspector;
use crate::ui::packets::Packets;
use crate::ui::probe_menu::ProbeMenu;
use crate::ui::scenario_menu::ScenarioMenu;
use crate::ui::state::{Action, State};
use crate::ui::state_panel::StatePanel;
use crate::ui::topology::TopologyView;

/// `#scenario=docker0&probe=1&event=12` (probe and event counted from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub scenario: String,
    pub probe: usize,
    pub event: usize,
}

impl Fragment {
    pub fn parse(hash: &str) -> Fragment {
        let mut f = Fragment {
            scenario: crate::model::default_key().to_string(),
            probe: 1,
            event: 1,
        };
        for kv in hash.trim_start_matches('#').split('&') {
            match kv.split_once('=') {
                Some(("scenario", v)) if !v.is_empty() => f.scenario = v.to_string(),
                Some(("probe", v)) => f.probe = v.parse().unwrap_or(1).max(1),
                Some(("event", v)) => f.event = v.parse().unwrap_or(1).max(1),
                _ => {}
            }
        }
        f
    }

    pub fn render(&self) -> String {
        format!(
            "#scenario={}&probe={}&event={}",
            self.scenario, self.probe, self.event
        )
    }
}

fn reduced_motion() -> bool {
    gloo::utils::window()
        .match_media("(prefers-reduced-motion: reduce)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

fn hash() -> String {
    gloo::utils::window().location().hash().unwrap_or_default()
}

/// The page's initial state, from the URL fragment.
pub fn initial() -> State {
    let f = Fragment::parse(&hash());
    State::open(
        &f.scenario,
        f.probe - 1,
        f.event.saturating_sub(1),
        reduced_motion(),
    )
}

type Frame = Rc<RefCell<Option<AnimationFrame>>>;

fn animate(handle: Frame, d: UseReducerDispatcher<State>, last: Rc<Cell<f64>>) {
    let next = handle.clone();
    let frame = request_animation_frame(move |ts| {
        let prev = last.replace(ts);
        let dt = if prev > 0.0 { ts - prev } else { 16.0 };
        d.dispatch(Action::Tick(dt.clamp(0.0, 100.0)));
        animate(next, d, last);
    });
    *handle.borrow_mut() = Some(frame);
}

/// Keys the page answers wherever the focus is, except in form fields and
/// in the topology (which uses the arrows to pan).
fn on_key(e: &web_sys::KeyboardEvent, d: &UseReducerDispatcher<State>) {
    if e.default_prevented() || e.ctrl_key() || e.meta_key() || e.alt_key() {
        return;
    }
    let in_field = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                || el.closest(".topology").ok().flatten().is_some()
        });
    if in_field {
        return;
    }
    let action = match e.key().as_str() {
        " " => Action::Toggle,
        "ArrowRight" => Action::Step(1),
        "ArrowLeft" => Action::Step(-1),
        "Home" => Action::Restart,
        _ => return,
    };
    e.prevent_default();
    d.dispatch(action);
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial);
    let d = state.dispatcher();

    // Playback: one animation frame after another while playing.
    {
        let d = d.clone();
        use_effect_with(state.playing, move |&playing| {
            let handle: Frame = Rc::default();
            if playing {
                animate(handle.clone(), d, Rc::new(Cell::new(0.0)));
            }
            move || {
                handle.borrow_mut().take();
            }
        });
    }
    // Keyboard.
    {
        let d = d.clone();
        use_effect_with((), move |_| {
            let l = EventListener::new(&gloo::utils::window(), "keydown", move |e| {
                if let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() {
                    on_key(k, &d);
                }
            });
            move || drop(l)
        });
    }
    // The URL fragment follows the position (replaced, not pushed: the
    // back button leaves the page rather than undoing steps).
    {
        let frag = Fragment {
            scenario: state.scenario.key.clone(),
            probe: state.probe.map_or(0, |p| p + 1),
            event: state.current() + 1,
        };
        use_effect_with(frag, move |f| {
            if let Ok(h) = gloo::utils::window().history() {
                let _ =
                    h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&f.render()));
            }
        });
    }
    // Following a link to another moment of the page.
    {
        let d = d.clone();
        use_effect_with((), move |_| {
            let l = EventListener::new(&gloo::utils::window(), "hashchange", move |_| {
                let f = Fragment::parse(&hash());
                d.dispatch(Action::Scenario(f.scenario));
                d.dispatch(Action::Probe(f.probe - 1));
                d.dispatch(Action::Seek(f.event.saturating_sub(1) as f64));
            });
            move || drop(l)
        });
    }

    // Callbacks made once (the dispatcher never changes), so that a
    // component whose other props are unchanged is not re-rendered on every
    // animation frame.
    let on_scenario = use_callback(d.clone(), |k: String, d| d.dispatch(Action::Scenario(k)));
    let on_probe = use_callback(d.clone(), |i: i64, d| {
        d.dispatch(Action::Probe(i.max(0) as usize))
    });
    let on_compose = use_callback(d.clone(), |c, d| d.dispatch(Action::Compose(c)));
    let on_action = use_callback(d.clone(), |a: Action, d| d.dispatch(a));
    let on_node = use_callback(d.clone(), |n, d| d.dispatch(Action::Node(n)));
    let on_drag = use_callback(d.clone(), |(n, dx, dy), d| {
        d.dispatch(Action::Drag(n, dx, dy))
    });
    let on_shape = use_callback(d.clone(), |a, d| d.dispatch(Action::Shape(a)));

    let k = state.current();
    let topo = state.topo().cloned().map(crate::model::Topo);
    html! {
        <div class="page">
            <header>
                <h1>{ "netsim" }</h1>
                <ScenarioMenu scenarios={state.scenarios.clone()} current={state.scenario.clone()} on_pick={on_scenario} />
                if let Some(t) = topo.clone() {
                    <ProbeMenu key={state.scenario.key.clone()} topo={t} selected={state.probe} on_pick={on_probe} {on_compose} />
                }
            </header>
            if let Some(e) = &state.error {
                <p class="error" role="alert">{ e }</p>
            }
            <main>
                <section class="stage">
                    if let Some(t) = topo.clone() {
                        <TopologyView key={state.scenario.key.clone()} topo={t.clone()} layout={state.layout.clone()} selected={state.node} on_select={on_node.clone()} {on_drag} {on_shape} shape_gen={state.shape_gen}>
                            if let Some(r) = &state.run {
                                <Packets run={r.clone()} layout={state.layout.clone()} pos={state.pos} />
                            }
                        </TopologyView>
                    } else {
                        <pre class="error">{ state.scenario.error.clone().unwrap_or_default() }</pre>
                    }
                </section>
                <aside class="panels">
                    if let Some(r) = &state.run {
                        <Inspector run={r.clone()} {k} on_seek={on_action.clone()} />
                        <StatePanel run={r.clone()} {k} node={state.node} on_node={on_node.clone()} />
                    }
                </aside>
            </main>
            <footer>
                <Controls
                    pos={state.pos}
                    last={state.last()}
                    playing={state.playing}
                    speed={state.speed}
                    caption={state.run.as_ref().map(|r| r.caption.clone()).unwrap_or_default()}
                    run={state.run.clone()}
                    on_action={on_action.clone()} />
                if let Some(r) = &state.run {
                    <EventList run={r.clone()} {k} hidden={state.hidden.clone()} only={state.only} on_action={on_action} />
                }
            </footer>
        </div>
    }
}
