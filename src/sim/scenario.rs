//! Scenario files: the topology of one seed system plus the timeline of its
//! incidents. They are data (TOML), embedded in the binary.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::error::SimError;

/// The embedded scenario files, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("deepseek-rag", include_str!("scenarios/deepseek-rag.toml")),
    ("doc-rag", include_str!("scenarios/doc-rag.toml")),
    ("rag7", include_str!("scenarios/rag7.toml")),
    ("rag7-db", include_str!("scenarios/rag7-db.toml")),
    ("personal-rag", include_str!("scenarios/personal-rag.toml")),
    ("terragon", include_str!("scenarios/terragon.toml")),
];

pub fn names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// Parses the embedded scenario `name`.
pub fn load(name: &str) -> Result<Scenario, SimError> {
    if name == super::scale::NAME {
        return Ok(super::scale::scenario(super::scale::DEFAULT_PODS));
    }
    let (_, text) =
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| SimError::UnknownScenario {
                name: name.to_string(),
                known: format!("{}, {}", names().join(", "), super::scale::NAME),
            })?;
    let scenario: Scenario = toml::from_str(text).map_err(|e| SimError::Scenario {
        name: name.to_string(),
        reason: e.to_string(),
    })?;
    scenario.validate()?;
    Ok(scenario.indexed())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The seed system whose built-in profile and alert rules this scenario
    /// shares (a variant's incidents differ, not its system); default: `name`.
    #[serde(default)]
    pub system: Option<String>,
    pub namespaces: Vec<String>,
    /// Namespaces that exist but the simulated user may not read (403).
    #[serde(default)]
    pub forbidden_namespaces: Vec<String>,
    /// Label selector written into the generated profile.
    #[serde(default)]
    pub selector: Option<String>,
    pub nodes: Vec<NodeSpec>,
    pub workloads: Vec<WorkloadSpec>,
    #[serde(default)]
    pub configmaps: Vec<ConfigMapSpec>,
    #[serde(default)]
    pub secrets: Vec<SecretSpec>,
    #[serde(default)]
    pub pvcs: Vec<PvcSpec>,
    #[serde(default)]
    pub hpas: Vec<HpaSpec>,
    #[serde(default)]
    pub services: Vec<ServiceSpec>,
    #[serde(default)]
    pub incidents: Vec<IncidentSpec>,
    /// Percent of the running pods replaced each minute (0: none).
    #[serde(default)]
    pub churn_percent_per_minute: f64,
    /// Log lines kept per container (default 5000).
    #[serde(default)]
    pub log_keep: Option<usize>,
    /// Starts as a cluster that has been running for a while (every pod up,
    /// no start-up events) rather than one being deployed.
    #[serde(default)]
    pub settled: bool,
    /// Workload positions by name, built by [`Scenario::indexed`].
    #[serde(skip)]
    pub(in crate::sim) index: HashMap<String, usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    pub name: String,
    pub cpu_cores: u32,
    pub memory_gib: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStyle {
    Streamlit,
    Ollama,
    Langgraph,
    Nginx,
    Postgres,
    Redis,
    Api,
    Gradio,
    Prometheus,
    Grafana,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    pub name: String,
    pub namespace: String,
    pub kind: WorkloadKind,
    pub replicas: i32,
    pub container: String,
    pub image: String,
    pub port: i32,
    pub logs: LogStyle,
    /// Extra pod labels; `app=<name>` is always set.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub cpu_request_m: u32,
    pub cpu_limit_m: u32,
    pub memory_request_mib: u32,
    pub memory_limit_mib: u32,
    /// Typical usage when healthy.
    pub cpu_usage_m: u32,
    pub memory_usage_mib: u32,
    /// Seconds (scenario clock) from container start to ready.
    #[serde(default = "default_startup")]
    pub startup_seconds: f64,
    #[serde(default)]
    pub configmap: Option<String>,
    /// StatefulSets: size of the `data-<name>-N` claim, e.g. "10Gi".
    #[serde(default)]
    pub volume_size: Option<String>,
    /// Requests per second this workload serves when healthy (drives metrics and logs).
    #[serde(default = "default_rps")]
    pub requests_per_second: f64,
    #[serde(default = "default_latency")]
    pub p95_ms: f64,
    /// Log lines a second per pod, instead of the rate derived from
    /// `requests_per_second`.
    #[serde(default)]
    pub log_lines_per_second: Option<f64>,
}

