//! Markdown → [`Runbook`]. Headings make procedures; bold labels such as
//! `**Symptoms:**` make phases (or, outside incident sections, procedures of their
//! own); lists, code blocks and inline code make steps and commands.
//!
//! Four passes, each linear in the size of the file: front matter is set aside
//! ([`super::front_matter`]), Markdown becomes elements ([`super::markdown`]),
//! elements a heading tree ([`super::sections`]), and the tree procedures
//! ([`super::procedures`], with [`super::blocks`] for code blocks).
//!
//! The importer never panics on any input: unknown shapes just yield fewer steps,
//! and what it could not read is listed in [`Runbook::unread`].

use std::path::Path;

use sha2::{Digest, Sha256};

use super::error::RunbookError;
use super::front_matter;
use super::markdown::{Element, parse_elements};
use super::model::{Runbook, Unread};
use super::procedures::Builder;
use super::risk::Rules;
use super::sections::build_sections;
use crate::config::error::line_of;

/// Reads and imports a runbook with the built-in risk rules.
pub fn import_file(path: &Path) -> Result<Runbook, RunbookError> {
    import_file_with(path, &Rules::builtin())
}

/// Reads and imports a runbook, classifying commands with `rules`.
pub fn import_file_with(path: &Path, rules: &Rules) -> Result<Runbook, RunbookError> {
    let bytes = std::fs::read(path).map_err(|err| RunbookError::Read {
        path: path.to_path_buf(),
        reason: format!("{err}; check the path"),
    })?;
    let text = decode(&bytes, path)?;
    import_text(text, &bytes, path, rules)
}

/// Imports Markdown text with the built-in rules; `origin` names it in errors.
pub fn import_str(text: &str, origin: &Path) -> Result<Runbook, RunbookError> {
    import_str_with(text, origin, &Rules::builtin())
}

/// Imports Markdown text, classifying commands with `rules`.
pub fn import_str_with(text: &str, origin: &Path, rules: &Rules) -> Result<Runbook, RunbookError> {
    if let Some(offset) = text.find('\0') {
        return Err(RunbookError::NotText {
            path: origin.to_path_buf(),
            line: line_of(text, offset),
            offset,
        });
    }
    import_text(text, text.as_bytes(), origin, rules)
}

fn decode<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str, RunbookError> {
    let not_text = |offset: usize| RunbookError::NotText {
        path: path.to_path_buf(),
        line: bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1,
        offset,
    };
    let text = std::str::from_utf8(bytes).map_err(|err| not_text(err.valid_up_to()))?;
    match bytes.iter().position(|&b| b == 0) {
        Some(offset) => Err(not_text(offset)),
        None => Ok(text),
    }
}

fn import_text(
    text: &str,
    bytes: &[u8],
    origin: &Path,
    rules: &Rules,
) -> Result<Runbook, RunbookError> {
    let mut unread = Vec::new();
    let split = front_matter::split(text);
    let (front, body) = match &split {
        Some((front, body)) => {
            if let Some(problem) = &front.problem {
                unread.push(Unread {
                    line: 1,
                    message: format!("front matter is {problem}; it is skipped"),
                });
            }
            (Some(front), body.as_str())
        }
        None => (None, text),
    };
    let elements = parse_elements(body, origin)?;
    let stem = origin.file_stem().map(|s| s.to_string_lossy().into_owned());
    let title = elements
        .iter()
        .find_map(|e| match e {
            Element::Heading { level: 1, text, .. } => Some(text.clone()),
            _ => None,
        })
        .or_else(|| front.and_then(|f| f.title.clone()))
        .or_else(|| stem.clone())
        .unwrap_or_else(|| "runbook".into());
    let sections = build_sections(elements);
    let mut builder = Builder {
        rules,
        origin,
        sections: &sections,
        stem,
        procedures: Vec::new(),
        unread: Vec::new(),
    };
    builder.visit(0, &[])?;
    unread.append(&mut builder.unread);
    unread.sort_by_key(|u| u.line);
    let hash = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Runbook {
        title,
        source: origin.to_path_buf(),
        hash,
        procedures: builder.procedures,
        unread,
    })
}
