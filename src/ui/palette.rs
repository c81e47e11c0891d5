//! The command palette, drawn above the bottom line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::palette::{COMMANDS, Palette};
use crate::app::state::App;

pub fn draw(frame: &mut Frame, app: &App, area: Rect, p: &Palette) {
    let t = &app.theme;
    let shown = p.candidates.len().min(8) as u16;
    let h = 3 + shown + u16::from(p.error.is_some());
    let w = area.width.min(72);
    let rect = Rect::new(area.x, area.bottom().saturating_sub(h + 1), w, h);
    let mut lines = vec![Line::from(vec![
        Span::styled(":", t.accent),
        Span::styled(format!("{}█", p.input), t.text),
    ])];
    if let Some(e) = &p.error {
        lines.push(Line::from(Span::styled(e.clone(), t.crit)));
    }
    for (i, c) in p.candidates.iter().take(8).enumerate() {
        let desc = COMMANDS
            .iter()
            .find(|(cmd, _)| cmd == c)
            .map(|(_, d)| *d)
            .unwrap_or("");
        let style = if i == p.selected { t.selection } else { t.text };
        lines.push(Line::from(vec![
            Span::styled(format!(" {c:<12}"), style),
            Span::styled(format!(" {desc}"), t.muted),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border_focus)
        .title(Span::styled(
            " command  (tab complete · enter run · esc close) ",
            t.title,
        ));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
