//! Keys in a scrollable overlay (help, detail).

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::model::Action;
use crate::model::Section;

/// Keys in a scrollable overlay. `None` closes it.
pub(super) fn on_scroll_key(
    key: KeyEvent,
    scroll: u16,
    keymap: &crate::input::Keymap,
    toggle: Action,
) -> Option<u16> {
    let action = keymap.action(Section::Dashboard, &key);
    if key.code == KeyCode::Esc
        || matches!(action, Some(Action::Quit | Action::Back))
        || action == Some(toggle)
    {
        return None;
    }
    Some(match action {
        Some(Action::Up) => scroll.saturating_sub(1),
        Some(Action::Down) => scroll.saturating_add(1),
        Some(Action::PageUp) => scroll.saturating_sub(10),
        Some(Action::PageDown) => scroll.saturating_add(10),
        Some(Action::Top) => 0,
        _ => scroll,
    })
}
