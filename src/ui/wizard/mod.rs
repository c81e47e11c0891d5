//! The wizard screen: the step list with states and risk badges, the current
//! step with its exact command, the output below, the target (context,
//! namespace, profile) always on top, and the keys in the footer. Also the
//! procedure picker ([`super::picker`]).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

mod dialogs;
mod steps;

use dialogs::{draw_confirm, draw_prompt};
use steps::{draw_detail, draw_steps, draw_symptoms};

use super::format::truncate;
use super::picker::draw_picker;
use super::widgets::{centered, modal};
use crate::app::state::App;
use crate::model::Action;
use crate::model::{Risk, Section};
use crate::runbook::PhaseKind;
use crate::wizard::ItemState;
use crate::wizard::flow::{Level, Mode, Wizard};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(p) = &app.wizard.picker {
        draw_picker(frame, app, area, p);
    } else if let Some(w) = &app.wizard.run {
        draw_wizard(frame, app, area, w);
    }
}

pub(crate) fn risk_style(app: &App, risk: Risk) -> Style {
    match risk {
        Risk::ReadOnly => app.theme.ok,
        Risk::Mutating => app.theme.warn,
        Risk::Destructive => app.theme.crit,
    }
}

pub(crate) fn state_style(app: &App, s: ItemState) -> Style {
    match s {
        ItemState::Pending => app.theme.muted,
        ItemState::Running => app.theme.accent,
        ItemState::Done => app.theme.ok,
        ItemState::Failed => app.theme.crit,
        ItemState::Skipped => app.theme.muted,
        ItemState::Unknown => app.theme.warn,
    }
}

pub(crate) fn key(app: &App, action: Action) -> String {
    let k = app.keymap.key_for(Section::Wizard, action);
    match k.as_str() {
        "enter" => "Enter".into(),
        "esc" => "Esc".into(),
        "space" => "Space".into(),
        "ctrl-c" => "Ctrl-C".into(),
        _ => k,
    }
}

/// The top line: what is running, and where commands go.
pub(crate) fn header(frame: &mut Frame, app: &App, area: Rect, title: &str) {
    let t = &app.theme;
    let ctx = app.kube.context.as_deref().unwrap_or("default");
    let ns = app
        .wizard
        .run
        .as_ref()
        .and_then(|w| w.target.namespace.clone())
        .or_else(|| app.kube.namespaces.first().cloned())
        .unwrap_or_else(|| "(default)".into());
    let mut right = vec![
        Span::styled("ctx ", t.muted),
        Span::styled(ctx.to_string(), t.text),
        Span::styled(" · ns ", t.muted),
        Span::styled(ns, t.text),
        Span::styled(" · profile ", t.muted),
        Span::styled(app.profile.name.clone(), t.text),
    ];
    if app.readonly {
        right.push(Span::raw(" "));
        right.push(Span::styled(" READ-ONLY ", t.badge_readonly));
    }
    if app.kube.production {
        right.push(Span::raw(" "));
        right.push(Span::styled(" PROD ", t.badge_production));
    }
    let right = Line::from(right);
    let rw = right.width() as u16;
    let left_w = area.width.saturating_sub(rw + 1);
    let left = Line::from(Span::styled(
        truncate(title, usize::from(left_w)).into_owned(),
        t.title.add_modifier(Modifier::BOLD),
    ));
    frame.render_widget(Paragraph::new(left).style(t.status_bar), area);
    if rw < area.width {
        let r = Rect::new(area.right() - rw, area.y, rw, 1);
        frame.render_widget(Paragraph::new(right).style(t.status_bar), r);
    }
}

/// Key hints that fit the width, in order of importance.
pub(crate) fn footer(frame: &mut Frame, app: &App, area: Rect, hints: &[(String, &str)]) {
    let t = &app.theme;
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (k, label) in hints {
        let w = k.chars().count() + label.chars().count() + 3;
        if used + w > usize::from(area.width) {
            break;
        }
        spans.push(Span::styled(format!(" {k}"), t.key));
        spans.push(Span::styled(format!(" {label} "), t.muted));
        used += w;
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(t.status_bar), area);
}

fn message_line<'a>(app: &App, w: &Wizard) -> Line<'a> {
    let t = &app.theme;
    match &w.message {
        Some((level, text)) => {
            let style = match level {
                Level::Info => t.info,
                Level::Warn => t.warn,
                Level::Error => t.crit,
            };
            Line::from(Span::styled(text.clone(), style))
        }
        None => Line::from(""),
    }
}

