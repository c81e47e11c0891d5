//! The Alerts pane's state: what Prometheus says is firing or pending, what
//! Alertmanager silences or inhibits, and how each SLO stands. Filled by
//! `sources::alerts` through [`AlertsMsg`]; pure, like `App::update`.

use std::collections::VecDeque;
use std::time::Duration;

use jiff::Timestamp;

use crate::config::Profile;
use crate::config::slo::{Objective, Slo, SloState, SloUnit};
use crate::model::SourceState;
use crate::model::alerts::{AlertState, Labels};

/// Values kept per SLO for its sparkline.
pub const SLO_HISTORY: usize = 40;

pub use crate::config::duration::go_duration;
pub use crate::config::slo::worst;
pub use crate::model::alerts::{AlertsMsg, Poll, SloReading};
pub use crate::wizard::suggest::procedure_for;

/// One alert as the pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub name: String,
    pub state: AlertState,
    pub severity: Option<String>,
    pub summary: Option<String>,
    pub active_at: Option<Timestamp>,
    pub labels: Labels,
    /// IDs of the Alertmanager silences that mute it.
    pub silenced_by: Vec<String>,
    pub inhibited: bool,
}

impl AlertRow {
    /// critical, then warning, then info, then anything else.
    pub fn severity_rank(&self) -> u8 {
        match self
            .severity
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("critical" | "page" | "error") => 0,
            Some("warning" | "warn") => 1,
            Some("info") => 2,
            _ => 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SloRow {
    pub name: String,
    pub unit: SloUnit,
    pub objective: Objective,
    /// Last value (NaN: no data); `None` before the first poll.
    pub value: Option<f64>,
    /// Why the last query failed (names the SLO and its profile line).
    pub error: Option<String>,
    /// Recent values, oldest first.
    pub history: VecDeque<f64>,
}

impl SloRow {
    pub fn state(&self) -> SloState {
        match self.value {
            Some(v) if self.error.is_none() => self.objective.judge(self.unit, v),
            _ => SloState::NoData,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertsView {
    /// Whether the profile has a `[prometheus]` (the pane is shown only then).
    pub configured: bool,
    pub alertmanager: bool,
    pub state: SourceState,
    /// Firing first, by severity, then the oldest.
    pub alerts: Vec<AlertRow>,
    pub slos: Vec<SloRow>,
    pub selected: usize,
    pub rules: usize,
    pub interval: Option<Duration>,
    pub polled: Option<Timestamp>,
    /// Why Alertmanager could not be read, while it cannot.
    pub alertmanager_error: Option<String>,
}

impl AlertsView {
    pub fn from_profile(profile: &Profile) -> AlertsView {
        let configured = profile.prometheus.is_some();
        AlertsView {
            configured,
            alertmanager: profile.alertmanager.is_some(),
            state: if configured {
                SourceState::Connecting
            } else {
                SourceState::NotConfigured
            },
            slos: profile.slos.iter().map(SloRow::from_slo).collect(),
            ..AlertsView::default()
        }
    }

    pub fn apply(&mut self, msg: AlertsMsg, now: Timestamp) {
        match msg {
            AlertsMsg::Failed(line) => self.state = SourceState::Failed(line),
            AlertsMsg::Polled(poll) => {
                self.state = SourceState::Connected;
                self.polled = Some(now);
                self.rules = poll.rules;
                self.interval = Some(poll.interval);
                let selected = self.selected_alert().map(|a| a.labels.clone());
                let (am_alerts, am_error) = match poll.alertmanager {
                    Some(Ok(a)) => (a, None),
                    Some(Err(e)) => (Vec::new(), Some(e)),
                    None => (Vec::new(), None),
                };
                self.alertmanager_error = am_error;
                self.alerts = rows(poll.alerts, &am_alerts);
                // The selection follows its alert when the order changes.
                self.selected = selected
                    .and_then(|l| self.alerts.iter().position(|a| a.labels == l))
                    .unwrap_or(self.selected)
                    .min(self.alerts.len().saturating_sub(1));
                for reading in poll.slos {
                    if let Some(row) = self.slos.iter_mut().find(|r| r.name == reading.name) {
                        row.record(reading.value);
                    }
                }
            }
        }
    }

    /// Whether the pane shows a line about Prometheus being unreachable.
    pub fn error_line(&self) -> bool {
        matches!(self.state, SourceState::Failed(_))
    }

    pub fn selected_alert(&self) -> Option<&AlertRow> {
        self.alerts.get(self.selected)
    }

    pub fn move_by(&mut self, delta: isize) {
        let max = self.alerts.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, max.max(0)) as usize;
    }

    pub fn firing(&self) -> impl Iterator<Item = &AlertRow> {
        self.alerts.iter().filter(|a| a.state == AlertState::Firing)
    }
}

impl SloRow {
    fn from_slo(slo: &Slo) -> SloRow {
        SloRow {
            name: slo.name.clone(),
            unit: slo.unit,
            objective: slo.objective,
            value: None,
            error: None,
            history: VecDeque::with_capacity(SLO_HISTORY),
        }
    }

    fn record(&mut self, value: Result<f64, String>) {
        match value {
            Ok(v) => {
                self.value = Some(v);
                self.error = None;
                if self.history.len() == SLO_HISTORY {
                    self.history.pop_front();
                }
                self.history.push_back(v);
            }
            Err(e) => self.error = Some(e),
        }
    }
}

/// Prometheus' alerts as rows, marked with Alertmanager's silences and
/// inhibitions (an Alertmanager alert carries the Prometheus alert's labels,
/// plus any external labels), sorted for the eye.
fn rows(
    alerts: Vec<crate::model::alerts::Alert>,
    am: &[crate::model::alerts::ManagedAlert],
) -> Vec<AlertRow> {
    let mut rows: Vec<AlertRow> = alerts
        .into_iter()
        .filter(|a| a.state != AlertState::Inactive)
        .map(|a| {
            let held = am
                .iter()
                .find(|m| a.labels.iter().all(|(k, v)| m.labels.get(k) == Some(v)));
            AlertRow {
                name: a.name().to_string(),
                state: a.state,
                severity: a.severity().map(str::to_owned),
                summary: a.summary().map(str::to_owned),
                active_at: a.active_at,
                silenced_by: held.map(|m| m.silenced_by.clone()).unwrap_or_default(),
                inhibited: held.is_some_and(|m| m.is_inhibited()),
                labels: a.labels,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.state
            .cmp(&a.state)
            .then(a.severity_rank().cmp(&b.severity_rank()))
            .then(a.active_at.cmp(&b.active_at))
            .then(a.name.cmp(&b.name))
            .then(a.labels.cmp(&b.labels))
    });
    rows
}

/// `5`: the Alerts pane, or why there is none.
pub fn focus(app: &mut super::App) -> Vec<super::Effect> {
    if app.alerts.configured {
        app.focus = super::Pane::Alerts;
    } else {
        app.flash = Some(format!(
            "no Alerts pane: profile `{}` has no [prometheus] url (README › Alerts and SLOs)",
            app.profile.name
        ));
    }
    Vec::new()
}

/// `Enter` on an alert: the procedure that answers it (the catalog is loaded first).
pub fn open_selected(app: &mut super::App) -> Vec<super::Effect> {
    let Some(alert) = app.alerts.selected_alert().map(|a| a.name.clone()) else {
        app.flash = Some("no alert selected".into());
        return Vec::new();
    };
    if !app.wizard.catalog_loaded {
        return vec![super::Effect::AlertProcedure { alert }];
    }
    open_procedure(app, &alert)
}

/// Starts the procedure answering `alert` from the loaded catalog, or says there is none.
pub fn open_procedure(app: &mut super::App, alert: &str) -> Vec<super::Effect> {
    match procedure_for(alert, &app.profile, &app.wizard.catalog) {
        Some((ri, pi)) => super::wizard::start(app, ri, pi),
        None => {
            app.flash = Some(format!(
                "no procedure answers {alert}: name it in a procedure's symptoms (Alert: \"{alert}\" firing), or map it under [alerts] in the profile"
            ));
            Vec::new()
        }
    }
}

/// Asked before silencing an alert: how long, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilenceForm {
    pub alert: String,
    pub matchers: Vec<crate::model::alerts::Matcher>,
    pub duration: String,
    pub comment: String,
    /// 0: duration, 1: comment.
    pub field: usize,
    pub error: Option<String>,
}

/// `S` in the Alerts pane: silence the selected alert, or expire the silences
/// muting it. Both change what pages people: asked, shown, confirmed.
pub fn silence(app: &mut super::App) -> Vec<super::Effect> {
    if app.readonly {
        app.flash = Some(
            "read-only mode: silencing is refused (start without --readonly and use a profile that allows changes)"
                .into(),
        );
        return Vec::new();
    }
    if app.profile.alertmanager.is_none() {
        app.flash = Some(format!(
            "silencing needs an Alertmanager: add [alertmanager] url to profile `{}`",
            app.profile.name
        ));
        return Vec::new();
    }
    let Some(a) = app.alerts.selected_alert() else {
        app.flash = Some("no alert selected".into());
        return Vec::new();
    };
    if !a.silenced_by.is_empty() {
        let confirm = expire_confirm(app, &a.name, a.silenced_by.clone());
        app.overlay = Some(super::Overlay::Confirm(confirm));
        return Vec::new();
    }
    app.overlay = Some(super::Overlay::Silence(SilenceForm {
        alert: a.name.clone(),
        matchers: a
            .labels
            .iter()
            .map(|(k, v)| crate::model::alerts::Matcher::equal(k, v))
            .collect(),
        duration: "1h".into(),
        comment: String::new(),
        field: 1,
        error: None,
    }));
    Vec::new()
}

fn am_url(app: &super::App) -> String {
    app.profile
        .alertmanager
        .as_ref()
        .map(|a| a.url.clone())
        .unwrap_or_default()
}

fn quote(s: &str) -> String {
    shlex::try_quote(s)
        .map(|q| q.into_owned())
        .unwrap_or_else(|_| format!("{s:?}"))
}

fn expire_confirm(app: &super::App, alert: &str, ids: Vec<String>) -> super::confirm::Confirm {
    use super::confirm::{Confirm, PendingAction, Tier};
    let url = am_url(app);
    Confirm {
        title: format!("Expire the silence of {alert}?"),
        command: format!(
            "amtool silence expire --alertmanager.url={} {}",
            quote(&url),
            ids.iter().map(|i| quote(i)).collect::<Vec<_>>().join(" ")
        ),
        target: format!("alertmanager {url}"),
        platform: crate::model::Platform::Kubernetes,
        tier: Tier::Mutating,
        why: format!("{alert} notifies again as soon as the silence ends"),
        expected: None,
        typed: String::new(),
        on_confirm: false,
        action: PendingAction::ExpireSilences {
            alert: alert.to_string(),
            ids,
        },
    }
}

/// A key in the silence form: typing, Tab between the fields, Enter to go on
/// (to the confirmation, once both fields are good), Esc to cancel.
pub fn on_form_key(
    app: &mut super::App,
    key: ratatui::crossterm::event::KeyEvent,
    mut f: SilenceForm,
) -> Vec<super::Effect> {
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};
    let field = if f.field == 0 {
        &mut f.duration
    } else {
        &mut f.comment
    };
    match key.code {
        KeyCode::Esc => {
            app.flash = Some("cancelled; nothing was changed".into());
            return Vec::new();
        }
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => f.field = 1 - f.field,
        KeyCode::Backspace => {
            field.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => field.clear(),
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            app.flash = Some("cancelled; nothing was changed".into());
            return Vec::new();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => field.push(c),
        KeyCode::Enter => match check(&f) {
            Ok(duration) => {
                app.overlay = Some(super::Overlay::Confirm(create_confirm(app, &f, duration)));
                return Vec::new();
            }
            Err(e) => {
                f.field = if f.duration.trim().is_empty()
                    || crate::config::duration::parse_duration(&f.duration).is_err()
                {
                    0
                } else {
                    1
                };
                f.error = Some(e);
            }
        },
        _ => {}
    }
    if key.code != KeyCode::Enter {
        f.error = None;
    }
    app.overlay = Some(super::Overlay::Silence(f));
    Vec::new()
}

fn check(f: &SilenceForm) -> Result<Duration, String> {
    let d = crate::config::duration::parse_duration(&f.duration)
        .map_err(|e| format!("duration: {e}"))?;
    if d < Duration::from_secs(60) {
        return Err("duration: a silence lasts at least 1m (write e.g. 30m, 2h)".into());
    }
    if f.comment.trim().is_empty() {
        return Err(
            "comment: say why the alert is silenced (it is shown to everyone paged)".into(),
        );
    }
    Ok(d)
}

fn create_confirm(
    app: &super::App,
    f: &SilenceForm,
    duration: Duration,
) -> super::confirm::Confirm {
    use super::confirm::{Confirm, PendingAction, Tier};
    let url = am_url(app);
    let human = go_duration(duration);
    Confirm {
        title: format!("Silence {}?", f.alert),
        command: format!(
            "amtool silence add --alertmanager.url={} --duration={} --comment={} {}",
            quote(&url),
            quote(&human),
            quote(f.comment.trim()),
            f.matchers
                .iter()
                .map(|m| quote(&m.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        target: format!("alertmanager {url}"),
        platform: crate::model::Platform::Kubernetes,
        tier: Tier::Mutating,
        why: format!("no notification for alerts matching these labels for {human}"),
        expected: None,
        typed: String::new(),
        on_confirm: false,
        action: PendingAction::CreateSilence {
            alert: f.alert.clone(),
            matchers: f.matchers.clone(),
            duration,
            comment: f.comment.trim().to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::alerts::Alert;

    fn alert(name: &str, state: AlertState, severity: &str, since: i64) -> Alert {
        let mut labels = Labels::new();
        labels.insert("alertname".into(), name.into());
        labels.insert("severity".into(), severity.into());
        Alert {
            labels,
            annotations: Labels::new(),
            state,
            active_at: Timestamp::from_second(since).ok(),
            value: 1.0,
        }
    }

    #[test]
    fn firing_first_then_by_severity_then_oldest() {
        let r = rows(
            vec![
                alert("Pend", AlertState::Pending, "critical", 1),
                alert("Warn", AlertState::Firing, "warning", 1),
                alert("CritNew", AlertState::Firing, "critical", 50),
                alert("CritOld", AlertState::Firing, "critical", 10),
            ],
            &[],
        );
        let names: Vec<&str> = r.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["CritOld", "CritNew", "Warn", "Pend"]);
    }

    #[test]
    fn durations_read_as_amtool_writes_them() {
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(go_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn worst_value_is_on_the_wrong_side_of_the_objective() {
        let upper: Objective = "< 0.5".parse().unwrap();
        let lower: Objective = ">= 99.9".parse().unwrap();
        assert_eq!(worst(&upper, [0.2, 0.9, f64::NAN].into_iter()), 0.9);
        assert_eq!(worst(&lower, [99.95, 99.1].into_iter()), 99.1);
        assert!(worst(&upper, std::iter::empty()).is_nan());
    }

    #[test]
    fn history_is_bounded_and_errors_keep_the_last_value() {
        let slo: Slo =
            toml::from_str("name = \"p95\"\nquery = \"x\"\nunit = \"s\"\nobjective = \"< 0.5\"")
                .unwrap();
        let mut row = SloRow::from_slo(&slo);
        for i in 0..(SLO_HISTORY + 5) {
            row.record(Ok(i as f64 / 100.0));
        }
        assert_eq!(row.history.len(), SLO_HISTORY);
        assert_eq!(row.state(), SloState::Ok);
        row.record(Ok(0.7));
        assert_eq!(row.state(), SloState::Breached);
        row.record(Err("bad".into()));
        assert_eq!(row.state(), SloState::NoData);
        assert_eq!(row.value, Some(0.7));
    }
}
