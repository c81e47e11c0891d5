//! The procedure picker: filter, suggestion, the list and the chosen procedure's symptoms.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::format::truncate;
use super::wizard::{footer, header};
use crate::app::state::App;
use crate::wizard::Picker;

pub fn draw_picker(frame: &mut Frame, app: &App, area: Rect, p: &Picker) {
    let t = &app.theme;
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Min(4),
        Constraint::Length(5),
        Constraint::Length(1),
    ])
    .split(area);
    header(frame, app, rows[0], " Runbooks: pick a procedure");
    let mut top = vec![Line::from(vec![
        Span::styled("> ", t.accent),
        Span::styled(format!("{}█", p.query), t.text),
    ])];
    match (&p.reason, p.suggested) {
        (Some(reason), Some((ri, pi))) => {
            let title = app
                .wizard
                .catalog
                .get(ri)
                .and_then(|r| r.procedures.get(pi))
                .map(|p| p.title.clone())
                .unwrap_or_default();
            top.push(Line::from(vec![
                Span::styled("Suggested: ", t.warn),
                Span::styled(format!("{title} — {reason}"), t.text),
            ]));
        }
        _ => top.push(Line::from(Span::styled(
            "Type to filter by title, symptom or alert name.",
            t.muted,
        ))),
    }
    let block = Block::default()
        .borders(Borders::BOTTOM)
        .border_style(t.border);
    frame.render_widget(Paragraph::new(top).block(block), rows[1]);
    let h = usize::from(rows[2].height);
    let offset = p.selected.saturating_sub(h.saturating_sub(1));
    let width = usize::from(rows[2].width);
    let mut lines = Vec::new();
    for (i, m) in p.matches.iter().enumerate().skip(offset).take(h) {
        let Some(rb) = app.wizard.catalog.get(m.runbook) else {
            continue;
        };
        let Some(proc_) = rb.procedures.get(m.procedure) else {
            continue;
        };
        let mark = if p.suggested == Some((m.runbook, m.procedure)) {
            "★ "
        } else {
            "  "
        };
        let origin = rb.source.display().to_string();
        let right = format!("{} steps · {}", proc_.step_count(), origin);
        let left_w = width.saturating_sub(right.chars().count() + 4);
        let line = Line::from(vec![
            Span::styled(mark, t.warn),
            Span::styled(
                format!("{:<left_w$}", truncate(&proc_.title, left_w)),
                t.text,
            ),
            Span::styled(format!(" {right}"), t.muted),
        ]);
        lines.push(if i == p.selected {
            super::selected(line, t.selection)
        } else {
            line
        });
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "No procedure matches. Backspace widens the search.",
            t.muted,
        )));
    }
    frame.render_widget(Paragraph::new(lines), rows[2]);
    let mut detail = Vec::new();
    if let Some(proc_) = p.chosen().and_then(|m| {
        app.wizard
            .catalog
            .get(m.runbook)?
            .procedures
            .get(m.procedure)
    }) {
        if !proc_.alerts.is_empty() {
            detail.push(Line::from(vec![
                Span::styled("Alerts: ", t.muted),
                Span::styled(proc_.alerts.join(", "), t.text),
            ]));
        }
        for s in proc_.symptoms.iter().take(3) {
            detail.push(Line::from(Span::styled(format!("• {s}"), t.text)));
        }
    }
    for prob in app.wizard.catalog_problems.iter().take(1) {
        detail.push(Line::from(Span::styled(prob.clone(), t.warn)));
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border)
        .title(Span::styled(" Symptoms ", t.muted));
    frame.render_widget(
        Paragraph::new(detail)
            .block(block)
            .wrap(Wrap { trim: true }),
        rows[3],
    );
    footer(
        frame,
        app,
        rows[4],
        &[
            ("Enter".into(), "start"),
            ("↑↓".into(), "choose"),
            ("type".into(), "filter"),
            ("Esc".into(), "back"),
        ],
    );
}
