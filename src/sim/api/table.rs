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
