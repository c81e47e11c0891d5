//! A real Prometheus scraping `opsdeck sim --speed 10` next to the
//! simulation's own Prometheus API: the incident fires the seed's alert in
//! both, and the same queries asked of both at the same moment agree.
//!
//! Time: the simulation runs its scenario 10 times faster than the wall
//! clock, and its Prometheus measures `for` and range windows in scenario
//! time. The real Prometheus measures them in wall-clock time, so it gets
//! the seed's rules and the queries with every duration divided by 10
//! (`for: 5m` becomes `for: 30s`, `[5m]` becomes `[30s]`): both then look
//! at the same stretch of the scenario. Per-second rates differ by the same
//! factor (a real second holds ten scenario seconds) and are compared after
//! dividing the real one by 10. Ratios, quantiles and gauges compare as they are.
//!
//! Tolerance: 5 % of the larger value. The simulated Prometheus records a
//! sample every scenario second; the real one scrapes every real second,
//! that is every 10 scenario seconds. Over a 300-scenario-second window the
//! two sample sets can differ by one scrape at each edge, which moves a rate
//! or a quantile by up to about 3 %; measured differences are about 0.2 %.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

#[path = "fixtures/sim/common.rs"]
mod common;
mod prom_support;

use std::collections::BTreeSet;
use std::time::Duration;

use opsdeck::sim::prometheus::format::{duration, parse_duration};
use opsdeck::sim::prometheus::rules;
use opsdeck::sources::prometheus::{AlertState, Prometheus, QueryResult, Rule};
use prom_support::until;

const SPEED: f64 = 10.0;
const SEC: Duration = Duration::from_millis(500);
const TOLERANCE: f64 = 0.05;

/// Every Prometheus duration in `text` (after `for:` and in `[…]`) divided by `speed`.
fn scaled(text: &str, speed: f64) -> String {
    let re = regex::Regex::new(r"(for: *)(\w+)|\[(\w+)\]").expect("regex");
    re.replace_all(text, |c: &regex::Captures| {
        let (prefix, d, bracket) = match (c.get(1), c.get(2), c.get(3)) {
            (Some(p), Some(d), _) => (p.as_str(), d.as_str(), false),
            (_, _, Some(d)) => ("", d.as_str(), true),
            _ => return c[0].to_string(),
        };
        let Some(secs) = parse_duration(d) else {
            return c[0].to_string();
        };
        let d = duration(secs / speed);
        if bracket {
            format!("[{d}]")
        } else {
            format!("{prefix}{d}")
        }
    })
    .into_owned()
}

