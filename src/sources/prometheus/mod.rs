//! A client for Prometheus' HTTP API (v1): firing and pending alerts, rule
//! groups, instant and range queries, and build information.
//!
//! Every call has a bounded timeout. Errors name the server and say what to
//! do; a bad expression comes back with the server's own message
//! ([`PromError::BadQuery`]); an empty result is an empty vector, not an
//! error; `NaN`, `+Inf` and `-Inf` values are kept as such.
//!
//! Nothing here knows about the console: a source task can wrap these calls
//! and turn their results into messages.

mod types;

use std::time::Duration;

use reqwest::Url;
use serde::de::DeserializeOwned;

use super::json_http::{self, Failure};
use crate::config::profile::PrometheusConfig;

pub use types::*;

/// Per-call timeout unless [`Prometheus::with_timeout`] sets another.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum PromError {
    #[error(
        "Prometheus URL `{url}` is not valid: {reason}; set [prometheus] url to e.g. http://prometheus:9090"
    )]
    BadUrl { url: String, reason: String },
    #[error(
        "cannot reach Prometheus at {server}: {reason}; check [prometheus] url in the profile and that the server is running"
    )]
    Unreachable { server: String, reason: String },
    #[error(
        "Prometheus at {server} did not answer within {after}; it may be overloaded or the query too heavy; try again, or narrow the query"
    )]
    Timeout { server: String, after: String },
    /// HTTP 400 `bad_data`: the expression (or a parameter) is wrong; `message` is the server's.
    #[error("Prometheus at {server} rejected the query: {message}")]
    BadQuery { server: String, message: String },
    /// HTTP 422 `execution`: a valid expression that failed to evaluate.
    #[error("Prometheus at {server} could not evaluate the query: {message}")]
    Execution { server: String, message: String },
    #[error("Prometheus at {server} answered HTTP {status} ({kind}): {message}")]
    Server {
        server: String,
        status: u16,
        kind: String,
        message: String,
    },
    #[error(
        "{server} does not answer like Prometheus ({reason}); check that [prometheus] url points at Prometheus itself, not at Grafana or a login page"
    )]
    NotPrometheus { server: String, reason: String },
}

/// The time span and resolution of a range query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub start: jiff::Timestamp,
    pub end: jiff::Timestamp,
    pub step: Duration,
}

/// One Prometheus server.
#[derive(Debug, Clone)]
pub struct Prometheus {
    base: Url,
    server: String,
    http: reqwest::Client,
    timeout: Duration,
}

fn unix(t: jiff::Timestamp) -> String {
    let ms = t.as_millisecond();
    format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000))
}

