//! The one way out. Every exit (`q` and `:q` on the dashboard or in the
//! wizard, the palette, SIGTERM, SIGHUP, SIGINT, the terminal closing) and
//! every profile switch goes through here: the running command's process
//! group is ended, the timeline gets `interrupted` with the step, and the
//! runtime then restores the terminal.

use super::session;
use crate::app::{App, Effect};

/// Leaves opsdeck: the open incident is interrupted (its command's group
/// ended, `interrupted` recorded), then the console quits.
pub fn quit(app: &mut App, why: &str) -> Vec<Effect> {
    let mut out = end_incident(app, why);
    app.quit = true;
    out.push(Effect::Quit);
    out
}

/// Ends the open incident here (it stays resumable): stops its command and
/// records why. Nothing when no incident is open.
pub fn end_incident(app: &mut App, why: &str) -> Vec<Effect> {
    session::on_terminate(app, why)
}

/// Whether switching away would end an incident that is still going.
pub fn incident_open(app: &App) -> bool {
    app.wizard
        .run
        .as_ref()
        .is_some_and(|w| !w.completed || w.running.is_some())
}
