//! The focused pane's filter, typed in place: it applies as you type.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::logs::LogFilter;
use crate::app::msg::Effect;
use crate::app::state::{App, Pane};

impl App {
    pub(super) fn clear_filter(&mut self, pane: Pane) {
        match pane {
            Pane::Workloads => self.workloads.set_filter(None),
            Pane::Events => self.events.filter = None,
            Pane::Logs => self.logs.filter = None,
            Pane::Services | Pane::Alerts => {}
        }
    }

    pub(super) fn on_filter_key(&mut self, key: KeyEvent, pane: Pane) -> Vec<Effect> {
        let Some(edit) = self.filter_edit.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {
                self.filter_edit = None;
                self.clear_filter(pane);
                return Vec::new();
            }
            KeyCode::Enter => {
                self.filter_edit = None;
                return Vec::new();
            }
            KeyCode::Backspace => {
                edit.text.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                edit.text.clear()
            }
            KeyCode::Char(c) => edit.text.push(c),
            _ => return Vec::new(),
        }
        // Filters apply as you type.
        let text = edit.text.clone();
        match pane {
            Pane::Workloads => self.workloads.set_filter(Some(text)),
            Pane::Events => {
                self.events.filter = (!text.is_empty()).then(|| LogFilter::new(&text));
            }
            Pane::Logs => self.logs.filter = (!text.is_empty()).then(|| LogFilter::new(&text)),
            Pane::Services | Pane::Alerts => {}
        }
        Vec::new()
    }
}
