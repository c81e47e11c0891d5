//! The Services pane's state: each service's checks, their last result and
//! a short latency history for the sparkline.

use std::collections::VecDeque;

use jiff::Timestamp;

use crate::config::profile::Service;
use crate::model::Severity;
use crate::model::{CheckOutcome, HealthResult};

/// Latency samples kept per check for the sparkline.
pub const HISTORY: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub struct CheckState {
    pub kind: &'static str,
    pub target: String,
    pub last: Option<CheckOutcome>,
    pub at: Option<Timestamp>,
    /// Latency in milliseconds, oldest first; 0 marks a failed run.
    pub history: VecDeque<u64>,
    /// Consecutive failures; 0 when the last run passed.
    pub failing_for: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    pub name: String,
    pub description: Option<String>,
    pub workload: Option<String>,
    pub checks: Vec<CheckState>,
}

impl ServiceRow {
    pub fn from_profile(service: &Service) -> ServiceRow {
        ServiceRow {
            name: service.name.clone(),
            description: service.description.clone(),
            workload: service.workload.clone(),
            checks: service
                .checks
                .iter()
                .map(|c| CheckState {
                    kind: c.kind(),
                    target: c.target().to_string(),
                    last: None,
                    at: None,
                    history: VecDeque::with_capacity(HISTORY),
                    failing_for: 0,
                })
                .collect(),
        }
    }

    /// Worst state of its checks; Unknown until every check has run once.
    pub fn severity(&self) -> Severity {
        if self.checks.is_empty() {
            return Severity::Unknown;
        }
        let mut worst = Severity::Ok;
        for c in &self.checks {
            let s = match &c.last {
                None => Severity::Unknown,
                Some(o) if o.ok => Severity::Ok,
                Some(_) => Severity::Crit,
            };
            worst = worst.min(s);
        }
        worst
    }

    /// The failing check's reason, or the first check's detail.
    pub fn summary(&self) -> String {
        if self.checks.is_empty() {
            return "no checks configured".into();
        }
        let failing = self
            .checks
            .iter()
            .find(|c| c.last.as_ref().is_some_and(|o| !o.ok));
        let shown = failing.or(self.checks.first());
        match shown.and_then(|c| c.last.as_ref()) {
            Some(o) => o.detail.clone(),
            None => "checking…".into(),
        }
    }

    /// Latency of the most recent run of the first check, in ms.
    pub fn latency_ms(&self) -> Option<u64> {
        self.checks
            .first()
            .and_then(|c| c.last.as_ref())
            .map(|o| o.latency.as_millis() as u64)
    }
}

/// Folds a health result into the rows; out-of-range indexes (a profile that
/// changed under an in-flight check) are ignored.
pub fn apply(rows: &mut [ServiceRow], result: &HealthResult) {
    let Some(check) = rows
        .get_mut(result.service)
        .and_then(|r| r.checks.get_mut(result.check))
    else {
        return;
    };
    let ms = if result.outcome.ok {
        (result.outcome.latency.as_millis() as u64).max(1)
    } else {
        0
    };
    if check.history.len() == HISTORY {
        check.history.pop_front();
    }
    check.history.push_back(ms);
    check.failing_for = if result.outcome.ok {
        0
    } else {
        check.failing_for + 1
    };
    check.last = Some(result.outcome.clone());
    check.at = Some(result.at);
}
