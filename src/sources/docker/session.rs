//! The source task: connect, watch, and reconnect with backoff when the engine goes away.

use std::time::Duration;

use bollard::Docker;
use futures::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};

use super::connection::{self, Backoff};
use super::error::DockerError;
use super::events;
use super::poll::Poller;
use crate::model::{EventRecord, Platform, SourceState, SourceUpdate, Workload};

/// Full refresh even when no event arrives (stats need it; events cover state changes).
pub(crate) const POLL_INTERVAL: Duration = Duration::from_secs(5);
/// Events that arrive together (a restart is kill, die, stop, start) become one refresh.
const EVENT_DEBOUNCE: Duration = Duration::from_millis(250);
/// Events held back at most, so a flood cannot grow memory.
const MAX_PENDING_EVENTS: usize = 256;

/// Why a connected session ended.
enum SessionEnd {
    /// The console dropped its receiver: stop for good.
    ConsoleGone,
    Lost(String),
}

pub(crate) async fn run(
    host: String,
    compose_project: Option<String>,
    tx: mpsc::Sender<SourceUpdate>,
    client: watch::Sender<Option<Docker>>,
) {
    let mut backoff = Backoff::new();
    let mut poller = Poller::new(host.clone(), compose_project.clone());
    let mut announce_connecting = true;
    loop {
        if announce_connecting && !send_state(&tx, SourceState::Connecting).await {
            return;
        }
        let failure = match connection::connect(&host).await {
            Ok(docker) => {
                backoff.reset();
                client.send_replace(Some(docker.clone()));
                // A second early: the engine's clock may be a little behind this one's.
                let since = jiff::Timestamp::now().as_second() - 1;
                if !send_state(&tx, SourceState::Connected).await {
                    return;
                }
                poller.clear();
                let end =
                    session(&docker, &mut poller, compose_project.as_deref(), since, &tx).await;
                client.send_replace(None);
                match end {
                    SessionEnd::ConsoleGone => return,
                    SessionEnd::Lost(why) => {
                        announce_connecting = true;
                        let delay = backoff.next_delay();
                        let text = format!(
                            "lost the Docker engine at {host}: {why}; retrying in {}s",
                            delay.as_secs()
                        );
                        (text, delay)
                    }
                }
            }
            Err(e) => {
                announce_connecting = false;
                let delay = backoff.next_delay();
                (connection::failure_message(&host, &e, delay), delay)
            }
        };
        let (text, delay) = failure;
        tracing::warn!("docker: {text}");
        if !send_state(&tx, SourceState::Failed(text)).await {
            return;
        }
        tokio::time::sleep(delay).await;
    }
}

async fn send_state(tx: &mpsc::Sender<SourceUpdate>, state: SourceState) -> bool {
    tx.send(SourceUpdate::State {
        platform: Platform::Docker,
        state,
    })
    .await
    .is_ok()
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

async fn session(
    docker: &Docker,
    poller: &mut Poller,
    compose_project: Option<&str>,
    since: i64,
    tx: &mpsc::Sender<SourceUpdate>,
) -> SessionEnd {
    let mut stream = docker.events(Some(events::subscription(compose_project, since)));
    let mut tick = tokio::time::interval(POLL_INTERVAL);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut refresh_at: Option<Instant> = None;
    let mut pending: Vec<EventRecord> = Vec::new();
    let mut last_rows: Option<Vec<Workload>> = None;

    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(end) = refresh(docker, poller, tx, &mut last_rows).await {
                    return end;
                }
            }
            item = stream.next() => match item {
                Some(Ok(event)) => {
                    if let Some(id) = events::container_id(&event) {
                        poller.invalidate(id);
                    }
                    if let Some(record) = events::record(&event)
                        && pending.len() < MAX_PENDING_EVENTS
                    {
                        pending.push(record);
                    }
                    refresh_at.get_or_insert_with(|| Instant::now() + EVENT_DEBOUNCE);
                }
                Some(Err(e)) => return SessionEnd::Lost(format!("event stream failed: {e}")),
                None => return SessionEnd::Lost("the engine closed the event stream".into()),
            },
            _ = sleep_until(refresh_at), if refresh_at.is_some() => {
                refresh_at = None;
                if !pending.is_empty()
                    && tx.send(SourceUpdate::Events(std::mem::take(&mut pending))).await.is_err()
                {
                    return SessionEnd::ConsoleGone;
                }
                if let Err(end) = refresh(docker, poller, tx, &mut last_rows).await {
                    return end;
                }
                tick.reset();
            }
        }
    }
}

/// Polls and sends the rows whenever they differ from the last ones sent, so an idle host
/// does not make the console redraw. The rows go out first from the container listing, then
/// with inspect data, then as stats readings arrive (at most every [`FILL_INTERVAL`]), so a
/// host with many containers shows them at once and fills in CPU and memory.
async fn refresh(
    docker: &Docker,
    poller: &mut Poller,
    tx: &mpsc::Sender<SourceUpdate>,
    last_rows: &mut Option<Vec<Workload>>,
) -> Result<(), SessionEnd> {
    poller.list_containers(docker).await.map_err(|e| match e {
        DockerError::Engine { source, .. } => SessionEnd::Lost(source.to_string()),
        other => SessionEnd::Lost(other.to_string()),
    })?;
    send_rows(poller, tx, last_rows).await?;
    poller.inspect_stale(docker).await;
    send_rows(poller, tx, last_rows).await?;
    // Rows fill in as readings arrive only while some have no figures yet; a routine poll
    // sends its new figures once, at the end.
    let filling = poller.unfilled();
    let mut readings = std::pin::pin!(poller.read_stats(docker));
    let mut sent_at = Instant::now();
    let mut unsent = false;
    while let Some(reading) = readings.next().await {
        poller.apply(reading);
        unsent = true;
        if filling && sent_at.elapsed() >= FILL_INTERVAL {
            send_rows(poller, tx, last_rows).await?;
            sent_at = Instant::now();
            unsent = false;
        }
    }
    if unsent {
        send_rows(poller, tx, last_rows).await?;
    }
    Ok(())
}

/// Readings that arrive together go out in one update.
const FILL_INTERVAL: Duration = Duration::from_millis(100);

async fn send_rows(
    poller: &Poller,
    tx: &mpsc::Sender<SourceUpdate>,
    last_rows: &mut Option<Vec<Workload>>,
) -> Result<(), SessionEnd> {
    let rows = poller.rows();
    if last_rows.as_ref() == Some(&rows) {
        return Ok(());
    }
    *last_rows = Some(rows.clone());
    tx.send(SourceUpdate::Workloads {
        platform: Platform::Docker,
        rows,
    })
    .await
    .map_err(|_| SessionEnd::ConsoleGone)
}
