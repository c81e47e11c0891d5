//! Status subresources: replica sets, deployments, statefulsets and HPAs.

use serde_json::{Value, json};

use super::*;
use crate::sim::clock::{rfc3339, wall};
use crate::sim::world::World;

pub(super) fn update_statuses(w: &mut World) {
    let rss: Vec<Value> = w
        .store
        .list("replicasets", None)
        .into_iter()
        .cloned()
        .collect();
    for mut rs in rss {
        let ns = rs["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let uid = rs["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let pods = owned_by(w, "pods", &ns, &uid);
        let n = pods.len();
        let ready = pods.iter().filter(|p| pod_ready(w, p)).count();
        rs["status"] = json!({"replicas": n, "fullyLabeledReplicas": n, "readyReplicas": ready,
            "availableReplicas": ready, "observedGeneration": rs["metadata"]["generation"]});
        w.store.put("replicasets", rs);
    }
    let deps: Vec<Value> = w
        .store
        .list("deployments", None)
        .into_iter()
        .cloned()
        .collect();
    for mut dep in deps {
        let ns = dep["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let uid = dep["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let desired = dep["spec"]["replicas"].as_i64().unwrap_or(1);
        let hash = template_hash(&dep["spec"]["template"]);
        let (mut total, mut updated, mut ready) = (0, 0, 0);
        for rs in owned_by(w, "replicasets", &ns, &uid) {
            let is_new = rs["metadata"]["labels"]["pod-template-hash"] == hash.as_str();
            for p in owned_by(
                w,
                "pods",
                &ns,
                rs["metadata"]["uid"].as_str().unwrap_or_default(),
            ) {
                let r = pod_ready(w, p);
                total += 1;
                ready += i64::from(r);
                updated += i64::from(is_new);
            }
        }
        let max_unavailable = (desired as f64 * 0.25).floor() as i64;
        let available_ok = ready >= desired - max_unavailable;
        let complete = updated == desired && total == desired && ready >= desired;
        let now = rfc3339(wall());
        let prev = dep["status"]["conditions"].clone();
        let since = |t: &str, s: &str| -> Value {
            prev.as_array()
                .and_then(|c| c.iter().find(|c| c["type"] == t && c["status"] == s))
                .map(|c| c["lastTransitionTime"].clone())
                .unwrap_or(json!(now))
        };
        let avail_status = if available_ok { "True" } else { "False" };
        let mut status = json!({
            "observedGeneration": dep["metadata"]["generation"],
            "replicas": total, "updatedReplicas": updated, "readyReplicas": ready, "availableReplicas": ready,
            "conditions": [
                {"type": "Available", "status": avail_status,
                 "reason": if available_ok { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" },
                 "message": if available_ok { "Deployment has minimum availability." } else { "Deployment does not have minimum availability." },
                 "lastUpdateTime": since("Available", avail_status), "lastTransitionTime": since("Available", avail_status)},
                {"type": "Progressing", "status": "True",
                 "reason": if complete { "NewReplicaSetAvailable" } else { "ReplicaSetUpdated" },
                 "message": format!("ReplicaSet \"{}-{hash}\" {}.", dep["metadata"]["name"].as_str().unwrap_or_default(),
                    if complete { "has successfully progressed" } else { "is progressing" }),
                 "lastUpdateTime": since("Progressing", "True"), "lastTransitionTime": since("Progressing", "True")},
            ],
        });
        if desired - ready > 0 {
            status["unavailableReplicas"] = json!(desired - ready);
        }
        dep["status"] = status;
        w.store.put("deployments", dep);
    }
    let stss: Vec<Value> = w
        .store
        .list("statefulsets", None)
        .into_iter()
        .cloned()
        .collect();
    for mut sts in stss {
        let ns = sts["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let uid = sts["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = sts["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let revision = format!("{name}-{}", template_hash(&sts["spec"]["template"]));
        let pods = owned_by(w, "pods", &ns, &uid);
        let n = pods.len();
        let ready = pods.iter().filter(|p| pod_ready(w, p)).count();
        let updated = pods
            .iter()
            .filter(|p| p["metadata"]["labels"]["controller-revision-hash"] == revision.as_str())
            .count();
        let desired = sts["spec"]["replicas"].as_i64().unwrap_or(1) as usize;
        let current_revision = if updated == n && n == desired {
            revision.clone()
        } else {
            sts["status"]["currentRevision"]
                .as_str()
                .unwrap_or(&revision)
                .to_string()
        };
        sts["status"] = json!({"observedGeneration": sts["metadata"]["generation"], "replicas": n,
            "readyReplicas": ready, "availableReplicas": ready, "currentReplicas": updated, "updatedReplicas": updated,
            "currentRevision": current_revision, "updateRevision": revision, "collisionCount": 0});
        w.store.put("statefulsets", sts);
    }
    let hpas: Vec<Value> = w
        .store
        .list("horizontalpodautoscalers", None)
        .into_iter()
        .cloned()
        .collect();
    for mut hpa in hpas {
        let ns = hpa["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let target = hpa["spec"]["scaleTargetRef"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let current = w
            .store
            .get("deployments", &ns, &target)
            .and_then(|d| d["status"]["replicas"].as_i64())
            .unwrap_or(0);
        let util = cpu_utilisation(w, &target);
        let goal = hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"]
            .as_f64()
            .unwrap_or(80.0);
        let min = hpa["spec"]["minReplicas"].as_i64().unwrap_or(1);
        let max = hpa["spec"]["maxReplicas"].as_i64().unwrap_or(min);
        let desired = ((current as f64 * f64::from(util) / goal).ceil() as i64).clamp(min, max);
        hpa["status"] = json!({"currentReplicas": current, "desiredReplicas": desired,
            "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu",
                "current": {"averageUtilization": util, "averageValue": format!("{}m", util * 5)}}}]});
        w.store.put("horizontalpodautoscalers", hpa);
    }
}

/// CPU use in percent of request, as the HPA computes it.
pub(super) fn cpu_utilisation(w: &World, workload: &str) -> i32 {
    let Some(spec) = w.workload_spec(workload) else {
        return 0;
    };
    let h = w.health.get(workload).cloned().unwrap_or_default();
    let load = if h.p95_ms > spec.p95_ms * 1.5 {
        1.9
    } else {
        1.0
    };
    (f64::from(spec.cpu_usage_m) * load / f64::from(spec.cpu_request_m.max(1)) * 100.0).round()
        as i32
}
