//! The series the simulation exposes on `/metrics`, computed from the world.
//! The text endpoint and the simulation's own history read the same list, so
//! a real Prometheus scraping `/metrics` stores the values the simulated one
//! records.

use std::fmt::Write as _;

use super::promql::{Labels, METRIC_NAME};
use crate::sim::controller::BUCKETS;
use crate::sim::quantity;
use crate::sim::scenario::LogStyle;
use crate::sim::world::{ContainerState, World};

/// One sample: its full name (with any `_bucket`, `_sum`, `_count` suffix),
/// its labels in written order, and its value.
pub type Line = (String, Vec<(&'static str, String)>, f64);

/// One metric family: `# HELP`, `# TYPE` and its samples.
pub struct Family {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: &'static str,
    pub samples: Vec<Line>,
}

impl Family {
    fn new(name: &'static str, kind: &'static str, help: &'static str) -> Family {
        Family {
            name,
            help,
            kind,
            samples: Vec::new(),
        }
    }

    fn push(&mut self, suffix: &str, labels: Vec<(&'static str, String)>, value: f64) {
        self.samples
            .push((format!("{}{suffix}", self.name), labels, value));
    }
}

const MIB: f64 = 1024.0 * 1024.0;

/// Every family, in exposition order.
pub fn families(w: &World) -> Vec<Family> {
    let job = &w.scenario.system().to_string();
    let mut up = Family::new("up", "gauge", "Whether the target is up.");
    let mut requests = Family::new("http_requests_total", "counter", "Requests served.");
    let mut latency = Family::new(
        "http_request_duration_seconds",
        "histogram",
        "Request latency.",
    );
    let mut cache = Family::new("cache_hit_ratio", "gauge", "Cache hits over lookups.");
    let mut queue = Family::new("queue_size", "gauge", "Requests waiting.");
    for (name, h) in &w.health {
        // A service that has never served is not scraped yet: no target, no series.
        if !h.serving {
            continue;
        }
        let svc = || vec![("service", name.clone())];
        // The job is the system, as the seeds' rules name it (`up{job="deepseek-rag"}`).
        up.push(
            "",
            vec![("job", job.clone()), ("service", name.clone())],
            f64::from(u8::from(h.forced_status.is_none())),
        );
        for (status, count) in [("200", h.requests_ok), ("500", h.requests_err)] {
            let mut l = svc();
            l.push(("status", status.to_string()));
            requests.push("", l, count.floor());
        }
        let total = (h.requests_ok + h.requests_err).floor();
        let mut counts: Vec<f64> = h.buckets.iter().map(|(_, c)| *c).collect();
        counts.resize(BUCKETS.len(), 0.0);
        for (le, c) in BUCKETS.iter().zip(counts) {
            let mut l = svc();
            l.push(("le", le.to_string()));
            // Rounded, not floored: a bucket that holds all but a sliver of
            // the requests must not read one short of the total.
            latency.push("_bucket", l, c.round().min(total));
        }
        let mut l = svc();
        l.push(("le", "+Inf".to_string()));
        latency.push("_bucket", l, total);
        latency.push("_sum", svc(), (h.latency_sum * 1000.0).round() / 1000.0);
        latency.push("_count", svc(), total);
        let slow = w
            .scenario
            .workload(name)
            .is_some_and(|s| h.p95_ms > s.p95_ms * 1.5);
        // A flushed cache misses until it has filled again.
        let warm = if slow { 0.62 } else { 0.89 };
        cache.push("", svc(), warm * w.cache_fill(name));
        queue.push("", svc(), if slow { 140.0 } else { 3.0 });
    }

    let mut restarts = Family::new(
        "kube_pod_container_status_restarts_total",
        "counter",
        "The number of container restarts per container.",
    );
    let mut memory = Family::new(
        "container_memory_working_set_bytes",
        "gauge",
        "Current working set of the container in bytes.",
    );
    let mut limit = Family::new(
        "container_spec_memory_limit_bytes",
        "gauge",
        "Memory limit for the container in bytes.",
    );
    let mut pods: Vec<_> = w.pods.values().collect();
    pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let mut node_used: std::collections::BTreeMap<&str, f64> = Default::default();
    for rt in pods {
        let Some(spec) = w.scenario.workload(&rt.workload) else {
            continue;
        };
        let ids = || {
            vec![
                ("namespace", rt.namespace.clone()),
                ("pod", rt.name.clone()),
                ("container", spec.container.clone()),
            ]
        };
        restarts.push("", ids(), f64::from(rt.restarts));
        if matches!(rt.state, ContainerState::Running { .. }) {
            let used = f64::from(spec.memory_usage_mib) + rt.leak_mib;
            *node_used.entry(rt.node.as_str()).or_default() += used;
            memory.push("", ids(), (used * MIB).round());
            let pod_limit = w
                .store
                .get("pods", &rt.namespace, &rt.name)
                .and_then(|p| {
                    quantity::mebibytes(
                        p["spec"]["containers"][0]["resources"]["limits"]["memory"].as_str()?,
                    )
                })
                .unwrap_or(f64::from(spec.memory_limit_mib));
            limit.push("", ids(), (pod_limit * MIB).round());
        }
    }

    let mut total = Family::new(
        "node_memory_MemTotal_bytes",
        "gauge",
        "Memory information field MemTotal_bytes.",
    );
    let mut available = Family::new(
        "node_memory_MemAvailable_bytes",
        "gauge",
        "Memory information field MemAvailable_bytes.",
    );
    for node in &w.scenario.nodes {
        let bytes = f64::from(node.memory_gib) * 1024.0 * MIB;
        // The system and kubelet take their share before any pod does.
        let used = (1400.0 + node_used.get(node.name.as_str()).copied().unwrap_or(0.0)) * MIB;
        total.push("", vec![("node", node.name.clone())], bytes);
        available.push(
            "",
            vec![("node", node.name.clone())],
            (bytes - used).max(0.0),
        );
    }

    let mut connections = Family::new(
        "pg_stat_activity_count",
        "gauge",
        "Number of connections in this state.",
    );
    let mut max_connections = Family::new(
        "pg_settings_max_connections",
        "gauge",
        "Sets the maximum number of concurrent connections.",
    );
    for spec in w
        .scenario
        .workloads
        .iter()
        .filter(|s| s.logs == LogStyle::Postgres)
    {
        if !w.health.get(&spec.name).is_some_and(|h| h.serving) {
            continue;
        }
        // Each serving pod of the other workloads keeps a small pool open.
        let svc = vec![("service", spec.name.clone())];
        connections.push(
            "",
            svc.clone(),
            f64::from(w.pg_connections(&spec.name)).min(100.0),
        );
        max_connections.push("", svc, 100.0);
    }

    vec![
        up,
        requests,
        latency,
        cache,
        queue,
        restarts,
        memory,
        limit,
        total,
        available,
        connections,
        max_connections,
    ]
}

fn value_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        v.to_string()
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The text format (version 0.0.4).
pub fn render(families: &[Family]) -> String {
    let mut out = String::new();
    for f in families {
        let _ = writeln!(out, "# HELP {} {}", f.name, f.help);
        let _ = writeln!(out, "# TYPE {} {}", f.name, f.kind);
        for (name, labels, v) in &f.samples {
            let body: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                .collect();
            if body.is_empty() {
                let _ = writeln!(out, "{name} {}", value_text(*v));
            } else {
                let _ = writeln!(out, "{name}{{{}}} {}", body.join(","), value_text(*v));
            }
        }
    }
    out
}

/// What a Prometheus scraping the endpoint as job `job` at `instance` stores:
/// every sample with the target's labels (the sample's own `job` wins, as
/// with `honor_labels: true`), plus the target's own `up`.
pub fn scrape(families: &[Family], job: &str, instance: &str) -> Vec<(Labels, f64)> {
    let mut out = Vec::new();
    for f in families {
        for (name, labels, v) in &f.samples {
            let mut l: Labels = labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            l.insert(METRIC_NAME.into(), name.clone());
            l.entry("job".into()).or_insert_with(|| job.to_string());
            l.insert("instance".into(), instance.to_string());
            out.push((l, *v));
        }
    }
    let target: Labels = [(METRIC_NAME, "up"), ("instance", instance), ("job", job)]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    out.push((target, 1.0));
    out
}
