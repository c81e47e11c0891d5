//! Loading runbooks for the picker, `opsdeck run RUNBOOK [PROCEDURE]`, and
//! resuming an interrupted incident (refused when the runbook changed).

use std::path::{Path, PathBuf};

use crate::app::wizard as session;
use crate::app::{App, Effect};
use crate::config::{Paths, Profile};
use crate::runbook::{Rules, Runbook, RunbookError, builtin, import};
use crate::wizard::flow::{Setup, Wizard};
use crate::wizard::picker::{Picker, fuzzy};
use crate::wizard::timeline::{self, Entry, Record, TimelineError};

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error(transparent)]
    Runbook(#[from] RunbookError),
    #[error(transparent)]
    Timeline(#[from] TimelineError),
    #[error("no runbook `{spec}`: give a Markdown file or a built-in name ({names})")]
    UnknownRunbook { spec: String, names: String },
    #[error(
        "no procedure matching `{query}` in {runbook}; `opsdeck runbook list {runbook}` shows them"
    )]
    NoProcedure { query: String, runbook: String },
    #[error(
        "incident {id} cannot be resumed: its runbook {origin} has changed since it started (sha256 {then}… then, {now}… now), so its steps may no longer match the timeline; start a new incident with `opsdeck run {origin} \"{procedure}\"`"
    )]
    Changed {
        id: String,
        origin: String,
        procedure: String,
        then: String,
        now: String,
    },
    #[error("incident {id} is completed; read it with `opsdeck timeline export {id}`")]
    Completed { id: String },
    #[error("incident {id}: procedure `{procedure}` is no longer in {origin}")]
    Gone {
        id: String,
        procedure: String,
        origin: String,
    },
}

