//! The two platforms opsdeck operates: Kubernetes and Docker.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    Kubernetes,
    Docker,
}

impl Platform {
    pub fn label(self) -> &'static str {
        match self {
            Platform::Kubernetes => "kubernetes",
            Platform::Docker => "docker",
        }
    }

    /// The platform a command's program implies, if any.
    pub fn of_command(text: &str) -> Option<Platform> {
        let mut words = text
            .split(|c: char| c.is_whitespace() || c == ';')
            .filter(|w| !w.is_empty() && !w.contains('=') && *w != "sudo");
        let first = words.next()?;
        let of = |word: &str| match word.rsplit('/').next().unwrap_or(word) {
            "kubectl" | "helm" | "velero" => Some(Platform::Kubernetes),
            "docker" | "docker-compose" => Some(Platform::Docker),
            _ => None,
        };
        // A loop or conditional: the platform of the first tool inside it.
        if matches!(first, "for" | "while" | "if" | "until") {
            return words.find_map(of);
        }
        of(first)
    }
}
