//! Confirmation of a dashboard action that changes something. Mutating needs
//! `y` (focus starts on Cancel); destructive needs the target's name typed.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::model::Platform;

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
        deployment: String,
    },
    KubeDeletePod {
        namespace: String,
        pod: String,
    },
    /// An Alertmanager silence for one alert; the author is the login name.
    CreateSilence {
        alert: String,
        matchers: Vec<crate::sources::alertmanager::Matcher>,
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
            (Tier::Destructive, Some(name)) => self.typed == *name,
            _ => true,
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Decision {
        match (self.tier, key.code) {
            (_, KeyCode::Esc) => Decision::Cancelled,
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
