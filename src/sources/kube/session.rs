//! The source task: load the kubeconfig, connect, watch, and reconnect with backoff.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, PartialObjectMeta};
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher;
use kube::{Client, Resource};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

use super::KubeSettings;
use super::config::{self, Backoff, REQUEST_TIMEOUT, Target};
use super::error::{describe_error, is_api_answer, is_forbidden};
use super::events;
use super::metrics::{self, MetricsReport};
use super::rows::{Owners, RowCache};
use crate::model::{EventRecord, Platform, SourceState, SourceUpdate, Workload};

/// Snapshots of the rows go out at most this often, however busy the cluster.
const COALESCE: Duration = Duration::from_millis(250);
/// Initial LIST page size: big enough for few round trips, small enough for the API server.
const PAGE_SIZE: u32 = 500;
/// A namespace that answered 403 is asked again this often (someone may grant access).
const FORBIDDEN_RECHECK: Duration = Duration::from_secs(30);
/// Events held back before a flush, so an event storm cannot grow memory.
const MAX_PENDING_EVENTS: usize = 500;
/// Capacity of the channel from the watch tasks to the session.
const SIGNALS: usize = 1024;

/// A live connection: what log, describe and action calls use.
#[derive(Clone)]
pub(crate) struct Connection {
    pub client: Client,
    pub server: String,
    pub context: String,
    /// The watched Deployments and StatefulSets, for finding an owner's pods without a request.
    pub deployments: Vec<Store<Deployment>>,
    pub statefulsets: Vec<Store<StatefulSet>>,
}

impl Connection {
    /// The label selector of the Deployment or StatefulSet `owner` in `namespace`.
    pub(crate) fn owner_selector(&self, namespace: &str, owner: &str) -> Option<String> {
        let matches = |m: &kube::api::ObjectMeta| {
            m.namespace.as_deref() == Some(namespace) && m.name.as_deref() == Some(owner)
        };
        let labels = self
            .deployments
            .iter()
            .flat_map(|s| s.state())
            .find(|d| matches(&d.metadata))
            .and_then(|d| d.spec.selector.match_labels.clone())
            .or_else(|| {
                self.statefulsets
                    .iter()
                    .flat_map(|s| s.state())
                    .find(|d| matches(&d.metadata))
                    .and_then(|d| d.spec.selector.match_labels.clone())
            })?;
        Some(
            labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(","),
        )
    }
}

/// What is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    Pods,
    Events,
    Deployments,
    StatefulSets,
    ReplicaSets,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Pods => "pods",
            Kind::Events => "events",
            Kind::Deployments => "deployments",
            Kind::StatefulSets => "statefulsets",
            Kind::ReplicaSets => "replicasets",
        })
    }
}

/// A namespace, or `None` for all of them.
type Scope = Option<String>;

enum Signal {
    Ready(Kind, Scope),
    Forbidden(Kind, Scope),
    Allowed(Kind, Scope),
    Lost(String),
    Event(EventRecord),
}

enum SessionEnd {
    ConsoleGone,
    Lost(String),
}

pub(crate) async fn run(
    settings: KubeSettings,
    tx: mpsc::Sender<SourceUpdate>,
    connection: watch::Sender<Option<Connection>>,
) {
    let mut backoff = Backoff::new();
    let mut last_state: Option<SourceState> = None;
    // Connecting is said once: between retries the pane keeps showing why and when.
    if !send_state(&tx, &mut last_state, SourceState::Connecting).await {
        return;
    }
    loop {
        let target =
            match config::load(settings.kubeconfig.as_deref(), settings.context.as_deref()).await {
                Ok(t) => t,
                Err(e) => {
                    // The file may be fixed while the console runs: read it again later, quietly.
                    let delay = backoff.next_delay();
                    if !send_state(&tx, &mut last_state, SourceState::Failed(e.to_string())).await {
                        return;
                    }
                    if wait_or_gone(&tx, delay).await {
                        return;
                    }
                    continue;
                }
            };
        let failure = match connect(&target).await {
            Ok(client) => {
                backoff.reset();
                if !send_state(&tx, &mut last_state, SourceState::Connected).await {
                    return;
                }
                let end = session(
                    &client,
                    &target,
                    &settings,
                    &tx,
                    &mut last_state,
                    &connection,
                )
                .await;
                connection.send_replace(None);
                match end {
                    SessionEnd::ConsoleGone => return,
                    SessionEnd::Lost(why) => why,
                }
            }
            Err(why) => why,
        };
        let delay = backoff.next_delay();
        let text = format!(
            "cannot reach {}: {failure} — retrying in {}s",
            target.server,
            delay.as_secs()
        );
        tracing::warn!("kubernetes: {text}");
        if !send_state(&tx, &mut last_state, SourceState::Failed(text)).await {
            return;
        }
        if wait_or_gone(&tx, delay).await {
            return;
        }
    }
}

