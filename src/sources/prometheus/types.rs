//! What the Prometheus client returns, and the JSON it reads them from.

use std::time::Duration;

use serde::Deserialize;

pub use crate::model::alerts::{Alert, AlertState, Labels};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleHealth {
    Ok,
    Err,
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertingRule {
    pub name: String,
    /// The expression as the server prints it.
    pub query: String,
    /// `for`: how long the expression must hold before the alert fires.
    pub hold: Duration,
    pub labels: Labels,
    pub annotations: Labels,
    /// The most severe state among its alerts.
    pub state: AlertState,
    pub alerts: Vec<Alert>,
    pub health: RuleHealth,
    pub last_error: Option<String>,
}

impl AlertingRule {
    pub fn severity(&self) -> Option<&str> {
        self.labels.get("severity").map(String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordingRule {
    pub name: String,
    pub query: String,
    pub labels: Labels,
    pub health: RuleHealth,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    Alerting(AlertingRule),
    Recording(RecordingRule),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleGroup {
    pub name: String,
    pub file: String,
    /// How often the server evaluates the group; a console polls no faster.
    pub interval: Option<Duration>,
    pub rules: Vec<Rule>,
}

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Labels,
    /// Unix seconds.
    pub at: f64,
    /// May be NaN (e.g. 0/0) or ±infinity.
    pub value: f64,
}

/// One series of a range result: (Unix seconds, value) points.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: Labels,
    pub points: Vec<(f64, f64)>,
}

/// The result of an instant query. An expression that selects nothing is
/// `Vector(vec![])`, which is an answer, not an error.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    Vector(Vec<Sample>),
    Matrix(Vec<RangeSeries>),
    Scalar { at: f64, value: f64 },
    String { at: f64, value: String },
}

impl QueryResult {
    pub fn kind(&self) -> &'static str {
        match self {
            QueryResult::Vector(_) => "vector",
            QueryResult::Matrix(_) => "matrix",
            QueryResult::Scalar { .. } => "scalar",
            QueryResult::String { .. } => "string",
        }
    }

    /// True for a vector or matrix with no series.
    pub fn is_empty(&self) -> bool {
        match self {
            QueryResult::Vector(v) => v.is_empty(),
            QueryResult::Matrix(m) => m.is_empty(),
            _ => false,
        }
    }
}

/// `/api/v1/status/buildinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfo {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub revision: String,
    #[serde(default)]
    pub branch: String,
    #[serde(default)]
    pub go_version: String,
}

impl BuildInfo {
    /// opsdeck's simulated environment answers as a simulation, and says so here.
    pub fn is_simulation(&self) -> bool {
        self.version.contains("simulation")
    }
}

/// A sample value as Prometheus writes it: a decimal, `NaN`, `+Inf` or `-Inf`.
pub fn parse_value(s: &str) -> Result<f64, String> {
    match s {
        "NaN" => Ok(f64::NAN),
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => s
            .parse::<f64>()
            .map_err(|_| format!("{s:?} is not a sample value")),
    }
}

fn parse_time(s: &str) -> Option<jiff::Timestamp> {
    let t: jiff::Timestamp = s.parse().ok()?;
    // Go's zero time means "never".
    (t.as_second() > 0).then_some(t)
}

/// The JSON the API answers.
pub(super) mod wire {
    use super::*;

