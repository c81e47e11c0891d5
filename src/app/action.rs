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
