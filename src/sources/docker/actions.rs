//! Restart, stop and start. Confirmation is the console's job; these only do it.

use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::{RestartContainerOptionsBuilder, StopContainerOptionsBuilder};

use super::error::DockerError;

/// Seconds the engine waits after SIGTERM before SIGKILL: the `docker stop` default, so the
/// command shown to the operator is exactly what runs.
const STOP_GRACE_SECS: i32 = 10;
/// Bound on an action: the grace period plus time for the engine to do the rest.
const ACTION_TIMEOUT: Duration = Duration::from_secs(STOP_GRACE_SECS as u64 + 20);

/// A mutating container action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContainerAction {
    Restart,
    Stop,
    Start,
}

impl ContainerAction {
    /// The `docker` subcommand that does the same.
    pub fn verb(self) -> &'static str {
        match self {
            ContainerAction::Restart => "restart",
            ContainerAction::Stop => "stop",
            ContainerAction::Start => "start",
        }
    }
}

/// The command line that does what `action` does, shown in the confirmation dialog,
/// e.g. `docker restart doc-rag-api-1`.
pub fn equivalent_command(action: ContainerAction, container_name: &str) -> String {
    let quoted = shlex::try_quote(container_name)
        .map(|q| q.into_owned())
        .unwrap_or_else(|_| format!("{container_name:?}"));
    format!("docker {} {quoted}", action.verb())
}

pub(crate) async fn run(
    docker: &Docker,
    host: &str,
    action: ContainerAction,
    container: &str,
) -> Result<(), DockerError> {
    let call = async {
        match action {
            ContainerAction::Restart => {
                let options = RestartContainerOptionsBuilder::default()
                    .t(STOP_GRACE_SECS)
                    .build();
                docker.restart_container(container, Some(options)).await
            }
            ContainerAction::Stop => {
                let options = StopContainerOptionsBuilder::default()
                    .t(STOP_GRACE_SECS)
                    .build();
                docker.stop_container(container, Some(options)).await
            }
            ContainerAction::Start => docker.start_container(container, None).await,
        }
    };
    let what = equivalent_command(action, container);
    match tokio::time::timeout(ACTION_TIMEOUT, call).await {
        Ok(Ok(())) => Ok(()),
        // 304: already stopped or already started; the operator's intent is met.
        Ok(Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 304, ..
        })) => Ok(()),
        Ok(Err(e)) => Err(DockerError::engine(what, host, Some(container), e)),
        Err(_) => Err(DockerError::Timeout {
            what,
            host: host.to_string(),
            after: ACTION_TIMEOUT,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_commands_are_the_docker_cli_ones() {
        assert_eq!(
            equivalent_command(ContainerAction::Restart, "doc-rag-api-1"),
            "docker restart doc-rag-api-1"
        );
        assert_eq!(
            equivalent_command(ContainerAction::Stop, "redis"),
            "docker stop redis"
        );
        assert_eq!(
            equivalent_command(ContainerAction::Start, "a b"),
            "docker start 'a b'"
        );
    }
}