/// Sleeps `delay`; `true` when the console went away meanwhile.
async fn wait_or_gone(tx: &mpsc::Sender<SourceUpdate>, delay: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(delay) => false,
        _ = tx.closed() => true,
    }
}

async fn connect(target: &Target) -> Result<Client, String> {
    let client = Client::try_from(target.config.clone()).map_err(|e| describe_error(&e))?;
    match tokio::time::timeout(REQUEST_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(_)) => Ok(client),
        Ok(Err(e)) => Err(describe_error(&e)),
        Err(_) => Err(format!("no answer within {}s", REQUEST_TIMEOUT.as_secs())),
    }
}

async fn send_state(
    tx: &mpsc::Sender<SourceUpdate>,
    last: &mut Option<SourceState>,
    state: SourceState,
) -> bool {
    if last.as_ref() == Some(&state) {
        return true;
    }
    *last = Some(state.clone());
    tx.send(SourceUpdate::State {
        platform: Platform::Kubernetes,
        state,
    })
    .await
    .is_ok()
}

fn scoped<K>(client: &Client, scope: &Scope) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    K::DynamicType: Default,
{
    match scope {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// The watches of one session, and the stores they fill.
struct Watches {
    pods: Vec<(Scope, Store<Pod>)>,
    replica_sets: Vec<Store<PartialObjectMeta<ReplicaSet>>>,
    deployments: Vec<Store<Deployment>>,
    statefulsets: Vec<Store<StatefulSet>>,
}

fn start_watches(
    client: &Client,
    settings: &KubeSettings,
    tasks: &mut JoinSet<()>,
    signals: &mpsc::Sender<Signal>,
    dirty: &Arc<AtomicBool>,
) -> Watches {
    let scopes: Vec<Scope> = if settings.namespaces.is_empty() {
        vec![None]
    } else {
        settings.namespaces.iter().cloned().map(Some).collect()
    };
    let base = watcher::Config::default()
        .page_size(PAGE_SIZE)
        .timeout(config::WATCH_TIMEOUT_SECS);
    let mut pod_config = base.clone();
    if let Some(sel) = settings
        .selector
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        pod_config = pod_config.labels(sel);
    }
    let mut w = Watches {
        pods: Vec::new(),
        replica_sets: Vec::new(),
        deployments: Vec::new(),
        statefulsets: Vec::new(),
    };
    for scope in scopes {
        let (store, writer) = reflector::store();
        let stream = reflector::reflector(
            writer,
            watcher(scoped::<Pod>(client, &scope), pod_config.clone()),
        );
        tasks.spawn(reflect(
            Kind::Pods,
            scope.clone(),
            stream,
            signals.clone(),
            dirty.clone(),
        ));
        w.pods.push((scope.clone(), store));

        let (store, writer) = reflector::store();
        let stream = reflector::reflector(
            writer,
            watcher(
                scoped::<PartialObjectMeta<ReplicaSet>>(client, &scope),
                base.clone(),
            ),
        );
        tasks.spawn(reflect(
            Kind::ReplicaSets,
            scope.clone(),
            stream,
            signals.clone(),
            dirty.clone(),
        ));
        w.replica_sets.push(store);

        let (store, writer) = reflector::store();
        let stream = reflector::reflector(
            writer,
            watcher(scoped::<Deployment>(client, &scope), base.clone()),
        );
        tasks.spawn(reflect(
            Kind::Deployments,
            scope.clone(),
            stream,
            signals.clone(),
            dirty.clone(),
        ));
        w.deployments.push(store);

        let (store, writer) = reflector::store();
        let stream = reflector::reflector(
            writer,
            watcher(scoped::<StatefulSet>(client, &scope), base.clone()),
        );
        tasks.spawn(reflect(
            Kind::StatefulSets,
            scope.clone(),
            stream,
            signals.clone(),
            dirty.clone(),
        ));
        w.statefulsets.push(store);

        tasks.spawn(watch_events(
            scope.clone(),
            watcher(scoped::<Event>(client, &scope), base.clone()),
            signals.clone(),
        ));
    }
    w
}

/// Drives one reflector; marks the rows dirty on every change. Ends the session on a
/// transport failure, and keeps a forbidden namespace to itself.
async fn reflect<K>(
    kind: Kind,
    scope: Scope,
    stream: impl Stream<Item = watcher::Result<watcher::Event<K>>>,
    signals: mpsc::Sender<Signal>,
    dirty: Arc<AtomicBool>,
) {
    let mut stream = std::pin::pin!(stream);
    let mut forbidden = false;
    while let Some(item) = stream.next().await {
        match item {
            Ok(watcher::Event::Init | watcher::Event::InitApply(_)) => {}
            Ok(watcher::Event::InitDone) => {
                dirty.store(true, Ordering::Release);
                if std::mem::take(&mut forbidden)
                    && signals
                        .send(Signal::Allowed(kind, scope.clone()))
                        .await
                        .is_err()
                {
                    return;
                }
                if signals
                    .send(Signal::Ready(kind, scope.clone()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Ok(watcher::Event::Apply(_) | watcher::Event::Delete(_)) => {
                dirty.store(true, Ordering::Release);
            }
            Err(e) => {
                if !on_error(&e, kind, &scope, &mut forbidden, &signals).await {
                    return;
                }
            }
        }
    }
    let _ = signals
        .send(Signal::Lost(format!("the watch of {kind} ended")))
        .await;
}

async fn watch_events(
    scope: Scope,
    stream: impl Stream<Item = watcher::Result<watcher::Event<Event>>>,
    signals: mpsc::Sender<Signal>,
) {
    let mut stream = std::pin::pin!(stream);
    let mut forbidden = false;
    while let Some(item) = stream.next().await {
        match item {
            Ok(watcher::Event::InitApply(e) | watcher::Event::Apply(e)) => {
                if let Some(r) = events::record(&e)
                    && signals.send(Signal::Event(r)).await.is_err()
                {
                    return;
                }
            }
            Ok(watcher::Event::InitDone) => {
                if std::mem::take(&mut forbidden)
                    && signals
                        .send(Signal::Allowed(Kind::Events, scope.clone()))
                        .await
                        .is_err()
                {
                    return;
                }
            }
            Ok(_) => {}
            Err(e) => {
                if !on_error(&e, Kind::Events, &scope, &mut forbidden, &signals).await {
                    return;
                }
            }
        }
    }
    let _ = signals
        .send(Signal::Lost("the watch of events ended".into()))
        .await;
}

/// `false` when the watch should stop (the session is over).
async fn on_error(
    e: &watcher::Error,
    kind: Kind,
    scope: &Scope,
    forbidden: &mut bool,
    signals: &mpsc::Sender<Signal>,
) -> bool {
    let inner = match e {
        watcher::Error::InitialListFailed(k)
        | watcher::Error::WatchStartFailed(k)
        | watcher::Error::WatchFailed(k) => Some(k),
        watcher::Error::WatchError(_) | watcher::Error::NoResourceVersion => None,
    };
    match inner {
        Some(k) if is_forbidden(k) => {
            if !*forbidden {
                *forbidden = true;
                if signals
                    .send(Signal::Forbidden(kind, scope.clone()))
                    .await
                    .is_err()
                {
                    return false;
                }
            }
            tokio::time::sleep(FORBIDDEN_RECHECK).await;
            true
        }
        Some(k) if !is_api_answer(k) => signals
            .send(Signal::Lost(describe_error(k)))
            .await
            .map(|_| false)
            .unwrap_or(false),
        _ => {
            // The server answered (410 Gone is routine: the watcher lists again); a resource
            // it does not serve is asked for again later rather than ending the session.
            tracing::debug!("kubernetes: watch of {kind} in {scope:?}: {e}");
            let pause = match e {
                watcher::Error::WatchError(s) if s.code == 410 => Duration::ZERO,
                _ => Duration::from_secs(5),
            };
            tokio::time::sleep(pause).await;
            true
        }
    }
}

/// Words for the forbidden scopes: the pods of a namespace first, since they fill the pane.
fn forbidden_text(forbidden: &BTreeSet<(Kind, Scope)>) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut seen: HashSet<&Scope> = HashSet::new();
    for (kind, scope) in forbidden {
        if !seen.insert(scope) {
            continue;
        }
        parts.push(match scope {
            Some(ns) => format!("forbidden: cannot list {kind} in namespace {ns}"),
            None => format!(
                "forbidden: cannot list {kind} in all namespaces: set [kubernetes] namespaces in the profile"
            ),
        });
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

async fn session(
    client: &Client,
    target: &Target,
    settings: &KubeSettings,
    tx: &mpsc::Sender<SourceUpdate>,
    last_state: &mut Option<SourceState>,
    connection: &watch::Sender<Option<Connection>>,
) -> SessionEnd {
    let (sig_tx, mut sig_rx) = mpsc::channel(SIGNALS);
    let dirty = Arc::new(AtomicBool::new(false));
    // Dropping the set aborts every watch when the session ends.
    let mut tasks = JoinSet::new();
    let watches = start_watches(client, settings, &mut tasks, &sig_tx, &dirty);
    connection.send_replace(Some(Connection {
        client: client.clone(),
        server: target.server.clone(),
        context: target.context.clone(),
        deployments: watches.deployments.clone(),
        statefulsets: watches.statefulsets.clone(),
    }));
    drop(sig_tx);
    let (metrics_tx, mut metrics_rx) = mpsc::channel(1);
    tasks.spawn(metrics::run(
        client.clone(),
        settings.namespaces.clone(),
        settings.selector.clone(),
        metrics_tx,
    ));

    let mut tick = tokio::time::interval(COALESCE);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut ready: HashSet<(Kind, Scope)> = HashSet::new();
    let mut forbidden: BTreeSet<(Kind, Scope)> = BTreeSet::new();
    let mut pending: Vec<EventRecord> = Vec::new();
    let mut metrics: Option<MetricsReport> = None;
    let mut last_rows: Option<Vec<Workload>> = None;
    let mut last_summary: Option<String> = None;
    let mut cache = RowCache::default();

    loop {
        tokio::select! {
            signal = sig_rx.recv() => match signal {
                None => return SessionEnd::Lost("every watch stopped".into()),
                Some(Signal::Lost(why)) => return SessionEnd::Lost(why),
                Some(Signal::Ready(kind, scope)) => {
                    ready.insert((kind, scope));
                }
                Some(Signal::Forbidden(kind, scope)) => {
                    tracing::warn!("kubernetes: forbidden to list {kind} in {scope:?}");
                    forbidden.insert((kind, scope));
                    dirty.store(true, Ordering::Release);
                }
                Some(Signal::Allowed(kind, scope)) => {
                    forbidden.remove(&(kind, scope));
                    dirty.store(true, Ordering::Release);
                }
                Some(Signal::Event(record)) => {
                    pending.push(record);
                    if pending.len() >= MAX_PENDING_EVENTS
                        && tx.send(SourceUpdate::Events(std::mem::take(&mut pending))).await.is_err()
                    {
                        return SessionEnd::ConsoleGone;
                    }
                }
            },
            report = metrics_rx.recv() => {
                if let Some(report) = report {
                    if metrics.as_ref().map(|m| &m.usage) != Some(&report.usage) {
                        dirty.store(true, Ordering::Release);
                    }
                    metrics = Some(report);
                }
            }
            _ = tick.tick() => {
                if !pending.is_empty()
                    && tx.send(SourceUpdate::Events(std::mem::take(&mut pending))).await.is_err()
                {
                    return SessionEnd::ConsoleGone;
                }
                let pods_settled = watches.pods.iter().all(|(scope, _)| {
                    let key = (Kind::Pods, scope.clone());
                    ready.contains(&key) || forbidden.contains(&key)
                });
                if pods_settled && dirty.swap(false, Ordering::AcqRel) {
                    let rows = build_rows(&watches, metrics.as_ref(), &mut cache);
                    if last_rows.as_ref() != Some(&rows) {
                        last_rows = Some(rows.clone());
                        if tx.send(SourceUpdate::Workloads { platform: Platform::Kubernetes, rows }).await.is_err() {
                            return SessionEnd::ConsoleGone;
                        }
                    }
                }
                let denied = forbidden_text(&forbidden);
                let summary = [denied.clone(), metrics.as_ref().map(|m| m.summary.clone())]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                if !summary.is_empty() && last_summary.as_ref() != Some(&summary) {
                    last_summary = Some(summary.clone());
                    if tx.send(SourceUpdate::Summary { platform: Platform::Kubernetes, text: summary }).await.is_err() {
                        return SessionEnd::ConsoleGone;
                    }
                }
                // With every namespace forbidden the pane has nothing else to show, so the
                // refusal becomes the source's state; otherwise it is one line of the summary.
                let all_denied = watches
                    .pods
                    .iter()
                    .all(|(scope, _)| forbidden.contains(&(Kind::Pods, scope.clone())));
                let state = match (&denied, all_denied) {
                    (Some(text), true) => SourceState::Failed(text.clone()),
                    _ => SourceState::Connected,
                };
                if !send_state(tx, last_state, state).await {
                    return SessionEnd::ConsoleGone;
                }
            }
        }
    }
}

fn build_rows(
    watches: &Watches,
    metrics: Option<&MetricsReport>,
    cache: &mut RowCache,
) -> Vec<Workload> {
    let mut owners = Owners::default();
    for store in &watches.replica_sets {
        for rs in store.state() {
            owners.add_replica_set(&rs.metadata);
        }
    }
    let pods: Vec<Arc<Pod>> = watches.pods.iter().flat_map(|(_, s)| s.state()).collect();
    let mut rows = cache.rows(
        pods.iter().map(|p| p.as_ref()),
        &owners,
        metrics.and_then(|m| m.usage.as_ref()),
    );
    rows.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    rows
}
