//! What the console knows right now, as placeholder completions: pods,
//! deployments, containers, namespaces, the profile's URLs and defaults.

use std::collections::BTreeMap;

use crate::config::Profile;
use crate::config::profile::Check;
use crate::model::{Platform, Severity, Workload};
use crate::runbook::placeholders::PlaceholderKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePod {
    pub namespace: String,
    pub name: String,
    pub group: Option<String>,
    pub containers: Vec<String>,
    /// Pods in trouble are offered first.
    pub troubled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Live {
    pub pods: Vec<LivePod>,
    pub namespaces: Vec<String>,
    pub urls: Vec<String>,
    /// The profile's placeholder defaults (`your-domain = "example.com"`).
    pub defaults: BTreeMap<String, String>,
}

impl Live {
    /// The completions `rows` (the workloads), `namespaces` (known to the
    /// console) and `profile` offer.
    pub fn new(rows: &[Workload], mut namespaces: Vec<String>, profile: &Profile) -> Live {
        let pods = rows
            .iter()
            .filter(|w| w.platform == Platform::Kubernetes)
            .map(|w| LivePod {
                namespace: w.namespace.clone(),
                name: w.name.clone(),
                group: w.group.clone(),
                containers: w.containers.iter().map(|c| c.name.clone()).collect(),
                troubled: w.severity != Severity::Ok,
            })
            .collect();
        namespaces.sort();
        namespaces.dedup();
        let urls = profile
            .services
            .iter()
            .flat_map(|s| s.checks.iter())
            .filter_map(|c| match c {
                Check::Http { .. } => Some(c.target().to_string()),
                _ => None,
            })
            .collect();
        Live {
            pods,
            namespaces,
            urls,
            defaults: profile.placeholders.clone(),
        }
    }

    /// Candidates for a placeholder, best first. `namespace` narrows pods to
    /// the namespace the command names.
    pub fn completions(
        &self,
        kind: PlaceholderKind,
        name: &str,
        namespace: Option<&str>,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Some(d) = self.defaults.get(name) {
            out.push(d.clone());
        }
        let in_ns = |p: &&LivePod| namespace.is_none_or(|n| p.namespace == n);
        let mut pods: Vec<&LivePod> = self.pods.iter().filter(in_ns).collect();
        pods.sort_by_key(|p| (!p.troubled, p.name.clone()));
        match kind {
            PlaceholderKind::Pod => out.extend(pods.iter().map(|p| p.name.clone())),
            PlaceholderKind::Deployment => {
                out.extend(pods.iter().filter_map(|p| p.group.clone()));
            }
            PlaceholderKind::Container => {
                out.extend(pods.iter().flat_map(|p| p.containers.iter().cloned()));
            }
            PlaceholderKind::Namespace => out.extend(self.namespaces.iter().cloned()),
            PlaceholderKind::Url => out.extend(self.urls.iter().cloned()),
            _ => {}
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|v| seen.insert(v.clone()));
        out
    }
}
