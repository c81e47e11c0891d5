//! The help overlay, generated from the keymap's descriptions.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::state::App;

pub fn draw(frame: &mut Frame, app: &App, area: Rect, scroll: u16) {
    let t = &app.theme;
    let rect = centered(area, 76, area.height.saturating_sub(4).max(10));
    let bindings = app.keymap.bindings(crate::model::Section::Dashboard);
    let key_w = bindings
        .iter()
        .map(|b| keys_text(b).chars().count())
        .max()
        .unwrap_or(8)
        .min(24);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "keymap `{}` — esc, q or ? closes; ↑↓ scroll",
            app.keymap.name
        ),
        t.muted,
    ))];
    for b in bindings {
        lines.push(Line::from(vec![
            Span::styled(format!("{:>key_w$}  ", keys_text(b)), t.key),
            Span::styled(b.desc.clone(), t.text),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Palette: :profile NAME  :theme NAME  :ns NAME|all  :ctx NAME  :q  (tab completes)",
        t.muted,
    )));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border_focus)
        .title(Span::styled(" Keys ", t.title));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
}

fn keys_text(b: &crate::input::keymap::Binding) -> String {
    b.keys
        .iter()
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
