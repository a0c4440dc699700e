//! The topology view: the drawing under a pan and zoom transform. Wheel
//! zooms around the pointer, dragging the background pans, dragging a box
//! moves that node (a host with everything in it), one finger or two on a
//! touch screen pan and pinch, and with the focus on the view `+`, `-`,
//! `0` and the arrow keys zoom, fit and pan. A click on a box chooses the
//! node of the state panels.

use netsim_core::model::NodeId;
use std::collections::HashMap;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::layout::Layout;
use crate::model::{Shared, Topo};
use crate::ui::diagram::Diagram;

#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    pub topo: Topo,
    pub layout: Shared<Layout>,
    pub selected: Option<NodeId>,
    pub on_select: Callback<Option<NodeId>>,
    /// A node dragged by (dx, dy) in drawing units.
    pub on_drag: Callback<(NodeId, f64, f64)>,
    #[prop_or_default]
    pub children: Html,
}

/// Translation and scale: screen = world * s + (x, y).
#[derive(Debug, Clone, Copy, PartialEq)]
struct View {
    x: f64,
    y: f64,
    s: f64,
}

impl View {
    fn zoom_at(self, px: f64, py: f64, factor: f64) -> View {
        let s = (self.s * factor).clamp(0.02, 8.0);
        let f = s / self.s;
        View {
            x: px - (px - self.x) * f,
            y: py - (py - self.y) * f,
            s,
        }
    }
}

fn fit(layout: &Layout, w: f64, h: f64) -> View {
    // A margin of screen pixels around the drawing, so that strokes and
    // labels at its edges stay inside on a narrow screen too.
    const EDGE: f64 = 16.0;
    let (iw, ih) = ((w - 2.0 * EDGE).max(50.0), (h - 2.0 * EDGE).max(50.0));
    let s = (iw / layout.width).min(ih / layout.height).clamp(0.02, 1.6);
    View {
        x: (w - layout.width * s) / 2.0,
        y: (h - layout.height * s) / 2.0,
        s,
    }
}

/// What a pointer is doing.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Grab {
    Pan {
        last: (f64, f64),
    },
    Node {
        node: NodeId,
        last: (f64, f64),
        moved: f64,
    },
}

