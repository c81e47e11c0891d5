//! The wizard's effects, carried out for the runtime's executor: loading the
//! catalog, starting and stopping commands, appending to the timeline. Results
//! come back as messages; nothing here writes the state.

use tokio::sync::mpsc;

use crate::app::msg::Catalog;
use crate::app::{App, Effect, Msg};
use crate::config::Paths;
use crate::handover::Handover;
use crate::launch;
use crate::wizard::exec::{self, RunEnv};
use crate::wizard::flow::RunEvent;
use crate::wizard::timeline;

/// Carries out a wizard effect; what it finds out at once is returned, the
/// rest (the catalog, a command's progress) arrives through `tx`.
/// A command that needs the terminal is left in `handover` for the loop.
pub fn apply(
    effect: Effect,
    app: &App,
    paths: &Paths,
    tx: &mpsc::Sender<Msg>,
    handover: &mut Option<Handover>,
) -> Vec<Msg> {
    match effect {
        Effect::WizardCatalog { query, suggested } => {
            load_catalog(app, tx, query, suggested, None);
            Vec::new()
        }
        Effect::AlertProcedure { alert } => {
            load_catalog(app, tx, String::new(), false, Some(alert));
            Vec::new()
        }
        Effect::WizardRun(mut spec) => {
            let run = spec.run;
            // Write-ahead: the confirmation is on disk (fsynced) before the
            // child exists; if it cannot be written, nothing runs.
            if let Some(entry) = spec.ahead.take() {
                let written = match &app.wizard.run {
                    Some(w) => write_timeline(&w.incident, entry, paths, &app.who)
                        .map_err(|e| e.to_string()),
                    None => Err("no incident is open".to_string()),
                };
                if let Err(e) = written {
                    tracing::error!("{e}");
                    return vec![Msg::Wizard(RunEvent::Finished {
                        run,
                        exit_code: None,
                        signal: None,
                        timed_out: false,
                        error: Some(format!(
                            "not started, the timeline could not record it: {e}"
                        )),
                    })];
                }
            }
            match RunEnv::for_profile(
                &app.profile,
                app.kube.context.as_deref(),
                &launch::run_dir(paths),
            ) {
                Ok(env) if spec.terminal => {
                    if handover.is_some() {
                        return vec![Msg::Wizard(RunEvent::Finished {
                            run,
                            exit_code: None,
                            signal: None,
                            timed_out: false,
                            error: Some("another command has the terminal".into()),
                        })];
                    }
                    *handover = Some(Handover { spec, env });
                    Vec::new()
                }
                Ok(env) => {
                    tokio::spawn(exec::run(spec, env, tx.clone(), Msg::Wizard));
                    Vec::new()
                }
                Err(e) => vec![Msg::Wizard(RunEvent::Finished {
                    run,
                    exit_code: None,
                    signal: None,
                    timed_out: false,
                    error: Some(e.to_string()),
                })],
            }
        }
        // On the way out there is no later: wait for the group to end.
        Effect::WizardKill { pgid } if app.quit => {
            exec::end_group(pgid);
            Vec::new()
        }
        Effect::WizardKill { pgid } => {
            exec::kill_group(pgid);
            Vec::new()
        }
        Effect::TimelineAppend { incident, entry } => {
            match write_timeline(&incident, entry, paths, &app.who) {
                Ok(()) => Vec::new(),
                Err(e) => {
                    tracing::error!("{e}");
                    vec![Msg::Notice(e.to_string())]
                }
            }
        }
        // The runtime hands only the wizard's effects here.
        other => {
            tracing::error!(?other, "not a wizard effect");
            Vec::new()
        }
    }
}

/// A record for the timeline, stamped when it is written, by `who` (read
/// once at start).
pub fn stamp(entry: timeline::Entry, who: &timeline::Who) -> timeline::Record {
    timeline::Record {
        at: jiff::Timestamp::now(),
        who: who.clone(),
        entry,
    }
}

/// Appends `entry` to `incident`'s timeline, stamped now.
pub fn write_timeline(
    incident: &str,
    entry: timeline::Entry,
    paths: &Paths,
    who: &timeline::Who,
) -> Result<(), timeline::TimelineError> {
    let path = timeline::path_for(&paths.timelines_dir(), incident);
    timeline::append(&path, &stamp(entry, who))
}

/// Reads and classifies every runbook off the UI thread; the catalog comes back as
/// `CatalogLoaded`, with the picker's query or the alert whose procedure to open.
fn load_catalog(
    app: &App,
    tx: &mpsc::Sender<Msg>,
    query: String,
    suggested: bool,
    alert: Option<String>,
) {
    let profile = app.profile.clone();
    let tx = tx.clone();
    // Reading and classifying every runbook takes a while: off the UI thread.
    tokio::spawn(async move {
        let loaded = tokio::task::spawn_blocking(move || launch::load_catalog(&profile)).await;
        let msg = match loaded {
            Ok((runbooks, problems, rules)) => Msg::CatalogLoaded(Box::new(Catalog {
                runbooks,
                problems,
                rules,
                query,
                suggested,
                alert,
            })),
            Err(e) => Msg::Notice(format!("the runbook catalog did not load: {e}")),
        };
        let _ = tx.send(msg).await;
    });
}
