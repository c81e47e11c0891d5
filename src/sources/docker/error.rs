//! What can go wrong when talking to the Docker engine.

use std::time::Duration;

/// A failed Docker engine call. Every message names the engine (its host) and what to do.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error("unsupported Docker host {host:?}: use unix:///path/to/docker.sock or tcp://HOST:PORT")]
    UnsupportedHost { host: String },

    #[error(
        "not connected to the Docker engine at {host}: wait for the Docker pane to say connected, or check that the daemon is running"
    )]
    NotConnected { host: String },

    #[error("cannot connect to {host}: the socket {path} does not exist — is the daemon running?")]
    SocketMissing { host: String, path: String },

    #[error(
        "{what} on {host} timed out after {}s: the engine is overloaded or hung; check `docker info` on that host",
        .after.as_secs()
    )]
    Timeout {
        what: String,
        host: String,
        after: Duration,
    },

    #[error(
        "no such container {container:?} on {host}: it was removed or renamed; refresh the list"
    )]
    NoSuchContainer { container: String, host: String },

    #[error("{what} on {host} failed: {source}")]
    Engine {
        what: String,
        host: String,
        #[source]
        source: bollard::errors::Error,
    },
}

impl DockerError {
    /// Wraps a bollard error, turning the engine's 404 into [`DockerError::NoSuchContainer`].
    pub(crate) fn engine(
        what: impl Into<String>,
        host: &str,
        container: Option<&str>,
        source: bollard::errors::Error,
    ) -> Self {
        if let (
            Some(container),
            bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            },
        ) = (container, &source)
        {
            return DockerError::NoSuchContainer {
                container: container.to_string(),
                host: host.to_string(),
            };
        }
        DockerError::Engine {
            what: what.into(),
            host: host.to_string(),
            source,
        }
    }
}
