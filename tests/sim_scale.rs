//! The simulation at scale and the load it counts: the 10,000-pod scenario read through
//! kube-rs in pages, `/sim/stats` against a known sequence of requests, and the resource
//! types a real cluster always lists, answered with kubectl's Table columns.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

use std::process::Command;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use opsdeck::sim::{SimHandle, SimOptions, start};
use serde_json::Value;

async fn sim(scenario: &str) -> SimHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    start(SimOptions {
        scenario: scenario.into(),
        ..Default::default()
    })
    .await
    .unwrap_or_else(|e| panic!("the {scenario} simulation did not start: {e}"))
}

async fn client(sim: &SimHandle) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::read_from(&sim.kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scale_scenario_serves_ten_thousand_pods_in_pages() {
    let sim = sim("scale").await;
    let pods: Api<Pod> = Api::all(client(&sim).await);
    let mut names = std::collections::HashSet::new();
    let mut pages = 0;
    let mut served = 0;
    let mut params = ListParams::default().limit(500);
    loop {
        let page = pods.list(&params).await.expect("a page of pods");
        pages += 1;
        assert!(page.items.len() <= 500, "a page holds at most the limit");
        served += page.items.len();
        for p in &page.items {
            let ns = p.metadata.namespace.clone().unwrap_or_default();
            names.insert(format!(
                "{ns}/{}",
                p.metadata.name.clone().unwrap_or_default()
            ));
        }
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => params = params.continue_token(&c),
            None => break,
        }
        assert!(pages < 100, "paging does not end");
    }
    // Every page comes from the snapshot of the first, as the API server's do: no pod is
    // served twice or skipped while churn replaces pods. 10,000 pods in deployments and the
    // log-flood pod; a pod being replaced at that moment shows as Terminating and as its
    // replacement.
    assert_eq!(served, names.len(), "a pod was served twice");
    assert!(names.len() >= 10_001, "{} pods", names.len());
    assert!(pages >= 20, "{pages} pages");
    let namespaces: std::collections::HashSet<&str> =
        names.iter().filter_map(|n| n.split('/').next()).collect();
    assert_eq!(namespaces.len(), 20);
    let flood = pods
        .list(&ListParams::default().labels("app=log-flood"))
        .await
        .unwrap();
    assert_eq!(flood.items.len(), 1, "one log-flood pod");
}

