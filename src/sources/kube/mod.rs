//! Kubernetes source (kube-rs): pods, owners, events, metrics, logs, describe and actions.
//!
//! [`spawn`] starts a task that keeps the Workloads, Events and summary line of the selected
//! namespaces current from reflector-backed watches, and reconnects by itself; the returned
//! [`KubeHandle`] follows logs, describes pods and runs remediations.

mod actions;
mod config;
mod describe;
mod error;
mod events;
mod logs;
mod metrics;
mod quantity;
pub mod rows;
mod session;

use std::path::PathBuf;
use std::sync::Mutex;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use actions::{KubeAction, equivalent_command};
pub use error::KubeError;
pub use logs::LogOptions;
pub use metrics::METRICS_ABSENT;

use crate::app::model::{Platform, SourceUpdate, StreamId};
use session::Connection;

/// Which cluster to watch, and what of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeSettings {
    /// `None` means `KUBECONFIG`, then `~/.kube/config`, then the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    /// `None` means the kubeconfig's current context.
    pub context: Option<String>,
    /// Namespaces to watch; empty means all of them.
    pub namespaces: Vec<String>,
    /// Label selector for pods, e.g. `app.kubernetes.io/part-of=rag7`.
    pub selector: Option<String>,
}

impl KubeSettings {
    /// The settings of a profile's `[kubernetes]` section; `context` (from `--context` or
    /// `:ctx`) wins over the profile's when given.
    pub fn from_profile(
        k: &crate::config::profile::KubernetesConfig,
        context: Option<&str>,
    ) -> Self {
        KubeSettings {
            kubeconfig: k.kubeconfig.clone(),
            context: context.map(str::to_string).or_else(|| k.context.clone()),
            namespaces: k.namespaces.clone(),
            selector: k.selector.clone().filter(|s| !s.trim().is_empty()),
        }
    }
}

/// Starts the Kubernetes source on the current tokio runtime.
///
/// It sends `State` (Connecting, Connected, or Failed with what to do and the retry delay),
/// then `Workloads` snapshots (at most 4 a second, only when they changed), `Events` upserts
/// and `Summary` lines (node use like `kubectl top nodes`, metrics-server missing, namespaces
/// that answered 403) to `tx`. It reconnects with backoff whenever the API server cannot be
/// reached. It stops when `tx`'s receiver is dropped or the handle is dropped. Switching
/// namespaces or context is done by dropping the handle and spawning again.
pub fn spawn(settings: KubeSettings, tx: mpsc::Sender<SourceUpdate>) -> KubeHandle {
    let (conn_tx, conn_rx) = watch::channel(None);
    let task = tokio::spawn(session::run(settings.clone(), tx.clone(), conn_tx));
    KubeHandle {
        settings,
        connection: conn_rx,
        tx,
        task,
        logs: Mutex::new(None),
    }
}

/// Controls a running Kubernetes source. Dropping it stops the source and the log it follows.
pub struct KubeHandle {
    settings: KubeSettings,
    connection: watch::Receiver<Option<Connection>>,
    tx: mpsc::Sender<SourceUpdate>,
    task: JoinHandle<()>,
    logs: Mutex<Option<JoinHandle<()>>>,
}

impl KubeHandle {
    /// The settings this source was spawned with.
    pub fn settings(&self) -> &KubeSettings {
        &self.settings
    }

    /// The context in use, once connected.
    pub fn context(&self) -> Option<String> {
        self.connection.borrow().as_ref().map(|c| c.context.clone())
    }

    /// The API server URL in use, once connected.
    pub fn server(&self) -> Option<String> {
        self.connection.borrow().as_ref().map(|c| c.server.clone())
    }

    fn connected(&self) -> Result<Connection, KubeError> {
        self.connection
            .borrow()
            .clone()
            .ok_or_else(|| KubeError::NotConnected {
                server: self
                    .settings
                    .context
                    .clone()
                    .map(|c| format!("context {c}"))
                    .unwrap_or_else(|| "the current context".into()),
            })
    }

    fn replace_logs(&self, task: JoinHandle<()>) {
        let mut current = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = current.replace(task) {
            old.abort();
        }
    }

    /// Starts sending a pod's log as `Logs` batches under `stream` (`name` is the pod,
    /// `container` `None` means its first container). Lines are sent at most 50 ms after they
    /// arrive, up to 500 a message. With `follow`, a container that restarts is followed into
    /// its next run; `LogEnded` comes only when the log ends for good (not following, pod
    /// deleted, container down for over 5 minutes). One log is followed at a time: this
    /// replaces the previous one.
    pub fn follow_logs(&self, stream: &StreamId, options: LogOptions) -> Result<(), KubeError> {
        let conn = self.connected()?;
        let mut stream = stream.clone();
        stream.platform = Platform::Kubernetes;
        self.replace_logs(tokio::spawn(logs::follow(
            conn,
            stream,
            options,
            self.tx.clone(),
        )));
        Ok(())
    }

    /// Merges the logs of every pod of the Deployment or StatefulSet `owner`, each line with
    /// `prefix = Some(pod name)`, under `StreamId { namespace, name: owner, container: None }`.
    /// New pods (after a rollout) join as they appear. Replaces the log followed before.
    pub fn follow_owner_logs(
        &self,
        namespace: &str,
        owner: &str,
        options: LogOptions,
    ) -> Result<(), KubeError> {
        let conn = self.connected()?;
        self.replace_logs(tokio::spawn(logs::follow_owner(
            conn,
            namespace.to_string(),
            owner.to_string(),
            options,
            self.tx.clone(),
        )));
        Ok(())
    }

    /// Stops following logs; `false` when nothing was being followed.
    pub fn stop_logs(&self) -> bool {
        let mut current = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        match current.take() {
            Some(task) => {
                let was_running = !task.is_finished();
                task.abort();
                was_running
            }
            None => false,
        }
    }

    /// Sends `Detail { title, lines }` for the pod: a describe-like summary (containers,
    /// states, last termination, restarts, requests/limits, conditions, recent events) and
    /// its YAML. Returns at once; a failure arrives as a Detail saying what failed.
    pub fn describe(&self, namespace: &str, pod: &str) -> Result<(), KubeError> {
        let conn = self.connected()?;
        let (ns, pod, tx) = (namespace.to_string(), pod.to_string(), self.tx.clone());
        tokio::spawn(async move {
            let update = match describe::describe(&conn, &ns, &pod).await {
                Ok((title, lines)) => SourceUpdate::Detail { title, lines },
                Err(e) => SourceUpdate::Detail {
                    title: format!("pod/{pod} -n {ns}"),
                    lines: vec![format!("cannot describe: {e}")],
                },
            };
            let _ = tx.send(update).await;
        });
        Ok(())
    }

    /// `kubectl rollout restart deployment/NAME`: the same strategic-merge patch.
    pub async fn rollout_restart(
        &self,
        namespace: &str,
        kind: crate::app::model::RestartKind,
        name: &str,
    ) -> Result<(), KubeError> {
        actions::rollout_restart(&self.connected()?, namespace, kind, name).await
    }

    /// `kubectl delete pod NAME` (graceful, default grace period).
    pub async fn delete_pod(&self, namespace: &str, pod: &str) -> Result<(), KubeError> {
        actions::delete_pod(&self.connected()?, namespace, pod).await
    }
}

impl Drop for KubeHandle {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(task) = self
            .logs
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            task.abort();
        }
    }
}
