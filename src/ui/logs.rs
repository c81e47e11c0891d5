//! The Logs pane: the shared log view for pods and containers.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::logs::LogView;
use crate::app::state::{App, Pane};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let view = &app.logs;
    let mut note = Vec::new();
    if view.stream.is_some() {
        note.push(Span::styled(format!(" {} ", view.title), t.title));
        if let Some(f) = &view.filter {
            note.push(Span::styled(format!(" /{} ", f.text), t.accent));
        }
        if view.follow {
            note.push(Span::styled(" following ", t.ok));
        } else {
            note.push(Span::styled(format!(" paused ↑{} ", view.scroll), t.warn));
        }
        note.push(Span::styled(format!(" {} lines ", view.len()), t.muted));
    }
    let block = super::pane_block(app, Pane::Logs, area.width, Line::from(note));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if view.stream.is_none() {
        let text = if app.has_workload_sources() {
            "Select a workload in Workloads (2) and press Enter to stream its logs."
        } else {
            "Logs come from Kubernetes or Docker; this profile has neither."
        };
        frame.render_widget(super::empty_note(app, text, None), inner);
        return;
    }
    let mut height = usize::from(inner.height);
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    if let Some(reason) = &view.ended {
        height = height.saturating_sub(1);
        lines.push(Line::from(Span::styled(
            format!("— stream ended: {reason}"),
            t.muted,
        )));
    }
    let window = view.window(height);
    if window.is_empty() {
        let msg = if view.filter.is_some() && !view.is_empty() {
            "no line matches the filter (esc clears it)"
        } else {
            "waiting for log lines…"
        };
        lines.insert(0, Line::from(Span::styled(msg, t.muted)));
    }
    let at = lines
        .len()
        .saturating_sub(usize::from(view.ended.is_some()));
    let body: Vec<Line> = window.iter().map(|l| render_line(t, view, l)).collect();
    lines.splice(at..at, body);
    let mut p = Paragraph::new(lines);
    if view.wrap {
        p = p.wrap(Wrap { trim: false });
    }
    frame.render_widget(p, inner);
}

fn level_style(t: &Theme, text: &str) -> Style {
    // Only the first 64 bytes: the level sits at the start of a line.
    let head = &text.as_bytes()[..text.len().min(64)];
    let has = |needle: &[u8]| {
        head.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if has(b"error") || has(b"fatal") || has(b"panic") || has(b"crit") {
        t.crit
    } else if has(b"warn") {
        t.warn
    } else {
        t.text
    }
}

fn render_line<'a>(t: &Theme, view: &LogView, l: &'a crate::model::LogLine) -> Line<'a> {
    let mut spans = Vec::with_capacity(3);
    if view.timestamps
        && let Some(ts) = l.timestamp
    {
        spans.push(Span::styled(
            ts.strftime("%H:%M:%S%.3f ").to_string(),
            t.muted,
        ));
    }
    if let Some(p) = &l.prefix {
        spans.push(Span::styled(format!("{p} "), prefix_style(t, p)));
    }
    let level = level_style(t, &l.text);
    // stderr without a level of its own is shown as a warning.
    let style = if l.stderr && level == t.text {
        t.warn
    } else {
        level
    };
    spans.push(Span::styled(l.text.as_str(), style));
    Line::from(spans)
}

/// A stable colour per pod prefix so merged logs stay readable.
fn prefix_style(t: &Theme, prefix: &str) -> Style {
    let palette = [t.accent, t.info, t.ok, t.warn, t.title];
    let h = prefix
        .bytes()
        .fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(b.into()));
    palette[h % palette.len()]
}
