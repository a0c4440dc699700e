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

impl Page {
    async fn open() -> Page {
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

    async fn settle(&self) {
        yew::platform::time::sleep(Duration::from_millis(30)).await;
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

#[wasm_bindgen_test]
async fn stepping_back_is_exact() {
    let p = Page::open().await;
    let at = |p: &Page| {
        (
            p.q(".packets").map(|e| e.inner_html()).unwrap_or_default(),
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
