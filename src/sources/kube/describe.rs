//! `kubectl describe pod`-like text followed by the pod's YAML.

use std::fmt::Write as _;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerState, Event, Pod};
use kube::api::{Api, ListParams};

use super::config::REQUEST_TIMEOUT;
use super::error::KubeError;
use super::events;
use super::rows::status_reason;
use super::session::Connection;

/// Events shown under the description, newest last.
const MAX_EVENTS: usize = 20;

/// Fetches the pod and its events; returns the detail view's title and lines.
pub(crate) async fn describe(
    conn: &Connection,
    namespace: &str,
    pod: &str,
) -> Result<(String, Vec<String>), KubeError> {
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), namespace);
    let what = format!("reading pod {pod} in namespace {namespace}");
    let p = tokio::time::timeout(REQUEST_TIMEOUT, pods.get(pod))
        .await
        .map_err(|_| KubeError::Timeout {
            what: what.clone(),
            server: conn.server.clone(),
            after: REQUEST_TIMEOUT,
        })?
        .map_err(|e| KubeError::api(what, &conn.server, Some(("get", "pods", namespace)), e))?;
    let api: Api<Event> = Api::namespaced(conn.client.clone(), namespace);
    let params = ListParams::default().fields(&format!("involvedObject.name={pod}"));
    // Events are a bonus: the description stands without them.
    let evs = match tokio::time::timeout(REQUEST_TIMEOUT, api.list(&params)).await {
        Ok(Ok(list)) => Ok(list.items),
        Ok(Err(e)) => Err(super::error::describe_error(&e)),
        Err(_) => Err(format!("no answer within {}s", REQUEST_TIMEOUT.as_secs())),
    };
    Ok((
        format!("pod/{pod} -n {namespace} ({})", conn.context),
        render(&p, &evs, Timestamp::now()),
    ))
}

fn state_text(s: Option<&ContainerState>) -> String {
    let Some(s) = s else {
        return "Unknown".into();
    };
    if let Some(r) = &s.running {
        return match &r.started_at {
            Some(t) => format!("Running (started {})", t.0),
            None => "Running".into(),
        };
    }
    if let Some(w) = &s.waiting {
        return format!(
            "Waiting: {}{}",
            w.reason.as_deref().unwrap_or("unknown"),
            w.message
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default()
        );
    }
    if let Some(t) = &s.terminated {
        return format!(
            "Terminated: {} (exit code {}{})",
            t.reason.as_deref().unwrap_or("unknown"),
            t.exit_code,
            t.finished_at
                .as_ref()
                .map(|f| format!(", finished {}", f.0))
                .unwrap_or_default()
        );
    }
    "Unknown".into()
}

