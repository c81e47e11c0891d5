//! metrics.k8s.io polling: pod CPU and memory for the rows, node use for the summary line.

use std::time::Duration;

use k8s_openapi::api::core::v1::Node;
use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde_json::Value;
use tokio::sync::mpsc;

use super::config::REQUEST_TIMEOUT;
use super::error::describe_error;
use super::quantity;
use super::rows::{PodUsage, UsageByPod};

/// metrics-server scrapes every 15 s by default; polling faster shows nothing new.
pub(crate) const POLL_EVERY: Duration = Duration::from_secs(10);

/// What one round of polling found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MetricsReport {
    /// `None` when metrics.k8s.io is not served (rows then show n/a).
    pub usage: Option<UsageByPod>,
    /// `nodes: …`, or why node use is missing.
    pub summary: String,
}

/// The summary when the metrics API is missing.
pub const METRICS_ABSENT: &str = "metrics-server not found: CPU and memory show n/a";

fn resource(kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: "metrics.k8s.io".into(),
        version: "v1beta1".into(),
        api_version: "metrics.k8s.io/v1beta1".into(),
        kind: kind.into(),
        plural: plural.into(),
    }
}

enum Outcome<T> {
    Ok(T),
    /// The group or resource does not exist on this server.
    Absent,
    Failed(String),
}

async fn bounded<T>(fut: impl Future<Output = Result<T, kube::Error>>) -> Outcome<T> {
    match tokio::time::timeout(REQUEST_TIMEOUT, fut).await {
        Ok(Ok(v)) => Outcome::Ok(v),
        Ok(Err(kube::Error::Api(s))) if s.code == 404 => Outcome::Absent,
        Ok(Err(e)) => Outcome::Failed(describe_error(&e)),
        Err(_) => Outcome::Failed(format!("no answer within {}s", REQUEST_TIMEOUT.as_secs())),
    }
}

