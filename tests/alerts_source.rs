//! The alerts source against a real Prometheus on loopback: it says in one
//! line that Prometheus is unreachable and recovers once it answers; it reads
//! firing alerts and rules; it polls no faster than the rules are evaluated;
//! and each SLO reads a value, no data (an empty vector, NaN), or an error
//! naming the SLO, its profile line and the server's message (a bad expression).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod prom_support;

use std::path::Path;
use std::time::Duration;

use opsdeck::app::alerts::{AlertsMsg, AlertsView};
use opsdeck::config::Profile;
use opsdeck::config::slo::SloState;
use opsdeck::sources::prometheus::AlertState;
use tokio::sync::mpsc;

const CONFIG: &str = r#"global:
  evaluation_interval: 1s
rule_files:
  - rules.yml
"#;

const RULES: &str = r#"groups:
  - name: always
    interval: 2s
    rules:
      - alert: AlwaysFiring
        expr: vector(1) > 0
        labels:
          severity: critical
        annotations:
          summary: "fires at once"
"#;

fn profile(port: u16) -> Profile {
    let text = format!(
        r#"name = "alerts-test"

[prometheus]
url = "http://127.0.0.1:{port}"
interval = "1s"

[[slo]]
name = "p95 latency"
query = 'vector(0.3)'
unit = "s"
objective = "< 0.5"

[[slo]]
name = "typo"
query = 'sum(rate(http_requests_total[5m])'
unit = "count"
objective = "< 1"

[[slo]]
name = "nothing"
query = 'up{{job="no-such-job"}}'
unit = "count"
objective = "< 1"

[[slo]]
name = "zero over zero"
query = 'vector(0) / vector(0)'
unit = "ratio"
objective = "> 0.85"
"#
    );
    Profile::from_toml(&text, Path::new("/profiles/alerts-test.toml")).expect("profile")
}

async fn next(rx: &mut mpsc::Receiver<AlertsMsg>) -> AlertsMsg {
    tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await
        .expect("the source reports within 60 s")
        .expect("the source is running")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_then_recovered_with_alerts_rules_and_every_kind_of_slo_answer() {
    let port = prom_support::closed_port();
    let profile = profile(port);
    let mut view = AlertsView::from_profile(&profile);
    let (tx, mut rx) = mpsc::channel(16);
    let task = opsdeck::sources::alerts::spawn(&profile, tx, |m| m).expect("configured");

    // Nothing listens yet: one line that says where and what next.
    match next(&mut rx).await {
        AlertsMsg::Failed(line) => {
            assert!(line.contains("cannot reach Prometheus"), "{line}");
            assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");
            assert!(line.contains("retrying in 1 s"), "{line}");
            assert!(!line.contains('\n'), "{line}");
        }
        other => panic!("expected a failure first: {other:?}"),
    }

    // Prometheus comes up where the profile points: the source recovers.
    let server = prom_support::prometheus_on(port, CONFIG, &[("rules.yml", RULES)]);
    let poll = loop {
        match next(&mut rx).await {
            AlertsMsg::Polled(p) if p.alerts.iter().any(|a| a.state == AlertState::Firing) => {
                break p;
            }
            m => view.apply(m, jiff::Timestamp::now()),
        }
    };
    assert_eq!(poll.rules, 1);
    assert_eq!(
        poll.interval,
        Duration::from_secs(2),
        "the group is evaluated every 2 s: polling every 1 s would read the same answer"
    );
    let firing = &poll.alerts[0];
    assert_eq!(firing.name(), "AlwaysFiring");
    assert_eq!(firing.summary(), Some("fires at once"));
    assert!(firing.active_at.is_some());

    let by_name = |name: &str| {
        poll.slos
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no reading for {name}"))
            .value
            .clone()
    };
    assert_eq!(by_name("p95 latency"), Ok(0.3));
    let err = by_name("typo").unwrap_err();
    assert!(
        err.starts_with("SLO `typo` (/profiles/alerts-test.toml:13)"),
        "names the SLO and its line: {err}"
    );
    assert!(err.contains("rejected the query"), "{err}");
    assert!(
        by_name("nothing").unwrap().is_nan(),
        "empty vector: no data"
    );
    assert!(by_name("zero over zero").unwrap().is_nan(), "NaN: no data");

    view.apply(AlertsMsg::Polled(poll), jiff::Timestamp::now());
    assert_eq!(view.state, opsdeck::model::SourceState::Connected);
    let state = |name: &str| {
        view.slos
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.state())
            .unwrap_or_else(|| panic!("no row for {name}"))
    };
    assert_eq!(state("p95 latency"), SloState::Ok);
    assert_eq!(state("typo"), SloState::NoData);
    assert_eq!(state("nothing"), SloState::NoData);
    assert_eq!(state("zero over zero"), SloState::NoData);
    assert_eq!(view.firing().count(), 1);
    task.abort();
    drop(server);
}