/// The describe text, then the YAML (without managedFields, as `kubectl get -o yaml` hides them).
pub(crate) fn render(
    pod: &Pod,
    events: &Result<Vec<Event>, String>,
    now: Timestamp,
) -> Vec<String> {
    let mut out = String::new();
    let m = &pod.metadata;
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let _ = writeln!(
        out,
        "Name:         {}",
        m.name.as_deref().unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "Namespace:    {}",
        m.namespace.as_deref().unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "Node:         {}",
        spec.and_then(|s| s.node_name.as_deref())
            .unwrap_or("<none>")
    );
    if let Some(t) = &m.creation_timestamp {
        let _ = writeln!(out, "Start Time:   {}", t.0);
    }
    let _ = writeln!(out, "Status:       {}", status_reason(pod));
    let _ = writeln!(
        out,
        "Phase:        {}",
        status.and_then(|s| s.phase.as_deref()).unwrap_or("Unknown")
    );
    if let Some(ip) = status.and_then(|s| s.pod_ip.as_deref()) {
        let _ = writeln!(out, "IP:           {ip}");
    }
    if let Some(owner) = m.owner_references.as_ref().and_then(|o| o.first()) {
        let _ = writeln!(out, "Controlled By:  {}/{}", owner.kind, owner.name);
    }
    let _ = writeln!(out, "Containers:");
    let statuses = status
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or_default();
    for c in spec.map(|s| s.containers.as_slice()).unwrap_or_default() {
        let st = statuses.iter().find(|s| s.name == c.name);
        let _ = writeln!(out, "  {}:", c.name);
        let _ = writeln!(
            out,
            "    Image:          {}",
            c.image.as_deref().unwrap_or_default()
        );
        if let Some(id) = st.and_then(|s| s.container_id.as_deref()) {
            let _ = writeln!(out, "    Container ID:   {id}");
        }
        let _ = writeln!(
            out,
            "    State:          {}",
            state_text(st.and_then(|s| s.state.as_ref()))
        );
        if let Some(last) = st
            .and_then(|s| s.last_state.as_ref())
            .filter(|l| l.running.is_some() || l.waiting.is_some() || l.terminated.is_some())
        {
            let _ = writeln!(out, "    Last State:     {}", state_text(Some(last)));
        }
        if let Some(s) = st {
            let _ = writeln!(out, "    Ready:          {}", s.ready);
            let _ = writeln!(out, "    Restart Count:  {}", s.restart_count);
        }
        if let Some(r) = &c.resources {
            for (label, map) in [("Limits", &r.limits), ("Requests", &r.requests)] {
                if let Some(map) = map.as_ref().filter(|m| !m.is_empty()) {
                    let _ = writeln!(out, "    {label}:");
                    for (k, v) in map {
                        let _ = writeln!(out, "      {k}: {}", v.0);
                    }
                }
            }
        }
    }
    if let Some(conds) = status.and_then(|s| s.conditions.as_ref()) {
        let _ = writeln!(out, "Conditions:");
        let _ = writeln!(out, "  Type              Status");
        for c in conds {
            let _ = writeln!(out, "  {:<17} {}", c.type_, c.status);
        }
    }
    let _ = writeln!(out, "Events:");
    match events {
        Ok(list) if list.is_empty() => {
            let _ = writeln!(out, "  <none>");
        }
        Ok(list) => {
            let mut records: Vec<_> = list.iter().filter_map(events::record).collect();
            records.sort_by_key(|r| r.last_seen);
            let skip = records.len().saturating_sub(MAX_EVENTS);
            let _ = writeln!(out, "  Type     Reason            Age      Count  Message");
            for r in &records[skip..] {
                let age = now.duration_since(r.last_seen).as_secs().max(0);
                let _ = writeln!(
                    out,
                    "  {:<8} {:<17} {:<8} {:<6} {}",
                    if r.warning { "Warning" } else { "Normal" },
                    r.reason,
                    short_age(age),
                    r.count,
                    r.message
                );
            }
        }
        Err(why) => {
            let _ = writeln!(out, "  (events unavailable: {why})");
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "---");
    let mut clean = pod.clone();
    clean.metadata.managed_fields = None;
    match serde_yaml_ng::to_string(&clean) {
        Ok(yaml) => out.push_str(&yaml),
        Err(e) => {
            let _ = writeln!(out, "# the pod could not be written as YAML: {e}");
        }
    }
    out.lines().map(str::to_string).collect()
}

fn short_age(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_shows_last_termination_restarts_limits_events_and_yaml() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "langgraph-x", "namespace": "rag7",
                "managedFields": [{"manager": "kubectl"}]},
            "spec": {"nodeName": "sim-node-1", "containers": [{"name": "langgraph", "image": "rag7/langgraph:1.4.2",
                "resources": {"limits": {"memory": "2Gi"}, "requests": {"cpu": "500m"}}}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
                "containerStatuses": [{"name": "langgraph", "image": "rag7/langgraph:1.4.2", "imageID": "", "ready": false,
                "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}
        }))
        .unwrap();
        let ev: Event = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "e", "namespace": "rag7", "uid": "u"},
            "involvedObject": {"kind": "Pod", "name": "langgraph-x"},
            "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container",
            "count": 3, "lastTimestamp": "2026-01-01T10:00:00Z"
        }))
        .unwrap();
        let now: Timestamp = "2026-01-01T10:00:30Z".parse().unwrap();
        let text = render(&pod, &Ok(vec![ev]), now).join("\n");
        assert!(text.contains("Status:       OOMKilled"), "{text}");
        assert!(
            text.contains("Last State:     Terminated: OOMKilled (exit code 137)"),
            "{text}"
        );
        assert!(text.contains("Restart Count:  2"), "{text}");
        assert!(text.contains("memory: 2Gi"), "{text}");
        assert!(
            text.contains("Warning  BackOff           30s      3"),
            "{text}"
        );
        assert!(
            text.contains("kind: Pod") || text.contains("name: langgraph-x"),
            "{text}"
        );
        assert!(!text.contains("managedFields"), "{text}");
    }
}
