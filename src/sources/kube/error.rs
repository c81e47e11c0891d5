//! What can go wrong when talking to a Kubernetes API server.

use std::path::PathBuf;
use std::time::Duration;

/// A failed Kubernetes call or configuration. Every message names the file or the server, and
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    #[error(
        "kubeconfig not found at {}: set KUBECONFIG or [kubernetes] kubeconfig in the profile",
        .path.display()
    )]
    KubeconfigMissing { path: PathBuf },

    #[error("cannot read the kubeconfig {}: {reason}", .path.display())]
    KubeconfigInvalid { path: PathBuf, reason: String },

    #[error(
        "cannot use context {context:?} from {}: {reason}; pick one with :ctx or [kubernetes] context in the profile",
        .path.display()
    )]
    Context {
        path: PathBuf,
        context: String,
        reason: String,
    },

    #[error(
        "not connected to the Kubernetes API at {server}: wait for the Kubernetes pane to say connected"
    )]
    NotConnected { server: String },

    #[error(
        "{what} on {server} timed out after {}s: the API server is overloaded or unreachable; retry, or check `kubectl get --raw /readyz`",
        .after.as_secs()
    )]
    Timeout {
        what: String,
        server: String,
        after: Duration,
    },

    #[error("forbidden: cannot {verb} {resource} in namespace {namespace} ({server})")]
    Forbidden {
        verb: String,
        resource: String,
        namespace: String,
        server: String,
    },

    #[error("{what} on {server}: not found: {detail}")]
    NotFound {
        what: String,
        server: String,
        detail: String,
    },

    #[error("{what} on {server} failed: {detail}")]
    Api {
        what: String,
        server: String,
        detail: String,
    },
}

impl KubeError {
    /// Wraps a kube-rs error, turning the server's 403 and 404 into their own variants.
    pub(crate) fn api(
        what: impl Into<String>,
        server: &str,
        forbidden: Option<(&str, &str, &str)>,
        source: kube::Error,
    ) -> Self {
        let what = what.into();
        if let kube::Error::Api(status) = &source {
            if status.code == 403
                && let Some((verb, resource, namespace)) = forbidden
            {
                return KubeError::Forbidden {
                    verb: verb.to_string(),
                    resource: resource.to_string(),
                    namespace: namespace.to_string(),
                    server: server.to_string(),
                };
            }
            if status.code == 404 {
                return KubeError::NotFound {
                    what,
                    server: server.to_string(),
                    detail: status.message.clone(),
                };
            }
        }
        KubeError::Api {
            what,
            server: server.to_string(),
            detail: describe_error(&source),
        }
    }
}

/// The most useful words for a kube-rs error: the server's message for API errors, the
/// innermost cause (connection refused, timed out) for transport errors.
pub(crate) fn describe_error(error: &kube::Error) -> String {
    if let kube::Error::Api(status) = error {
        return if status.message.is_empty() {
            format!("{} {}", status.code, status.reason)
        } else {
            status.message.clone()
        };
    }
    transport_cause(error).unwrap_or_else(|| error.to_string())
}

/// Walks the source chain for the I/O error under a transport failure; without one, the
/// innermost message (kube-rs wraps the useful words a few levels down).
fn transport_cause(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut innermost = None;
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
                std::io::ErrorKind::ConnectionReset => "connection reset".to_string(),
                std::io::ErrorKind::TimedOut => "connection timed out".to_string(),
                _ => io.to_string(),
            });
        }
        innermost = Some(e.to_string());
        current = e.source();
    }
    innermost
}

/// True for HTTP 403 from the server.
pub(crate) fn is_forbidden(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s.code == 403)
}

/// True when the server answered at all (any HTTP status), as opposed to a transport failure.
pub(crate) fn is_api_answer(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(_) | kube::Error::SerdeError(_))
}
