//! The controller loop: deployments, replica sets and statefulsets keep their
//! pods; containers start, crash, back off and get OOM-killed; incidents start
//! on the scenario's timeline; every change emits events.

use std::collections::BTreeMap;

use rand::Rng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::build::app_label;
use super::clock::{rfc3339, wall};
use super::logs::{self, LogBuffer, Mood};
use super::quantity;
use super::scenario::{Effect, WorkloadKind};
use super::world::{ContainerState, PodRuntime, Terminated, WorkloadHealth, World};

const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
const REVISION: &str = "deployment.kubernetes.io/revision";

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
        reconcile_deployment(w, d, now);
    }
    let replicasets: Vec<Value> = w
        .store
        .list("replicasets", None)
        .into_iter()
        .cloned()
        .collect();
    for rs in replicasets {
        reconcile_replicaset(w, rs, now);
    }
    let statefulsets: Vec<Value> = w
        .store
        .list("statefulsets", None)
        .into_iter()
        .cloned()
        .collect();
    for s in statefulsets {
        reconcile_statefulset(w, s, now);
    }
    advance_pods(w, now, dt);
    render_pods(w);
    update_statuses(w);
    compute_health(w, now, dt);
    prune_events(w);
}

/// Events live an hour, as with the API server's default `--event-ttl`.
fn prune_events(w: &mut World) {
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
        w.store.delete("events", &ns, &name);
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
        .list(resource, Some(ns))
        .into_iter()
        .filter(|o| {
            o["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid))
        })
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

fn revision_of(rs: &Value) -> i64 {
    rs["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn reconcile_deployment(w: &mut World, mut dep: Value, _now: f64) {
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
            let rs = json!({
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

fn scale_rs(w: &mut World, dep: &Value, mut rs: Value, from: i64, to: i64) {
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

fn reconcile_replicaset(w: &mut World, rs: Value, now: f64) {
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

fn reconcile_statefulset(w: &mut World, sts: Value, now: f64) {
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
                    super::build::put_pvc(w, &claim, &ns, &size, "standard", claim_labels);
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

fn create_pod(
    w: &mut World,
    owner: &Value,
    name: &str,
    extra_labels: BTreeMap<String, String>,
    now: f64,
) -> Value {
    let ns = owner["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let template = &owner["spec"]["template"];
    let mut labels: BTreeMap<String, String> =
        serde_json::from_value(template["metadata"]["labels"].clone()).unwrap_or_default();
    labels.extend(extra_labels);
    let app = labels.get("app").cloned().unwrap_or_default();
    let workload = w
        .scenario
        .workloads
        .iter()
        .find(|s| s.namespace == ns && app_label(s) == app)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let nodes: Vec<String> = w
        .store
        .list("nodes", None)
        .iter()
        .filter_map(|n| n["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    let node = if nodes.is_empty() {
        "sim-node-1".to_string()
    } else {
        nodes[w.rng.random_range(0..nodes.len())].clone()
    };
    let uid = w.uid();
    let mut spec = template["spec"].clone();
    spec["nodeName"] = json!(node);
    if owner["kind"] == "StatefulSet" {
        spec["hostname"] = json!(name);
        spec["subdomain"] = owner["spec"]["serviceName"].clone();
        if spec["containers"][0]["volumeMounts"].is_array() {
            let claim = format!("data-{name}");
            spec["volumes"] =
                json!([{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]);
        }
    }
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "namespace": ns, "uid": uid, "labels": labels,
            "creationTimestamp": rfc3339(wall()),
            "ownerReferences": [owner_ref(owner)],
        },
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": "Burstable"},
    });
    let config = w
        .workload_spec(&workload)
        .and_then(|s| s.configmap.clone())
        .and_then(|cm| w.store.get("configmaps", &ns, &cm))
        .and_then(|cm| serde_json::from_value(cm["data"].clone()).ok())
        .unwrap_or_default();
    let ip = w.next_ip();
    let pod = w.store.put("pods", pod);
    w.pods.insert(
        uid.clone(),
        PodRuntime {
            namespace: ns.clone(),
            name: name.to_string(),
            uid,
            workload,
            created_at: now,
            config,
            state: ContainerState::Creating { until: now + 1.0 },
            restarts: 0,
            last_terminated: None,
            ready: false,
            leak_mib: 0.0,
            logs: LogBuffer::default(),
            previous_logs: None,
            node: node.clone(),
            ip,
            last_unhealthy: f64::MIN,
            terminating_until: None,
        },
    );
    w.event(
        &pod,
        "Normal",
        "Scheduled",
        &format!("Successfully assigned {ns}/{name} to {node}"),
        "default-scheduler",
    );
    pod
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

/// Why a running container fails now, if it does.
enum Trouble {
    None,
    BadConfig(String),
    Unready,
}

fn advance_pods(w: &mut World, now: f64, dt: f64) {
    let uids: Vec<String> = {
        let mut u: Vec<String> = w.pods.keys().cloned().collect();
        u.sort();
        u
    };
    for uid in uids {
        advance_pod(w, &uid, now, dt);
    }
}

fn advance_pod(w: &mut World, uid: &str, now: f64, dt: f64) {
    let Some(rt) = w.pods.get(uid) else { return };
    let Some(pod) = w.store.get("pods", &rt.namespace, &rt.name).cloned() else {
        w.pods.remove(uid);
        return;
    };
    if let Some(until) = rt.terminating_until {
        if now >= until {
            let (ns, name) = (rt.namespace.clone(), rt.name.clone());
            w.pods.remove(uid);
            w.store.delete("pods", &ns, &name);
        }
        return;
    }
    let Some(spec) = w.workload_spec(&rt.workload).cloned() else {
        return;
    };
    let replicas = replicas_of(w, &spec.name);
    let container = pod["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let image = pod["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let limit_mib = quantity::mebibytes(
        pod["spec"]["containers"][0]["resources"]["limits"]["memory"]
            .as_str()
            .unwrap_or(""),
    )
    .unwrap_or(f64::from(spec.memory_limit_mib));

    let mut trouble = Trouble::None;
    let mut leak_rate = 0.0;
    let mut leak_cap = 0.0;
    let mut slow = false;
    let mut error_percent = 0.0;
    for (i, inc) in w.scenario.incidents.iter().enumerate() {
        if !w.started[i] || inc.workload != spec.name {
            continue;
        }
        match &inc.effect {
            Effect::BadConfig { key, value, .. } => {
                if rt.config.get(key) == Some(value) {
                    trouble = Trouble::BadConfig(format!("{key}={value}: connection refused"));
                }
            }
            Effect::Down { .. } => {
                if rt.created_at < inc.at {
                    trouble = Trouble::Unready;
                }
            }
            Effect::MemoryLeak {
                mib_per_minute,
                cap_mib,
                cured_at_replicas,
            } => {
                if replicas < i64::from(*cured_at_replicas) {
                    // Load is shared: more replicas, slower leak per pod.
                    leak_rate =
                        mib_per_minute / 60.0 * f64::from(spec.replicas) / replicas.max(1) as f64;
                    leak_cap = *cap_mib;
                }
            }
            Effect::Latency {
                cured_at_replicas,
                error_percent: e,
                ..
            } => {
                if replicas < i64::from(*cured_at_replicas) {
                    slow = true;
                    error_percent = *e;
                }
            }
        }
    }

    let state = rt.state.clone();
    match state {
        ContainerState::Creating { until } if now >= until => {
            w.event(
                &pod,
                "Normal",
                "Pulled",
                &format!("Container image \"{image}\" already present on machine"),
                "kubelet",
            );
            w.event(
                &pod,
                "Normal",
                "Created",
                &format!("Created container: {container}"),
                "kubelet",
            );
            w.event(
                &pod,
                "Normal",
                "Started",
                &format!("Started container {container}"),
                "kubelet",
            );
            if let Some(rt) = w.pods.get_mut(uid) {
                let t = wall();
                for l in logs::startup(spec.logs, spec.port) {
                    rt.logs.push(t, l);
                }
                rt.state = ContainerState::Running {
                    since: now,
                    started: t,
                };
            }
        }
        ContainerState::BackOff { until } if now >= until => {
            w.event(
                &pod,
                "Normal",
                "Pulled",
                &format!("Container image \"{image}\" already present on machine"),
                "kubelet",
            );
            w.event(
                &pod,
                "Normal",
                "Created",
                &format!("Created container: {container}"),
                "kubelet",
            );
            w.event(
                &pod,
                "Normal",
                "Started",
                &format!("Started container {container}"),
                "kubelet",
            );
            if let Some(rt) = w.pods.get_mut(uid) {
                let t = wall();
                for l in logs::startup(spec.logs, spec.port) {
                    rt.logs.push(t, l);
                }
                rt.state = ContainerState::Running {
                    since: now,
                    started: t,
                };
            }
        }
        ContainerState::Running { since, started } => {
            let up = now - since;
            if let Trouble::BadConfig(detail) = &trouble
                && up >= 1.5
            {
                crash(
                    w,
                    uid,
                    &pod,
                    &container,
                    "Error",
                    1,
                    started,
                    now,
                    logs::crash(spec.logs, detail),
                );
                return;
            }
            let Some(rt) = w.pods.get_mut(uid) else {
                return;
            };
            rt.leak_mib = if leak_rate > 0.0 {
                (rt.leak_mib + leak_rate * dt).min(leak_cap)
            } else {
                // The leak stopped (cured): the heap settles back.
                (rt.leak_mib - 30.0 * dt).max(0.0)
            };
            let memory = f64::from(spec.memory_usage_mib) + rt.leak_mib;
            if memory >= limit_mib {
                let msg = format!(
                    "Memory cgroup out of memory: Killed process 1 ({container}) total-vm:{}kB, anon-rss:{}kB",
                    (memory * 1100.0) as u64,
                    (memory * 1024.0) as u64
                );
                w.event(&pod, "Warning", "OOMKilling", &msg, "kernel-monitor");
                crash(
                    w,
                    uid,
                    &pod,
                    &container,
                    "OOMKilled",
                    137,
                    started,
                    now,
                    vec![],
                );
                return;
            }
            let unready = matches!(trouble, Trouble::Unready);
            rt.ready =
                up >= spec.startup_seconds && !unready && !matches!(trouble, Trouble::BadConfig(_));
            let percent_of_limit = memory / limit_mib * 100.0;
            let mood = if unready {
                Mood::Failing
            } else if leak_rate > 0.0 {
                Mood::Leaking { percent_of_limit }
            } else {
                Mood::Serving {
                    slow,
                    error_percent,
                }
            };
            let lines_per_sec =
                (spec.requests_per_second / 4.0).clamp(0.2, 5.0) * if slow { 1.8 } else { 1.0 };
            let expected = lines_per_sec * dt;
            let whole = expected.floor() as usize
                + usize::from(w.noise.random_bool((expected.fract()).clamp(0.0, 1.0)));
            let t = wall();
            let ts = t.strftime("%d/%b/%Y:%H:%M:%S +0000").to_string();
            for _ in 0..whole.min(200) {
                let line = logs::line(spec.logs, mood, &mut w.noise, &ts);
                if let Some(rt) = w.pods.get_mut(uid) {
                    rt.logs.push(t, line);
                }
            }
            let due = w
                .pods
                .get(uid)
                .is_some_and(|rt| now - rt.last_unhealthy >= 10.0);
            if unready && up >= spec.startup_seconds && due {
                let ip = w.pods.get(uid).map(|r| r.ip.clone()).unwrap_or_default();
                if let Some(rt) = w.pods.get_mut(uid) {
                    rt.last_unhealthy = now;
                }
                w.event(
                    &pod,
                    "Warning",
                    "Unhealthy",
                    &format!(
                        "Readiness probe failed: dial tcp {ip}:{}: connect: connection refused",
                        spec.port
                    ),
                    "kubelet",
                );
            }
        }
        _ => {}
    }
}

#[allow(clippy::too_many_arguments)]
fn crash(
    w: &mut World,
    uid: &str,
    pod: &Value,
    container: &str,
    reason: &str,
    exit_code: i32,
    started: jiff::Timestamp,
    now: f64,
    last_lines: Vec<String>,
) {
    let pod_name = pod["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ns = pod["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let Some(rt) = w.pods.get_mut(uid) else {
        return;
    };
    let t = wall();
    for l in last_lines {
        rt.logs.push(t, l);
    }
    rt.previous_logs = Some(std::mem::take(&mut rt.logs));
    rt.last_terminated = Some(Terminated {
        reason: reason.to_string(),
        exit_code,
        started,
        finished: t,
    });
    rt.restarts += 1;
    rt.ready = false;
    rt.leak_mib = 0.0;
    let backoff = (10.0 * 2f64.powi(rt.restarts - 1)).min(300.0);
    rt.state = ContainerState::BackOff {
        until: now + backoff,
    };
    let pod_uid = rt.uid.clone();
    w.event(
        pod,
        "Warning",
        "BackOff",
        &format!(
            "Back-off restarting failed container {container} in pod {pod_name}_{ns}({pod_uid})"
        ),
        "kubelet",
    );
}

fn render_pods(w: &mut World) {
    let uids: Vec<String> = w.pods.keys().cloned().collect();
    for uid in uids {
        let Some(rt) = w.pods.get(&uid) else { continue };
        let Some(mut pod) = w.store.get("pods", &rt.namespace, &rt.name).cloned() else {
            continue;
        };
        let container = pod["spec"]["containers"][0]["name"].clone();
        let image = pod["spec"]["containers"][0]["image"].clone();
        let created = pod["metadata"]["creationTimestamp"].clone();
        let ready = if rt.ready { "True" } else { "False" };
        let (phase, state, started) = match &rt.state {
            ContainerState::Creating { .. } => (
                "Pending",
                json!({"waiting": {"reason": "ContainerCreating"}}),
                false,
            ),
            ContainerState::Running { started, .. } => (
                "Running",
                json!({"running": {"startedAt": rfc3339(*started)}}),
                true,
            ),
            ContainerState::BackOff { until } => {
                let secs = (until - w.last_tick).max(0.0).round();
                let name = container.as_str().unwrap_or_default();
                (
                    "Running",
                    json!({"waiting": {"reason": "CrashLoopBackOff",
                        "message": format!("back-off {secs}s restarting failed container={name} pod={}_{}({})", rt.name, rt.namespace, rt.uid)}}),
                    false,
                )
            }
        };
        let mut cs = json!({
            "name": container, "image": image, "imageID": format!("docker.io/library/{}@sha256:{}", image.as_str().unwrap_or_default(), &uid.replace('-', "")),
            "containerID": format!("containerd://{}{}", uid.replace('-', ""), rt.restarts),
            "ready": rt.ready, "started": started, "restartCount": rt.restarts, "state": state, "lastState": {},
        });
        if let Some(t) = &rt.last_terminated {
            cs["lastState"] = json!({"terminated": {"reason": t.reason, "exitCode": t.exit_code,
                "startedAt": rfc3339(t.started), "finishedAt": rfc3339(t.finished),
                "containerID": format!("containerd://{}{}", uid.replace('-', ""), rt.restarts - 1)}});
        }
        let node_ip = w
            .store
            .get("nodes", "", &rt.node)
            .map(|n| n["status"]["addresses"][0]["address"].clone())
            .unwrap_or(json!("192.168.49.2"));
        let scheduled = json!({"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": created});
        let mut status = json!({
            "phase": phase,
            "conditions": [
                {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": created},
                {"type": "Ready", "status": ready, "lastProbeTime": null, "lastTransitionTime": created},
                {"type": "ContainersReady", "status": ready, "lastProbeTime": null, "lastTransitionTime": created},
                scheduled,
            ],
            "hostIP": node_ip, "hostIPs": [{"ip": node_ip}],
            "startTime": created, "qosClass": "Burstable",
            "containerStatuses": [cs],
        });
        if phase == "Running" {
            status["podIP"] = json!(rt.ip);
            status["podIPs"] = json!([{"ip": rt.ip}]);
        }
        pod["status"] = status;
        w.store.put("pods", pod);
    }
}

fn update_statuses(w: &mut World) {
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
        let (mut total, mut updated, mut ready, mut updated_ready) = (0, 0, 0, 0);
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
                if is_new {
                    updated += 1;
                    updated_ready += i64::from(r);
                }
            }
        }
        let _ = updated_ready;
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
fn cpu_utilisation(w: &World, workload: &str) -> i32 {
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

/// Latency bucket bounds (seconds) for `http_request_duration_seconds`.
pub const BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

fn compute_health(w: &mut World, now: f64, dt: f64) {
    let ready_of = |w: &World, name: &str| -> i32 {
        w.pods
            .values()
            .filter(|p| p.workload == name && p.ready)
            .count() as i32
    };
    let mut next: BTreeMap<String, WorkloadHealth> = BTreeMap::new();
    for spec in w.scenario.workloads.clone() {
        let ready = ready_of(w, &spec.name);
        let replicas = replicas_of(w, &spec.name);
        let mut h = w.health.get(&spec.name).cloned().unwrap_or_default();
        h.ready_pods = ready;
        h.p95_ms = spec.p95_ms;
        h.error_percent = 0.0;
        h.forced_status = None;
        for (i, inc) in w.scenario.incidents.iter().enumerate() {
            if !w.started[i] || inc.workload != spec.name {
                continue;
            }
            match &inc.effect {
                Effect::Latency {
                    p95_ms,
                    cured_at_replicas,
                    error_percent,
                } if replicas < i64::from(*cured_at_replicas) => {
                    h.p95_ms = *p95_ms;
                    h.error_percent = *error_percent;
                }
                Effect::Down { status } if ready == 0 => h.forced_status = Some(*status),
                _ => {}
            }
        }
        if ready == 0 && h.forced_status.is_none() {
            // A Service with no ready endpoints: connections are refused.
            h.forced_status = Some(0);
        }
        next.insert(spec.name.clone(), h);
    }
    for svc in w.scenario.services.clone() {
        let Some(wl) = &svc.workload else { continue };
        let broken_dep = svc
            .depends_on
            .iter()
            .any(|d| next.get(d).is_some_and(|h| h.ready_pods == 0));
        if broken_dep
            && let Some(h) = next.get_mut(wl)
            && h.forced_status.is_none()
        {
            h.forced_status = Some(500);
            h.error_percent = 100.0;
        }
    }
    for (name, h) in next.iter_mut() {
        let Some(spec) = w.scenario.workload(name) else {
            continue;
        };
        let n = spec.requests_per_second * dt * if h.ready_pods > 0 { 1.0 } else { 0.0 };
        let err = if h.forced_status.is_some() {
            spec.requests_per_second * dt
        } else {
            n * h.error_percent / 100.0
        };
        h.requests_ok += (n - err).max(0.0);
        h.requests_err += err;
        // Exponential latency model: p95 = mean * ln(20).
        let mean = h.p95_ms / 1000.0 / 20f64.ln();
        if h.buckets.len() != BUCKETS.len() {
            h.buckets = BUCKETS.iter().map(|b| (*b, 0.0)).collect();
        }
        for (le, count) in h.buckets.iter_mut() {
            *count += n * (1.0 - (-*le / mean).exp());
        }
        h.latency_sum += n * mean;
    }
    let _ = now;
    w.health = next;
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
