//! The topology view: the drawing under a pan and zoom transform. Wheel
//! zooms around the pointer, dragging the background pans, dragging a box
//! moves that node (a host with everything in it), one finger or two on a
//! touch screen pan and pinch, and with the focus on the view `+`, `-`,
//! `0` and the arrow keys zoom, fit and pan. A click on a box chooses the
//! node of the state panels.
//!
//! The view opens fitted to the element the drawing is in, and fits again
//! whenever that element changes size (the window resized or turned, the
//! page's scrollbar come and gone) until the user pans or zooms; after that
//! a change of size keeps what is in the middle in the middle.

use netsim_core::model::NodeId;
use std::collections::HashMap;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::layout::{Layout, Rect, View};
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
    /// The drawing's element has a new shape: its width over its height.
    #[prop_or_default]
    pub on_shape: Callback<f64>,
    /// Changes when the layout was made again for a new shape: the view
    /// then fits it again, unless the user has zoomed or panned.
    #[prop_or_default]
    pub shape_gen: u32,
    #[prop_or_default]
    pub children: Html,
}

/// What the view was last set for, kept across renders for the resize
/// observer, which outlives them.
#[derive(Debug)]
struct Screen {
    /// The element's size, in CSS pixels.
    size: (f64, f64),
    /// Whether the view is still the fit: no pan or zoom since.
    fitted: bool,
    view: View,
    topo: Topo,
    layout: Shared<Layout>,
}

impl Screen {
    /// The whole drawing on a `w` x `h` element, clear of the zoom buttons
    /// at `clear_of`.
    fn fit(&mut self, w: f64, h: f64, clear_of: Option<Rect>) -> View {
        self.size = (w, h);
        self.fitted = true;
        self.view = self.layout.fit(&self.topo, w, h, clear_of);
        self.view
    }

    /// The view for the element now `w` x `h`, if that is a new size: the
    /// fit again while the user has not moved the view; else the view
    /// moved by half the change, so that its middle stays in the middle.
    /// None while the element is not laid out (hidden, or not in the page
    /// yet).
    fn resized(&mut self, w: f64, h: f64, clear_of: Option<Rect>) -> Option<View> {
        let (ow, oh) = self.size;
        if w < 1.0 || h < 1.0 || ((w - ow).abs() < 0.5 && (h - oh).abs() < 0.5) {
            return None;
        }
        if self.fitted || ow < 1.0 || oh < 1.0 {
            return Some(self.fit(w, h, clear_of));
        }
        self.size = (w, h);
        self.view = self.view.pan((w - ow) / 2.0, (h - oh) / 2.0);
        Some(self.view)
    }

    /// A view the user chose (a pan or a zoom): a resize keeps it.
    fn moved(&mut self, v: View) -> View {
        self.fitted = false;
        self.view = v;
        v
    }
}

