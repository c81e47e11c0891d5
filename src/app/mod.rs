//! State, actions, messages and `update`.

pub mod model;
