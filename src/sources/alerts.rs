//! The alerts source: polls Prometheus for alerts, rules and the profile's SLO
//! queries (and Alertmanager for silences, when configured), and reports each
//! complete poll as one message.
//!
//! It polls on the profile's `[prometheus] interval` (15 s by default), never
//! faster than the server evaluates its rules. Every call has a bounded
//! timeout; when Prometheus cannot be read, the pane gets one line saying why
//! and when the next try is, and the source backs off (1 s doubling to 30 s)
//! until it answers again.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::alertmanager::Alertmanager;
use super::backoff::Backoff;
use super::json_http;
use super::prometheus::{Prometheus, QueryResult, Rule};
use crate::config::Profile;
use crate::config::slo::Slo;
use crate::config::slo::worst;
use crate::model::alerts::{AlertsMsg, Poll, SloReading};

/// A poll's calls each give up after this long.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// What the source needs from the profile.
#[derive(Debug, Clone)]
pub struct AlertsSettings {
    pub prometheus: Prometheus,
    pub alertmanager: Option<Alertmanager>,
    pub interval: Duration,
    /// Each SLO with where it is defined (`profiles/rag7.toml:50`), for messages.
    pub slos: Vec<(Slo, String)>,
}

impl AlertsSettings {
    /// `None` when the profile has no `[prometheus]`; an error line when its URL is bad.
    pub fn from_profile(profile: &Profile) -> Option<Result<AlertsSettings, String>> {
        let config = profile.prometheus.as_ref()?;
        Some((|| {
            let prometheus = Prometheus::from_config(config)
                .map_err(|e| e.to_string())?
                .with_timeout(CALL_TIMEOUT);
            let alertmanager = match &profile.alertmanager {
                Some(a) => Some(
                    Alertmanager::from_config(a)
                        .map_err(|e| e.to_string())?
                        .with_timeout(CALL_TIMEOUT),
                ),
                None => None,
            };
            Ok(AlertsSettings {
                prometheus,
                alertmanager,
                interval: config.interval(),
                slos: profile
                    .slos
                    .iter()
                    .map(|s| (s.clone(), profile.slo_origin(s)))
                    .collect(),
            })
        })())
    }
}

/// Starts polling; `None` when the profile has no `[prometheus]`.
pub fn spawn<M: Send + 'static>(
    profile: &Profile,
    tx: mpsc::Sender<M>,
    wrap: fn(AlertsMsg) -> M,
) -> Option<JoinHandle<()>> {
    let settings = AlertsSettings::from_profile(profile)?;
    Some(tokio::spawn(async move {
        let settings = match settings {
            Ok(s) => s,
            Err(line) => {
                let _ = tx.send(wrap(AlertsMsg::Failed(line))).await;
                return;
            }
        };
        run(settings, tx, wrap).await
    }))
}

async fn run<M>(settings: AlertsSettings, tx: mpsc::Sender<M>, wrap: fn(AlertsMsg) -> M) {
    let mut backoff = Backoff::new();
    loop {
        let delay = match poll(&settings).await {
            Ok(p) => {
                backoff.reset();
                let interval = p.interval;
                if tx.send(wrap(AlertsMsg::Polled(p))).await.is_err() {
                    return;
                }
                interval
            }
            Err(e) => {
                let delay = backoff.next_delay();
                let line = format!("{e}; retrying in {}", json_http::human(delay));
                if tx.send(wrap(AlertsMsg::Failed(line))).await.is_err() {
                    return;
                }
                delay
            }
        };
        tokio::time::sleep(delay).await;
    }
}

/// One poll: alerts and rules must answer; each SLO and Alertmanager fail on their own.
pub async fn poll(s: &AlertsSettings) -> Result<Poll, super::prometheus::PromError> {
    let (alerts, groups) = tokio::try_join!(s.prometheus.alerts(), s.prometheus.rules())?;
    let rules = groups
        .iter()
        .flat_map(|g| &g.rules)
        .filter(|r| matches!(r, Rule::Alerting(_)))
        .count();
    let mut slos = Vec::with_capacity(s.slos.len());
    for (slo, origin) in &s.slos {
        let value = match s.prometheus.query(&slo.query, None).await {
            Ok(result) => Ok(value_of(slo, &result)),
            Err(e) => Err(format!("SLO `{}` ({origin}): {e}", slo.name)),
        };
        slos.push(SloReading {
            name: slo.name.clone(),
            value,
        });
    }
    let alertmanager = match &s.alertmanager {
        Some(am) => Some(am.alerts().await.map_err(|e| e.to_string())),
        None => None,
    };
    Ok(Poll {
        alerts,
        rules,
        slos,
        alertmanager,
        interval: super::prometheus::poll_interval(s.interval, &groups),
    })
}

/// The number an SLO judges: the worst series of a vector, a scalar as is;
/// NaN (no data) for an empty vector.
fn value_of(slo: &Slo, result: &QueryResult) -> f64 {
    match result {
        QueryResult::Vector(v) => worst(&slo.objective, v.iter().map(|s| s.value)),
        QueryResult::Scalar { value, .. } => *value,
        QueryResult::Matrix(m) => worst(
            &slo.objective,
            m.iter().filter_map(|s| s.points.last().map(|p| p.1)),
        ),
        QueryResult::String { .. } => f64::NAN,
    }
}
