//! Building the Workloads rows: the container list first, then inspect data, then one stats
//! reading each, so that rows show at once and fill in.
//!
//! The engine is asked as little as possible: inspect results are cached until an event
//! touches the container, its state changes, or they grow old; stats are one-shot readings
//! whose CPU delta is taken against the previous poll instead of making the engine sample twice.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{
    ContainerInspectResponse, ContainerStatsResponse, ContainerSummary, ContainerSummaryStateEnum,
};
use bollard::query_parameters::{ListContainersOptionsBuilder, StatsOptionsBuilder};
use futures::StreamExt;
use jiff::Timestamp;

use super::connection::REQUEST_TIMEOUT;
use super::containers::{self, Figures, PROJECT_LABEL};
use super::error::DockerError;
use super::stats::{self, CpuSample};
use crate::model::Workload;

/// How many inspect calls run at once, so a host with many containers is not hit with a
/// burst.
const CONCURRENCY: usize = 4;
/// How many stats readings run at once. A first reading waits for the engine's next sample
/// (about a second, whatever the load), so they overlap more than inspects do.
const STATS_CONCURRENCY: usize = 16;
/// Inspect data older than this is fetched again even without an event.
const INSPECT_MAX_AGE: Duration = Duration::from_secs(30);
/// A first stats reading makes the engine wait for its next sample (about a second).
const STATS_TIMEOUT: Duration = Duration::from_secs(5);

struct CachedInspect {
    data: ContainerInspectResponse,
    list_state: Option<String>,
    fetched: Instant,
}

/// One container's stats answer, with the CPU sample it is compared against.
pub(crate) struct StatsReading {
    id: String,
    previous: Option<CpuSample>,
    reading: Option<ContainerStatsResponse>,
}

/// Keeps what the next poll needs: the listing, inspect data, and the previous CPU reading
/// and figures per container.
pub(crate) struct Poller {
    host: String,
    compose_project: Option<String>,
    listed: Vec<ContainerSummary>,
    inspects: HashMap<String, CachedInspect>,
    cpu: HashMap<String, CpuSample>,
    /// The latest figures per container, shown until newer ones arrive, so that rows do
    /// not blank their usage at every poll.
    figures: HashMap<String, Figures>,
}

impl Poller {
    pub(crate) fn new(host: String, compose_project: Option<String>) -> Self {
        Self {
            host,
            compose_project,
            listed: Vec::new(),
            inspects: HashMap::new(),
            cpu: HashMap::new(),
            figures: HashMap::new(),
        }
    }

    /// Forget a container's inspect data (an event said it changed).
    pub(crate) fn invalidate(&mut self, id: &str) {
        self.inspects.remove(id);
    }

    /// Forget everything, after a reconnect.
    pub(crate) fn clear(&mut self) {
        self.listed.clear();
        self.inspects.clear();
        self.cpu.clear();
        self.figures.clear();
    }

    /// First step of a poll: the container listing. Errors only when the list itself fails
    /// (the engine is gone). The rows it leaves ([`Poller::rows`]) are complete but for
    /// what only inspect and stats tell.
    pub(crate) async fn list_containers(&mut self, docker: &Docker) -> Result<(), DockerError> {
        let list = self.list(docker).await?;
        let present: HashSet<String> = list.iter().filter_map(|c| c.id.clone()).collect();
        self.inspects.retain(|id, _| present.contains(id));
        self.cpu.retain(|id, _| present.contains(id));
        self.figures.retain(|id, _| present.contains(id));
        self.listed = list;
        Ok(())
    }

    /// Second step: inspect the containers whose cached data is missing, changed or old. A
    /// container vanishing meanwhile is skipped.
    pub(crate) async fn inspect_stale(&mut self, docker: &Docker) {
        let stale: Vec<(String, Option<String>)> = self
            .listed
            .iter()
            .filter_map(|c| Some((c.id.clone()?, c.state.map(|s| s.to_string()))))
            .filter(|(id, state)| {
                self.inspects
                    .get(id)
                    .is_none_or(|c| &c.list_state != state || c.fetched.elapsed() > INSPECT_MAX_AGE)
            })
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
    }

    /// Third step: one stats reading per running container, as a stream that yields each
    /// reading as it arrives (up to [`STATS_CONCURRENCY`] at once). Feed them to
    /// [`Poller::apply`].
    pub(crate) fn read_stats(
        &self,
        docker: &Docker,
    ) -> impl futures::Stream<Item = StatsReading> + use<> {
        let running: Vec<(String, Option<CpuSample>)> = self
            .listed
            .iter()
            .filter(|c| c.state == Some(ContainerSummaryStateEnum::RUNNING))
            .filter_map(|c| c.id.clone())
            .map(|id| {
                let previous = self.cpu.get(&id).copied();
                (id, previous)
            })
            .collect();
        let docker = docker.clone();
        futures::stream::iter(running)
            .map(move |(id, previous)| {
                let docker = docker.clone();
                async move {
                    let reading = read_stats(&docker, &id, previous.is_none()).await;
                    StatsReading {
                        id,
                        previous,
                        reading,
                    }
                }
            })
            .buffer_unordered(STATS_CONCURRENCY)
    }

    /// Whether a running container has no figures yet (just started, or the first poll).
    pub(crate) fn unfilled(&self) -> bool {
        self.listed.iter().any(|c| {
            c.state == Some(ContainerSummaryStateEnum::RUNNING)
                && c.id
                    .as_ref()
                    .is_some_and(|id| !self.figures.contains_key(id))
        })
    }

    /// Takes one stats reading into the figures.
    pub(crate) fn apply(&mut self, r: StatsReading) {
        let StatsReading {
            id,
            previous,
            reading,
        } = r;
        let Some(reading) = reading else { return };
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
        self.figures.insert(
            id,
            Figures {
                cpu_percent,
                memory_used: memory.and_then(stats::memory_used),
                memory_limit: memory.and_then(|m| m.limit).filter(|l| *l > 0),
                net_io: stats::network_io(&reading),
            },
        );
    }

    /// The rows as far as the poll has got: every listed container, from its inspect data
    /// when fetched (else from the listing), with its latest figures; sorted by project,
    /// service and name, names in natural order (`c2` before `c10`).
    pub(crate) fn rows(&self) -> Vec<Workload> {
        let now = Timestamp::now();
        let mut rows: Vec<Workload> = self
            .listed
            .iter()
            .filter_map(|c| {
                let id = c.id.as_deref()?;
                let figures = self.figures.get(id).copied().unwrap_or_default();
                // Figures of a container that is not running any more are stale.
                let figures = if c.state == Some(ContainerSummaryStateEnum::RUNNING) {
                    figures
                } else {
                    Figures::default()
                };
                Some(match self.inspects.get(id) {
                    Some(cached) => containers::workload(&cached.data, figures, now),
                    None => containers::workload(&containers::from_summary(c), figures, now),
                })
            })
            .collect();
        rows.sort_by(|a, b| {
            a.namespace
                .cmp(&b.namespace)
                .then_with(|| {
                    containers::natural_cmp(
                        a.group.as_deref().unwrap_or_default(),
                        b.group.as_deref().unwrap_or_default(),
                    )
                })
                .then_with(|| containers::natural_cmp(&a.name, &b.name))
        });
        rows
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
