//! What an imported runbook is made of. The wizard walks this tree; the CLI prints it.
//!
//! The JSON shape (`opsdeck runbook show --json`) is a public format: every command
//! object carries `command`, `risk`, `reason` and `placeholders`.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::annotation::CommandAnnotation;
use super::placeholders::Placeholder;
use crate::model::{Platform, Risk};

/// One Markdown file, imported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Runbook {
    /// The first level-1 heading, or the file name when there is none.
    pub title: String,
    /// Where the text came from (a path, or `builtin:NAME`).
    pub source: PathBuf,
    /// SHA-256 of the file's bytes, lowercase hex. A wizard stores it to refuse
    /// resuming on a runbook that has changed since.
    pub hash: String,
    pub procedures: Vec<Procedure>,
    /// What the importer could not read and left out or kept as text, by line.
    /// `opsdeck runbook lint` reports them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<Unread>,
}

/// A heading (or a bold pseudo-heading such as `**Alert: RAGChatbotDown**`) whose
/// content an operator can follow step by step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Procedure {
    pub title: String,
    /// What the runbook says the procedure is about: an alert runbook's Meaning and
    /// Impact sections, one line each (`Meaning: …`). Empty when it says nothing.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub severity: Option<Severity>,
    /// Alert names this procedure answers, e.g. `HighErrorRate`.
    pub alerts: Vec<String>,
    /// The symptom lines, in the runbook's words.
    pub symptoms: Vec<String>,
    /// The headings above this procedure, outermost first (its own title excluded).
    pub heading_path: Vec<String>,
    pub phases: Vec<Phase>,
    /// 1-based line of the heading or label that starts the procedure.
    pub line: usize,
}

impl Step {
    /// A step with this text and nothing else yet.
    pub fn new(text: impl Into<String>, line: usize) -> Step {
        Step {
            text: text.into(),
            notes: Vec::new(),
            commands: Vec::new(),
            expected_output: Vec::new(),
            editor_content: Vec::new(),
            session_input: Vec::new(),
            sql_session: None,
            line,
        }
    }
}

impl Procedure {
    /// Every command of the procedure in order, platform variants included.
    pub fn all_commands(&self) -> impl Iterator<Item = &Command> {
        self.phases
            .iter()
            .flat_map(|p| p.steps.iter())
            .flat_map(|s| s.commands.iter())
            .flat_map(|c| std::iter::once(c).chain(c.variants.iter()))
    }

    pub fn step_count(&self) -> usize {
        self.phases.iter().map(|p| p.steps.len()).sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhaseKind {
    Symptoms,
    Diagnose,
    Resolve,
    Verify,
    /// Maintenance, backup and other procedures that are not incident phases.
    Other,
}

impl fmt::Display for PhaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PhaseKind::Symptoms => "symptoms",
            PhaseKind::Diagnose => "diagnose",
            PhaseKind::Resolve => "resolve",
            PhaseKind::Verify => "verify",
            PhaseKind::Other => "other",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    pub kind: PhaseKind,
    /// The label as the runbook writes it ("Resolution Steps"), or empty.
    pub title: String,
    pub steps: Vec<Step>,
}

/// One thing the operator does: a list item, or a commented group of commands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// What the runbook says about the step (list item text or `#` comment).
    pub text: String,
    /// Further remarks that belong to the step (nested bullets, trailing comments).
    pub notes: Vec<String>,
    pub commands: Vec<Command>,
    /// Sample output the runbook prints under a command (`$ kubectl get pods`
    /// followed by its table): what the operator should expect to see.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expected_output: Vec<Sample>,
    /// What to change in the editor a command opens (`kubectl edit` followed by
    /// the YAML lines to set).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub editor_content: Vec<Sample>,
    /// Lines the operator types into the interactive session a command opens
    /// (`chroot /host`, `exit` after `kubectl debug node/…`). Their risk is already
    /// part of the opening command's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub session_input: Vec<Sample>,
    /// For steps whose commands are SQL: the earlier command of the procedure that
    /// opens the database session they are typed into (`… -- psql -U app`). `None`
    /// when the runbook names none: the statements are then text to run elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql_session: Option<SessionRef>,
    pub line: usize,
}

/// How a command's text is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interpreter {
    /// A shell command line (`sh -c`).
    Shell,
    /// A SQL statement, typed into the psql session opened by an earlier step.
    Sql,
    /// A PromQL query, run against the profile's Prometheus.
    Promql,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Command {
    /// The exact text, with line continuations joined.
    #[serde(rename = "command")]
    pub text: String,
    /// The `#` comment above the command, if any.
    pub description: Option<String>,
    pub line: usize,
    pub interpreter: Interpreter,
    pub platform: Option<Platform>,
    pub risk: Risk,
    /// Why the command has that risk, in words.
    pub reason: String,
    pub placeholders: Vec<Placeholder>,
    /// Things the operator should know before running it, e.g. "prints secrets".
    pub warnings: Vec<String>,
    /// The author's metadata, when the runbook carries any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotation: Option<CommandAnnotation>,
    /// Other platforms' way of doing the same step (`# or`, Docker vs Kubernetes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Command>,
}

/// How a command's warning starts when it needs the operator's terminal (an
/// editor, a shell or REPL, a full-screen program).
pub const NEEDS_TERMINAL: &str = "needs a terminal";

impl Command {
    /// Whether the command needs the operator's terminal: it opens an editor, an
    /// interactive session or a full-screen program (its warnings say which).
    pub fn needs_terminal(&self) -> bool {
        self.warnings.iter().any(|w| w.starts_with(NEEDS_TERMINAL))
    }
}

/// Severity as a runbook states it: `P0`–`P4` or a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Severity {
    P0,
    P1,
    P2,
    P3,
    P4,
    Critical,
    High,
    Medium,
    Low,
    Warning,
}

impl Severity {
    /// Reads `P1`, `p2`, `Critical`, `high`… Anything else is `None`.
    pub fn parse(word: &str) -> Option<Severity> {
        Some(match word.trim().to_ascii_lowercase().as_str() {
            "p0" => Severity::P0,
            "p1" => Severity::P1,
            "p2" => Severity::P2,
            "p3" => Severity::P3,
            "p4" => Severity::P4,
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            "warning" => Severity::Warning,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Text the runbook shows with one of a step's commands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// Index into the step's `commands`.
    pub command: usize,
    /// 1-based line of the text's first line.
    pub line: usize,
    /// The lines as written, joined with `\n`.
    pub text: String,
}

/// A command of the same procedure, named by its text and line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRef {
    pub command: String,
    pub line: usize,
}

/// Something the importer saw but could not turn into steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unread {
    /// 1-based line.
    pub line: usize,
    /// What it was and what the author can do about it.
    pub message: String,
}
