//! Shared test fixtures: a console state shaped like a real incident
//! (rag7 with a crash-looping langgraph pod), built through `App::update`
//! exactly as the sources would feed it.
#![allow(dead_code)]

pub mod servers;
pub mod tmux;

use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use opsdeck::app::alerts::{AlertsMsg, Poll, SloReading};
use opsdeck::app::{App, Msg};
use opsdeck::config::profiles;
use opsdeck::input::Keymap;
use opsdeck::model::{CheckOutcome, HealthResult};
use opsdeck::model::{
    ContainerInfo, EventRecord, LogLine, Owner, OwnerKind, Platform, Severity, SourceState,
    SourceUpdate, StreamId, Termination, Usage, Workload,
};
use opsdeck::sources::prometheus::{Alert, AlertState};
use opsdeck::theme::load_theme;

/// The fixed "now" of every fixture: ages and clock times never change.
pub fn now() -> Timestamp {
    Timestamp::from_second(1_790_000_000).expect("valid timestamp")
}

pub fn ago(secs: i64) -> Timestamp {
    Timestamp::from_second(now().as_second() - secs).expect("valid timestamp")
}

pub fn app_with_theme(profile: &str, theme: &str) -> App {
    let profile = profiles::resolve(profile, Path::new("/nonexistent")).expect("built-in profile");
    let (theme, err) = load_theme(theme, Path::new("/nonexistent"));
    assert!(err.is_none(), "{err:?}");
    let keymap = Keymap::load("default", Path::new("/nonexistent"));
    let mut app = App::new(profile, theme, keymap, false);
    app.tz = jiff::tz::TimeZone::UTC;
    app
}

pub fn settle(app: &mut App, w: u16, h: u16) {
    app.update(Msg::Resize(w, h), now());
    app.last_refresh = Some(now());
}

fn health(app: &mut App, service: usize, ok: bool, ms: u64, detail: &str) {
    for i in 0..12u64 {
        app.update(
            Msg::Health(HealthResult {
                service,
                check: 0,
                outcome: CheckOutcome {
                    ok: ok || i < 6,
                    latency: Duration::from_millis(ms + (i * 7) % 13),
                    detail: if ok || i < 6 {
                        "HTTP 200".into()
                    } else {
                        detail.into()
                    },
                },
                at: ago(60 - i as i64 * 5),
            }),
            now(),
        );
    }
}

pub fn pod(name: &str, group: &str, status: &str, sev: Severity, restarts: u32) -> Workload {
    Workload {
        platform: Platform::Kubernetes,
        namespace: "rag7".into(),
        name: name.into(),
        group: Some(group.into()),
        owner: Some(Owner {
            kind: if group == "postgres" {
                OwnerKind::StatefulSet
            } else {
                OwnerKind::Deployment
            },
            name: group.into(),
        }),
        ready: if sev == Severity::Ok { (1, 1) } else { (0, 1) },
        status: status.into(),
        severity: sev,
        restarts,
        last_restart: (restarts > 0).then(|| ago(95)),
        created: Some(ago(3 * 3600 + 120)),
        cpu: Some(Usage {
            used: 120.0 + f64::from(restarts) * 10.0,
            request: Some(250.0),
            limit: Some(1000.0),
        }),
        memory: Some(Usage {
            used: 310.0 * 1024.0 * 1024.0,
            request: Some(256.0 * 1024.0 * 1024.0),
            limit: Some(512.0 * 1024.0 * 1024.0),
        }),
        node: Some("node-a".into()),
        net_io: None,
        containers: vec![ContainerInfo {
            name: group.into(),
            image: format!("ghcr.io/stacey77/{group}:v1.0.1"),
            state: status.into(),
            ready: sev == Severity::Ok,
            restarts,
            last_termination: (restarts > 0).then(|| Termination {
                reason: "Error".into(),
                exit_code: 1,
                finished: Some(ago(95)),
            }),
        }],
    }
}

