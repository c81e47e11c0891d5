//! What headings and labels say: phase words (Symptoms, Diagnosis, Mitigation…),
//! severity (`(Critical)`, `**Severity**: P1`), alert names (`Alert: HighErrorRate`),
//! sections that are never procedures, and the merging of "Docker Commands" /
//! "Kubernetes Commands" phases into platform variants.

use std::collections::{HashMap, VecDeque};
use std::sync::LazyLock;

use regex::Regex;

use super::markdown::Element;
use super::model::{Phase, PhaseKind, Severity};

pub(super) static NUMBERED_TITLE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\d+[.)]\s+(.+)$").ok());
pub(super) static SEVERITY_SUFFIX: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)^(.*?)\s*\((P[0-4]|critical|high|medium|low|warning)\)\s*$").ok()
});
pub(super) static SEVERITY_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\bseverity\s*:?\s*\**\s*:?\s*(P[0-4]|critical|high|medium|low|warning)\b").ok()
});
pub(super) static ALERT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)\balert:\s*"?([A-Za-z][A-Za-z0-9_]+)"?"#).ok());
pub(super) static SEVERITY_GROUP: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)^(critical|high|medium|low|warning)\s+alerts?$").ok());

/// Sections that are never procedures, wherever they sit.
pub(super) const IGNORED: &[&str] = &[
    "contact",
    "table of contents",
    "change log",
    "changelog",
    "revision history",
    "escalation",
    "communication",
];

/// Titles of sections whose numbered lists are reference material, not steps.
pub(super) const REFERENCE: &[&str] = &[
    "dashboard",
    "metric",
    "overview",
    "architecture",
    "component",
    "requirement",
    "objective",
    "schedule",
    "polic",
    "documentation",
    "resources",
    "reference",
    "glossary",
    "level",
];

pub(super) fn contains_any(text: &str, needles: &[&str]) -> bool {
    let lower = text.to_ascii_lowercase();
    needles.iter().any(|n| lower.contains(n))
}

/// Strict phase words: their presence makes a section an incident procedure.
pub(super) fn strict_phase(label: &str) -> Option<PhaseKind> {
    let l = label.to_ascii_lowercase();
    if l.contains("symptom") {
        Some(PhaseKind::Symptoms)
    } else if l.contains("diagnos") || l.contains("investigat") || l.contains("triage") {
        Some(PhaseKind::Diagnose)
    } else if l.contains("resolution") || l.contains("mitigat") || l.contains("remediat") {
        Some(PhaseKind::Resolve)
    } else if l.starts_with("verif") || l.starts_with("validat") {
        Some(PhaseKind::Verify)
    } else {
        None
    }
}

/// Looser phase words, used once a section is known to be a procedure.
pub(super) fn phase_kind(label: &str) -> PhaseKind {
    if let Some(kind) = strict_phase(label) {
        return kind;
    }
    let l = label.to_ascii_lowercase();
    if l.contains("initial response")
        || l.contains("assess")
        || (l.contains("check") && !l.contains("checklist"))
        || l.contains("identify")
    {
        PhaseKind::Diagnose
    } else if l.contains("resolve")
        || l.starts_with("fix")
        || l.contains("recover")
        || l.contains("immediate action")
        || l.contains("workaround")
    {
        PhaseKind::Resolve
    } else if l.contains("verif") || l.contains("validat") || l.contains("confirm") {
        PhaseKind::Verify
    } else {
        PhaseKind::Other
    }
}

pub(super) fn severity_in_title(title: &str) -> (String, Option<Severity>) {
    if let Some(cap) = SEVERITY_SUFFIX.as_ref().and_then(|re| re.captures(title))
        && let (Some(t), Some(s)) = (cap.get(1), cap.get(2))
    {
        return (t.as_str().trim().to_string(), Severity::parse(s.as_str()));
    }
    (title.to_string(), None)
}

pub(super) fn is_incident(elements: &[Element]) -> bool {
    elements.iter().any(|e| match e {
        Element::Label { text, .. } => strict_phase(text).is_some(),
        Element::Paragraph { text } => SEVERITY_LINE.as_ref().is_some_and(|re| re.is_match(text)),
        _ => false,
    })
}

/// "Docker Commands" followed by "Kubernetes Commands" (or the reverse): one phase
/// whose steps pair the two platforms' commands by what they do (the description's
/// first word: check, view, restart…).
pub(super) fn merge_platform_phases(phases: &mut Vec<Phase>) {
    let platform_of = |title: &str| {
        let l = title.to_ascii_lowercase();
        if l.contains("docker") {
            Some(0)
        } else if l.contains("kubernetes") || l.contains("k8s") {
            Some(1)
        } else {
            None
        }
    };
    let mut i = 0;
    while i + 1 < phases.len() {
        let (a, b) = (
            platform_of(&phases[i].title),
            platform_of(&phases[i + 1].title),
        );
        if let (Some(pa), Some(pb)) = (a, b)
            && pa != pb
        {
            let second = phases.remove(i + 1);
            let first = &mut phases[i];
            first.title = format!("{} / {}", first.title, second.title);
            // The first steps by what they do, in order; a step that has variants
            // takes no more, so it leaves its queue for good.
            let mut by_intent: HashMap<String, VecDeque<usize>> = HashMap::new();
            for (idx, s) in first.steps.iter().enumerate() {
                let key = intent(&s.text);
                if !key.is_empty() {
                    by_intent.entry(key).or_default().push_back(idx);
                }
            }
            let mut unmatched = Vec::new();
            for step in second.steps {
                let key = intent(&step.text);
                let mut target = None;
                if let Some(queue) = by_intent.get_mut(&key) {
                    while let Some(&idx) = queue.front() {
                        let free = first
                            .steps
                            .get(idx)
                            .is_some_and(|s| s.commands.iter().all(|c| c.variants.is_empty()));
                        if free {
                            target = first.steps.get_mut(idx);
                            break;
                        }
                        queue.pop_front();
                    }
                }
                match target {
                    Some(target) => {
                        let mut extra = Vec::new();
                        for (idx, command) in step.commands.into_iter().enumerate() {
                            match target.commands.get_mut(idx) {
                                Some(t) => t.variants.push(command),
                                None => extra.push(command),
                            }
                        }
                        target.commands.extend(extra);
                    }
                    None => unmatched.push(step),
                }
            }
            first.steps.extend(unmatched);
        }
        i += 1;
    }
}

fn intent(text: &str) -> String {
    text.split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Headings of an alert runbook that describe the alert rather than say what to
/// do: they make the procedure's description.
pub(super) fn describes(title: &str) -> bool {
    let l = title.trim().trim_end_matches(':').to_ascii_lowercase();
    matches!(
        l.as_str(),
        "meaning" | "impact" | "summary" | "description" | "overview" | "context" | "background"
    )
}

/// An alert's name as Prometheus writes it: one word, `KubePodCrashLooping`.
pub(super) fn is_alert_name(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 3
        && t.starts_with(|c: char| c.is_ascii_uppercase())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        && t.chars().any(|c| c.is_ascii_lowercase())
}
