//! Carrying out the wizard's effects in the console's runtime: loading the
//! catalog, starting and stopping commands, appending to the timeline.

use tokio::sync::mpsc;

use super::exec::{self, RunEnv};
use super::flow::RunEvent;
use super::{launch, session, timeline};
use crate::app::{App, Effect, Msg};
use crate::config::Paths;

fn load_catalog(app: &mut App) {
    let (catalog, problems, rules) = launch::load_catalog(&app.profile);
    app.wizard.catalog = catalog;
    app.wizard.catalog_problems = problems;
    app.wizard.rules = Some(rules);
    app.wizard.catalog_loaded = true;
}

pub fn apply(effect: Effect, app: &mut App, paths: &Paths, tx: &mpsc::Sender<Msg>) {
    app.dirty = true;
    match effect {
        Effect::AlertProcedure { alert } => {
            load_catalog(app);
            for e in crate::app::alerts::open_procedure(app, &alert) {
                apply(e, app, paths, tx);
            }
        }
        Effect::WizardCatalog { query, suggested } => {
            load_catalog(app);
            for e in session::open(app, &query, suggested) {
                // Opening only ever asks for wizard effects; anything else is ignored.
                if !matches!(e, Effect::WizardCatalog { .. }) {
                    apply(e, app, paths, tx);
                }
            }
        }
        Effect::WizardRun(spec) => {
            let run = spec.run;
            match RunEnv::for_profile(
                &app.profile,
                app.kube.context.as_deref(),
                &launch::run_dir(paths),
            ) {
                Ok(env) => {
                    tokio::spawn(exec::run(spec, env, tx.clone(), Msg::Wizard));
                }
                Err(e) => {
                    let finished = RunEvent::Finished {
                        run,
                        exit_code: None,
                        signal: None,
                        timed_out: false,
                        error: Some(e.to_string()),
                    };
                    for e in session::on_run_event(app, finished) {
                        apply(e, app, paths, tx);
                    }
                }
            }
        }
        Effect::WizardKill { pgid } => exec::kill_group(pgid),
        Effect::TimelineAppend { incident, entry } => {
            let path = timeline::path_for(&paths.timelines_dir(), &incident);
            if let Err(e) = timeline::append(&path, &session::stamp(entry)) {
                tracing::error!("{e}");
                app.flash = Some(e.to_string());
            }
        }
        _ => {}
    }
}
