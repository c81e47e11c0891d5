//! Restart, stop and start. Confirmation is the console's job; these only do it.

use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::{RestartContainerOptionsBuilder, StopContainerOptionsBuilder};

use super::error::DockerError;
use crate::model::command::{ContainerAction, docker_command};

/// Seconds the engine waits after SIGTERM before SIGKILL: the `docker stop` default, so the
/// command shown to the operator is exactly what runs.
const STOP_GRACE_SECS: i32 = 10;
/// Bound on an action: the grace period plus time for the engine to do the rest.
const ACTION_TIMEOUT: Duration = Duration::from_secs(STOP_GRACE_SECS as u64 + 20);

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
    let what = docker_command(action, container);
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
