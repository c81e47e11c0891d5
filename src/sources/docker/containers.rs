//! One container's inspect data and stats, turned into a row of the Workloads pane.

use std::cmp::Ordering;

use bollard::models::{
    ContainerConfig, ContainerInspectResponse, ContainerState, ContainerStateStatusEnum,
    ContainerSummary, ContainerSummaryStateEnum, Health, HealthStatusEnum, HostConfig,
};
use jiff::Timestamp;

use crate::app::model::{ContainerInfo, Platform, Severity, Termination, Usage, Workload};

pub(crate) const PROJECT_LABEL: &str = "com.docker.compose.project";
pub(crate) const SERVICE_LABEL: &str = "com.docker.compose.service";

/// A container that restarted this often and came up this recently is crash-looping even
/// when a poll happens to catch it running.
const CRASH_LOOP_RESTARTS: u32 = 3;
const CRASH_LOOP_WINDOW_SECS: i64 = 300;

/// Resource figures from one stats reading (absent for containers that are not running).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Figures {
    /// `docker stats` CPU %, 100 = one core.
    pub cpu_percent: Option<f64>,
    pub memory_used: Option<u64>,
    pub memory_limit: Option<u64>,
    pub net_io: Option<(u64, u64)>,
}

/// Parses an engine timestamp; the engine writes year 1 for "never".
pub(crate) fn parse_time(s: Option<&str>) -> Option<Timestamp> {
    let t: Timestamp = s?.parse().ok()?;
    (t.as_second() > 0).then_some(t)
}

/// The container's name without the engine's leading slash.
pub(crate) fn display_name(raw: &str) -> &str {
    raw.strip_prefix('/').unwrap_or(raw)
}

/// What the operator needs from a container's state, flattened.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct StateView {
    pub status: Option<ContainerStateStatusEnum>,
    pub health: Option<HealthStatusEnum>,
    pub exit_code: i64,
    pub oom_killed: bool,
    pub restarts: u32,
    pub started: Option<Timestamp>,
}

impl StateView {
    pub(crate) fn of(inspect: &ContainerInspectResponse) -> Self {
        let state = inspect.state.as_ref();
        Self {
            status: state.and_then(|s| s.status),
            health: state.and_then(|s| s.health.as_ref()).and_then(|h| h.status),
            exit_code: state.and_then(|s| s.exit_code).unwrap_or(0),
            oom_killed: state.and_then(|s| s.oom_killed).unwrap_or(false),
            restarts: inspect
                .restart_count
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
            started: parse_time(state.and_then(|s| s.started_at.as_deref())),
        }
    }

    fn crash_looping(&self, now: Timestamp) -> bool {
        self.restarts >= CRASH_LOOP_RESTARTS
            && self
                .started
                .is_some_and(|s| now.as_second() - s.as_second() < CRASH_LOOP_WINDOW_SECS)
    }

    /// Status in the operator's words, and how bad it is.
    pub(crate) fn describe(&self, now: Timestamp) -> (String, Severity) {
        use ContainerStateStatusEnum as S;
        use HealthStatusEnum as H;
        match self.status {
            Some(S::RUNNING) => match self.health {
                Some(H::UNHEALTHY) => ("unhealthy".into(), Severity::Crit),
                Some(H::STARTING) => ("running (health: starting)".into(), Severity::Warn),
                _ if self.crash_looping(now) => (
                    format!("running (crash loop: {} restarts)", self.restarts),
                    Severity::Crit,
                ),
                Some(H::HEALTHY) => ("running (healthy)".into(), Severity::Ok),
                _ => ("running".into(), Severity::Ok),
            },
            Some(S::RESTARTING) => ("restarting".into(), Severity::Crit),
            Some(S::EXITED) => {
                let mut status = format!("exited ({})", self.exit_code);
                if self.oom_killed {
                    status.push_str(" OOMKilled");
                }
                // A clean exit is not an outage by itself, but a service that is not running
                // deserves a look.
                let severity = if self.exit_code != 0 || self.oom_killed {
                    Severity::Crit
                } else {
                    Severity::Warn
                };
                (status, severity)
            }
            Some(S::DEAD) => ("dead".into(), Severity::Crit),
            Some(S::PAUSED) => ("paused".into(), Severity::Warn),
            Some(S::CREATED) => ("created".into(), Severity::Warn),
            Some(S::REMOVING) => ("removing".into(), Severity::Warn),
            Some(S::STOPPING) => ("stopping".into(), Severity::Warn),
            Some(S::EMPTY) | None => ("unknown".into(), Severity::Unknown),
        }
    }

