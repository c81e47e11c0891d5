//! Messages into `App::update`, and effects out of it.

use ratatui::crossterm::event::KeyEvent;

use super::model::{LogLine, SourceUpdate, StreamId};
use crate::sources::health::HealthResult;

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    Health(HealthResult),
    Source(SourceUpdate),
    /// A poll of Prometheus (and Alertmanager), from the alerts source.
    Alerts(super::alerts::AlertsMsg),
    /// The terminal went away (SIGHUP) or we were asked to stop (SIGTERM).
    Terminate(&'static str),
    /// Something the runtime wants the operator to see in the status line.
    Notice(String),
    /// A wizard command's progress, from the executor.
    Wizard(crate::wizard::RunEvent),
}

/// What `update` asks the runtime to do; `update` itself does no I/O.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    RefreshChecks,
    /// Load a profile by name or path and restart the sources on it.
    SwitchProfile(String),
    SwitchTheme(String),
    SwitchNamespaces(Vec<String>),
    SwitchContext(String),
    /// Start streaming logs (replacing the current stream).
    FollowLogs {
        stream: StreamId,
        previous: bool,
    },
    /// Merge the logs of every pod of a deployment or statefulset.
    FollowOwnerLogs {
        namespace: String,
        owner: String,
    },
    StopLogs,
    /// Ask the source for a full description of a pod (arrives as a `Detail`).
    Describe {
        namespace: String,
        name: String,
    },
    SaveLogs {
        name: String,
        lines: Vec<LogLine>,
    },
    /// A confirmed action: run it and report the result as a `Notice`.
    RunAction(super::confirm::PendingAction),
    /// Load the runbook catalog, then open the picker (or the suggestion).
    WizardCatalog {
        query: String,
        suggested: bool,
    },
    /// Load the runbook catalog, then open the procedure answering an alert.
    AlertProcedure {
        alert: String,
    },
    /// Run a wizard command in the operator's shell.
    WizardRun(crate::wizard::RunSpec),
    /// Stop a wizard command's process group.
    WizardKill {
        pgid: i32,
    },
    /// Append to an incident's timeline (flushed before anything else happens).
    TimelineAppend {
        incident: String,
        entry: crate::wizard::Entry,
    },
}
