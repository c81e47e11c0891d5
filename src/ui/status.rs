//! The top status line (where am I, is it safe) and the bottom line (keys,
//! filter being typed, last message, warnings).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::state::App;
use crate::model::Action;

pub fn draw_top(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let sep = Span::styled(" │ ", t.muted);
    let mut spans = vec![
        Span::styled(
            " opsdeck ",
            t.accent.add_modifier(ratatui::style::Modifier::BOLD),
        ),
        Span::styled(app.profile.name.clone(), t.title),
    ];
    if app.profile.kubernetes.is_some() {
        spans.push(sep.clone());
        let ctx = app.kube.context.as_deref().unwrap_or("(current)");
        let ctx_style = if app.kube.production {
            t.badge_production
        } else {
            t.text
        };
        spans.push(Span::styled("ctx ", t.muted));
        spans.push(Span::styled(ctx.to_string(), ctx_style));
        spans.push(Span::styled(" ns ", t.muted));
        let ns = if app.kube.namespaces.is_empty() {
            "all".to_string()
        } else {
            app.kube.namespaces.join(",")
        };
        spans.push(Span::styled(ns, t.text));
    }
    if let Some(d) = &app.profile.docker {
        spans.push(sep.clone());
        spans.push(Span::styled("docker ", t.muted));
        spans.push(Span::styled(
            d.compose_project.clone().unwrap_or_else(|| "all".into()),
            t.text,
        ));
    }
    if app.readonly {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" READ-ONLY ", t.badge_readonly));
    }
    spans.push(sep.clone());
    match app.last_refresh {
        Some(at) => {
            let local = at.to_zoned(app.tz.clone());
            spans.push(Span::styled(local.strftime("%H:%M:%S").to_string(), t.text));
        }
        None => spans.push(Span::styled("waiting for data", t.muted)),
    }
    // What is wrong now: failing checks, sources that cannot connect, broken workloads.
    let failing = app
        .services
        .iter()
        .filter(|s| s.severity() == crate::model::Severity::Crit)
        .count()
        + app
            .workloads
            .states
            .values()
            .filter(|s| matches!(s, crate::model::SourceState::Failed(_)))
            .count()
        + app
            .workloads
            .all()
            .iter()
            .filter(|w| w.severity == crate::model::Severity::Crit)
            .count();
    if failing > 0 {
        spans.push(sep);
        spans.push(Span::styled(format!("{failing} failing"), t.crit));
    } else if !app.services.is_empty()
        && app
            .services
            .iter()
            .all(|s| s.severity() == crate::model::Severity::Ok)
    {
        spans.push(sep);
        spans.push(Span::styled("all passing", t.ok));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(t.status_bar), area);
}

pub fn draw_bottom(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let line = if let Some(edit) = &app.filter_edit {
        Line::from(vec![
            Span::styled(format!(" filter {}: ", edit.pane.title()), t.accent),
            Span::styled(format!("{}█", edit.text), t.text),
            Span::styled("  enter keep · esc clear · !text inverts", t.muted),
        ])
    } else if let Some(flash) = &app.flash {
        Line::from(vec![
            Span::styled(format!(" {flash}"), t.warn),
            Span::styled("  (esc)", t.muted),
        ])
    } else if let Some(w) = app.warnings.first() {
        let more = if app.warnings.len() > 1 {
            format!(" (+{} more)", app.warnings.len() - 1)
        } else {
            String::new()
        };
        Line::from(vec![
            Span::styled(format!(" ⚠ {w}{more}"), t.warn),
            Span::styled("  (esc dismiss)", t.muted),
        ])
    } else {
        let km = &app.keymap;
        let hint = |action: Action, label: &'static str| -> [Span<'static>; 2] {
            [
                Span::styled(
                    format!(" {}", km.key_for(crate::model::Section::Dashboard, action)),
                    t.key,
                ),
                Span::styled(format!(" {label} "), t.muted),
            ]
        };
        let mut spans = Vec::new();
        for (a, l) in [
            (Action::Help, "help"),
            (Action::Palette, "commands"),
            (Action::FocusNext, "pane"),
            (Action::Select, "open"),
            (Action::Filter, "filter"),
            (Action::Zoom, "zoom"),
            (Action::Describe, "describe"),
            (Action::Quit, "quit"),
        ] {
            spans.extend(hint(a, l));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line).style(t.status_bar), area);
}
