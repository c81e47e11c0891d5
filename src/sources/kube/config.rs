//! Finding the kubeconfig, picking the context, and backing off while the API is away.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::error::KubeError;

/// Bound on one plain (non-watch) request: get, list page, metrics, patch, delete.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The server ends each watch request after this many seconds, and the watcher starts another.
pub(crate) const WATCH_TIMEOUT_SECS: u32 = 120;
/// Longest silence on a connection before it counts as dead (must exceed WATCH_TIMEOUT_SECS).
const READ_IDLE_TIMEOUT: Duration = Duration::from_secs(150);
/// Bound on opening a TCP (and TLS) connection to the API server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A client configuration, with the names the panes show.
#[derive(Clone)]
pub(crate) struct Target {
    pub config: kube::Config,
    /// `https://10.0.0.1:6443`, without a trailing slash.
    pub server: String,
    /// The context in use ("in-cluster" when running in a pod).
    pub context: String,
}

/// Reads the kubeconfig (or the in-cluster service account) and selects `context`.
pub(crate) async fn load(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
) -> Result<Target, KubeError> {
    let path = crate::config::env::kubeconfig_path(kubeconfig);
    let in_cluster = kubeconfig.is_none()
        && std::env::var_os("KUBECONFIG").is_none()
        && path.as_ref().is_none_or(|p| !p.exists())
        && std::env::var_os("KUBERNETES_SERVICE_HOST").is_some();
    if in_cluster {
        let config = kube::Config::incluster().map_err(|e| KubeError::KubeconfigInvalid {
            path: PathBuf::from("/var/run/secrets/kubernetes.io/serviceaccount"),
            reason: e.to_string(),
        })?;
        return Ok(finish(config, "in-cluster".to_string()));
    }
    let path = path.unwrap_or_else(|| PathBuf::from("~/.kube/config"));
    if !path.exists() {
        return Err(KubeError::KubeconfigMissing { path });
    }
    let file = Kubeconfig::read_from(&path).map_err(|e| KubeError::KubeconfigInvalid {
        path: path.clone(),
        reason: error_chain(&e),
    })?;
    let chosen = context
        .map(str::to_string)
        .or_else(|| file.current_context.clone())
        .unwrap_or_default();
    if chosen.is_empty() {
        return Err(KubeError::Context {
            path,
            context: chosen,
            reason: "the file has no current-context".into(),
        });
    }
    if !file.contexts.iter().any(|c| c.name == chosen) {
        let known: Vec<&str> = file.contexts.iter().map(|c| c.name.as_str()).collect();
        return Err(KubeError::Context {
            path,
            context: chosen,
            reason: format!("no such context (known: {})", known.join(", ")),
        });
    }
    let options = KubeConfigOptions {
        context: Some(chosen.clone()),
        cluster: None,
        user: None,
    };
    let config = kube::Config::from_custom_kubeconfig(file, &options)
        .await
        .map_err(|e| KubeError::Context {
            path: path.clone(),
            context: chosen.clone(),
            reason: error_chain(&e),
        })?;
    Ok(finish(config, chosen))
}

fn finish(mut config: kube::Config, context: String) -> Target {
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    // An idle bound, not a whole-response one: a LIST page or a watch that sends nothing for
    // this long is dead. Watches ask the server to close them sooner (WATCH_TIMEOUT), and a
    // quiet followed log is simply reopened. Plain requests also have REQUEST_TIMEOUT.
    config.read_timeout = Some(READ_IDLE_TIMEOUT);
    config.reset_reader_on_write = true;
    // API servers count and throttle clients by User-Agent; say who is asking.
    config.headers.push((
        http::header::USER_AGENT,
        http::HeaderValue::from_static(concat!("opsdeck/", env!("CARGO_PKG_VERSION"))),
    ));
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    Target {
        config,
        server,
        context,
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

pub(crate) use crate::sources::backoff::Backoff;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_file_names_its_path_and_the_fix() {
        let err = load(Some(Path::new("/nonexistent/kube.yaml")), None)
            .await
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "kubeconfig not found at /nonexistent/kube.yaml: set KUBECONFIG or [kubernetes] kubeconfig in the profile"
            )
        );
    }

    #[tokio::test]
    async fn an_unknown_context_lists_the_known_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\ncurrent-context: a\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:1\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user: {}\n",
        )
        .unwrap();
        let err = load(Some(&path), Some("prod"))
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("no such context (known: a)"), "{err}");
        let ok = load(Some(&path), None).await.ok().map(|t| t.server);
        assert_eq!(ok.as_deref(), Some("http://127.0.0.1:1"));
    }

    #[tokio::test]
    async fn a_broken_file_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "clusters: [unterminated").unwrap();
        let err = load(Some(&path), None)
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with(&format!("cannot read the kubeconfig {}: ", path.display())),
            "{err}"
        );
    }
}
