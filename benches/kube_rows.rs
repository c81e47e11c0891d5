//! Pods to Workloads rows at cluster scale: 10,000 pods with metrics, and the decoding of the
//! same pods from an API list response (the other half of "list to first render").
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::Pod;
use opsdeck::sources::kube::rows::{Owners, PodUsage, RowCache, pod_rows};
use serde_json::{Value, json};

const PODS: usize = 10_000;

fn pod_json(i: usize) -> Value {
    let deployment = format!("svc-{}", i % 400);
    let rs = format!("{deployment}-6f7c9d8b5");
    let crash = i.is_multiple_of(97);
    let state = if crash {
        json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}})
    } else {
        json!({"running": {"startedAt": "2026-01-01T10:00:00Z"}})
    };
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("{rs}-{i:05}"), "namespace": format!("team-{}", i % 25),
            "uid": format!("00000000-0000-0000-0000-{i:012}"), "resourceVersion": "1",
            "creationTimestamp": "2026-01-01T09:00:00Z",
            "labels": {"app": deployment, "pod-template-hash": "6f7c9d8b5"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs,
                "uid": "1", "controller": true}]
        },
        "spec": {"nodeName": format!("node-{}", i % 120), "containers": [
            {"name": "app", "image": "registry.example.com/app:1.2.3",
             "resources": {"requests": {"cpu": "250m", "memory": "256Mi"},
                           "limits": {"cpu": "1", "memory": "1Gi"}}},
            {"name": "sidecar", "image": "registry.example.com/proxy:2.0",
             "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                           "limits": {"cpu": "200m", "memory": "128Mi"}}}
        ]},
        "status": {"phase": "Running", "podIP": "10.0.0.1", "containerStatuses": [
            {"name": "app", "image": "registry.example.com/app:1.2.3", "imageID": "sha256:abc",
             "containerID": "containerd://abc", "ready": !crash, "restartCount": if crash { 12 } else { 0 },
             "state": state,
             "lastState": if crash { json!({"terminated": {"reason": "Error", "exitCode": 1,
                 "finishedAt": "2026-01-01T10:30:00Z"}}) } else { json!({}) }},
            {"name": "sidecar", "image": "registry.example.com/proxy:2.0", "imageID": "sha256:def",
             "containerID": "containerd://def", "ready": true, "restartCount": 0,
             "state": {"running": {"startedAt": "2026-01-01T10:00:00Z"}}, "lastState": {}}
        ]}
    })
}

fn bench(c: &mut Criterion) {
    let list = json!({"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "1"},
        "items": (0..PODS).map(pod_json).collect::<Vec<_>>()})
    .to_string();
    let pods: Vec<Pod> = serde_json::from_value::<Value>(serde_json::from_str(&list).unwrap())
        .unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| serde_json::from_value(p.clone()).unwrap())
        .collect();
    let mut owners = Owners::default();
    for d in 0..400 {
        for ns in 0..25 {
            let meta = serde_json::from_value(json!({
                "name": format!("svc-{d}-6f7c9d8b5"), "namespace": format!("team-{ns}"),
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                    "name": format!("svc-{d}"), "uid": "2", "controller": true}]
            }))
            .unwrap();
            owners.add_replica_set(&meta);
        }
    }
    let usage: HashMap<(String, String), PodUsage> = pods
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                (
                    p.metadata.namespace.clone().unwrap(),
                    p.metadata.name.clone().unwrap(),
                ),
                PodUsage {
                    cpu_millicores: 100.0 + i as f64 % 300.0,
                    memory_bytes: 200.0 * 1048576.0,
                },
            )
        })
        .collect();

    let mut g = c.benchmark_group("kube_rows");
    g.sample_size(20);
    g.bench_function("10k pods + metrics -> rows", |b| {
        b.iter(|| {
            let rows = pod_rows(black_box(&pods), &owners, Some(&usage));
            assert_eq!(rows.len(), PODS);
            rows
        })
    });
    // The steady state: a rebuild after 1% of the pods changed.
    let mut cache = RowCache::default();
    cache.rows(&pods, &owners, Some(&usage));
    let mut changed = pods.clone();
    let mut round = 0u64;
    g.bench_function("10k pods, 1% changed -> rows (cached)", |b| {
        b.iter(|| {
            round += 1;
            for p in changed.iter_mut().step_by(100) {
                p.metadata.resource_version = Some(round.to_string());
            }
            let rows = cache.rows(black_box(&changed), &owners, Some(&usage));
            assert_eq!(rows.len(), PODS);
            rows
        })
    });
    g.bench_function("decode a 10k-pod list response", |b| {
        b.iter(|| {
            let l: kube::core::ObjectList<Pod> = serde_json::from_str(black_box(&list)).unwrap();
            l.items.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
