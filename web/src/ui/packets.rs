//! The moving layer over the drawing: a pill for every frame on a cable at
//! the current position, a red cross where something was dropped, and the
//! decision being taken, written beside the place that takes it. A pure
//! function of (layout, run, position).

use netsim_core::trace::EventKind;
use yew::prelude::*;

use crate::anim;
use crate::layout::{Layout, Point, Rect};
use crate::model::{Run, Shared};
use crate::ui::diagram::fmt;
use netsim_core::model::Topology;

#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    pub run: Shared<Run>,
    pub layout: Shared<Layout>,
    pub pos: f64,
}

/// Splits `s` into lines of at most `width` characters, at spaces.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for w in s.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The size of the callout box for `lines`.
pub fn callout_size(lines: &[String]) -> (f64, f64) {
    let w = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as f64 * 6.6 + 16.0;
    let h = lines.len() as f64 * 15.0 + 10.0;
    (w, h)
}

/// A box of text next to `at`, where the layout finds room for it (over
/// no host's title, on the drawing), with a stem to `at`.
fn callout(at: Point, lines: &[String], class: &'static str, l: &Layout, t: &Topology) -> Html {
    let (w, h) = callout_size(lines);
    let Rect { x, y, .. } = l.callout(t, at, w, h);
    let (sx, sy) = if y + h <= at.y {
        (x + w / 2.0, y + h)
    } else if y >= at.y {
        (x + w / 2.0, y)
    } else if x >= at.x {
        (x, y + h / 2.0)
    } else {
        (x + w, y + h / 2.0)
    };
    html! {
        <g class={class}>
            <line class="callout-stem" x1={fmt(at.x)} y1={fmt(at.y)} x2={fmt(sx)} y2={fmt(sy)} />
            <rect x={fmt(x)} y={fmt(y)} width={fmt(w)} height={fmt(h)} rx="6" />
            <text x={fmt(x + 8.0)} y={fmt(y + 17.0)}>
                { for lines.iter().enumerate().map(|(i, l)| html! {
                    <tspan x={fmt(x + 8.0)} dy={if i == 0 { "0" } else { "15" }}>{ l }</tspan>
                }) }
            </text>
        </g>
    }
}

#[function_component(Packets)]
pub fn packets(props: &Props) -> Html {
    let r = &props.run;
    let l = &props.layout;
    let t = &r.topo;
    if r.events.is_empty() {
        return html! {};
    }
    let k = (props.pos.floor().max(0.0) as usize).min(r.events.len() - 1);
    let frames = anim::frames_at(&r.events, &r.moves, props.pos);
    let pills = frames.iter().map(|&(i, f)| {
        let m = &r.moves[i];
        let p = anim::along(&anim::path(l, m), f);
        html! {
            <g class={classes!("pill", m.kind.class())} transform={format!("translate({} {})", fmt(p.x), fmt(p.y))}>
                <rect x="-20" y="-10" width="40" height="20" rx="10" />
                <text y="4" text-anchor="middle">{ m.kind.label() }</text>
            </g>
        }
    });
    let drops = r.events[..=k]
        .iter()
        .enumerate()
        .filter_map(|(j, e)| match &e.kind {
            EventKind::Drop { reason } => Some((j, e, reason)),
            _ => None,
        })
        .map(|(j, e, reason)| {
            let p = anim::place_point(l, t, e.place);
            let why = reason.explain(t);
            html! {
                <g class={classes!("drop", (j == k).then_some("now"))}>
                    <title>{ why.clone() }</title>
                    <line x1={fmt(p.x - 10.0)} y1={fmt(p.y - 10.0)} x2={fmt(p.x + 10.0)} y2={fmt(p.y + 10.0)} />
                    <line x1={fmt(p.x - 10.0)} y1={fmt(p.y + 10.0)} x2={fmt(p.x + 10.0)} y2={fmt(p.y - 10.0)} />
                </g>
            }
        });
    let e = &r.events[k];
    let here = anim::place_point(l, t, e.place);
    let lines = wrap(&e.explain(t), 52);
    let class = if matches!(e.kind, EventKind::Drop { .. }) {
        "callout dropped"
    } else {
        "callout"
    };
    html! {
        <g class="packets">
            <circle class="here" cx={fmt(here.x)} cy={fmt(here.y)} r="11" />
            { callout(here, &lines, class, l, t) }
            { for drops }
            { for pills }
        </g>
    }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert!(wrap("", 5).is_empty());
    }
}
