//! The confirmation window: the exact command, where it runs, and the
//! buttons, with Cancel focused first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::help::centered;
use crate::app::confirm::{Confirm, Tier};
use crate::app::state::App;

pub fn draw(frame: &mut Frame, app: &App, area: Rect, c: &Confirm) {
    let t = &app.theme;
    let (badge, badge_style) = match c.tier {
        Tier::Mutating => (" MUTATING ", t.badge_readonly),
        Tier::Destructive => (" DESTRUCTIVE ", t.badge_production),
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(badge, badge_style),
            Span::styled(format!(" {}", c.why), t.text),
        ]),
        Line::default(),
        Line::from(Span::styled("command", t.muted)),
        Line::from(Span::styled(format!("  {}", c.command), t.accent)),
        Line::from(Span::styled("target", t.muted)),
        Line::from(Span::styled(format!("  {}", c.target), t.text)),
        Line::default(),
    ];
    match (&c.tier, &c.expected) {
        (Tier::Destructive, Some(name)) => {
            lines.push(Line::from(vec![
                Span::styled("type ", t.text),
                Span::styled(name.clone(), t.crit),
                Span::styled(" to confirm: ", t.text),
            ]));
            let style = if c.can_confirm() { t.ok } else { t.text };
            lines.push(Line::from(Span::styled(format!("  {}█", c.typed), style)));
        }
        _ => lines.push(Line::from(vec![
            Span::styled("press ", t.muted),
            Span::styled("y", t.key),
            Span::styled(" to run it, ", t.muted),
            Span::styled("n", t.key),
            Span::styled(" or ", t.muted),
            Span::styled("esc", t.key),
            Span::styled(" to cancel", t.muted),
        ])),
    }
    lines.push(Line::default());
    let button = |label: &str, focused: bool, enabled: bool| {
        let style = if focused {
            t.selection
        } else if enabled {
            t.text
        } else {
            t.muted
        };
        Span::styled(format!("[ {label} ]"), style)
    };
    lines.push(Line::from(vec![
        button("Cancel", !c.on_confirm, true),
        Span::raw("   "),
        button(
            match c.tier {
                Tier::Mutating => "Run",
                Tier::Destructive => "Delete",
            },
            c.on_confirm,
            c.can_confirm(),
        ),
        Span::styled("   tab switches · enter presses", t.muted),
    ]));
    // Long commands wrap: count the rows each line takes at this width.
    let inner_w = usize::from(area.width.min(76).saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_w))
        .sum();
    let height = (rows as u16 + 2).min(area.height);
    let rect = centered(area, 76, height);
    let border = match c.tier {
        Tier::Mutating => t.warn,
        Tier::Destructive => t.crit,
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(format!(" {} ", c.title), t.title));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
