//! Sources: tokio tasks that watch the world and send typed updates to the console.

pub mod alertmanager;
pub mod alerts;
pub mod backoff;
pub mod docker;
pub mod health;
pub mod json_http;
pub mod kube;
pub mod prometheus;
