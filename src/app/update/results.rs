//! What the effects found out, folded into the state: a theme or profile read,
//! the runbook catalog loaded, logs saved.

use std::path::Path;

use crate::app::msg::{Catalog, Effect};
use crate::app::state::App;
use crate::config::Profile;
use crate::theme::Theme;

impl App {
    pub(super) fn on_theme_loaded(&mut self, result: Result<Theme, String>) -> Vec<Effect> {
        match result {
            Ok(theme) => {
                self.flash = Some(format!("theme: {}", theme.name));
                self.theme = theme;
            }
            Err(e) => self.flash = Some(format!("theme not changed: {e}")),
        }
        self.dirty = true;
        Vec::new()
    }

    /// A new profile: a fresh state for it, keeping what belongs to the
    /// session (theme, keys, `--readonly`, completions, the terminal size),
    /// and the sources restarted on it.
    pub(super) fn on_profile_loaded(
        &mut self,
        result: Result<Box<Profile>, String>,
    ) -> Vec<Effect> {
        self.dirty = true;
        let profile = match result {
            Ok(profile) => *profile,
            Err(e) => {
                self.flash = Some(format!("profile not changed: {e}"));
                return Vec::new();
            }
        };
        let readonly_session = self.readonly_session;
        let name = profile.name.clone();
        let mut next = App::with_env(
            self.env.clone(),
            self.who.clone(),
            self.now,
            profile,
            self.theme.clone(),
            self.keymap.clone(),
            readonly_session,
        );
        next.completions = std::mem::take(&mut self.completions);
        next.size = self.size;
        next.tz = self.tz.clone();
        next.flash = Some(if readonly_session {
            format!("profile: {name} (read-only: --readonly holds for the session)")
        } else {
            format!("profile: {name}")
        });
        *self = next;
        vec![Effect::RestartSources]
    }

    pub(super) fn on_catalog_loaded(&mut self, catalog: Catalog) -> Vec<Effect> {
        self.wizard.catalog = catalog.runbooks;
        self.wizard.catalog_problems = catalog.problems;
        self.wizard.rules = Some(catalog.rules);
        self.wizard.catalog_loaded = true;
        self.dirty = true;
        match &catalog.alert {
            Some(alert) => super::super::alerts::open_procedure(self, alert),
            None => super::super::wizard::open(self, &catalog.query, catalog.suggested),
        }
    }

    pub(super) fn on_logs_saved(
        &mut self,
        path: &Path,
        lines: usize,
        error: Option<String>,
    ) -> Vec<Effect> {
        self.flash = Some(match error {
            None => format!("saved {lines} lines to {}", path.display()),
            Some(e) => format!("cannot save logs to {}: {e}", path.display()),
        });
        self.dirty = true;
        Vec::new()
    }
}
