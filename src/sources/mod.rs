//! Sources: tokio tasks that watch the world and send typed updates to the console.

pub mod backoff;
pub mod docker;
pub mod health;
pub mod kube;
