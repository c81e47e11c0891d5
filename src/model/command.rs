//! Command lines as the operator would type them: shell quoting, and the `docker`
//! and `kubectl` commands equivalent to the console's own remediations (shown in
//! confirmations and written to the timeline).

use super::source::RestartKind;

/// Single-quotes `value` for a POSIX shell unless it is made only of safe characters.
pub fn quote(value: &str) -> String {
    let safe = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if safe {
        value.to_string()
    } else {
        quote_always(value)
    }
}

/// Single-quotes `value` for a POSIX shell, safe characters or not.
pub fn quote_always(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

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

/// The command line that does what `action` does, e.g. `docker restart doc-rag-api-1`.
pub fn docker_command(action: ContainerAction, container_name: &str) -> String {
    format!("docker {} {}", action.verb(), quote(container_name))
}

/// A remediation the console can run against the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KubeAction {
    /// `kubectl rollout restart KIND/NAME`.
    RolloutRestart(RestartKind),
    /// `kubectl delete pod NAME`.
    DeletePod,
}

/// The kubectl command that does the same as `action` on `name`:
/// `kubectl rollout restart deployment/langgraph -n rag7 --context X`.
pub fn kube_command(
    action: KubeAction,
    namespace: &str,
    name: &str,
    context: Option<&str>,
) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_values_as_one_argument() {
        assert_eq!(quote("x; rm -rf /"), "'x; rm -rf /'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("web-1"), "web-1");
        assert_eq!(quote(""), "''");
        assert_eq!(quote_always("web-1"), "'web-1'");
    }

    #[test]
    fn commands_read_like_docker_and_kubectl() {
        assert_eq!(
            docker_command(ContainerAction::Restart, "doc-rag-api-1"),
            "docker restart doc-rag-api-1"
        );
        assert_eq!(
            docker_command(ContainerAction::Stop, "redis"),
            "docker stop redis"
        );
        assert_eq!(
            docker_command(ContainerAction::Start, "a b"),
            "docker start 'a b'"
        );
        assert_eq!(
            kube_command(
                KubeAction::RolloutRestart(RestartKind::Deployment),
                "rag7",
                "langgraph",
                Some("prod-eu")
            ),
            "kubectl rollout restart deployment/langgraph -n rag7 --context prod-eu"
        );
        assert_eq!(
            kube_command(
                KubeAction::RolloutRestart(RestartKind::StatefulSet),
                "rag7",
                "postgres",
                None
            ),
            "kubectl rollout restart statefulset/postgres -n rag7"
        );
        assert_eq!(
            kube_command(
                KubeAction::RolloutRestart(RestartKind::DaemonSet),
                "kube-system",
                "node-exporter",
                None
            ),
            "kubectl rollout restart daemonset/node-exporter -n kube-system"
        );
        assert_eq!(
            kube_command(KubeAction::DeletePod, "rag7", "postgres-0", None),
            "kubectl delete pod postgres-0 -n rag7"
        );
        assert_eq!(
            kube_command(KubeAction::DeletePod, "a b", "p", Some("it's")),
            r"kubectl delete pod p -n 'a b' --context 'it'\''s'"
        );
    }
}
