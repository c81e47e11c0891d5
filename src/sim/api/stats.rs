//! The load each client puts on the API server: requests, watch streams and
//! bytes sent, per `User-Agent`. Served at `/sim/stats` and printed when
//! `opsdeck sim` exits, so consoles can be compared by the load they cause.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::USER_AGENT;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Serialize;

use super::handlers::Shared;

/// One client's counts since the server started.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ClientLoad {
    /// Every request, whatever its kind.
    pub requests: u64,
    /// GETs of a collection without `watch` (lists, including each page).
    pub lists: u64,
    /// Requests with `watch=true`.
    pub watches: u64,
    /// Watch responses still streaming.
    pub watches_open: u64,
    /// Response body bytes sent (headers are not counted).
    pub bytes_sent: u64,
}

/// Counts by `User-Agent`.
#[derive(Debug, Default)]
pub struct Load {
    clients: Mutex<BTreeMap<String, ClientLoad>>,
}

impl Load {
    fn update(&self, agent: &str, f: impl FnOnce(&mut ClientLoad)) {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        match clients.get_mut(agent) {
            Some(c) => f(c),
            None => f(clients.entry(agent.to_string()).or_default()),
        }
    }

    /// A copy of the counts, by `User-Agent`.
    pub fn snapshot(&self) -> BTreeMap<String, ClientLoad> {
        self.clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The counts as JSON: `{"clients": {UA: counts}, "total": counts}`.
    pub fn to_json(&self) -> serde_json::Value {
        let clients = self.snapshot();
        let mut total = ClientLoad::default();
        for c in clients.values() {
            total.requests += c.requests;
            total.lists += c.lists;
            total.watches += c.watches;
            total.watches_open += c.watches_open;
            total.bytes_sent += c.bytes_sent;
        }
        serde_json::json!({"clients": clients, "total": total})
    }

    /// A table for a terminal: one line per client.
    pub fn render(&self) -> String {
        let clients = self.snapshot();
        let mut out = String::from(
            "API load by client (User-Agent):\n  requests     lists   watches  open  bytes sent  client\n",
        );
        if clients.is_empty() {
            out.push_str("  (no requests)\n");
        }
        for (agent, c) in clients {
            out.push_str(&format!(
                "  {:>8}  {:>8}  {:>8}  {:>4}  {:>10}  {agent}\n",
                c.requests, c.lists, c.watches, c.watches_open, c.bytes_sent
            ));
        }
        out
    }
}

/// Ends a watch's `open` count when its response body is dropped (the
/// stream ended or the client went away).
struct OpenWatch {
    load: Arc<Load>,
    agent: String,
}

impl Drop for OpenWatch {
    fn drop(&mut self) {
        self.load.update(&self.agent, |c| {
            c.watches_open = c.watches_open.saturating_sub(1)
        });
    }
}

fn is_watch(query: &str) -> bool {
    query
        .split('&')
        .any(|p| matches!(p, "watch=true" | "watch=1"))
}

/// Middleware: counts the request and every body byte of its response.
/// `/sim/…` requests (this endpoint among them) are not counted.
pub async fn count(State(s): State<Shared>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/sim/") {
        return next.run(req).await;
    }
    let agent = req
        .headers()
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(no User-Agent)")
        .to_string();
    let query = req.uri().query().unwrap_or_default();
    let watch = is_watch(query);
    let path = req.uri().path();
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    // A collection path ends in a plural resource name, which the path's
    // depth tells: /api/v1/pods, /apis/apps/v1/deployments, or with
    // /namespaces/NS/ before the resource.
    let depth = path.trim_matches('/').split('/').count();
    let core = path.starts_with("/api/");
    let namespaced = path.contains("/namespaces/") && last != "namespaces";
    let collection_depth = match (core, namespaced) {
        (true, false) => 3,
        (true, true) => 5,
        (false, false) => 4,
        (false, true) => 6,
    };
    let list = !watch
        && req.method() == axum::http::Method::GET
        && depth == collection_depth
        && (path.starts_with("/api/") || path.starts_with("/apis/"));
    let load = s.load.clone();
    load.update(&agent, |c| {
        c.requests += 1;
        c.lists += u64::from(list);
        if watch {
            c.watches += 1;
            c.watches_open += 1;
        }
    });
    let open = watch.then(|| OpenWatch {
        load: load.clone(),
        agent: agent.clone(),
    });
    let (parts, body) = next.run(req).await.into_parts();
    let stream = body.into_data_stream().map(move |chunk| {
        let _keep = &open;
        if let Ok(bytes) = &chunk {
            load.update(&agent, |c| c.bytes_sent += bytes.len() as u64);
        }
        chunk
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// `GET /sim/stats`.
pub async fn serve(State(s): State<Shared>) -> Response {
    (
        [("content-type", "application/json")],
        s.load.to_json().to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_queries() {
        assert!(is_watch("watch=true&resourceVersion=1"));
        assert!(is_watch("labelSelector=a&watch=1"));
        assert!(!is_watch("watch=false"));
        assert!(!is_watch("limit=500"));
    }

    #[test]
    fn render_lists_each_client() {
        let l = Load::default();
        l.update("kubectl/v1.32", |c| c.requests = 3);
        let text = l.render();
        assert!(text.contains("kubectl/v1.32"), "{text}");
        assert_eq!(l.to_json()["total"]["requests"], 3);
    }
}
