//! Transport controls: restart, step back, play/pause, step forward, to the
//! end, speed, and a timeline to scrub; the probe's caption, the virtual
//! time and the position.

use netsim_core::sim::HOP;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::model::{Run, Shared};
use crate::ui::state::Action;

#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    pub pos: f64,
    pub last: usize,
    pub playing: bool,
    pub speed: f64,
    pub caption: String,
    pub run: Option<Shared<Run>>,
    pub on_action: Callback<Action>,
}

/// Virtual time as the trace prints it: seconds with microseconds.
pub fn time_text(ns: u64) -> String {
    format!(
        "{}.{:06} s",
        ns / 1_000_000_000,
        (ns % 1_000_000_000) / 1_000
    )
}

/// A wait between two events, compressed into a marker.
pub fn wait_text(ns: u64) -> Option<String> {
    (ns > 100 * HOP).then(|| {
        if ns >= 1_000_000_000 {
            format!("{:.1} s later", ns as f64 / 1e9)
        } else if ns >= 1_000_000 {
            format!("{:.1} ms later", ns as f64 / 1e6)
        } else {
            format!("{:.1} µs later", ns as f64 / 1e3)
        }
    })
}

/// A 20×20 icon from one path (fonts on some systems lack the media
/// symbols).
fn icon(d: &'static str) -> Html {
    html! { <svg viewBox="0 0 20 20" aria-hidden="true"><path {d} /></svg> }
}

fn input_value(e: &Event) -> Option<f64> {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|i| i.value().parse().ok())
}

#[function_component(Controls)]
pub fn controls(props: &Props) -> Html {
    let send = |a: Action| {
        let cb = props.on_action.clone();
        Callback::from(move |_: MouseEvent| cb.emit(a.clone()))
    };
    let on_seek = {
        let cb = props.on_action.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(v) = input_value(&e) {
                cb.emit(Action::Seek(v));
            }
        })
    };
    let on_speed = {
        let cb = props.on_action.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(v) = input_value(&e) {
                cb.emit(Action::Speed(2f64.powf(v)));
            }
        })
    };
    let k = (props.pos.floor().max(0.0) as usize).min(props.last);
    let n = props.last + 1;
    let (time, wait) = match &props.run {
        Some(r) if !r.events.is_empty() => {
            let t = crate::anim::time_at(&r.events, props.pos);
            let gap = match (r.events.get(k), r.events.get(k + 1)) {
                (Some(a), Some(b)) => wait_text(b.time.saturating_sub(a.time)),
                _ => None,
            };
            (time_text(t), gap)
        }
        _ => (String::new(), None),
    };
    let at_end = k >= props.last;
    let play_label = if props.playing {
        icon("M4 3h4v14H4zM12 3h4v14h-4z")
    } else {
        icon("M5 3v14l12-7z")
    };
    let play_title = if props.playing {
        "pause (space)"
    } else {
        "play (space)"
    };
    html! {
        <div class="controls">
            <div class="buttons">
                <button id="restart" title="restart (Home)" aria-label="restart" onclick={send(Action::Restart)}>{ icon("M3 3h2v14H3zM17 3v14L6 10z") }</button>
                <button id="back" title="step back (←)" aria-label="step back" onclick={send(Action::Step(-1))} disabled={props.pos <= 0.0}>{ icon("M14 3v14L4 10z") }</button>
                <button id="play" class="play" title={play_title} aria-label={play_title} onclick={send(Action::Toggle)}>{ play_label }</button>
                <button id="forward" title="step forward (→)" aria-label="step forward" onclick={send(Action::Step(1))} disabled={at_end}>{ icon("M6 3v14l10-7z") }</button>
                <button id="end" title="to the end" aria-label="to the end" onclick={send(Action::Seek(props.last as f64))}>{ icon("M3 3v14l11-7zM15 3h2v14h-2z") }</button>
                <label class="speed">{ "speed " }
                    <input type="range" min="-2" max="3" step="0.5" value={props.speed.log2().to_string()} oninput={on_speed} aria-label="speed" />
                    <span>{ format!("×{}", props.speed) }</span>
                </label>
            </div>
            <input id="timeline" class="timeline" type="range" min="0" max={props.last.to_string()} step="0.01"
                value={format!("{:.2}", props.pos)} oninput={on_seek} aria-label="timeline" />
            <div class="where">
                <span id="position">{ format!("event {} / {}", k + 1, n) }</span>
                <span class="time">{ time }</span>
                if let Some(w) = wait {
                    <span class="wait">{ format!("⏱ {w}") }</span>
                }
                <span id="caption" class="caption">{ &props.caption }</span>
                if at_end && !props.caption.is_empty() {
                    <span id="outcome" class="outcome">{ props.run.as_ref().map(|r| r.result.clone()).unwrap_or_default() }</span>
                    <span class="hint">{ "next: another probe, compose one, or another scenario" }</span>
                } else if k == 0 && !props.caption.is_empty() {
                    <span class="hint">{ "press play (space), or step with → and ←" }</span>
                }
            </div>
        </div>
    }
}
