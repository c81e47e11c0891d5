//! The Prometheus client against a real Prometheus on loopback: alerts,
//! rules, instant and range queries, build info; and the bad cases: an
//! unreachable server, a server that never answers, something that is not
//! Prometheus, a bad expression (400), an evaluation error (422), an empty
//! vector, NaN and infinities.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

mod prom_support;

use std::time::Duration;

use opsdeck::sources::prometheus::{
    AlertState, PromError, Prometheus, QueryResult, Range, Rule, RuleHealth,
};
use prom_support::{closed_port, until};

const CONFIG: &str = "global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
";

const RULES: &str = r#"groups:
  - name: client
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels:
          severity: critical
        annotations:
          summary: "fires at once"
      - alert: LongPending
        expr: vector(2) > 1
        for: 1h
        labels:
          severity: warning
"#;

const SEC: Duration = Duration::from_millis(500);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_rules_queries_and_build_info_from_a_real_prometheus() {
    let server = prom_support::prometheus(CONFIG, &[("rules.yml", RULES)]);
    let prom = Prometheus::new(&server.url).unwrap();

    let info = prom.buildinfo().await.unwrap();
    assert!(info.version.starts_with("2."), "{info:?}");
    assert!(!info.is_simulation());

    let alerts = until("one firing and one pending alert", 60, SEC, || async {
        let a = prom.alerts().await.ok()?;
        (a.len() == 2 && a.iter().any(|x| x.state == AlertState::Firing)).then_some(a)
    })
    .await;
    let firing = alerts.iter().find(|a| a.name() == "AlwaysFiring").unwrap();
    assert_eq!(firing.state, AlertState::Firing);
    assert_eq!(firing.severity(), Some("critical"));
    assert_eq!(firing.summary(), Some("fires at once"));
    assert_eq!(firing.value, 1.0);
    assert!(firing.active_at.is_some());
    let pending = alerts.iter().find(|a| a.name() == "LongPending").unwrap();
    assert_eq!(pending.state, AlertState::Pending);
    assert_eq!(pending.value, 2.0);

    let groups = prom.rules().await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].name, "client");
    assert_eq!(groups[0].interval, Some(Duration::from_secs(1)));
    let Rule::Alerting(long) = &groups[0].rules[1] else {
        panic!("{:?}", groups[0].rules[1])
    };
    assert_eq!(long.name, "LongPending");
    assert_eq!(long.query, "vector(2) > 1");
    assert_eq!(long.hold, Duration::from_secs(3600));
    assert_eq!(long.severity(), Some("warning"));
    assert_eq!(long.state, AlertState::Pending);
    assert_eq!(long.health, RuleHealth::Ok);

    // One sample; an empty vector is an answer, not an error.
    let QueryResult::Vector(v) = prom.query("vector(1)", None).await.unwrap() else {
        panic!("vector(1) is a vector")
    };
    assert_eq!((v.len(), v[0].value), (1, 1.0));
    let empty = prom.query("nonexistent_metric", None).await.unwrap();
    assert_eq!(empty, QueryResult::Vector(Vec::new()));
    assert!(empty.is_empty());

    // NaN and the infinities come through as numbers.
    let QueryResult::Vector(nan) = prom.query("vector(0) / 0", None).await.unwrap() else {
        panic!()
    };
    assert!(nan[0].value.is_nan());
    let QueryResult::Vector(inf) = prom.query("vector(1) / 0", None).await.unwrap() else {
        panic!()
    };
    assert_eq!(inf[0].value, f64::INFINITY);
    match prom.query("-1 / 0", None).await.unwrap() {
        QueryResult::Scalar { value, .. } => assert_eq!(value, f64::NEG_INFINITY),
        other => panic!("{other:?}"),
    }

    // A bad expression: 400 bad_data, with the server's own message.
    let err = prom.query("rate(up[5m]", None).await.unwrap_err();
    assert!(matches!(err, PromError::BadQuery { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "Prometheus at {} rejected the query: ",
            server.url
        )),
        "{text}"
    );
    assert!(text.contains("parse error"), "{text}");

    // A valid expression that cannot be evaluated: 422 execution.
    let dup = r#"vector(1) / on() (label_replace(vector(1), "a", "1", "", "") or label_replace(vector(1), "a", "2", "", ""))"#;
    let err = prom.query(dup, None).await.unwrap_err();
    assert!(matches!(err, PromError::Execution { .. }), "{err:?}");
    assert!(err.to_string().contains("many-to-many"), "{err}");

    let now = jiff::Timestamp::now();
    let range = Range {
        start: now - jiff::SignedDuration::from_secs(10),
        end: now,
        step: Duration::from_secs(1),
    };
    let series = prom.query_range("vector(3)", range).await.unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].points.len(), 11);
    assert!(series[0].points.iter().all(|(_, v)| *v == 3.0));
    let too_many = Range {
        start: now - jiff::SignedDuration::from_hours(24),
        end: now,
        step: Duration::from_secs(1),
    };
    let err = prom.query_range("vector(3)", too_many).await.unwrap_err();
    assert!(
        err.to_string().contains("exceeded maximum resolution"),
        "{err}"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_named_with_what_to_check() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let err = Prometheus::new(&url).unwrap().alerts().await.unwrap_err();
    assert!(matches!(err, PromError::Unreachable { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot reach Prometheus at {url}: connection refused; check [prometheus] url in the profile and that the server is running"
        )
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accepts, reads nothing, answers nothing.
    let _hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            open.push(s);
        }
    });
    let prom = Prometheus::new(&url)
        .unwrap()
        .with_timeout(Duration::from_millis(300));
    let err = prom.query("up", None).await.unwrap_err();
    assert!(matches!(err, PromError::Timeout { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with(&format!("Prometheus at {url} did not answer within 300ms")),
        "{err}"
    );
}

#[tokio::test]
async fn a_web_page_is_not_prometheus() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let _page = tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let body = "<html><title>Grafana</title></html>";
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(reply.as_bytes()).await;
        }
    });
    let err = Prometheus::new(&url).unwrap().rules().await.unwrap_err();
    assert!(matches!(err, PromError::NotPrometheus { .. }), "{err:?}");
    assert!(
        err.to_string().contains("not at Grafana or a login page"),
        "{err}"
    );
}
