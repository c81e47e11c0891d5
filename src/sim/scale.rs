//! The `scale` scenario: a large cluster for benchmarks, generated rather
//! than read from a file.
//!
//! With the default 10,000 pods: 500 deployments of 20 pods over 20
//! namespaces and 50 nodes, about 1 % of the pods replaced each minute, one
//! deployment in CrashLoopBackOff (a bad configmap value from the first
//! scenario second), and one extra `log-flood` pod writing 1,000 log lines a
//! second, the stream to follow when measuring log views.

use std::collections::BTreeMap;

use super::scenario::{
    ConfigMapSpec, Effect, IncidentSpec, LogStyle, NodeSpec, Scenario, WorkloadKind, WorkloadSpec,
};

pub const NAME: &str = "scale";
pub const DEFAULT_PODS: usize = 10_000;

/// Pods per deployment, and the most deployments, namespaces and nodes.
const PODS_PER_DEPLOYMENT: usize = 20;
const MAX_DEPLOYMENTS: usize = 500;
const MAX_NAMESPACES: usize = 20;
const MAX_NODES: usize = 50;
const PODS_PER_NODE: usize = 200;

/// Log lines a second of the `log-flood` pod.
pub const FLOOD_LINES_PER_SECOND: f64 = 1000.0;

const WORDS: &[&str] = &[
    "api",
    "web",
    "worker",
    "cache",
    "auth",
    "search",
    "billing",
    "cart",
    "checkout",
    "catalog",
    "email",
    "events",
    "feed",
    "gateway",
    "images",
    "inventory",
    "ledger",
    "media",
    "notify",
    "orders",
    "payments",
    "profile",
    "quotes",
    "ranking",
    "reports",
];

/// The first deployment crash-loops: its configmap gets a bad value.
const BAD_KEY: &str = "DATABASE_URL";

fn namespace(i: usize) -> String {
    format!("team-{:02}", i + 1)
}

/// The scale scenario with `pods` pods in its deployments, plus the `log-flood` pod (with
/// 0, that pod alone: a log stream to follow with nothing else on screen).
pub fn scenario(pods: usize) -> Scenario {
    let deployments = if pods == 0 {
        0
    } else {
        (pods / PODS_PER_DEPLOYMENT).clamp(1, MAX_DEPLOYMENTS)
    };
    let namespaces: Vec<String> = (0..deployments.clamp(1, MAX_NAMESPACES))
        .map(namespace)
        .collect();
    let nodes = (pods / PODS_PER_NODE).clamp(1, MAX_NODES);
    let styles = [LogStyle::Api, LogStyle::Nginx, LogStyle::Gradio];
    let mut workloads = Vec::with_capacity(deployments + 1);
    for d in 0..deployments {
        let ns = d % namespaces.len();
        let word = WORDS[(d / namespaces.len()) % WORDS.len()];
        let replicas = pods / deployments + usize::from(d < pods % deployments);
        workloads.push(WorkloadSpec {
            name: format!("{word}-{:02}", ns + 1),
            namespace: namespaces[ns].clone(),
            kind: WorkloadKind::Deployment,
            replicas: i32::try_from(replicas).unwrap_or(i32::MAX),
            container: word.to_string(),
            image: format!("registry.local/{word}:2.{}.{}", d % 7, d % 13),
            port: 8080,
            logs: styles[d % styles.len()],
            labels: BTreeMap::from([("tier".to_string(), "backend".to_string())]),
            cpu_request_m: 50,
            cpu_limit_m: 500,
            memory_request_mib: 64,
            memory_limit_mib: 256,
            cpu_usage_m: 12 + (d % 40) as u32,
            memory_usage_mib: 48 + (d % 64) as u32,
            startup_seconds: 2.0,
            configmap: (d == 0).then(|| format!("{word}-{:02}-config", ns + 1)),
            volume_size: None,
            requests_per_second: 2.0,
            p95_ms: 80.0,
            // One line every five seconds per pod: 2,000 lines a second in all.
            log_lines_per_second: Some(0.2),
        });
    }
    let crashing = workloads.first().cloned();
    workloads.push(WorkloadSpec {
        name: "log-flood".into(),
        namespace: namespaces[0].clone(),
        kind: WorkloadKind::Deployment,
        replicas: 1,
        container: "ingest".into(),
        image: "registry.local/ingest:1.0.0".into(),
        port: 8080,
        logs: LogStyle::Nginx,
        labels: BTreeMap::new(),
        cpu_request_m: 200,
        cpu_limit_m: 1000,
        memory_request_mib: 128,
        memory_limit_mib: 512,
        cpu_usage_m: 400,
        memory_usage_mib: 200,
        startup_seconds: 2.0,
        configmap: None,
        volume_size: None,
        requests_per_second: FLOOD_LINES_PER_SECOND,
        p95_ms: 30.0,
        log_lines_per_second: Some(FLOOD_LINES_PER_SECOND),
    });
    let (configmaps, incidents) = match crashing {
        Some(c) => crash_loop(&c),
        None => (Vec::new(), Vec::new()),
    };
    Scenario {
        name: NAME.into(),
        system: None,
        description: format!(
            "scale: {pods} pods in {deployments} deployments over {} namespaces and {nodes} nodes",
            namespaces.len()
        ),
        namespaces: namespaces.clone(),
        forbidden_namespaces: Vec::new(),
        selector: None,
        nodes: (0..nodes)
            .map(|i| NodeSpec {
                name: format!("node-{:02}", i + 1),
                cpu_cores: 32,
                memory_gib: 128,
            })
            .collect(),
        configmaps,
        secrets: Vec::new(),
        pvcs: Vec::new(),
        hpas: Vec::new(),
        services: Vec::new(),
        incidents,
        churn_percent_per_minute: 1.0,
        log_keep: Some(100),
        settled: true,
        workloads,
        index: Default::default(),
    }
    .indexed()
}

