//! The Kubernetes API subset, over HTTP without authentication.

mod exec;
mod handlers;
mod metrics;
mod openapi;
mod paging;
mod patch;
mod resources;
mod select;
mod stats;
mod status;
mod table;
mod watch;

use axum::Router;
use axum::routing::{any, get, post};

pub use handlers::{Shared, SimState};
pub use stats::Load;

pub fn router(shared: Shared) -> Router {
    Router::new()
        .route("/version", get(handlers::version))
        .route("/api", get(handlers::api_versions))
        .route("/apis", get(handlers::api_groups))
        .route("/sim/compact", post(handlers::compact))
        .route("/sim/stats", get(stats::serve))
        .route("/openapi/v2", get(handlers::openapi_v2))
        .route("/openapi/v3", get(handlers::openapi_index))
        .route("/openapi/v3/{*gv}", get(handlers::openapi_document))
        .route("/api/v1/namespaces/{ns}/pods/{name}/exec", any(exec::exec))
        .route(
            "/api/v1/namespaces/{ns}/pods/{name}/attach",
            any(exec::attach),
        )
        .fallback(handlers::dispatch)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            stats::count,
        ))
        .with_state(shared)
}
