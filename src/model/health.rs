//! Results of the health checks a profile configures.

use std::time::Duration;

use jiff::Timestamp;

/// The result of running one check once.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub ok: bool,
    pub latency: Duration,
    /// "HTTP 200", or the failure in words: "connection refused", "timed out after 2s".
    pub detail: String,
}

/// A check's result, addressed by its position in the profile.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthResult {
    pub service: usize,
    pub check: usize,
    pub outcome: CheckOutcome,
    pub at: Timestamp,
}
