//! The Services pane: the morning health check, live.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::{sparkline, truncate};
use crate::app::state::{App, Pane};
use crate::model::Severity;

/// Marker and word per state: the word carries the meaning without colour.
fn marker(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Ok => ("●", "ok  "),
        Severity::Crit => ("✖", "FAIL"),
        Severity::Warn => ("▲", "WARN"),
        Severity::Unknown => ("○", "…   "),
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let total = app.services.len();
    let healthy = app
        .services
        .iter()
        .filter(|s| s.severity() == Severity::Ok)
        .count();
    let failing = app
        .services
        .iter()
        .filter(|s| s.severity() == Severity::Crit)
        .count();
    let note = if total == 0 {
        Line::default()
    } else if failing > 0 {
        Line::from(Span::styled(format!(" {failing} failing "), t.crit))
    } else {
        Line::from(Span::styled(format!(" {healthy}/{total} ok "), t.ok))
    };
    let block = super::pane_block(app, Pane::Services, area.width, note);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if total == 0 {
        frame.render_widget(
            super::empty_note(
                app,
                format!("No services in profile `{}`.", app.profile.name),
                Some("Add [[services]] with checks to the profile (README › Profiles).".into()),
            ),
            inner,
        );
        return;
    }
    let width = usize::from(inner.width);
    // Narrow panes keep what matters at 3 a.m.: the state and the reason.
    let wide = width >= 56;
    let name_w = app
        .services
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(6, 20)
        .min(width / 2);
    let spark_w = if width >= 80 {
        16
    } else if wide {
        8
    } else {
        0
    };
    let height = usize::from(inner.height);
    // Services are few; lay them all out, then scroll so the selection shows.
    let mut lines: Vec<Line> = Vec::with_capacity(app.services.len() * 2);
    let mut selected_at = (0, 1);
    for (i, row) in app.services.iter().enumerate() {
        let sev = row.severity();
        let (mark, word) = marker(sev);
        let style = t.severity(sev);
        let failing = sev == Severity::Crit;
        let latency = match row.latency_ms() {
            Some(ms) if !failing => format!("{ms:>4}ms"),
            _ => "      ".to_string(),
        };
        let mut spans = vec![
            Span::styled(format!("{mark} "), style),
            Span::styled(format!("{:<name_w$} ", truncate(&row.name, name_w)), t.text),
        ];
        let mut used = 2 + name_w + 1;
        if wide {
            spans.push(Span::styled(format!("{word} "), style));
            used += 5;
        }
        if !failing || wide {
            spans.push(Span::styled(format!("{latency} "), t.muted));
            used += latency.len() + 1;
        }
        if spark_w > 0 {
            let mut spark = String::new();
            if let Some(c) = row.checks.first() {
                sparkline(c.history.iter().copied(), spark_w, &mut spark);
            }
            spans.push(Span::styled(format!("{spark:<spark_w$} "), t.accent));
            used += spark_w + 1;
        }
        let detail = row.summary();
        // Narrow: a failure's reason gets a line of its own rather than being cut.
        let mut row_lines = if failing && !wide {
            vec![
                Line::from(spans),
                Line::from(Span::styled(
                    truncate(&format!("  {detail}"), width).into_owned(),
                    t.crit,
                )),
            ]
        } else {
            spans.push(Span::styled(
                truncate(&detail, width.saturating_sub(used)).into_owned(),
                if failing { t.crit } else { t.muted },
            ));
            vec![Line::from(spans)]
        };
        if i == app.services_selected {
            selected_at = (lines.len(), row_lines.len());
            if app.focus == Pane::Services {
                let sel = super::selection_style(app, Pane::Services);
                row_lines = row_lines
                    .into_iter()
                    .map(|l| super::selected(l, sel))
                    .collect();
            }
        }
        lines.extend(row_lines);
    }
    let offset = (selected_at.0 + selected_at.1).saturating_sub(height);
    let lines: Vec<Line> = lines.into_iter().skip(offset).take(height).collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
