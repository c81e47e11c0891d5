//! The running procedure: the step list, symptoms, the current step and its output.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{key, phase_name, risk_style, state_style};
use crate::app::state::App;
use crate::model::{Action, Risk};
use crate::runbook::PhaseKind;
use crate::ui::format::truncate;
use crate::ui::widgets::wrapped_height;
use crate::wizard::flow::{Mode, Wizard};

pub(super) fn draw_steps(frame: &mut Frame, app: &App, area: Rect, w: &Wizard) {
    let t = &app.theme;
    let focused = matches!(w.mode, Mode::Steps);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { t.border_focus } else { t.border })
        .title(Span::styled(" Steps ", t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor_row = 0usize;
    let sym_ticked = w.symptoms.iter().filter(|s| s.1).count();
    if !w.symptoms.is_empty() {
        let style = if matches!(w.mode, Mode::Symptoms { .. }) {
            t.selection
        } else {
            t.header
        };
        lines.push(Line::from(Span::styled(
            truncate(
                &format!("Symptoms {sym_ticked}/{} seen", w.symptoms.len()),
                width,
            )
            .into_owned(),
            style,
        )));
    }
    let mut last_phase: Option<(PhaseKind, String)> = None;
    for (i, item) in w.items.iter().enumerate() {
        let phase = (item.phase, item.phase_title.clone());
        if last_phase.as_ref() != Some(&phase) {
            lines.push(Line::from(Span::styled(
                truncate(&phase_name(item.phase, &item.phase_title), width).into_owned(),
                t.header,
            )));
            last_phase = Some(phase);
        }
        let (badge, bstyle) = match item.command() {
            None => ("·", t.muted),
            Some(c) => (
                match c.risk {
                    Risk::ReadOnly => "R",
                    Risk::Mutating => "M",
                    Risk::Destructive => "D",
                },
                risk_style(app, c.risk),
            ),
        };
        let label = format!(" {:>2} ", i + 1);
        let rest = width.saturating_sub(6);
        let line = Line::from(vec![
            Span::styled(item.state.mark(), state_style(app, item.state)),
            Span::styled(label, t.muted),
            Span::styled(badge, bstyle),
            Span::raw(" "),
            Span::styled(truncate(&item.text, rest).into_owned(), t.text),
        ]);
        if i == w.cursor && !matches!(w.mode, Mode::Symptoms { .. }) {
            cursor_row = lines.len();
            lines.push(crate::ui::selected(line, t.selection));
        } else {
            lines.push(line);
        }
    }
    let h = usize::from(inner.height);
    let offset = if cursor_row >= h {
        cursor_row + 1 - h
    } else {
        0
    };
    let shown: Vec<Line> = lines.into_iter().skip(offset).take(h).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

pub(super) fn draw_symptoms(frame: &mut Frame, app: &App, area: Rect, w: &Wizard, selected: usize) {
    let t = &app.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border_focus)
        .title(Span::styled(" Symptoms: tick what you see ", t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = vec![
        Line::from(Span::styled(
            format!(
                "Before you start, check which of these you see. {} ticks, {} continues to diagnosis.",
                key(app, Action::Tick),
                key(app, Action::RunStep)
            ),
            t.muted,
        )),
        Line::from(""),
    ];
    for (i, (s, ticked)) in w.symptoms.iter().enumerate() {
        let line = Line::from(vec![
            Span::styled(
                if *ticked { "[x] " } else { "[ ] " },
                if *ticked { t.ok } else { t.muted },
            ),
            Span::styled(s.clone(), t.text),
        ]);
        lines.push(if i == selected {
            crate::ui::selected(line, t.selection)
        } else {
            line
        });
    }
    if !w.procedure.alerts.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(vec![
            Span::styled("Alerts: ", t.muted),
            Span::styled(w.procedure.alerts.join(", "), t.text),
        ]));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub(super) fn draw_detail(frame: &mut Frame, app: &App, area: Rect, w: &Wizard) {
    let t = &app.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border)
        .title(Span::styled(
            format!(" Step {} of {} ", w.cursor + 1, w.items.len()),
            t.title,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(item) = w.current() else {
        frame.render_widget(
            Paragraph::new("This procedure has no steps.").style(t.muted),
            inner,
        );
        return;
    };
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::from(vec![
        Span::styled(
            format!("{} · ", phase_name(item.phase, &item.phase_title)),
            t.muted,
        ),
        Span::styled(item.state.label(), state_style(app, item.state)),
        match item.exit_code {
            Some(c) => Span::styled(format!(" (exit {c})"), t.muted),
            None => Span::raw(""),
        },
    ]));
    lines.push(Line::from(Span::styled(
        item.text.clone(),
        t.text.add_modifier(Modifier::BOLD),
    )));
    for n in item.notes.iter().take(2) {
        lines.push(Line::from(Span::styled(format!("  {n}"), t.muted)));
    }
    match item.command() {
        None => lines.push(Line::from(Span::styled(
            format!(
                "No command: do this, then {} to mark it done.",
                key(app, Action::RunStep)
            ),
            t.muted,
        ))),
        Some(c) => {
            let mut badge = vec![
                Span::styled(format!("[{}]", c.risk), risk_style(app, c.risk)),
                Span::styled(format!(" {}", c.reason), t.muted),
            ];
            if item.edited.is_some() {
                badge.push(Span::styled(" (edited)", t.warn));
            }
            if item.choices.len() > 1 {
                let p = c
                    .platform
                    .map(crate::wizard::flow::platform_label)
                    .unwrap_or("other");
                badge.push(Span::styled(
                    format!(" · {p} ({} switches)", key(app, Action::SwitchVariant)),
                    t.muted,
                ));
            }
            lines.push(Line::from(badge));
            let shown = w
                .resolve(w.cursor)
                .map(|r| r.1)
                .unwrap_or_else(|| c.text.clone());
            for (i, l) in shown.lines().enumerate() {
                lines.push(Line::from(vec![
                    Span::styled(if i == 0 { "$ " } else { "  " }, t.accent),
                    Span::styled(l.to_string(), t.text.add_modifier(Modifier::BOLD)),
                ]));
            }
            let missing = w.missing(w.cursor);
            if !missing.is_empty() {
                let names: Vec<String> = missing.iter().map(|p| p.name.clone()).collect();
                lines.push(Line::from(Span::styled(
                    format!("needs: {} (asked when you run it)", names.join(", ")),
                    t.info,
                )));
            }
            if let Some(why) = crate::wizard::flow::needs_terminal(&c.text) {
                lines.push(Line::from(Span::styled(format!("! {why}"), t.warn)));
            }
            for warning in &c.warnings {
                lines.push(Line::from(Span::styled(format!("! {warning}"), t.warn)));
            }
            if let Some(at) = w.unfinished.get(&w.cursor) {
                lines.push(Line::from(Span::styled(
                    format!("! {}", crate::wizard::flow::unfinished_note(*at)),
                    t.warn.add_modifier(Modifier::BOLD),
                )));
            }
            if app.readonly && c.risk > Risk::ReadOnly {
                lines.push(Line::from(Span::styled(
                    "read-only mode: this step will be refused",
                    t.crit,
                )));
            }
        }
    }
    let head_h = wrapped_height(&lines, inner.width).min(inner.height.saturating_sub(3).max(1));
    let parts = Layout::vertical([Constraint::Length(head_h), Constraint::Min(1)]).split(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), parts[0]);
    draw_output(frame, app, parts[1], w);
}

pub(super) fn draw_output(frame: &mut Frame, app: &App, area: Rect, w: &Wizard) {
    let t = &app.theme;
    let running = w.running.is_some();
    let mut title = if running {
        " Output · running ".to_string()
    } else {
        " Output ".to_string()
    };
    if w.scroll > 0 {
        title = format!(" Output · scrolled up {} ", w.scroll);
    }
    if w.reveal {
        title.push_str(&format!(
            "· SECRETS SHOWN ({} masks) ",
            key(app, Action::Reveal)
        ));
    } else if w.output.iter().any(|l| l.raw.is_some()) {
        title.push_str(&format!(
            "· secrets masked ({} reveals) ",
            key(app, Action::Reveal)
        ));
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border)
        .title(Span::styled(title, t.muted));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let h = usize::from(inner.height);
    let width = usize::from(inner.width);
    let end = w.output.len().saturating_sub(w.scroll);
    let start = end.saturating_sub(h);
    let lines: Vec<Line> = w
        .output
        .iter()
        .skip(start)
        .take(end - start)
        .map(|l| {
            let style = if l.stderr { t.warn } else { t.text };
            let text = match (&l.raw, w.reveal) {
                (Some(raw), true) => raw,
                _ => &l.text,
            };
            Line::from(Span::styled(truncate(text, width).into_owned(), style))
        })
        .collect();
    if lines.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(
                    "Output appears here. {} runs the step.",
                    key(app, Action::RunStep)
                ),
                t.muted,
            )),
            inner,
        );
    } else {
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
