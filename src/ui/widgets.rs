//! Small layout pieces shared by screens: a centred band, wrapped height, a modal.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::app::state::App;

pub fn centered(area: Rect, height: u16) -> Rect {
    let h = height.min(area.height);
    let y = area.y + (area.height - h) / 2;
    Rect::new(area.x, y, area.width, h)
}

/// Rows `lines` take when wrapped at `width` columns.
pub fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let w = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| l.width().div_ceil(w).max(1) as u16)
        .sum()
}

pub fn modal(
    frame: &mut Frame,
    app: &App,
    area: Rect,
    title: &str,
    lines: Vec<Line>,
    border: Style,
) {
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
