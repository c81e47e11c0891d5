//! Drawing. `draw` is a pure function of the state: no I/O, no locks.

pub mod alerts;
pub mod confirm;
pub mod events;
pub mod format;
pub mod help;
pub mod layout;
pub mod logs;
pub mod overlay;
pub mod palette;
pub mod picker;
pub mod services;
pub mod slo;
pub mod status;
pub mod widgets;
pub mod wizard;
pub mod workloads;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

use crate::app::state::{App, Overlay, Pane};

/// Smallest terminal the dashboard is designed for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, app, area);
        return;
    }
    if app.wizard.is_open() {
        wizard::draw(frame, app, area);
        return;
    }
    let alerts_rows = app
        .alerts
        .configured
        .then(|| alerts::height(app, area.width, area.height.saturating_sub(2)));
    let l = layout::dashboard_with_alerts(area, app.zoom.then_some(app.focus), alerts_rows);
    status::draw_top(frame, app, l.top);
    for (pane, rect) in l.panes {
        let Some(rect) = rect else { continue };
        match pane {
            Pane::Services => services::draw(frame, app, rect),
            Pane::Workloads => workloads::draw(frame, app, rect),
            Pane::Events => events::draw(frame, app, rect),
            Pane::Logs => logs::draw(frame, app, rect),
            Pane::Alerts => alerts::draw(frame, app, rect),
        }
    }
    status::draw_bottom(frame, app, l.bottom);
    match &app.overlay {
        Some(Overlay::Help { scroll }) => help::draw(frame, app, area, *scroll),
        Some(Overlay::Palette(p)) => palette::draw(frame, app, area, p),
        Some(Overlay::Detail {
            title,
            lines,
            scroll,
        }) => overlay::draw_detail(frame, app, area, title, lines, *scroll),
        Some(Overlay::Confirm(c)) => confirm::draw(frame, app, area, c),
        Some(Overlay::Silence(f)) => alerts::draw_form(frame, app, area, f),
        None => {}
    }
}

fn too_small(frame: &mut Frame, app: &App, area: Rect) {
    let msg = format!(
        "terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{})",
        area.width, area.height
    );
    let lines = vec![
        Line::from(Span::styled(msg, app.theme.warn)),
        Line::from(Span::styled(
            "enlarge the window, or press q to quit",
            app.theme.muted,
        )),
    ];
    let y = area.height.saturating_sub(2) / 2;
    let rect = Rect::new(
        area.x,
        area.y + y,
        area.width,
        area.height.saturating_sub(y).min(3),
    );
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .alignment(ratatui::layout::Alignment::Center),
        rect,
    );
}

/// The frame of a pane: number and title, focus colour, and an optional note
/// on the right of the title line (counts, filter, follow state).
pub fn pane_block<'a>(app: &App, pane: Pane, width: u16, note: Line<'a>) -> Block<'a> {
    let focused = app.focus == pane;
    let border = if focused {
        app.theme.border_focus
    } else {
        app.theme.border
    };
    let title_style = if focused {
        app.theme.border_focus
    } else {
        app.theme.title
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Line::from(vec![
            Span::styled(format!(" {} ", pane.number()), app.theme.muted),
            Span::styled(format!("{} ", pane.title()), title_style),
        ]))
        .title(
            fit_note(
                note,
                usize::from(width).saturating_sub(pane.title().len() + 6),
            )
            .right_aligned(),
        )
}

/// Keeps the leading spans of a title note that fit in `room` columns; the
/// pane's own title always stays readable.
fn fit_note(note: Line<'_>, room: usize) -> Line<'_> {
    let mut used = 0;
    let mut kept = Vec::new();
    for span in note.spans {
        let w = span.width();
        if used + w > room {
            if kept.is_empty() && room > 4 {
                let cut = format::truncate(&span.content, room).into_owned();
                kept.push(Span::styled(cut, span.style));
            }
            break;
        }
        used += w;
        kept.push(span);
    }
    Line::from(kept)
}

/// One muted line that says why a pane is empty and what to do about it.
pub fn empty_note<'a>(app: &App, text: impl Into<String>, hint: Option<String>) -> Paragraph<'a> {
    let mut lines = vec![Line::from(Span::styled(text.into(), app.theme.muted))];
    if let Some(h) = hint {
        lines.push(Line::from(Span::styled(h, app.theme.muted)));
    }
    Paragraph::new(lines).wrap(Wrap { trim: true })
}

/// Style of the selected row when its pane has focus, and a quieter one otherwise.
pub fn selection_style(app: &App, pane: Pane) -> Style {
    if app.focus == pane {
        app.theme.selection
    } else {
        app.theme.text.add_modifier(ratatui::style::Modifier::BOLD)
    }
}

/// A line drawn as selected: the selection style on every span, so no span's
/// own colour ends up unreadable on the selection background.
pub fn selected(line: Line<'_>, style: Style) -> Line<'_> {
    let spans = line
        .spans
        .into_iter()
        .map(|s| Span::styled(s.content, style))
        .collect::<Vec<_>>();
    Line::from(spans).style(style)
}
