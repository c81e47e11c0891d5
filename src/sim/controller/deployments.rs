//! Deployments and their replica sets: rolling updates, revisions, scaling.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::kubelet::create_pod;
use super::*;
use crate::sim::clock::{rfc3339, wall};
use crate::sim::world::World;

const REVISION: &str = "deployment.kubernetes.io/revision";
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

pub(super) fn revision_of(rs: &Value) -> i64 {
    rs["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

pub(super) fn reconcile_deployment(w: &mut World, mut dep: Value) {
    let ns = dep["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let name = dep["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let uid = dep["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let desired = dep["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
    let template = dep["spec"]["template"].clone();
    let hash = template_hash(&template);
    let rss: Vec<Value> = owned_by(w, "replicasets", &ns, &uid)
        .into_iter()
        .cloned()
        .collect();
    let max_rev = rss.iter().map(revision_of).max().unwrap_or(0);
    let mut new_rs = rss
        .iter()
        .find(|r| r["metadata"]["labels"]["pod-template-hash"] == hash.as_str())
        .cloned();
    match &mut new_rs {
        None => {
            let mut t = template.clone();
            t["metadata"]["labels"]["pod-template-hash"] = json!(hash);
            let mut selector = dep["spec"]["selector"].clone();
            selector["matchLabels"]["pod-template-hash"] = json!(hash);
            let rev = (max_rev + 1).to_string();
            let rs_uid = w.uid();
            let mut rs = json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {
                    "name": format!("{name}-{hash}"), "namespace": ns, "uid": rs_uid,
                    "creationTimestamp": rfc3339(wall()), "generation": 1,
                    "labels": t["metadata"]["labels"],
                    "annotations": {REVISION: rev, "deployment.kubernetes.io/desired-replicas": desired.to_string()},
                    "ownerReferences": [owner_ref(&dep)],
                },
                "spec": {"replicas": 0, "selector": selector, "template": t},
                "status": {"replicas": 0, "observedGeneration": 1},
            });
            // `kubectl rollout history` reads CHANGE-CAUSE from the replica set.
            if let Some(cause) = dep["metadata"]["annotations"][CHANGE_CAUSE].as_str() {
                rs["metadata"]["annotations"][CHANGE_CAUSE] = json!(cause);
            }
            new_rs = Some(w.store.put("replicasets", rs));
        }
        Some(rs) if revision_of(rs) < max_rev => {
            // Rolled back to an older template: it becomes the newest revision.
            rs["metadata"]["annotations"][REVISION] = json!((max_rev + 1).to_string());
            *rs = w.store.put("replicasets", rs.clone());
        }
        Some(_) => {}
    }
    let Some(new_rs) = new_rs else { return };
    let new_name = new_rs["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let rev = revision_of(&new_rs).to_string();
    if dep["metadata"]["annotations"][REVISION] != rev.as_str() {
        dep["metadata"]["annotations"][REVISION] = json!(rev);
        dep = w.store.put("deployments", dep);
    }

    let olds: Vec<Value> = rss
        .iter()
        .filter(|r| r["metadata"]["name"] != new_name.as_str())
        .cloned()
        .collect();
    let surge_pct = 0.25;
    let mut surge = (desired as f64 * surge_pct).ceil() as i64;
    let unavailable = (desired as f64 * surge_pct).floor() as i64;
    if surge == 0 && unavailable == 0 {
        surge = 1;
    }
    let old_total: i64 = olds
        .iter()
        .map(|r| r["spec"]["replicas"].as_i64().unwrap_or(0))
        .sum();
    let new_cur = new_rs["spec"]["replicas"].as_i64().unwrap_or(0);
    let new_target = if new_cur > desired {
        desired
    } else {
        desired.min(desired + surge - old_total).max(new_cur)
    };
    if new_target != new_cur {
        scale_rs(w, &dep, new_rs.clone(), new_cur, new_target);
    }
    // Scale old replica sets down: unready pods go at once; ready ones only
    // while enough pods stay available.
    let ready_total: i64 = rss
        .iter()
        .map(|r| {
            let r_uid = r["metadata"]["uid"].as_str().unwrap_or_default();
            owned_by(w, "pods", &ns, r_uid)
                .into_iter()
                .filter(|p| pod_ready(w, p))
                .count() as i64
        })
        .sum();
    let mut can_remove = (ready_total - (desired - unavailable)).max(0);
    for old in olds {
        let cur = old["spec"]["replicas"].as_i64().unwrap_or(0);
        if cur == 0 {
            continue;
        }
        let o_uid = old["metadata"]["uid"].as_str().unwrap_or_default();
        let pods = owned_by(w, "pods", &ns, o_uid);
        let unready = pods.iter().filter(|p| !pod_ready(w, p)).count() as i64;
        let ready = pods.len() as i64 - unready;
        let drop_unready = unready.min(cur);
        let drop_ready = can_remove.min(ready).min(cur - drop_unready);
        can_remove -= drop_ready;
        let target = cur - drop_unready - drop_ready;
        if target != cur {
            scale_rs(w, &dep, old, cur, target);
        }
    }
}

pub(super) fn scale_rs(w: &mut World, dep: &Value, mut rs: Value, from: i64, to: i64) {
    let rs_name = rs["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    rs["spec"]["replicas"] = json!(to);
    let generation = rs["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
    rs["metadata"]["generation"] = json!(generation);
    w.store.put("replicasets", rs);
    let verb = if to > from { "up" } else { "down" };
    w.event(
        dep,
        "Normal",
        "ScalingReplicaSet",
        &format!("Scaled {verb} replica set {rs_name} from {from} to {to}"),
        "deployment-controller",
    );
}

pub(super) fn reconcile_replicaset(w: &mut World, rs: Value, now: f64) {
    let ns = rs["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let uid = rs["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let name = rs["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let desired = rs["spec"]["replicas"].as_i64().unwrap_or(0).max(0) as usize;
    let mut pods: Vec<Value> = owned_by(w, "pods", &ns, &uid)
        .into_iter()
        .cloned()
        .collect();
    while pods.len() < desired {
        let pod_name = format!("{name}-{}", w.suffix(5));
        let pod = create_pod(w, &rs, &pod_name, BTreeMap::new(), now);
        w.event(
            &rs,
            "Normal",
            "SuccessfulCreate",
            &format!("Created pod: {pod_name}"),
            "replicaset-controller",
        );
        pods.push(pod);
    }
    if pods.len() > desired {
        // Unready pods first, then the youngest.
        pods.sort_by_key(|p| {
            (
                pod_ready(w, p),
                std::cmp::Reverse(
                    p["metadata"]["creationTimestamp"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                ),
            )
        });
        for p in pods.iter().take(pods.len() - desired) {
            let pname = p["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            delete_pod(w, p);
            w.event(
                &rs,
                "Normal",
                "SuccessfulDelete",
                &format!("Deleted pod: {pname}"),
                "replicaset-controller",
            );
        }
    }
}
