//! A procedure flattened into what the wizard walks: one item per command (or
//! per instruction without a command), in runbook order.

use std::time::Duration;

use crate::runbook::{Command, Interpreter, PhaseKind, Platform, Procedure};

/// How long a command may run when nothing else is said.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemState {
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
    /// Confirmed and started in an earlier session; its end was not recorded.
    Unknown,
}

impl ItemState {
    /// The mark in the step list: readable without colour.
    pub fn mark(self) -> &'static str {
        match self {
            ItemState::Pending => "·",
            ItemState::Running => "▶",
            ItemState::Done => "✓",
            ItemState::Failed => "✗",
            ItemState::Skipped => "»",
            ItemState::Unknown => "?",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemState::Pending => "pending",
            ItemState::Running => "running",
            ItemState::Done => "done",
            ItemState::Failed => "failed",
            ItemState::Skipped => "skipped",
            ItemState::Unknown => "end not recorded",
        }
    }

    /// Finished one way or another: resuming starts after these.
    pub fn settled(self) -> bool {
        matches!(self, ItemState::Done | ItemState::Skipped)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub phase: PhaseKind,
    pub phase_title: String,
    /// What the runbook says about the step.
    pub text: String,
    pub notes: Vec<String>,
    /// The runbook's command and its platform variants; empty for an instruction.
    pub choices: Vec<Command>,
    /// Index into `choices` of the variant in use.
    pub chosen: usize,
    /// The operator's edited version of the chosen command, classified again.
    pub edited: Option<Command>,
    pub state: ItemState,
    pub exit_code: Option<i32>,
    pub timeout: Duration,
}

impl Item {
    /// The command that runs: the edited one, else the chosen variant.
    pub fn command(&self) -> Option<&Command> {
        self.edited
            .as_ref()
            .or_else(|| self.choices.get(self.chosen))
    }

    pub fn is_instruction(&self) -> bool {
        self.choices.is_empty()
    }

    /// Whether the shell can run it (SQL and PromQL belong to other tools).
    pub fn runs_in_shell(&self) -> bool {
        self.command()
            .is_some_and(|c| c.interpreter == Interpreter::Shell)
    }
}

/// Symptoms to tick, then one item per command of the other phases. Variants are
/// resolved for `prefer`, the platform the profile configures.
pub fn flatten(procedure: &Procedure, prefer: Option<Platform>) -> (Vec<String>, Vec<Item>) {
    let mut symptoms: Vec<String> = Vec::new();
    let mut items = Vec::new();
    for phase in &procedure.phases {
        if phase.kind == PhaseKind::Symptoms {
            for step in &phase.steps {
                if !step.text.is_empty() {
                    symptoms.push(step.text.clone());
                }
                for c in &step.commands {
                    items.push(item(
                        phase.kind,
                        &phase.title,
                        &step.text,
                        &step.notes,
                        c,
                        prefer,
                    ));
                }
            }
            continue;
        }
        for step in &phase.steps {
            if step.commands.is_empty() {
                items.push(Item {
                    phase: phase.kind,
                    phase_title: phase.title.clone(),
                    text: step.text.clone(),
                    notes: step.notes.clone(),
                    choices: Vec::new(),
                    chosen: 0,
                    edited: None,
                    state: ItemState::Pending,
                    exit_code: None,
                    timeout: DEFAULT_TIMEOUT,
                });
            }
            for c in &step.commands {
                let text = c
                    .description
                    .clone()
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| step.text.clone());
                items.push(item(
                    phase.kind,
                    &phase.title,
                    &text,
                    &step.notes,
                    c,
                    prefer,
                ));
            }
        }
    }
    if symptoms.is_empty() {
        symptoms = procedure.symptoms.clone();
    }
    (symptoms, items)
}

fn item(
    phase: PhaseKind,
    phase_title: &str,
    text: &str,
    notes: &[String],
    c: &Command,
    prefer: Option<Platform>,
) -> Item {
    let mut choices = vec![c.clone()];
    choices.extend(c.variants.iter().cloned());
    for ch in &mut choices {
        ch.variants.clear();
    }
    let chosen = prefer
        .and_then(|p| choices.iter().position(|ch| ch.platform == Some(p)))
        .unwrap_or(0);
    Item {
        phase,
        phase_title: phase_title.to_string(),
        text: text.to_string(),
        notes: notes.to_vec(),
        choices,
        chosen,
        edited: None,
        state: ItemState::Pending,
        exit_code: None,
        timeout: DEFAULT_TIMEOUT,
    }
}
