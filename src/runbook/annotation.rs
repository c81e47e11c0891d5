//! Author metadata that keeps the file valid Markdown: JSON after a fence's language
//! tag (```` ```bash {"risk":"destructive"} ````) or `<!-- opsdeck: {...} -->` before a
//! heading or block.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::RunbookError;
use super::model::{PhaseKind, Severity};
use crate::model::Platform;
use crate::model::Risk;

/// Everything an annotation may say. Unknown keys are an error, so a typo such as
/// `"rsik"` is reported instead of silently ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    pub risk: Option<Risk>,
    pub reason: Option<String>,
    pub name: Option<String>,
    pub platform: Option<Platform>,
    pub severity: Option<Severity>,
    #[serde(default)]
    pub alerts: Vec<String>,
    pub phase: Option<PhaseKind>,
    /// `true` hides the block or section from the importer (e.g. sample output).
    #[serde(default)]
    pub skip: bool,
}

impl Annotation {
    pub fn for_command(&self) -> Option<CommandAnnotation> {
        if self.risk.is_none() && self.reason.is_none() && self.name.is_none() {
            return None;
        }
        Some(CommandAnnotation {
            risk: self.risk,
            reason: self.reason.clone(),
            name: self.name.clone(),
        })
    }
}

/// The part of an annotation that concerns a command, kept on the command so lint
/// can compare it with the classifier's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandAnnotation {
    pub risk: Option<Risk>,
    pub reason: Option<String>,
    pub name: Option<String>,
}

/// Parses the JSON of an annotation found at `line` of `path`.
pub fn parse(json: &str, path: &Path, line: usize) -> Result<Annotation, RunbookError> {
    serde_json::from_str(json).map_err(|err| RunbookError::Annotation {
        path: path.to_path_buf(),
        line: line + err.line().saturating_sub(1),
        message: err.to_string(),
    })
}

/// The JSON inside `<!-- opsdeck: … -->`, if the HTML is such a comment.
pub fn from_html_comment(html: &str) -> Option<&str> {
    let inner = html
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    Some(inner.strip_prefix("opsdeck:")?.trim())
}

/// Splits a fence info string into the language and the JSON after it, if any.
pub fn split_fence_info(info: &str) -> (String, Option<&str>) {
    let info = info.trim();
    match info.find('{') {
        Some(pos) => (
            info[..pos].trim().to_ascii_lowercase(),
            Some(info[pos..].trim()),
        ),
        None => (
            info.split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase(),
            None,
        ),
    }
}
