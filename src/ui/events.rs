//! The Events pane: warnings first, newest first, with counts and ages.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::{age, truncate};
use crate::app::state::{App, Pane};
use crate::model::Platform;

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
    let block = super::pane_block(app, Pane::Events, area.width, Line::from(note));
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
    // Narrow panes give each event two lines so the message stays readable.
    let two_line = width < 60;
    let per = if two_line { 2 } else { 1 };
    let offset = view
        .selected
        .saturating_sub((height / per).saturating_sub(1));
    let obj_w = if width >= 90 { 32 } else { 18 };
    let mut lines = Vec::with_capacity(height);
    for (i, ev) in view.visible().enumerate().skip(offset).take(height / per) {
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
        let message = format!("{}{count}", ev.message);
        let mut row = if two_line {
            let head = format!("{:>4} {mark} {} ", age(app.now, ev.last_seen), ev.reason);
            let obj = ev.object.rsplit('/').next().unwrap_or(&ev.object);
            let rest = width.saturating_sub(head.chars().count());
            vec![
                Line::from(vec![
                    Span::styled(head, style),
                    Span::styled(truncate(obj, rest).into_owned(), t.text),
                ]),
                Line::from(Span::styled(
                    truncate(&format!("       {message}"), width).into_owned(),
                    t.muted,
                )),
            ]
        } else {
            // Every Docker event is about a container: the name alone says which one, and
            // a compose name (PROJECT_SERVICE_1) needs all the room it can get.
            let object = match ev.platform {
                Platform::Docker => ev.object.strip_prefix("container/").unwrap_or(&ev.object),
                Platform::Kubernetes => &ev.object,
            };
            let head = format!(
                "{:>4} {mark} {:<14} {:<obj_w$} ",
                age(app.now, ev.last_seen),
                truncate(&ev.reason, 14),
                truncate(object, obj_w)
            );
            let rest = width.saturating_sub(head.chars().count());
            vec![Line::from(vec![
                Span::styled(head, style),
                Span::styled(truncate(&message, rest).into_owned(), t.text),
            ])]
        };
        if i == view.selected && app.focus == Pane::Events {
            let sel = super::selection_style(app, Pane::Events);
            row = row.into_iter().map(|l| super::selected(l, sel)).collect();
        }
        lines.extend(row);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