/// What a query answers, as label sets with values.
fn series(r: QueryResult) -> Vec<(Vec<(String, String)>, f64)> {
    let mut out: Vec<(Vec<(String, String)>, f64)> = match r {
        QueryResult::Vector(v) => v
            .into_iter()
            .map(|s| (s.labels.into_iter().collect(), s.value))
            .collect(),
        QueryResult::Scalar { value, .. } => vec![(Vec::new(), value)],
        other => panic!("unexpected {other:?}"),
    };
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn agree(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= TOLERANCE * a.abs().max(b.abs())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_and_the_simulation_fire_the_seed_alert_and_agree_on_queries() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = common::Sim::start("deepseek-rag", SPEED, None);
    let profile = opsdeck::config::Profile::load(std::path::Path::new(&sim.profile)).unwrap();
    let sim_url = profile.prometheus.clone().unwrap().url;
    let target = sim_url.trim_start_matches("http://").to_string();

    // Seed 000's own rule block, its durations scaled to the wall clock.
    let seed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seeds/000_662e3128cf17e9b7.txt"
    ))
    .unwrap();
    let block = rules::extract(&seed, "deepseek-rag").remove(0).yaml;
    let rule_file = scaled(&block, SPEED);
    assert!(
        rule_file.contains("for: 30s") && rule_file.contains("[30s]"),
        "{rule_file}"
    );
    // The job is the scenario's name, and the target's own labels are kept,
    // as the seed's `up{job="deepseek-rag"}` expects.
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [seed-000.yml]\nscrape_configs:\n  - job_name: deepseek-rag\n    honor_labels: true\n    static_configs:\n      - targets: ['{target}']\n"
    );
    let server = prom_support::prometheus(&config, &[("seed-000.yml", &rule_file)]);
    let real = Prometheus::new(&server.url).unwrap();
    let simulated = Prometheus::new(&sim_url).unwrap();

    let info = simulated.buildinfo().await.unwrap();
    assert!(info.is_simulation(), "{info:?}");
    assert!(!real.buildinfo().await.unwrap().is_simulation());

    // Ollama goes down at scenario second 10: ApplicationDown fires in both
    // once it has held for five scenario minutes (30 real seconds).
    let firing = |p: Prometheus| async move {
        let alerts = p.alerts().await.ok()?;
        alerts
            .iter()
            .any(|a| {
                a.name() == "ApplicationDown"
                    && a.state == AlertState::Firing
                    && a.labels.get("service").map(String::as_str) == Some("ollama")
            })
            .then_some(alerts)
    };
    let real_alerts = until(
        "ApplicationDown firing in the real Prometheus",
        240,
        SEC,
        || firing(real.clone()),
    )
    .await;
    let sim_alerts = until("ApplicationDown firing in the simulation", 240, SEC, || {
        firing(simulated.clone())
    })
    .await;
    let names =
        |alerts: &[opsdeck::sources::prometheus::Alert]| -> BTreeSet<Vec<(String, String)>> {
            alerts
                .iter()
                .map(|a| a.labels.clone().into_iter().collect())
                .collect()
        };
    assert_eq!(
        names(&real_alerts),
        names(&sim_alerts),
        "the same alerts, with the same labels"
    );
    let down: Vec<_> = sim_alerts
        .iter()
        .filter(|a| a.name() == "ApplicationDown")
        .collect();
    assert_eq!(down[0].summary(), Some("DeepSeek RAG application is down"));
    assert_eq!(down[0].severity(), Some("critical"));

    // The rules read the same, durations apart.
    let rule_view = |groups: Vec<opsdeck::sources::prometheus::RuleGroup>, scale: f64| {
        groups
            .into_iter()
            .flat_map(|g| g.rules)
            .map(|r| match r {
                Rule::Alerting(a) => (
                    a.name,
                    scaled(&a.query, scale),
                    duration(a.hold.as_secs_f64() / scale),
                    a.labels,
                    a.annotations,
                ),
                Rule::Recording(r) => panic!("unexpected recording rule {}", r.name),
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rule_view(simulated.rules().await.unwrap(), SPEED),
        rule_view(real.rules().await.unwrap(), 1.0)
    );

    // The same queries at the same moment: the seed's rule expressions, the
    // profile's SLOs over windows both have watched in full, and seed 001's
    // PromQL section. `true` marks per-second rates.
    let mut queries: Vec<(String, bool)> = vec![
        ("up".into(), false),
        (r#"up{job="deepseek-rag"} == 0"#.into(), false),
        (r#"rate(http_requests_total{status=~"5.."}[5m]) > 0.05"#.into(), true),
        (r#"sum by (service) (rate(http_requests_total[5m]))"#.into(), true),
        (r#"rate(http_requests_total{status=~"5.."}[5m]) / rate(http_requests_total[5m])"#.into(), false),
        ("histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m]))".into(), false),
        ("(node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes) / node_memory_MemTotal_bytes * 100".into(), false),
        ("pg_stat_activity_count / pg_settings_max_connections * 100".into(), false),
    ];
    // The uptime SLO averages over an hour: its value depends on when each
    // server began watching, so it is left out.
    for slo in profile.slos.iter().filter(|s| !s.query.contains("[1h]")) {
        queries.push((slo.query.clone(), false));
    }
    assert!(queries.len() >= 11);
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(2);
    let mut empty = 0;
    let mut nan = 0;
    let mut worst: f64 = 0.0;
    for (q, per_second) in &queries {
        let mine = series(
            simulated
                .query(q, Some(at))
                .await
                .unwrap_or_else(|e| panic!("{q}: {e}")),
        );
        let theirs_q = scaled(q, SPEED);
        let theirs = series(
            real.query(&theirs_q, Some(at))
                .await
                .unwrap_or_else(|e| panic!("{theirs_q}: {e}")),
        );
        let labels =
            |s: &[(Vec<(String, String)>, f64)]| s.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
        assert_eq!(labels(&mine), labels(&theirs), "{q}: label sets");
        for ((l, a), (_, b)) in mine.iter().zip(&theirs) {
            let b = if *per_second { b / SPEED } else { *b };
            assert!(agree(*a, b), "{q} {l:?}: simulation {a}, Prometheus {b}");
            if a.is_finite() && b.is_finite() && (*a != 0.0 || b != 0.0) {
                worst = worst.max((a - b).abs() / a.abs().max(b.abs()));
            }
            nan += usize::from(a.is_nan());
        }
        empty += usize::from(mine.is_empty());
    }
    eprintln!(
        "{} queries agree; largest relative difference {:.3} %",
        queries.len(),
        worst * 100.0
    );
    // Seed 001's database query finds no PostgreSQL here: an empty answer in
    // both; its error ratio divides 0 by 0 for redis: NaN in both.
    assert_eq!(empty, 1);
    assert!(nan >= 1);

    // Seed 001's memory query on the real Prometheus: one value per node.
    let QueryResult::Vector(memory) = real
        .query("(node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes) / node_memory_MemTotal_bytes * 100", None)
        .await
        .unwrap()
    else {
        panic!("a vector")
    };
    assert_eq!(memory.len(), 1);
    assert!(
        memory[0].value > 0.0 && memory[0].value < 100.0,
        "{memory:?}"
    );

    // The runbook's remedy: restarting Ollama clears the alert in both.
    sim.ok(&[
        "rollout",
        "restart",
        "deployment/ollama",
        "-n",
        "deepseek-rag",
    ]);
    let cleared = |p: Prometheus| async move {
        let alerts = p.alerts().await.ok()?;
        (!alerts.iter().any(|a| a.name() == "ApplicationDown")).then_some(())
    };
    until(
        "ApplicationDown cleared in the real Prometheus",
        240,
        SEC,
        || cleared(real.clone()),
    )
    .await;
    until(
        "ApplicationDown cleared in the simulation",
        240,
        SEC,
        || cleared(simulated.clone()),
    )
    .await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulation_answers_bad_queries_as_prometheus_does() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let handle = opsdeck::sim::start(opsdeck::sim::SimOptions {
        scenario: "rag7".into(),
        speed: 20.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let url = handle.profile.prometheus.clone().unwrap().url;
    let prom = Prometheus::new(&url).unwrap();
    let err = prom.query("rate(up[5m]", None).await.unwrap_err();
    assert!(
        matches!(
            err,
            opsdeck::sources::prometheus::PromError::BadQuery { .. }
        ),
        "{err:?}"
    );
    let err = prom
        .query(r#"label_replace(up, "a", "b", "c", "d")"#, None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "the function `label_replace` is not supported by opsdeck's simulation of Prometheus"
        ),
        "{err}"
    );
    assert!(
        prom.query("nonexistent_metric", None)
            .await
            .unwrap()
            .is_empty()
    );
    let QueryResult::Vector(v) = prom.query("vector(0) / 0", None).await.unwrap() else {
        panic!()
    };
    assert!(v[0].value.is_nan());
    // The generated profile's SLOs are answered, each with one value.
    until("every SLO answered", 60, SEC, || async {
        for slo in &handle.profile.slos {
            match prom.query(&slo.query, None).await {
                Ok(QueryResult::Vector(v)) if v.len() == 1 => {}
                _ => return None,
            }
        }
        Some(())
    })
    .await;
    assert_eq!(handle.profile.slos.len(), 4);
    // Every service is scraped by now: matching them all on nothing is ambiguous.
    let err = prom.query("up / on () up", None).await.unwrap_err();
    assert!(
        matches!(
            err,
            opsdeck::sources::prometheus::PromError::Execution { .. }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("many-to-many"), "{err}");
    assert_eq!(
        handle.profile.alerts["HighLatency"].to_string(),
        "builtin:rag7#High Latency"
    );
    // A range query: one point per step, once two seconds of history exist.
    let series = until("two seconds of history", 60, SEC, || async {
        let now = jiff::Timestamp::now();
        let range = opsdeck::sources::prometheus::Range {
            start: now - jiff::SignedDuration::from_secs(2),
            end: now,
            step: Duration::from_millis(500),
        };
        let s = prom.query_range("sum(up)", range).await.ok()?;
        (s.len() == 1 && s[0].points.len() == 5).then_some(s)
    })
    .await;
    assert!(
        series[0].points.iter().all(|(_, v)| *v >= 1.0),
        "{series:?}"
    );
    // Bounded, as Prometheus bounds them.
    let now = jiff::Timestamp::now();
    let err = prom
        .query_range(
            "up",
            opsdeck::sources::prometheus::Range {
                start: now - jiff::SignedDuration::from_hours(24),
                end: now,
                step: Duration::from_secs(1),
            },
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("exceeded maximum resolution"),
        "{err}"
    );
}
