//! Markdown runbooks: importer, model, placeholders, risk classifier, lint.

pub mod cli;
