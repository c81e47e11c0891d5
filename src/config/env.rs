//! Where the engines are when the profile does not say: `DOCKER_HOST`,
//! `KUBECONFIG` and their defaults, looked up in one place.

use std::path::{Path, PathBuf};

/// Where the Docker engine listens when neither the profile nor `DOCKER_HOST` says.
pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// The engine address to use: the configured one, else `DOCKER_HOST`, else the default socket.
pub fn docker_host(configured: Option<&str>) -> String {
    configured
        .map(str::to_string)
        .filter(|h| !h.trim().is_empty())
        .or_else(|| {
            std::env::var("DOCKER_HOST")
                .ok()
                .filter(|h| !h.trim().is_empty())
        })
        .unwrap_or_else(|| DEFAULT_DOCKER_HOST.to_string())
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
        assert_eq!(
            kubeconfig_path(Some(Path::new("/etc/kube.yaml"))),
            Some(PathBuf::from("/etc/kube.yaml"))
        );
    }
}
