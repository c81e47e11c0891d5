//! Building the Workloads snapshot: the container list, inspect data and one stats reading each.
//!
//! The engine is asked as little as possible: inspect results are cached until an event
//! touches the container, its state changes, or they grow old; stats are one-shot readings
//! whose CPU delta is taken against the previous poll instead of making the engine sample twice.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{
    ContainerInspectResponse, ContainerStateStatusEnum, ContainerStatsResponse, ContainerSummary,
};
use bollard::query_parameters::{ListContainersOptionsBuilder, StatsOptionsBuilder};
use futures::StreamExt;
use jiff::Timestamp;

use super::connection::REQUEST_TIMEOUT;
use super::containers::{self, Figures, PROJECT_LABEL};
use super::error::DockerError;
use super::stats::{self, CpuSample};
use crate::app::model::Workload;

/// How many inspect or stats calls run at once, so a host with many containers is not hit
/// with a burst.
const CONCURRENCY: usize = 4;
/// Inspect data older than this is fetched again even without an event.
const INSPECT_MAX_AGE: Duration = Duration::from_secs(30);
/// A first stats reading makes the engine wait for its next sample (about a second).
const STATS_TIMEOUT: Duration = Duration::from_secs(5);

struct CachedInspect {
    data: ContainerInspectResponse,
    list_state: Option<String>,
    fetched: Instant,
}

/// Keeps what the next poll needs: inspect data and the previous CPU reading per container.
pub(crate) struct Poller {
    host: String,
    compose_project: Option<String>,
    inspects: HashMap<String, CachedInspect>,
    cpu: HashMap<String, CpuSample>,
}

impl Poller {
    pub(crate) fn new(host: String, compose_project: Option<String>) -> Self {
        Self {
            host,
            compose_project,
            inspects: HashMap::new(),
            cpu: HashMap::new(),
        }
    }

    /// Forget a container's inspect data (an event said it changed).
    pub(crate) fn invalidate(&mut self, id: &str) {
        self.inspects.remove(id);
    }

    /// Forget everything, after a reconnect.
    pub(crate) fn clear(&mut self) {
        self.inspects.clear();
        self.cpu.clear();
    }

