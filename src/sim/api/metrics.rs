//! metrics.k8s.io/v1beta1: PodMetrics and NodeMetrics that follow the scenario.

use std::collections::HashMap;

use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::{Value, json};

use super::handlers::Shared;
use super::select::LabelSelector;
use super::status::ApiError;
use crate::sim::clock::{rfc3339, wall};
use crate::sim::world::{ContainerState, World};

/// (cpu millicores, memory MiB) of a running pod now.
pub fn pod_usage(w: &mut World, uid: &str) -> Option<(f64, f64)> {
    let rt = w.pods.get(uid)?;
    if !matches!(rt.state, ContainerState::Running { .. }) {
        return None;
    }
    let spec = w.scenario.workload(&rt.workload)?;
    let h = w.health.get(&rt.workload).cloned().unwrap_or_default();
    let busy = if h.p95_ms > spec.p95_ms * 1.5 {
        1.9
    } else {
        1.0
    };
    let (cpu, mem) = (
        f64::from(spec.cpu_usage_m) * busy,
        f64::from(spec.memory_usage_mib) + rt.leak_mib,
    );
    let jitter: f64 = w.noise.random_range(0.9..1.1);
    Some((cpu * jitter, mem * (0.98 + (jitter - 0.9) * 0.2)))
}

fn json_response(v: &Value) -> Response {
    ([("content-type", "application/json")], v.to_string()).into_response()
}

pub fn serve(
    s: &Shared,
    resource: &str,
    namespace: Option<&str>,
    name: Option<&str>,
    q: &HashMap<String, String>,
) -> Result<Response, ApiError> {
    let labels = LabelSelector::parse(q.get("labelSelector").map(String::as_str).unwrap_or(""))?;
    let now = rfc3339(wall());
    match resource {
        "pods" => {
            let items: Vec<Value> = s.with(|w| {
                let pods: Vec<Value> = w
                    .store
                    .list("pods", namespace)
                    .into_iter()
                    .filter(|p| labels.matches(p) && name.is_none_or(|n| p["metadata"]["name"] == n))
                    .cloned()
                    .collect();
                pods.iter()
                    .filter_map(|p| {
                        let (cpu, mem) = pod_usage(w, p["metadata"]["uid"].as_str().unwrap_or_default())?;
                        Some(json!({"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                            "metadata": {"name": p["metadata"]["name"], "namespace": p["metadata"]["namespace"],
                                         "labels": p["metadata"]["labels"], "creationTimestamp": now},
                            "timestamp": now, "window": "15s",
                            "containers": [{"name": p["spec"]["containers"][0]["name"],
                                "usage": {"cpu": format!("{}n", (cpu * 1e6) as u64), "memory": format!("{}Ki", (mem * 1024.0) as u64)}}]}))
                    })
                    .collect()
            });
            one_or_list(items, name, "PodMetricsList", "pods")
        }
        "nodes" => {
            let items: Vec<Value> = s.with(|w| {
                let nodes: Vec<Value> = w.store.list("nodes", None).into_iter().cloned().collect();
                let pods: Vec<(String, String)> = w
                    .pods
                    .values()
                    .map(|p| (p.uid.clone(), p.node.clone()))
                    .collect();
                nodes
                    .iter()
                    .filter(|n| labels.matches(n) && name.is_none_or(|x| n["metadata"]["name"] == x))
                    .map(|n| {
                        let node = n["metadata"]["name"].as_str().unwrap_or_default();
                        let (mut cpu, mut mem) = (180.0, 1400.0);
                        for (uid, _) in pods.iter().filter(|(_, nd)| nd == node) {
                            if let Some((c, m)) = pod_usage(w, uid) {
                                cpu += c;
                                mem += m;
                            }
                        }
                        json!({"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                            "metadata": {"name": node, "labels": n["metadata"]["labels"], "creationTimestamp": now},
                            "timestamp": now, "window": "20s",
                            "usage": {"cpu": format!("{}n", (cpu * 1e6) as u64), "memory": format!("{}Ki", (mem * 1024.0) as u64)}})
                    })
                    .collect()
            });
            one_or_list(items, name, "NodeMetricsList", "nodes")
        }
        other => Err(ApiError::not_found(
            "resource",
            &format!("{other}.metrics.k8s.io"),
        )),
    }
}

fn one_or_list(
    items: Vec<Value>,
    name: Option<&str>,
    list_kind: &str,
    resource: &str,
) -> Result<Response, ApiError> {
    match name {
        Some(n) => items
            .into_iter()
            .next()
            .map(|i| json_response(&i))
            .ok_or_else(|| ApiError::not_found(&format!("{resource}.metrics.k8s.io"), n)),
        None => Ok(json_response(
            &json!({"kind": list_kind, "apiVersion": "metrics.k8s.io/v1beta1",
                                          "metadata": {}, "items": items}),
        )),
    }
}