/// The crash-looping deployment's configmap, and the incident that breaks it.
fn crash_loop(crashing: &WorkloadSpec) -> (Vec<ConfigMapSpec>, Vec<IncidentSpec>) {
    let configmap = crashing.configmap.clone().unwrap_or_default();
    (
        vec![ConfigMapSpec {
            name: configmap.clone(),
            namespace: crashing.namespace.clone(),
            data: BTreeMap::from([(
                BAD_KEY.to_string(),
                format!(
                    "postgresql://{}@db.{}:5432/app",
                    crashing.name, crashing.namespace
                ),
            )]),
        }],
        vec![IncidentSpec {
            name: format!("{} crash-loops on a bad {BAD_KEY}", crashing.name),
            at: 1.0,
            workload: crashing.name.clone(),
            preview: format!(
                "{}'s config breaks ({BAD_KEY}); its pods will crash-loop",
                crashing.name
            ),
            effect: Effect::BadConfig {
                configmap,
                key: BAD_KEY.into(),
                value: "postgresql://db.invalid:5432/app".into(),
            },
        }],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_shape() {
        let s = scenario(DEFAULT_PODS);
        let deployments = s.workloads.len() - 1;
        assert_eq!(deployments, 500);
        let pods: i32 = s.workloads.iter().map(|w| w.replicas).sum();
        assert_eq!(pods, 10_001);
        assert_eq!(s.namespaces.len(), 20);
        assert_eq!(s.nodes.len(), 50);
        let names: std::collections::HashSet<_> = s.workloads.iter().map(|w| &w.name).collect();
        assert_eq!(names.len(), s.workloads.len(), "workload names are unique");
        assert!(s.workload("log-flood").is_some());
    }

    #[test]
    fn small_counts_still_make_a_cluster() {
        let s = scenario(7);
        let pods: i32 = s.workloads.iter().map(|w| w.replicas).sum();
        assert_eq!(pods, 8);
        assert_eq!(s.namespaces.len(), 1);
        assert_eq!(s.nodes.len(), 1);
        let alone = scenario(0);
        assert_eq!(alone.workloads.len(), 1);
        assert_eq!(alone.workloads[0].name, "log-flood");
    }
}