/// A runbook by built-in name (`rag7`, `builtin:rag7`) or file path. Files are
/// recorded with their absolute path so resuming finds them again.
pub fn import_spec(spec: &str, rules: &Rules) -> Result<Runbook, LaunchError> {
    let path = Path::new(spec);
    if path.is_file() {
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        return Ok(import::import_file_with(&abs, rules)?);
    }
    match builtin::get(spec) {
        Some(b) => Ok(b.import(rules)?),
        None => Err(LaunchError::UnknownRunbook {
            spec: spec.to_string(),
            names: builtin::all()
                .iter()
                .map(|b| b.name)
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The risk rules (built-ins plus the user's file), or the built-ins with the
/// problem reported.
pub fn rules() -> (Rules, Option<String>) {
    match Rules::load_default() {
        Ok(r) => (r, None),
        Err(e) => (
            Rules::builtin(),
            Some(format!("{e}; using the built-in risk rules")),
        ),
    }
}

/// The profile's runbooks, then the built-ins. Files that fail to import are
/// reported and left out.
pub fn load_catalog(profile: &Profile) -> (Vec<Runbook>, Vec<String>, Rules) {
    let (rules, problem) = rules();
    let mut problems: Vec<String> = problem.into_iter().collect();
    let mut out: Vec<Runbook> = Vec::new();
    for p in profile.runbook_paths() {
        match import_spec(&p.display().to_string(), &rules) {
            Ok(rb) => out.push(rb),
            Err(e) => problems.push(e.to_string()),
        }
    }
    for b in builtin::all() {
        match b.import(&rules) {
            Ok(rb) if !out.iter().any(|o| o.hash == rb.hash) => out.push(rb),
            Ok(_) => {}
            Err(e) => problems.push(e.to_string()),
        }
    }
    (out, problems, rules)
}

/// The procedure whose title best matches `query`: a number (1-based), an exact
/// title, or the best fuzzy match.
pub fn find_procedure(runbook: &Runbook, query: &str) -> Option<usize> {
    if let Ok(n) = query.trim().parse::<usize>() {
        return (n >= 1 && n <= runbook.procedures.len()).then(|| n - 1);
    }
    let q = query.trim().to_lowercase();
    if let Some(i) = runbook
        .procedures
        .iter()
        .position(|p| p.title.to_lowercase() == q && p.step_count() > 0)
    {
        return Some(i);
    }
    runbook
        .procedures
        .iter()
        .enumerate()
        .filter(|(_, p)| p.step_count() > 0)
        .filter_map(|(i, p)| fuzzy(query, &p.title).map(|s| (s, i)))
        .max_by_key(|(s, i)| (*s, std::cmp::Reverse(*i)))
        .map(|(_, i)| i)
}

/// What `opsdeck run` opens.
#[derive(Debug)]
pub enum Launch {
    /// A new incident on a procedure, or the picker over one runbook.
    New {
        runbook: Box<Runbook>,
        procedure: Option<usize>,
        rules: Rules,
    },
    Resume {
        id: String,
        runbook: Box<Runbook>,
        procedure: usize,
        records: Vec<Record>,
        rules: Rules,
    },
}

impl Launch {
    pub fn new(spec: &str, procedure: Option<&str>) -> Result<Launch, LaunchError> {
        let (rules, _) = rules();
        let runbook = import_spec(spec, &rules)?;
        let procedure = match procedure {
            Some(q) => {
                Some(
                    find_procedure(&runbook, q).ok_or_else(|| LaunchError::NoProcedure {
                        query: q.to_string(),
                        runbook: spec.to_string(),
                    })?,
                )
            }
            None => None,
        };
        Ok(Launch::New {
            runbook: Box::new(runbook),
            procedure,
            rules,
        })
    }

    /// Checks that incident `id` can be resumed: not completed, and its runbook
    /// unchanged (same hash).
    pub fn resume(id: &str, paths: &Paths) -> Result<Launch, LaunchError> {
        let path = timeline::path_for(&paths.timelines_dir(), id);
        let records = timeline::read(&path)?;
        let Some(Entry::Start {
            source,
            hash,
            procedure,
            ..
        }) = records.first().map(|r| r.entry.clone())
        else {
            return Err(TimelineError::Empty { path }.into());
        };
        if records.iter().any(|r| matches!(r.entry, Entry::End { .. })) {
            return Err(LaunchError::Completed { id: id.to_string() });
        }
        let (rules, _) = rules();
        let runbook = import_spec(&source, &rules)?;
        if runbook.hash != hash {
            return Err(LaunchError::Changed {
                id: id.to_string(),
                origin: source,
                procedure,
                then: hash.chars().take(12).collect(),
                now: runbook.hash.chars().take(12).collect(),
            });
        }
        let index = runbook
            .procedures
            .iter()
            .position(|p| p.title == procedure)
            .ok_or_else(|| LaunchError::Gone {
                id: id.to_string(),
                procedure: procedure.clone(),
                origin: source.clone(),
            })?;
        Ok(Launch::Resume {
            id: id.to_string(),
            runbook: Box::new(runbook),
            procedure: index,
            records,
            rules,
        })
    }

    /// Puts the wizard (or the picker) on the console. Returns the effects
    /// that follow (the timeline's first record among them) for the executor.
    pub fn apply(self, app: &mut App) -> Vec<Effect> {
        let mut effects = Vec::new();
        match self {
            Launch::New {
                runbook,
                procedure,
                rules,
            } => {
                app.wizard.catalog = vec![*runbook];
                app.wizard.catalog_loaded = true;
                app.wizard.rules = Some(rules);
                match procedure {
                    Some(pi) => effects.extend(session::start(app, 0, pi)),
                    None => {
                        let mut picker = Picker::new(&app.wizard.catalog, "");
                        picker.selected = 0;
                        app.wizard.picker = Some(picker);
                        app.wizard.open = true;
                    }
                }
            }
            Launch::Resume {
                id,
                runbook,
                procedure,
                records,
                rules,
            } => {
                let setup = Setup {
                    incident: id.clone(),
                    target: session::target_of(app),
                    platform: session::platform_of(app),
                    rules: rules.clone(),
                    first_run: 1,
                    env_vars: app.env.vars.clone(),
                    now: app.now,
                };
                if let Some((mut wizard, _start)) = Wizard::new(&runbook, procedure, setup) {
                    let entries: Vec<Entry> = records.into_iter().map(|r| r.entry).collect();
                    let requests = wizard.replay(&entries);
                    app.wizard.run = Some(wizard);
                    app.wizard.open = true;
                    effects.extend(session::effects(app, requests));
                }
                app.wizard.catalog = vec![*runbook];
                app.wizard.catalog_loaded = true;
                app.wizard.rules = Some(rules);
            }
        }
        effects
    }
}

/// The private run directory (kubeconfig copies) under the data dir.
pub fn run_dir(paths: &Paths) -> PathBuf {
    paths.data_dir.join("run")
}
