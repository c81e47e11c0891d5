//! Pods into Workloads rows: the status reason as kubectl prints it, ready x/y, restarts,
//! the owning Deployment or StatefulSet, and CPU/memory against requests and limits.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use super::quantity;
use crate::app::model::{
    ContainerInfo, Owner, OwnerKind, Platform, Severity, Termination, Usage, Workload,
};

/// Which Deployment owns which ReplicaSet, per namespace, so a pod row can name the Deployment.
#[derive(Debug, Default, Clone)]
pub struct Owners {
    replica_sets: HashMap<(String, String), String>,
}

impl Owners {
    /// Records a ReplicaSet's controlling owner when it is a Deployment.
    pub fn add_replica_set(&mut self, meta: &ObjectMeta) {
        let (Some(ns), Some(name)) = (&meta.namespace, &meta.name) else {
            return;
        };
        if let Some(owner) =
            controller(meta.owner_references.as_deref()).filter(|o| o.kind == "Deployment")
        {
            self.replica_sets
                .insert((ns.clone(), name.clone()), owner.name.clone());
        }
    }

    /// The workload a pod belongs to: its Deployment (through the ReplicaSet), StatefulSet,
    /// DaemonSet or Job; `None` for a bare pod.
    pub fn group_of(&self, meta: &ObjectMeta) -> Option<String> {
        self.owner_of(meta).map(|o| o.name)
    }

    /// The pod's controller with its kind: a ReplicaSet's Deployment when it
    /// has one, else the ReplicaSet itself.
    pub fn owner_of(&self, meta: &ObjectMeta) -> Option<Owner> {
        let owner = controller(meta.owner_references.as_deref())?;
        if owner.kind != "ReplicaSet" {
            return Some(Owner {
                kind: OwnerKind::from_kind(&owner.kind),
                name: owner.name.clone(),
            });
        }
        let ns = meta.namespace.clone().unwrap_or_default();
        if let Some(deployment) = self.replica_sets.get(&(ns, owner.name.clone())) {
            return Some(Owner {
                kind: OwnerKind::Deployment,
                name: deployment.clone(),
            });
        }
        // The ReplicaSet has not been seen yet (or cannot be listed): its name is the
        // Deployment's plus the pod-template-hash, which the pod carries as a label.
        let hash = meta
            .labels
            .as_ref()
            .and_then(|l| l.get("pod-template-hash"));
        match hash.and_then(|h| owner.name.strip_suffix(&format!("-{h}"))) {
            Some(deployment) => Some(Owner {
                kind: OwnerKind::Deployment,
                name: deployment.to_string(),
            }),
            None => Some(Owner {
                kind: OwnerKind::ReplicaSet,
                name: owner.name.clone(),
            }),
        }
    }
}

fn controller(refs: Option<&[OwnerReference]>) -> Option<&OwnerReference> {
    let refs = refs?;
    refs.iter()
        .find(|r| r.controller == Some(true))
        .or(refs.first())
}

/// One pod's measured use: CPU in millicores and memory in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PodUsage {
    pub cpu_millicores: f64,
    pub memory_bytes: f64,
}

/// Measured use by (namespace, pod name).
pub type UsageByPod = HashMap<(String, String), PodUsage>;

/// Rows for `pods`, in the order given. `usage` is `None` when metrics are unavailable, and
/// the rows then carry no CPU or memory (the pane shows n/a).
pub fn pod_rows<'a>(
    pods: impl IntoIterator<Item = &'a Pod>,
    owners: &Owners,
    usage: Option<&UsageByPod>,
) -> Vec<Workload> {
    let mut key = (String::new(), String::new());
    pods.into_iter()
        .map(|pod| {
            let measured = usage.and_then(|u| {
                key.0.clear();
                key.0
                    .push_str(pod.metadata.namespace.as_deref().unwrap_or_default());
                key.1.clear();
                key.1
                    .push_str(pod.metadata.name.as_deref().unwrap_or_default());
                u.get(&key).copied()
            });
            pod_row(pod, owners, measured)
        })
        .collect()
}

