//! The wizard screen: the step list with states and risk badges, the current
//! step with its exact command, the output below, the target (context,
//! namespace, profile) always on top, and the keys in the footer. Also the
//! procedure picker.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::format::truncate;
use crate::app::Action;
use crate::app::state::App;
use crate::runbook::{PhaseKind, Risk};
use crate::wizard::flow::{Confirm, ConfirmFocus, Level, Mode, Prompt, Wizard};
use crate::wizard::session::SECTION;
use crate::wizard::{ItemState, Picker};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(p) = &app.wizard.picker {
        draw_picker(frame, app, area, p);
    } else if let Some(w) = &app.wizard.run {
        draw_wizard(frame, app, area, w);
    }
}

fn risk_style(app: &App, risk: Risk) -> Style {
    match risk {
        Risk::ReadOnly => app.theme.ok,
        Risk::Mutating => app.theme.warn,
        Risk::Destructive => app.theme.crit,
    }
}

fn state_style(app: &App, s: ItemState) -> Style {
    match s {
        ItemState::Pending => app.theme.muted,
        ItemState::Running => app.theme.accent,
        ItemState::Done => app.theme.ok,
        ItemState::Failed => app.theme.crit,
        ItemState::Skipped => app.theme.muted,
        ItemState::Unknown => app.theme.warn,
    }
}

fn key(app: &App, action: Action) -> String {
    let k = app.keymap.key_for(SECTION, action);
    match k.as_str() {
        "enter" => "Enter".into(),
        "esc" => "Esc".into(),
        "space" => "Space".into(),
        "ctrl-c" => "Ctrl-C".into(),
        _ => k,
    }
}

/// The top line: what is running, and where commands go.
fn header(frame: &mut Frame, app: &App, area: Rect, title: &str) {
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
fn footer(frame: &mut Frame, app: &App, area: Rect, hints: &[(String, &str)]) {
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
    for b in app.keymap.bindings(SECTION) {
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

fn phase_name(kind: PhaseKind, title: &str) -> String {
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

fn draw_steps(frame: &mut Frame, app: &App, area: Rect, w: &Wizard) {
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
            lines.push(super::selected(line, t.selection));
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

fn draw_symptoms(frame: &mut Frame, app: &App, area: Rect, w: &Wizard, selected: usize) {
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
            super::selected(line, t.selection)
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

fn draw_detail(frame: &mut Frame, app: &App, area: Rect, w: &Wizard) {
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

fn draw_output(frame: &mut Frame, app: &App, area: Rect, w: &Wizard) {
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

fn centered(area: Rect, height: u16) -> Rect {
    let h = height.min(area.height);
    let y = area.y + (area.height - h) / 2;
    Rect::new(area.x, y, area.width, h)
}

/// Rows `lines` take when wrapped at `width` columns.
fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let w = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| l.width().div_ceil(w).max(1) as u16)
        .sum()
}

fn modal(frame: &mut Frame, app: &App, area: Rect, title: &str, lines: Vec<Line>, border: Style) {
    let rect = centered(
        area,
        wrapped_height(&lines, area.width.saturating_sub(2)) + 2,
    );
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(border)
        .title(Span::styled(format!(" {title} "), app.theme.title));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

fn draw_prompt(frame: &mut Frame, app: &App, area: Rect, p: &Prompt) {
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

fn draw_confirm(frame: &mut Frame, app: &App, area: Rect, c: &Confirm) {
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

fn draw_picker(frame: &mut Frame, app: &App, area: Rect, p: &Picker) {
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
