//! The scenario's initial objects, as the API serves them.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::clock::{rfc3339, wall};
use super::scenario::{WorkloadKind, WorkloadSpec};
use super::world::World;

pub const KUBELET_VERSION: &str = "v1.32.4";

pub fn app_label(w: &WorkloadSpec) -> String {
    w.labels
        .get("app")
        .cloned()
        .unwrap_or_else(|| w.name.clone())
}

fn pod_labels(w: &WorkloadSpec) -> BTreeMap<String, String> {
    let mut labels = w.labels.clone();
    labels.insert("app".into(), app_label(w));
    labels
}

fn meta(world: &mut World, name: &str, namespace: Option<&str>) -> Value {
    let mut m = json!({
        "name": name,
        "uid": world.uid(),
        "creationTimestamp": rfc3339(wall()),
    });
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

fn pod_template(w: &WorkloadSpec) -> Value {
    let mut container = json!({
        "name": w.container,
        "image": w.image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": w.port, "protocol": "TCP"}],
        "resources": {
            "requests": {"cpu": format!("{}m", w.cpu_request_m), "memory": format!("{}Mi", w.memory_request_mib)},
            "limits": {"cpu": format!("{}m", w.cpu_limit_m), "memory": format!("{}Mi", w.memory_limit_mib)},
        },
        "readinessProbe": {
            "tcpSocket": {"port": w.port},
            "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3,
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    });
    if let Some(cm) = &w.configmap {
        container["envFrom"] = json!([{"configMapRef": {"name": cm}}]);
    }
    if w.kind == WorkloadKind::StatefulSet && w.volume_size.is_some() {
        container["volumeMounts"] = json!([{"name": "data", "mountPath": "/var/lib/data"}]);
    }
    json!({
        "metadata": {"labels": pod_labels(w)},
        "spec": {
            "containers": [container],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
        }
    })
}

/// Creates every object the scenario starts with. Pods come from the controller.
pub fn populate(world: &mut World) {
    let scenario = world.scenario.clone();
    for ns in &scenario.namespaces {
        let m = meta(world, ns, None);
        let mut m = m;
        m["labels"] = json!({"kubernetes.io/metadata.name": ns});
        world.store.put(
            "namespaces",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": m,
                   "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
        );
    }
    for (i, node) in scenario.nodes.iter().enumerate() {
        let mut m = meta(world, &node.name, None);
        m["labels"] = json!({
            "kubernetes.io/hostname": node.name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "node-role.kubernetes.io/worker": "",
        });
        let capacity = json!({
            "cpu": node.cpu_cores.to_string(),
            "memory": format!("{}Ki", u64::from(node.memory_gib) * 1024 * 1024),
            "pods": "110",
            "ephemeral-storage": "104857600Ki",
        });
        let now = rfc3339(wall());
        world.store.put(
            "nodes",
            json!({
                "apiVersion": "v1", "kind": "Node", "metadata": m,
                "spec": {"podCIDR": format!("10.244.{i}.0/24")},
                "status": {
                    "capacity": capacity, "allocatable": capacity,
                    "conditions": [
                        {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
                         "message": "kubelet has sufficient memory available", "lastHeartbeatTime": now, "lastTransitionTime": now},
                        {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure",
                         "message": "kubelet has no disk pressure", "lastHeartbeatTime": now, "lastTransitionTime": now},
                        {"type": "Ready", "status": "True", "reason": "KubeletReady",
                         "message": "kubelet is posting ready status", "lastHeartbeatTime": now, "lastTransitionTime": now},
                    ],
                    "addresses": [
                        {"type": "InternalIP", "address": format!("192.168.49.{}", i + 2)},
                        {"type": "Hostname", "address": node.name},
                    ],
                    "nodeInfo": {
                        "machineID": "", "systemUUID": "", "bootID": "",
                        "kernelVersion": "6.1.0-sim", "osImage": "Debian GNU/Linux 12 (bookworm)",
                        "containerRuntimeVersion": "containerd://1.7.22", "kubeletVersion": KUBELET_VERSION,
                        "kubeProxyVersion": KUBELET_VERSION, "operatingSystem": "linux", "architecture": "amd64",
                    },
                }
            }),
        );
    }
    // Nodes come warm: the scenario's own images are already on them.
    for node in &scenario.nodes {
        for w in &scenario.workloads {
            world.pulled.insert((node.name.clone(), w.image.clone()));
        }
    }
    for cm in &scenario.configmaps {
        let m = meta(world, &cm.name, Some(&cm.namespace));
        world.store.put(
            "configmaps",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": m, "data": cm.data}),
        );
    }
    for s in &scenario.secrets {
        let m = meta(world, &s.name, Some(&s.namespace));
        let data: BTreeMap<&String, String> = s
            .data
            .iter()
            .map(|(k, v)| (k, base64(v.as_bytes())))
            .collect();
        world.store.put(
            "secrets",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": m, "type": "Opaque", "data": data}),
        );
    }
    for p in &scenario.pvcs {
        put_pvc(
            world,
            &p.name,
            &p.namespace,
            &p.storage,
            &p.storage_class,
            BTreeMap::new(),
        );
    }
    for w in &scenario.workloads {
        let labels = pod_labels(w);
        let svc_meta = {
            let mut m = meta(world, &app_label(w), Some(&w.namespace));
            m["labels"] = json!(labels);
            m
        };
        let ip = format!("10.96.{}.{}", world.rng_byte(), world.rng_byte());
        world.store.put(
            "services",
            json!({"apiVersion": "v1", "kind": "Service", "metadata": svc_meta,
                   "spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                            "ports": [{"name": "main", "port": w.port, "targetPort": w.port, "protocol": "TCP"}],
                            "selector": {"app": app_label(w)}, "sessionAffinity": "None"},
                   "status": {"loadBalancer": {}}}),
        );
        let mut m = meta(world, &w.name, Some(&w.namespace));
        m["labels"] = json!(labels);
        m["generation"] = json!(1);
        let selector = json!({"matchLabels": {"app": app_label(w)}});
        match w.kind {
            WorkloadKind::Deployment => {
                m["annotations"] = json!({"deployment.kubernetes.io/revision": "1"});
                world.store.put(
                    "deployments",
                    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": m,
                           "spec": {"replicas": w.replicas, "selector": selector, "template": pod_template(w),
                                    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                                    "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
                           "status": {}}),
                );
            }
            WorkloadKind::StatefulSet => {
                let mut spec = json!({"replicas": w.replicas, "selector": selector, "template": pod_template(w),
                                      "serviceName": app_label(w), "podManagementPolicy": "OrderedReady",
                                      "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                                      "revisionHistoryLimit": 10});
                if let Some(size) = &w.volume_size {
                    spec["volumeClaimTemplates"] = json!([{
                        "metadata": {"name": "data"},
                        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}},
                    }]);
                    for i in 0..w.replicas {
                        put_pvc(
                            world,
                            &format!("data-{}-{i}", w.name),
                            &w.namespace,
                            size,
                            "standard",
                            labels.clone(),
                        );
                    }
                }
                world.store.put(
                    "statefulsets",
                    json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": m, "spec": spec, "status": {}}),
                );
            }
        }
    }
    for h in &scenario.hpas {
        let m = meta(world, &h.name, Some(&h.namespace));
        world.store.put(
            "horizontalpodautoscalers",
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": m,
                   "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": h.target},
                            "minReplicas": h.min_replicas, "maxReplicas": h.max_replicas,
                            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                "target": {"type": "Utilization", "averageUtilization": h.cpu_target_percent}}}]},
                   "status": {"currentReplicas": 0, "desiredReplicas": 0}}),
        );
    }
    populate_cluster_objects(world);
}

