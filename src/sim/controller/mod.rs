//! The controller loop: deployments, replica sets and statefulsets keep their
//! pods; containers start, crash, back off and get OOM-killed; incidents start
//! on the scenario's timeline; every change emits events.

mod deployments;
mod health;
mod kubelet;
mod statefulsets;
mod status;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::build::app_label;
use super::clock::{rfc3339, wall};
use super::scenario::{Effect, WorkloadKind};
use super::world::World;

pub use health::BUCKETS;

const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Advances the world to the scenario clock's present.
pub fn tick(w: &mut World) {
    let now = w.clock.now();
    let dt = (now - w.last_tick).max(0.0);
    w.last_tick = now;
    start_incidents(w, now);
    let deployments: Vec<Value> = w
        .store
        .list("deployments", None)
        .into_iter()
        .cloned()
        .collect();
    for d in deployments {
        deployments::reconcile_deployment(w, d);
    }
    let replicasets: Vec<Value> = w
        .store
        .list("replicasets", None)
        .into_iter()
        .cloned()
        .collect();
    for rs in replicasets {
        deployments::reconcile_replicaset(w, rs, now);
    }
    let statefulsets: Vec<Value> = w
        .store
        .list("statefulsets", None)
        .into_iter()
        .cloned()
        .collect();
    for s in statefulsets {
        statefulsets::reconcile_statefulset(w, s, now);
    }
    kubelet::advance_pods(w, now, dt);
    kubelet::render_pods(w);
    status::update_statuses(w);
    health::compute_health(w, dt);
    churn(w, now, dt);
    prune_events(w);
}

/// Replaces about `churn_percent_per_minute` of the running pods each minute,
/// as rollouts, evictions and autoscaling do in a large cluster: the pods are
/// deleted and their replica sets create new ones.
fn churn(w: &mut World, now: f64, dt: f64) {
    let percent = w.scenario.churn_percent_per_minute;
    if percent <= 0.0 || now < CHURN_AFTER {
        return;
    }
    let expected = w.pods.len() as f64 * percent / 100.0 * dt / 60.0 + w.churn_carry;
    let whole = expected.floor() as usize;
    w.churn_carry = expected - whole as f64;
    if whole == 0 {
        return;
    }
    let mut running: Vec<&String> = w
        .pods
        .iter()
        .filter(|(_, rt)| {
            rt.terminating_until.is_none()
                && matches!(rt.state, super::world::ContainerState::Running { .. })
        })
        .map(|(uid, _)| uid)
        .collect();
    running.sort();
    let mut victims = Vec::new();
    for _ in 0..whole.min(running.len()) {
        let i = rand::Rng::random_range(&mut w.noise, 0..running.len());
        let uid = running.swap_remove(i);
        if let Some(rt) = w.pods.get(uid) {
            victims.push((rt.namespace.clone(), rt.name.clone()));
        }
    }
    for (ns, name) in victims {
        if let Some(pod) = w.store.get("pods", &ns, &name).cloned() {
            delete_pod(w, &pod);
        }
    }
}

/// Scenario seconds before churn starts, so that start-up settles first.
const CHURN_AFTER: f64 = 5.0;

/// Starts a large scenario as a cluster that has been up for a while: every
/// pod is already running and ready, and the start-up events have expired.
/// Without it, 10,000 pods would all be scheduled and pulled at once.
pub fn settle(w: &mut World) {
    let now = w.clock.now();
    let t = wall();
    for rt in w.pods.values_mut() {
        if matches!(rt.state, super::world::ContainerState::Creating { .. }) {
            let spec = w.scenario.workload(&rt.workload);
            if let Some(spec) = spec {
                for l in super::logs::startup(spec.logs, spec.port) {
                    rt.logs.push(t, l);
                }
            }
            rt.state = super::world::ContainerState::Running {
                since: now - 3600.0,
                started: t,
            };
            rt.ready = true;
        }
    }
    kubelet::render_pods(w);
    status::update_statuses(w);
    health::compute_health(w, 0.0);
    w.store.clear("events");
    w.event_index.clear();
}

