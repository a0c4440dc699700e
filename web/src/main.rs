//! netsim-web: the page. It holds no networking logic: everything it shows
//! comes from `netsim-core` (the topology, the probes' outcomes).
//!
//! For now it lists the built-in scenarios; the animated trace comes next.

#[cfg(target_arch = "wasm32")]
mod app;
pub mod layout;
mod model;
#[cfg(target_arch = "wasm32")]
mod scenario_list;
#[cfg(target_arch = "wasm32")]
mod scenario_view;

#[cfg(target_arch = "wasm32")]
fn main() {
    yew::Renderer::<app::App>::new().render();
}

/// On the host the page has nothing to run; this prints what the page
/// would list, which keeps the model testable natively.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let list = model::scenarios();
    let first = model::default_index(&list);
    for (i, s) in list.iter().enumerate() {
        let mark = if i == first { "*" } else { " " };
        println!("{mark} examples/{} — {}", s.file, s.title);
    }
}
