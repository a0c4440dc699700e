//! netsim-web: the animated page. It holds no networking logic: every text
//! about packets and decisions comes from `netsim-core` (`Event::explain`,
//! `render_line`, `view::render`, `wire::dissect`); the page adds layout
//! ([`layout`]), the animation's geometry ([`anim`]) and interaction.

pub mod anim;
pub mod layout;
pub mod model;

#[cfg(target_arch = "wasm32")]
pub mod ui;

/// Mounts the page on `<body>`.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    yew::Renderer::<ui::app::App>::new().render();
}
