//! Following pod logs, in batches, across container restarts; and the merged logs of all
//! pods of a Deployment or StatefulSet.

use std::collections::HashMap;
use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::config::REQUEST_TIMEOUT;
use super::error::describe_error;
use super::session::Connection;
use crate::model::{LogLine, SourceUpdate, StreamId};

/// What to read from a pod's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    /// Lines from the end to start with; `None` reads the whole log.
    pub tail: Option<i64>,
    /// The previous (terminated) container's log, as `kubectl logs --previous`.
    pub previous: bool,
    /// Fill each line's timestamp (the server is always asked for them, to resume without gaps).
    pub timestamps: bool,
    /// Keep reading, and follow the container across restarts.
    pub follow: bool,
}

impl Default for LogOptions {
    /// `kubectl logs --tail 100 -f --timestamps`.
    fn default() -> Self {
        Self {
            tail: Some(100),
            previous: false,
            timestamps: true,
            follow: true,
        }
    }
}

/// Lines are sent when this many have gathered …
const MAX_BATCH: usize = 500;
/// … or when the oldest unsent line is this old.
const MAX_DELAY: Duration = Duration::from_millis(50);
/// How long a followed container may stay down (crash-loop back-off tops out at 5 minutes).
const RESTART_WAIT: Duration = Duration::from_secs(330);
/// How often a down container is looked at while waiting for it to come back.
const RESTART_POLL: Duration = Duration::from_secs(1);
/// How often a merged stream looks for new pods of its owner.
const OWNER_RESCAN: Duration = Duration::from_secs(5);

/// Where a follower's lines go.
struct Sink {
    tx: mpsc::Sender<SourceUpdate>,
    stream: StreamId,
    prefix: Option<String>,
    timestamps: bool,
    lines: Vec<LogLine>,
}

impl Sink {
    fn push(&mut self, timestamp: Option<Timestamp>, text: String) {
        self.lines.push(LogLine {
            prefix: self.prefix.clone(),
            timestamp: timestamp.filter(|_| self.timestamps),
            text,
            stderr: false,
        });
    }

    /// `false` when the console has gone away.
    async fn flush(&mut self) -> bool {
        if self.lines.is_empty() {
            return true;
        }
        self.tx
            .send(SourceUpdate::Logs {
                stream: self.stream.clone(),
                lines: std::mem::take(&mut self.lines),
            })
            .await
            .is_ok()
    }
}

/// `kubectl logs --timestamps` puts an RFC 3339 timestamp and a space before each line.
fn split_timestamp(raw: &str) -> (Option<Timestamp>, &str) {
    if let Some((head, rest)) = raw.split_once(' ')
        && let Ok(ts) = head.parse::<Timestamp>()
    {
        return (Some(ts), rest);
    }
    (None, raw)
}

/// One run of a container, as the pod status shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Run {
    restarts: i32,
    id: String,
    running: bool,
}

impl Run {
    /// A later container than `earlier` (real kubelets change the id, and the count rises).
    fn replaced(&self, earlier: &Run) -> bool {
        self.restarts > earlier.restarts || (!self.id.is_empty() && self.id != earlier.id)
    }
}

/// The container's run now; `Ok(None)` when the status does not say (yet), or the server
/// was too slow to answer this time.
async fn container_now(api: &Api<Pod>, pod: &str, container: &str) -> Result<Option<Run>, String> {
    match tokio::time::timeout(REQUEST_TIMEOUT, api.get_opt(pod)).await {
        Ok(Ok(Some(p))) => Ok(p
            .status
            .and_then(|s| s.container_statuses)
            .and_then(|cs| cs.into_iter().find(|c| c.name == container))
            .map(|c| Run {
                restarts: c.restart_count,
                running: c.state.as_ref().is_some_and(|s| s.running.is_some()),
                id: c.container_id.unwrap_or_default(),
            })),
        Ok(Ok(None)) => Err(format!("pod {pod} was deleted")),
        Ok(Err(e)) => Err(describe_error(&e)),
        Err(_) => Ok(None),
    }
}

/// Where the lines delivered so far end, so that a reopened log does not repeat them. Lines
/// can share a timestamp (a crash writes its traceback at once), hence the count.
#[derive(Debug, Default, Clone, Copy)]
struct Mark {
    last: Option<Timestamp>,
    at_last: usize,
}

impl Mark {
    fn delivered(&mut self, ts: Timestamp) {
        if self.last == Some(ts) {
            self.at_last += 1;
        } else if self.last.is_none_or(|l| ts > l) {
            self.last = Some(ts);
            self.at_last = 1;
        }
    }
}

/// Skips, in a reopened log, what `Mark` says was delivered.
struct Skipper {
    mark: Mark,
    same_left: usize,
}

impl Skipper {
    fn new(mark: Mark) -> Self {
        Skipper {
            mark,
            same_left: mark.at_last,
        }
    }

    fn skip(&mut self, ts: Option<Timestamp>) -> bool {
        let (Some(ts), Some(last)) = (ts, self.mark.last) else {
            return false;
        };
        if ts < last {
            return true;
        }
        if ts == last && self.same_left > 0 {
            self.same_left -= 1;
            return true;
        }
        false
    }
}

