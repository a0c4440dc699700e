//! The inspector: the decision at the current event in Linux's words, the
//! frame it concerns decoded layer by layer with a hex dump (pointing at a
//! field lights up its bytes, pointing at a byte lights up its field), what
//! changed since the same packet's previous hop, and "why?": the chain of
//! events that led here, back to the probe's start.

use netsim_core::wire::dissect::{changes, dissect, Layer};
use yew::prelude::*;

use crate::anim;
use crate::model::{Run, Shared};
use crate::ui::state::Action;

#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    pub run: Shared<Run>,
    pub k: usize,
    pub on_seek: Callback<Action>,
}

/// The frame event the inspector shows at event `k`: `k` itself, or the
/// last frame event before it.
pub fn frame_event(run: &Run, k: usize) -> Option<usize> {
    (0..=k.min(run.events.len().saturating_sub(1)))
        .rev()
        .find(|&j| run.events[j].bytes().is_some())
}

fn field_at(layers: &[Layer], byte: usize) -> Option<(usize, usize)> {
    // The innermost (last) field that holds the byte.
    layers
        .iter()
        .flat_map(|l| l.fields.iter())
        .filter(|f| f.range.0 <= byte && byte < f.range.1)
        .map(|f| f.range)
        .min_by_key(|r| r.1 - r.0)
}

#[function_component(Inspector)]
pub fn inspector(props: &Props) -> Html {
    let hover = use_state(|| None::<(usize, usize)>);
    let r = &props.run;
    let t = &r.topo;
    let Some(e) = r.events.get(props.k) else {
        return html! {};
    };
    let decision = e.explain(t);
    let fk = frame_event(r, props.k);
    let frame = fk.and_then(|j| r.events[j].bytes().map(|b| (j, b.clone())));

    let body = match &frame {
        None => html! { <p class="muted">{ "No frame yet at this point." }</p> },
        Some((j, bytes)) => {
            let layers = dissect(bytes);
            let hl = *hover;
            let set = |range: Option<(usize, usize)>| {
                let hover = hover.clone();
                Callback::from(move |_: MouseEvent| hover.set(range))
            };
            let tables = layers.iter().map(|l| {
                html! {
                    <section class="layer" data-layer={l.name.clone()}>
                        <h4>{ &l.name }</h4>
                        <table>
                            { for l.fields.iter().map(|f| {
                                let on = hl == Some(f.range);
                                html! {
                                    <tr class={classes!(on.then_some("hl"))}
                                        data-field={f.name.clone()}
                                        onmouseenter={set(Some(f.range))}
                                        onmouseleave={set(None)}>
                                        <th>{ &f.name }</th><td>{ &f.value }</td>
                                    </tr>
                                }
                            }) }
                        </table>
                    </section>
                }
            });
            let hex = bytes.chunks(16).enumerate().map(|(row, chunk)| {
                html! {
                    <div class="hexrow">
                        <span class="off">{ format!("{:04x}", row * 16) }</span>
                        { for chunk.iter().enumerate().map(|(c, b)| {
                            let i = row * 16 + c;
                            let on = hl.is_some_and(|(a, z)| a <= i && i < z);
                            let range = field_at(&layers, i);
                            html! {
                                <span class={classes!("byte", on.then_some("hl"))}
                                    onmouseenter={set(range)} onmouseleave={set(None)}>
                                    { format!("{b:02x}") }
                                </span>
                            }
                        }) }
                    </div>
                }
            });
            let prev = anim::previous_hop(t, &r.events, *j);
            let changed = prev.map(|p| {
                let before = r.events[p].bytes().map(|b| dissect(b)).unwrap_or_default();
                (p, changes(&before, &layers))
            });
            let seek = |to: usize| {
                let cb = props.on_seek.clone();
                Callback::from(move |_: MouseEvent| cb.emit(Action::Seek(to as f64)))
            };
            html! {
                <>
                    <p class="frame-of">
                        { format!("Frame of event {}", j + 1) }
                        if *j != props.k {
                            if r.events[props.k].frame() == r.events[*j].frame() {
                                <span class="muted">{ " (the frame on the move)" }</span>
                            } else {
                                <span class="muted">{ " (the last frame before this event)" }</span>
                            }
                        }
                        { ": " }<code>{ r.events[*j].summary().unwrap_or_default() }</code>
                    </p>
                    <div class="layers">{ for tables }</div>
                    <div class="hex" aria-label="hex dump">{ for hex }</div>
                    <h4>{ "Changed since the previous hop" }</h4>
                    { match changed {
                        None => html! { <p class="muted">{ "First hop of this packet." }</p> },
                        Some((p, ch)) if ch.is_empty() => html! {
                            <p class="muted">{ "Nothing changed since " }<a href="javascript:void(0)" onclick={seek(p)}>{ format!("event {}", p + 1) }</a>{ " (bridged, not routed)." }</p>
                        },
                        Some((p, ch)) => html! {
                            <>
                            <p class="muted">{ "Since " }<a href="javascript:void(0)" onclick={seek(p)}>{ format!("event {}", p + 1) }</a>{ ":" }</p>
                            <ul class="changes">
                                { for ch.iter().map(|c| html! {
                                    <li><b>{ format!("{} {}", c.layer, c.field) }</b>{ format!(": {} → {}", c.before, c.after) }</li>
                                }) }
                            </ul>
                            </>
                        },
                    } }
                </>
            }
        }
    };
    let why = r.why(props.k);
    let seek = |to: usize| {
        let cb = props.on_seek.clone();
        Callback::from(move |_: MouseEvent| cb.emit(Action::Seek(to as f64)))
    };
    html! {
        <>
        <details class="panel inspector" open=true>
            <summary>{ "Inspector" }</summary>
            <p class="decision" id="decision">{ decision }</p>
            { body }
        </details>
        <details class="panel why" open=true>
            <summary>{ "Why?" }</summary>
            if why.is_empty() {
                <p class="muted">{ "This is where the probe starts." }</p>
            } else {
                <ol class="why-chain">
                    { for why.iter().map(|&j| html! {
                        <li><a href="javascript:void(0)" onclick={seek(j)}>{ format!("event {}", j + 1) }</a>{ format!(": {}", r.events[j].explain(t)) }</li>
                    }) }
                </ol>
            }
        </details>
        </>
    }
}
