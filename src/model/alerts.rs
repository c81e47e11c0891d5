//! Alerts as Prometheus and Alertmanager report them, and what the alerts
//! source sends: the words the source, the state and the screen share.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertState {
    Inactive,
    Pending,
    Firing,
}

impl AlertState {
    pub fn parse(s: &str) -> AlertState {
        match s {
            "firing" => AlertState::Firing,
            "pending" => AlertState::Pending,
            _ => AlertState::Inactive,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AlertState::Inactive => "inactive",
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

/// An active alert: pending (its expression holds, not yet for `for`) or firing.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub labels: Labels,
    pub annotations: Labels,
    pub state: AlertState,
    /// When the expression first held; absent if the server did not say.
    pub active_at: Option<jiff::Timestamp>,
    /// The expression's value when last evaluated (may be NaN or infinite).
    pub value: f64,
}

impl Alert {
    /// The `alertname` label.
    pub fn name(&self) -> &str {
        self.labels.get("alertname").map_or("", String::as_str)
    }

    pub fn severity(&self) -> Option<&str> {
        self.labels.get("severity").map(String::as_str)
    }

    /// The `summary` annotation, else `description`.
    pub fn summary(&self) -> Option<&str> {
        self.annotations
            .get("summary")
            .or_else(|| self.annotations.get("description"))
            .map(String::as_str)
    }
}

/// One label matcher of a silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    /// False for `!=` and `!~`.
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl Matcher {
    /// `name="value"`.
    pub fn equal(name: &str, value: &str) -> Matcher {
        Matcher {
            name: name.to_string(),
            value: value.to_string(),
            is_regex: false,
            is_equal: true,
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match (self.is_equal, self.is_regex) {
            (true, false) => "=",
            (false, false) => "!=",
            (true, true) => "=~",
            (false, true) => "!~",
        };
        write!(f, "{}{op}{:?}", self.name, self.value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertStatus {
    Active,
    /// Silenced or inhibited.
    Suppressed,
    Unprocessed,
}

/// An alert as Alertmanager holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedAlert {
    pub labels: Labels,
    pub annotations: Labels,
    pub fingerprint: String,
    pub starts_at: Option<jiff::Timestamp>,
    pub ends_at: Option<jiff::Timestamp>,
    pub status: AlertStatus,
    /// IDs of the silences that mute it.
    pub silenced_by: Vec<String>,
    /// Fingerprints of the alerts that inhibit it.
    pub inhibited_by: Vec<String>,
    pub receivers: Vec<String>,
    pub generator_url: String,
}

impl ManagedAlert {
    pub fn name(&self) -> &str {
        self.labels.get("alertname").map_or("", String::as_str)
    }

    pub fn is_silenced(&self) -> bool {
        !self.silenced_by.is_empty()
    }

    pub fn is_inhibited(&self) -> bool {
        !self.inhibited_by.is_empty()
    }
}

/// What the alerts source reports.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertsMsg {
    /// One complete poll: replaces the alerts, appends to each SLO's history.
    Polled(Poll),
    /// Prometheus could not be read; one line, with what happens next.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    pub alerts: Vec<Alert>,
    /// Alerting rules the server evaluates.
    pub rules: usize,
    /// One reading per profile SLO, in profile order.
    pub slos: Vec<SloReading>,
    /// Alertmanager's view when `[alertmanager]` is set: its alerts, or why not.
    pub alertmanager: Option<Result<Vec<ManagedAlert>, String>>,
    /// How often the source polls (the profile's interval, or the rules' if slower).
    pub interval: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SloReading {
    pub name: String,
    /// The worst value of the query's series; NaN when it has none.
    pub value: Result<f64, String>,
}
