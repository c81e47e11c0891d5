//! Reading theme files: inheritance, user overrides, and errors with lines.

use std::path::{Path, PathBuf};

use ratatui::style::{Modifier, Style};

use super::Theme;
use super::color::parse_color;
use crate::config::error::{find_key_line, toml_error};

const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("dark-256", include_str!("../../themes/dark-256.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThemeError {
    #[error("{origin}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        origin: String,
        line: Option<usize>,
        message: String,
    },
    #[error("no theme named `{name}`; built-in themes: {known}")]
    Unknown { name: String, known: String },
    #[error("theme `{name}` inherits from itself ({chain})")]
    Cycle { name: String, chain: String },
}

pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// Theme files in the user's themes directory, by name.
pub fn user_theme_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            (p.extension()? == "toml").then(|| p.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    names
}

fn truecolor() -> bool {
    std::env::var("COLORTERM")
        .map(|v| v == "truecolor" || v == "24bit")
        .unwrap_or(false)
}

/// Loads theme `name`, honouring `NO_COLOR`. On any error the default theme is
/// returned together with the error, so the console starts regardless.
pub fn load_theme(name: &str, user_dir: &Path) -> (Theme, Option<ThemeError>) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let name = if no_color { "mono" } else { name };
    match resolve(name, user_dir, &mut Vec::new(), truecolor()) {
        Ok(theme) => (theme, None),
        Err(err) => {
            let fallback = resolve("default", Path::new(""), &mut Vec::new(), false)
                .unwrap_or_else(|_| Theme::fallback());
            (fallback, Some(err))
        }
    }
}

struct Source {
    origin: String,
    text: String,
}

fn user_file(dir: &Path, name: &str) -> Option<(PathBuf, String)> {
    if dir.as_os_str().is_empty() {
        return None;
    }
    let path = dir.join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).ok()?;
    Some((path, text))
}

fn resolve(
    name: &str,
    user_dir: &Path,
    chain: &mut Vec<String>,
    truecolor: bool,
) -> Result<Theme, ThemeError> {
    if chain.iter().any(|n| n == name) {
        chain.push(name.to_string());
        return Err(ThemeError::Cycle {
            name: chain[0].clone(),
            chain: chain.join(" -> "),
        });
    }
    chain.push(name.to_string());

    let builtin = BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, t)| Source {
            origin: format!("<built-in themes/{n}.toml>"),
            text: (*t).to_string(),
        });
    let user = user_file(user_dir, name).map(|(p, t)| Source {
        origin: p.display().to_string(),
        text: t,
    });
    if builtin.is_none() && user.is_none() {
        return Err(ThemeError::Unknown {
            name: name.to_string(),
            known: builtin_names().join(", "),
        });
    }

    // Layers from the bottom up: the built-in of this name, then the user's file.
    let mut theme: Option<Theme> = None;
    for source in [builtin, user].into_iter().flatten() {
        let table: toml::Table = source
            .text
            .parse()
            .map_err(|e: toml::de::Error| to_theme_error(&source, &e))?;
        let parent = match table.get("inherits") {
            Some(toml::Value::String(p)) => Some(p.clone()),
            Some(_) => {
                return Err(invalid(
                    &source,
                    "inherits",
                    "`inherits` must be a theme name",
                ));
            }
            None => None,
        };
        let mut base = match (theme.take(), parent) {
            (_, Some(parent)) if parent != name => resolve(&parent, user_dir, chain, truecolor)?,
            (_, Some(parent)) => {
                return Err(ThemeError::Cycle {
                    name: name.to_string(),
                    chain: format!("{parent} -> {parent}"),
                });
            }
            (Some(below), None) => below,
            (None, None) => Theme::fallback(),
        };
        apply(&mut base, &table, &source, truecolor)?;
        base.name = name.to_string();
        theme = Some(base);
    }
    chain.pop();
    theme.ok_or_else(|| ThemeError::Unknown {
        name: name.to_string(),
        known: builtin_names().join(", "),
    })
}

fn apply(
    theme: &mut Theme,
    table: &toml::Table,
    source: &Source,
    truecolor: bool,
) -> Result<(), ThemeError> {
    for (key, value) in table {
        if key == "name" || key == "inherits" {
            continue;
        }
        let style = parse_style(value, truecolor).map_err(|m| invalid(source, key, &m))?;
        match theme.slot_mut(key) {
            Some(slot) => *slot = style,
            None => {
                return Err(invalid(
                    source,
                    key,
                    &format!("unknown slot `{key}` (slots: {})", super::SLOTS.join(", ")),
                ));
            }
        }
    }
    Ok(())
}

