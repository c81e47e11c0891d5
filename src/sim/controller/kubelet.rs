//! What a kubelet does for each pod: start containers, probe readiness,
//! crash and back off, OOM-kill, write logs, and report status.

use std::collections::BTreeMap;

use rand::Rng;
use serde_json::{Value, json};

use super::*;
use crate::sim::build::app_label;
use crate::sim::clock::{rfc3339, wall};
use crate::sim::logs::{self, LogBuffer, Mood};
use crate::sim::quantity;
use crate::sim::scenario::Effect;
use crate::sim::world::{ContainerState, PodRuntime, Terminated, World};

pub(super) fn create_pod(
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
        .iter("nodes", None)
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
    // A flood keeps enough lines for a follower polling five times a second.
    let keep = match w.workload_spec(&workload) {
        Some(s) if s.log_lines_per_second.is_some_and(|r| r > 100.0) => 5000,
        _ => w.scenario.log_keep.unwrap_or(0),
    };
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
            logs: LogBuffer::with_keep(keep),
            previous_logs: None,
            node: node.clone(),
            ip,
            last_unhealthy: f64::MIN,
            terminating_until: None,
            rendered: 0,
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

/// Why a running container fails now, if it does.
pub(super) enum Trouble {
    None,
    /// The container exits at start-up, writing these last lines.
    Crash(Vec<String>),
    Unready,
}

/// Each workload's spec and current replica count, read once per tick.
type Specs = std::collections::HashMap<String, (crate::sim::scenario::WorkloadSpec, i64)>;

pub(super) fn advance_pods(w: &mut World, now: f64, dt: f64) {
    let uids: Vec<String> = {
        let mut u: Vec<String> = w.pods.keys().cloned().collect();
        u.sort();
        u
    };
    let specs: Specs = w
        .scenario
        .workloads
        .iter()
        .map(|s| (s.name.clone(), (s.clone(), replicas_of(w, &s.name))))
        .collect();
    for uid in uids {
        advance_pod(w, &uid, now, dt, &specs);
    }
}

fn advance_pod(w: &mut World, uid: &str, now: f64, dt: f64, specs: &Specs) {
    let Some(rt) = w.pods.get(uid) else { return };
    let Some(stored) = w.store.get("pods", &rt.namespace, &rt.name) else {
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
    let Some((spec, replicas)) = specs.get(&rt.workload) else {
        return;
    };
    let replicas = *replicas;
    // The stored pod is cloned only where an event or a crash needs it.
    let (pod_ns, pod_name) = (rt.namespace.clone(), rt.name.clone());
    let pod_of = |w: &World| {
        w.store
            .get("pods", &pod_ns, &pod_name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let pod = stored;
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
                    trouble = Trouble::Crash(logs::crash(
                        spec.logs,
                        &format!("{key}={value}: connection refused"),
                    ));
                }
            }
            Effect::BadRelease { image: bad } => {
                if image == *bad {
                    trouble = Trouble::Crash(logs::bad_release(bad));
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
        ContainerState::Creating { until } | ContainerState::BackOff { until } if now >= until => {
            let pod = pod_of(w);
            start_container(w, uid, &pod, &image, &container, spec, now);
        }
        ContainerState::Running { since, started } => {
            let up = now - since;
            if let Trouble::Crash(last_lines) = &trouble
                && up >= 1.5
            {
                let pod = pod_of(w);
                crash(
                    w,
                    uid,
                    &pod,
                    &container,
                    "Error",
                    1,
                    started,
                    now,
                    last_lines.clone(),
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
                let pod = pod_of(w);
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
                up >= spec.startup_seconds && !unready && !matches!(trouble, Trouble::Crash(_));
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
            let lines_per_sec = spec
                .log_lines_per_second
                .unwrap_or((spec.requests_per_second / 4.0).clamp(0.2, 5.0))
                * if slow { 1.8 } else { 1.0 };
            let expected = lines_per_sec * dt;
            let whole = expected.floor() as usize
                + usize::from(w.noise.random_bool((expected.fract()).clamp(0.0, 1.0)));
            // A late tick catches up on at most a second of lines.
            let cap = (lines_per_sec as usize).max(200);
            if whole > 0 {
                let t = wall();
                let ts = t.strftime("%d/%b/%Y:%H:%M:%S +0000").to_string();
                for _ in 0..whole.min(cap) {
                    let line = logs::line(spec.logs, mood, &mut w.noise, &ts);
                    if let Some(rt) = w.pods.get_mut(uid) {
                        rt.logs.push(t, line);
                    }
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
                let pod = pod_of(w);
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

/// Pulls the image if this node has not got it, then creates and starts the container.
fn start_container(
    w: &mut World,
    uid: &str,
    pod: &Value,
    image: &str,
    container: &str,
    spec: &crate::sim::scenario::WorkloadSpec,
    now: f64,
) {
    let node = pod["spec"]["nodeName"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if w.pulled.insert((node, image.to_string())) {
        let secs = w.noise.random_range(1.2..9.0);
        w.event(
            pod,
            "Normal",
            "Pulling",
            &format!("Pulling image \"{image}\""),
            "kubelet",
        );
        w.event(
            pod,
            "Normal",
            "Pulled",
            &format!(
                "Successfully pulled image \"{image}\" in {secs:.3}s ({secs:.3}s including waiting)"
            ),
            "kubelet",
        );
    } else {
        w.event(
            pod,
            "Normal",
            "Pulled",
            &format!("Container image \"{image}\" already present on machine"),
            "kubelet",
        );
    }
    w.event(
        pod,
        "Normal",
        "Created",
        &format!("Created container: {container}"),
        "kubelet",
    );
    w.event(
        pod,
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

#[allow(clippy::too_many_arguments)]
pub(super) fn crash(
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
    let keep = rt.logs.keep;
    rt.previous_logs = Some(std::mem::replace(&mut rt.logs, LogBuffer::with_keep(keep)));
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

/// What a pod's status is rendered from, digested.
fn render_digest(rt: &PodRuntime, pod: &Value, last_tick: f64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match &rt.state {
        ContainerState::Creating { .. } => 1u8.hash(&mut h),
        ContainerState::Running { started, .. } => {
            2u8.hash(&mut h);
            started.as_second().hash(&mut h);
        }
        ContainerState::BackOff { until } => {
            3u8.hash(&mut h);
            ((until - last_tick).max(0.0).round() as i64).hash(&mut h);
        }
    }
    rt.ready.hash(&mut h);
    rt.restarts.hash(&mut h);
    rt.last_terminated
        .as_ref()
        .map(|t| (t.finished.as_second(), t.exit_code))
        .hash(&mut h);
    rt.ip.hash(&mut h);
    rt.node.hash(&mut h);
    pod["spec"]["containers"][0]["image"].as_str().hash(&mut h);
    pod["metadata"]["creationTimestamp"].as_str().hash(&mut h);
    pod["status"]["phase"].as_str().hash(&mut h);
    h.finish()
}

pub(super) fn render_pods(w: &mut World) {
    let uids: Vec<String> = w.pods.keys().cloned().collect();
    for uid in uids {
        let Some(rt) = w.pods.get(&uid) else { continue };
        let Some(stored) = w.store.get("pods", &rt.namespace, &rt.name) else {
            continue;
        };
        // Rebuilding 10,000 unchanged statuses ten times a second would be
        // most of the simulation's work.
        let digest = render_digest(rt, stored, w.last_tick);
        if digest == rt.rendered {
            continue;
        }
        let mut pod = stored.clone();
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
        let stored = w.store.put("pods", pod);
        let last_tick = w.last_tick;
        if let Some(rt) = w.pods.get_mut(&uid) {
            rt.rendered = render_digest(rt, &stored, last_tick);
        }
    }
}
