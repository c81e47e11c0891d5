//! Keymap files to actions. Users write only the keys they change; every
//! problem in a file is reported and the rest of the file still applies.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use ratatui::crossterm::event::KeyEvent;

use super::key::Key;
use crate::config::error::{find_key_line, line_of};
use crate::model::{Action, Section};

const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub action: Action,
    pub keys: Vec<Key>,
    pub desc: String,
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    pub name: String,
    /// Per section, in the order of the default file (the help screen's order).
    bindings: BTreeMap<Section, Vec<Binding>>,
    lookup: HashMap<(Section, Key), Action>,
    /// Every problem found while loading, as `file:line: message`.
    pub warnings: Vec<String>,
}

impl Keymap {
    /// Loads keymap `name`: the built-in default, then the named built-in, then a
    /// same-named user file from `user_dir`. Never fails: problems become warnings.
    pub fn load(name: &str, user_dir: &Path) -> Keymap {
        let mut km = Keymap {
            name: name.to_string(),
            ..Keymap::default()
        };
        km.layer_builtin("default", &mut Vec::new());
        if name != "default" {
            km.layer_builtin(name, &mut vec!["default".to_string()]);
        }
        let user = user_dir.join(format!("{name}.toml"));
        let user_exists = user.is_file();
        if user_exists {
            km.layer_file(&user);
        }
        if !user_exists && !BUILTIN.iter().any(|(n, _)| *n == name) {
            km.warnings.push(format!(
                "no keymap named `{name}` (built-in: {}; or put {name}.toml in {}); using the default keys",
                builtin_names().join(", "),
                user_dir.display()
            ));
        }
        km.rebuild_lookup();
        km
    }

    /// The default keymap with `file` layered on top, as `opsdeck keymap check FILE` sees it.
    pub fn check_file(file: &Path) -> Keymap {
        let mut km = Keymap {
            name: file.display().to_string(),
            ..Keymap::default()
        };
        km.layer_builtin("default", &mut Vec::new());
        km.layer_file(file);
        km.rebuild_lookup();
        km
    }

    fn layer_builtin(&mut self, name: &str, seen: &mut Vec<String>) {
        if let Some((n, text)) = BUILTIN.iter().find(|(n, _)| *n == name) {
            seen.push(name.to_string());
            self.layer_text(text, &format!("<built-in keymaps/{n}.toml>"), seen);
        }
    }

    fn layer_file(&mut self, path: &Path) {
        match std::fs::read_to_string(path) {
            Ok(text) => self.layer_text(&text, &path.display().to_string(), &mut Vec::new()),
            Err(e) => self
                .warnings
                .push(format!("{}: cannot read: {e}", path.display())),
        }
    }

    fn layer_text(&mut self, text: &str, origin: &str, seen: &mut Vec<String>) {
        let table: toml::Table = match text.parse() {
            Ok(t) => t,
            Err(e) => {
                let e: toml::de::Error = e;
                let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
                self.warnings.push(format!(
                    "{origin}:{line}: {}; this file was not applied",
                    e.message().trim().replace('\n', " ")
                ));
                return;
            }
        };
        if let Some(toml::Value::String(parent)) = table.get("inherits")
            && !seen.contains(parent)
        {
            self.layer_builtin(parent, seen);
        }
        for (section, value) in &table {
            if section == "inherits" || section == "name" {
                continue;
            }
            let line = find_line(text, &format!("[{section}]"));
            let toml::Value::Table(entries) = value else {
                self.warnings.push(format!(
                    "{origin}:{line}: `{section}` must be a section such as [dashboard]"
                ));
                continue;
            };
            let Some(section) = Section::from_name(section) else {
                let names: Vec<&str> = Section::ALL.iter().map(|s| s.name()).collect();
                self.warnings.push(format!(
                    "{origin}:{line}: unknown section [{section}] (sections: {})",
                    names.join(", ")
                ));
                continue;
            };
            self.layer_section(section, entries, text, origin);
        }
    }

