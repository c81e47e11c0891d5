//! `meta.k8s.io/v1` Table responses with kubectl's usual columns, so that
//! `kubectl get` prints what it prints against a real cluster.

use serde_json::{Value, json};

use crate::sim::clock::wall;

/// kubectl's `HumanDuration` (k8s.io/apimachinery/pkg/util/duration).
pub fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        if s % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        }
    } else if m < 180 {
        format!("{m}m")
    } else if h < 8 {
        if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 192 {
        if h % 24 == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{}h", h % 24)
        }
    } else if d < 730 {
        format!("{d}d")
    } else {
        format!("{}y", d / 365)
    }
}

fn since(v: &Value) -> String {
    let Some(t) = v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()) else {
        return "<unknown>".into();
    };
    human_duration(wall().as_second() - t.as_second())
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn col(name: &str, ty: &str, priority: i32) -> Value {
    let format = if name == "Name" { "name" } else { "" };
    json!({"name": name, "type": ty, "format": format, "description": "", "priority": priority})
}

fn containers(o: &Value) -> (String, String) {
    let cs = o["spec"]["template"]["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    (
        cs.iter()
            .map(|c| s(&c["name"]))
            .collect::<Vec<_>>()
            .join(","),
        cs.iter()
            .map(|c| s(&c["image"]))
            .collect::<Vec<_>>()
            .join(","),
    )
}

fn selector(o: &Value) -> String {
    o["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", s(v)))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn pod_status(o: &Value) -> String {
    if !o["metadata"]["deletionTimestamp"].is_null() {
        return "Terminating".into();
    }
    let mut reason = s(&o["status"]["phase"]);
    for c in o["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let Some(r) = c["state"]["waiting"]["reason"].as_str() {
            reason = r.to_string();
        } else if let Some(r) = c["state"]["terminated"]["reason"].as_str() {
            reason = r.to_string();
        }
    }
    reason
}