fn draw_wizard(frame: &mut Frame, app: &App, area: Rect, w: &Wizard) {
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .split(area);
    let done = w.items.iter().filter(|i| i.state.settled()).count();
    header(
        frame,
        app,
        rows[0],
        &format!(" {} · {done}/{} done", w.procedure.title, w.items.len()),
    );
    let list_w = (area.width * 2 / 5).clamp(24, 44);
    let cols = Layout::horizontal([Constraint::Length(list_w), Constraint::Min(20)]).split(rows[1]);
    draw_steps(frame, app, cols[0], w);
    match &w.mode {
        Mode::Symptoms { selected } => draw_symptoms(frame, app, cols[1], w, *selected),
        _ => draw_detail(frame, app, cols[1], w),
    }
    match &w.mode {
        Mode::Prompt(p) => draw_prompt(frame, app, cols[1], p),
        Mode::Confirm(c) => draw_confirm(frame, app, cols[1], c),
        Mode::Input { purpose, text } => {
            let lines = vec![
                Line::from(Span::styled(format!("{text}█"), app.theme.text)),
                Line::from(""),
                Line::from(Span::styled("Enter saves · Esc cancels", app.theme.muted)),
            ];
            modal(
                frame,
                app,
                cols[1],
                purpose.title(),
                lines,
                app.theme.border_focus,
            );
        }
        Mode::Help => draw_help(frame, app, rows[1]),
        Mode::Edit(ta) => {
            let rect = centered(cols[1], 6);
            frame.render_widget(Clear, rect);
            let block = Block::default()
                .borders(Borders::ALL)
                .border_type(BorderType::Thick)
                .border_style(app.theme.border_focus)
                .title(Span::styled(
                    " Edit command · Enter save · Alt-Enter newline · Esc discard ",
                    app.theme.title,
                ));
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            frame.render_widget(&**ta, inner);
        }
        _ => {}
    }
    frame.render_widget(Paragraph::new(message_line(app, w)), rows[2]);
    footer(frame, app, rows[3], &hints(app, w));
}

fn hints(app: &App, w: &Wizard) -> Vec<(String, &'static str)> {
    let k = |a| key(app, a);
    match &w.mode {
        Mode::Symptoms { .. } => vec![
            (k(Action::Tick), "tick"),
            (k(Action::RunStep), "continue to the steps"),
            ("↑↓".into(), "move"),
            (k(Action::Note), "note"),
            (k(Action::Back), "dashboard"),
        ],
        Mode::Prompt(_) => vec![
            ("Enter".into(), "accept"),
            ("Tab".into(), "complete"),
            ("↑↓".into(), "choose"),
            ("Esc".into(), "cancel"),
        ],
        Mode::Confirm(c) if c.risk == Risk::Destructive => vec![
            (format!("type {}", c.expected), "then Enter to run"),
            ("Esc".into(), "cancel"),
        ],
        Mode::Confirm(_) => vec![
            (k(Action::Confirm), "run it"),
            ("Esc".into(), "cancel"),
            ("Tab".into(), "move focus"),
        ],
        Mode::Input { .. } => vec![("Enter".into(), "save"), ("Esc".into(), "cancel")],
        Mode::Edit(_) => vec![("Enter".into(), "save"), ("Esc".into(), "discard")],
        Mode::Help => vec![("any key".into(), "close")],
        Mode::Steps if w.running.is_some() => vec![
            (k(Action::Kill), "stop"),
            ("PgUp/PgDn".into(), "scroll"),
            (k(Action::Note), "note"),
            (k(Action::Back), "dashboard"),
        ],
        Mode::Steps => vec![
            (k(Action::RunStep), "run"),
            (k(Action::Skip), "skip"),
            (k(Action::Note), "note"),
            (k(Action::Edit), "edit"),
            (k(Action::Preview), "preview"),
            (k(Action::SwitchVariant), "variant"),
            (k(Action::Back), "dashboard"),
            (k(Action::Help), "keys"),
            (k(Action::AutoRun), "auto"),
            (k(Action::SetTimeout), "timeout"),
            (k(Action::Quit), "quit"),
        ],
    }
}

/// Every wizard key with its description, from the keymap.
fn draw_help(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut lines = Vec::new();
    for b in app.keymap.bindings(Section::Wizard) {
        let keys: Vec<String> = b.keys.iter().map(|k| k.to_string()).collect();
        lines.push(Line::from(vec![
            Span::styled(format!("{:<14}", keys.join(" ")), t.key),
            Span::styled(b.desc.clone(), t.text),
        ]));
    }
    lines.push(Line::from(Span::styled(
        "Mutating steps need y; destructive ones need the target's name typed.",
        t.muted,
    )));
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect::new(area.x, area.y, area.width, h);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(t.border_focus)
        .title(Span::styled(" Wizard keys ", t.title));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

pub(crate) fn phase_name(kind: PhaseKind, title: &str) -> String {
    if !title.is_empty() {
        return title.to_string();
    }
    match kind {
        PhaseKind::Symptoms => "Symptoms",
        PhaseKind::Diagnose => "Diagnosis",
        PhaseKind::Resolve => "Resolution",
        PhaseKind::Verify => "Verify",
        PhaseKind::Other => "Steps",
    }
    .to_string()
}
