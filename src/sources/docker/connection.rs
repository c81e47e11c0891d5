//! Finding the engine, connecting to it, and backing off when it is not there.

use std::time::Duration;

use bollard::{API_DEFAULT_VERSION, Docker};

use super::error::DockerError;

/// Bound on one plain request (list, inspect, stats, actions use their own larger bound).
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds a client for `host` without touching the network.
pub(crate) fn client_for(host: &str) -> Result<Docker, DockerError> {
    let secs = REQUEST_TIMEOUT.as_secs();
    let host_path = host
        .strip_prefix("unix://")
        .or_else(|| host.starts_with('/').then_some(host));
    if let Some(path) = host_path {
        if !std::path::Path::new(path).exists() {
            return Err(DockerError::SocketMissing {
                host: host.to_string(),
                path: path.to_string(),
            });
        }
        return Docker::connect_with_unix(path, secs, API_DEFAULT_VERSION)
            .map_err(|e| DockerError::engine("connecting", host, None, e));
    }
    if host.starts_with("tcp://") || host.starts_with("http://") {
        return Docker::connect_with_http(host, secs, API_DEFAULT_VERSION)
            .map_err(|e| DockerError::engine("connecting", host, None, e));
    }
    Err(DockerError::UnsupportedHost {
        host: host.to_string(),
    })
}

/// Connects and agrees on an API version.
///
/// bollard speaks a newer API than many engines in the field (Debian's 20.10 tops out at
/// 1.41 and answers 400 to anything newer), so the version is negotiated before any call.
pub(crate) async fn connect(host: &str) -> Result<Docker, DockerError> {
    let client = client_for(host)?;
    match tokio::time::timeout(REQUEST_TIMEOUT, client.negotiate_version()).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => Err(DockerError::engine(
            "asking for the engine version",
            host,
            None,
            e,
        )),
        Err(_) => Err(DockerError::Timeout {
            what: "asking for the engine version".into(),
            host: host.to_string(),
            after: REQUEST_TIMEOUT,
        }),
    }
}

/// What the Docker panes say while the engine cannot be reached.
pub fn failure_message(host: &str, error: &DockerError, retry_in: Duration) -> String {
    let cause = error.to_string();
    let retry = retry_in.as_secs().max(1);
    if cause.contains("Permission denied") || cause.contains("permission denied") {
        return format!(
            "cannot connect to {host} — permission denied: add your user to the docker group; retrying in {retry}s"
        );
    }
    if let DockerError::UnsupportedHost { .. } = error {
        return cause;
    }
    let detail = match error {
        DockerError::SocketMissing { path, .. } => format!("{path} does not exist"),
        DockerError::Engine { source, .. } => source.to_string(),
        other => other.to_string(),
    };
    format!("cannot connect to {host} — is the daemon running? retrying in {retry}s ({detail})")
}

pub(crate) use crate::sources::backoff::Backoff;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_schemes_are_refused_with_the_accepted_forms() {
        let err = client_for("ftp://x")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("unix:///path/to/docker.sock"), "{err}");
    }

    #[test]
    fn missing_socket_reads_as_daemon_not_running() {
        let host = "unix:///nonexistent/docker.sock";
        let err = client_for(host).expect_err("socket is missing");
        let msg = failure_message(host, &err, Duration::from_secs(8));
        assert_eq!(
            msg,
            "cannot connect to unix:///nonexistent/docker.sock — is the daemon running? retrying in 8s (/nonexistent/docker.sock does not exist)"
        );
    }
}
