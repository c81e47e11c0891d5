//! Which procedure the live state points at: a crash-looping pod → "Pod Crash
//! Loop", an OOM kill → "Out of Memory", a failing application check →
//! "Application Down" / "Service Down".

use crate::model::Workload;
use crate::runbook::Runbook;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// What the operator is told to open, e.g. "Pod Crash Loop".
    pub label: String,
    /// A firing alert this answers: its procedure is found as `Enter` on the
    /// alert finds it, not by title words.
    pub alert: Option<String>,
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
            label: "Pod Crash Loop".into(),
            alert: None,
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
            label: "Out of Memory".into(),
            alert: None,
            titles: vec!["out of memory", "oom", "memory"],
            reason: format!("{} was OOMKilled", w.name),
        });
    }
    if let Some(name) = failing_service {
        return Some(Suggestion {
            label: "Application Down".into(),
            alert: None,
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
pub fn resolve(
    s: &Suggestion,
    catalog: &[Runbook],
    profile: &crate::config::Profile,
) -> Option<(usize, usize)> {
    if let Some(alert) = &s.alert {
        return procedure_for(alert, profile, catalog);
    }
    let profile = profile.name.as_str();
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

/// Where the procedure answering `alert` is in `catalog`: the profile's
/// `[alerts]` mapping first (it is the operator's explicit word), then a
/// procedure whose symptoms name the alert, then one titled after it.
pub fn procedure_for(
    alert: &str,
    profile: &crate::config::Profile,
    catalog: &[Runbook],
) -> Option<(usize, usize)> {
    if let Some(r) = profile.alerts.get(alert) {
        let hit = catalog.iter().enumerate().find_map(|(ri, rb)| {
            let source = rb.source.display().to_string();
            let same_runbook = source == r.runbook
                || source.ends_with(&format!("/{}", r.runbook.trim_start_matches("./")));
            if !same_runbook {
                return None;
            }
            rb.procedures
                .iter()
                .position(|p| p.title.trim().eq_ignore_ascii_case(r.procedure.trim()))
                .map(|pi| (ri, pi))
        });
        if hit.is_some() {
            return hit;
        }
    }
    crate::runbook::catalog::find_by_alert(catalog, alert).map(|f| {
        let ri = catalog
            .iter()
            .position(|rb| std::ptr::eq(rb, f.runbook))
            .unwrap_or(0);
        (ri, f.index)
    })
}