    #[derive(Deserialize)]
    #[serde(tag = "status", rename_all = "lowercase")]
    pub enum Envelope<T> {
        Success {
            data: T,
        },
        Error {
            #[serde(rename = "errorType", default)]
            error_type: String,
            #[serde(default)]
            error: String,
        },
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireAlert {
        #[serde(default)]
        pub labels: Labels,
        #[serde(default)]
        pub annotations: Labels,
        #[serde(default)]
        pub state: String,
        #[serde(default)]
        pub active_at: Option<String>,
        #[serde(default)]
        pub value: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct AlertsData {
        pub alerts: Vec<WireAlert>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireRule {
        #[serde(rename = "type")]
        pub kind: String,
        pub name: String,
        #[serde(default)]
        pub query: String,
        #[serde(default)]
        pub duration: Option<f64>,
        #[serde(default)]
        pub labels: Option<Labels>,
        #[serde(default)]
        pub annotations: Option<Labels>,
        #[serde(default)]
        pub alerts: Option<Vec<WireAlert>>,
        #[serde(default)]
        pub health: String,
        #[serde(default)]
        pub last_error: Option<String>,
        #[serde(default)]
        pub state: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct WireGroup {
        pub name: String,
        #[serde(default)]
        pub file: String,
        #[serde(default)]
        pub interval: Option<f64>,
        #[serde(default)]
        pub rules: Vec<WireRule>,
    }

    #[derive(Deserialize)]
    pub struct RulesData {
        pub groups: Vec<WireGroup>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct QueryData {
        pub result_type: String,
        pub result: serde_json::Value,
    }
}

impl From<wire::WireAlert> for Alert {
    fn from(a: wire::WireAlert) -> Alert {
        Alert {
            labels: a.labels,
            annotations: a.annotations,
            state: AlertState::parse(&a.state),
            active_at: a.active_at.as_deref().and_then(parse_time),
            value: a
                .value
                .as_deref()
                .and_then(|v| parse_value(v).ok())
                .unwrap_or(f64::NAN),
        }
    }
}

fn health(s: &str) -> RuleHealth {
    match s {
        "ok" => RuleHealth::Ok,
        "err" => RuleHealth::Err,
        _ => RuleHealth::Unknown,
    }
}

fn seconds(v: Option<f64>) -> Option<Duration> {
    v.filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

impl From<wire::WireGroup> for RuleGroup {
    fn from(g: wire::WireGroup) -> RuleGroup {
        RuleGroup {
            name: g.name,
            file: g.file,
            interval: seconds(g.interval),
            rules: g
                .rules
                .into_iter()
                .map(|r| {
                    let health = health(&r.health);
                    let last_error = r.last_error.filter(|e| !e.is_empty());
                    if r.kind == "alerting" {
                        let alerts: Vec<Alert> = r
                            .alerts
                            .unwrap_or_default()
                            .into_iter()
                            .map(Alert::from)
                            .collect();
                        let state = r.state.as_deref().map_or_else(
                            || {
                                alerts
                                    .iter()
                                    .map(|a| a.state)
                                    .max()
                                    .unwrap_or(AlertState::Inactive)
                            },
                            AlertState::parse,
                        );
                        Rule::Alerting(AlertingRule {
                            name: r.name,
                            query: r.query,
                            hold: seconds(r.duration).unwrap_or_default(),
                            labels: r.labels.unwrap_or_default(),
                            annotations: r.annotations.unwrap_or_default(),
                            state,
                            alerts,
                            health,
                            last_error,
                        })
                    } else {
                        Rule::Recording(RecordingRule {
                            name: r.name,
                            query: r.query,
                            labels: r.labels.unwrap_or_default(),
                            health,
                            last_error,
                        })
                    }
                })
                .collect(),
        }
    }
}

fn point(v: &serde_json::Value) -> Result<(f64, f64), String> {
    let pair = v
        .as_array()
        .filter(|a| a.len() == 2)
        .ok_or_else(|| format!("a sample is not a [time, value] pair: {v}"))?;
    let t = pair[0]
        .as_f64()
        .ok_or_else(|| format!("a sample time is not a number: {}", pair[0]))?;
    let value = pair[1]
        .as_str()
        .ok_or_else(|| format!("a sample value is not a string: {}", pair[1]))
        .and_then(parse_value)?;
    Ok((t, value))
}

fn labels(v: &serde_json::Value) -> Result<Labels, String> {
    serde_json::from_value(v.clone()).map_err(|e| format!("bad labels {v}: {e}"))
}

impl TryFrom<wire::QueryData> for QueryResult {
    type Error = String;

    fn try_from(d: wire::QueryData) -> Result<QueryResult, String> {
        let items = || {
            d.result
                .as_array()
                .cloned()
                .ok_or_else(|| format!("a {} result is not a list", d.result_type))
        };
        Ok(match d.result_type.as_str() {
            "vector" => QueryResult::Vector(
                items()?
                    .iter()
                    .map(|s| {
                        let (at, value) = point(&s["value"])?;
                        Ok(Sample {
                            labels: labels(&s["metric"])?,
                            at,
                            value,
                        })
                    })
                    .collect::<Result<_, String>>()?,
            ),
            "matrix" => QueryResult::Matrix(
                items()?
                    .iter()
                    .map(|s| {
                        let points = s["values"]
                            .as_array()
                            .ok_or_else(|| "a series has no values".to_string())?
                            .iter()
                            .map(point)
                            .collect::<Result<_, String>>()?;
                        Ok(RangeSeries {
                            labels: labels(&s["metric"])?,
                            points,
                        })
                    })
                    .collect::<Result<_, String>>()?,
            ),
            "scalar" => {
                let (at, value) = point(&d.result)?;
                QueryResult::Scalar { at, value }
            }
            "string" => {
                let pair = d.result.as_array().filter(|a| a.len() == 2);
                let at = pair.and_then(|p| p[0].as_f64()).unwrap_or(0.0);
                let value = pair
                    .and_then(|p| p[1].as_str())
                    .unwrap_or_default()
                    .to_string();
                QueryResult::String { at, value }
            }
            other => return Err(format!("unknown result type {other:?}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_include_nan_and_infinities() {
        assert!(parse_value("NaN").unwrap().is_nan());
        assert_eq!(parse_value("+Inf").unwrap(), f64::INFINITY);
        assert_eq!(parse_value("-Inf").unwrap(), f64::NEG_INFINITY);
        assert_eq!(parse_value("0.0475").unwrap(), 0.0475);
        assert!(parse_value("fast").is_err());
    }

    #[test]
    fn results_read_from_the_api_json() {
        let d: wire::QueryData = serde_json::from_str(
            r#"{"resultType":"vector","result":[{"metric":{"service":"a"},"value":[1796168638.105,"NaN"]}]}"#,
        )
        .unwrap();
        let QueryResult::Vector(v) = QueryResult::try_from(d).unwrap() else {
            panic!()
        };
        assert_eq!(v[0].labels["service"], "a");
        assert!(v[0].value.is_nan());
        let d: wire::QueryData =
            serde_json::from_str(r#"{"resultType":"vector","result":[]}"#).unwrap();
        let r = QueryResult::try_from(d).unwrap();
        assert!(r.is_empty());
        let d: wire::QueryData =
            serde_json::from_str(r#"{"resultType":"scalar","result":[1.5,"+Inf"]}"#).unwrap();
        assert_eq!(
            QueryResult::try_from(d).unwrap(),
            QueryResult::Scalar {
                at: 1.5,
                value: f64::INFINITY
            }
        );
    }
}