fn parse_style(value: &toml::Value, truecolor: bool) -> Result<Style, String> {
    let toml::Value::Table(t) = value else {
        return Err("a slot is a table such as { fg = \"green\", modifiers = [\"bold\"] }".into());
    };
    let mut style = Style::new();
    for (k, v) in t {
        match (k.as_str(), v) {
            ("fg", toml::Value::String(c)) => style = style.fg(parse_color(c, truecolor)?),
            ("bg", toml::Value::String(c)) => style = style.bg(parse_color(c, truecolor)?),
            ("modifiers", toml::Value::Array(list)) => {
                for m in list {
                    let name = m.as_str().unwrap_or_default();
                    style = style.add_modifier(parse_modifier(name)?);
                }
            }
            (other, _) => {
                return Err(format!(
                    "`{other}` is not a style key (use fg, bg and modifiers)"
                ));
            }
        }
    }
    Ok(style)
}

fn parse_modifier(name: &str) -> Result<Modifier, String> {
    Ok(match name {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" | "underline" => Modifier::UNDERLINED,
        "reversed" | "reverse" => Modifier::REVERSED,
        "crossed-out" | "crossed_out" => Modifier::CROSSED_OUT,
        other => {
            return Err(format!(
                "unknown modifier `{other}` (use bold, dim, italic, underlined, reversed, crossed-out)"
            ));
        }
    })
}

fn to_theme_error(source: &Source, err: &toml::de::Error) -> ThemeError {
    let e = toml_error(Path::new(&source.origin), &source.text, err);
    match e {
        crate::config::ConfigError::Invalid { line, message, .. } => ThemeError::Invalid {
            origin: source.origin.clone(),
            line,
            message,
        },
        other => ThemeError::Invalid {
            origin: source.origin.clone(),
            line: None,
            message: other.to_string(),
        },
    }
}

/// An error at the line where `key` is set.
fn invalid(source: &Source, key: &str, message: &str) -> ThemeError {
    let line = find_key_line(&source.text, key);
    ThemeError::Invalid {
        origin: source.origin.clone(),
        line,
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn every_builtin_theme_loads() {
        for name in builtin_names() {
            let theme = resolve(name, Path::new(""), &mut Vec::new(), false);
            assert!(theme.is_ok(), "{name}: {theme:?}");
        }
    }

    #[test]
    fn default_theme_uses_only_named_ansi_colours() {
        let theme = resolve("default", Path::new(""), &mut Vec::new(), true).unwrap();
        let mut t = theme.clone();
        for slot in super::super::SLOTS {
            let style = *t.slot_mut(slot).unwrap();
            for c in [style.fg, style.bg].into_iter().flatten() {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "{slot} uses {c:?}"
                );
            }
        }
    }

    #[test]
    fn user_file_overrides_slot_by_slot() {
        let dir = dir_with(&[("default.toml", "crit = { fg = \"magenta\" }\n")]);
        let theme = resolve("default", dir.path(), &mut Vec::new(), true).unwrap();
        assert_eq!(theme.crit, Style::new().fg(Color::Magenta));
        assert_eq!(theme.ok, Style::new().fg(Color::Green), "other slots kept");
    }

    #[test]
    fn inheritance_cycle_is_reported() {
        let dir = dir_with(&[
            ("a.toml", "inherits = \"b\"\n"),
            ("b.toml", "inherits = \"a\"\n"),
        ]);
        let err = resolve("a", dir.path(), &mut Vec::new(), true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "theme `a` inherits from itself (a -> b -> a)"
        );
    }

    #[test]
    fn broken_theme_falls_back_to_default_with_file_and_line() {
        let dir = dir_with(&[(
            "broken.toml",
            "name = \"broken\"\nok = { fg = \"grene\" }\n",
        )]);
        let (theme, err) = load_theme("broken", dir.path());
        assert_eq!(theme.name, "default");
        let msg = err.unwrap().to_string();
        assert_eq!(
            msg,
            format!(
                "{}:2: unknown colour `grene` (use a name such as green or bright-red, 0-255, or #rrggbb)",
                dir.path().join("broken.toml").display()
            )
        );
    }
}
