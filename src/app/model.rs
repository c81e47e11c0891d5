//! What the sources report, in one shape for Kubernetes and Docker alike.
//! The panes draw these; the sources (kube, docker) produce them.

use jiff::Timestamp;

/// How bad something is, in the order the eye should find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Severity {
    /// Broken: crash loop, OOM, failing check, exited with an error.
    Crit,
    /// Degraded: not ready yet, restarting, slow, unknown health.
    Warn,
    /// Not known yet (no result so far).
    #[default]
    Unknown,
    Ok,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Kubernetes,
    Docker,
}

impl Platform {
    pub fn label(self) -> &'static str {
        match self {
            Platform::Kubernetes => "kubernetes",
            Platform::Docker => "docker",
        }
    }
}

/// Resource usage against its request and limit, in the unit of the field it sits in
/// (millicores for CPU, bytes for memory).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    pub used: f64,
    pub request: Option<f64>,
    pub limit: Option<f64>,
}

impl Usage {
    pub fn pct_of_limit(&self) -> Option<f64> {
        self.limit
            .filter(|l| *l > 0.0)
            .map(|l| self.used * 100.0 / l)
    }
    pub fn pct_of_request(&self) -> Option<f64> {
        self.request
            .filter(|r| *r > 0.0)
            .map(|r| self.used * 100.0 / r)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Termination {
    pub reason: String,
    pub exit_code: i32,
    pub finished: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContainerInfo {
    pub name: String,
    pub image: String,
    /// `running`, `waiting: CrashLoopBackOff`, `terminated: Completed`, docker's state.
    pub state: String,
    pub ready: bool,
    pub restarts: u32,
    pub last_termination: Option<Termination>,
}

/// A pod (Kubernetes) or a container (Docker): one row of the Workloads pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub platform: Platform,
    /// Kubernetes namespace, or compose project ("" when a container has none).
    pub namespace: String,
    pub name: String,
    /// Owning deployment/statefulset, or compose service.
    pub group: Option<String>,
    /// Kubernetes: the controller that owns the pod, with its kind (a
    /// ReplicaSet's Deployment when it has one); `None` for a bare pod.
    pub owner: Option<Owner>,
    pub ready: (u32, u32),
    /// The real reason: CrashLoopBackOff, OOMKilled, Running, Exited (1), unhealthy.
    pub status: String,
    pub severity: Severity,
    pub restarts: u32,
    pub last_restart: Option<Timestamp>,
    pub created: Option<Timestamp>,
    /// CPU in millicores.
    pub cpu: Option<Usage>,
    /// Memory in bytes.
    pub memory: Option<Usage>,
    pub node: Option<String>,
    /// Bytes received and sent (Docker).
    pub net_io: Option<(u64, u64)>,
    pub containers: Vec<ContainerInfo>,
}

/// The controller of a pod, by kind and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Owner {
    pub kind: OwnerKind,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OwnerKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    /// Any other kind, as the API names it.
    Other(String),
}

impl OwnerKind {
    pub fn from_kind(kind: &str) -> OwnerKind {
        match kind {
            "Deployment" => OwnerKind::Deployment,
            "StatefulSet" => OwnerKind::StatefulSet,
            "DaemonSet" => OwnerKind::DaemonSet,
            "ReplicaSet" => OwnerKind::ReplicaSet,
            "Job" => OwnerKind::Job,
            other => OwnerKind::Other(other.to_string()),
        }
    }

    /// The API's kind name: `StatefulSet`.
    pub fn name(&self) -> &str {
        match self {
            OwnerKind::Deployment => "Deployment",
            OwnerKind::StatefulSet => "StatefulSet",
            OwnerKind::DaemonSet => "DaemonSet",
            OwnerKind::ReplicaSet => "ReplicaSet",
            OwnerKind::Job => "Job",
            OwnerKind::Other(k) => k,
        }
    }

    /// What `kubectl rollout restart` can restart.
    pub fn restartable(&self) -> Option<RestartKind> {
        match self {
            OwnerKind::Deployment => Some(RestartKind::Deployment),
            OwnerKind::StatefulSet => Some(RestartKind::StatefulSet),
            OwnerKind::DaemonSet => Some(RestartKind::DaemonSet),
            _ => None,
        }
    }
}

/// The kinds a rollout restart applies to, each through its own API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RestartKind {
    Deployment,
    StatefulSet,
    DaemonSet,
}

impl RestartKind {
    /// As kubectl names it: `statefulset`.
    pub fn kubectl(self) -> &'static str {
        match self {
            RestartKind::Deployment => "deployment",
            RestartKind::StatefulSet => "statefulset",
            RestartKind::DaemonSet => "daemonset",
        }
    }
}

impl Workload {
    /// Stable identity of a row across updates.
    pub fn key(&self) -> (Platform, &str, &str) {
        (self.platform, &self.namespace, &self.name)
    }
}

/// A Kubernetes event or a Docker engine event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub platform: Platform,
    pub namespace: String,
    /// `Pod/langgraph-7d9f…`, `container/redis`.
    pub object: String,
    pub warning: bool,
    pub reason: String,
    pub message: String,
    pub count: u32,
    pub last_seen: Timestamp,
    /// Identity for upserts (the event's uid, or a synthetic one).
    pub uid: String,
}

/// Identifies one log stream: a pod's container, a deployment's merged pods, a docker container.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId {
    pub platform: Platform,
    pub namespace: String,
    pub name: String,
    pub container: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Pod or container name when several are merged into one view.
    pub prefix: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub text: String,
    pub stderr: bool,
}

/// State of a source's connection, shown in its panes.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SourceState {
    /// The profile does not configure this source: the pane says how to.
    #[default]
    NotConfigured,
    Connecting,
    Connected,
    /// A failure in words, with what opsdeck does about it ("retrying in 8s").
    Failed(String),
}

/// What a source task sends to the console. Sources never touch the UI; the
/// console folds these into its state in `App::update`.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceUpdate {
    /// The connection state of a platform's source changed.
    State {
        platform: Platform,
        state: SourceState,
    },
    /// The complete current set of workloads of one platform (replaces the previous set).
    Workloads {
        platform: Platform,
        rows: Vec<Workload>,
    },
    /// New or updated events (upserted by `uid`).
    Events(Vec<EventRecord>),
    /// Lines appended to a log stream.
    Logs {
        stream: StreamId,
        lines: Vec<LogLine>,
    },
    /// A log stream ended (container exited, stream closed); the text says why.
    LogEnded { stream: StreamId, reason: String },
    /// A one-line summary above the rows, like `kubectl top nodes` (or why it is missing).
    Summary { platform: Platform, text: String },
    /// A detail view the operator asked for (describe, YAML), shown in a scrollable window.
    Detail { title: String, lines: Vec<String> },
}
