//! Service level objectives and alert routing in a profile:
//!
//! ```toml
//! [[slo]]
//! name = "p95 latency"
//! query = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="langgraph"}[5m])))'
//! unit = "s"            # s | ms | ratio | percent | count
//! objective = "< 0.5"   # < <= > >= with a number
//!
//! [alerts]
//! HighErrorRate = "builtin:rag7#High Error Rate"
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One objective: a PromQL query whose value is judged against a threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    pub name: String,
    /// A PromQL expression; its value (one series, or the worst of several) is judged.
    pub query: String,
    pub unit: SloUnit,
    pub objective: Objective,
    /// Line of this `[[slo]]` in the profile file, for messages; not part of the file.
    #[serde(skip)]
    pub line: Option<usize>,
}

impl Slo {
    /// Judges a value of the query against the objective.
    pub fn judge(&self, value: f64) -> SloState {
        self.objective.judge(self.unit, value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SloUnit {
    /// Seconds.
    S,
    /// Milliseconds.
    Ms,
    /// A fraction between 0 and 1.
    Ratio,
    /// A fraction between 0 and 100.
    Percent,
    Count,
}

impl SloUnit {
    /// The upper bound of a bounded unit (ratio and percent).
    fn bound(self) -> Option<f64> {
        match self {
            SloUnit::Ratio => Some(1.0),
            SloUnit::Percent => Some(100.0),
            _ => None,
        }
    }

    /// A value with its unit, for tables: `0.42 s`, `99.95 %`.
    pub fn format(self, value: f64) -> String {
        if value.is_nan() {
            return "no data".into();
        }
        match self {
            SloUnit::S => format!("{} s", trim(value, 3)),
            SloUnit::Ms => format!("{} ms", trim(value, 1)),
            SloUnit::Ratio => trim(value, 4),
            SloUnit::Percent => format!("{} %", trim(value, 3)),
            SloUnit::Count => trim(value, 1),
        }
    }
}

/// `value` with at most `decimals` decimals, trailing zeros removed.
fn trim(value: f64, decimals: usize) -> String {
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let s = format!("{value:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
        }
    }

    fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Lt => value < threshold,
            Comparison::Le => value <= threshold,
            Comparison::Gt => value > threshold,
            Comparison::Ge => value >= threshold,
        }
    }
}

/// `< 0.5`, `>= 99.9`: what the value must satisfy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Objective {
    pub comparison: Comparison,
    pub threshold: f64,
}

/// How a value stands against its objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SloState {
    /// Met, with room to spare.
    Ok,
    /// Met, with less than 10 % of the room left (see [`Objective::judge`]).
    Near,
    Breached,
    /// The query has no number to judge (NaN: e.g. no traffic to divide by).
    NoData,
}

impl SloState {
    pub fn name(self) -> &'static str {
        match self {
            SloState::Ok => "ok",
            SloState::Near => "near",
            SloState::Breached => "breached",
            SloState::NoData => "no data",
        }
    }
}

impl Objective {
    /// Judges `value`. An objective that does not hold is breached. One that
    /// holds is near when the value is within 10 % of the threshold; for a
    /// lower bound on a ratio or percentage (availability, cache hits), 10 %
    /// of the room between the threshold and 1 (or 100 %), so that 99.95 %
    /// against `>= 99.9` is ok and 99.905 % is near.
    pub fn judge(&self, unit: SloUnit, value: f64) -> SloState {
        if value.is_nan() {
            return SloState::NoData;
        }
        let t = self.threshold;
        if !self.comparison.holds(value, t) {
            return SloState::Breached;
        }
        let near = match self.comparison {
            Comparison::Lt | Comparison::Le => value >= t - 0.1 * t.abs(),
            Comparison::Gt | Comparison::Ge => match unit.bound() {
                Some(bound) if t < bound => value <= t + 0.1 * (bound - t),
                _ => value <= t + 0.1 * t.abs(),
            },
        };
        if near { SloState::Near } else { SloState::Ok }
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.comparison.symbol(), self.threshold)
    }
}

impl FromStr for Objective {
    type Err = String;

    fn from_str(text: &str) -> Result<Objective, String> {
        let hint = || {
            format!(
                "objective {text:?}: write a comparison (<, <=, > or >=) and a number, e.g. \"< 0.5\" or \">= 99.9\""
            )
        };
        let s = text.trim();
        let (comparison, rest) = if let Some(r) = s.strip_prefix("<=") {
            (Comparison::Le, r)
        } else if let Some(r) = s.strip_prefix(">=") {
            (Comparison::Ge, r)
        } else if let Some(r) = s.strip_prefix('<') {
            (Comparison::Lt, r)
        } else if let Some(r) = s.strip_prefix('>') {
            (Comparison::Gt, r)
        } else {
            return Err(hint());
        };
        let threshold: f64 = rest.trim().parse().map_err(|_| hint())?;
        if !threshold.is_finite() {
            return Err(hint());
        }
        Ok(Objective {
            comparison,
            threshold,
        })
    }
}

