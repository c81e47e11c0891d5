//! Carrying out the wizard's effects in the console's runtime: loading the
//! catalog, starting and stopping commands, appending to the timeline.

use tokio::sync::mpsc;

use crate::app::wizard as session;
use crate::app::{App, Effect, Msg};
use crate::config::Paths;
use crate::launch;
use crate::wizard::exec::{self, RunEnv};
use crate::wizard::flow::RunEvent;
use crate::wizard::timeline;

pub fn apply(effect: Effect, app: &mut App, paths: &Paths, tx: &mpsc::Sender<Msg>) {
    app.dirty = true;
    match effect {
        Effect::WizardCatalog { query, suggested } => {
            let (catalog, problems, rules) = launch::load_catalog(&app.profile);
            app.wizard.catalog = catalog;
            app.wizard.catalog_problems = problems;
            app.wizard.rules = Some(rules);
            app.wizard.catalog_loaded = true;
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