fn get(sim: &SimHandle, path: &str, agent: &str, table: bool) -> (u16, Vec<u8>) {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-A", agent, "-w", "\n%{http_code}"]);
    if table {
        cmd.args(["-H", "Accept: application/json;as=Table;v=v1;g=meta.k8s.io"]);
    }
    let out = cmd
        .arg(format!("{}{path}", sim.api_url))
        .output()
        .expect("curl runs (apt-get install curl)");
    let mut body = out.stdout;
    let cut = body.iter().rposition(|b| *b == b'\n').unwrap_or(0);
    let code = String::from_utf8_lossy(&body[cut + 1..])
        .parse()
        .unwrap_or(0);
    body.truncate(cut);
    (code, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_stats_counts_a_known_sequence_of_requests_exactly() {
    let sim = sim("rag7").await;
    let handle = {
        let s = &sim;
        tokio::task::block_in_place(|| {
            let (c1, version) = get(s, "/version", "probe-a/1", false);
            let (c2, list) = get(s, "/api/v1/namespaces/rag7/pods", "probe-b/1", false);
            let (c3, page) = get(s, "/apis/apps/v1/deployments?limit=1", "probe-b/1", false);
            // A watch that ends by itself after a second.
            let (c4, watch) = get(
                s,
                "/api/v1/namespaces/rag7/pods?watch=true&timeoutSeconds=1",
                "probe-b/1",
                false,
            );
            let (c5, missing) = get(s, "/api/v1/namespaces/rag7/pods/nope", "probe-b/1", false);
            assert_eq!((c1, c2, c3, c4, c5), (200, 200, 200, 200, 404));
            (
                version.len() as u64,
                (list.len() + page.len() + watch.len() + missing.len()) as u64,
            )
        })
    };
    let (bytes_a, bytes_b) = handle;
    let mut stats = Value::Null;
    // The watch's end is counted when its body is dropped, just after the client has it.
    for _ in 0..50 {
        let (_, body) = tokio::task::block_in_place(|| get(&sim, "/sim/stats", "probe-c/1", false));
        stats = serde_json::from_slice(&body).unwrap();
        if stats["clients"]["probe-b/1"]["watches_open"] == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let a = &stats["clients"]["probe-a/1"];
    let b = &stats["clients"]["probe-b/1"];
    assert_eq!(a["requests"], 1, "{stats}");
    assert_eq!(a["lists"], 0);
    assert_eq!(a["watches"], 0);
    assert_eq!(a["bytes_sent"], bytes_a);
    assert_eq!(b["requests"], 4, "{stats}");
    assert_eq!(b["lists"], 2);
    assert_eq!(b["watches"], 1);
    assert_eq!(b["watches_open"], 0);
    assert_eq!(b["bytes_sent"], bytes_b);
    assert!(
        stats["clients"].get("probe-c/1").is_none(),
        "/sim/stats itself is not counted"
    );
    assert_eq!(stats["total"]["requests"], 5);
    let rendered = sim.load().render();
    assert!(rendered.contains("probe-b/1"), "{rendered}");
}

/// Each type, its path, and kubectl's columns for it.
const TYPES: &[(&str, &str, &[&str])] = &[
    (
        "serviceaccounts",
        "/api/v1/serviceaccounts",
        &["Name", "Secrets", "Age"],
    ),
    (
        "endpoints",
        "/api/v1/endpoints",
        &["Name", "Endpoints", "Age"],
    ),
    (
        "limitranges",
        "/api/v1/limitranges",
        &["Name", "Created At"],
    ),
    (
        "resourcequotas",
        "/api/v1/resourcequotas",
        &["Name", "Age", "Request", "Limit"],
    ),
    (
        "persistentvolumes",
        "/api/v1/persistentvolumes",
        &[
            "Name",
            "Capacity",
            "Access Modes",
            "Reclaim Policy",
            "Status",
            "Claim",
            "StorageClass",
            "VolumeAttributesClass",
            "Reason",
            "Age",
            "VolumeMode",
        ],
    ),
    (
        "replicationcontrollers",
        "/api/v1/replicationcontrollers",
        &[
            "Name",
            "Desired",
            "Current",
            "Ready",
            "Age",
            "Containers",
            "Images",
            "Selector",
        ],
    ),
    (
        "daemonsets",
        "/apis/apps/v1/daemonsets",
        &[
            "Name",
            "Desired",
            "Current",
            "Ready",
            "Up-to-date",
            "Available",
            "Node Selector",
            "Age",
            "Containers",
            "Images",
            "Selector",
        ],
    ),
    (
        "jobs",
        "/apis/batch/v1/jobs",
        &[
            "Name",
            "Status",
            "Completions",
            "Duration",
            "Age",
            "Containers",
            "Images",
            "Selector",
        ],
    ),
    (
        "cronjobs",
        "/apis/batch/v1/cronjobs",
        &[
            "Name",
            "Schedule",
            "Timezone",
            "Suspend",
            "Active",
            "Last Schedule",
            "Age",
            "Containers",
            "Images",
            "Selector",
        ],
    ),
    (
        "networkpolicies",
        "/apis/networking.k8s.io/v1/networkpolicies",
        &["Name", "Pod-Selector", "Age"],
    ),
    (
        "ingresses",
        "/apis/networking.k8s.io/v1/ingresses",
        &["Name", "Class", "Hosts", "Address", "Ports", "Age"],
    ),
    (
        "ingressclasses",
        "/apis/networking.k8s.io/v1/ingressclasses",
        &["Name", "Controller", "Parameters", "Age"],
    ),
    (
        "roles",
        "/apis/rbac.authorization.k8s.io/v1/roles",
        &["Name", "Created At"],
    ),
    (
        "rolebindings",
        "/apis/rbac.authorization.k8s.io/v1/rolebindings",
        &["Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"],
    ),
    (
        "clusterroles",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        &["Name", "Created At"],
    ),
    (
        "clusterrolebindings",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        &["Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"],
    ),
    (
        "storageclasses",
        "/apis/storage.k8s.io/v1/storageclasses",
        &[
            "Name",
            "Provisioner",
            "ReclaimPolicy",
            "VolumeBindingMode",
            "AllowVolumeExpansion",
            "Age",
        ],
    ),
    (
        "endpointslices",
        "/apis/discovery.k8s.io/v1/endpointslices",
        &["Name", "AddressType", "Ports", "Endpoints", "Age"],
    ),
    (
        "poddisruptionbudgets",
        "/apis/policy/v1/poddisruptionbudgets",
        &[
            "Name",
            "Min Available",
            "Max Unavailable",
            "Allowed Disruptions",
            "Age",
        ],
    ),
    (
        "leases",
        "/apis/coordination.k8s.io/v1/leases",
        &["Name", "Holder", "Age"],
    ),
    (
        "priorityclasses",
        "/apis/scheduling.k8s.io/v1/priorityclasses",
        &["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"],
    ),
    (
        "customresourcedefinitions",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        &["Name", "Created At"],
    ),
];

fn kubectl(sim: &SimHandle, args: &[&str]) -> (bool, String, String) {
    let out = Command::new("kubectl")
        .args(args)
        .env("KUBECONFIG", &sim.kubeconfig)
        .output()
        .expect("kubectl runs (apt-get install kubernetes-client)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_newly_served_type_answers_kubectl_get_with_its_columns() {
    let sim = sim("rag7").await;
    tokio::task::block_in_place(|| {
        for (name, path, columns) in TYPES {
            let (code, body) = get(&sim, path, "probe/1", true);
            assert_eq!(code, 200, "{name}: {}", String::from_utf8_lossy(&body));
            let table: Value = serde_json::from_slice(&body).unwrap();
            let got: Vec<&str> = table["columnDefinitions"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c["name"].as_str())
                .collect();
            assert_eq!(&got, columns, "{name}");
            let (ok, stdout, stderr) = kubectl(&sim, &["get", name, "-A", "-o", "wide"]);
            assert!(ok, "kubectl get {name}: {stderr}");
            if table["rows"].as_array().is_some_and(|r| !r.is_empty()) {
                let header = stdout.lines().next().unwrap_or_default();
                for c in *columns {
                    assert!(
                        header.contains(&c.to_uppercase()),
                        "kubectl get {name} -o wide header lacks {c}: {header}"
                    );
                }
            } else {
                assert!(stderr.contains("No resources found"), "{name}: {stderr}");
            }
        }
        // The scenario fills what every cluster has.
        let (_, pv, _) = kubectl(&sim, &["get", "pv"]);
        assert!(pv.contains("rag7/data-postgres-0"), "{pv}");
        let (_, sc, _) = kubectl(&sim, &["get", "storageclass"]);
        assert!(sc.contains("standard (default)"), "{sc}");
        let (_, sa, _) = kubectl(&sim, &["get", "serviceaccounts", "-n", "rag7"]);
        assert!(sa.contains("default"), "{sa}");
        // `get all` now also asks for daemonsets, jobs, cronjobs and replicationcontrollers.
        let (ok, all, stderr) = kubectl(&sim, &["get", "all", "-n", "rag7"]);
        assert!(ok && all.contains("deployment.apps/langgraph"), "{stderr}");
    });
}
