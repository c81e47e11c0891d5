//! Which procedure the live state points at: a crash-looping pod → "Pod Crash
//! Loop", an OOM kill → "Out of Memory", a failing application check →
//! "Application Down" / "Service Down".

use crate::app::App;
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

pub fn from_app(app: &App) -> Option<Suggestion> {
    // What pages people comes first: a firing alert names its own procedure.
    if let Some(a) = app.alerts.firing().next() {
        let label = app
            .profile
            .alerts
            .get(&a.name)
            .map(|r| r.procedure.clone())
            .or_else(|| {
                crate::app::alerts::procedure_for(&a.name, &app.profile, &app.wizard.catalog)
                    .and_then(|(ri, pi)| app.wizard.catalog.get(ri)?.procedures.get(pi))
                    .map(|p| p.title.clone())
            })
            .unwrap_or_else(|| a.name.clone());
        return Some(Suggestion {
            label,
            titles: Vec::new(),
            alert: Some(a.name.clone()),
            reason: format!("{} is firing", a.name),
        });
    }
    let rows = app.workloads.all();
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
    if let Some(s) = app
        .services
        .iter()
        .find(|s| s.checks.iter().any(|c| c.failing_for > 0))
    {
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
            reason: format!("the {} health check is failing", s.name),
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
        return crate::app::alerts::procedure_for(alert, profile, catalog);
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
