//! The services beside the API: per-service health endpoints, the Prometheus
//! `/metrics` endpoint, a minimal RESP responder and plain TCP listeners.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::api::Shared;
use super::scenario::{CheckStyle, ServiceSpec};
use super::world::WorkloadHealth;

fn health_of(s: &Shared, workload: Option<&str>) -> WorkloadHealth {
    match workload {
        Some(w) => s.with(|world| world.health.get(w).cloned().unwrap_or_default()),
        None => WorkloadHealth {
            ready_pods: 1,
            ..WorkloadHealth::default()
        },
    }
}

fn refused(s: &Shared, svc: &ServiceSpec) -> bool {
    health_of(s, svc.workload.as_deref()).forced_status == Some(0)
}

/// Serves one service until the task is aborted. Refusing connections is
/// modelled by closing the listener while the service is down.
pub async fn serve_service(s: Shared, svc: ServiceSpec, listener: TcpListener) {
    let Ok(addr) = listener.local_addr() else {
        return;
    };
    let mut next = Some(listener);
    loop {
        if refused(&s, &svc) {
            next = None;
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        let listener = match next.take() {
            Some(l) => l,
            None => match TcpListener::bind(addr).await {
                Ok(l) => l,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            },
        };
        match svc.check {
            CheckStyle::Http | CheckStyle::Grafana => {
                let app = Router::new()
                    .fallback(get(health))
                    .with_state((s.clone(), svc.clone()));
                let (s2, svc2) = (s.clone(), svc.clone());
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        while !refused(&s2, &svc2) {
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                    })
                    .await;
            }
            CheckStyle::Tcp | CheckStyle::Redis => {
                while !refused(&s, &svc) {
                    let Ok(Ok((stream, _))) =
                        tokio::time::timeout(Duration::from_millis(200), listener.accept()).await
                    else {
                        continue;
                    };
                    if svc.check == CheckStyle::Redis {
                        tokio::spawn(resp(stream));
                    }
                }
            }
        }
    }
}

async fn health(State((s, svc)): State<(Shared, ServiceSpec)>, uri: axum::http::Uri) -> Response {
    let path = svc.path.clone().unwrap_or_else(|| "/".into());
    if uri.path() != path {
        return (StatusCode::NOT_FOUND, "404 page not found\n").into_response();
    }
    let h = health_of(&s, svc.workload.as_deref());
    let spec_p95 = svc
        .workload
        .as_deref()
        .and_then(|w| s.with(|world| world.scenario.workload(w).map(|x| x.p95_ms)))
        .unwrap_or(50.0);
    if h.p95_ms > spec_p95 * 1.5 {
        // Overloaded: health answers as slowly as the requests it queues behind.
        let ms = (h.p95_ms * 0.4).min(1500.0);
        tokio::time::sleep(Duration::from_millis(ms as u64)).await;
    }
    if let Some(code) = h.forced_status.filter(|c| *c >= 100) {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (
            status,
            axum::Json(serde_json::json!({"status": "error", "detail": "upstream unavailable"})),
        )
            .into_response();
    }
    match (svc.check, path.as_str()) {
        (CheckStyle::Grafana, _) => {
            axum::Json(serde_json::json!({"commit": "sim", "database": "ok", "version": "11.2.0"}))
                .into_response()
        }
        (_, "/_stcore/health") => "ok".into_response(),
        (_, "/api/tags") => axum::Json(
            serde_json::json!({"models": [{"name": "deepseek-r1:7b", "size": 4_683_087_332_u64}]}),
        )
        .into_response(),
        (_, "/") => (
            [("content-type", "text/html")],
            "<!doctype html><title>Gradio</title>",
        )
            .into_response(),
        _ => axum::Json(serde_json::json!({"status": "ok", "ready_pods": h.ready_pods}))
            .into_response(),
    }
}

/// PING, INFO and DBSIZE, enough for a health check; everything else errors.
async fn resp(stream: tokio::net::TcpStream) {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut args = Vec::new();
        if let Some(n) = line.trim().strip_prefix('*') {
            let n: usize = n.parse().unwrap_or(0);
            for _ in 0..n {
                let mut len = String::new();
                let mut val = String::new();
                if r.read_line(&mut len).await.unwrap_or(0) == 0
                    || r.read_line(&mut val).await.unwrap_or(0) == 0
                {
                    return;
                }
                args.push(val.trim_end().to_string());
            }
        } else {
            args = line.split_whitespace().map(str::to_string).collect();
        }
        let cmd = args
            .first()
            .map(|a| a.to_ascii_uppercase())
            .unwrap_or_default();
        let reply = match cmd.as_str() {
            "PING" => "+PONG\r\n".to_string(),
            "DBSIZE" => ":1342\r\n".to_string(),
            "INFO" => {
                let body = "# Server\r\nredis_version:7.2.5\r\nredis_mode:standalone\r\n# Memory\r\nused_memory:100663296\r\nused_memory_human:96.00M\r\n# Stats\r\nkeyspace_hits:9120\r\nkeyspace_misses:1184\r\n";
                format!("${}\r\n{body}\r\n", body.len())
            }
            "AUTH" | "SELECT" | "CLIENT" | "HELLO" => "+OK\r\n".to_string(),
            "QUIT" => {
                let _ = w.write_all(b"+OK\r\n").await;
                return;
            }
            other => format!("-ERR unknown command '{other}'\r\n"),
        };
        if w.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Prometheus text format with the series the seeds' alert rules and the
/// profiles' SLOs use.
pub async fn metrics(State(s): State<Shared>) -> Response {
    let text = s.with(|w| {
        super::prometheus::exposition::render(&super::prometheus::exposition::families(w))
    });
    ([("content-type", "text/plain; version=0.0.4")], text).into_response()
}

/// `/metrics` and the simulated Prometheus' API, on one listener: the
/// generated profile's `[prometheus] url`.
pub fn metrics_router(s: Shared) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route(
            "/-/healthy",
            get(|| async { "Prometheus Server is Healthy.\n" }),
        )
        .route(
            "/-/ready",
            get(|| async { "Prometheus Server is Ready.\n" }),
        )
        .merge(super::prometheus::api::routes())
        .with_state(s)
}