fn default_startup() -> f64 {
    3.0
}
fn default_rps() -> f64 {
    5.0
}
fn default_latency() -> f64 {
    120.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigMapSpec {
    pub name: String,
    pub namespace: String,
    pub data: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    pub name: String,
    pub namespace: String,
    /// Values are placeholders; a simulation holds no real credentials.
    pub data: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PvcSpec {
    pub name: String,
    pub namespace: String,
    pub storage: String,
    #[serde(default = "default_storage_class")]
    pub storage_class: String,
}

fn default_storage_class() -> String {
    "standard".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HpaSpec {
    pub name: String,
    pub namespace: String,
    pub target: String,
    pub min_replicas: i32,
    pub max_replicas: i32,
    pub cpu_target_percent: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStyle {
    /// HTTP GET on `path`, answered from the workload's state.
    Http,
    /// Grafana's `/api/health` JSON.
    Grafana,
    /// TCP accept only (PostgreSQL, MongoDB, RabbitMQ).
    Tcp,
    /// A minimal RESP responder.
    Redis,
}

/// A loopback endpoint standing in for one of the seed's services.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The workload whose pods back it; absent for infrastructure outside the cluster.
    #[serde(default)]
    pub workload: Option<String>,
    pub check: CheckStyle,
    #[serde(default)]
    pub path: Option<String>,
    /// Workloads this one calls; when one of them is down, this service answers 500.
    #[serde(default)]
    pub depends_on: Vec<String>,
}

// No deny_unknown_fields here: serde cannot combine it with `flatten`.
#[derive(Debug, Clone, Deserialize)]
pub struct IncidentSpec {
    pub name: String,
    /// Scenario seconds after start.
    pub at: f64,
    pub workload: String,
    /// What the incident will do, announced beforehand as a `Scenario` event
    /// ("in 40 s: …") so a newcomer knows what to watch for.
    pub preview: String,
    #[serde(flatten)]
    pub effect: Effect,
}

/// What goes wrong, and implicitly what cures it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// A bad value is written into a configmap and the workload's pods are replaced;
    /// pods read the configmap at creation (envFrom), so they crash until the value
    /// is corrected and the pods are replaced again (`rollout restart`).
    BadConfig {
        configmap: String,
        key: String,
        value: String,
    },
    /// Memory climbs per pod until the limit (OOMKilled), unless the workload has
    /// at least `cured_at_replicas` replicas or a limit above `base + cap_mib`.
    MemoryLeak {
        mib_per_minute: f64,
        cap_mib: f64,
        cured_at_replicas: i32,
    },
    /// A release with a broken image rolls out: its pods crash at start-up and
    /// the rollout stalls with the old pods still serving; `rollout undo` cures it.
    BadRelease { image: String },
    /// p95 latency rises until the workload has `cured_at_replicas` replicas.
    Latency {
        p95_ms: f64,
        cured_at_replicas: i32,
        #[serde(default)]
        error_percent: f64,
    },
    /// The pods running when it starts stop answering (readiness fails, health
    /// endpoint answers `status` or refuses); replacing the pods cures it.
    Down {
        /// An HTTP status code, or 0 for refused connections.
        status: u16,
    },
}

impl Scenario {
    fn validate(&self) -> Result<(), SimError> {
        let bad = |reason: String| SimError::Scenario {
            name: self.name.clone(),
            reason,
        };
        for w in &self.workloads {
            if !self.namespaces.contains(&w.namespace) {
                return Err(bad(format!(
                    "workload `{}` is in namespace `{}`, which the scenario does not list",
                    w.name, w.namespace
                )));
            }
        }
        for i in &self.incidents {
            if self.workload(&i.workload).is_none() {
                return Err(bad(format!(
                    "incident `{}` names workload `{}`, which does not exist",
                    i.name, i.workload
                )));
            }
        }
        for s in &self.services {
            if let Some(w) = &s.workload
                && self.workload(w).is_none()
            {
                return Err(bad(format!(
                    "service `{}` names workload `{w}`, which does not exist",
                    s.name
                )));
            }
        }
        Ok(())
    }

    /// The seed system's name: its profile and rules.
    pub fn system(&self) -> &str {
        self.system.as_deref().unwrap_or(&self.name)
    }

    pub fn workload(&self, name: &str) -> Option<&WorkloadSpec> {
        if self.index.len() == self.workloads.len() {
            return self
                .index
                .get(name)
                .and_then(|i| self.workloads.get(*i))
                .filter(|w| w.name == name);
        }
        self.workloads.iter().find(|w| w.name == name)
    }

    /// The scenario with its workload index built; lookups by name are then
    /// constant-time, which a 500-workload scenario needs on every tick.
    pub fn indexed(mut self) -> Scenario {
        self.index = self
            .workloads
            .iter()
            .enumerate()
            .map(|(i, w)| (w.name.clone(), i))
            .collect();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_scenario_parses() {
        for name in names() {
            let s = load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(s.name, name);
            assert!(!s.incidents.is_empty(), "{name} has no incident");
            // The demo shows its first symptom soon after start.
            assert!(
                s.incidents[0].at <= 10.0,
                "{name} starts its first incident late"
            );
            assert!(
                s.incidents.iter().all(|i| !i.preview.trim().is_empty()),
                "{name}"
            );
        }
    }
}