impl Serialize for Objective {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Objective {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A procedure that answers an alert: `builtin:rag7#High Error Rate`, or a
/// runbook file and a procedure title, `runbooks/extra.md#Cache Issues`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureRef {
    /// `builtin:NAME` or a Markdown file (relative to the profile).
    pub runbook: String,
    /// The procedure's title.
    pub procedure: String,
}

impl fmt::Display for ProcedureRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.runbook, self.procedure)
    }
}

impl FromStr for ProcedureRef {
    type Err = String;

    fn from_str(text: &str) -> Result<ProcedureRef, String> {
        match text.split_once('#') {
            Some((r, p)) if !r.trim().is_empty() && !p.trim().is_empty() => Ok(ProcedureRef {
                runbook: r.trim().to_string(),
                procedure: p.trim().to_string(),
            }),
            _ => Err(format!(
                "procedure {text:?}: write RUNBOOK#PROCEDURE, e.g. \"builtin:rag7#High Error Rate\""
            )),
        }
    }
}

impl Serialize for ProcedureRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ProcedureRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The worst value of an SLO query's series: the one furthest on the wrong
/// side of the objective. An empty result is NaN (no data).
pub fn worst(objective: &Objective, values: impl Iterator<Item = f64>) -> f64 {
    let upper = matches!(objective.comparison, Comparison::Lt | Comparison::Le);
    values.filter(|v| !v.is_nan()).fold(f64::NAN, |acc, v| {
        if acc.is_nan() || (upper && v > acc) || (!upper && v < acc) {
            v
        } else {
            acc
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(s: &str) -> Objective {
        s.parse().unwrap()
    }

    #[test]
    fn objectives_parse_and_print() {
        assert_eq!(
            obj("< 0.5"),
            Objective {
                comparison: Comparison::Lt,
                threshold: 0.5
            }
        );
        assert_eq!(obj(">=99.9").to_string(), ">= 99.9");
        assert_eq!(obj("  <= 2 ").comparison, Comparison::Le);
        for bad in ["0.5", "== 1", "< fast", "<", "< NaN", "=< 1"] {
            let e = bad.parse::<Objective>().unwrap_err();
            assert!(e.contains("write a comparison"), "{bad}: {e}");
        }
    }

    #[test]
    fn judging_upper_bounds() {
        let p95 = obj("< 0.5");
        assert_eq!(p95.judge(SloUnit::S, 0.30), SloState::Ok);
        assert_eq!(p95.judge(SloUnit::S, 0.46), SloState::Near);
        assert_eq!(p95.judge(SloUnit::S, 0.5), SloState::Breached);
        assert_eq!(p95.judge(SloUnit::S, 3.4), SloState::Breached);
        assert_eq!(p95.judge(SloUnit::S, f64::INFINITY), SloState::Breached);
        assert_eq!(p95.judge(SloUnit::S, f64::NAN), SloState::NoData);
        assert_eq!(obj("<= 0.5").judge(SloUnit::S, 0.5), SloState::Near);
    }

    #[test]
    fn judging_lower_bounds_on_bounded_and_unbounded_units() {
        let availability = obj(">= 99.9");
        assert_eq!(availability.judge(SloUnit::Percent, 100.0), SloState::Ok);
        assert_eq!(availability.judge(SloUnit::Percent, 99.95), SloState::Ok);
        assert_eq!(availability.judge(SloUnit::Percent, 99.905), SloState::Near);
        assert_eq!(
            availability.judge(SloUnit::Percent, 99.5),
            SloState::Breached
        );
        let cache = obj("> 0.85");
        assert_eq!(cache.judge(SloUnit::Ratio, 0.89), SloState::Ok);
        assert_eq!(cache.judge(SloUnit::Ratio, 0.86), SloState::Near);
        assert_eq!(cache.judge(SloUnit::Ratio, 0.62), SloState::Breached);
        let throughput = obj("> 100");
        assert_eq!(throughput.judge(SloUnit::Count, 105.0), SloState::Near);
        assert_eq!(throughput.judge(SloUnit::Count, 120.0), SloState::Ok);
    }

    #[test]
    fn units_format_values() {
        assert_eq!(SloUnit::S.format(0.4213), "0.421 s");
        assert_eq!(SloUnit::Ms.format(420.0), "420 ms");
        assert_eq!(SloUnit::Percent.format(99.95), "99.95 %");
        assert_eq!(SloUnit::Ratio.format(0.89), "0.89");
        assert_eq!(SloUnit::Count.format(3.0), "3");
        assert_eq!(SloUnit::S.format(f64::NAN), "no data");
    }

    #[test]
    fn procedure_references() {
        let r: ProcedureRef = "builtin:rag7#High Error Rate".parse().unwrap();
        assert_eq!(r.runbook, "builtin:rag7");
        assert_eq!(r.procedure, "High Error Rate");
        assert_eq!(r.to_string(), "builtin:rag7#High Error Rate");
        assert!("builtin:rag7".parse::<ProcedureRef>().is_err());
        assert!("#Title".parse::<ProcedureRef>().is_err());
    }
}
