//! Remediations: `kubectl rollout restart deployment|statefulset|daemonset`
//! (each through its own API) and `kubectl delete pod`.

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Pod;
use kube::Resource;
use kube::api::{Api, DeleteParams, Patch, PatchParams};

use crate::model::RestartKind;

use super::config::REQUEST_TIMEOUT;
use super::error::KubeError;
use super::session::Connection;

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
    fn the_restart_patch_sets_restarted_at() {
        let p = restart_patch("2026-01-01T10:00:00Z".parse().unwrap());
        assert_eq!(
            p["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
            "2026-01-01T10:00:00Z"
        );
    }
}
