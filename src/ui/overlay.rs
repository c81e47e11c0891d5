//! Scrollable detail windows (service detail, workload description).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::help::centered;
use crate::app::state::App;

pub fn draw_detail(
    frame: &mut Frame,
    app: &App,
    area: Rect,
    title: &str,
    lines: &[String],
    scroll: u16,
) {
    let t = &app.theme;
    let rect = centered(
        area,
        area.width.saturating_sub(8).max(60),
        area.height.saturating_sub(4),
    );
    let body: Vec<Line> = lines
        .iter()
        .map(|l| {
            // Keys of `Key: value` lines in the accent colour, like describe output.
            match l.split_once(':') {
                Some((k, v)) if !k.starts_with("  ") || k.trim_start().len() < 20 => {
                    Line::from(vec![
                        Span::styled(format!("{k}:"), t.accent),
                        Span::styled(v.to_string(), t.text),
                    ])
                }
                _ => Line::from(Span::styled(l.clone(), t.text)),
            }
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border_focus)
        .title(Span::styled(format!(" {title} "), t.title))
        .title_bottom(Span::styled(" esc close · ↑↓ scroll ", t.muted));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(body).block(block).scroll((scroll, 0)), rect);
}
