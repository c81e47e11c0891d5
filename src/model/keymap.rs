//! The sections of a keymap file: the contexts in which keys mean something.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// `[dashboard]`: the panes, palette and help.
    Dashboard,
    /// `[wizard]`: the runbook wizard.
    Wizard,
}

impl Section {
    pub const ALL: &'static [Section] = &[Section::Dashboard, Section::Wizard];

    /// The name of the section in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Section::Dashboard => "dashboard",
            Section::Wizard => "wizard",
        }
    }

    pub fn from_name(name: &str) -> Option<Section> {
        Section::ALL.iter().copied().find(|s| s.name() == name)
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