    fn ready(&self) -> bool {
        self.status == Some(ContainerStateStatusEnum::RUNNING)
            && !matches!(
                self.health,
                Some(HealthStatusEnum::UNHEALTHY | HealthStatusEnum::STARTING)
            )
    }
}

/// What the container listing alone says about a container, in the shape of inspect data,
/// so that rows can be shown before any container is inspected. Restart counts and start
/// times are not in the listing and stay unknown until the inspect arrives.
pub(crate) fn from_summary(c: &ContainerSummary) -> ContainerInspectResponse {
    use ContainerStateStatusEnum as S;
    use ContainerSummaryStateEnum as L;
    let status = c.state.map(|s| match s {
        L::CREATED => S::CREATED,
        L::RUNNING => S::RUNNING,
        L::PAUSED => S::PAUSED,
        L::RESTARTING => S::RESTARTING,
        L::EXITED => S::EXITED,
        L::REMOVING => S::REMOVING,
        L::DEAD => S::DEAD,
        L::STOPPING => S::STOPPING,
        L::EMPTY => S::EMPTY,
    });
    let text = c.status.as_deref().unwrap_or_default();
    // `docker ps` status text: "Up 3 minutes (healthy)", "Exited (137) 2 minutes ago".
    let health = if text.contains("(unhealthy)") {
        Some(HealthStatusEnum::UNHEALTHY)
    } else if text.contains("(health: starting)") {
        Some(HealthStatusEnum::STARTING)
    } else if text.contains("(healthy)") {
        Some(HealthStatusEnum::HEALTHY)
    } else {
        None
    };
    let exit_code = text
        .strip_prefix("Exited (")
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.parse().ok());
    ContainerInspectResponse {
        id: c.id.clone(),
        name: c.names.as_ref().and_then(|n| n.first()).cloned(),
        created: c
            .created
            .and_then(|t| Timestamp::from_second(t).ok())
            .map(|t| t.to_string()),
        config: Some(ContainerConfig {
            image: c.image.clone(),
            labels: c.labels.clone(),
            ..Default::default()
        }),
        state: Some(ContainerState {
            status,
            health: health.map(|status| Health {
                status: Some(status),
                ..Default::default()
            }),
            exit_code,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Compares names as people read them: `c2` before `c10`.
pub(crate) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (&a[..da], &b[..db]);
                // Without leading zeros, a longer run of digits is a larger number.
                let trim = |n: &[u8]| {
                    let z = n.iter().take_while(|c| **c == b'0').count();
                    n[z..].to_vec()
                };
                let (ta, tb) = (trim(na), trim(nb));
                let order = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(&tb));
                if order != Ordering::Equal {
                    return order;
                }
                a = &a[da..];
                b = &b[db..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

/// The CPU limit in millicores: `--cpus` (NanoCpus), else a CFS quota.
pub(crate) fn cpu_limit_millicores(host: Option<&HostConfig>) -> Option<f64> {
    let host = host?;
    if let Some(nano) = host.nano_cpus.filter(|n| *n > 0) {
        return Some(nano as f64 / 1_000_000.0);
    }
    match (host.cpu_quota, host.cpu_period) {
        (Some(quota), Some(period)) if quota > 0 && period > 0 => {
            Some(quota as f64 * 1000.0 / period as f64)
        }
        _ => None,
    }
}

/// One Workloads row for a container.
pub(crate) fn workload(
    inspect: &ContainerInspectResponse,
    figures: Figures,
    now: Timestamp,
) -> Workload {
    let labels = inspect.config.as_ref().and_then(|c| c.labels.as_ref());
    let label = |key: &str| labels.and_then(|l| l.get(key)).cloned();
    let name = display_name(inspect.name.as_deref().unwrap_or_default()).to_string();
    let state = StateView::of(inspect);
    let (status, severity) = state.describe(now);
    let ready = state.ready();
    let docker_state = state
        .status
        .map(|s| s.to_string())
        .unwrap_or_else(|| "unknown".into());
    let finished = parse_time(
        inspect
            .state
            .as_ref()
            .and_then(|s| s.finished_at.as_deref()),
    );
    // The last termination is worth showing once the container has stopped at least once.
    let last_termination = finished.map(|finished| Termination {
        reason: if state.oom_killed {
            "OOMKilled".into()
        } else if state.exit_code == 0 {
            "Completed".into()
        } else {
            "Error".into()
        },
        exit_code: i32::try_from(state.exit_code).unwrap_or(i32::MAX),
        finished: Some(finished),
    });

    let cpu = figures.cpu_percent.map(|pct| Usage {
        used: super::stats::percent_to_millicores(pct),
        request: None,
        limit: cpu_limit_millicores(inspect.host_config.as_ref()),
    });
    let memory = figures.memory_used.map(|used| Usage {
        used: used as f64,
        request: None,
        limit: figures.memory_limit.map(|l| l as f64),
    });

    Workload {
        platform: Platform::Docker,
        namespace: label(PROJECT_LABEL).unwrap_or_default(),
        name: name.clone(),
        group: label(SERVICE_LABEL),
        owner: None,
        ready: (u32::from(ready), 1),
        status,
        severity,
        restarts: state.restarts,
        // The engine keeps only the last start: after a crash, a policy restart or
        // `docker restart` alike, this is when the current run began (uptime counts from it).
        last_restart: state.started,
        created: parse_time(inspect.created.as_deref()),
        cpu,
        memory,
        node: None,
        net_io: figures.net_io,
        containers: vec![ContainerInfo {
            name,
            image: inspect
                .config
                .as_ref()
                .and_then(|c| c.image.clone())
                .unwrap_or_default(),
            state: docker_state,
            ready,
            restarts: state.restarts,
            last_termination,
        }],
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn names_sort_naturally() {
        let mut names = vec!["c10", "c2", "c1", "c11", "b", "c02x", "c2a"];
        names.sort_by(|a, b| natural_cmp(a, b));
        // Equal numbers compare by what follows them; leading zeros do not make a number larger.
        assert_eq!(names, vec!["b", "c1", "c2", "c2a", "c02x", "c10", "c11"]);
    }

    #[test]
    fn a_listed_container_reads_like_an_inspected_one() {
        let c = ContainerSummary {
            id: Some("abc".into()),
            names: Some(vec!["/web-1".into()]),
            image: Some("busybox".into()),
            state: Some(ContainerSummaryStateEnum::EXITED),
            status: Some("Exited (137) 2 minutes ago".into()),
            created: Some(1_767_268_800),
            ..Default::default()
        };
        let row = workload(&from_summary(&c), Figures::default(), now());
        assert_eq!(row.name, "web-1");
        assert_eq!(row.status, "exited (137)");
        assert!(row.cpu.is_none() && row.memory.is_none());
        assert_eq!(row.containers[0].image, "busybox");
    }

    fn now() -> Timestamp {
        "2026-01-01T12:00:00Z".parse().unwrap()
    }

    fn view(status: ContainerStateStatusEnum) -> StateView {
        StateView {
            status: Some(status),
            ..Default::default()
        }
    }

    #[test]
    fn statuses_read_like_the_operator_says_them() {
        use ContainerStateStatusEnum as S;
        use HealthStatusEnum as H;
        let healthy = StateView {
            health: Some(H::HEALTHY),
            ..view(S::RUNNING)
        };
        assert_eq!(
            healthy.describe(now()),
            ("running (healthy)".into(), Severity::Ok)
        );
        let unhealthy = StateView {
            health: Some(H::UNHEALTHY),
            ..view(S::RUNNING)
        };
        assert_eq!(
            unhealthy.describe(now()),
            ("unhealthy".into(), Severity::Crit)
        );
        let starting = StateView {
            health: Some(H::STARTING),
            ..view(S::RUNNING)
        };
        assert_eq!(starting.describe(now()).1, Severity::Warn);
        let oom = StateView {
            exit_code: 137,
            oom_killed: true,
            ..view(S::EXITED)
        };
        assert_eq!(
            oom.describe(now()),
            ("exited (137) OOMKilled".into(), Severity::Crit)
        );
        assert_eq!(
            view(S::EXITED).describe(now()),
            ("exited (0)".into(), Severity::Warn)
        );
        assert_eq!(
            view(S::RESTARTING).describe(now()),
            ("restarting".into(), Severity::Crit)
        );
        assert_eq!(view(S::PAUSED).describe(now()).1, Severity::Warn);
    }

    #[test]
    fn a_container_caught_between_crashes_is_still_a_crash_loop() {
        let looping = StateView {
            restarts: 5,
            started: Some("2026-01-01T11:59:50Z".parse().unwrap()),
            ..view(ContainerStateStatusEnum::RUNNING)
        };
        assert_eq!(
            looping.describe(now()),
            ("running (crash loop: 5 restarts)".into(), Severity::Crit)
        );
        let settled = StateView {
            started: Some("2026-01-01T10:00:00Z".parse().unwrap()),
            ..looping
        };
        assert_eq!(settled.describe(now()), ("running".into(), Severity::Ok));
    }

    #[test]
    fn cpu_limit_comes_from_nano_cpus_or_quota() {
        let nano = HostConfig {
            nano_cpus: Some(500_000_000),
            ..Default::default()
        };
        assert_eq!(cpu_limit_millicores(Some(&nano)), Some(500.0));
        let quota = HostConfig {
            cpu_quota: Some(150_000),
            cpu_period: Some(100_000),
            ..Default::default()
        };
        assert_eq!(cpu_limit_millicores(Some(&quota)), Some(1500.0));
        assert_eq!(cpu_limit_millicores(Some(&HostConfig::default())), None);
    }

    #[test]
    fn compose_labels_become_namespace_and_group() {
        let inspect = ContainerInspectResponse {
            name: Some("/doc-rag-api-1".into()),
            created: Some("2026-01-01T11:00:00.123456789Z".into()),
            restart_count: Some(2),
            config: Some(ContainerConfig {
                image: Some("doc-rag/api:1.4".into()),
                labels: Some(HashMap::from([
                    (PROJECT_LABEL.to_string(), "doc-rag".to_string()),
                    (SERVICE_LABEL.to_string(), "api".to_string()),
                ])),
                ..Default::default()
            }),
            state: Some(ContainerState {
                status: Some(ContainerStateStatusEnum::RUNNING),
                started_at: Some("2026-01-01T11:30:00Z".into()),
                finished_at: Some("0001-01-01T00:00:00Z".into()),
                health: Some(Health {
                    status: Some(HealthStatusEnum::HEALTHY),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let figures = Figures {
            cpu_percent: Some(12.5),
            memory_used: Some(1024),
            memory_limit: Some(4096),
            net_io: Some((1, 2)),
        };
        let row = workload(&inspect, figures, now());
        assert_eq!(row.namespace, "doc-rag");
        assert_eq!(row.group.as_deref(), Some("api"));
        assert_eq!(row.name, "doc-rag-api-1");
        assert_eq!(row.status, "running (healthy)");
        assert_eq!(row.ready, (1, 1));
        assert_eq!(row.restarts, 2);
        assert_eq!(row.cpu.map(|c| c.used), Some(125.0));
        assert_eq!(row.memory.and_then(|m| m.pct_of_limit()), Some(25.0));
        assert_eq!(row.containers[0].image, "doc-rag/api:1.4");
        assert_eq!(row.containers[0].last_termination, None);
        assert_eq!(
            row.last_restart,
            Some("2026-01-01T11:30:00Z".parse().unwrap())
        );
    }
}
