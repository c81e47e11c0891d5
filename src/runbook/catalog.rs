//! Catalogs: a directory of runbooks, such as one Markdown file per alert. Every
//! `.md` file under it is imported (front matter skipped), and a procedure can be
//! found by the alert it answers.

use std::path::{Path, PathBuf};

use super::error::RunbookError;
use super::import;
use super::model::{Procedure, Runbook};
use super::risk::Rules;

/// Every `.md` file under `dir`, sorted by path (hidden entries skipped, links to
/// folders not followed).
pub fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>, RunbookError> {
    crate::config::profile::runbook_files(dir).map_err(|err| RunbookError::Read {
        path: dir.to_path_buf(),
        reason: format!("{err}; check the folder"),
    })
}

/// Runbooks imported from files and folders, with what failed.
#[derive(Debug, Default)]
pub struct Catalog {
    pub runbooks: Vec<Runbook>,
    /// Files that could not be imported; the others are still in `runbooks`.
    pub problems: Vec<RunbookError>,
}

impl Catalog {
    /// Imports every file of `paths`, folders expanded.
    pub fn load(paths: &[PathBuf], rules: &Rules) -> Catalog {
        let mut catalog = Catalog::default();
        for path in paths {
            let files = if path.is_dir() {
                match markdown_files(path) {
                    Ok(files) => files,
                    Err(err) => {
                        catalog.problems.push(err);
                        continue;
                    }
                }
            } else {
                vec![path.clone()]
            };
            for file in files {
                match import::import_file_with(&file, rules) {
                    Ok(runbook) => catalog.runbooks.push(runbook),
                    Err(err) => catalog.problems.push(err),
                }
            }
        }
        catalog
    }

    /// The procedure that answers `alert`; see [`find_by_alert`].
    pub fn by_alert(&self, alert: &str) -> Option<Found<'_>> {
        find_by_alert(&self.runbooks, alert)
    }
}

/// A procedure and the runbook it is in.
#[derive(Debug, Clone, Copy)]
pub struct Found<'r> {
    pub runbook: &'r Runbook,
    /// Index of the procedure in `runbook.procedures`.
    pub index: usize,
    pub procedure: &'r Procedure,
}

/// The first procedure, in catalog order, that names `alert` among its alerts;
/// failing that, one that names it in another case, or is titled after it.
pub fn find_by_alert<'r>(runbooks: &'r [Runbook], alert: &str) -> Option<Found<'r>> {
    let alert = alert.trim();
    if alert.is_empty() {
        return None;
    }
    let matchers: [&dyn Fn(&Procedure) -> bool; 3] = [
        &|p| p.alerts.iter().any(|a| a == alert),
        &|p| p.alerts.iter().any(|a| a.eq_ignore_ascii_case(alert)),
        &|p| p.title.trim().eq_ignore_ascii_case(alert),
    ];
    matchers.iter().find_map(|matches| {
        runbooks.iter().find_map(|runbook| {
            runbook
                .procedures
                .iter()
                .position(matches)
                .map(|index| Found {
                    runbook,
                    index,
                    procedure: &runbook.procedures[index],
                })
        })
    })
}
