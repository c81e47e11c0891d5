//! Everything the operator can ask for. Keymap files name these directly.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Palette,
    FocusNext,
    FocusPrev,
    FocusServices,
    FocusWorkloads,
    FocusEvents,
    FocusLogs,
    FocusAlerts,
    Zoom,
    Filter,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Select,
    Refresh,
    Describe,
    Follow,
    Timestamps,
    Wrap,
    PreviousLogs,
    OwnerLogs,
    SaveLogs,
    SortNext,
    SortReverse,
    GroupToggle,
    EventsScope,
    Runbook,
    Restart,
    // Wizard keys ([wizard] section of keymap files).
    RunStep,
    Confirm,
    Skip,
    Note,
    Edit,
    Preview,
    Kill,
    SwitchVariant,
    AutoRun,
    Tick,
    SetTimeout,
    Reveal,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Quit,
        Action::Help,
        Action::Palette,
        Action::FocusNext,
        Action::FocusPrev,
        Action::FocusServices,
        Action::FocusWorkloads,
        Action::FocusEvents,
        Action::FocusLogs,
        Action::FocusAlerts,
        Action::Zoom,
        Action::Filter,
        Action::Back,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Select,
        Action::Refresh,
        Action::Describe,
        Action::Follow,
        Action::Timestamps,
        Action::Wrap,
        Action::PreviousLogs,
        Action::OwnerLogs,
        Action::SaveLogs,
        Action::SortNext,
        Action::SortReverse,
        Action::GroupToggle,
        Action::EventsScope,
        Action::Runbook,
        Action::Restart,
    ];

    /// Actions of the `[wizard]` keymap section (besides moving and leaving).
    pub const WIZARD: &'static [Action] = &[
        Action::RunStep,
        Action::Confirm,
        Action::Skip,
        Action::Note,
        Action::Edit,
        Action::Preview,
        Action::Kill,
        Action::SwitchVariant,
        Action::AutoRun,
        Action::Tick,
        Action::SetTimeout,
        Action::Reveal,
    ];

    /// The name used in keymap files.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    pub fn from_name(name: &str) -> Option<Action> {
        serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
    }
}
