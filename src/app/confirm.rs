//! Confirmation of a dashboard action that changes something. Mutating needs
//! `y` (focus starts on Cancel); destructive needs the target's name typed.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::model::Platform;

/// How much an action can hurt, the same three tiers the runbook wizard uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Mutating,
    Destructive,
}

/// What runs once confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingAction {
    DockerRestart {
        container: String,
    },
    KubeRolloutRestart {
        namespace: String,
        kind: crate::model::RestartKind,
        name: String,
    },
    KubeDeletePod {
        namespace: String,
        pod: String,
    },
    /// Not a change to a system: leaving an open incident for another profile.
    SwitchProfile {
        spec: String,
    },
    /// An Alertmanager silence for one alert; the author is the login name.
    CreateSilence {
        alert: String,
        matchers: Vec<crate::model::alerts::Matcher>,
        duration: std::time::Duration,
        comment: String,
    },
    /// Expire the silences muting an alert.
    ExpireSilences {
        alert: String,
        ids: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub title: String,
    /// The exact equivalent command, shown in full.
    pub command: String,
    /// Where it runs: engine host, or kube context and namespace.
    pub target: String,
    pub platform: Platform,
    pub tier: Tier,
    pub why: String,
    /// For destructive actions: the name to type.
    pub expected: Option<String>,
    pub typed: String,
    /// Focus on the confirm button; starts on Cancel.
    pub on_confirm: bool,
    pub action: PendingAction,
}

/// The outcome of a key in the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Pending,
    Cancelled,
    Confirmed(PendingAction),
}

impl Confirm {
    pub fn can_confirm(&self) -> bool {
        match (&self.tier, &self.expected) {
            (Tier::Destructive, Some(name)) => self.typed.trim() == name,
            _ => true,
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Decision {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match (self.tier, key.code) {
            // Ctrl-C cancels here as in the wizard's confirmation.
            (_, KeyCode::Esc) => Decision::Cancelled,
            (_, KeyCode::Char('c')) if ctrl => Decision::Cancelled,
            (_, KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right) => {
                self.on_confirm = !self.on_confirm;
                Decision::Pending
            }
            (_, KeyCode::Enter) => {
                if self.on_confirm && self.can_confirm() {
                    Decision::Confirmed(self.action.clone())
                } else if self.on_confirm {
                    Decision::Pending
                } else {
                    Decision::Cancelled
                }
            }
            (Tier::Mutating, KeyCode::Char('y')) => Decision::Confirmed(self.action.clone()),
            (Tier::Mutating, KeyCode::Char('n')) => Decision::Cancelled,
            (Tier::Destructive, KeyCode::Backspace) => {
                self.typed.pop();
                Decision::Pending
            }
            (Tier::Destructive, KeyCode::Char(c))
                if !key.modifiers.contains(KeyModifiers::CONTROL) =>
            {
                self.typed.push(c);
                // Typing the full name moves focus to the button; Enter then confirms.
                self.on_confirm = self.can_confirm();
                Decision::Pending
            }
            _ => Decision::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn dialog(tier: Tier) -> Confirm {
        Confirm {
            title: "t".into(),
            command: "kubectl delete pod x".into(),
            target: "ctx".into(),
            platform: Platform::Kubernetes,
            tier,
            why: String::new(),
            expected: (tier == Tier::Destructive).then(|| "x-1".to_string()),
            typed: String::new(),
            on_confirm: false,
            action: PendingAction::KubeDeletePod {
                namespace: "ns".into(),
                pod: "x-1".into(),
            },
        }
    }

    /// Every tier, with the same rules as the wizard's confirmation: Ctrl-C and
    /// Esc cancel, typed names are trimmed and must match exactly.
    #[test]
    fn keys_by_tier() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        let chars = |s: &str| s.chars().map(|c| key(KeyCode::Char(c))).collect::<Vec<_>>();
        let enter = key(KeyCode::Enter);
        let tab = key(KeyCode::Tab);
        let cases: Vec<(Tier, Vec<KeyEvent>, &str)> = vec![
            (Tier::Mutating, vec![ctrl_c], "cancelled"),
            (Tier::Mutating, vec![key(KeyCode::Esc)], "cancelled"),
            (Tier::Mutating, vec![key(KeyCode::Char('n'))], "cancelled"),
            (Tier::Mutating, vec![key(KeyCode::Char('y'))], "confirmed"),
            (Tier::Mutating, vec![enter], "cancelled"),
            (Tier::Mutating, vec![tab, enter], "confirmed"),
            (Tier::Destructive, vec![ctrl_c], "cancelled"),
            (Tier::Destructive, chars("y"), "pending"),
            (
                Tier::Destructive,
                [chars("x-1"), vec![enter]].concat(),
                "confirmed",
            ),
            (
                Tier::Destructive,
                [chars(" x-1 "), vec![enter]].concat(),
                "confirmed",
            ),
            (
                Tier::Destructive,
                [chars("x-"), vec![tab, enter]].concat(),
                "pending",
            ),
            (
                Tier::Destructive,
                [chars("X-1"), vec![tab, enter]].concat(),
                "pending",
            ),
            (
                Tier::Destructive,
                [chars("x-1"), vec![ctrl_c]].concat(),
                "cancelled",
            ),
        ];
        for (tier, keys, want) in cases {
            let mut d = dialog(tier);
            let mut got = Decision::Pending;
            for k in &keys {
                got = d.on_key(*k);
                if got != Decision::Pending {
                    break;
                }
            }
            let got = match got {
                Decision::Pending => "pending",
                Decision::Cancelled => "cancelled",
                Decision::Confirmed(_) => "confirmed",
            };
            assert_eq!(got, want, "{tier:?} {keys:?}");
        }
    }

    #[test]
    fn mutating_enter_on_the_default_focus_cancels_and_y_confirms() {
        let mut d = dialog(Tier::Mutating);
        assert_eq!(d.on_key(key(KeyCode::Enter)), Decision::Cancelled);
        let mut d = dialog(Tier::Mutating);
        assert!(matches!(
            d.on_key(key(KeyCode::Char('y'))),
            Decision::Confirmed(_)
        ));
    }

    #[test]
    fn destructive_needs_the_exact_name() {
        let mut d = dialog(Tier::Destructive);
        assert_eq!(
            d.on_key(key(KeyCode::Char('y'))),
            Decision::Pending,
            "y is just a letter"
        );
        d.typed.clear();
        d.on_confirm = true;
        assert_eq!(
            d.on_key(key(KeyCode::Enter)),
            Decision::Pending,
            "nothing typed yet"
        );
        for c in "x-1".chars() {
            d.on_key(key(KeyCode::Char(c)));
        }
        assert!(matches!(
            d.on_key(key(KeyCode::Enter)),
            Decision::Confirmed(_)
        ));
    }
}
