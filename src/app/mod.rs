//! State, actions, messages and `update`.

pub mod alerts;
pub mod confirm;
pub mod events;
pub mod logs;
pub mod msg;
pub mod palette;
pub mod quit;
pub mod services;
pub mod state;
pub mod update;
pub mod wizard;
pub mod workloads;

pub use msg::{Effect, Msg};
pub use state::{App, Overlay, Pane};
