//! Themes: colours keyed by meaning, with `inherits` and a fallback per slot.
//!
//! Built-in themes are embedded; a file of the same name in `<config>/themes/`
//! overrides them slot by slot. A broken file never stops the console: the
//! default theme is used and the problem is reported with file and line.

mod color;
mod load;

pub use color::parse_color;
pub use load::{ThemeError, builtin_names, load_theme, user_theme_names};

use ratatui::style::{Color, Modifier, Style};

/// Styles for every meaning the UI draws. Slot names are the keys of a theme file.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selection: Style,
    pub header: Style,
    pub ok: Style,
    pub warn: Style,
    pub crit: Style,
    pub info: Style,
    pub status_bar: Style,
    pub key: Style,
    pub badge_readonly: Style,
    pub badge_production: Style,
}

/// Slot names as they appear in theme files, in display order.
pub const SLOTS: &[&str] = &[
    "text",
    "muted",
    "accent",
    "title",
    "border",
    "border_focus",
    "selection",
    "header",
    "ok",
    "warn",
    "crit",
    "info",
    "status_bar",
    "key",
    "badge_readonly",
    "badge_production",
];

impl Theme {
    /// The last resort for any slot no file sets: 16 named ANSI colours.
    pub fn fallback() -> Theme {
        let fg = |c: Color| Style::new().fg(c);
        Theme {
            name: "default".into(),
            text: Style::new(),
            muted: fg(Color::DarkGray),
            accent: fg(Color::Cyan),
            title: Style::new().add_modifier(Modifier::BOLD),
            border: fg(Color::DarkGray),
            border_focus: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            selection: Style::new().fg(Color::Black).bg(Color::Cyan),
            header: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            ok: fg(Color::Green),
            warn: fg(Color::Yellow),
            crit: fg(Color::Red).add_modifier(Modifier::BOLD),
            info: fg(Color::Blue),
            status_bar: Style::new(),
            key: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            badge_readonly: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            badge_production: Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        }
    }

    pub fn slot_mut(&mut self, name: &str) -> Option<&mut Style> {
        Some(match name {
            "text" => &mut self.text,
            "muted" => &mut self.muted,
            "accent" => &mut self.accent,
            "title" => &mut self.title,
            "border" => &mut self.border,
            "border_focus" => &mut self.border_focus,
            "selection" => &mut self.selection,
            "header" => &mut self.header,
            "ok" => &mut self.ok,
            "warn" => &mut self.warn,
            "crit" => &mut self.crit,
            "info" => &mut self.info,
            "status_bar" => &mut self.status_bar,
            "key" => &mut self.key,
            "badge_readonly" => &mut self.badge_readonly,
            "badge_production" => &mut self.badge_production,
            _ => return None,
        })
    }

    /// Style for a severity, so every pane colours states the same way.
    pub fn severity(&self, severity: crate::model::Severity) -> Style {
        use crate::model::Severity;
        match severity {
            Severity::Ok => self.ok,
            Severity::Warn => self.warn,
            Severity::Crit => self.crit,
            Severity::Unknown => self.muted,
        }
    }
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::fallback()
    }
}
