//! Messages into `App::update`, and effects out of it.

use ratatui::crossterm::event::KeyEvent;

use crate::model::HealthResult;
use crate::model::{LogLine, SourceUpdate, StreamId};

#[derive(Debug, Clone)]
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
    /// `:theme NAME` was read: the theme, or why it was not changed.
    ThemeLoaded(Result<crate::theme::Theme, String>),
    /// `:profile NAME` was read: the profile, or why it was not changed.
    ProfileLoaded(Result<Box<crate::config::Profile>, String>),
    /// The runbook catalog was loaded (off the UI thread) for the picker.
    CatalogLoaded(Box<Catalog>),
    /// Saved log lines were written (or not) to a file.
    LogsSaved {
        path: std::path::PathBuf,
        lines: usize,
        error: Option<String>,
    },
    /// A log stream could not be followed; the Logs pane says why.
    LogsFailed(String),
    /// The Kubernetes source connected with this context (the kubeconfig's
    /// current one when the profile names none).
    KubeContextKnown(String),
}

/// The runbook catalog, and what asked for it.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub runbooks: Vec<crate::runbook::Runbook>,
    /// Runbook files that could not be imported.
    pub problems: Vec<String>,
    pub rules: crate::runbook::Rules,
    /// The picker's query, and whether to open the suggestion directly.
    pub query: String,
    pub suggested: bool,
    /// Open the procedure answering this alert instead of the picker.
    pub alert: Option<String>,
}

/// What `update` asks the runtime to do; `update` itself does no I/O.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    RefreshChecks,
    /// Load a profile by name or path (the result comes back as `ProfileLoaded`).
    SwitchProfile(String),
    /// Stop the sources and start them on the state's profile and target.
    RestartSources,
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
