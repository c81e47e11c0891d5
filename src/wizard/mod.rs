//! The guided runbook wizard and the incident timeline.
//!
//! - [`flow`]: the step state machine (pure): symptoms, placeholders,
//!   confirmation tiers, edits, skips, notes, resume.
//! - [`session`]: the wizard inside the console: picker, suggestion, keys,
//!   and the effects the runtime carries out.
//! - [`exec`]: commands in the operator's shell, in their own process group.
//! - [`timeline`], [`export`]: the append-only incident file, and what is made of it.
//! - [`launch`]: loading runbooks, `opsdeck run`, resuming an incident.

pub mod effects;
pub mod exec;
pub mod export;
pub mod flow;
pub mod items;
pub mod launch;
pub mod live;
pub mod output;
pub mod picker;
pub mod quit;
pub mod replay;
pub mod secrets;
pub mod session;
pub mod suggest;
pub mod timeline;

pub use flow::{Request, RunEvent, RunSpec, Wizard};
pub use items::{Item, ItemState};
pub use picker::Picker;
pub use suggest::Suggestion;
pub use timeline::{Entry, Record};

use crate::runbook::{Rules, Runbook};

/// The wizard's part of the console state.
#[derive(Debug, Clone, Default)]
pub struct WizardState {
    /// Every procedure the picker offers; loaded on first use.
    pub catalog: Vec<Runbook>,
    pub catalog_loaded: bool,
    /// Runbook files that could not be imported, shown in the picker.
    pub catalog_problems: Vec<String>,
    pub rules: Option<Rules>,
    pub picker: Option<Picker>,
    pub run: Option<Wizard>,
    /// Whether the wizard (or picker) has the screen.
    pub open: bool,
    pub suggestion: Option<Suggestion>,
}

impl WizardState {
    /// The wizard screen replaces the dashboard.
    pub fn is_open(&self) -> bool {
        self.open && (self.picker.is_some() || self.run.is_some())
    }
}