/// Rows of the last rebuild by pod uid, so an unchanged pod (same resourceVersion, owner and
/// measured use) costs a clone instead of a conversion.
#[derive(Debug, Default)]
pub struct RowCache {
    rows: HashMap<String, Cached>,
    generation: u64,
}

#[derive(Debug)]
struct Cached {
    resource_version: String,
    usage: Option<PodUsage>,
    row: Workload,
    generation: u64,
}

impl RowCache {
    /// Rows for `pods` like [`pod_rows`], reusing the rows of pods that did not change.
    pub fn rows<'a>(
        &mut self,
        pods: impl IntoIterator<Item = &'a Pod>,
        owners: &Owners,
        usage: Option<&UsageByPod>,
    ) -> Vec<Workload> {
        self.generation += 1;
        let generation = self.generation;
        let mut key = (String::new(), String::new());
        let mut out = Vec::with_capacity(self.rows.len());
        for pod in pods {
            let measured = usage.and_then(|u| {
                key.0.clear();
                key.0
                    .push_str(pod.metadata.namespace.as_deref().unwrap_or_default());
                key.1.clear();
                key.1
                    .push_str(pod.metadata.name.as_deref().unwrap_or_default());
                u.get(&key).copied()
            });
            let (Some(uid), Some(rv)) = (&pod.metadata.uid, &pod.metadata.resource_version) else {
                out.push(pod_row(pod, owners, measured));
                continue;
            };
            let group = owners.group_of(&pod.metadata);
            match self.rows.get_mut(uid) {
                Some(c)
                    if c.resource_version == *rv && c.usage == measured && c.row.group == group =>
                {
                    c.generation = generation;
                    out.push(c.row.clone());
                }
                _ => {
                    let row = pod_row(pod, owners, measured);
                    self.rows.insert(
                        uid.clone(),
                        Cached {
                            resource_version: rv.clone(),
                            usage: measured,
                            row: row.clone(),
                            generation,
                        },
                    );
                    out.push(row);
                }
            }
        }
        self.rows.retain(|_, c| c.generation == generation);
        out
    }
}

/// The Workloads row of one pod.
pub fn pod_row(pod: &Pod, owners: &Owners, usage: Option<PodUsage>) -> Workload {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let statuses: &[ContainerStatus] = status
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or_default();
    let total = spec.map_or(statuses.len(), |s| s.containers.len()) as u32;
    let ready = statuses.iter().filter(|c| c.ready).count() as u32;
    let restarts = statuses.iter().map(|c| c.restart_count.max(0) as u32).sum();
    let last_restart = statuses
        .iter()
        .filter_map(|c| last_termination(c)?.finished)
        .max();
    let reason = status_reason(pod);
    let severity = severity(&reason, ready, total);
    let (cpu, memory) = match usage {
        Some(u) => {
            let (cpu_req, cpu_lim, mem_req, mem_lim) = requests_and_limits(pod);
            (
                Some(Usage {
                    used: u.cpu_millicores,
                    request: cpu_req,
                    limit: cpu_lim,
                }),
                Some(Usage {
                    used: u.memory_bytes,
                    request: mem_req,
                    limit: mem_lim,
                }),
            )
        }
        None => (None, None),
    };
    let containers = spec
        .map(|s| {
            s.containers
                .iter()
                .map(|c| {
                    let st = statuses.iter().find(|s| s.name == c.name);
                    container_info(&c.name, c.image.as_deref().unwrap_or_default(), st)
                })
                .collect()
        })
        .unwrap_or_default();
    Workload {
        platform: Platform::Kubernetes,
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone().unwrap_or_default(),
        group: owners.group_of(meta),
        owner: owners.owner_of(meta),
        ready: (ready, total),
        status: reason,
        severity,
        restarts,
        last_restart,
        created: meta.creation_timestamp.as_ref().map(|t| t.0),
        cpu,
        memory,
        node: spec.and_then(|s| s.node_name.clone()),
        net_io: None,
        containers,
    }
}

fn last_termination(c: &ContainerStatus) -> Option<Termination> {
    let t = c.last_state.as_ref()?.terminated.as_ref()?;
    Some(Termination {
        reason: t.reason.clone().unwrap_or_default(),
        exit_code: t.exit_code,
        finished: t.finished_at.as_ref().map(|f| f.0),
    })
}

