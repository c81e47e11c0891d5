//! Real servers on loopback for the tests: a small HTTP server with health
//! endpoints that misbehave on purpose, and a real `redis-server`.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

/// An HTTP server on 127.0.0.1 with:
/// `/ok` 200 `{"status":"ok"}`, `/down` 503, `/slow` answers after 5 s,
/// `/wrong` 200 `starting`, `/degraded` 200 `{"status":"degraded"}`.
pub struct HttpServer {
    pub addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl HttpServer {
    pub fn start() -> HttpServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let app = Router::new()
            .route(
                "/ok",
                get(|| async { (StatusCode::OK, r#"{"status":"ok"}"#) }),
            )
            .route(
                "/down",
                get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "down") }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route("/wrong", get(|| async { "starting" }))
            .route(
                "/degraded",
                get(|| async { r#"{"status":"degraded","checks":{"db":"ok"}}"# }),
            );
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HttpServer {
            addr,
            _runtime: runtime,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

/// A real `redis-server` on a free loopback port, killed on drop.
pub struct RedisServer {
    pub port: u16,
    child: Child,
}

impl RedisServer {
    // The child is reaped by `Drop`, which clippy cannot see.
    #[allow(clippy::zombie_processes)]
    pub fn start(password: Option<&str>) -> RedisServer {
        let port = closed_port();
        let mut cmd = Command::new("redis-server");
        cmd.args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]);
        if let Some(pw) = password {
            cmd.args(["--requirepass", pw]);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}); install it with: apt-get install redis-server"
                )
            });
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return RedisServer { port, child };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not start listening on 127.0.0.1:{port}");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