/// The rag7 incident: langgraph crash-looping, redis down, postgres fine.
pub fn incident_app(theme: &str, w: u16, h: u16) -> App {
    let mut app = app_with_theme("rag7", theme);
    health(&mut app, 0, false, 40, "HTTP 503, expected 200");
    health(&mut app, 1, true, 3, "");
    health(&mut app, 2, false, 2, "connection refused");
    app.update(
        Msg::Source(SourceUpdate::State {
            platform: Platform::Kubernetes,
            state: SourceState::Connected,
        }),
        now(),
    );
    app.update(
        Msg::Source(SourceUpdate::Workloads {
            platform: Platform::Kubernetes,
            rows: vec![
                pod(
                    "langgraph-7d9f8c6b5-x2x9k",
                    "langgraph",
                    "Running",
                    Severity::Ok,
                    0,
                ),
                pod(
                    "langgraph-7d9f8c6b5-hq4lp",
                    "langgraph",
                    "CrashLoopBackOff",
                    Severity::Crit,
                    14,
                ),
                pod("postgres-0", "postgres", "Running", Severity::Ok, 0),
                pod(
                    "redis-6c8d9f7b4-m2kqz",
                    "redis",
                    "OOMKilled",
                    Severity::Crit,
                    3,
                ),
            ],
        }),
        now(),
    );
    let ev =
        |uid: &str, warning: bool, reason: &str, obj: &str, msg: &str, count: u32, age: i64| {
            EventRecord {
                platform: Platform::Kubernetes,
                namespace: "rag7".into(),
                object: obj.into(),
                warning,
                reason: reason.into(),
                message: msg.into(),
                count,
                last_seen: ago(age),
                uid: uid.into(),
            }
        };
    app.update(
        Msg::Source(SourceUpdate::Events(vec![
            ev(
                "1",
                true,
                "BackOff",
                "Pod/langgraph-7d9f8c6b5-hq4lp",
                "Back-off restarting failed container langgraph",
                14,
                20,
            ),
            ev(
                "2",
                true,
                "OOMKilling",
                "Pod/redis-6c8d9f7b4-m2kqz",
                "Memory cgroup out of memory: Killed process 1 (redis-server)",
                3,
                300,
            ),
            ev(
                "3",
                false,
                "Pulled",
                "Pod/langgraph-7d9f8c6b5-hq4lp",
                "Container image \"ghcr.io/stacey77/rag7:v1.0.1\" already present on machine",
                15,
                95,
            ),
            ev(
                "4",
                false,
                "ScalingReplicaSet",
                "Deployment/langgraph",
                "Scaled up replica set langgraph-7d9f8c6b5 to 2",
                1,
                3 * 3600,
            ),
        ])),
        now(),
    );
    // Select the crash-looping pod and stream its logs, as an operator would.
    app.focus = opsdeck::app::Pane::Workloads;
    app.update(
        Msg::Key(ratatui::crossterm::event::KeyEvent::new(
            ratatui::crossterm::event::KeyCode::Enter,
            ratatui::crossterm::event::KeyModifiers::NONE,
        )),
        now(),
    );
    let stream = StreamId {
        platform: Platform::Kubernetes,
        namespace: "rag7".into(),
        name: "langgraph-7d9f8c6b5-hq4lp".into(),
        container: None,
    };
    let lines = [
        "INFO  Starting LangGraph API server v1.0.1",
        "INFO  Loading configuration from /etc/langgraph/config.yaml",
        "WARN  REDIS_URL not set, falling back to redis://redis.rag7.svc.cluster.local:6379",
        "ERROR Invalid configuration: checkpoint_db.pool_size must be an integer, got \"ten\"",
        "ERROR Traceback (most recent call last): ConfigError: pool_size",
        "INFO  Shutting down",
    ];
    app.update(
        Msg::Source(SourceUpdate::Logs {
            stream,
            lines: lines
                .iter()
                .enumerate()
                .map(|(i, t)| LogLine {
                    prefix: None,
                    timestamp: Some(ago(30 - i as i64)),
                    text: (*t).into(),
                    stderr: t.starts_with("ERROR"),
                })
                .collect(),
        }),
        now(),
    );
    alerts(&mut app);
    app.flash = None;
    settle(&mut app, w, h);
    app
}

fn labels(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A Prometheus alert as the source reads it.
pub fn prom_alert(
    name: &str,
    state: AlertState,
    severity: &str,
    since: i64,
    summary: &str,
) -> Alert {
    Alert {
        labels: labels(&[
            ("alertname", name),
            ("service", "langgraph"),
            ("severity", severity),
        ]),
        annotations: labels(&[("summary", summary)]),
        state,
        active_at: Some(ago(since)),
        value: 1.0,
    }
}

/// The rag7 incident as Prometheus sees it: HighLatency and PodRestarting
/// firing, HighErrorRate pending, p95 latency breached after a climb.
pub fn alerts(app: &mut App) {
    let p95 = [0.31, 0.33, 0.35, 0.42, 0.55, 0.71, 0.9, 1.05, 1.21, 1.42];
    let errors = [0.1, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 0.9];
    for i in 0..p95.len() {
        let last = i + 1 == p95.len();
        let alerts = if last {
            vec![
                prom_alert(
                    "HighErrorRate",
                    AlertState::Pending,
                    "critical",
                    40,
                    "langgraph 5xx ratio is 0.9 %",
                ),
                prom_alert(
                    "HighLatency",
                    AlertState::Firing,
                    "warning",
                    150,
                    "p95 latency of langgraph is 1.42 s",
                ),
                prom_alert(
                    "PodRestarting",
                    AlertState::Firing,
                    "critical",
                    90,
                    "langgraph-7d9f8c6b5-hq4lp restarted 14 times in 10 minutes",
                ),
            ]
        } else {
            Vec::new()
        };
        app.update(
            Msg::Alerts(AlertsMsg::Polled(Poll {
                alerts,
                rules: 6,
                slos: vec![
                    SloReading {
                        name: "p95 latency".into(),
                        value: Ok(p95[i]),
                    },
                    SloReading {
                        name: "error rate".into(),
                        value: Ok(errors[i]),
                    },
                    SloReading {
                        name: "availability".into(),
                        value: Ok(100.0 - i as f64 * 0.009),
                    },
                    SloReading {
                        name: "memory".into(),
                        value: Ok(f64::NAN),
                    },
                ],
                alertmanager: None,
                interval: Duration::from_secs(15),
            })),
            now(),
        );
    }
}

/// `n` pods across namespaces, a tenth of them unhealthy: the large-cluster case.
pub fn many_pods(n: usize) -> Vec<Workload> {
    (0..n)
        .map(|i| {
            let bad = i % 10 == 3;
            let mut p = pod(
                &format!("svc-{:03}-7d9f8c6b5-{i:05}", i % 300),
                &format!("svc-{:03}", i % 300),
                if bad { "CrashLoopBackOff" } else { "Running" },
                if bad { Severity::Crit } else { Severity::Ok },
                if bad { (i % 20) as u32 } else { 0 },
            );
            p.namespace = format!("team-{}", i % 12);
            p
        })
        .collect()
}
