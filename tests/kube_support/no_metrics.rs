//! A loopback reverse proxy in front of the simulated API server that answers 404 for
//! metrics.k8s.io, as a cluster without metrics-server does.

use std::path::{Path, PathBuf};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

#[derive(Clone)]
struct Upstream {
    base: String,
    client: reqwest::Client,
}

async fn forward(
    State(up): State<Upstream>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    if uri.path().starts_with("/apis/metrics.k8s.io") {
        let status = serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
            "message": "the server could not find the requested resource", "reason": "NotFound", "code": 404});
        return (
            StatusCode::NOT_FOUND,
            [("content-type", "application/json")],
            status.to_string(),
        )
            .into_response();
    }
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap();
    let mut req = up
        .client
        .request(method, format!("{}{path}", up.base))
        .body(body.to_vec());
    for name in ["content-type", "accept"] {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
            req = req.header(name, v);
        }
    }
    match req.send().await {
        Ok(resp) => {
            let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
            let ct = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_string();
            let body = Body::from_stream(resp.bytes_stream());
            (status, [("content-type", ct)], body).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

/// Starts the proxy; returns a kubeconfig (written into `dir`) that points at it.
pub async fn start(sim_kubeconfig: &Path, dir: &Path) -> PathBuf {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let text = std::fs::read_to_string(sim_kubeconfig).unwrap();
    let base = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let up = Upstream {
        base: base.clone(),
        client: reqwest::Client::builder().build().unwrap(),
    };
    let app = axum::Router::new().fallback(forward).with_state(up);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let path = dir.join("kubeconfig-no-metrics");
    std::fs::write(&path, text.replace(&base, &format!("http://{addr}"))).unwrap();
    path
}
