//! The command palette: editing, completing, and running `:` commands.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::confirm::{Confirm, PendingAction, Tier};
use crate::app::msg::Effect;
use crate::app::palette::{self, Palette, PaletteCommand};
use crate::app::state::{App, Overlay};
use crate::model::{Platform, SourceState};

impl App {
    pub(super) fn on_palette_key(&mut self, key: KeyEvent, mut p: Palette) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Enter => {
                return match palette::parse(&p.input) {
                    Ok(cmd) => self.run_palette(cmd),
                    Err(e) => {
                        p.error = Some(e);
                        self.overlay = Some(Overlay::Palette(p));
                        Vec::new()
                    }
                };
            }
            KeyCode::Tab => {
                if let Some(c) = p.candidates.get(p.selected) {
                    p.input = palette::complete(&p.input, c);
                }
            }
            KeyCode::Up => p.selected = p.selected.saturating_sub(1),
            KeyCode::Down => {
                p.selected = (p.selected + 1).min(p.candidates.len().saturating_sub(1));
            }
            KeyCode::Backspace => {
                if p.input.is_empty() {
                    return Vec::new();
                }
                p.input.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => p.input.clear(),
            KeyCode::Char(c) => p.input.push(c),
            _ => {}
        }
        if !matches!(key.code, KeyCode::Up | KeyCode::Down) {
            p.candidates = palette::candidates(&p.input, &self.completions);
            p.selected = 0;
            p.error = None;
        }
        self.overlay = Some(Overlay::Palette(p));
        Vec::new()
    }

    pub(super) fn run_palette(&mut self, cmd: PaletteCommand) -> Vec<Effect> {
        match cmd {
            PaletteCommand::Quit => crate::app::quit::quit(self, "quit"),
            PaletteCommand::Help => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                Vec::new()
            }
            PaletteCommand::Theme(name) => vec![Effect::SwitchTheme(name)],
            PaletteCommand::Profile(name) if crate::app::quit::incident_open(self) => {
                let incident = self
                    .wizard
                    .run
                    .as_ref()
                    .map(|w| w.incident.clone())
                    .unwrap_or_default();
                self.overlay = Some(Overlay::Confirm(Confirm {
                    title: format!("Switch to profile {name}?"),
                    command: format!(":profile {name}"),
                    target: format!("incident {incident}"),
                    platform: Platform::Kubernetes,
                    tier: Tier::Mutating,
                    why: format!(
                        "ends the open incident here: its running command is stopped and `interrupted` recorded; resume it with `opsdeck run --resume {incident}`"
                    ),
                    expected: None,
                    typed: String::new(),
                    on_confirm: false,
                    action: PendingAction::SwitchProfile { spec: name },
                }));
                Vec::new()
            }
            PaletteCommand::Profile(name) => vec![Effect::SwitchProfile(name)],
            PaletteCommand::Namespaces(list) => {
                let all = list.iter().any(|n| n == "all" || n == "*");
                self.kube.namespaces = if all { Vec::new() } else { list };
                self.flash = Some(if all {
                    "namespaces: all".into()
                } else {
                    format!("namespaces: {}", self.kube.namespaces.join(", "))
                });
                if !self.restart_kube_scope() {
                    return Vec::new();
                }
                vec![Effect::SwitchNamespaces(self.kube.namespaces.clone())]
            }
            PaletteCommand::Context(ctx) => {
                self.kube.context = Some(ctx.clone());
                self.flash = Some(format!("context: {ctx}"));
                if !self.restart_kube_scope() {
                    return Vec::new();
                }
                vec![Effect::SwitchContext(ctx)]
            }
            PaletteCommand::Runbook(query) => crate::app::wizard::open(self, &query, false),
        }
    }

    /// Clears what the old Kubernetes scope showed (its rows and events would
    /// mislead) before the source restarts on the new one. `false` when the
    /// profile has no Kubernetes source to restart.
    fn restart_kube_scope(&mut self) -> bool {
        if self.profile.kubernetes.is_none() {
            self.flash = Some("this profile has no [kubernetes] section".into());
            return false;
        }
        self.workloads.replace(Platform::Kubernetes, Vec::new());
        self.workloads
            .states
            .insert(Platform::Kubernetes, SourceState::Connecting);
        self.events.clear_platform(Platform::Kubernetes);
        self.workloads.nodes_line = None;
        true
    }
}
