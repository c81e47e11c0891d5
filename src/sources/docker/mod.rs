//! Docker engine source (bollard): containers, stats, events and logs.
//!
//! [`spawn`] starts a task that keeps the Workloads and Events of one engine current and
//! reconnects by itself; the returned [`DockerHandle`] follows logs and runs actions.

mod actions;
mod connection;
mod containers;
mod error;
mod events;
mod logs;
mod poll;
mod session;
mod stats;

use std::collections::HashMap;
use std::sync::Mutex;

use bollard::Docker;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use error::DockerError;
pub use logs::LogOptions;

use crate::model::SourceUpdate;
use crate::model::command::ContainerAction;

/// Which engine to watch, and which of its containers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerSettings {
    /// `unix:///var/run/docker.sock` or `tcp://127.0.0.1:2375`; `None` means `DOCKER_HOST`,
    /// then the default socket.
    pub host: Option<String>,
    /// Show only this compose project's containers (`com.docker.compose.project` label).
    pub compose_project: Option<String>,
}

/// Starts the Docker source on the current tokio runtime.
///
/// It sends `State` (Connecting, Connected, Failed with the retry delay), then `Workloads`
/// snapshots and `Events` batches to `tx`, and reconnects with backoff whenever the engine
/// cannot be reached. It stops when `tx`'s receiver is dropped or the handle is dropped.
pub fn spawn(settings: DockerSettings, tx: mpsc::Sender<SourceUpdate>) -> DockerHandle {
    let host = crate::config::env::docker_host(settings.host.as_deref());
    let (client_tx, client_rx) = watch::channel(None);
    let task = tokio::spawn(session::run(
        host.clone(),
        settings.compose_project,
        tx.clone(),
        client_tx,
    ));
    DockerHandle {
        host,
        client: client_rx,
        tx,
        task,
        logs: Mutex::new(HashMap::new()),
    }
}

/// Controls a running Docker source. Dropping it stops the source and every log it follows.
pub struct DockerHandle {
    host: String,
    client: watch::Receiver<Option<Docker>>,
    tx: mpsc::Sender<SourceUpdate>,
    task: JoinHandle<()>,
    logs: Mutex<HashMap<String, JoinHandle<()>>>,
}

impl DockerHandle {
    /// The engine address in use.
    pub fn host(&self) -> &str {
        &self.host
    }

    fn connected(&self) -> Result<Docker, DockerError> {
        self.client
            .borrow()
            .clone()
            .ok_or_else(|| DockerError::NotConnected {
                host: self.host.clone(),
            })
    }

    /// Starts sending `container`'s log as `Logs` batches, then `LogEnded` when the log ends
    /// (the container stopped, or the tail was read without `follow`). Following the same
    /// container again replaces the earlier stream.
    ///
    /// The batches carry the stream id of the container's Workloads row:
    /// `StreamId { platform: Docker, namespace: <compose project or "">, name: <container
    /// name>, container: None }`. Lines are sent at most 50 ms after they arrive, up to 500 a
    /// message; a slow console slows the reading (the channel is the only buffer).
    pub fn follow_logs(&self, container: &str, options: LogOptions) -> Result<(), DockerError> {
        let docker = self.connected()?;
        let task = tokio::spawn(logs::follow(
            docker,
            self.host.clone(),
            container.to_string(),
            options,
            self.tx.clone(),
        ));
        let mut followed = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        followed.retain(|_, t| !t.is_finished());
        if let Some(old) = followed.insert(container.to_string(), task) {
            old.abort();
        }
        Ok(())
    }

    /// Stops following `container`'s log; `false` when it was not being followed.
    pub fn stop_logs(&self, container: &str) -> bool {
        let mut followed = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        match followed.remove(container) {
            Some(task) => {
                let was_running = !task.is_finished();
                task.abort();
                was_running
            }
            None => false,
        }
    }

    /// `docker restart NAME` (10s grace before SIGKILL).
    pub async fn restart(&self, container: &str) -> Result<(), DockerError> {
        self.act(ContainerAction::Restart, container).await
    }

    /// `docker stop NAME` (10s grace before SIGKILL).
    pub async fn stop(&self, container: &str) -> Result<(), DockerError> {
        self.act(ContainerAction::Stop, container).await
    }

    /// `docker start NAME`.
    pub async fn start(&self, container: &str) -> Result<(), DockerError> {
        self.act(ContainerAction::Start, container).await
    }

    /// Runs `action`; succeeds too when the container is already in the wanted state.
    pub async fn act(&self, action: ContainerAction, container: &str) -> Result<(), DockerError> {
        let docker = self.connected()?;
        actions::run(&docker, &self.host, action, container).await
    }
}

impl Drop for DockerHandle {
    fn drop(&mut self) {
        self.task.abort();
        let followed = self.logs.get_mut().unwrap_or_else(|p| p.into_inner());
        for (_, task) in followed.drain() {
            task.abort();
        }
    }
}
