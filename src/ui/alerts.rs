//! The Alerts pane (5): what Prometheus has firing or pending, firing first by
//! severity, with how long and the summary; pending dimmed; silenced and
//! inhibited marked. The profile's SLOs sit beside the alerts on a wide
//! terminal and in one line below them on a narrow one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};

use super::format::{age, truncate};
use crate::app::alerts::AlertRow;
use crate::app::state::{App, Pane};
use crate::model::SourceState;
use crate::model::alerts::AlertState;

/// Side by side (alerts | SLOs) from this width.
const WIDE: u16 = 120;

/// Rows the pane wants at `width`, out of a dashboard body `body` rows high.
pub fn height(app: &App, width: u16, body: u16) -> u16 {
    let alerts = app.alerts.alerts.len().max(1) as u16 + u16::from(app.alerts.error_line());
    let slos = app.alerts.slos.len() as u16;
    let content = if width >= WIDE {
        alerts.max(slos).min((body / 4).max(3))
    } else {
        alerts.min(if body >= 40 { 6 } else { 2 }) + u16::from(slos > 0)
    };
    content + 2
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let view = &app.alerts;
    let firing = view.firing().count();
    let pending = view.alerts.len() - firing;
    let mut note = Vec::new();
    match &view.state {
        SourceState::Failed(_) => note.push(Span::styled(" unreachable ", t.crit)),
        SourceState::Connecting => note.push(Span::styled(" connecting… ", t.muted)),
        _ if firing > 0 => note.push(Span::styled(format!(" {firing} firing "), t.crit)),
        _ => note.push(Span::styled(" none firing ", t.ok)),
    }
    if pending > 0 {
        note.push(Span::styled(format!("· {pending} pending "), t.warn));
    }
    if view.rules > 0 {
        note.push(Span::styled(format!("· {} rules ", view.rules), t.muted));
    }
    let block = super::pane_block(app, Pane::Alerts, area.width, Line::from(note));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let wide = area.width >= WIDE && !view.slos.is_empty();
    let (alerts_area, slo_area) = if wide {
        let [a, s] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
            .areas(inner);
        (a, Some(s))
    } else if !view.slos.is_empty() && inner.height >= 2 {
        let [a, s] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
        (a, Some(s))
    } else {
        (inner, None)
    };
    draw_alerts(frame, app, alerts_area);
    if let Some(s) = slo_area {
        if wide {
            let block = ratatui::widgets::Block::default()
                .borders(Borders::LEFT)
                .border_style(t.border);
            let rows_area = block.inner(s);
            frame.render_widget(block, s);
            let lines = super::slo::rows(app, usize::from(rows_area.width));
            frame.render_widget(Paragraph::new(lines), rows_area);
        } else {
            frame.render_widget(
                Paragraph::new(super::slo::compact(app, usize::from(s.width))),
                s,
            );
        }
    }
}

fn draw_alerts(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let view = &app.alerts;
    let width = usize::from(area.width);
    let mut lines: Vec<Line> = Vec::new();
    if let SourceState::Failed(e) = &view.state {
        lines.push(Line::from(Span::styled(
            truncate(&format!("✖ {e}"), width).into_owned(),
            t.crit,
        )));
    }
    if view.alerts.is_empty() {
        let text = match &view.state {
            SourceState::Connecting => "asking Prometheus…".to_string(),
            SourceState::Failed(_) => String::new(),
            _ => format!(
                "no alerts firing or pending{}",
                view.interval
                    .map(|i| format!(
                        " · polled every {}",
                        crate::config::duration::go_duration(i)
                    ))
                    .unwrap_or_default()
            ),
        };
        if !text.is_empty() {
            lines.push(Line::from(Span::styled(text, t.muted)));
        }
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    let height = usize::from(area.height).saturating_sub(lines.len()).max(1);
    let name_w = view
        .alerts
        .iter()
        .map(|a| a.name.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 24);
    let offset = (view.selected + 1).saturating_sub(height);
    for (i, a) in view.alerts.iter().enumerate().skip(offset).take(height) {
        let mut line = row(app, a, name_w, width);
        if i == view.selected && app.focus == Pane::Alerts {
            line = super::selected(line, super::selection_style(app, Pane::Alerts));
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// `● FIRING crit HighLatency     3m silenced  p95 latency of langgraph is 1.4 s`
fn row(app: &App, a: &AlertRow, name_w: usize, width: usize) -> Line<'static> {
    let t = &app.theme;
    let firing = a.state == AlertState::Firing;
    let sev_style = match (firing, a.severity_rank()) {
        (false, _) => t.muted,
        (true, 0) => t.crit,
        (true, 1) => t.warn,
        (true, _) => t.info,
    };
    let (mark, word) = if firing {
        ("●", "FIRING ")
    } else {
        ("○", "pending")
    };
    let sev = match a.severity_rank() {
        0 => "crit",
        1 => "warn",
        2 => "info",
        _ => "    ",
    };
    let since = a.active_at.map(|s| age(app.now, s)).unwrap_or_default();
    let text_style = if firing { t.text } else { t.muted };
    let mut spans = vec![
        Span::styled(format!("{mark} "), sev_style),
        Span::styled(format!("{word} {sev} "), sev_style),
        Span::styled(
            format!("{:<name_w$} ", truncate(&a.name, name_w)),
            text_style,
        ),
        Span::styled(format!("{since:>4} "), t.muted),
    ];
    let mut used = 2 + 8 + 5 + name_w + 1 + 5;
    for (on, tag) in [
        (!a.silenced_by.is_empty(), "silenced "),
        (a.inhibited, "inhibited "),
    ] {
        if on {
            spans.push(Span::styled(tag, t.info));
            used += tag.len();
        }
    }
    if let Some(s) = &a.summary {
        spans.push(Span::styled(
            truncate(s, width.saturating_sub(used)).into_owned(),
            text_style,
        ));
    }
    Line::from(spans)
}

/// The silence form: the matchers it will carry, then duration and comment.
pub fn draw_form(frame: &mut Frame, app: &App, area: Rect, f: &crate::app::alerts::SilenceForm) {
    use ratatui::widgets::{Block, Clear, Wrap};
    let t = &app.theme;
    let field = |label: &str, value: &str, focused: bool| {
        Line::from(vec![
            Span::styled(format!("{label:<10}"), t.muted),
            Span::styled(
                format!("{value}{}", if focused { "█" } else { "" }),
                if focused { t.accent } else { t.text },
            ),
        ])
    };
    let matchers = f
        .matchers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{:<10}", "matchers"), t.muted),
            Span::styled(matchers, t.text),
        ]),
        Line::default(),
        field("duration", &f.duration, f.field == 0),
        field("comment", &f.comment, f.field == 1),
        Line::default(),
    ];
    if let Some(e) = &f.error {
        lines.push(Line::from(Span::styled(e.clone(), t.crit)));
    }
    lines.push(Line::from(vec![
        Span::styled("enter", t.key),
        Span::styled(" go on to confirm · ", t.muted),
        Span::styled("tab", t.key),
        Span::styled(" other field · ", t.muted),
        Span::styled("esc", t.key),
        Span::styled(" cancel", t.muted),
    ]));
    let inner_w = usize::from(area.width.min(76).saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_w))
        .sum();
    let rect = super::help::centered(area, 76, (rows as u16 + 2).min(area.height));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.warn)
        .title(Span::styled(format!(" Silence {} ", f.alert), t.title));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