#[function_component(TopologyView)]
pub fn topology_view(props: &Props) -> Html {
    let svg = use_node_ref();
    let view = use_state(|| View {
        x: 0.0,
        y: 0.0,
        s: 1.0,
    });
    let grab = use_mut_ref(|| None::<Grab>);
    let touches = use_mut_ref(HashMap::<i32, (f64, f64)>::new);

    // Fit the drawing once it is in the page (the view is keyed by the
    // scenario, so a new scenario fits again).
    {
        let (svg, view, layout) = (svg.clone(), view.clone(), props.layout.clone());
        use_effect_with((), move |_| {
            if let Some(el) = svg.cast::<web_sys::Element>() {
                let r = el.get_bounding_client_rect();
                view.set(fit(&layout, r.width().max(100.0), r.height().max(100.0)));
            }
            // For the end-to-end test's "drawn within 1 s".
            if let Some(p) = gloo::utils::window().performance() {
                let _ = p.mark("netsim-drawn");
            }
        });
    }

    let local = {
        let svg = svg.clone();
        move |x: i32, y: i32| -> (f64, f64) {
            svg.cast::<web_sys::Element>()
                .map(|el| {
                    let r = el.get_bounding_client_rect();
                    (f64::from(x) - r.left(), f64::from(y) - r.top())
                })
                .unwrap_or((f64::from(x), f64::from(y)))
        }
    };

    let onwheel = {
        let (view, local) = (view.clone(), local.clone());
        Callback::from(move |e: WheelEvent| {
            e.prevent_default();
            let (px, py) = local(e.client_x(), e.client_y());
            let factor = (-e.delta_y() * 0.0015).exp();
            view.set(view.zoom_at(px, py, factor));
        })
    };
    let onpointerdown = {
        let (grab, touches, local) = (grab.clone(), touches.clone(), local.clone());
        Callback::from(move |e: PointerEvent| {
            let p = local(e.client_x(), e.client_y());
            touches.borrow_mut().insert(e.pointer_id(), p);
            if let Some(el) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            {
                let _ = el.set_pointer_capture(e.pointer_id());
                let node = el
                    .closest("[data-node]")
                    .ok()
                    .flatten()
                    .and_then(|n| n.get_attribute("data-node"))
                    .and_then(|v| v.parse::<u32>().ok());
                *grab.borrow_mut() = Some(match node {
                    Some(n) => Grab::Node {
                        node: NodeId(n),
                        last: p,
                        moved: 0.0,
                    },
                    None => Grab::Pan { last: p },
                });
            }
        })
    };
    let onpointermove = {
        let (grab, touches, view, local, on_drag) = (
            grab.clone(),
            touches.clone(),
            view.clone(),
            local.clone(),
            props.on_drag.clone(),
        );
        Callback::from(move |e: PointerEvent| {
            let p = local(e.client_x(), e.client_y());
            let mut t = touches.borrow_mut();
            if t.len() == 2 && t.contains_key(&e.pointer_id()) {
                // Pinch: zoom by the change of distance, around the middle.
                let other = t
                    .iter()
                    .find(|(id, _)| **id != e.pointer_id())
                    .map(|(_, q)| *q);
                let old = t.get(&e.pointer_id()).copied();
                if let (Some(o), Some(old)) = (other, old) {
                    let d0 = ((old.0 - o.0).powi(2) + (old.1 - o.1).powi(2)).sqrt();
                    let d1 = ((p.0 - o.0).powi(2) + (p.1 - o.1).powi(2)).sqrt();
                    if d0 > 1.0 {
                        let mid = ((p.0 + o.0) / 2.0, (p.1 + o.1) / 2.0);
                        view.set(view.zoom_at(mid.0, mid.1, d1 / d0));
                    }
                }
                t.insert(e.pointer_id(), p);
                *grab.borrow_mut() = None;
                return;
            }
            t.insert(e.pointer_id(), p);
            drop(t);
            let mut g = grab.borrow_mut();
            match g.as_mut() {
                Some(Grab::Pan { last }) => {
                    let (dx, dy) = (p.0 - last.0, p.1 - last.1);
                    *last = p;
                    view.set(View {
                        x: view.x + dx,
                        y: view.y + dy,
                        s: view.s,
                    });
                }
                Some(Grab::Node { node, last, moved }) => {
                    let (dx, dy) = (p.0 - last.0, p.1 - last.1);
                    *moved += dx.abs() + dy.abs();
                    if *moved > 3.0 {
                        *last = p;
                        on_drag.emit((*node, dx / view.s, dy / view.s));
                    }
                }
                None => {}
            }
        })
    };
    let release = {
        let (grab, touches, on_select) = (grab.clone(), touches.clone(), props.on_select.clone());
        Callback::from(move |e: PointerEvent| {
            touches.borrow_mut().remove(&e.pointer_id());
            if let Some(Grab::Node { node, moved, .. }) = grab.borrow_mut().take() {
                if moved <= 3.0 {
                    on_select.emit(Some(node));
                }
            }
        })
    };
    let onkeydown = {
        let (view, svg, layout) = (view.clone(), svg.clone(), props.layout.clone());
        Callback::from(move |e: KeyboardEvent| {
            let (w, h) = svg
                .cast::<web_sys::Element>()
                .map(|el| {
                    let r = el.get_bounding_client_rect();
                    (r.width(), r.height())
                })
                .unwrap_or((800.0, 600.0));
            let v = *view;
            let next = match e.key().as_str() {
                "+" | "=" => v.zoom_at(w / 2.0, h / 2.0, 1.25),
                "-" | "_" => v.zoom_at(w / 2.0, h / 2.0, 0.8),
                "0" => fit(&layout, w, h),
                "ArrowLeft" => View { x: v.x + 60.0, ..v },
                "ArrowRight" => View { x: v.x - 60.0, ..v },
                "ArrowUp" => View { y: v.y + 60.0, ..v },
                "ArrowDown" => View { y: v.y - 60.0, ..v },
                _ => return,
            };
            e.prevent_default();
            e.stop_propagation();
            view.set(next);
        })
    };
    let zoom = |f: f64| {
        let (view, svg) = (view.clone(), svg.clone());
        Callback::from(move |_: MouseEvent| {
            let (w, h) = svg
                .cast::<web_sys::Element>()
                .map(|el| {
                    let r = el.get_bounding_client_rect();
                    (r.width(), r.height())
                })
                .unwrap_or((800.0, 600.0));
            view.set(view.zoom_at(w / 2.0, h / 2.0, f));
        })
    };
    let refit = {
        let (view, svg, layout) = (view.clone(), svg.clone(), props.layout.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(el) = svg.cast::<web_sys::Element>() {
                let r = el.get_bounding_client_rect();
                view.set(fit(&layout, r.width(), r.height()));
            }
        })
    };
    let transform = format!(
        "translate({:.2} {:.2}) scale({:.4})",
        view.x, view.y, view.s
    );
    html! {
        <div class="topology-wrap">
            // Zoomed far out, interface labels are unreadable: leaving them
            // out keeps a 200-node drawing light to lay out and paint.
            <svg ref={svg.clone()} class={classes!("topology", (view.s < 0.45).then_some("far"))} tabindex="0" role="img"
                aria-label={format!("topology of {}", props.topo.name)}
                {onwheel} {onpointerdown} {onpointermove}
                onpointerup={release.clone()} onpointercancel={release} {onkeydown}>
                <g class="world" transform={transform.clone()}>
                    <Diagram topo={props.topo.clone()} layout={props.layout.clone()} selected={props.selected} />
                </g>
            </svg>
            // The moving layer in an SVG of its own: a frame gliding along
            // a cable repaints this small layer, not the whole drawing.
            <svg class="overlay" aria-hidden="true">
                <g class="world" {transform}>{ props.children.clone() }</g>
            </svg>
            <div class="zoom" aria-label="zoom">
                <button title="zoom in (+)" onclick={zoom(1.25)}>{ "+" }</button>
                <button title="zoom out (-)" onclick={zoom(0.8)}>{ "−" }</button>
                <button title="fit (0)" onclick={refit}>{ "fit" }</button>
            </div>
        </div>
    }
}