/// Polls until `tx` closes. `namespaces` empty means all namespaces.
pub(crate) async fn run(
    client: Client,
    namespaces: Vec<String>,
    selector: Option<String>,
    tx: mpsc::Sender<MetricsReport>,
) {
    loop {
        let report = poll_once(&client, &namespaces, selector.as_deref()).await;
        if tx.send(report).await.is_err() {
            return;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

pub(crate) async fn poll_once(
    client: &Client,
    namespaces: &[String],
    selector: Option<&str>,
) -> MetricsReport {
    let pods_ar = resource("PodMetrics", "pods");
    let mut params = ListParams::default();
    if let Some(s) = selector {
        params = params.labels(s);
    }
    let scopes: Vec<Api<DynamicObject>> = if namespaces.is_empty() {
        vec![Api::all_with(client.clone(), &pods_ar)]
    } else {
        namespaces
            .iter()
            .map(|ns| Api::namespaced_with(client.clone(), ns, &pods_ar))
            .collect()
    };
    let mut usage = UsageByPod::new();
    let mut absent = false;
    for api in &scopes {
        match bounded(api.list(&params)).await {
            Outcome::Ok(list) => {
                for item in list.items {
                    if let Some((key, u)) = pod_usage(&item) {
                        usage.insert(key, u);
                    }
                }
            }
            Outcome::Absent => absent = true,
            // A forbidden namespace or a slow server: that scope shows n/a this round.
            Outcome::Failed(why) => tracing::debug!("pod metrics: {why}"),
        }
    }
    if absent {
        return MetricsReport {
            usage: None,
            summary: METRICS_ABSENT.to_string(),
        };
    }
    MetricsReport {
        usage: Some(usage),
        summary: nodes_summary(client).await,
    }
}

fn pod_usage(item: &DynamicObject) -> Option<((String, String), PodUsage)> {
    let ns = item.metadata.namespace.clone()?;
    let name = item.metadata.name.clone()?;
    let mut u = PodUsage::default();
    for c in item.data.get("containers")?.as_array()? {
        let usage = &c["usage"];
        u.cpu_millicores += usage["cpu"]
            .as_str()
            .and_then(quantity::millicores)
            .unwrap_or(0.0);
        u.memory_bytes += usage["memory"]
            .as_str()
            .and_then(quantity::bytes)
            .unwrap_or(0.0);
    }
    Some(((ns, name), u))
}

/// One node's (name, cpu used m, cpu allocatable m, memory used, memory allocatable).
type NodeUse = (String, f64, f64, f64, f64);

async fn nodes_summary(client: &Client) -> String {
    let ar = resource("NodeMetrics", "nodes");
    let metrics: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
    let nodes: Api<Node> = Api::all(client.clone());
    let used = match bounded(metrics.list(&ListParams::default())).await {
        Outcome::Ok(l) => l.items,
        Outcome::Absent => return METRICS_ABSENT.to_string(),
        Outcome::Failed(why) => return format!("node metrics unavailable: {why}"),
    };
    let capacity = match bounded(nodes.list(&ListParams::default())).await {
        Outcome::Ok(l) => l.items,
        Outcome::Absent => Vec::new(),
        Outcome::Failed(why) => return format!("node capacity unavailable: {why}"),
    };
    let mut rows: Vec<NodeUse> = Vec::new();
    for m in &used {
        let Some(name) = m.metadata.name.clone() else {
            continue;
        };
        let usage: &Value = &m.data["usage"];
        let cpu = usage["cpu"]
            .as_str()
            .and_then(quantity::millicores)
            .unwrap_or(0.0);
        let mem = usage["memory"]
            .as_str()
            .and_then(quantity::bytes)
            .unwrap_or(0.0);
        let node = capacity
            .iter()
            .find(|n| n.metadata.name.as_deref() == Some(&name));
        let alloc = |key: &str| {
            node.and_then(|n| n.status.as_ref())
                .and_then(|s| {
                    s.allocatable
                        .as_ref()
                        .and_then(|a| a.get(key))
                        .or_else(|| s.capacity.as_ref().and_then(|c| c.get(key)))
                })
                .map(|q| q.0.clone())
        };
        let cpu_cap = alloc("cpu")
            .and_then(|q| quantity::millicores(&q))
            .unwrap_or(0.0);
        let mem_cap = alloc("memory")
            .and_then(|q| quantity::bytes(&q))
            .unwrap_or(0.0);
        rows.push((name, cpu, cpu_cap, mem, mem_cap));
    }
    summary_text(&mut rows)
}

/// `nodes: sim-node-1 cpu 1.2/4 (30%) mem 3.1Gi/16Gi (19%), …`; above three nodes, the total.
pub(crate) fn summary_text(rows: &mut [NodeUse]) -> String {
    if rows.is_empty() {
        return "nodes: no node metrics yet".to_string();
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let one = |name: &str, cpu: f64, cpu_cap: f64, mem: f64, mem_cap: f64| {
        let pct = |u: f64, c: f64| {
            if c > 0.0 {
                format!(" ({:.0}%)", u * 100.0 / c)
            } else {
                String::new()
            }
        };
        format!(
            "{name} cpu {}/{}{} mem {}/{}{}",
            quantity::cores_text(cpu),
            quantity::cores_text(cpu_cap),
            pct(cpu, cpu_cap),
            quantity::memory_text(mem),
            quantity::memory_text(mem_cap),
            pct(mem, mem_cap)
        )
    };
    if rows.len() <= 3 {
        let parts: Vec<String> = rows
            .iter()
            .map(|(n, c, cc, m, mc)| one(n, *c, *cc, *m, *mc))
            .collect();
        return format!("nodes: {}", parts.join(", "));
    }
    let sum = rows.iter().fold((0.0, 0.0, 0.0, 0.0), |acc, r| {
        (acc.0 + r.1, acc.1 + r.2, acc.2 + r.3, acc.3 + r.4)
    });
    format!(
        "nodes: {}",
        one(&format!("{} nodes", rows.len()), sum.0, sum.1, sum.2, sum.3)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reads_like_kubectl_top_nodes() {
        let gi = 1024.0 * 1024.0 * 1024.0;
        let mut rows = vec![(
            "sim-node-1".to_string(),
            1200.0,
            4000.0,
            3.1 * gi,
            16.0 * gi,
        )];
        assert_eq!(
            summary_text(&mut rows),
            "nodes: sim-node-1 cpu 1.2/4 (30%) mem 3.1Gi/16Gi (19%)"
        );
        let mut many: Vec<NodeUse> = (0..5)
            .map(|i| (format!("n{i}"), 1000.0, 4000.0, gi, 16.0 * gi))
            .collect();
        assert_eq!(
            summary_text(&mut many),
            "nodes: 5 nodes cpu 5/20 (25%) mem 5Gi/80Gi (6%)"
        );
    }
}
