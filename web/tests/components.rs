//! Component tests of the page in a real browser (wasm-bindgen-test, headless
//! Chromium through ChromeDriver): each mounts the whole page into a fresh
//! element, acts on it through the DOM as a user would, and reads the DOM.
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p netsim-web --target wasm32-unknown-unknown`
#![cfg(target_arch = "wasm32")]
// Helpers of a test file: a failed step should stop the test loudly.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use std::time::Duration;

use netsim_web::ui::app::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

struct Page {
    root: Element,
    app: Option<yew::AppHandle<App>>,
}

thread_local! {
    /// The test runner interleaves async tests; pages listen to the whole
    /// window (keys, the URL), so one page at a time.
    static BUSY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Page {
    async fn open() -> Page {
        // (A test that panics never lets go: the others go ahead after a
        // while, so that the run still ends and lists every failure.)
        for _ in 0..500 {
            if !BUSY.with(|b| b.replace(true)) {
                break;
            }
            yew::platform::time::sleep(Duration::from_millis(20)).await;
        }
        // Every test starts from the page's plain address (an earlier
        // test's position lives in the URL fragment).
        let _ = gloo::utils::window()
            .history()
            .expect("history")
            .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("#"));
        let doc = gloo::utils::document();
        let root = doc.create_element("div").expect("a div");
        root.set_attribute("style", "width: 1200px; height: 800px")
            .expect("style");
        doc.body()
            .expect("a body")
            .append_child(&root)
            .expect("appended");
        let app = yew::Renderer::<App>::with_root(root.clone()).render();
        let p = Page {
            root,
            app: Some(app),
        };
        p.settle().await;
        p
    }

    /// Waits until the page stops changing (a debug build renders slowly).
    async fn settle(&self) {
        let mut last = String::new();
        for _ in 0..100 {
            yew::platform::time::sleep(Duration::from_millis(25)).await;
            let now = self.root.inner_html();
            if now == last {
                return;
            }
            last = now;
        }
    }

    fn q(&self, css: &str) -> Option<Element> {
        self.root.query_selector(css).ok().flatten()
    }

    fn all(&self, css: &str) -> u32 {
        self.root
            .query_selector_all(css)
            .map(|l| l.length())
            .unwrap_or(0)
    }

    fn text(&self, css: &str) -> String {
        self.q(css)
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    }

    async fn click(&self, css: &str) {
        let e = self.q(css).unwrap_or_else(|| panic!("no {css}"));
        e.dyn_into::<HtmlElement>().expect("html").click();
        self.settle().await;
    }

    async fn select(&self, css: &str, value: &str) {
        let s: HtmlSelectElement = self
            .q(css)
            .unwrap_or_else(|| panic!("no {css}"))
            .dyn_into()
            .expect("a select");
        s.set_value(value);
        let ev = web_sys::Event::new_with_event_init_dict("change", &{
            let i = web_sys::EventInit::new();
            i.set_bubbles(true);
            i
        })
        .expect("event");
        s.dispatch_event(&ev).expect("dispatched");
        self.settle().await;
    }

    async fn hover(&self, el: &Element) {
        let ev = web_sys::MouseEvent::new("mouseenter").expect("event");
        el.dispatch_event(&ev).expect("dispatched");
        self.settle().await;
    }

    /// "event 7 / 36" as (7, 36).
    fn position(&self) -> (usize, usize) {
        let t = self.text("#position");
        let t = t.trim_start_matches("event ");
        let (a, b) = t.split_once(" / ").unwrap_or(("0", "0"));
        (a.parse().unwrap_or(0), b.parse().unwrap_or(0))
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        if let Some(a) = self.app.take() {
            a.destroy();
        }
        self.root.remove();
        BUSY.with(|b| b.set(false));
    }
}

#[wasm_bindgen_test]
async fn opens_on_docker0_drawn_like_the_seed() {
    let p = Page::open().await;
    assert!(
        p.q("[data-bridge=\"docker0\"]").is_some(),
        "the docker0 bar"
    );
    assert_eq!(
        p.all("[data-bridge=\"docker0\"] line.tick"),
        2,
        "a tick per port"
    );
    for n in ["host", "bus1", "bus2"] {
        assert!(p.q(&format!("[data-name=\"{n}\"]")).is_some(), "{n}");
    }
    assert!(p.q("[data-iface=\"host:veth2d6f8e9\"]").is_some());
    assert!(p
        .text("[data-iface=\"bus1:eth0\"]")
        .contains("172.17.0.2/16"));
    assert_eq!(p.position().0, 1);
    assert!(p.text("#caption").contains("bus2 → bus1"));
    assert!(
        p.q("#outcome").is_none(),
        "the result is not given away before the end"
    );
}

/// Every element under `el`: its tag, its attributes sorted (the DOM keeps
/// them in the order they were last set) and its own text.
fn shape(el: &Element) -> Vec<String> {
    let mut out = Vec::new();
    let all = el.query_selector_all("*").expect("selector");
    for i in 0..all.length() {
        let Some(e) = all.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        let mut attrs: Vec<String> = e
            .get_attribute_names()
            .iter()
            .filter_map(|n| n.as_string())
            .map(|n| format!("{n}={}", e.get_attribute(&n).unwrap_or_default()))
            .collect();
        attrs.sort();
        let text = if e.child_element_count() == 0 {
            e.text_content().unwrap_or_default()
        } else {
            String::new()
        };
        out.push(format!("{} {} {text}", e.tag_name(), attrs.join(" ")));
    }
    out
}

#[wasm_bindgen_test]
async fn stepping_back_is_exact() {
    let p = Page::open().await;
    let at = |p: &Page| {
        (
            p.q(".packets").map(|e| shape(&e)).unwrap_or_default(),
            p.text("#decision"),
            p.text("#state-neigh"),
        )
    };
    for _ in 0..3 {
        p.click("#forward").await;
    }
    let third = at(&p);
    assert_eq!(p.position().0, 4);
    p.click("#forward").await;
    p.click("#forward").await;
    assert_ne!(at(&p), third);
    p.click("#back").await;
    p.click("#back").await;
    assert_eq!(p.position().0, 4);
    assert_eq!(
        at(&p),
        third,
        "the picture, decision and state after two steps back"
    );
}

#[wasm_bindgen_test]
async fn a_frame_glides_along_its_veth() {
    let p = Page::open().await;
    // Step until a frame is on a cable, then look halfway to the next event.
    let mut found = false;
    for _ in 0..10 {
        p.click("#forward").await;
        if p.text("#decision").contains("sends") {
            found = true;
            break;
        }
    }
    assert!(found, "a frame is sent");
    // The next event is its crossing; halfway to the one after, it is on
    // its cable.
    p.click("#forward").await;
    assert!(
        p.text("#decision").contains("crosses"),
        "{}",
        p.text("#decision")
    );
    let (k, _) = p.position();
    let timeline: web_sys::HtmlInputElement = p
        .q("#timeline")
        .expect("timeline")
        .dyn_into()
        .expect("input");
    timeline.set_value(&format!("{}.5", k - 1));
    let ev = web_sys::InputEvent::new("input").expect("event");
    timeline.dispatch_event(&ev).expect("dispatched");
    p.settle().await;
    assert_eq!(p.all(".pill"), 1, "one frame on a cable");
    assert!(p.text(".pill").contains("ARP"), "labelled with its kind");
}

#[wasm_bindgen_test]
async fn inspector_lights_up_the_bytes_of_a_field() {
    let p = Page::open().await;
    for _ in 0..40 {
        if p.text(".frame-of").contains("ICMP echo request") {
            break;
        }
        p.click("#forward").await;
    }
    assert_eq!(
        p.text("[data-layer=\"IPv4\"] tr[data-field=\"TTL\"] td"),
        "64"
    );
    let row = p
        .q("[data-layer=\"IPv4\"] tr[data-field=\"Source\"]")
        .expect("source row");
    p.hover(&row).await;
    assert_eq!(p.all(".byte.hl"), 4, "an IPv4 address is 4 bytes");
    assert!(p.q("[data-layer=\"IPv4\"] tr.hl").is_some());
}

#[wasm_bindgen_test]
async fn event_list_filters_and_seeks() {
    let p = Page::open().await;
    let rows = p.all(".ev");
    assert!(rows > 10);
    assert!(p.q(".ev.arp").is_some());
    p.click(".filter.arp").await;
    assert_eq!(p.all(".ev.arp"), 0, "ARP rows hidden");
    assert!(p.all(".ev") < rows);
    p.click(".filter.arp").await;
    assert_eq!(p.all(".ev"), rows);
    p.click(".ev[data-k=\"5\"]").await;
    assert_eq!(p.position().0, 6);
    assert!(p.q(".ev.current[data-k=\"5\"]").is_some());
}

#[wasm_bindgen_test]
async fn another_scenario_and_probe() {
    let p = Page::open().await;
    p.select("#scenario", "router").await;
    assert!(p.q("[data-bridge=\"SW1\"]").is_some());
    assert!(p.q("[data-bridge=\"docker0\"]").is_none());
    assert!(p.text("#caption").contains("c1 → c3"));
    p.select("#probe", "3").await;
    assert!(
        p.text("#caption").contains("ttl 1"),
        "{}",
        p.text("#caption")
    );
    p.click("#end").await;
    assert!(p.text("#outcome").contains("ttl-exceeded"));
}

#[wasm_bindgen_test]
async fn composed_probe_runs() {
    let p = Page::open().await;
    p.click(".compose-toggle").await;
    let to: web_sys::HtmlInputElement = p.q("#c-to").expect("to").dyn_into().expect("input");
    to.set_value("host");
    to.dispatch_event(&web_sys::Event::new("change").expect("event"))
        .expect("dispatched");
    p.select("#c-proto", "udp").await;
    p.click(".compose button[type=submit]").await;
    assert!(
        p.text("#caption").contains("udp/80"),
        "{}",
        p.text("#caption")
    );
    p.click("#end").await;
    assert!(
        p.text("#outcome").contains("refused"),
        "{}",
        p.text("#outcome")
    );
}

fn pointer(kind: &str, x: f64, y: f64) -> web_sys::PointerEvent {
    let init = web_sys::PointerEventInit::new();
    init.set_bubbles(true);
    init.set_client_x(x as i32);
    init.set_client_y(y as i32);
    init.set_pointer_id(1);
    init.set_is_primary(true);
    web_sys::PointerEvent::new_with_event_init_dict(kind, &init).expect("event")
}

#[wasm_bindgen_test]
async fn a_box_can_be_dragged_and_the_view_panned_and_zoomed() {
    let p = Page::open().await;
    let rect = p.q("[data-name=\"bus1\"] rect").expect("bus1");
    let x0: f64 = rect
        .get_attribute("x")
        .and_then(|v| v.parse().ok())
        .expect("x");
    let r = rect.get_bounding_client_rect();
    let (cx, cy) = (r.x() + r.width() / 2.0, r.y() + r.height() / 2.0);
    rect.dispatch_event(&pointer("pointerdown", cx, cy))
        .expect("down");
    rect.dispatch_event(&pointer("pointermove", cx + 40.0, cy))
        .expect("move");
    rect.dispatch_event(&pointer("pointerup", cx + 40.0, cy))
        .expect("up");
    p.settle().await;
    let rect = p.q("[data-name=\"bus1\"] rect").expect("bus1");
    let x1: f64 = rect
        .get_attribute("x")
        .and_then(|v| v.parse().ok())
        .expect("x");
    assert!(x1 > x0 + 5.0, "bus1 moved right: {x0} -> {x1}");
    // Its veth follows it.
    let dot = p.q("[data-iface=\"bus1:eth0\"] circle").expect("dot");
    let cxd: f64 = dot
        .get_attribute("cx")
        .and_then(|v| v.parse().ok())
        .expect("cx");
    assert!(cxd > x1, "the dot sits on the moved box");

    let world = || {
        p.q("svg.topology > g.world")
            .and_then(|g| g.get_attribute("transform"))
            .unwrap_or_default()
    };
    let before = world();
    let svg = p.q("svg.topology").expect("svg");
    let init = web_sys::WheelEventInit::new();
    init.set_bubbles(true);
    init.set_delta_y(-300.0);
    init.set_client_x(300);
    init.set_client_y(200);
    svg.dispatch_event(
        &web_sys::WheelEvent::new_with_event_init_dict("wheel", &init).expect("wheel"),
    )
    .expect("dispatched");
    p.settle().await;
    let zoomed = world();
    assert_ne!(zoomed, before, "the wheel zooms");
    // Dragging the background pans.
    let backdrop = p.q("rect.backdrop").expect("backdrop");
    backdrop
        .dispatch_event(&pointer("pointerdown", 20.0, 20.0))
        .expect("down");
    backdrop
        .dispatch_event(&pointer("pointermove", 80.0, 50.0))
        .expect("move");
    backdrop
        .dispatch_event(&pointer("pointerup", 80.0, 50.0))
        .expect("up");
    p.settle().await;
    assert_ne!(world(), zoomed, "dragging the background pans");
    // With the focus on the drawing, + zooms and the arrows pan (and do
    // not step the animation).
    let panned = world();
    for k in ["+", "ArrowRight"] {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key(k);
        init.set_bubbles(true);
        let e = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init)
            .expect("event");
        svg.dispatch_event(&e).expect("dispatched");
        p.settle().await;
    }
    assert_ne!(world(), panned, "keys zoom and pan");
    assert_eq!(
        p.position().0,
        1,
        "an arrow on the drawing pans, it does not step"
    );
    // The overlay follows the drawing.
    let overlay = p
        .q("svg.overlay > g.world")
        .and_then(|g| g.get_attribute("transform"))
        .unwrap_or_default();
    assert_eq!(overlay, world());
}

/// The scale in the drawing's transform ("translate(x y) scale(s)").
fn scale(p: &Page) -> f64 {
    p.q("svg.topology > g.world")
        .and_then(|g| g.get_attribute("transform"))
        .and_then(|t| {
            t.split("scale(")
                .nth(1)
                .and_then(|v| v.trim_end_matches(')').parse().ok())
        })
        .expect("a scale")
}

/// Whether everything drawn (but the backdrop) is inside the drawing's
/// element, as the browser lays it out.
fn drawn_inside(p: &Page) -> Result<(), String> {
    let svg = p.q("svg.topology").expect("svg").get_bounding_client_rect();
    let all = p
        .root
        .query_selector_all(
            "g.diagram rect:not(.backdrop), g.diagram line, g.diagram text, g.diagram circle",
        )
        .expect("a selector");
    for k in 0..all.length() {
        let Some(el) = all.item(k).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        let r = el.get_bounding_client_rect();
        if r.left() < svg.left() - 0.5
            || r.top() < svg.top() - 0.5
            || r.right() > svg.right() + 0.5
            || r.bottom() > svg.bottom() + 0.5
        {
            return Err(format!(
                "{} at {}..{} x {}..{}, the drawing's element at {}..{} x {}..{}",
                el.outer_html().chars().take(80).collect::<String>(),
                r.left(),
                r.right(),
                r.top(),
                r.bottom(),
                svg.left(),
                svg.right(),
                svg.top(),
                svg.bottom()
            ));
        }
    }
    Ok(())
}

/// The drawing fits its element again whenever the element changes size
/// (a window narrowed to a phone's, a phone turned), until the user zooms:
/// then a change of size keeps the zoom. The fit button fits again.
#[wasm_bindgen_test]
async fn the_drawing_refits_when_its_element_changes_size() {
    let p = Page::open().await;
    p.select("#scenario", "stp").await;
    let svg = p.q("svg.topology").expect("svg");
    let mut scales = Vec::new();
    for (w, h) in [(1000, 500), (375, 490), (900, 250)] {
        svg.set_attribute("style", &format!("width: {w}px; height: {h}px"))
            .expect("style");
        p.settle().await;
        if let Err(e) = drawn_inside(&p) {
            panic!("at {w}x{h}: {e}");
        }
        scales.push(scale(&p));
    }
    assert!(scales[1] < scales[0], "narrower, smaller: {scales:?}");
    p.click(".zoom button[title=\"zoom in (+)\"]").await;
    let zoomed = scale(&p);
    svg.set_attribute("style", "width: 375px; height: 490px")
        .expect("style");
    p.settle().await;
    assert_eq!(scale(&p), zoomed, "a zoom the user chose stays");
    p.click(".zoom button[title=\"fit (0)\"]").await;
    assert_eq!(scale(&p), scales[1], "fitted again");
    assert_eq!(drawn_inside(&p), Ok(()));
}

#[wasm_bindgen_test]
async fn keyboard_plays_and_steps() {
    let p = Page::open().await;
    let key = |k: &str| {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key(k);
        init.set_bubbles(true);
        let e = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init)
            .expect("event");
        gloo::utils::document()
            .body()
            .expect("body")
            .dispatch_event(&e)
            .expect("dispatched");
    };
    key("ArrowRight");
    p.settle().await;
    assert_eq!(p.position().0, 2, "{}", p.text("#position"));
    key("ArrowRight");
    p.settle().await;
    assert_eq!(p.position().0, 3, "{}", p.text("#position"));
    key("ArrowLeft");
    p.settle().await;
    assert_eq!(p.position().0, 2);
    key(" ");
    // However slow the machine, playing moves on within ten seconds.
    for _ in 0..100 {
        if p.position().0 > 2 {
            break;
        }
        yew::platform::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(p.position().0 > 2, "space plays");
    key(" ");
    p.settle().await;
    let paused = p.position().0;
    yew::platform::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(p.position().0, paused, "space pauses");
}

#[wasm_bindgen_test]
fn reduced_motion_jumps_from_hop_to_hop() {
    use netsim_web::ui::state::{Action, State};
    use yew::functional::Reducible;
    let mut s = std::rc::Rc::new(State::open("docker0", 0, 0, true));
    s = s.reduce(Action::Play);
    let mut seen = Vec::new();
    for _ in 0..400 {
        s = s.clone().reduce(Action::Tick(16.0));
        seen.push(s.pos);
    }
    assert!(
        seen.iter().all(|p| p.fract() == 0.0),
        "never between two events"
    );
    assert!(s.pos >= 5.0, "but it moves on: {}", s.pos);
    // Without the preference, positions in between are drawn.
    let mut g = std::rc::Rc::new(State::open("docker0", 0, 0, false)).reduce(Action::Play);
    let mut between = false;
    for _ in 0..100 {
        g = g.clone().reduce(Action::Tick(16.0));
        between |= g.pos.fract() != 0.0;
    }
    assert!(between);
}

#[wasm_bindgen_test]
fn the_hosts_wrap_for_the_drawings_shape_until_a_node_is_dragged() {
    use netsim_web::ui::state::{Action, State};
    use yew::functional::Reducible;
    let s = std::rc::Rc::new(State::open("vxlan-two-hosts", 0, 0, true));
    let t = s.topo().cloned().expect("the scenario loads");
    let (h1, h2) = (
        t.node_by_name("host1").unwrap().index(),
        t.node_by_name("host2").unwrap().index(),
    );
    // A desktop's wide drawing area: the two hosts side by side.
    let wide = s.reduce(Action::Shape(968.0 / 436.0));
    assert_eq!(wide.shape_gen, 1);
    assert_eq!(wide.layout.nodes[h1].y, wide.layout.nodes[h2].y);
    // A change of shape too small to matter changes nothing.
    let same = wide.clone().reduce(Action::Shape(970.0 / 436.0));
    assert!(same.layout == wide.layout && same.shape_gen == 1);
    // A phone's: one above the other.
    let tall = wide.clone().reduce(Action::Shape(375.0 / 490.0));
    assert_eq!(tall.shape_gen, 2);
    assert!(tall.layout.nodes[h2].y > tall.layout.nodes[h1].y);
    // Once the user has dragged a node, the drawing stays as they made it.
    let dragged = wide
        .reduce(Action::Drag(t.node_by_name("c1").unwrap(), 30.0, 0.0))
        .reduce(Action::Shape(375.0 / 490.0));
    assert_eq!(dragged.shape_gen, 1);
    assert_eq!(dragged.layout.nodes[h1].y, dragged.layout.nodes[h2].y);
    // A new scenario is laid out for the shape last measured.
    let next = dragged.reduce(Action::Scenario("nat-two-hosts".into()));
    let t = next.topo().cloned().expect("the scenario loads");
    let (a, b) = (
        t.node_by_name("host1").unwrap().index(),
        t.node_by_name("host2").unwrap().index(),
    );
    assert!(
        next.layout.nodes[b].y > next.layout.nodes[a].y,
        "stacked for the phone"
    );
}
