//! Markdown runbooks: importer, model, placeholders, risk classifier, lint.
//!
//! Any Markdown runbook imports as it is: headings (and bold labels such as
//! `**Alert: RAGChatbotDown**`) make [`Procedure`]s, labels such as `**Symptoms:**`
//! or `**Resolution Steps:**` make [`Phase`]s, and list items, code blocks and inline
//! code make [`Step`]s and [`Command`]s. Every command carries a [`Risk`] with a
//! reason in words, its typed placeholders, and warnings such as "exposes secrets".
//!
//! Runbooks as people write them import too: terminal transcripts (`$ cmd` and its
//! output, [`transcript`]), a fence-language policy ([`fence`]: only shell, SQL and
//! PromQL blocks hold commands), one-alert-per-file layouts with front matter,
//! template placeholders (`{{ pod }}`), and folders of runbooks ([`catalog`]).
//!
//! ```no_run
//! use std::collections::HashMap;
//! use std::path::Path;
//! use opsdeck::runbook::{import, lint, placeholders, Rules};
//!
//! # fn main() -> Result<(), opsdeck::runbook::RunbookError> {
//! let rules = Rules::load_default()?; // built-ins + <config dir>/risk_rules.toml
//! let runbook = import::import_file_with(Path::new("runbooks/rag7.md"), &rules)?;
//! for procedure in &runbook.procedures {
//!     for command in procedure.all_commands() {
//!         if command.risk == Risk::Destructive { /* ask for the target's name */ }
//!         let mut values = HashMap::new();
//!         for p in &command.placeholders {
//!             let value = String::from("langgraph-0");
//!             if placeholders::validate(p.kind, &value).is_ok() {
//!                 values.insert(p.name.clone(), value);
//!             }
//!         }
//!         let _ready = placeholders::substitute_found(&command.text, &command.placeholders, &values);
//!     }
//! }
//! let _findings = lint::lint(&runbook, &rules);
//! # Ok(())
//! # }
//! ```

pub mod annotation;
mod args;
pub mod blocks;
pub mod builtin;
pub mod catalog;
pub mod cli;
pub mod error;
pub mod fence;
pub mod front_matter;
mod grouping;
pub mod import;
pub mod lines;
pub mod lint;
mod markdown;
pub mod model;
mod phases;
pub mod placeholders;
mod procedures;
pub mod risk;
pub mod rules;
mod sections;
pub mod shell;
pub mod sql;
pub mod transcript;

pub use catalog::{Catalog, find_by_alert};
pub use error::RunbookError;
pub use model::{
    Command, Interpreter, Phase, PhaseKind, Procedure, Runbook, Sample, SessionRef, Severity, Step,
    Unread,
};
pub use risk::{Classification, Interactive, Rules};