fn container_info(name: &str, image: &str, status: Option<&ContainerStatus>) -> ContainerInfo {
    let Some(s) = status else {
        return ContainerInfo {
            name: name.to_string(),
            image: image.to_string(),
            state: "waiting".into(),
            ..Default::default()
        };
    };
    let state = match s.state.as_ref() {
        Some(st) if st.running.is_some() => "running".to_string(),
        Some(st) if st.waiting.is_some() => {
            match st.waiting.as_ref().and_then(|w| w.reason.as_deref()) {
                Some(r) => format!("waiting: {r}"),
                None => "waiting".to_string(),
            }
        }
        Some(st) if st.terminated.is_some() => {
            match st.terminated.as_ref().and_then(|t| t.reason.as_deref()) {
                Some(r) => format!("terminated: {r}"),
                None => "terminated".to_string(),
            }
        }
        _ => "unknown".to_string(),
    };
    ContainerInfo {
        name: name.to_string(),
        image: if s.image.is_empty() {
            image.to_string()
        } else {
            s.image.clone()
        },
        state,
        ready: s.ready,
        restarts: s.restart_count.max(0) as u32,
        last_termination: last_termination(s),
    }
}

/// The STATUS column of `kubectl get pods`, except that a crash loop caused by the kernel's
/// OOM killer reads `OOMKilled`: the cause is what the operator needs, and the restart count
/// still shows the loop.
pub fn status_reason(pod: &Pod) -> String {
    let status = pod.status.as_ref();
    let mut reason = status
        .and_then(|s| s.reason.clone().or_else(|| s.phase.clone()))
        .unwrap_or_else(|| "Unknown".to_string());

    let init_statuses = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or_default();
    let init_total = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .map_or(init_statuses.len(), Vec::len);
    let mut initializing = false;
    for (i, c) in init_statuses.iter().enumerate() {
        let state = c.state.as_ref();
        if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
            if t.exit_code == 0 {
                continue;
            }
            reason = match &t.reason {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => match t.signal {
                    Some(sig) if sig != 0 => format!("Init:Signal:{sig}"),
                    _ => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
        } else if let Some(r) = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{r}");
        } else {
            reason = format!("Init:{i}/{init_total}");
        }
        initializing = true;
        break;
    }

    if !initializing {
        let statuses = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or_default();
        let mut has_running = false;
        for c in statuses.iter().rev() {
            let state = c.state.as_ref();
            if let Some(r) = state
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref())
                .filter(|r| !r.is_empty())
            {
                reason = r.to_string();
            } else if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
                reason = match &t.reason {
                    Some(r) if !r.is_empty() => r.clone(),
                    _ => match t.signal {
                        Some(sig) if sig != 0 => format!("Signal:{sig}"),
                        _ => format!("ExitCode:{}", t.exit_code),
                    },
                };
            } else if state.is_some_and(|s| s.running.is_some()) && c.ready {
                has_running = true;
            }
        }
        if reason == "Completed" && has_running {
            reason = "Running".to_string();
        }
        if reason == "CrashLoopBackOff"
            && statuses.iter().any(|c| {
                c.state
                    .as_ref()
                    .and_then(|s| s.waiting.as_ref())
                    .and_then(|w| w.reason.as_deref())
                    == Some("CrashLoopBackOff")
                    && last_termination(c).is_some_and(|t| t.reason == "OOMKilled")
            })
        {
            reason = "OOMKilled".to_string();
        }
    }

    if pod.metadata.deletion_timestamp.is_some() {
        reason = if status.and_then(|s| s.reason.as_deref()) == Some("NodeLost") {
            "Unknown".to_string()
        } else {
            "Terminating".to_string()
        };
    }
    reason
}

