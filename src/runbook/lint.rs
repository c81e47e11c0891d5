//! What a runbook author should fix: untyped placeholders, commands only the
//! unknown-command rule classifies, destructive steps with no backup or diagnosis
//! before them, annotations that lower a risk without saying why, and what the
//! importer could not read (blocks in other languages, text in shell blocks,
//! comment-only blocks), each with its line.

use serde::Serialize;

use super::model::{Command, Interpreter, Procedure, Runbook};
use super::placeholders::PlaceholderKind;
use super::risk::{self, Rules};
use crate::model::Risk;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingSeverity {
    Warning,
    Error,
}

impl std::fmt::Display for FindingSeverity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FindingSeverity::Warning => "warning",
            FindingSeverity::Error => "error",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub line: usize,
    pub severity: FindingSeverity,
    pub message: String,
    /// The procedure the finding is in.
    pub procedure: String,
}

pub fn lint(runbook: &Runbook, rules: &Rules) -> Vec<Finding> {
    let mut findings = Vec::new();
    for procedure in &runbook.procedures {
        lint_procedure(procedure, rules, &mut findings);
    }
    // The procedure an unread line belongs to: the last one starting above it.
    let mut starts: Vec<(usize, &str)> = runbook
        .procedures
        .iter()
        .map(|p| (p.line, p.title.as_str()))
        .collect();
    starts.sort_by_key(|(line, _)| *line);
    for unread in &runbook.unread {
        let i = starts.partition_point(|(line, _)| *line <= unread.line);
        findings.push(Finding {
            line: unread.line,
            severity: FindingSeverity::Warning,
            message: unread.message.clone(),
            procedure: i
                .checked_sub(1)
                .and_then(|i| starts.get(i))
                .map(|(_, title)| title.to_string())
                .unwrap_or_default(),
        });
    }
    findings.sort_by_key(|f| f.line);
    findings
}

fn short(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 60 {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

/// Commands that take a backup (restoring *from* one does not count).
fn is_backup(command: &Command) -> bool {
    let text = command.text.to_ascii_lowercase();
    [
        "pg_dump",
        "pg_dumpall",
        "mongodump",
        "mysqldump",
        "bgsave",
        "snapshot",
        "backup create",
        "> backup",
        "> /backup",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// Step text that announces a backup ("Backup databases", "Create backup").
fn announces_backup(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    !t.contains("restore")
        && !t.contains("from backup")
        && (t.starts_with("backup")
            || t.contains("create backup")
            || t.contains("back up")
            || t.contains("take a backup"))
}

fn lint_procedure(procedure: &Procedure, rules: &Rules, findings: &mut Vec<Finding>) {
    let mut push = |line: usize, severity, message: String| {
        findings.push(Finding {
            line,
            severity,
            message,
            procedure: procedure.title.clone(),
        })
    };
    let mut prepared = false;
    for step in procedure.phases.iter().flat_map(|p| p.steps.iter()) {
        if announces_backup(&step.text) {
            prepared = true;
        }
        for command in &step.commands {
            for c in std::iter::once(command).chain(command.variants.iter()) {
                let verdict = match c.interpreter {
                    Interpreter::Shell => risk::classify(rules, &c.text),
                    Interpreter::Sql => risk::classify_sql(rules, &c.text),
                    Interpreter::Promql => continue,
                };
                if let Some(annotation) = &c.annotation
                    && let Some(wanted) = annotation.risk
                    && wanted < verdict.risk
                    && annotation.reason.is_none()
                {
                    push(
                        c.line,
                        FindingSeverity::Error,
                        format!(
                            "annotation lowers `{}` from {} to {} without a \"reason\"; add one, or remove the \"risk\"",
                            short(&c.text),
                            verdict.risk,
                            wanted
                        ),
                    );
                }
                if !verdict.unknown.is_empty() {
                    push(
                        c.line,
                        FindingSeverity::Warning,
                        format!(
                            "`{}` is classified only by the unknown-command rule (mutating): no rule knows {}; add a rule to risk_rules.toml or an annotation",
                            short(&c.text),
                            verdict
                                .unknown
                                .iter()
                                .map(|u| format!("`{u}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
                let mut named = std::collections::HashSet::new();
                for p in &c.placeholders {
                    // `/etc/app.<suffix> /etc/app.<suffix>.bak`: one finding per name.
                    if p.kind == PlaceholderKind::Text && named.insert(p.name.as_str()) {
                        push(
                            c.line,
                            FindingSeverity::Warning,
                            format!(
                                "placeholder `{}` in `{}` has no known type; its value will be quoted but not validated",
                                p.name,
                                short(&c.text)
                            ),
                        );
                    }
                }
                if c.text.contains("...") || c.text.contains('…') {
                    push(
                        c.line,
                        FindingSeverity::Warning,
                        format!(
                            "`{}` looks incomplete (`...`): write the full command",
                            short(&c.text)
                        ),
                    );
                }
            }
            if command.risk == Risk::Destructive && !prepared {
                push(
                    command.line,
                    FindingSeverity::Warning,
                    format!(
                        "destructive step `{}` has no backup or diagnosis before it in this procedure",
                        short(&command.text)
                    ),
                );
            }
            if command.risk == Risk::ReadOnly || is_backup(command) {
                prepared = true;
            }
        }
    }
}
