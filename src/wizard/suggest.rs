//! Which procedure the live state points at: a crash-looping pod → "Pod Crash
//! Loop", an OOM kill → "Out of Memory", a failing application check →
//! "Application Down" / "Service Down".

use crate::model::Workload;
use crate::runbook::Runbook;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// What the operator is told to open, e.g. "Pod Crash Loop".
    pub label: &'static str,
    /// Title words to look for, best first ("crash loop").
    pub titles: Vec<&'static str>,
    /// What in the live state prompted it, in words.
    pub reason: String,
}

/// What `rows` (the workloads) and `failing_service` (the first service whose
/// health check fails, if any) point at.
pub fn from_state(rows: &[Workload], failing_service: Option<&str>) -> Option<Suggestion> {
    if let Some(w) = rows.iter().find(|w| w.status.contains("CrashLoopBackOff")) {
        return Some(Suggestion {
            label: "Pod Crash Loop",
            titles: vec!["crash loop", "crashloop", "restarting"],
            reason: format!("{} is in CrashLoopBackOff", w.name),
        });
    }
    if let Some(w) = rows.iter().find(|w| {
        w.status.contains("OOMKilled")
            || w.containers.iter().any(|c| {
                c.last_termination
                    .as_ref()
                    .is_some_and(|t| t.reason.contains("OOMKilled"))
            })
    }) {
        return Some(Suggestion {
            label: "Out of Memory",
            titles: vec!["out of memory", "oom", "memory"],
            reason: format!("{} was OOMKilled", w.name),
        });
    }
    if let Some(name) = failing_service {
        return Some(Suggestion {
            label: "Application Down",
            titles: vec![
                "application down",
                "app down",
                "service down",
                "chatbotdown",
                "down",
            ],
            reason: format!("the {name} health check is failing"),
        });
    }
    None
}

/// The procedure in `catalog` that best answers `s`: the first title word that
/// matches, preferring the runbook named like the profile.
pub fn resolve(s: &Suggestion, catalog: &[Runbook], profile: &str) -> Option<(usize, usize)> {
    for t in &s.titles {
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for (ri, rb) in catalog.iter().enumerate() {
            for (pi, p) in rb.procedures.iter().enumerate() {
                let title = p.title.to_lowercase();
                let alerts = p.alerts.iter().any(|a| a.to_lowercase().contains(t));
                if (title.contains(t) || alerts) && p.step_count() > 0 {
                    hits.push((ri, pi));
                }
            }
        }
        let prefer = hits.iter().find(|(ri, _)| {
            let src = catalog[*ri].source.display().to_string();
            src.ends_with(&format!(":{profile}")) || src.contains(&format!("/{profile}"))
        });
        if let Some(h) = prefer.or(hits.first()) {
            return Some(*h);
        }
    }
    None
}
