//! Where the engines are when the profile does not say: `DOCKER_HOST`,
//! `KUBECONFIG` and their defaults, looked up in one place.

use std::path::{Path, PathBuf};

/// What the process environment says that the console's state needs, read once
/// at start so that `update` never reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Env {
    /// `DOCKER_HOST`, when set and not blank.
    pub docker_host: Option<String>,
    /// The local time zone (`TZ`, else the system's), for clock times.
    pub tz: jiff::tz::TimeZone,
    /// The names of the variables set (values are not kept: the shell expands
    /// `$VAR` itself, and a value may be a secret).
    pub vars: std::collections::BTreeSet<String>,
}

impl Env {
    pub fn from_process() -> Env {
        Env {
            docker_host: std::env::var("DOCKER_HOST")
                .ok()
                .filter(|h| !h.trim().is_empty()),
            tz: jiff::tz::TimeZone::system(),
            vars: std::env::vars_os()
                .filter(|(_, v)| v.to_str().is_some())
                .filter_map(|(k, _)| k.into_string().ok())
                .collect(),
        }
    }

    /// The Docker engine's address: the configured one, else `DOCKER_HOST`,
    /// else the default socket.
    pub fn docker_host(&self, configured: Option<&str>) -> String {
        configured
            .map(str::to_string)
            .filter(|h| !h.trim().is_empty())
            .or_else(|| self.docker_host.clone())
            .unwrap_or_else(|| DEFAULT_DOCKER_HOST.to_string())
    }
}

/// Where the Docker engine listens when neither the profile nor `DOCKER_HOST` says.
pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// The engine address to use: the configured one, else `DOCKER_HOST`, else the default socket.
pub fn docker_host(configured: Option<&str>) -> String {
    Env::from_process().docker_host(configured)
}

/// The kubeconfig file to read: the configured one, else the first existing entry of
/// `KUBECONFIG` (the first entry when none exists, so the error names it), else
/// `~/.kube/config`.
pub fn kubeconfig_path(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = configured {
        return Some(p.to_path_buf());
    }
    if let Some(env) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let paths: Vec<PathBuf> = std::env::split_paths(&env)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        // kubectl skips list entries that do not exist; the first one names the error otherwise.
        if let Some(p) = paths.iter().find(|p| p.exists()).or(paths.first()) {
            return Some(p.clone());
        }
    }
    directories::BaseDirs::new().map(|d| d.home_dir().join(".kube").join("config"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_values_win_over_the_environment() {
        assert_eq!(
            docker_host(Some("tcp://127.0.0.1:2375")),
            "tcp://127.0.0.1:2375"
        );
        let env = Env {
            docker_host: Some("tcp://10.0.0.1:2375".into()),
            tz: jiff::tz::TimeZone::UTC,
            vars: Default::default(),
        };
        assert_eq!(env.docker_host(None), "tcp://10.0.0.1:2375");
        assert_eq!(env.docker_host(Some(" ")), "tcp://10.0.0.1:2375");
        assert_eq!(env.docker_host(Some("unix:///d.sock")), "unix:///d.sock");
        let unset = Env {
            docker_host: None,
            tz: jiff::tz::TimeZone::UTC,
            vars: Default::default(),
        };
        assert_eq!(unset.docker_host(None), DEFAULT_DOCKER_HOST);
        assert_eq!(
            kubeconfig_path(Some(Path::new("/etc/kube.yaml"))),
            Some(PathBuf::from("/etc/kube.yaml"))
        );
    }
}