/// Events live an hour, as with the API server's default `--event-ttl`.
fn prune_events(w: &mut World) {
    // Checked every ten scenario seconds: an event outlives its hour by at most that.
    if w.last_tick - w.last_prune < 10.0 {
        return;
    }
    w.last_prune = w.last_tick;
    let cutoff = wall().as_second() - 3600;
    let old: Vec<(String, String)> = w
        .store
        .list("events", None)
        .into_iter()
        .filter(|e| {
            e["lastTimestamp"]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .is_some_and(|t| t.as_second() < cutoff)
        })
        .map(|e| {
            let m = &e["metadata"];
            (
                m["namespace"].as_str().unwrap_or_default().to_string(),
                m["name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for (ns, name) in old {
        if let Some(e) = w.store.delete("events", &ns, &name) {
            w.event_index.remove(&super::world::event_key(&e));
        }
    }
}

/// A short stable hash of a pod template, used in replica set names and the
/// `pod-template-hash` label, as the deployment controller does.
pub fn template_hash(template: &Value) -> String {
    let mut t = template.clone();
    if let Some(labels) = t["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
        labels.remove("controller-revision-hash");
    }
    let digest = Sha256::digest(t.to_string().as_bytes());
    digest[..10]
        .iter()
        .map(|b| SAFE[*b as usize % SAFE.len()] as char)
        .collect()
}

/// Objects owned by `uid`. Terminating pods are left out: controllers replace
/// them at once, and they no longer count towards any status.
fn owned_by<'a>(w: &'a World, resource: &'static str, ns: &str, uid: &str) -> Vec<&'a Value> {
    owned_with_terminating(w, resource, ns, uid)
        .into_iter()
        .filter(|o| o["metadata"]["deletionTimestamp"].is_null())
        .collect()
}

fn owned_with_terminating<'a>(
    w: &'a World,
    resource: &'static str,
    ns: &str,
    uid: &str,
) -> Vec<&'a Value> {
    w.store
        .owned_by(resource, uid)
        .into_iter()
        .filter(|o| o["metadata"]["namespace"] == ns)
        .collect()
}

/// Seconds (scenario clock) a deleted pod stays Terminating.
const GRACE: f64 = 2.0;

fn pod_ready(w: &World, pod: &Value) -> bool {
    pod["metadata"]["uid"]
        .as_str()
        .and_then(|u| w.pods.get(u))
        .is_some_and(|p| p.ready)
}

fn owner_ref(obj: &Value) -> Value {
    json!({
        "apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true,
    })
}

fn start_incidents(w: &mut World, now: f64) {
    for i in 0..w.scenario.incidents.len() {
        if w.started[i] || now < w.scenario.incidents[i].at {
            continue;
        }
        w.started[i] = true;
        let inc = w.scenario.incidents[i].clone();
        tracing::info!(incident = %inc.name, "incident starts");
        let Some(spec) = w.workload_spec(&inc.workload).cloned() else {
            continue;
        };
        if let Effect::BadConfig {
            configmap,
            key,
            value,
        } = &inc.effect
        {
            // A deploy pipeline pushed the bad value and recycled the pods.
            if let Some(mut cm) = w
                .store
                .get("configmaps", &spec.namespace, configmap)
                .cloned()
            {
                cm["data"][key] = json!(value);
                w.store.put("configmaps", cm);
            }
            let app = app_label(&spec);
            let victims: Vec<Value> = w
                .store
                .list("pods", Some(&spec.namespace))
                .into_iter()
                .filter(|p| p["metadata"]["labels"]["app"] == app.as_str())
                .cloned()
                .collect();
            for p in victims {
                delete_pod(w, &p);
            }
        }
        if let Effect::BadRelease { image } = &inc.effect
            && let Some(mut dep) = w
                .store
                .get("deployments", &spec.namespace, &spec.name)
                .cloned()
        {
            // The deploy pipeline's `kubectl set image`.
            dep["spec"]["template"]["spec"]["containers"][0]["image"] = json!(image);
            dep["metadata"]["annotations"]["kubernetes.io/change-cause"] =
                json!(format!("deploy pipeline: release {image}"));
            let generation = dep["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            dep["metadata"]["generation"] = json!(generation);
            w.store.put("deployments", dep);
        }
    }
}

/// Removes a pod from the store and the kubelet's view, with the Killing event.
pub fn delete_pod(w: &mut World, pod: &Value) {
    if !pod["metadata"]["deletionTimestamp"].is_null() {
        return;
    }
    let ns = pod["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let name = pod["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let container = pod["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    w.event(
        pod,
        "Normal",
        "Killing",
        &format!("Stopping container {container}"),
        "kubelet",
    );
    // Graceful deletion: the pod shows as Terminating, then goes.
    let now = w.clock.now();
    if let Some(rt) = pod["metadata"]["uid"]
        .as_str()
        .and_then(|u| w.pods.get_mut(u))
    {
        rt.ready = false;
        rt.terminating_until = Some(now + GRACE);
    }
    if let Some(mut stored) = w.store.get("pods", &ns, &name).cloned() {
        stored["metadata"]["deletionTimestamp"] = json!(rfc3339(wall()));
        stored["metadata"]["deletionGracePeriodSeconds"] = json!(30);
        w.store.put("pods", stored);
    }
}

/// Current replica count of a workload, as its controller sees it.
fn replicas_of(w: &World, workload: &str) -> i64 {
    let Some(spec) = w.workload_spec(workload) else {
        return 1;
    };
    let resource = match spec.kind {
        WorkloadKind::Deployment => "deployments",
        WorkloadKind::StatefulSet => "statefulsets",
    };
    w.store
        .get(resource, &spec.namespace, &spec.name)
        .and_then(|d| d["spec"]["replicas"].as_i64())
        .unwrap_or(i64::from(spec.replicas))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod_names(seed: u64) -> Vec<String> {
        let mut w = World::new(crate::sim::scenario::load("rag7").unwrap(), seed, 1.0);
        crate::sim::build::populate(&mut w);
        tick(&mut w);
        w.store
            .list("pods", None)
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn the_seed_decides_the_names() {
        assert_eq!(pod_names(2), pod_names(2));
        assert_ne!(pod_names(2), pod_names(3));
        assert!(pod_names(2).contains(&"postgres-0".to_string()));
    }

    /// Every object the simulation serves must read as its k8s-openapi type.
    #[test]
    fn served_objects_are_valid_kubernetes_objects() {
        use k8s_openapi::api::{apps::v1 as apps, autoscaling::v2 as hpa, core::v1 as core};
        for name in crate::sim::scenario::names() {
            let mut w = World::new(crate::sim::scenario::load(name).unwrap(), 2, 1000.0);
            crate::sim::build::populate(&mut w);
            for _ in 0..3 {
                tick(&mut w);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            let check =
                |resource: &'static str, f: &dyn Fn(Value) -> Result<(), serde_json::Error>| {
                    let objs = w.store.list(resource, None);
                    for o in objs {
                        f(o.clone()).unwrap_or_else(|e| panic!("{name}: {resource}: {e}: {o}"));
                    }
                };
            check("pods", &|v| {
                serde_json::from_value::<core::Pod>(v).map(drop)
            });
            check("nodes", &|v| {
                serde_json::from_value::<core::Node>(v).map(drop)
            });
            check("events", &|v| {
                serde_json::from_value::<core::Event>(v).map(drop)
            });
            check("services", &|v| {
                serde_json::from_value::<core::Service>(v).map(drop)
            });
            check("persistentvolumeclaims", &|v| {
                serde_json::from_value::<core::PersistentVolumeClaim>(v).map(drop)
            });
            check("deployments", &|v| {
                serde_json::from_value::<apps::Deployment>(v).map(drop)
            });
            check("replicasets", &|v| {
                serde_json::from_value::<apps::ReplicaSet>(v).map(drop)
            });
            check("statefulsets", &|v| {
                serde_json::from_value::<apps::StatefulSet>(v).map(drop)
            });
            check("horizontalpodautoscalers", &|v| {
                serde_json::from_value::<hpa::HorizontalPodAutoscaler>(v).map(drop)
            });
            assert!(!w.store.list("pods", None).is_empty(), "{name}: no pods");
        }
    }

    #[test]
    fn template_hash_ignores_the_hash_label_and_changes_with_the_template() {
        let a =
            json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"image": "a"}]}});
        let mut b = a.clone();
        b["metadata"]["labels"]["pod-template-hash"] = json!("zzz");
        assert_eq!(template_hash(&a), template_hash(&b));
        let mut c = a.clone();
        c["spec"]["containers"][0]["image"] = json!("b");
        assert_ne!(template_hash(&a), template_hash(&c));
        assert_eq!(template_hash(&a).len(), 10);
    }
}
