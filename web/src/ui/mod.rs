//! The Yew components, one per file, each with its `Props`.

pub mod app;
pub mod controls;
pub mod diagram;
pub mod event_list;
pub mod inspector;
pub mod node_select;
pub mod packets;
pub mod probe_menu;
pub mod scenario_menu;
pub mod state;
pub mod state_panel;
pub mod topology;
