//! A client for Alertmanager's v2 API: alerts with their silenced and
//! inhibited status, silences, creating a silence and expiring one.
//!
//! Creating and expiring silences change what pages people: callers confirm
//! them with the operator and record them; this client only talks to the
//! server. Every call has a bounded timeout, and errors name the server.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Url;
use serde::{Deserialize, Serialize};

use super::json_http::{self, Failure, Reply};
use crate::config::profile::AlertmanagerConfig;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

pub type Labels = BTreeMap<String, String>;

#[derive(Debug, thiserror::Error)]
pub enum AmError {
    #[error(
        "Alertmanager URL `{url}` is not valid: {reason}; set [alertmanager] url to e.g. http://alertmanager:9093"
    )]
    BadUrl { url: String, reason: String },
    #[error(
        "cannot reach Alertmanager at {server}: {reason}; check [alertmanager] url in the profile and that the server is running"
    )]
    Unreachable { server: String, reason: String },
    #[error("Alertmanager at {server} did not answer within {after}; try again")]
    Timeout { server: String, after: String },
    /// The silence was not sent: something in it is missing or wrong.
    #[error("silence not created: {0}")]
    InvalidSilence(String),
    #[error("Alertmanager at {server} refused the request (HTTP {status}): {message}")]
    Refused {
        server: String,
        status: u16,
        message: String,
    },
    #[error(
        "{server} does not answer like Alertmanager's v2 API ({reason}); check [alertmanager] url"
    )]
    NotAlertmanager { server: String, reason: String },
}

pub use crate::model::alerts::{AlertStatus, ManagedAlert as Alert, Matcher};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceState {
    Active,
    /// Starts in the future.
    Pending,
    Expired,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub starts_at: Option<jiff::Timestamp>,
    pub ends_at: Option<jiff::Timestamp>,
    pub created_by: String,
    pub comment: String,
    pub state: SilenceState,
}

/// A silence to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSilence {
    pub matchers: Vec<Matcher>,
    /// Now, when absent.
    pub starts_at: Option<jiff::Timestamp>,
    pub duration: Duration,
    pub comment: String,
    /// Who asked for it (the operator).
    pub created_by: String,
}

impl NewSilence {
    /// A silence for exactly this alert: one equality matcher per label.
    pub fn for_alert(
        labels: &Labels,
        duration: Duration,
        comment: &str,
        created_by: &str,
    ) -> NewSilence {
        NewSilence {
            matchers: labels.iter().map(|(k, v)| Matcher::equal(k, v)).collect(),
            starts_at: None,
            duration,
            comment: comment.to_string(),
            created_by: created_by.to_string(),
        }
    }

    fn check(&self) -> Result<(), AmError> {
        let bad = |s: &str| Err(AmError::InvalidSilence(s.to_string()));
        if self.matchers.is_empty() {
            return bad("it has no matchers: a silence needs at least one label to match");
        }
        if self
            .matchers
            .iter()
            .all(|m| m.value.is_empty() && !m.is_regex)
        {
            return bad("every matcher matches an empty value, which would silence everything");
        }
        if self.duration.is_zero() {
            return bad("its duration is zero: give how long it lasts, e.g. 1h");
        }
        if self.comment.trim().is_empty() {
            return bad("it has no comment: say why the alert is silenced");
        }
        if self.created_by.trim().is_empty() {
            return bad("it has no author (createdBy)");
        }
        Ok(())
    }
}

mod wire {
    use super::*;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Status {
        #[serde(default)]
        pub state: String,
        #[serde(default)]
        pub silenced_by: Vec<String>,
        #[serde(default)]
        pub inhibited_by: Vec<String>,
    }

