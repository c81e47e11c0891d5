//! State, actions, messages and `update`.

pub mod action;
pub mod alerts;
pub mod confirm;
pub mod events;
pub mod logs;
pub mod model;
pub mod msg;
pub mod palette;
pub mod services;
pub mod state;
pub mod update;
pub mod workloads;

pub use action::Action;
pub use msg::{Effect, Msg};
pub use state::{App, Overlay, Pane};