    /// The current rows, sorted by project, service and name. Errors only when the list
    /// itself fails (the engine is gone); a container vanishing mid-poll is skipped.
    pub(crate) async fn snapshot(&mut self, docker: &Docker) -> Result<Vec<Workload>, DockerError> {
        let list = self.list(docker).await?;
        let ids: Vec<(String, Option<String>)> = list
            .iter()
            .filter_map(|c| Some((c.id.clone()?, c.state.map(|s| s.to_string()))))
            .collect();
        let present: HashSet<&str> = ids.iter().map(|(id, _)| id.as_str()).collect();
        self.inspects.retain(|id, _| present.contains(id.as_str()));
        self.cpu.retain(|id, _| present.contains(id.as_str()));

        let stale: Vec<(String, Option<String>)> = ids
            .iter()
            .filter(|(id, state)| {
                self.inspects
                    .get(id)
                    .is_none_or(|c| &c.list_state != state || c.fetched.elapsed() > INSPECT_MAX_AGE)
            })
            .cloned()
            .collect();
        let host = self.host.as_str();
        let fetched: Vec<_> = futures::stream::iter(stale)
            .map(|(id, state)| async move {
                let result = inspect(docker, host, &id).await;
                (id, state, result)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (id, list_state, result) in fetched {
            match result {
                Ok(data) => {
                    self.inspects.insert(
                        id,
                        CachedInspect {
                            data,
                            list_state,
                            fetched: Instant::now(),
                        },
                    );
                }
                Err(DockerError::NoSuchContainer { .. }) => {}
                Err(e) => tracing::warn!("docker: {e}"),
            }
        }

        let running: Vec<(String, Option<CpuSample>)> = self
            .inspects
            .iter()
            .filter(|(_, c)| {
                c.data.state.as_ref().and_then(|s| s.status)
                    == Some(ContainerStateStatusEnum::RUNNING)
            })
            .map(|(id, _)| (id.clone(), self.cpu.get(id).copied()))
            .collect();
        let readings: Vec<_> = futures::stream::iter(running)
            .map(|(id, previous)| async move {
                let reading = read_stats(docker, &id, previous.is_none()).await;
                (id, previous, reading)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut figures: HashMap<String, Figures> = HashMap::new();
        for (id, previous, reading) in readings {
            let Some(reading) = reading else { continue };
            let current = reading.cpu_stats.as_ref().and_then(CpuSample::from_stats);
            // A first reading carries the engine's own previous sample; later ones are one-shot
            // and are compared with ours.
            let baseline = previous.or_else(|| {
                reading
                    .precpu_stats
                    .as_ref()
                    .and_then(CpuSample::from_stats)
                    .filter(|s| s.system_usage > 0)
            });
            let cpu_percent = match (baseline, current) {
                (Some(b), Some(c)) => stats::cpu_percent(b, c),
                _ => None,
            };
            if let Some(current) = current {
                self.cpu.insert(id.clone(), current);
            }
            let memory = reading.memory_stats.as_ref();
            figures.insert(
                id,
                Figures {
                    cpu_percent,
                    memory_used: memory.and_then(stats::memory_used),
                    memory_limit: memory.and_then(|m| m.limit).filter(|l| *l > 0),
                    net_io: stats::network_io(&reading),
                },
            );
        }

        let now = Timestamp::now();
        let mut rows: Vec<Workload> = self
            .inspects
            .iter()
            .map(|(id, c)| {
                containers::workload(&c.data, figures.get(id).copied().unwrap_or_default(), now)
            })
            .collect();
        rows.sort_by(|a, b| {
            (&a.namespace, &a.group, &a.name).cmp(&(&b.namespace, &b.group, &b.name))
        });
        Ok(rows)
    }

    async fn list(&self, docker: &Docker) -> Result<Vec<ContainerSummary>, DockerError> {
        let mut builder = ListContainersOptionsBuilder::default().all(true);
        if let Some(project) = &self.compose_project {
            let filters = HashMap::from([("label", vec![format!("{PROJECT_LABEL}={project}")])]);
            builder = builder.filters(&filters);
        }
        match tokio::time::timeout(
            REQUEST_TIMEOUT,
            docker.list_containers(Some(builder.build())),
        )
        .await
        {
            Ok(result) => {
                result.map_err(|e| DockerError::engine("listing containers", &self.host, None, e))
            }
            Err(_) => Err(DockerError::Timeout {
                what: "listing containers".into(),
                host: self.host.clone(),
                after: REQUEST_TIMEOUT,
            }),
        }
    }
}

pub(crate) async fn inspect(
    docker: &Docker,
    host: &str,
    container: &str,
) -> Result<ContainerInspectResponse, DockerError> {
    let what = format!("inspecting container {container}");
    match tokio::time::timeout(REQUEST_TIMEOUT, docker.inspect_container(container, None)).await {
        Ok(result) => result.map_err(|e| DockerError::engine(what, host, Some(container), e)),
        Err(_) => Err(DockerError::Timeout {
            what,
            host: host.to_string(),
            after: REQUEST_TIMEOUT,
        }),
    }
}

/// One stats reading; `first` asks the engine for a two-sample reading so CPU shows at once.
async fn read_stats(docker: &Docker, id: &str, first: bool) -> Option<ContainerStatsResponse> {
    let options = StatsOptionsBuilder::default()
        .stream(false)
        .one_shot(!first)
        .build();
    let mut stream = docker.stats(id, Some(options));
    match tokio::time::timeout(STATS_TIMEOUT, stream.next()).await {
        Ok(Some(Ok(reading))) => Some(reading),
        Ok(Some(Err(e))) => {
            tracing::debug!("docker: stats for {id}: {e}");
            None
        }
        Ok(None) | Err(_) => None,
    }
}