/// A uid that depends only on the object's identity, so that objects added
/// here draw nothing from the world's generator (which decides pod names).
fn stable_uid(kind: &str, namespace: &str, name: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("{kind}/{namespace}/{name}").as_bytes());
    let hex: String = d[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn cluster_meta(kind: &str, namespace: Option<&str>, name: &str) -> Value {
    let mut m = json!({
        "name": name,
        "uid": stable_uid(kind, namespace.unwrap_or_default(), name),
        "creationTimestamp": rfc3339(wall()),
    });
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

/// What every cluster has besides the scenario's workloads: default service
/// accounts, a default storage class and the volumes behind the claims, the
/// built-in cluster roles and priority classes.
fn populate_cluster_objects(world: &mut World) {
    let namespaces: Vec<String> = world.scenario.namespaces.clone();
    for ns in &namespaces {
        world.store.put(
            "serviceaccounts",
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": cluster_meta("ServiceAccount", Some(ns), "default")}),
        );
    }
    let mut sc_meta = cluster_meta("StorageClass", None, "standard");
    sc_meta["annotations"] = json!({"storageclass.kubernetes.io/is-default-class": "true"});
    world.store.put(
        "storageclasses",
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": sc_meta,
               "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
               "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": true}),
    );
    let claims: Vec<Value> = world
        .store
        .iter("persistentvolumeclaims", None)
        .cloned()
        .collect();
    for c in claims {
        let Some(volume) = c["spec"]["volumeName"].as_str() else {
            continue;
        };
        world.store.put(
            "persistentvolumes",
            json!({"apiVersion": "v1", "kind": "PersistentVolume",
                   "metadata": cluster_meta("PersistentVolume", None, volume),
                   "spec": {"capacity": {"storage": c["spec"]["resources"]["requests"]["storage"]},
                            "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Delete",
                            "storageClassName": c["spec"]["storageClassName"], "volumeMode": "Filesystem",
                            "hostPath": {"path": format!("/var/local-path-provisioner/{volume}"), "type": ""},
                            "claimRef": {"kind": "PersistentVolumeClaim", "apiVersion": "v1",
                                         "namespace": c["metadata"]["namespace"], "name": c["metadata"]["name"],
                                         "uid": c["metadata"]["uid"]}},
                   "status": {"phase": "Bound"}}),
        );
    }
    for role in ["cluster-admin", "admin", "edit", "view"] {
        let verbs = match role {
            "cluster-admin" => json!(["*"]),
            "view" => json!(["get", "list", "watch"]),
            _ => json!([
                "create", "delete", "get", "list", "patch", "update", "watch"
            ]),
        };
        let mut m = cluster_meta("ClusterRole", None, role);
        m["labels"] = json!({"kubernetes.io/bootstrapping": "rbac-defaults"});
        world.store.put(
            "clusterroles",
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": m,
                   "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": verbs}]}),
        );
    }
    world.store.put(
        "clusterrolebindings",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": cluster_meta("ClusterRoleBinding", None, "cluster-admin"),
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
               "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}]}),
    );
    for (name, value) in [
        ("system-cluster-critical", 2_000_000_000),
        ("system-node-critical", 2_000_001_000),
    ] {
        world.store.put(
            "priorityclasses",
            json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                   "metadata": cluster_meta("PriorityClass", None, name), "value": value,
                   "globalDefault": false, "preemptionPolicy": "PreemptLowerPriority",
                   "description": "Used for system critical pods that must run in the cluster."}),
        );
    }
}

pub fn put_pvc(
    world: &mut World,
    name: &str,
    namespace: &str,
    storage: &str,
    class: &str,
    labels: BTreeMap<String, String>,
) {
    let mut m = meta(world, name, Some(namespace));
    if !labels.is_empty() {
        m["labels"] = json!(labels);
    }
    let volume = format!("pvc-{}", world.uid());
    world.store.put(
        "persistentvolumeclaims",
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": m,
               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}},
                        "storageClassName": class, "volumeName": volume, "volumeMode": "Filesystem"},
               "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": storage}}}),
    );
}

pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
