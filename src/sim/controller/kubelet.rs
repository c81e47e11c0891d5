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

/// Why a running container fails now, if it does.
pub(super) enum Trouble {
    None,
    /// The container exits at start-up, writing these last lines.
    Crash(Vec<String>),
    Unready,
}

pub(super) fn advance_pods(w: &mut World, now: f64, dt: f64) {
    let uids: Vec<String> = {
        let mut u: Vec<String> = w.pods.keys().cloned().collect();
        u.sort();
        u
    };
    for uid in uids {
        advance_pod(w, &uid, now, dt);
    }
}

pub(super) fn advance_pod(w: &mut World, uid: &str, now: f64, dt: f64) {
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
            start_container(w, uid, &pod, &image, &container, &spec, now);
        }
        ContainerState::Running { since, started } => {
            let up = now - since;
            if let Trouble::Crash(last_lines) = &trouble
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

pub(super) fn render_pods(w: &mut World) {
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