fn severity(reason: &str, ready: u32, total: u32) -> Severity {
    const BROKEN: &[&str] = &[
        "CrashLoopBackOff",
        "OOMKilled",
        "Error",
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "ContainerCannotRun",
        "Evicted",
        "Failed",
    ];
    if BROKEN.contains(&reason)
        || reason.starts_with("Init:Error")
        || reason.starts_with("Init:CrashLoopBackOff")
        || reason.starts_with("ExitCode:")
        || reason.starts_with("Signal:")
    {
        return Severity::Crit;
    }
    match reason {
        "Completed" | "Succeeded" => Severity::Ok,
        "Running" if ready == total => Severity::Ok,
        _ => Severity::Warn,
    }
}

/// Sums of the containers' (cpu request, cpu limit, memory request, memory limit). A limit is
/// `None` when any container has none, since the pod is then unbounded.
fn requests_and_limits(pod: &Pod) -> (Option<f64>, Option<f64>, Option<f64>, Option<f64>) {
    let Some(spec) = pod.spec.as_ref() else {
        return (None, None, None, None);
    };
    let mut req = [None::<f64>; 2];
    let mut lim = [Some(0.0f64); 2];
    for c in &spec.containers {
        let res = c.resources.as_ref();
        for (i, key) in ["cpu", "memory"].into_iter().enumerate() {
            let parse = |q: &str| {
                if i == 0 {
                    quantity::millicores(q)
                } else {
                    quantity::bytes(q)
                }
            };
            if let Some(v) = res
                .and_then(|r| r.requests.as_ref())
                .and_then(|m| m.get(key))
                .and_then(|q| parse(&q.0))
            {
                req[i] = Some(req[i].unwrap_or(0.0) + v);
            }
            let l = res
                .and_then(|r| r.limits.as_ref())
                .and_then(|m| m.get(key))
                .and_then(|q| parse(&q.0));
            lim[i] = match (lim[i], l) {
                (Some(sum), Some(v)) => Some(sum + v),
                _ => None,
            };
        }
    }
    if spec.containers.is_empty() {
        lim = [None, None];
    }
    (req[0], lim[0], req[1], lim[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;
    use serde_json::json;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    fn base(container_status: serde_json::Value) -> Pod {
        pod(json!({
            "metadata": {"name": "langgraph-7d9f-abcde", "namespace": "rag7",
                "labels": {"pod-template-hash": "7d9f"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "langgraph-7d9f", "uid": "1", "controller": true}]},
            "spec": {"nodeName": "sim-node-1", "containers": [{"name": "langgraph", "image": "rag7/langgraph:1.4.2",
                "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "2", "memory": "2Gi"}}}]},
            "status": {"phase": "Running", "containerStatuses": [container_status]}
        }))
    }

    #[test]
    fn crash_loop_reads_like_kubectl_with_restarts_and_last_restart() {
        let p = base(
            json!({"name": "langgraph", "image": "rag7/langgraph:1.4.2", "imageID": "", "ready": false,
            "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": "2026-01-01T10:00:00Z"}}}),
        );
        let row = pod_row(&p, &Owners::default(), None);
        assert_eq!(row.status, "CrashLoopBackOff");
        assert_eq!(row.severity, Severity::Crit);
        assert_eq!(row.ready, (0, 1));
        assert_eq!(row.restarts, 3);
        assert_eq!(
            row.last_restart,
            Some("2026-01-01T10:00:00Z".parse().unwrap())
        );
        assert_eq!(row.group.as_deref(), Some("langgraph"));
        assert_eq!(row.containers[0].state, "waiting: CrashLoopBackOff");
        assert_eq!(
            row.containers[0]
                .last_termination
                .as_ref()
                .unwrap()
                .exit_code,
            1
        );
        assert_eq!(row.cpu, None);
    }

    #[test]
    fn an_oom_crash_loop_names_the_oom() {
        let p = base(
            json!({"name": "langgraph", "image": "x", "imageID": "", "ready": false, "restartCount": 1,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}),
        );
        assert_eq!(status_reason(&p), "OOMKilled");
    }

    #[test]
    fn waiting_and_terminating_reasons() {
        for reason in ["ImagePullBackOff", "ErrImagePull", "ContainerCreating"] {
            let p = base(
                json!({"name": "langgraph", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": reason}}}),
            );
            assert_eq!(status_reason(&p), reason);
        }
        let mut p = base(
            json!({"name": "langgraph", "image": "x", "imageID": "", "ready": true, "restartCount": 0,
            "state": {"running": {}}}),
        );
        assert_eq!(status_reason(&p), "Running");
        assert_eq!(pod_row(&p, &Owners::default(), None).severity, Severity::Ok);
        p.metadata.deletion_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            Timestamp::UNIX_EPOCH,
        ));
        assert_eq!(status_reason(&p), "Terminating");
        let pending = pod(json!({"metadata": {"name": "p"}, "status": {"phase": "Pending"}}));
        assert_eq!(status_reason(&pending), "Pending");
        let done = base(
            json!({"name": "langgraph", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"terminated": {"reason": "Completed", "exitCode": 0}}}),
        );
        assert_eq!(status_reason(&done), "Completed");
        let failed = base(
            json!({"name": "langgraph", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"terminated": {"exitCode": 2}}}),
        );
        assert_eq!(status_reason(&failed), "ExitCode:2");
    }

    #[test]
    fn owners_resolve_through_the_replica_set() {
        let mut owners = Owners::default();
        let rs: ObjectMeta = serde_json::from_value(json!({"name": "langgraph-7d9f", "namespace": "rag7",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "langgraph-api", "uid": "2", "controller": true}]})).unwrap();
        owners.add_replica_set(&rs);
        let p = base(
            json!({"name": "langgraph", "image": "x", "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {}}}),
        );
        assert_eq!(
            owners.group_of(&p.metadata).as_deref(),
            Some("langgraph-api")
        );
        let sts: ObjectMeta = serde_json::from_value(json!({"name": "postgres-0", "namespace": "rag7",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "postgres", "uid": "3", "controller": true}]})).unwrap();
        assert_eq!(owners.group_of(&sts).as_deref(), Some("postgres"));
    }

    #[test]
    fn the_cache_reuses_unchanged_rows_and_redoes_changed_ones() {
        let mut p = base(
            json!({"name": "langgraph", "image": "x", "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {}}}),
        );
        p.metadata.uid = Some("u1".into());
        p.metadata.resource_version = Some("1".into());
        let mut cache = RowCache::default();
        let owners = Owners::default();
        assert_eq!(cache.rows([&p], &owners, None)[0].status, "Running");
        let mut crashed = base(
            json!({"name": "langgraph", "image": "x", "imageID": "", "ready": false, "restartCount": 1,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}}}),
        );
        crashed.metadata.uid = Some("u1".into());
        crashed.metadata.resource_version = Some("2".into());
        let rows = cache.rows([&crashed], &owners, None);
        assert_eq!(
            (rows[0].status.as_str(), rows[0].restarts),
            ("CrashLoopBackOff", 1)
        );
        let usage: UsageByPod = [(
            ("rag7".to_string(), "langgraph-7d9f-abcde".to_string()),
            PodUsage {
                cpu_millicores: 5.0,
                memory_bytes: 1.0,
            },
        )]
        .into();
        assert_eq!(
            cache.rows([&crashed], &owners, Some(&usage))[0]
                .cpu
                .map(|c| c.used),
            Some(5.0)
        );
        assert!(
            cache
                .rows(std::iter::empty::<&Pod>(), &owners, None)
                .is_empty()
        );
        assert!(cache.rows.is_empty());
    }

    #[test]
    fn usage_carries_summed_requests_and_limits() {
        let p = base(
            json!({"name": "langgraph", "image": "x", "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {}}}),
        );
        let row = pod_row(
            &p,
            &Owners::default(),
            Some(PodUsage {
                cpu_millicores: 310.0,
                memory_bytes: 780.0 * 1048576.0,
            }),
        );
        let cpu = row.cpu.unwrap();
        assert_eq!(
            (cpu.used, cpu.request, cpu.limit),
            (310.0, Some(500.0), Some(2000.0))
        );
        let mem = row.memory.unwrap();
        assert_eq!(mem.limit, Some(2.0 * 1073741824.0));
        assert_eq!(mem.request, Some(512.0 * 1048576.0));
    }
}
