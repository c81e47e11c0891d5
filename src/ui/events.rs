//! The Events pane: warnings first, newest first, with counts and ages.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::{age, truncate};
use crate::app::state::{App, Pane};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let view = &app.events;
    let mut note = Vec::new();
    if let Some(scope) = &view.scope {
        note.push(Span::styled(format!(" only {scope} "), t.accent));
    }
    if let Some(f) = &view.filter {
        note.push(Span::styled(format!(" /{} ", f.text), t.accent));
    }
    let warnings = view.warnings();
    if warnings > 0 {
        note.push(Span::styled(format!(" {warnings} warnings "), t.warn));
    }
    let block = super::pane_block(app, Pane::Events, Line::from(note));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if !app.has_workload_sources() {
        frame.render_widget(
            super::empty_note(
                app,
                "Events come from Kubernetes or Docker; this profile has neither.",
                None,
            ),
            inner,
        );
        return;
    }
    if view.is_empty() {
        frame.render_widget(super::empty_note(app, "No events yet.", None), inner);
        return;
    }
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    let offset = view.selected.saturating_sub(height.saturating_sub(1));
    let obj_w = if width >= 90 { 32 } else { 18 };
    let mut lines = Vec::with_capacity(height);
    for (i, ev) in view.visible().enumerate().skip(offset).take(height) {
        let (mark, style) = if ev.warning {
            ("⚠", t.warn)
        } else {
            (" ", t.muted)
        };
        let count = if ev.count > 1 {
            format!(" ×{}", ev.count)
        } else {
            String::new()
        };
        let head = format!(
            "{:>4} {mark} {:<14} {:<obj_w$} ",
            age(app.now, ev.last_seen),
            truncate(&ev.reason, 14),
            truncate(&ev.object, obj_w)
        );
        let rest = width.saturating_sub(head.chars().count());
        let mut line = Line::from(vec![
            Span::styled(head, style),
            Span::styled(truncate(&format!("{}{count}", ev.message), rest).into_owned(), t.text),
        ]);
        if i == view.selected && app.focus == Pane::Events {
            line = super::selected(line, super::selection_style(app, Pane::Events));
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