    fn layer_section(&mut self, section: Section, entries: &toml::Table, text: &str, origin: &str) {
        let list = self.bindings.entry(section).or_default();
        for (action_name, spec) in entries {
            let line = find_key_line(text, action_name).unwrap_or(1);
            let Some(action) = Action::from_name(action_name) else {
                self.warnings.push(format!(
                    "{origin}:{line}: unknown action `{action_name}` (see `opsdeck keymap show` for the actions)"
                ));
                continue;
            };
            let (key_texts, desc) = match spec {
                toml::Value::Table(t) => (
                    t.get("keys").cloned(),
                    t.get("desc").and_then(|d| d.as_str()).map(str::to_owned),
                ),
                toml::Value::Array(_) | toml::Value::String(_) => (Some(spec.clone()), None),
                _ => (None, None),
            };
            let key_texts: Vec<String> = match key_texts {
                Some(toml::Value::Array(a)) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                Some(toml::Value::String(s)) => vec![s],
                _ => {
                    self.warnings.push(format!(
                        "{origin}:{line}: `{action_name}` needs keys, e.g. {action_name} = {{ keys = [\"x\"], desc = \"…\" }}"
                    ));
                    continue;
                }
            };
            let mut keys = Vec::new();
            for k in &key_texts {
                match Key::parse(k) {
                    Ok(key) => keys.push(key),
                    Err(msg) => self.warnings.push(format!("{origin}:{line}: {msg}")),
                }
            }
            match list.iter_mut().find(|b| b.action == action) {
                Some(existing) => {
                    existing.keys = keys;
                    if let Some(d) = desc {
                        existing.desc = d;
                    }
                }
                None => list.push(Binding {
                    action,
                    keys,
                    desc: desc.unwrap_or_else(|| action_name.replace('_', " ")),
                }),
            }
        }
        // A key the user just bound wins over the same key left on another action.
        for (action_name, _) in entries {
            let Some(action) = Action::from_name(action_name) else {
                continue;
            };
            let new_keys: Vec<Key> = list
                .iter()
                .find(|b| b.action == action)
                .map(|b| b.keys.clone())
                .unwrap_or_default();
            // Moving a default key silently is intended; clashes within one file are reported below.
            for other in list
                .iter_mut()
                .filter(|b| b.action != action && !entries.contains_key(&b.action.name()))
            {
                other.keys.retain(|k| !new_keys.contains(k));
            }
        }
        // Clashes within this file's own entries.
        let mut owner: HashMap<Key, &str> = HashMap::new();
        for (action_name, _) in entries {
            let Some(action) = Action::from_name(action_name) else {
                continue;
            };
            let Some(binding) = list.iter().find(|b| b.action == action) else {
                continue;
            };
            for key in &binding.keys {
                if let Some(first) = owner.get(key) {
                    self.warnings.push(format!(
                        "{origin}:{}: key `{key}` is bound to both `{first}` and `{action_name}` in [{section}]; `{first}` keeps it",
                        find_key_line(text, action_name).unwrap_or(1)
                    ));
                } else {
                    owner.insert(*key, action_name.as_str());
                }
            }
        }
    }

    fn rebuild_lookup(&mut self) {
        self.lookup.clear();
        for (section, list) in &self.bindings {
            for b in list {
                for k in &b.keys {
                    self.lookup.entry((*section, *k)).or_insert(b.action);
                }
            }
        }
    }

    /// The action bound to a key press in a section, if any.
    pub fn action(&self, section: Section, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev)?;
        self.lookup.get(&(section, key)).copied()
    }

    pub fn bindings(&self, section: Section) -> &[Binding] {
        self.bindings
            .get(&section)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The first key of an action, for hints in footers ("? help").
    pub fn key_for(&self, section: Section, action: Action) -> String {
        self.bindings(section)
            .iter()
            .find(|b| b.action == action)
            .and_then(|b| b.keys.first())
            .map(|k| k.to_string())
            .unwrap_or_else(|| "(unbound)".into())
    }
}

fn find_line(text: &str, needle: &str) -> usize {
    text.find(needle).map(|o| line_of(text, o)).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    fn press(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn shipped_keymaps_parse_without_warnings() {
        for name in builtin_names() {
            let km = Keymap::load(name, Path::new("/nonexistent"));
            assert!(km.warnings.is_empty(), "{name}: {:?}", km.warnings);
            assert_eq!(
                km.action(Section::Dashboard, &press('q')),
                Some(Action::Quit)
            );
        }
    }

    #[test]
    fn every_action_has_a_default_key_and_description() {
        let km = Keymap::load("default", Path::new("/nonexistent"));
        for action in Action::ALL {
            let b = km
                .bindings(Section::Dashboard)
                .iter()
                .find(|b| b.action == *action);
            let b = b.unwrap_or_else(|| panic!("{action:?} has no default binding"));
            assert!(!b.keys.is_empty() && !b.desc.is_empty(), "{action:?}");
        }
    }

    #[test]
    fn every_wizard_action_has_a_default_key_and_description() {
        let km = Keymap::load("default", Path::new("/nonexistent"));
        for action in Action::WIZARD {
            let b = km
                .bindings(Section::Wizard)
                .iter()
                .find(|b| b.action == *action);
            let b = b.unwrap_or_else(|| panic!("{action:?} has no [wizard] binding"));
            assert!(!b.keys.is_empty() && !b.desc.is_empty(), "{action:?}");
        }
        // Confirming is never on the key that starts a step.
        let run = km
            .bindings(Section::Wizard)
            .iter()
            .find(|b| b.action == Action::RunStep)
            .unwrap();
        let yes = km
            .bindings(Section::Wizard)
            .iter()
            .find(|b| b.action == Action::Confirm)
            .unwrap();
        assert!(run.keys.iter().all(|k| !yes.keys.contains(k)));
    }

    #[test]
    fn user_file_changes_only_what_it_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("default.toml"),
            "[dashboard]\nquit = { keys = [\"x\"] }\n",
        )
        .unwrap();
        let km = Keymap::load("default", dir.path());
        assert!(km.warnings.is_empty(), "{:?}", km.warnings);
        assert_eq!(
            km.action(Section::Dashboard, &press('x')),
            Some(Action::Quit)
        );
        assert_eq!(km.action(Section::Dashboard, &press('q')), None);
        assert_eq!(
            km.action(Section::Dashboard, &press('?')),
            Some(Action::Help)
        );
    }

    #[test]
    fn rebinding_a_default_key_moves_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("default.toml"),
            "[dashboard]\nrefresh = { keys = [\"q\"] }\n",
        )
        .unwrap();
        let km = Keymap::load("default", dir.path());
        assert_eq!(
            km.action(Section::Dashboard, &press('q')),
            Some(Action::Refresh)
        );
    }
}
