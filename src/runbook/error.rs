//! Errors from reading runbooks and risk-rule files. Each names the file, and the
//! line when there is one, and says what to do.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunbookError {
    #[error("cannot read runbook {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error(
        "{}:{line}: not a text file (byte {offset} is binary: NUL or invalid UTF-8); give a Markdown runbook",
        path.display()
    )]
    NotText {
        path: PathBuf,
        line: usize,
        offset: usize,
    },
    #[error(
        "{}:{line}: malformed opsdeck annotation: {message}; write JSON such as {{\"risk\":\"destructive\",\"reason\":\"…\"}}",
        path.display()
    )]
    Annotation {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}:{line}: invalid risk rules: {message}", path.display())]
    Rules {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("cannot read risk rules {}: {reason}", path.display())]
    RulesRead { path: PathBuf, reason: String },
}
