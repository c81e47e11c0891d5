//! The wizard's modal questions: a placeholder prompt and a step's confirmation.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::{key, risk_style};
use crate::app::state::App;
use crate::model::{Action, Risk};
use crate::ui::widgets::modal;
use crate::wizard::flow::{Confirm, ConfirmFocus, Prompt};

pub(super) fn draw_prompt(frame: &mut Frame, app: &App, area: Rect, p: &Prompt) {
    let t = &app.theme;
    let shown = if p.hidden() {
        "•".repeat(p.input.chars().count())
    } else {
        p.input.clone()
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{} ", p.name), t.accent),
            Span::styled(format!("({})", p.kind), t.muted),
        ]),
        Line::from(vec![
            Span::styled("> ", t.accent),
            Span::styled(format!("{shown}█"), t.text),
        ]),
    ];
    if p.hidden() {
        lines.push(Line::from(Span::styled(
            "hidden: kept in memory only, masked on screen and in the timeline",
            t.muted,
        )));
    }
    if let Some(e) = &p.error {
        lines.push(Line::from(Span::styled(e.clone(), t.crit)));
    }
    if !p.hidden() {
        if p.completions.is_empty() {
            lines.push(Line::from(Span::styled(
                "no suggestions from the live state: type the value",
                t.muted,
            )));
        }
        for (i, c) in p.completions.iter().take(6).enumerate() {
            let style = if i == p.selected { t.selection } else { t.text };
            lines.push(Line::from(Span::styled(format!("  {c}"), style)));
        }
    }
    modal(frame, app, area, "Value needed", lines, t.border_focus);
}

pub(super) fn draw_confirm(frame: &mut Frame, app: &App, area: Rect, c: &Confirm) {
    let t = &app.theme;
    let rs = risk_style(app, c.risk);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("This step is {}. ", c.risk),
            rs.add_modifier(Modifier::BOLD),
        ),
        Span::styled("It will run:", t.text),
    ])];
    if let Some(why) = &c.caution {
        lines.insert(
            0,
            Line::from(Span::styled(
                format!("Needs {}: {why}.", key(app, Action::Confirm)),
                t.warn.add_modifier(Modifier::BOLD),
            )),
        );
    }
    for l in c.shown.lines() {
        lines.push(Line::from(Span::styled(
            format!("  {l}"),
            t.text.add_modifier(Modifier::BOLD),
        )));
    }
    lines.push(Line::from(vec![
        Span::styled("context ", t.muted),
        Span::styled(
            c.context
                .clone()
                .unwrap_or_else(|| "(kubeconfig default)".into()),
            t.accent,
        ),
        Span::styled("  namespace ", t.muted),
        Span::styled(
            c.namespace.clone().unwrap_or_else(|| "(default)".into()),
            t.accent,
        ),
    ]));
    lines.push(Line::from(""));
    if c.risk == Risk::Destructive {
        lines.push(Line::from(vec![
            Span::styled("Type ", t.text),
            Span::styled(c.expected.clone(), t.crit.add_modifier(Modifier::BOLD)),
            Span::styled(" to run it; Esc cancels.", t.text),
        ]));
        lines.push(Line::from(vec![
            Span::styled("> ", t.accent),
            Span::styled(format!("{}█", c.typed), t.text),
        ]));
    } else {
        let cancel = if c.focus == ConfirmFocus::Cancel {
            t.selection
        } else {
            t.muted
        };
        let run = if c.focus == ConfirmFocus::Run {
            t.selection
        } else {
            t.muted
        };
        lines.push(Line::from(vec![
            Span::styled(" [ Cancel ] ", cancel),
            Span::raw("  "),
            Span::styled(format!(" [ Run: {} ] ", key(app, Action::Confirm)), run),
        ]));
        lines.push(Line::from(Span::styled(
            format!(
                "Press {} to run it. Enter on Cancel or Esc: nothing runs.",
                key(app, Action::Confirm)
            ),
            t.muted,
        )));
    }
    if let Some(e) = &c.error {
        lines.push(Line::from(Span::styled(e.clone(), t.crit)));
    }
    let title = match c.risk {
        Risk::Destructive => "Destructive: type to confirm",
        _ if c.caution.is_some() => "Confirm: read-only, with care",
        _ => "Confirm change",
    };
    modal(frame, app, area, title, lines, rs);
}