/// The first container of `pod` (what kubectl picks when there is one).
async fn default_container(api: &Api<Pod>, pod: &str) -> Result<String, String> {
    match tokio::time::timeout(REQUEST_TIMEOUT, api.get(pod)).await {
        Ok(Ok(p)) => p
            .spec
            .and_then(|s| s.containers.into_iter().next())
            .map(|c| c.name)
            .ok_or_else(|| format!("pod {pod} has no containers")),
        Ok(Err(e)) => Err(describe_error(&e)),
        Err(_) => Err(format!(
            "reading pod {pod} took longer than {}s",
            REQUEST_TIMEOUT.as_secs()
        )),
    }
}

/// Reads one pod's log into `sink` until it ends for good; returns why it ended.
#[allow(clippy::too_many_arguments)]
async fn follow_pod(
    conn: Connection,
    namespace: String,
    pod: String,
    container: Option<String>,
    options: LogOptions,
    sink: &mut Sink,
) -> Option<String> {
    let api: Api<Pod> = Api::namespaced(conn.client.clone(), &namespace);
    let container = match container {
        Some(c) => c,
        None => match default_container(&api, &pod).await {
            Ok(c) => c,
            Err(e) => return Some(e),
        },
    };
    let mut params = LogParams {
        container: Some(container.clone()),
        follow: options.follow && !options.previous,
        previous: options.previous,
        timestamps: true,
        tail_lines: options.tail,
        ..LogParams::default()
    };
    let mut mark = Mark::default();
    let mut reading = match container_now(&api, &pod, &container).await {
        Ok(run) => run.unwrap_or_default(),
        Err(e) => return Some(e),
    };
    loop {
        let why = read_log(&api, &pod, &params, sink, &mut mark).await?;
        if !params.follow {
            return Some(why);
        }
        // Following: the stream ends when the container stops (or the server closes it).
        // Wait for the next run; when a run came and went between two looks, read its log
        // as the previous container's, so no run is left out.
        let deadline = Instant::now() + RESTART_WAIT;
        loop {
            if Instant::now() >= deadline {
                return Some(format!(
                    "container {container} of {pod} has not run again within {}s ({why}); follow again to resume",
                    RESTART_WAIT.as_secs()
                ));
            }
            let now = match container_now(&api, &pod, &container).await {
                Err(e) => return Some(e),
                Ok(None) => {
                    tokio::time::sleep(RESTART_POLL).await;
                    continue;
                }
                Ok(Some(run)) => run,
            };
            if now.running {
                // A new run, or the same one after the server closed the stream (or before
                // the status caught up with a crash: a pause keeps that from spinning).
                if !now.replaced(&reading) {
                    tokio::time::sleep(RESTART_POLL).await;
                }
                reading = now;
                break;
            }
            if now.replaced(&reading) {
                let previous = LogParams {
                    follow: false,
                    previous: true,
                    tail_lines: None,
                    ..params.clone()
                };
                read_log(&api, &pod, &previous, sink, &mut mark).await?;
                reading = now;
            }
            tokio::time::sleep(RESTART_POLL).await;
        }
        params.tail_lines = None;
        params.since_time = mark.last;
    }
}

