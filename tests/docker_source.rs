//! The Docker source against the real engine: what the Workloads, Events and Logs panes get.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

mod docker_support;

use std::time::Duration;

use docker_support::{ComposeProject, Containers, ImageLease, Watch, docker};
use opsdeck::model::command::{ContainerAction, docker_command};
use opsdeck::model::{Platform, Severity, SourceState, StreamId};
use opsdeck::sources::docker::{DockerError, DockerSettings, LogOptions, spawn};
use tokio::sync::mpsc;

const BOUND: Duration = Duration::from_secs(90);

fn start(settings: DockerSettings) -> (opsdeck::sources::docker::DockerHandle, Watch) {
    let (tx, rx) = mpsc::channel(64);
    (spawn(settings, tx), Watch::new(rx))
}

async fn connected_source(
    settings: DockerSettings,
) -> (opsdeck::sources::docker::DockerHandle, Watch) {
    let (handle, mut watch) = start(settings);
    watch
        .until("a connection and a first snapshot", BOUND, |w| {
            w.connected() && w.snapshots > 0
        })
        .await;
    (handle, watch)
}

fn stream(name: &str) -> StreamId {
    StreamId {
        platform: Platform::Docker,
        namespace: String::new(),
        name: name.to_string(),
        container: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_web_service_reads_running_healthy() {
    let _image = ImageLease::acquire();
    let mut containers = Containers::default();
    let web = containers.run(
        "web",
        &[
            "--health-cmd",
            "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1",
            "--health-interval",
            "1s",
            "--health-timeout",
            "2s",
            "--health-retries",
            "2",
        ],
        &["httpd", "-f", "-p", "8080", "-h", "/www"],
    );
    let (_handle, mut watch) = connected_source(DockerSettings::default()).await;
    watch
        .until("the web service to turn healthy", BOUND, |w| {
            w.row(&web).is_some_and(|r| r.status == "running (healthy)")
        })
        .await;
    // Stats come with the next poll after the container shows up; the start time comes from
    // inspect, which may finish after the listing already said "healthy".
    watch
        .until("CPU and memory figures and the start time", BOUND, |w| {
            w.row(&web)
                .is_some_and(|r| r.cpu.is_some() && r.memory.is_some() && r.last_restart.is_some())
        })
        .await;
    let row = watch.row(&web).unwrap();
    assert_eq!(row.severity, Severity::Ok);
    assert_eq!(row.ready, (1, 1));
    assert_eq!(row.namespace, "");
    assert_eq!(row.group, None);
    assert_eq!(row.containers[0].image, docker_support::IMAGE);
    assert_eq!(row.containers[0].state, "running");
    assert!(row.created.is_some() && row.last_restart.is_some());
    let memory = row.memory.unwrap();
    assert!(memory.used > 0.0, "an httpd uses some memory: {memory:?}");
    assert!(memory.limit.is_some_and(|l| l >= memory.used));
    assert!(
        row.net_io.is_some(),
        "a bridge-networked container has network counters"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_loop_under_a_restart_policy_climbs_and_is_critical() {
    let _image = ImageLease::acquire();
    let mut containers = Containers::default();
    let (_handle, mut watch) = connected_source(DockerSettings::default()).await;
    let crasher = containers.run(
        "crasher",
        &["--restart", "always"],
        &["sh", "-c", "echo boom >&2; exit 3"],
    );
    watch
        .until("two restarts", BOUND, |w| {
            w.row(&crasher).is_some_and(|r| r.restarts >= 2)
        })
        .await;
    let first = watch.row(&crasher).unwrap().restarts;
    watch
        .until("the restart count to climb further", BOUND, |w| {
            w.row(&crasher).is_some_and(|r| r.restarts > first)
        })
        .await;
    watch
        .until("a critical crash-looping row", BOUND, |w| {
            w.row(&crasher)
                .is_some_and(|r| r.severity == Severity::Crit)
        })
        .await;
    let row = watch.row(&crasher).unwrap();
    assert!(
        row.status == "restarting"
            || row.status.starts_with("running (crash loop")
            || row.status == "exited (3)",
        "{}",
        row.status
    );
    let died: Vec<_> = watch
        .events_for(&crasher)
        .into_iter()
        .filter(|e| e.reason == "Died")
        .collect();
    assert!(!died.is_empty(), "die events: {:?}", watch.events);
    assert!(
        died.iter()
            .all(|e| e.warning && e.message == "exited with code 3")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oom_kill_is_visible_in_the_row_and_as_an_event() {
    let _image = ImageLease::acquire();
    let mut containers = Containers::default();
    let (_handle, mut watch) = connected_source(DockerSettings::default()).await;
    // dd's 64 MiB block buffer cannot fit under a 16 MiB limit without swap. The kernel kills
    // dd, the container's shell passes its status on a moment later: when the killed process
    // is the container's init itself, the engine can see the exit before the OOM notice and
    // then does not mark the container OOMKilled.
    let hog = containers.run(
        "oom",
        &["--memory", "16m", "--memory-swap", "16m"],
        &[
            "sh",
            "-c",
            "dd if=/dev/zero of=/dev/null bs=64M count=1; s=$?; sleep 2; exit $s",
        ],
    );
    watch
        .until("an OOMKilled row and an oom event", BOUND, |w| {
            w.row(&hog)
                .is_some_and(|r| r.status == "exited (137) OOMKilled")
                && w.events_for(&hog).iter().any(|e| e.reason == "OOMKilled")
        })
        .await;
    let row = watch.row(&hog).unwrap();
    assert_eq!(row.severity, Severity::Crit);
    let termination = row.containers[0].last_termination.clone().unwrap();
    assert_eq!(
        (termination.reason.as_str(), termination.exit_code),
        ("OOMKilled", 137)
    );
    let oom = watch
        .events_for(&hog)
        .into_iter()
        .find(|e| e.reason == "OOMKilled")
        .unwrap();
    assert!(oom.warning);
    watch
        .until("the die event with code 137", BOUND, |w| {
            w.events_for(&hog)
                .iter()
                .any(|e| e.reason == "Died" && e.message == "exited with code 137")
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_healthcheck_reads_unhealthy_with_an_event() {
    let _image = ImageLease::acquire();
    let mut containers = Containers::default();
    let (_handle, mut watch) = connected_source(DockerSettings::default()).await;
    let sick = containers.run(
        "sick",
        &[
            "--health-cmd",
            "echo probe failed; exit 1",
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
        ],
        &["sleep", "600"],
    );
    watch
        .until("an unhealthy row and a health_status event", BOUND, |w| {
            w.row(&sick).is_some_and(|r| r.status == "unhealthy")
                && w.events_for(&sick).iter().any(|e| e.reason == "Unhealthy")
        })
        .await;
    let row = watch.row(&sick).unwrap();
    assert_eq!(row.severity, Severity::Crit);
    assert_eq!(row.ready, (0, 1));
    let event = watch
        .events_for(&sick)
        .into_iter()
        .find(|e| e.reason == "Unhealthy")
        .unwrap();
    assert!(event.warning);
    assert_eq!(event.message, "health check failing");
    // The probes themselves (exec_start …) never reach the Events pane.
    assert!(
        watch
            .events
            .iter()
            .all(|e| !e.reason.to_lowercase().contains("exec"))
    );
}

const COMPOSE: &str = r#"version: "2.4"
services:
  web:
    image: opsdeck-test-busybox:latest
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    labels:
      org.opsdeck.test: "1"
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"]
      interval: 1s
      timeout: 2s
      retries: 2
  worker:
    image: opsdeck-test-busybox:latest
    command: ["sleep", "600"]
    labels:
      org.opsdeck.test: "1"
    cpus: 0.5
    mem_limit: 64m
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compose_project_groups_by_project_and_service() {
    let _image = ImageLease::acquire();
    // Something outside the project, which the project filter must leave out.
    let mut containers = Containers::default();
    let outsider = containers.run("outsider", &[], &["sleep", "600"]);
    let project = ComposeProject::up(COMPOSE);
    let (_handle, mut watch) = connected_source(DockerSettings {
        host: None,
        compose_project: Some(project.name.clone()),
    })
    .await;
    watch
        .until("both services, web healthy", BOUND, |w| {
            w.rows.len() == 2
                && w.rows
                    .iter()
                    .any(|r| r.group.as_deref() == Some("web") && r.status == "running (healthy)")
        })
        .await;
    assert!(watch.row(&outsider).is_none());
    let mut groups: Vec<_> = watch
        .rows
        .iter()
        .map(|r| (r.namespace.as_str(), r.group.as_deref().unwrap_or("")))
        .collect();
    groups.sort();
    assert_eq!(
        groups,
        vec![
            (project.name.as_str(), "web"),
            (project.name.as_str(), "worker")
        ]
    );
    // compose v1 names containers PROJECT_SERVICE_1.
    let worker_name = format!("{}_worker_1", project.name);
    watch
        .until("worker figures and limits", BOUND, |w| {
            // Usage comes from stats, limits from inspect; either may arrive first.
            w.row(&worker_name).is_some_and(|r| {
                r.cpu.is_some_and(|c| c.limit.is_some())
                    && r.memory.is_some_and(|m| m.limit.is_some())
            })
        })
        .await;
    let worker = watch.row(&worker_name).unwrap();
    assert_eq!(worker.cpu.unwrap().limit, Some(500.0), "cpus: 0.5 is 500m");
    assert_eq!(worker.memory.unwrap().limit, Some(64.0 * 1024.0 * 1024.0));

    // Events are filtered to the project too.
    let out = project.compose(&["restart", "-t", "1", "worker"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    watch
        .until("the worker's restart event", BOUND, |w| {
            w.events_for(&worker_name)
                .iter()
                .any(|e| e.reason == "Restarted")
        })
        .await;
    assert!(watch.events.iter().all(|e| e.namespace == project.name));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_tail_follow_and_separate_stderr() {
    let _image = ImageLease::acquire();
    let mut containers = Containers::default();
    // The pauses order stdout against stderr, which are separate pipes.
    let script = "for i in 1 2 3 4 5; do echo out $i; done; sleep 1; \
                  echo err 1 >&2; echo err 2 >&2; \
                  while [ ! -f /tmp/go ]; do sleep 0.2; done; \
                  echo late out; echo late err >&2; sleep 600";
    let talker = containers.run("talker", &[], &["sh", "-c", script]);
    for attempt in 0.. {
        if docker(&["logs", &talker]).contains("err 2")
            || String::from_utf8_lossy(&docker_support::run("docker", &["logs", &talker]).stderr)
                .contains("err 2")
        {
            break;
        }
        assert!(attempt < 100, "the talker never wrote its first lines");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let (handle, mut watch) = connected_source(DockerSettings::default()).await;
    handle
        .follow_logs(
            &talker,
            LogOptions {
                tail: Some(3),
                timestamps: true,
                follow: true,
            },
        )
        .unwrap();
    let id = stream(&talker);
    watch
        .until("the last three lines", BOUND, |w| {
            w.logs.get(&id).is_some_and(|l| l.len() >= 3)
        })
        .await;
    let tail: Vec<_> = watch.logs[&id]
        .iter()
        .map(|l| (l.text.as_str(), l.stderr))
        .collect();
    assert_eq!(
        tail,
        vec![("out 5", false), ("err 1", true), ("err 2", true)]
    );
    assert!(watch.logs[&id].iter().all(|l| l.timestamp.is_some()));

    docker(&["exec", &talker, "touch", "/tmp/go"]);
    watch
        .until("the followed lines", BOUND, |w| w.logs[&id].len() >= 5)
        .await;
    let mut late: Vec<_> = watch.logs[&id][3..]
        .iter()
        .map(|l| (l.text.as_str(), l.stderr))
        .collect();
    late.sort();
    assert_eq!(late, vec![("late err", true), ("late out", false)]);

    docker(&["stop", "-t", "1", &talker]);
    watch
        .until("the end of the followed log", BOUND, |w| {
            w.ended.contains_key(&id)
        })
        .await;
    assert_eq!(watch.ended[&id], "container stopped: exited (137)");

    // A plain read of the whole log, without timestamps, ends by itself.
    watch.logs.clear();
    watch.ended.clear();
    handle
        .follow_logs(
            &talker,
            LogOptions {
                tail: None,
                timestamps: false,
                follow: false,
            },
        )
        .unwrap();
    watch
        .until("the whole log", BOUND, |w| w.ended.contains_key(&id))
        .await;
    assert_eq!(watch.ended[&id], "end of log");
    let all = &watch.logs[&id];
    assert_eq!(all.len(), 9);
    assert!(all.iter().all(|l| l.timestamp.is_none()));
    assert_eq!(all.iter().filter(|l| l.stderr).count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_floods_arrive_in_batches() {
    let _image = ImageLease::acquire();
    let mut containers = Containers::default();
    let flood = containers.run("flood", &[], &["sh", "-c", "seq 1 20000; sleep 600"]);
    let (handle, mut watch) = connected_source(DockerSettings::default()).await;
    for attempt in 0.. {
        if docker(&["logs", "--tail", "1", &flood]) == "20000" {
            break;
        }
        assert!(attempt < 200, "seq never finished");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    handle
        .follow_logs(
            &flood,
            LogOptions {
                tail: None,
                timestamps: false,
                follow: true,
            },
        )
        .unwrap();
    let id = stream(&flood);
    watch
        .until("20000 lines", BOUND, |w| {
            w.logs.get(&id).is_some_and(|l| l.len() >= 20000)
        })
        .await;
    let lines = &watch.logs[&id];
    assert_eq!(lines.first().unwrap().text, "1");
    assert_eq!(lines.last().unwrap().text, "20000");
    assert!(
        watch.log_batches <= 20000 / 100,
        "{} batches for 20000 lines",
        watch.log_batches
    );
    assert!(handle.stop_logs(&flood), "the follow was still running");
    assert!(!handle.stop_logs(&flood), "nothing left to stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_stop_and_start_change_the_real_container() {
    let _image = ImageLease::acquire();
    let mut containers = Containers::default();
    let svc = containers.run(
        "svc",
        &[],
        &["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"],
    );
    let (handle, mut watch) = connected_source(DockerSettings::default()).await;
    watch
        .until("the service running, inspected", BOUND, |w| {
            w.row(&svc)
                .is_some_and(|r| r.status == "running" && r.last_restart.is_some())
        })
        .await;
    let started_before = watch.row(&svc).unwrap().last_restart.unwrap();
    let engine_before = docker(&["inspect", "--format", "{{.State.StartedAt}}", &svc]);

    assert_eq!(
        docker_command(ContainerAction::Restart, &svc),
        format!("docker restart {svc}")
    );
    handle.restart(&svc).await.unwrap();
    let engine_after = docker(&["inspect", "--format", "{{.State.StartedAt}}", &svc]);
    assert_ne!(
        engine_before, engine_after,
        "the engine restarted the container"
    );
    watch
        .until("a later start time and a restart event", BOUND, |w| {
            w.row(&svc)
                .and_then(|r| r.last_restart)
                .is_some_and(|t| t > started_before)
                && w.events_for(&svc).iter().any(|e| e.reason == "Restarted")
        })
        .await;
    assert_eq!(
        watch.row(&svc).unwrap().last_restart.unwrap().to_string(),
        engine_after.parse::<jiff::Timestamp>().unwrap().to_string()
    );

    handle.stop(&svc).await.unwrap();
    watch
        .until("the service stopped", BOUND, |w| {
            w.row(&svc).is_some_and(|r| r.status == "exited (0)")
        })
        .await;
    assert_eq!(watch.row(&svc).unwrap().severity, Severity::Warn);
    // Stopping what is stopped is not an error.
    handle.stop(&svc).await.unwrap();
    handle.start(&svc).await.unwrap();
    watch
        .until("the service running again", BOUND, |w| {
            w.row(&svc).is_some_and(|r| r.status == "running")
        })
        .await;

    let missing = handle
        .restart("opsdeck-no-such-container")
        .await
        .unwrap_err();
    assert!(
        matches!(missing, DockerError::NoSuchContainer { .. }),
        "{missing}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_engine_fails_with_a_clear_message_and_retries() {
    let socket = format!("/tmp/opsdeck-no-such-{}.sock", std::process::id());
    let host = format!("unix://{socket}");
    let (handle, mut watch) = start(DockerSettings {
        host: Some(host.clone()),
        compose_project: None,
    });
    watch
        .until("two failures", BOUND, |w| {
            w.states
                .iter()
                .filter(|s| matches!(s, SourceState::Failed(_)))
                .count()
                >= 2
        })
        .await;
    assert_eq!(watch.states[0], SourceState::Connecting);
    let failures: Vec<_> = watch
        .states
        .iter()
        .filter_map(|s| match s {
            SourceState::Failed(m) => Some(m.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        failures[0],
        format!(
            "cannot connect to {host} — is the daemon running? retrying in 1s ({socket} does not exist)"
        )
    );
    assert!(failures[1].contains("retrying in 2s"), "{}", failures[1]);
    let err = handle.restart("anything").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "not connected to the Docker engine at {host}: wait for the Docker pane to say connected, or check that the daemon is running"
        )
    );
    assert!(
        handle
            .follow_logs("anything", LogOptions::default())
            .is_err()
    );

    // A TCP address where nothing listens fails the same way, with the OS's reason.
    let (_tcp, mut tcp_watch) = start(DockerSettings {
        host: Some("tcp://127.0.0.1:9".into()),
        compose_project: None,
    });
    tcp_watch
        .until("a TCP failure", BOUND, |w| {
            w.states.iter().any(|s| matches!(s, SourceState::Failed(_)))
        })
        .await;
    let SourceState::Failed(message) = tcp_watch.states.last().unwrap().clone() else {
        unreachable!()
    };
    assert!(
        message.starts_with(
            "cannot connect to tcp://127.0.0.1:9 — is the daemon running? retrying in 1s"
        ),
        "{message}"
    );
}

/// Bytes from `docker stats`' human units (binary multiples, as the CLI prints them).
fn parse_size(text: &str) -> f64 {
    let text = text.trim();
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().unwrap();
    let scale = match unit {
        "B" => 1.0,
        "KiB" | "kB" => 1024.0,
        "MiB" | "MB" => 1024.0 * 1024.0,
        "GiB" | "GB" => 1024.0 * 1024.0 * 1024.0,
        other => panic!("unknown unit {other:?} in {text:?}"),
    };
    number * scale
}

/// (CPU %, memory used, memory limit) per container name, from `docker stats --no-stream`.
fn docker_stats(names: &[&str]) -> Vec<(String, f64, f64, f64)> {
    let mut args = vec![
        "stats",
        "--no-stream",
        "--format",
        "{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}",
    ];
    args.extend_from_slice(names);
    docker(&args)
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let (used, limit) = fields[2].split_once(" / ").unwrap();
            (
                fields[0].to_string(),
                fields[1].trim_end_matches('%').parse().unwrap(),
                parse_size(used),
                parse_size(limit),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_and_memory_agree_with_docker_stats() {
    let _image = ImageLease::acquire();
    let mut containers = Containers::default();
    let busy = containers.run("busy", &[], &["sh", "-c", "while :; do :; done"]);
    // 20 MB held in a shell variable while the shell waits (in a loop: busybox sh would
    // exec a final `sleep` and drop the variable with itself).
    let holder = containers.run(
        "holder",
        &["--memory", "256m"],
        &[
            "sh",
            "-c",
            "x=$(dd if=/dev/zero bs=1M count=20 2>/dev/null | tr '\\0' a); while :; do sleep 60; done",
        ],
    );
    let (_handle, mut watch) = connected_source(DockerSettings::default()).await;
    // Two polls after both exist, so the CPU figure is a delta between opsdeck's own readings.
    let mut polls_with_figures = 0;
    let mut seen = watch.snapshots;
    watch
        .until("two polls with figures for both", BOUND, |w| {
            let both = [&busy, &holder].iter().all(|n| {
                w.row(n)
                    .is_some_and(|r| r.cpu.is_some() && r.memory.is_some())
            }) && w
                .row(&holder)
                .and_then(|r| r.memory)
                .is_some_and(|m| m.used > 19e6);
            if both && w.snapshots > seen {
                polls_with_figures += 1;
                seen = w.snapshots;
            }
            polls_with_figures >= 2
        })
        .await;
    let engine = docker_stats(&[&busy, &holder]);
    let ps: Vec<String> = docker(&["ps", "--format", "{{.Names}}\t{{.Status}}"])
        .lines()
        .filter(|l| l.starts_with(&format!("{busy}\t")) || l.starts_with(&format!("{holder}\t")))
        .map(str::to_string)
        .collect();
    eprintln!("docker ps:\n{}", ps.join("\n"));
    eprintln!(
        "{:<32} {:>10} {:>10} {:>12} {:>12} {:>12}",
        "container", "cpu docker", "cpu ours", "mem docker", "mem ours", "limit"
    );
    for (name, cpu, used, limit) in &engine {
        let row = watch.row(name).unwrap();
        let ours_cpu = row.cpu.unwrap().used / 10.0;
        let ours_mem = row.memory.unwrap();
        eprintln!(
            "{name:<32} {cpu:>9.2}% {ours_cpu:>9.2}% {:>10.1}Mi {:>10.1}Mi {:>10.1}Mi",
            used / 1048576.0,
            ours_mem.used / 1048576.0,
            ours_mem.limit.unwrap() / 1048576.0
        );
        // The CLI rounds to 0.1 MiB; the two readings are moments apart.
        let tolerance = (used * 0.1).max(2.0 * 1048576.0);
        assert!(
            (ours_mem.used - used).abs() <= tolerance,
            "{name}: memory {} vs docker stats {used}",
            ours_mem.used
        );
        assert!(
            // The CLI prints the limit to two decimals of its unit (e.g. 23.54GiB).
            (ours_mem.limit.unwrap() - limit).abs() <= limit * 0.005,
            "{name}: limit {:?} vs docker stats {limit}",
            ours_mem.limit
        );
        // Different windows (docker stats: ~1s, opsdeck: one poll) on a shared machine.
        assert!(
            (ours_cpu - cpu).abs() <= 35.0,
            "{name}: cpu {ours_cpu}% vs docker stats {cpu}%"
        );
    }
    assert_eq!(engine.len(), 2);
    assert_eq!(
        watch.row(&holder).unwrap().memory.unwrap().limit,
        Some(256.0 * 1048576.0)
    );
    assert!(
        watch.row(&busy).unwrap().cpu.unwrap().used > 100.0,
        "a busy loop is well over 10% of a core"
    );
    assert!(
        ps.len() == 2 && ps.iter().all(|l| l.contains("\tUp ")),
        "{ps:?}"
    );
}

const TWENTY: &str = r#"version: "2.4"
services:
  idle:
    image: opsdeck-test-busybox:latest
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    labels:
      org.opsdeck.test: "1"
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"]
      interval: 2s
      timeout: 5s
      retries: 3
"#;

/// Process CPU time (user + system) so far.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0);
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_health_checked_containers_do_not_keep_the_source_busy() {
    let _image = ImageLease::acquire();
    let project = ComposeProject::up(TWENTY);
    let out = project.compose(&["up", "-d", "--scale", "idle=20"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_handle, mut watch) = connected_source(DockerSettings {
        host: None,
        compose_project: Some(project.name.clone()),
    })
    .await;
    watch
        .until("20 healthy rows with figures", BOUND, |w| {
            w.rows.len() == 20
                && w.rows.iter().all(|r| {
                    r.status == "running (healthy)" && r.cpu.is_some() && r.memory.is_some()
                })
        })
        .await;
    // Health probes run every 2s in each of the 20 containers; none of them may turn into a
    // refresh. Three poll intervals may bring at most one snapshot each, plus slack for the
    // first reading's timing.
    let window = Duration::from_secs(15);
    let snapshots_before = watch.snapshots;
    let events_before = watch.events.len();
    let cpu_before = cpu_time();
    let wall = std::time::Instant::now();
    let deadline = tokio::time::Instant::now() + window;
    watch
        .until("the end of the measuring window", window + BOUND, |_| {
            tokio::time::Instant::now() >= deadline
        })
        .await;
    // `until` only re-checks on updates; wait out the rest of the window explicitly.
    tokio::time::sleep_until(deadline).await;
    let cpu = cpu_time() - cpu_before;
    let elapsed = wall.elapsed();
    let snapshots = watch.snapshots - snapshots_before;
    eprintln!(
        "20 containers: {snapshots} snapshots, {} events in {elapsed:?}; process CPU {cpu:?} = {:.2}% of one core",
        watch.events.len() - events_before,
        cpu.as_secs_f64() * 100.0 / elapsed.as_secs_f64()
    );
    // Real events (a probe timing out on a loaded host flips health) may each bring a
    // refresh; the probes themselves (exec_* events, every 2s × 20) must not.
    let new_events: Vec<_> = watch.events[events_before..]
        .iter()
        .map(|e| (e.object.as_str(), e.reason.as_str()))
        .collect();
    assert!(
        new_events
            .iter()
            .all(|(_, r)| *r == "Healthy" || *r == "Unhealthy"),
        "{new_events:?}"
    );
    let allowed = (elapsed.as_secs() / 5) as usize + 2 + new_events.len();
    assert!(
        snapshots <= allowed,
        "{snapshots} snapshots in {elapsed:?} with {} events",
        new_events.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_engine_reconnects_by_itself() {
    let _image = ImageLease::acquire();
    let mut containers = Containers::default();
    let svc = containers.run("steady", &[], &["sleep", "600"]);
    let mut proxy = docker_support::EngineProxy::start().await;
    let host = proxy.host();
    let (handle, mut watch) = connected_source(DockerSettings {
        host: Some(host.clone()),
        compose_project: None,
    })
    .await;
    assert_eq!(handle.host(), host);
    watch
        .until("the container over TCP", BOUND, |w| w.row(&svc).is_some())
        .await;

    proxy.cut().await;
    watch
        .until("the loss, then a failed reconnect", BOUND, |w| {
            w.states.len() >= 2
                && matches!(w.states.last(), Some(SourceState::Failed(m)) if m.starts_with(&format!("cannot connect to {host}")))
        })
        .await;
    let lost = watch
        .states
        .iter()
        .find_map(|s| match s {
            SourceState::Failed(m) if m.starts_with("lost the Docker engine") => Some(m.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        lost.starts_with(&format!("lost the Docker engine at {host}: ")),
        "{lost}"
    );
    assert!(lost.ends_with("retrying in 1s"), "{lost}");
    assert!(matches!(
        handle.restart(&svc).await,
        Err(DockerError::NotConnected { .. })
    ));

    proxy.restore().await;
    let snapshots = watch.snapshots;
    watch
        .until("the reconnection and a fresh snapshot", BOUND, |w| {
            w.connected() && w.snapshots > snapshots && w.row(&svc).is_some()
        })
        .await;
    proxy.cut().await;
}

/// With twenty containers, rows come from the container listing before any stats reading
/// (which takes the engine about a second per container), and CPU and memory fill in after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_show_before_stats_and_usage_fills_in() {
    let _lease = ImageLease::acquire();
    let project = docker_support::unique("rows-first");
    let label = format!("com.docker.compose.project={project}");
    let mut containers = Containers::default();
    let mut names = Vec::new();
    for i in 1..=20 {
        let name = containers.run(
            &format!("c{i}"),
            &[
                "--label",
                &label,
                "--label",
                &format!("com.docker.compose.service=c{i}"),
            ],
            &["sleep", "3600"],
        );
        names.push(name);
    }
    let (_handle, mut watch) = start(DockerSettings {
        host: None,
        compose_project: Some(project.clone()),
    });
    watch
        .until("the first Workloads update", BOUND, |w| w.snapshots > 0)
        .await;
    assert_eq!(
        watch.rows.len(),
        20,
        "the first update has every container: {:?}",
        watch.rows.iter().map(|r| &r.name).collect::<Vec<_>>()
    );
    assert!(
        watch
            .rows
            .iter()
            .all(|r| r.cpu.is_none() && r.memory.is_none()),
        "the first update comes before any stats reading"
    );
    assert!(watch.rows.iter().all(|r| r.status.starts_with("running")));
    watch
        .until("CPU and memory for every container", BOUND, |w| {
            w.rows.len() == 20 && w.rows.iter().all(|r| r.memory.is_some() && r.cpu.is_some())
        })
        .await;
    // Services c1 … c20 in natural order, not c1, c10, c11.
    let groups: Vec<String> = watch.rows.iter().filter_map(|r| r.group.clone()).collect();
    let expected: Vec<String> = (1..=20).map(|i| format!("c{i}")).collect();
    assert_eq!(groups, expected);
    drop(names);
}