fn pod_row(o: &Value) -> Vec<Value> {
    let cs = o["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
    let ready = cs.iter().filter(|c| c["ready"] == true).count();
    let restarts: i64 = cs
        .iter()
        .map(|c| c["restartCount"].as_i64().unwrap_or(0))
        .sum();
    let last = cs
        .iter()
        .filter_map(|c| c["lastState"]["terminated"]["finishedAt"].as_str())
        .max();
    let restarts = match last {
        Some(t) if restarts > 0 => format!("{restarts} ({} ago)", since(&json!(t))),
        _ => restarts.to_string(),
    };
    let ip = o["status"]["podIP"]
        .as_str()
        .unwrap_or("<none>")
        .to_string();
    let node = o["spec"]["nodeName"]
        .as_str()
        .unwrap_or("<none>")
        .to_string();
    vec![
        json!(s(&o["metadata"]["name"])),
        json!(format!("{ready}/{total}")),
        json!(pod_status(o)),
        json!(restarts),
        json!(since(&o["metadata"]["creationTimestamp"])),
        json!(ip),
        json!(node),
        json!("<none>"),
        json!("<none>"),
    ]
}

/// Columns and one row per object for `resource`.
fn layout(resource: &str, o: &Value) -> (Vec<Value>, Vec<Value>) {
    let name = json!(s(&o["metadata"]["name"]));
    let age = json!(since(&o["metadata"]["creationTimestamp"]));
    match resource {
        "pods" => (
            vec![
                col("Name", "string", 0),
                col("Ready", "string", 0),
                col("Status", "string", 0),
                col("Restarts", "string", 0),
                col("Age", "string", 0),
                col("IP", "string", 1),
                col("Node", "string", 1),
                col("Nominated Node", "string", 1),
                col("Readiness Gates", "string", 1),
            ],
            pod_row(o),
        ),
        "deployments" => {
            let (c, i) = containers(o);
            let want = o["spec"]["replicas"].as_i64().unwrap_or(0);
            (
                vec![
                    col("Name", "string", 0),
                    col("Ready", "string", 0),
                    col("Up-to-date", "integer", 0),
                    col("Available", "integer", 0),
                    col("Age", "string", 0),
                    col("Containers", "string", 1),
                    col("Images", "string", 1),
                    col("Selector", "string", 1),
                ],
                vec![
                    name,
                    json!(format!(
                        "{}/{want}",
                        o["status"]["readyReplicas"].as_i64().unwrap_or(0)
                    )),
                    json!(o["status"]["updatedReplicas"].as_i64().unwrap_or(0)),
                    json!(o["status"]["availableReplicas"].as_i64().unwrap_or(0)),
                    age,
                    json!(c),
                    json!(i),
                    json!(selector(o)),
                ],
            )
        }
        "replicasets" => {
            let (c, i) = containers(o);
            (
                vec![
                    col("Name", "string", 0),
                    col("Desired", "integer", 0),
                    col("Current", "integer", 0),
                    col("Ready", "integer", 0),
                    col("Age", "string", 0),
                    col("Containers", "string", 1),
                    col("Images", "string", 1),
                    col("Selector", "string", 1),
                ],
                vec![
                    name,
                    json!(o["spec"]["replicas"].as_i64().unwrap_or(0)),
                    json!(o["status"]["replicas"].as_i64().unwrap_or(0)),
                    json!(o["status"]["readyReplicas"].as_i64().unwrap_or(0)),
                    age,
                    json!(c),
                    json!(i),
                    json!(selector(o)),
                ],
            )
        }
        "statefulsets" => {
            let (c, i) = containers(o);
            (
                vec![
                    col("Name", "string", 0),
                    col("Ready", "string", 0),
                    col("Age", "string", 0),
                    col("Containers", "string", 1),
                    col("Images", "string", 1),
                ],
                vec![
                    name,
                    json!(format!(
                        "{}/{}",
                        o["status"]["readyReplicas"].as_i64().unwrap_or(0),
                        o["spec"]["replicas"].as_i64().unwrap_or(0)
                    )),
                    age,
                    json!(c),
                    json!(i),
                ],
            )
        }
        "services" => {
            let ports = o["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| format!("{}/{}", s(&p["port"]), s(&p["protocol"])))
                .collect::<Vec<_>>()
                .join(",");
            let sel = o["spec"]["selector"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", s(v)))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            (
                vec![
                    col("Name", "string", 0),
                    col("Type", "string", 0),
                    col("Cluster-IP", "string", 0),
                    col("External-IP", "string", 0),
                    col("Port(s)", "string", 0),
                    col("Age", "string", 0),
                    col("Selector", "string", 1),
                ],
                vec![
                    name,
                    json!(s(&o["spec"]["type"])),
                    json!(s(&o["spec"]["clusterIP"])),
                    json!("<none>"),
                    json!(ports),
                    age,
                    json!(sel),
                ],
            )
        }
        "configmaps" => (
            vec![
                col("Name", "string", 0),
                col("Data", "integer", 0),
                col("Age", "string", 0),
            ],
            vec![
                name,
                json!(o["data"].as_object().map_or(0, |m| m.len())),
                age,
            ],
        ),
        "secrets" => (
            vec![
                col("Name", "string", 0),
                col("Type", "string", 0),
                col("Data", "integer", 0),
                col("Age", "string", 0),
            ],
            vec![
                name,
                json!(s(&o["type"])),
                json!(o["data"].as_object().map_or(0, |m| m.len())),
                age,
            ],
        ),
        "persistentvolumeclaims" => (
            vec![
                col("Name", "string", 0),
                col("Status", "string", 0),
                col("Volume", "string", 0),
                col("Capacity", "string", 0),
                col("Access Modes", "string", 0),
                col("StorageClass", "string", 0),
                col("VolumeAttributesClass", "string", 0),
                col("Age", "string", 0),
                col("VolumeMode", "string", 1),
            ],
            vec![
                name,
                json!(s(&o["status"]["phase"])),
                json!(s(&o["spec"]["volumeName"])),
                json!(s(&o["status"]["capacity"]["storage"])),
                json!("RWO"),
                json!(s(&o["spec"]["storageClassName"])),
                json!("<unset>"),
                age,
                json!(s(&o["spec"]["volumeMode"])),
            ],
        ),
        "events" => {
            let obj = format!(
                "{}/{}",
                s(&o["involvedObject"]["kind"]).to_lowercase(),
                s(&o["involvedObject"]["name"])
            );
            let last = if o["lastTimestamp"].is_null() {
                &o["metadata"]["creationTimestamp"]
            } else {
                &o["lastTimestamp"]
            };
            (
                vec![
                    col("Last Seen", "string", 0),
                    col("Type", "string", 0),
                    col("Reason", "string", 0),
                    col("Object", "string", 0),
                    col("Subobject", "string", 1),
                    col("Source", "string", 1),
                    col("Message", "string", 0),
                    col("First Seen", "string", 1),
                    col("Count", "string", 1),
                    col("Name", "string", 1),
                ],
                vec![
                    json!(since(last)),
                    json!(s(&o["type"])),
                    json!(s(&o["reason"])),
                    json!(obj),
                    json!(s(&o["involvedObject"]["fieldPath"])),
                    json!(s(&o["source"]["component"])),
                    json!(s(&o["message"])),
                    json!(since(&o["firstTimestamp"])),
                    json!(s(&o["count"])),
                    name,
                ],
            )
        }
        "horizontalpodautoscalers" => {
            let current =
                o["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"]
                    .as_i64();
            let target = o["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"]
                .as_i64()
                .unwrap_or(0);
            let targets = match current {
                Some(c) => format!("cpu: {c}%/{target}%"),
                None => format!("cpu: <unknown>/{target}%"),
            };
            let r = &o["spec"]["scaleTargetRef"];
            (
                vec![
                    col("Name", "string", 0),
                    col("Reference", "string", 0),
                    col("Targets", "string", 0),
                    col("MinPods", "string", 0),
                    col("MaxPods", "integer", 0),
                    col("Replicas", "integer", 0),
                    col("Age", "string", 0),
                ],
                vec![
                    name,
                    json!(format!("{}/{}", s(&r["kind"]), s(&r["name"]))),
                    json!(targets),
                    json!(s(&o["spec"]["minReplicas"])),
                    json!(o["spec"]["maxReplicas"].as_i64().unwrap_or(0)),
                    json!(o["status"]["currentReplicas"].as_i64().unwrap_or(0)),
                    age,
                ],
            )
        }
        "nodes" => {
            let ready = o["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            let roles = o["metadata"]["labels"]
                .as_object()
                .map(|m| {
                    m.keys()
                        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| "<none>".into());
            let info = &o["status"]["nodeInfo"];
            (
                vec![
                    col("Name", "string", 0),
                    col("Status", "string", 0),
                    col("Roles", "string", 0),
                    col("Age", "string", 0),
                    col("Version", "string", 0),
                    col("Internal-IP", "string", 1),
                    col("External-IP", "string", 1),
                    col("OS-Image", "string", 1),
                    col("Kernel-Version", "string", 1),
                    col("Container-Runtime", "string", 1),
                ],
                vec![
                    name,
                    json!(if ready { "Ready" } else { "NotReady" }),
                    json!(roles),
                    age,
                    json!(s(&info["kubeletVersion"])),
                    json!(s(&o["status"]["addresses"][0]["address"])),
                    json!("<none>"),
                    json!(s(&info["osImage"])),
                    json!(s(&info["kernelVersion"])),
                    json!(s(&info["containerRuntimeVersion"])),
                ],
            )
        }
        "namespaces" => (
            vec![
                col("Name", "string", 0),
                col("Status", "string", 0),
                col("Age", "string", 0),
            ],
            vec![name, json!(s(&o["status"]["phase"])), age],
        ),
        _ => more_layouts(resource, o, name, age),
    }
}

fn count(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn subjects(o: &Value, kind: &str) -> String {
    o["subjects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|sub| sub["kind"] == kind)
        .map(|sub| match sub["namespace"].as_str() {
            Some(ns) if kind == "ServiceAccount" => format!("{ns}/{}", s(&sub["name"])),
            _ => s(&sub["name"]),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An IntOrString field as kubectl prints it; unset is `N/A`.
fn int_or_percent(v: &Value) -> String {
    if v.is_null() { "N/A".into() } else { s(v) }
}

fn or_none(v: String) -> Value {
    json!(if v.is_empty() {
        "<none>".to_string()
    } else {
        v
    })
}

fn label_selector(sel: &Value) -> String {
    let labels = sel["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", s(v)))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    if labels.is_empty() && sel.is_object() {
        "<none>".into()
    } else {
        labels
    }
}

/// The read-only types kubectl and consoles list besides the workloads:
/// columns as kubectl's printers name them.
fn more_layouts(resource: &str, o: &Value, name: Value, age: Value) -> (Vec<Value>, Vec<Value>) {
    let created_at = json!(s(&o["metadata"]["creationTimestamp"]));
    match resource {
        "daemonsets" => {
            let (c, i) = containers(o);
            let st = &o["status"];
            let node_selector = o["spec"]["template"]["spec"]["nodeSelector"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", s(v)))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            (
                vec![
                    col("Name", "string", 0),
                    col("Desired", "integer", 0),
                    col("Current", "integer", 0),
                    col("Ready", "integer", 0),
                    col("Up-to-date", "integer", 0),
                    col("Available", "integer", 0),
                    col("Node Selector", "string", 0),
                    col("Age", "string", 0),
                    col("Containers", "string", 1),
                    col("Images", "string", 1),
                    col("Selector", "string", 1),
                ],
                vec![
                    name,
                    json!(count(&st["desiredNumberScheduled"])),
                    json!(count(&st["currentNumberScheduled"])),
                    json!(count(&st["numberReady"])),
                    json!(count(&st["updatedNumberScheduled"])),
                    json!(count(&st["numberAvailable"])),
                    or_none(node_selector),
                    age,
                    json!(c),
                    json!(i),
                    json!(selector(o)),
                ],
            )
        }
        "replicationcontrollers" => {
            let (c, i) = containers(o);
            (
                vec![
                    col("Name", "string", 0),
                    col("Desired", "integer", 0),
                    col("Current", "integer", 0),
                    col("Ready", "integer", 0),
                    col("Age", "string", 0),
                    col("Containers", "string", 1),
                    col("Images", "string", 1),
                    col("Selector", "string", 1),
                ],
                vec![
                    name,
                    json!(count(&o["spec"]["replicas"])),
                    json!(count(&o["status"]["replicas"])),
                    json!(count(&o["status"]["readyReplicas"])),
                    age,
                    json!(c),
                    json!(i),
                    json!(selector(o)),
                ],
            )
        }
        "jobs" => {
            let (c, i) = containers(o);
            let want = o["spec"]["completions"].as_i64().unwrap_or(1);
            let done = count(&o["status"]["succeeded"]);
            let status = if done >= want {
                "Complete"
            } else if count(&o["status"]["failed"]) > 0 {
                "Failed"
            } else {
                "Running"
            };
            (
                vec![
                    col("Name", "string", 0),
                    col("Status", "string", 0),
                    col("Completions", "string", 0),
                    col("Duration", "string", 0),
                    col("Age", "string", 0),
                    col("Containers", "string", 1),
                    col("Images", "string", 1),
                    col("Selector", "string", 1),
                ],
                vec![
                    name,
                    json!(status),
                    json!(format!("{done}/{want}")),
                    json!(since(&o["status"]["startTime"])),
                    age,
                    json!(c),
                    json!(i),
                    json!(selector(o)),
                ],
            )
        }
        "cronjobs" => {
            let t = &o["spec"]["jobTemplate"];
            let (c, i) = containers(t);
            let last = &o["status"]["lastScheduleTime"];
            (
                vec![
                    col("Name", "string", 0),
                    col("Schedule", "string", 0),
                    col("Timezone", "string", 0),
                    col("Suspend", "boolean", 0),
                    col("Active", "integer", 0),
                    col("Last Schedule", "string", 0),
                    col("Age", "string", 0),
                    col("Containers", "string", 1),
                    col("Images", "string", 1),
                    col("Selector", "string", 1),
                ],
                vec![
                    name,
                    json!(s(&o["spec"]["schedule"])),
                    or_none(s(&o["spec"]["timeZone"])),
                    json!(o["spec"]["suspend"].as_bool().unwrap_or(false)),
                    json!(o["status"]["active"].as_array().map_or(0, Vec::len)),
                    json!(if last.is_null() {
                        "<none>".into()
                    } else {
                        since(last)
                    }),
                    age,
                    json!(c),
                    json!(i),
                    or_none(selector(t)),
                ],
            )
        }
        "serviceaccounts" => (
            vec![
                col("Name", "string", 0),
                col("Secrets", "string", 0),
                col("Age", "string", 0),
            ],
            vec![
                name,
                json!(o["secrets"].as_array().map_or(0, Vec::len)),
                age,
            ],
        ),
        "endpoints" => {
            let eps = o["subsets"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|ss| {
                    let ports: Vec<String> = ss["ports"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|p| s(&p["port"]))
                        .collect();
                    ss["addresses"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .flat_map(move |a| {
                            let ip = s(&a["ip"]);
                            ports.clone().into_iter().map(move |p| format!("{ip}:{p}"))
                        })
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>();
            let text = if eps.len() > 3 {
                format!("{} + {} more...", eps[..3].join(","), eps.len() - 3)
            } else {
                eps.join(",")
            };
            (
                vec![
                    col("Name", "string", 0),
                    col("Endpoints", "string", 0),
                    col("Age", "string", 0),
                ],
                vec![name, or_none(text), age],
            )
        }
        "endpointslices" => {
            let ports = o["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| s(&p["port"]))
                .collect::<Vec<_>>()
                .join(",");
            let addrs = o["endpoints"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|e| e["addresses"].as_array().cloned().unwrap_or_default())
                .map(|a| s(&a))
                .collect::<Vec<_>>();
            let text = if addrs.len() > 3 {
                format!("{} + {} more...", addrs[..3].join(","), addrs.len() - 3)
            } else {
                addrs.join(",")
            };
            (
                vec![
                    col("Name", "string", 0),
                    col("AddressType", "string", 0),
                    col("Ports", "string", 0),
                    col("Endpoints", "string", 0),
                    col("Age", "string", 0),
                ],
                vec![
                    name,
                    json!(s(&o["addressType"])),
                    if ports.is_empty() {
                        json!("<unset>")
                    } else {
                        json!(ports)
                    },
                    if text.is_empty() {
                        json!("<unset>")
                    } else {
                        json!(text)
                    },
                    age,
                ],
            )
        }
        "limitranges" | "roles" | "clusterroles" | "customresourcedefinitions" => (
            vec![col("Name", "string", 0), col("Created At", "date", 0)],
            vec![name, created_at],
        ),
        "resourcequotas" => {
            let pairs = |field: &str, prefix: Option<&str>| {
                o["status"]["hard"]
                    .as_object()
                    .map(|hard| {
                        hard.iter()
                            .filter(|(k, _)| match prefix {
                                Some(p) => k.starts_with(p),
                                None => !k.starts_with("limits."),
                            })
                            .map(|(k, v)| format!("{k}: {}/{}", s(&o["status"][field][k]), s(v)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default()
            };
            (
                vec![
                    col("Name", "string", 0),
                    col("Age", "string", 0),
                    col("Request", "string", 0),
                    col("Limit", "string", 0),
                ],
                vec![
                    name,
                    age,
                    json!(pairs("used", None)),
                    json!(pairs("used", Some("limits."))),
                ],
            )
        }
        "persistentvolumes" => {
            let claim = &o["spec"]["claimRef"];
            let claim = if claim.is_null() {
                String::new()
            } else {
                format!("{}/{}", s(&claim["namespace"]), s(&claim["name"]))
            };
            (
                vec![
                    col("Name", "string", 0),
                    col("Capacity", "string", 0),
                    col("Access Modes", "string", 0),
                    col("Reclaim Policy", "string", 0),
                    col("Status", "string", 0),
                    col("Claim", "string", 0),
                    col("StorageClass", "string", 0),
                    col("VolumeAttributesClass", "string", 0),
                    col("Reason", "string", 0),
                    col("Age", "string", 0),
                    col("VolumeMode", "string", 1),
                ],
                vec![
                    name,
                    json!(s(&o["spec"]["capacity"]["storage"])),
                    json!("RWO"),
                    json!(s(&o["spec"]["persistentVolumeReclaimPolicy"])),
                    json!(s(&o["status"]["phase"])),
                    json!(claim),
                    json!(s(&o["spec"]["storageClassName"])),
                    json!("<unset>"),
                    json!(s(&o["status"]["reason"])),
                    age,
                    json!(s(&o["spec"]["volumeMode"])),
                ],
            )
        }
        "networkpolicies" => (
            vec![
                col("Name", "string", 0),
                col("Pod-Selector", "string", 0),
                col("Age", "string", 0),
            ],
            vec![name, json!(label_selector(&o["spec"]["podSelector"])), age],
        ),
        "ingresses" => {
            let hosts = o["spec"]["rules"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["host"].as_str())
                .collect::<Vec<_>>()
                .join(",");
            let address = o["status"]["loadBalancer"]["ingress"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["ip"].as_str().or(i["hostname"].as_str()))
                .collect::<Vec<_>>()
                .join(",");
            let ports = if o["spec"]["tls"].is_array() {
                "80, 443"
            } else {
                "80"
            };
            (
                vec![
                    col("Name", "string", 0),
                    col("Class", "string", 0),
                    col("Hosts", "string", 0),
                    col("Address", "string", 0),
                    col("Ports", "string", 0),
                    col("Age", "string", 0),
                ],
                vec![
                    name,
                    or_none(s(&o["spec"]["ingressClassName"])),
                    json!(if hosts.is_empty() { "*".into() } else { hosts }),
                    json!(address),
                    json!(ports),
                    age,
                ],
            )
        }
        "ingressclasses" => (
            vec![
                col("Name", "string", 0),
                col("Controller", "string", 0),
                col("Parameters", "string", 0),
                col("Age", "string", 0),
            ],
            vec![
                name,
                json!(s(&o["spec"]["controller"])),
                json!("<none>"),
                age,
            ],
        ),
        "rolebindings" | "clusterrolebindings" => (
            vec![
                col("Name", "string", 0),
                col("Role", "string", 0),
                col("Age", "string", 0),
                col("Users", "string", 1),
                col("Groups", "string", 1),
                col("ServiceAccounts", "string", 1),
            ],
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    s(&o["roleRef"]["kind"]),
                    s(&o["roleRef"]["name"])
                )),
                age,
                json!(subjects(o, "User")),
                json!(subjects(o, "Group")),
                json!(subjects(o, "ServiceAccount")),
            ],
        ),
        "storageclasses" => {
            let default = o["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"]
                == "true";
            (
                vec![
                    col("Name", "string", 0),
                    col("Provisioner", "string", 0),
                    col("ReclaimPolicy", "string", 0),
                    col("VolumeBindingMode", "string", 0),
                    col("AllowVolumeExpansion", "string", 0),
                    col("Age", "string", 0),
                ],
                vec![
                    if default {
                        json!(format!("{} (default)", s(&o["metadata"]["name"])))
                    } else {
                        name
                    },
                    json!(s(&o["provisioner"])),
                    json!(s(&o["reclaimPolicy"])),
                    json!(s(&o["volumeBindingMode"])),
                    json!(
                        o["allowVolumeExpansion"]
                            .as_bool()
                            .unwrap_or(false)
                            .to_string()
                    ),
                    age,
                ],
            )
        }
        "poddisruptionbudgets" => (
            vec![
                col("Name", "string", 0),
                col("Min Available", "string", 0),
                col("Max Unavailable", "string", 0),
                col("Allowed Disruptions", "integer", 0),
                col("Age", "string", 0),
            ],
            vec![
                name,
                json!(int_or_percent(&o["spec"]["minAvailable"])),
                json!(int_or_percent(&o["spec"]["maxUnavailable"])),
                json!(count(&o["status"]["disruptionsAllowed"])),
                age,
            ],
        ),
        "leases" => (
            vec![
                col("Name", "string", 0),
                col("Holder", "string", 0),
                col("Age", "string", 0),
            ],
            vec![name, json!(s(&o["spec"]["holderIdentity"])), age],
        ),
        "priorityclasses" => (
            vec![
                col("Name", "string", 0),
                col("Value", "integer", 0),
                col("Global-Default", "boolean", 0),
                col("Age", "string", 0),
                col("PreemptionPolicy", "string", 0),
            ],
            vec![
                name,
                json!(count(&o["value"])),
                json!(o["globalDefault"].as_bool().unwrap_or(false)),
                age,
                json!(
                    o["preemptionPolicy"]
                        .as_str()
                        .unwrap_or("PreemptLowerPriority")
                ),
            ],
        ),
        _ => (
            vec![col("Name", "string", 0), col("Age", "string", 0)],
            vec![name, age],
        ),
    }
}

/// A Table of `objects`; each row carries its full object so kubectl can sort
/// (`--sort-by`) and print names with kinds.
pub fn table(
    resource: &str,
    objects: &[Value],
    resource_version: &str,
    cont: Option<&str>,
) -> Value {
    let mut columns = layout(resource, &json!({})).0;
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let (c, cells) = layout(resource, o);
            columns = c;
            json!({"cells": cells, "object": o})
        })
        .collect();
    let mut meta = json!({"resourceVersion": resource_version});
    if let Some(c) = cont {
        meta["continue"] = json!(c);
    }
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": columns, "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(3600), "60m");
        assert_eq!(human_duration(4 * 3600 + 60), "4h1m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86400), "3d");
    }
}