/// Reads one log request into `sink`; returns why it ended, or `None` when the console went
/// away.
async fn read_log(
    api: &Api<Pod>,
    pod: &str,
    params: &LogParams,
    sink: &mut Sink,
    mark: &mut Mark,
) -> Option<String> {
    let mut skipper = Skipper::new(*mark);
    let opened = tokio::time::timeout(REQUEST_TIMEOUT, api.log_stream(pod, params)).await;
    let why = match opened {
        Ok(Ok(reader)) => {
            let mut lines = std::pin::pin!(reader.lines());
            let mut flush_at: Option<Instant> = None;
            loop {
                tokio::select! {
                    line = lines.next() => match line {
                        Some(Ok(raw)) => {
                            let (ts, text) = split_timestamp(&raw);
                            if skipper.skip(ts) {
                                continue;
                            }
                            if let Some(ts) = ts {
                                mark.delivered(ts);
                            }
                            sink.push(ts, text.to_string());
                            if sink.lines.len() >= MAX_BATCH {
                                flush_at = None;
                                if !sink.flush().await {
                                    return None;
                                }
                            } else if flush_at.is_none() {
                                flush_at = Some(Instant::now() + MAX_DELAY);
                            }
                        }
                        Some(Err(e)) => break format!("reading the log of {pod} failed: {e}"),
                        None => break "end of log".to_string(),
                    },
                    _ = sleep_until(flush_at), if flush_at.is_some() => {
                        flush_at = None;
                        if !sink.flush().await {
                            return None;
                        }
                    }
                }
            }
        }
        Ok(Err(e)) => describe_error(&e),
        Err(_) => format!(
            "the log of {pod} did not start within {}s",
            REQUEST_TIMEOUT.as_secs()
        ),
    };
    sink.flush().await.then_some(why)
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

/// Follows one pod (or its previous container) and ends with `LogEnded`.
pub(crate) async fn follow(
    conn: Connection,
    stream: StreamId,
    options: LogOptions,
    tx: mpsc::Sender<SourceUpdate>,
) {
    let mut sink = Sink {
        tx: tx.clone(),
        stream: stream.clone(),
        prefix: None,
        timestamps: options.timestamps,
        lines: Vec::new(),
    };
    let ended = follow_pod(
        conn,
        stream.namespace.clone(),
        stream.name.clone(),
        stream.container.clone(),
        options,
        &mut sink,
    )
    .await;
    if let Some(reason) = ended {
        let _ = tx.send(SourceUpdate::LogEnded { stream, reason }).await;
    }
}

/// Merges the logs of every pod of `owner` (a Deployment or StatefulSet), each line prefixed
/// with its pod's name; picks up new pods as they appear.
pub(crate) async fn follow_owner(
    conn: Connection,
    namespace: String,
    owner: String,
    options: LogOptions,
    tx: mpsc::Sender<SourceUpdate>,
) {
    let stream = StreamId {
        platform: crate::model::Platform::Kubernetes,
        namespace: namespace.clone(),
        name: owner.clone(),
        container: None,
    };
    let Some(selector) = conn.owner_selector(&namespace, &owner) else {
        let _ = tx
            .send(SourceUpdate::LogEnded {
                stream,
                reason: format!(
                    "no deployment or statefulset {owner} in namespace {namespace} on {}",
                    conn.server
                ),
            })
            .await;
        return;
    };
    let api: Api<Pod> = Api::namespaced(conn.client.clone(), &namespace);
    let mut followers: JoinSet<()> = JoinSet::new();
    let mut followed: HashMap<String, tokio::task::AbortHandle> = HashMap::new();
    loop {
        let listed = tokio::time::timeout(
            REQUEST_TIMEOUT,
            api.list(&ListParams::default().labels(&selector)),
        )
        .await;
        match listed {
            Ok(Ok(pods)) => {
                followed.retain(|_, h| !h.is_finished());
                for pod in pods.items {
                    let Some(name) = pod.metadata.name.clone() else {
                        continue;
                    };
                    if pod.metadata.deletion_timestamp.is_some() || followed.contains_key(&name) {
                        continue;
                    }
                    let mut sink = Sink {
                        tx: tx.clone(),
                        stream: stream.clone(),
                        prefix: Some(name.clone()),
                        timestamps: options.timestamps,
                        lines: Vec::new(),
                    };
                    let (conn, ns, pod_name) = (conn.clone(), namespace.clone(), name.clone());
                    let handle = followers.spawn(async move {
                        let _ = follow_pod(conn, ns, pod_name, None, options, &mut sink).await;
                    });
                    followed.insert(name, handle);
                }
            }
            Ok(Err(e)) => tracing::debug!("listing pods of {owner}: {}", describe_error(&e)),
            Err(_) => tracing::debug!("listing pods of {owner} timed out"),
        }
        if !options.follow {
            while followers.join_next().await.is_some() {}
            let _ = tx
                .send(SourceUpdate::LogEnded {
                    stream,
                    reason: "end of log".into(),
                })
                .await;
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(OWNER_RESCAN) => {}
            _ = tx.closed() => return,
        }
        while followers.try_join_next().is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reopened_log_skips_what_was_delivered_even_with_equal_timestamps() {
        let t = |s: &str| Some(s.parse::<Timestamp>().unwrap());
        let mut mark = Mark::default();
        for ts in [
            "2026-01-01T10:00:00Z",
            "2026-01-01T10:00:01Z",
            "2026-01-01T10:00:01Z",
        ] {
            mark.delivered(t(ts).unwrap());
        }
        let mut skip = Skipper::new(mark);
        assert!(skip.skip(t("2026-01-01T10:00:00Z")));
        assert!(skip.skip(t("2026-01-01T10:00:01Z")));
        assert!(skip.skip(t("2026-01-01T10:00:01Z")));
        assert!(
            !skip.skip(t("2026-01-01T10:00:01Z")),
            "a third line at :01 is new"
        );
        assert!(!skip.skip(t("2026-01-01T10:00:02Z")));
        assert!(!skip.skip(None));
    }

    #[test]
    fn a_run_is_replaced_when_its_count_or_id_changes() {
        let a = Run {
            restarts: 1,
            id: "c://1".into(),
            running: true,
        };
        assert!(!a.replaced(&a));
        assert!(
            Run {
                restarts: 2,
                ..a.clone()
            }
            .replaced(&a)
        );
        assert!(
            Run {
                id: "c://2".into(),
                ..a.clone()
            }
            .replaced(&a)
        );
    }

    #[test]
    fn timestamps_are_split_off() {
        let (ts, text) = split_timestamp("2026-01-01T10:00:00.123456789Z INFO ready");
        assert_eq!(ts, Some("2026-01-01T10:00:00.123456789Z".parse().unwrap()));
        assert_eq!(text, "INFO ready");
        assert_eq!(split_timestamp("plain line"), (None, "plain line"));
    }
}
