//! The Kubernetes source against `opsdeck sim` over real HTTP.

mod kube_support;

use std::time::Duration;

use kube_support::{Seen, Sim, free_port, until};
use opsdeck::app::model::{Platform, Severity, SourceState, StreamId};
use opsdeck::sources::kube::{self, KubeSettings, LogOptions};
use tokio::sync::mpsc;

const LONG: Duration = Duration::from_secs(120);

fn settings(sim: &Sim, namespaces: &[&str]) -> KubeSettings {
    KubeSettings {
        kubeconfig: Some(sim.kubeconfig.clone()),
        context: None,
        namespaces: namespaces.iter().map(|s| s.to_string()).collect(),
        selector: None,
    }
}

fn connected(s: &Seen) -> Option<()> {
    (s.state() == Some(&SourceState::Connected)).then_some(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_loop_oom_backoff_events_and_metrics() {
    let sim = Sim::start("rag7", 6.0, None);
    let (tx, mut rx) = mpsc::channel(64);
    let handle = kube::spawn(settings(&sim, &["rag7"]), tx);
    let mut seen = Seen::default();
    until(&mut rx, &mut seen, "connected", LONG, connected).await;
    until(&mut rx, &mut seen, "the four rag7 pods", LONG, |s| {
        (s.rows().len() == 4).then_some(())
    })
    .await;
    assert!(
        seen.rows()
            .iter()
            .all(|r| r.platform == Platform::Kubernetes)
    );
    let groups: Vec<_> = seen.rows().iter().filter_map(|r| r.group.clone()).collect();
    assert!(groups.contains(&"langgraph".to_string()), "{groups:?}");
    assert!(groups.contains(&"postgres".to_string()), "{groups:?}");

    // metrics.k8s.io: usage with the pod's requests and limits, and the nodes line.
    let cpu = until(&mut rx, &mut seen, "redis CPU usage", LONG, |s| {
        s.rows()
            .iter()
            .find(|r| r.group.as_deref() == Some("redis") && r.cpu.is_some())
            .and_then(|r| Some((r.cpu?, r.memory?)))
    })
    .await;
    assert!(cpu.0.used > 0.0 && cpu.1.used > 0.0);
    assert_eq!(cpu.0.request, Some(100.0));
    assert_eq!(cpu.0.limit, Some(500.0));
    assert_eq!(cpu.1.request, Some(128.0 * 1024.0 * 1024.0));
    assert_eq!(cpu.1.limit, Some(512.0 * 1024.0 * 1024.0));
    let summary = until(&mut rx, &mut seen, "the nodes summary", LONG, |s| {
        s.summaries
            .iter()
            .rev()
            .find(|t| t.starts_with("nodes: "))
            .cloned()
    })
    .await;
    assert!(
        summary.contains("sim-node-1 cpu ")
            && summary.contains("/8 (")
            && summary.contains("Gi/32Gi ("),
        "{summary}"
    );

    // The bad ConfigMap keeps langgraph crash-looping, with BackOff warnings.
    let looping = until(&mut rx, &mut seen, "a CrashLoopBackOff pod", LONG, |s| {
        s.rows()
            .iter()
            .find(|r| r.status == "CrashLoopBackOff")
            .cloned()
    })
    .await;
    assert_eq!(looping.severity, Severity::Crit);
    assert_eq!(looping.group.as_deref(), Some("langgraph"));
    let more = until(&mut rx, &mut seen, "its restart count growing", LONG, |s| {
        s.rows()
            .iter()
            .find(|r| r.name == looping.name && r.restarts > looping.restarts)
            .cloned()
    })
    .await;
    assert!(more.last_restart.is_some(), "{more:?}");
    let term = more.containers[0].last_termination.clone().unwrap();
    assert_eq!((term.reason.as_str(), term.exit_code), ("Error", 1));

    let backoff = until(&mut rx, &mut seen, "a BackOff warning event", LONG, |s| {
        s.events
            .values()
            .find(|e| e.reason == "BackOff" && e.warning)
            .cloned()
    })
    .await;
    assert!(backoff.object.starts_with("Pod/langgraph-"), "{backoff:?}");
    assert_eq!(backoff.namespace, "rag7");
    assert!(backoff.count >= 1);

    // `d`: describe text with the last termination, then the YAML.
    handle.describe("rag7", &looping.name).unwrap();
    let (title, lines) = until(&mut rx, &mut seen, "the describe detail", LONG, |s| {
        s.details.last().cloned()
    })
    .await;
    assert!(
        title.starts_with(&format!("pod/{} -n rag7", looping.name)),
        "{title}"
    );
    let text = lines.join("\n");
    assert!(
        text.contains("Last State:     Terminated: Error (exit code 1"),
        "{text}"
    );
    assert!(text.contains("Restart Count:"), "{text}");
    assert!(text.contains("BackOff"), "{text}");
    assert!(text.contains("kind: Pod"), "{text}");

    // The runbook's fix: the right port in the ConfigMap, then a rollout restart.
    fix_configmap(&sim).await;
    handle
        .rollout_restart(
            "rag7",
            opsdeck::app::model::RestartKind::Deployment,
            "langgraph",
        )
        .await
        .unwrap();
    until(
        &mut rx,
        &mut seen,
        "new langgraph pods running",
        LONG,
        |s| {
            s.rows()
                .iter()
                .any(|r| {
                    r.group.as_deref() == Some("langgraph")
                        && r.name != looping.name
                        && r.status == "Running"
                        && r.restarts == 0
                })
                .then_some(())
        },
    )
    .await;

    // With the pods up, the memory leak ends in the OOM killer.
    let oom = until(
        &mut rx,
        &mut seen,
        "an OOMKilled langgraph pod",
        LONG,
        |s| s.rows().iter().find(|r| r.status == "OOMKilled").cloned(),
    )
    .await;
    assert_eq!(oom.severity, Severity::Crit);
    assert!(oom.restarts >= 1 && oom.last_restart.is_some(), "{oom:?}");
    let term = oom.containers[0].last_termination.clone().unwrap();
    assert_eq!((term.reason.as_str(), term.exit_code), ("OOMKilled", 137));
}

async fn fix_configmap(sim: &Sim) {
    use ::kube::api::{Api, Patch, PatchParams};
    use k8s_openapi::api::core::v1::ConfigMap;
    let kubeconfig = ::kube::config::Kubeconfig::read_from(&sim.kubeconfig).unwrap();
    let config = ::kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let client = ::kube::Client::try_from(config).unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client, "rag7");
    let patch = serde_json::json!({"data": {"POSTGRES_URI":
        "postgresql://langgraph@postgres.rag7.svc.cluster.local:5432/langgraph_checkpoints"}});
    api.patch(
        "langgraph-config",
        &PatchParams::default(),
        &Patch::Merge(&patch),
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_previous_container_and_merged_owner_logs() {
    let sim = Sim::start("rag7", 40.0, None);
    let (tx, mut rx) = mpsc::channel(64);
    let handle = kube::spawn(settings(&sim, &["rag7"]), tx);
    let mut seen = Seen::default();
    until(&mut rx, &mut seen, "connected", LONG, connected).await;
    let redis = until(&mut rx, &mut seen, "a running redis pod", LONG, |s| {
        s.rows()
            .iter()
            .find(|r| r.group.as_deref() == Some("redis") && r.status == "Running")
            .cloned()
    })
    .await;
    let stream = StreamId {
        platform: Platform::Kubernetes,
        namespace: "rag7".into(),
        name: redis.name.clone(),
        container: None,
    };
    handle.follow_logs(&stream, LogOptions::default()).unwrap();
    let line = until(&mut rx, &mut seen, "redis log lines", LONG, |s| {
        s.logs
            .iter()
            .find(|(id, _)| *id == stream)
            .map(|(_, l)| l.clone())
    })
    .await;
    assert!(
        line.timestamp.is_some() && line.prefix.is_none(),
        "{line:?}"
    );
    let before = seen.logs.len();
    until(
        &mut rx,
        &mut seen,
        "more lines while following",
        LONG,
        |s| (s.logs.iter().skip(before).any(|(id, _)| *id == stream)).then_some(()),
    )
    .await;

    // After a restart, the previous container's log is still reachable.
    let restarted = until(
        &mut rx,
        &mut seen,
        "a langgraph pod that restarted",
        LONG,
        |s| {
            s.rows()
                .iter()
                .find(|r| r.group.as_deref() == Some("langgraph") && r.restarts >= 1)
                .cloned()
        },
    )
    .await;
    // Following a crash-looping pod: each restart is followed into the new container.
    let crashing = StreamId {
        platform: Platform::Kubernetes,
        namespace: "rag7".into(),
        name: restarted.name.clone(),
        container: None,
    };
    handle
        .follow_logs(&crashing, LogOptions::default())
        .unwrap();
    let count = |s: &Seen| s.logs.iter().filter(|(id, _)| *id == crashing).count();
    let restarts_now = |s: &Seen| {
        s.rows()
            .iter()
            .find(|r| r.name == restarted.name)
            .map_or(0, |r| r.restarts)
    };
    until(
        &mut rx,
        &mut seen,
        "lines of the crash-looping pod",
        LONG,
        |s| (count(s) > 0).then_some(()),
    )
    .await;
    let (lines_then, restarts_then) = (count(&seen), restarts_now(&seen));
    until(&mut rx, &mut seen, "a restart while following", LONG, |s| {
        (restarts_now(s) > restarts_then).then_some(())
    })
    .await;
    // Lines stamped after the followed container finished come from its successor
    // (finishedAt has whole seconds, so a second later to be sure).
    let finished = seen
        .rows()
        .iter()
        .find(|r| r.name == restarted.name)
        .and_then(|r| r.last_restart)
        .unwrap()
        .checked_add(jiff::SignedDuration::from_secs(1))
        .unwrap();
    let after_restart = until(
        &mut rx,
        &mut seen,
        "lines from the new container",
        LONG,
        |s| {
            s.logs
                .iter()
                .filter(|(id, _)| *id == crashing)
                .find(|(_, l)| l.timestamp.is_some_and(|t| t >= finished))
                .map(|_| count(s))
        },
    )
    .await;
    assert!(after_restart > lines_then);
    assert!(
        !seen.ended.iter().any(|(id, _)| *id == crashing),
        "{:?}",
        seen.ended
    );

    let previous = StreamId {
        platform: Platform::Kubernetes,
        namespace: "rag7".into(),
        name: restarted.name.clone(),
        container: Some("langgraph".into()),
    };
    let options = LogOptions {
        tail: Some(50),
        previous: true,
        timestamps: false,
        follow: false,
    };
    handle.follow_logs(&previous, options).unwrap();
    let reason = until(&mut rx, &mut seen, "the previous log to end", LONG, |s| {
        s.ended
            .iter()
            .find(|(id, _)| *id == previous)
            .map(|(_, r)| r.clone())
    })
    .await;
    assert_eq!(reason, "end of log");
    let prev_lines: Vec<_> = seen.logs.iter().filter(|(id, _)| *id == previous).collect();
    assert!(
        !prev_lines.is_empty() && prev_lines.len() <= 50,
        "{}",
        prev_lines.len()
    );
    assert!(prev_lines.iter().all(|(_, l)| l.timestamp.is_none()));

    // All pods of the deployment in one stream, each line naming its pod.
    handle
        .follow_owner_logs("rag7", "langgraph", LogOptions::default())
        .unwrap();
    let owner = StreamId {
        platform: Platform::Kubernetes,
        namespace: "rag7".into(),
        name: "langgraph".into(),
        container: None,
    };
    let prefixes = until(
        &mut rx,
        &mut seen,
        "lines from two langgraph pods",
        LONG,
        |s| {
            let mut p: Vec<String> = s
                .logs
                .iter()
                .filter(|(id, _)| *id == owner)
                .filter_map(|(_, l)| l.prefix.clone())
                .collect();
            p.sort();
            p.dedup();
            (p.len() >= 2).then_some(p)
        },
    )
    .await;
    assert!(
        prefixes.iter().all(|p| p.starts_with("langgraph-")),
        "{prefixes:?}"
    );
    assert!(handle.stop_logs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_switch_and_a_forbidden_namespace_stays_local() {
    let sim = Sim::start("rag7", 1.0, None);

    // rag7 streams while kube-system (forbidden in the scenario) says so in the summary.
    let (tx, mut rx) = mpsc::channel(64);
    let handle = kube::spawn(settings(&sim, &["rag7", "kube-system"]), tx);
    let mut seen = Seen::default();
    until(&mut rx, &mut seen, "rag7 rows", LONG, |s| {
        (!s.rows().is_empty()).then_some(())
    })
    .await;
    assert!(seen.rows().iter().all(|r| r.namespace == "rag7"));
    let text = until(&mut rx, &mut seen, "the forbidden text", LONG, |s| {
        s.summaries
            .iter()
            .rev()
            .find(|t| t.contains("forbidden"))
            .cloned()
    })
    .await;
    assert!(
        text.starts_with("forbidden: cannot list pods in namespace kube-system"),
        "{text}"
    );
    assert_eq!(seen.state(), Some(&SourceState::Connected));
    drop(handle);

    // Only a forbidden namespace: nothing to show, so the source itself fails with the text.
    let (tx, mut rx) = mpsc::channel(64);
    let handle = kube::spawn(settings(&sim, &["kube-system"]), tx);
    let mut seen = Seen::default();
    let failed = until(
        &mut rx,
        &mut seen,
        "the forbidden state",
        LONG,
        |s| match s.state() {
            Some(SourceState::Failed(t)) => Some(t.clone()),
            _ => None,
        },
    )
    .await;
    assert_eq!(
        failed,
        "forbidden: cannot list pods in namespace kube-system"
    );
    drop(handle);

    // Switching to a namespace with nothing in it empties the rows.
    let (tx, mut rx) = mpsc::channel(64);
    let _handle = kube::spawn(settings(&sim, &["default"]), tx);
    let mut seen = Seen::default();
    until(&mut rx, &mut seen, "empty rows for default", LONG, |s| {
        s.rows.as_ref().filter(|r| r.is_empty()).map(|_| ())
    })
    .await;
    assert_eq!(seen.state(), Some(&SourceState::Connected));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_server_goes_away_and_comes_back() {
    let port = free_port();
    let mut sim = Sim::start("rag7", 1.0, Some(port));
    let kubeconfig = sim.kubeconfig.clone();
    let (tx, mut rx) = mpsc::channel(64);
    let _handle = kube::spawn(
        KubeSettings {
            kubeconfig: Some(kubeconfig.clone()),
            namespaces: vec!["rag7".into()],
            ..Default::default()
        },
        tx,
    );
    let mut seen = Seen::default();
    until(&mut rx, &mut seen, "rows", LONG, |s| {
        (!s.rows().is_empty()).then_some(())
    })
    .await;

    sim.kill();
    // Watches open at the moment of the kill may first report "connection reset";
    // the reconnect attempts that follow meet a closed port.
    let failed = until(
        &mut rx,
        &mut seen,
        "the refused reconnect",
        LONG,
        |s| match s.state() {
            Some(SourceState::Failed(t)) if t.contains("connection refused") => Some(t.clone()),
            _ => None,
        },
    )
    .await;
    let expected =
        format!("cannot reach http://127.0.0.1:{port}: connection refused — retrying in ");
    assert!(failed.starts_with(&expected), "{failed}");
    assert!(failed.ends_with('s'), "{failed}");

    let _sim = Sim::start("rag7", 1.0, Some(port));
    let updates_before = seen.row_updates;
    until(&mut rx, &mut seen, "connected again", LONG, connected).await;
    until(&mut rx, &mut seen, "fresh rows", LONG, |s| {
        (s.row_updates > updates_before && !s.rows().is_empty()).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_kubeconfig_is_named() {
    let (tx, mut rx) = mpsc::channel(64);
    let _handle = kube::spawn(
        KubeSettings {
            kubeconfig: Some("/nonexistent/opsdeck/kubeconfig".into()),
            ..Default::default()
        },
        tx,
    );
    let mut seen = Seen::default();
    let text = until(
        &mut rx,
        &mut seen,
        "the kubeconfig failure",
        LONG,
        |s| match s.state() {
            Some(SourceState::Failed(t)) => Some(t.clone()),
            _ => None,
        },
    )
    .await;
    assert_eq!(
        text,
        "kubeconfig not found at /nonexistent/opsdeck/kubeconfig: set KUBECONFIG or [kubernetes] kubeconfig in the profile"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_metrics_server_rows_have_no_usage_and_the_summary_says_so() {
    let sim = Sim::start("rag7", 1.0, None);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = kube_support::no_metrics::start(&sim.kubeconfig, dir.path()).await;
    let (tx, mut rx) = mpsc::channel(64);
    let _handle = kube::spawn(
        KubeSettings {
            kubeconfig: Some(kubeconfig),
            namespaces: vec!["rag7".into()],
            ..Default::default()
        },
        tx,
    );
    let mut seen = Seen::default();
    until(
        &mut rx,
        &mut seen,
        "the metrics-server summary",
        LONG,
        |s| {
            s.summaries
                .iter()
                .any(|t| t == kube::METRICS_ABSENT)
                .then_some(())
        },
    )
    .await;
    assert_eq!(
        kube::METRICS_ABSENT,
        "metrics-server not found: CPU and memory show n/a"
    );
    until(&mut rx, &mut seen, "rows", LONG, |s| {
        (s.rows().len() == 4).then_some(())
    })
    .await;
    assert!(
        seen.rows()
            .iter()
            .all(|r| r.cpu.is_none() && r.memory.is_none())
    );
    assert_eq!(seen.state(), Some(&SourceState::Connected));
}
