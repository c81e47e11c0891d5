//! Markdown runbooks: importer, model, placeholders, risk classifier, lint.
//!
//! `import::import_file` turns any Markdown runbook into a [`model::Runbook`]:
//! procedures, phases, steps and commands, each command with its risk, reason and
//! typed placeholders. `lint::lint` reports what an author should fix.

pub mod annotation;
pub mod blocks;
pub mod builtin;
pub mod cli;
pub mod error;
pub mod import;
pub mod lint;
pub mod model;
pub mod placeholders;
pub mod risk;
pub mod shell;
pub mod sql;

pub use error::RunbookError;
pub use model::{
    Command, Interpreter, Phase, PhaseKind, Platform, Procedure, Runbook, Severity, Step,
};
pub use risk::{Classification, Risk, Rules};
