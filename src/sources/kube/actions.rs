//! Remediations: `kubectl rollout restart deployment|statefulset|daemonset`
//! (each through its own API) and `kubectl delete pod`.

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Pod;
use kube::Resource;
use kube::api::{Api, DeleteParams, Patch, PatchParams};

use crate::app::model::RestartKind;

use super::config::REQUEST_TIMEOUT;
use super::error::KubeError;
use super::session::Connection;

/// A remediation the console can run against the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KubeAction {
    /// `kubectl rollout restart KIND/NAME`.
    RolloutRestart(RestartKind),
    /// `kubectl delete pod NAME`.
    DeletePod,
}

/// The kubectl command that does the same as `action` on `name`, for the confirmation
/// prompt and the timeline: `kubectl rollout restart deployment/langgraph -n rag7 --context X`.
pub fn equivalent_command(
    action: KubeAction,
    namespace: &str,
    name: &str,
    context: Option<&str>,
) -> String {
    let quote = |s: &str| {
        shlex::try_quote(s)
            .map(|q| q.into_owned())
            .unwrap_or_else(|_| s.to_string())
    };
    let mut cmd = match action {
        KubeAction::RolloutRestart(kind) => {
            format!("kubectl rollout restart {}/{}", kind.kubectl(), quote(name))
        }
        KubeAction::DeletePod => format!("kubectl delete pod {}", quote(name)),
    };
    cmd.push_str(&format!(" -n {}", quote(namespace)));
    if let Some(ctx) = context {
        cmd.push_str(&format!(" --context {}", quote(ctx)));
    }
    cmd
}

/// The patch kubectl sends for `rollout restart`: a new restartedAt annotation on the pod
/// template, which makes the Deployment roll all its pods.
pub(crate) fn restart_patch(now: jiff::Timestamp) -> serde_json::Value {
    let stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    serde_json::json!({
        "spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": stamp
        }}}}
    })
}

pub(crate) async fn rollout_restart(
    conn: &Connection,
    namespace: &str,
    kind: RestartKind,
    name: &str,
) -> Result<(), KubeError> {
    match kind {
        RestartKind::Deployment => {
            restart_through::<Deployment>(conn, namespace, kind, name, "deployments").await
        }
        RestartKind::StatefulSet => {
            restart_through::<StatefulSet>(conn, namespace, kind, name, "statefulsets").await
        }
        RestartKind::DaemonSet => {
            restart_through::<DaemonSet>(conn, namespace, kind, name, "daemonsets").await
        }
    }
}

async fn restart_through<K>(
    conn: &Connection,
    namespace: &str,
    kind: RestartKind,
    name: &str,
    plural: &'static str,
) -> Result<(), KubeError>
where
    K: Resource<Scope = NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
    <K as Resource>::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(conn.client.clone(), namespace);
    let what = format!(
        "restarting {}/{name} in namespace {namespace}",
        kind.kubectl()
    );
    let patch = restart_patch(jiff::Timestamp::now());
    let params = PatchParams::default();
    tokio::time::timeout(
        REQUEST_TIMEOUT,
        api.patch(name, &params, &Patch::Strategic(&patch)),
    )
    .await
    .map_err(|_| KubeError::Timeout {
        what: what.clone(),
        server: conn.server.clone(),
        after: REQUEST_TIMEOUT,
    })?
    .map_err(|e| KubeError::api(what, &conn.server, Some(("patch", plural, namespace)), e))?;
    Ok(())
}

pub(crate) async fn delete_pod(
    conn: &Connection,
    namespace: &str,
    pod: &str,
) -> Result<(), KubeError> {
    let api: Api<Pod> = Api::namespaced(conn.client.clone(), namespace);
    let what = format!("deleting pod {pod} in namespace {namespace}");
    tokio::time::timeout(REQUEST_TIMEOUT, api.delete(pod, &DeleteParams::default()))
        .await
        .map_err(|_| KubeError::Timeout {
            what: what.clone(),
            server: conn.server.clone(),
            after: REQUEST_TIMEOUT,
        })?
        .map_err(|e| KubeError::api(what, &conn.server, Some(("delete", "pods", namespace)), e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_read_like_kubectl() {
        assert_eq!(
            equivalent_command(
                KubeAction::RolloutRestart(RestartKind::Deployment),
                "rag7",
                "langgraph",
                Some("prod-eu")
            ),
            "kubectl rollout restart deployment/langgraph -n rag7 --context prod-eu"
        );
        assert_eq!(
            equivalent_command(
                KubeAction::RolloutRestart(RestartKind::StatefulSet),
                "rag7",
                "postgres",
                None
            ),
            "kubectl rollout restart statefulset/postgres -n rag7"
        );
        assert_eq!(
            equivalent_command(
                KubeAction::RolloutRestart(RestartKind::DaemonSet),
                "kube-system",
                "node-exporter",
                None
            ),
            "kubectl rollout restart daemonset/node-exporter -n kube-system"
        );
        assert_eq!(
            equivalent_command(KubeAction::DeletePod, "rag7", "postgres-0", None),
            "kubectl delete pod postgres-0 -n rag7"
        );
    }

    #[test]
    fn the_restart_patch_sets_restarted_at() {
        let p = restart_patch("2026-01-01T10:00:00Z".parse().unwrap());
        assert_eq!(
            p["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
            "2026-01-01T10:00:00Z"
        );
    }
}
