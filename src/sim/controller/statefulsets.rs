//! StatefulSets: ordered pods with stable names and claims.

use std::collections::BTreeMap;

use serde_json::Value;

use super::kubelet::create_pod;
use super::*;
use crate::sim::world::World;

pub(super) fn reconcile_statefulset(w: &mut World, sts: Value, now: f64) {
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
    let desired = sts["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
    let revision = format!("{name}-{}", template_hash(&sts["spec"]["template"]));
    let pods: Vec<Value> = owned_with_terminating(w, "pods", &ns, &uid)
        .into_iter()
        .cloned()
        .collect();
    let ordinal = |p: &Value| -> i64 {
        p["metadata"]["name"]
            .as_str()
            .and_then(|n| n.rsplit('-').next())
            .and_then(|o| o.parse().ok())
            .unwrap_or(-1)
    };
    let leaving = pods
        .iter()
        .filter(|p| ordinal(p) >= desired && p["metadata"]["deletionTimestamp"].is_null());
    for p in leaving {
        delete_pod(w, p);
        let pname = p["metadata"]["name"].as_str().unwrap_or_default();
        w.event(
            &sts,
            "Normal",
            "SuccessfulDelete",
            &format!("delete Pod {pname} in StatefulSet {name} successful"),
            "statefulset-controller",
        );
    }
    let live: Vec<&Value> = pods.iter().filter(|p| ordinal(p) < desired).collect();
    let all_ready = live.iter().all(|p| pod_ready(w, p));
    for i in 0..desired {
        if live.iter().any(|p| ordinal(p) == i) {
            continue;
        }
        // OrderedReady: one missing ordinal at a time, once the others are ready.
        if all_ready {
            let pname = format!("{name}-{i}");
            let mut labels = BTreeMap::new();
            labels.insert("controller-revision-hash".to_string(), revision.clone());
            labels.insert(
                "statefulset.kubernetes.io/pod-name".to_string(),
                pname.clone(),
            );
            // The claim from volumeClaimTemplates outlives the pod, as on a cluster.
            if let Some(tpl) = sts["spec"]["volumeClaimTemplates"][0].as_object() {
                let claim = format!(
                    "{}-{pname}",
                    tpl["metadata"]["name"].as_str().unwrap_or("data")
                );
                if w.store.get("persistentvolumeclaims", &ns, &claim).is_none() {
                    let size = tpl["spec"]["resources"]["requests"]["storage"]
                        .as_str()
                        .unwrap_or("1Gi")
                        .to_string();
                    let claim_labels: BTreeMap<String, String> = serde_json::from_value(
                        sts["spec"]["template"]["metadata"]["labels"].clone(),
                    )
                    .unwrap_or_default();
                    crate::sim::build::put_pvc(w, &claim, &ns, &size, "standard", claim_labels);
                }
            }
            create_pod(w, &sts, &pname, labels, now);
            w.event(
                &sts,
                "Normal",
                "SuccessfulCreate",
                &format!("create Pod {pname} in StatefulSet {name} successful"),
                "statefulset-controller",
            );
        }
        return;
    }
    if all_ready
        && let Some(stale) = live
            .iter()
            .filter(|p| p["metadata"]["labels"]["controller-revision-hash"] != revision.as_str())
            .max_by_key(|p| ordinal(p))
    {
        let stale = (*stale).clone();
        delete_pod(w, &stale);
    }
}