    #[derive(Deserialize)]
    pub struct Receiver {
        pub name: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Alert {
        #[serde(default)]
        pub labels: Labels,
        #[serde(default)]
        pub annotations: Labels,
        #[serde(default)]
        pub fingerprint: String,
        #[serde(default)]
        pub starts_at: Option<String>,
        #[serde(default)]
        pub ends_at: Option<String>,
        pub status: Status,
        #[serde(default)]
        pub receivers: Vec<Receiver>,
        #[serde(default, rename = "generatorURL")]
        pub generator_url: String,
    }

    #[derive(Deserialize)]
    pub struct SilenceStatus {
        pub state: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Silence {
        pub id: String,
        pub matchers: Vec<Matcher>,
        #[serde(default)]
        pub starts_at: Option<String>,
        #[serde(default)]
        pub ends_at: Option<String>,
        #[serde(default)]
        pub created_by: String,
        #[serde(default)]
        pub comment: String,
        pub status: SilenceStatus,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PostSilence<'a> {
        pub matchers: &'a [Matcher],
        pub starts_at: String,
        pub ends_at: String,
        pub created_by: &'a str,
        pub comment: &'a str,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Created {
        #[serde(rename = "silenceID")]
        pub silence_id: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct VersionInfo {
        #[serde(default)]
        pub version: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Status2 {
        pub version_info: VersionInfo,
    }
}

fn time(s: Option<&str>) -> Option<jiff::Timestamp> {
    s.and_then(|s| s.parse().ok())
}

/// One Alertmanager.
#[derive(Debug, Clone)]
pub struct Alertmanager {
    base: Url,
    server: String,
    http: reqwest::Client,
    timeout: Duration,
}

impl Alertmanager {
    pub fn new(url: &str) -> Result<Alertmanager, AmError> {
        let base = json_http::base_url(url).map_err(|reason| AmError::BadUrl {
            url: url.to_string(),
            reason,
        })?;
        Ok(Alertmanager {
            server: json_http::server_name(&base),
            base,
            http: json_http::client(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The profile's `[alertmanager]`.
    pub fn from_config(config: &AlertmanagerConfig) -> Result<Alertmanager, AmError> {
        Alertmanager::new(&config.url)
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Alertmanager {
        self.timeout = timeout;
        self
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// The server's version (`/api/v2/status`).
    pub async fn version(&self) -> Result<String, AmError> {
        let s: wire::Status2 = self.json(self.http.get(self.url("api/v2/status")?)).await?;
        Ok(s.version_info.version)
    }

    /// Every alert, silenced and inhibited ones included.
    pub async fn alerts(&self) -> Result<Vec<Alert>, AmError> {
        let mut url = self.url("api/v2/alerts")?;
        url.query_pairs_mut()
            .append_pair("active", "true")
            .append_pair("silenced", "true")
            .append_pair("inhibited", "true")
            .append_pair("unprocessed", "true");
        let req = self.http.get(url);
        let list: Vec<wire::Alert> = self.json(req).await?;
        Ok(list
            .into_iter()
            .map(|a| Alert {
                labels: a.labels,
                annotations: a.annotations,
                fingerprint: a.fingerprint,
                starts_at: time(a.starts_at.as_deref()),
                ends_at: time(a.ends_at.as_deref()),
                status: match a.status.state.as_str() {
                    "suppressed" => AlertStatus::Suppressed,
                    "unprocessed" => AlertStatus::Unprocessed,
                    _ => AlertStatus::Active,
                },
                silenced_by: a.status.silenced_by,
                inhibited_by: a.status.inhibited_by,
                receivers: a.receivers.into_iter().map(|r| r.name).collect(),
                generator_url: a.generator_url,
            })
            .collect())
    }

    /// Every silence the server keeps: active, pending and recently expired.
    pub async fn silences(&self) -> Result<Vec<Silence>, AmError> {
        let list: Vec<wire::Silence> = self
            .json(self.http.get(self.url("api/v2/silences")?))
            .await?;
        Ok(list
            .into_iter()
            .map(|s| Silence {
                id: s.id,
                matchers: s.matchers,
                starts_at: time(s.starts_at.as_deref()),
                ends_at: time(s.ends_at.as_deref()),
                created_by: s.created_by,
                comment: s.comment,
                state: match s.status.state.as_str() {
                    "active" => SilenceState::Active,
                    "pending" => SilenceState::Pending,
                    _ => SilenceState::Expired,
                },
            })
            .collect())
    }

    /// Creates a silence; returns its ID.
    pub async fn create_silence(&self, silence: &NewSilence) -> Result<String, AmError> {
        silence.check()?;
        let starts = silence.starts_at.unwrap_or_else(jiff::Timestamp::now);
        let span = jiff::SignedDuration::try_from(silence.duration)
            .map_err(|_| AmError::InvalidSilence("its duration is too long".into()))?;
        let ends = starts
            .checked_add(span)
            .map_err(|_| AmError::InvalidSilence("its duration is too long".into()))?;
        let body = wire::PostSilence {
            matchers: &silence.matchers,
            starts_at: starts.to_string(),
            ends_at: ends.to_string(),
            created_by: &silence.created_by,
            comment: &silence.comment,
        };
        let created: wire::Created = self
            .json(self.http.post(self.url("api/v2/silences")?).json(&body))
            .await?;
        Ok(created.silence_id)
    }

    /// Expires a silence now: the alerts it muted notify again.
    pub async fn expire_silence(&self, id: &str) -> Result<(), AmError> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(AmError::InvalidSilence(format!(
                "{id:?} is not a silence ID"
            )));
        }
        let reply = self
            .send(self.http.delete(self.url(&format!("api/v2/silence/{id}"))?))
            .await?;
        self.check_status(&reply)?;
        Ok(())
    }

    fn url(&self, path: &str) -> Result<Url, AmError> {
        self.base.join(path).map_err(|e| AmError::BadUrl {
            url: self.server.clone(),
            reason: e.to_string(),
        })
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Reply, AmError> {
        json_http::send(req, self.timeout)
            .await
            .map_err(|f| match f {
                Failure::Timeout => AmError::Timeout {
                    server: self.server.clone(),
                    after: json_http::human(self.timeout),
                },
                Failure::Unreachable(reason) => AmError::Unreachable {
                    server: self.server.clone(),
                    reason,
                },
                Failure::TooLarge => AmError::NotAlertmanager {
                    server: self.server.clone(),
                    reason: "the answer is too large".into(),
                },
            })
    }

    fn check_status(&self, reply: &Reply) -> Result<(), AmError> {
        if (200..300).contains(&reply.status) {
            return Ok(());
        }
        // Errors come as a JSON string, or as plain text.
        let message = serde_json::from_str::<String>(&reply.body)
            .unwrap_or_else(|_| json_http::excerpt(&reply.body));
        Err(AmError::Refused {
            server: self.server.clone(),
            status: reply.status,
            message: message.trim().to_string(),
        })
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, AmError> {
        let reply = self.send(req).await?;
        self.check_status(&reply)?;
        serde_json::from_str(&reply.body).map_err(|e| AmError::NotAlertmanager {
            server: self.server.clone(),
            reason: format!("{e}: {}", json_http::excerpt(&reply.body)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silence_for_an_alert_matches_its_labels_and_is_checked() {
        let labels: Labels = [("alertname", "HighLatency"), ("service", "langgraph")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let s = NewSilence::for_alert(&labels, Duration::from_secs(3600), "scaling out", "alice");
        assert_eq!(s.matchers.len(), 2);
        assert_eq!(s.matchers[0].to_string(), "alertname=\"HighLatency\"");
        assert!(s.check().is_ok());
        let mut no_comment = s.clone();
        no_comment.comment = " ".into();
        assert!(
            no_comment
                .check()
                .unwrap_err()
                .to_string()
                .contains("no comment")
        );
        let mut none = s.clone();
        none.matchers.clear();
        assert!(none.check().is_err());
        let mut zero = s;
        zero.duration = Duration::ZERO;
        assert!(zero.check().is_err());
    }
}