/// The size of the drawing's element, and where the zoom buttons are on it.
fn measure(svg: &NodeRef, zoom: &NodeRef) -> Option<(f64, f64, Option<Rect>)> {
    let r = svg.cast::<web_sys::Element>()?.get_bounding_client_rect();
    let clear_of = zoom.cast::<web_sys::Element>().map(|z| {
        let b = z.get_bounding_client_rect();
        Rect {
            x: b.left() - r.left(),
            y: b.top() - r.top(),
            w: b.width(),
            h: b.height(),
        }
    });
    Some((r.width(), r.height(), clear_of))
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
    let zoom_bar = use_node_ref();
    let view = use_state(View::default);
    let grab = use_mut_ref(|| None::<Grab>);
    let touches = use_mut_ref(HashMap::<i32, (f64, f64)>::new);
    let screen = use_mut_ref(|| Screen {
        size: (0.0, 0.0),
        fitted: true,
        view: View::default(),
        topo: props.topo.clone(),
        layout: props.layout.clone(),
    });
    {
        // What a resize fits: the drawing as it is now (a node may have
        // been dragged).
        let mut sc = screen.borrow_mut();
        sc.view = *view;
        sc.topo = props.topo.clone();
        sc.layout = props.layout.clone();
    }

    // Fit the drawing once it is in the page, and again each time its
    // element changes size (the view is keyed by the scenario, so a new
    // scenario fits again).
    {
        let (svg, zoom_bar, view, screen) =
            (svg.clone(), zoom_bar.clone(), view.clone(), screen.clone());
        let on_shape = props.on_shape.clone();
        use_effect_with((), move |_| {
            let el = svg.cast::<web_sys::Element>();
            let refit = {
                let svg = svg.clone();
                move || {
                    let Some((w, h, clear_of)) = measure(&svg, &zoom_bar) else {
                        return;
                    };
                    if w >= 1.0 && h >= 1.0 {
                        on_shape.emit(w / h);
                    }
                    let next = screen.borrow_mut().resized(w, h, clear_of);
                    if let Some(v) = next {
                        view.set(v);
                    }
                }
            };
            refit();
            // For the end-to-end test's "drawn within 1 s".
            if let Some(p) = gloo::utils::window().performance() {
                let _ = p.mark("netsim-drawn");
            }
            let refit = Closure::<dyn FnMut()>::new(refit);
            let observer = web_sys::ResizeObserver::new(refit.as_ref().unchecked_ref()).ok();
            if let (Some(o), Some(el)) = (&observer, &el) {
                o.observe(el);
            }
            move || {
                if let Some(o) = observer {
                    o.disconnect();
                }
                drop(refit);
            }
        });
    }

    // The layout was made again for the element's new shape: fit it,
    // unless the user has moved the view.
    {
        let (svg, zoom_bar, view, screen) =
            (svg.clone(), zoom_bar.clone(), view.clone(), screen.clone());
        use_effect_with(props.shape_gen, move |_| {
            let fitted = screen.borrow().fitted;
            if let (true, Some((w, h, clear_of))) = (fitted, measure(&svg, &zoom_bar)) {
                if w >= 1.0 && h >= 1.0 {
                    let v = screen.borrow_mut().fit(w, h, clear_of);
                    view.set(v);
                }
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
        let (view, local, screen) = (view.clone(), local.clone(), screen.clone());
        Callback::from(move |e: WheelEvent| {
            e.prevent_default();
            let (px, py) = local(e.client_x(), e.client_y());
            let factor = (-e.delta_y() * 0.0015).exp();
            let v = screen.borrow_mut().moved(view.zoom_at(px, py, factor));
            view.set(v);
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
        let (grab, touches, view, local, on_drag, screen) = (
            grab.clone(),
            touches.clone(),
            view.clone(),
            local.clone(),
            props.on_drag.clone(),
            screen.clone(),
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
                        let v = screen
                            .borrow_mut()
                            .moved(view.zoom_at(mid.0, mid.1, d1 / d0));
                        view.set(v);
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
                    if dx != 0.0 || dy != 0.0 {
                        let v = screen.borrow_mut().moved(view.pan(dx, dy));
                        view.set(v);
                    }
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
        let (view, svg, zoom_bar, screen) =
            (view.clone(), svg.clone(), zoom_bar.clone(), screen.clone());
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
                "0" => {
                    e.prevent_default();
                    e.stop_propagation();
                    let clear_of = measure(&svg, &zoom_bar).and_then(|m| m.2);
                    let fitted = screen.borrow_mut().fit(w, h, clear_of);
                    view.set(fitted);
                    return;
                }
                "ArrowLeft" => v.pan(60.0, 0.0),
                "ArrowRight" => v.pan(-60.0, 0.0),
                "ArrowUp" => v.pan(0.0, 60.0),
                "ArrowDown" => v.pan(0.0, -60.0),
                _ => return,
            };
            e.prevent_default();
            e.stop_propagation();
            let v = screen.borrow_mut().moved(next);
            view.set(v);
        })
    };
    let zoom = |f: f64| {
        let (view, svg, screen) = (view.clone(), svg.clone(), screen.clone());
        Callback::from(move |_: MouseEvent| {
            let (w, h) = svg
                .cast::<web_sys::Element>()
                .map(|el| {
                    let r = el.get_bounding_client_rect();
                    (r.width(), r.height())
                })
                .unwrap_or((800.0, 600.0));
            let v = screen.borrow_mut().moved(view.zoom_at(w / 2.0, h / 2.0, f));
            view.set(v);
        })
    };
    let refit = {
        let (view, svg, zoom_bar, screen) =
            (view.clone(), svg.clone(), zoom_bar.clone(), screen.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some((w, h, clear_of)) = measure(&svg, &zoom_bar) {
                let fitted = screen.borrow_mut().fit(w, h, clear_of);
                view.set(fitted);
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
            <div ref={zoom_bar} class="zoom" aria-label="zoom">
                <button title="zoom in (+)" onclick={zoom(1.25)}>{ "+" }</button>
                <button title="zoom out (-)" onclick={zoom(0.8)}>{ "−" }</button>
                <button title="fit (0)" onclick={refit}>{ "fit" }</button>
            </div>
        </div>
    }
}