impl Prometheus {
    pub fn new(url: &str) -> Result<Prometheus, PromError> {
        let base = json_http::base_url(url).map_err(|reason| PromError::BadUrl {
            url: url.to_string(),
            reason,
        })?;
        Ok(Prometheus {
            server: json_http::server_name(&base),
            base,
            http: json_http::client(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The profile's `[prometheus]`.
    pub fn from_config(config: &PrometheusConfig) -> Result<Prometheus, PromError> {
        Prometheus::new(&config.url)
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Prometheus {
        self.timeout = timeout;
        self
    }

    /// The server as messages name it.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Firing and pending alerts (`/api/v1/alerts`).
    pub async fn alerts(&self) -> Result<Vec<Alert>, PromError> {
        let data: wire::AlertsData = self.get("api/v1/alerts").await?;
        Ok(data.alerts.into_iter().map(Alert::from).collect())
    }

    /// Rule groups with their rules and active alerts (`/api/v1/rules`).
    pub async fn rules(&self) -> Result<Vec<RuleGroup>, PromError> {
        let data: wire::RulesData = self.get("api/v1/rules").await?;
        Ok(data.groups.into_iter().map(RuleGroup::from).collect())
    }

    /// An instant query at `at`, or at the server's now.
    pub async fn query(
        &self,
        expr: &str,
        at: Option<jiff::Timestamp>,
    ) -> Result<QueryResult, PromError> {
        let mut params = vec![("query", expr.to_string())];
        if let Some(t) = at {
            params.push(("time", unix(t)));
        }
        let data: wire::QueryData = self.post("api/v1/query", &params).await?;
        QueryResult::try_from(data).map_err(|reason| self.not_prometheus(reason))
    }

    /// A range query: one series per label set, with a point per step.
    pub async fn query_range(
        &self,
        expr: &str,
        range: Range,
    ) -> Result<Vec<RangeSeries>, PromError> {
        let params = vec![
            ("query", expr.to_string()),
            ("start", unix(range.start)),
            ("end", unix(range.end)),
            ("step", format!("{}", range.step.as_secs_f64())),
        ];
        let data: wire::QueryData = self.post("api/v1/query_range", &params).await?;
        match QueryResult::try_from(data).map_err(|reason| self.not_prometheus(reason))? {
            QueryResult::Matrix(m) => Ok(m),
            other => Err(self.not_prometheus(format!(
                "a range query answered a {} instead of a matrix",
                other.kind()
            ))),
        }
    }

    /// Version and build of the server (`/api/v1/status/buildinfo`).
    pub async fn buildinfo(&self) -> Result<BuildInfo, PromError> {
        self.get("api/v1/status/buildinfo").await
    }

    fn not_prometheus(&self, reason: String) -> PromError {
        PromError::NotPrometheus {
            server: self.server.clone(),
            reason,
        }
    }

    fn url(&self, path: &str) -> Result<Url, PromError> {
        self.base.join(path).map_err(|e| PromError::BadUrl {
            url: self.server.clone(),
            reason: e.to_string(),
        })
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, PromError> {
        let req = self.http.get(self.url(path)?);
        self.call(req).await
    }

    /// Queries go as forms, as Prometheus' own clients send them: long
    /// expressions do not hit URL length limits.
    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<T, PromError> {
        let body: String = params
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = self
            .http
            .post(self.url(path)?)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.call(req).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, PromError> {
        let reply = json_http::send(req, self.timeout)
            .await
            .map_err(|f| match f {
                Failure::Timeout => PromError::Timeout {
                    server: self.server.clone(),
                    after: json_http::human(self.timeout),
                },
                Failure::Unreachable(reason) => PromError::Unreachable {
                    server: self.server.clone(),
                    reason,
                },
                Failure::TooLarge => self.not_prometheus(format!(
                    "the answer is larger than {} MiB",
                    json_http::MAX_BODY / (1024 * 1024)
                )),
            })?;
        let envelope: wire::Envelope<T> = match serde_json::from_str(&reply.body) {
            Ok(e) => e,
            Err(e) => {
                let reason = if reply.status == 200 {
                    format!("its answer is not Prometheus JSON: {e}")
                } else {
                    format!("HTTP {}: {}", reply.status, json_http::excerpt(&reply.body))
                };
                return Err(self.not_prometheus(reason));
            }
        };
        match envelope {
            wire::Envelope::Success { data } => Ok(data),
            wire::Envelope::Error { error_type, error } => {
                let server = self.server.clone();
                Err(match (reply.status, error_type.as_str()) {
                    (400, "bad_data") | (_, "bad_data") => PromError::BadQuery {
                        server,
                        message: error,
                    },
                    (_, "execution") => PromError::Execution {
                        server,
                        message: error,
                    },
                    (status, kind) => PromError::Server {
                        server,
                        status,
                        kind: kind.to_string(),
                        message: error,
                    },
                })
            }
        }
    }
}

/// How often to poll: the profile's interval, but never faster than the
/// server evaluates its slowest rule group (polling faster reads the same answer).
pub fn poll_interval(configured: Duration, groups: &[RuleGroup]) -> Duration {
    groups
        .iter()
        .filter_map(|g| g.interval)
        .fold(configured, Duration::max)
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len() * 3);
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_times_are_encoded_as_prometheus_reads_them() {
        assert_eq!(
            form_encode(r#"rate(x{s=~"5.."}[5m]) > 0.05"#),
            "rate%28x%7Bs%3D~%225..%22%7D%5B5m%5D%29+%3E+0.05"
        );
        let t = jiff::Timestamp::from_millisecond(1_700_000_000_123).unwrap();
        assert_eq!(unix(t), "1700000000.123");
    }

    #[test]
    fn polling_never_outpaces_the_rule_evaluation() {
        let group = |secs: u64| RuleGroup {
            name: "g".into(),
            file: String::new(),
            interval: Some(Duration::from_secs(secs)),
            rules: Vec::new(),
        };
        let fifteen = Duration::from_secs(15);
        assert_eq!(poll_interval(fifteen, &[]), fifteen);
        assert_eq!(poll_interval(fifteen, &[group(5)]), fifteen);
        assert_eq!(
            poll_interval(fifteen, &[group(5), group(60)]),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn a_bad_url_says_how_to_write_one() {
        let e = Prometheus::new("prometheus:9090").unwrap_err();
        assert!(
            e.to_string()
                .contains("set [prometheus] url to e.g. http://prometheus:9090"),
            "{e}"
        );
    }
}
