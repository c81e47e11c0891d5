//! Health checks against real servers on loopback: HTTP (good, failing, slow,
//! wrong body, wrong JSON), a closed port, TCP, commands, and a real
//! redis-server with and without a password.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

mod support;

use std::time::Duration;

use opsdeck::config::duration::HumanDuration;
use opsdeck::config::profile::{Check, JsonFieldMatch};
use opsdeck::sources::health::{http_client, run_check};
use support::servers::{HttpServer, RedisServer, closed_port};

fn http(url: String) -> Check {
    Check::Http {
        url,
        expect_status: None,
        body_contains: None,
        json_field: None,
        timeout: Some(HumanDuration(Duration::from_millis(800))),
        interval: None,
    }
}

fn run(check: &Check) -> opsdeck::model::CheckOutcome {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(run_check(check, &http_client()))
}

#[test]
fn http_200_passes() {
    let s = HttpServer::start();
    let o = run(&http(s.url("/ok")));
    assert!(o.ok, "{o:?}");
    assert_eq!(o.detail, "HTTP 200");
}

#[test]
fn http_503_fails_with_the_status() {
    let s = HttpServer::start();
    let o = run(&http(s.url("/down")));
    assert!(!o.ok);
    assert_eq!(o.detail, "HTTP 503");
    let mut c = http(s.url("/down"));
    if let Check::Http { expect_status, .. } = &mut c {
        *expect_status = Some(200);
    }
    assert_eq!(run(&c).detail, "HTTP 503, expected 200");
}

#[test]
fn slow_endpoint_times_out_in_words() {
    let s = HttpServer::start();
    let o = run(&http(s.url("/slow")));
    assert!(!o.ok);
    assert_eq!(o.detail, "timed out after 800ms");
}

#[test]
fn wrong_body_is_named() {
    let s = HttpServer::start();
    let mut c = http(s.url("/wrong"));
    if let Check::Http { body_contains, .. } = &mut c {
        *body_contains = Some("ok".into());
    }
    let o = run(&c);
    assert!(!o.ok);
    assert_eq!(o.detail, "HTTP 200, but body did not contain \"ok\"");
}

#[test]
fn json_field_match_and_mismatch() {
    let s = HttpServer::start();
    let field = |url: String, f: &str, v: &str| Check::Http {
        url,
        expect_status: Some(200),
        body_contains: None,
        json_field: Some(JsonFieldMatch {
            field: f.into(),
            equals: serde_json::Value::String(v.into()),
        }),
        timeout: None,
        interval: None,
    };
    assert!(run(&field(s.url("/ok"), "status", "ok")).ok);
    assert!(run(&field(s.url("/degraded"), "checks.db", "ok")).ok);
    let o = run(&field(s.url("/degraded"), "status", "ok"));
    assert_eq!(o.detail, "status is \"degraded\", expected \"ok\"");
    let o = run(&field(s.url("/wrong"), "status", "ok"));
    assert_eq!(o.detail, "HTTP 200, but body is not JSON (wanted status)");
}

#[test]
fn closed_port_is_connection_refused() {
    let port = closed_port();
    let o = run(&http(format!("http://127.0.0.1:{port}/health")));
    assert!(!o.ok);
    assert_eq!(o.detail, "connection refused");
    let tcp = Check::Tcp {
        address: format!("127.0.0.1:{port}"),
        timeout: None,
        interval: None,
    };
    assert_eq!(run(&tcp).detail, "connection refused");
}

#[test]
fn tcp_connect_passes_on_a_listening_port() {
    let s = HttpServer::start();
    let tcp = Check::Tcp {
        address: s.addr.to_string(),
        timeout: None,
        interval: None,
    };
    let o = run(&tcp);
    assert!(o.ok, "{o:?}");
}

#[test]
fn command_exit_codes_in_words() {
    let cmd = |run: &str| Check::Command {
        run: run.into(),
        timeout: Some(HumanDuration(Duration::from_millis(500))),
        interval: None,
    };
    assert!(run(&cmd("true")).ok);
    assert_eq!(
        run(&cmd("echo disk full >&2; exit 3")).detail,
        "exit 3: disk full"
    );
    assert_eq!(
        run(&cmd("pg_isready_missing -h db")).detail,
        "command not found: pg_isready_missing (install it or change the check)"
    );
    assert_eq!(run(&cmd("sleep 5")).detail, "timed out after 500ms");
}

#[test]
fn redis_ping_without_password() {
    let r = RedisServer::start(None);
    let c = Check::Redis {
        url: r.url(),
        password_env: None,
        timeout: None,
        interval: None,
    };
    let o = run(&c);
    assert!(o.ok, "{o:?}");
    assert_eq!(o.detail, "PONG");
}

#[test]
fn redis_requiring_a_password_says_noauth() {
    let r = RedisServer::start(Some("s3cret"));
    let c = Check::Redis {
        url: r.url(),
        password_env: Some("OPSDECK_TEST_UNSET_REDIS_PASSWORD".into()),
        timeout: None,
        interval: None,
    };
    let o = run(&c);
    assert!(!o.ok);
    assert_eq!(
        o.detail,
        "NOAUTH: the server requires a password (set OPSDECK_TEST_UNSET_REDIS_PASSWORD)"
    );
}

#[test]
fn redis_on_a_closed_port_is_refused() {
    let c = Check::Redis {
        url: format!("redis://127.0.0.1:{}", closed_port()),
        password_env: None,
        timeout: None,
        interval: None,
    };
    assert_eq!(run(&c).detail, "connection refused");
}
