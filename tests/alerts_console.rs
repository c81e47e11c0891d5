//! The Alerts pane in the console state: `Enter` on an alert opens the
//! procedure that answers it (symptoms naming it, the title, or the profile's
//! `[alerts]`), an alert without one says so, and the status-line suggestion
//! prefers a firing alert and goes away when its condition clears.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use opsdeck::app::alerts::{AlertsMsg, Poll};
use opsdeck::app::{App, Effect, Msg, Pane};
use opsdeck::sources::prometheus::AlertState;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        support::now(),
    )
}

fn poll(app: &mut App, alerts: Vec<opsdeck::sources::prometheus::Alert>) {
    app.update(
        Msg::Alerts(AlertsMsg::Polled(Poll {
            alerts,
            rules: 3,
            slos: Vec::new(),
            alertmanager: None,
            interval: std::time::Duration::from_secs(15),
        })),
        support::now(),
    );
}

fn with_catalog(app: &mut App) {
    let (catalog, problems, rules) = opsdeck::launch::load_catalog(&app.profile);
    assert!(problems.is_empty(), "{problems:?}");
    app.wizard.catalog = catalog;
    app.wizard.rules = Some(rules);
    app.wizard.catalog_loaded = true;
}

fn opened(app: &App) -> String {
    app.wizard
        .run
        .as_ref()
        .map(|w| w.procedure.title.clone())
        .unwrap_or_default()
}

fn select(app: &mut App, name: &str) {
    key(app, KeyCode::Char('5'));
    assert_eq!(app.focus, Pane::Alerts);
    key(app, KeyCode::Char('g'));
    while app.alerts.selected_alert().map(|a| a.name.as_str()) != Some(name) {
        let before = app.alerts.selected;
        key(app, KeyCode::Char('j'));
        assert_ne!(before, app.alerts.selected, "{name} not in the pane");
    }
}

#[test]
fn enter_on_an_alert_opens_the_procedure_that_answers_it() {
    let mut app = support::incident_app("default", 80, 24);
    // Before the catalog is loaded, Enter asks for it with the alert in hand.
    select(&mut app, "HighLatency");
    let fx = key(&mut app, KeyCode::Enter);
    assert_eq!(
        fx,
        vec![Effect::AlertProcedure {
            alert: "HighLatency".into()
        }]
    );
    with_catalog(&mut app);
    let mut fx = key(&mut app, KeyCode::Enter);
    assert_eq!(opened(&app), "High Latency");
    assert!(app.wizard.is_open());
    fx.retain(|e| matches!(e, Effect::TimelineAppend { .. }));
    assert!(!fx.is_empty(), "the incident's timeline starts");
}

#[test]
fn symptoms_naming_the_alert_answer_it_without_a_mapping() {
    let mut app = support::incident_app("default", 80, 24);
    app.profile.alerts.clear();
    with_catalog(&mut app);
    select(&mut app, "PodRestarting");
    key(&mut app, KeyCode::Enter);
    // Seed 002's "Pod Crash Loop" lists `Alert: "PodRestarting" firing` in its symptoms.
    assert_eq!(opened(&app), "Pod Crash Loop");
}

#[test]
fn an_alert_no_procedure_answers_says_so() {
    let mut app = support::incident_app("default", 80, 24);
    with_catalog(&mut app);
    poll(
        &mut app,
        vec![support::prom_alert(
            "DiskFull",
            AlertState::Firing,
            "critical",
            30,
            "disk is full",
        )],
    );
    select(&mut app, "DiskFull");
    key(&mut app, KeyCode::Enter);
    assert!(app.wizard.run.is_none());
    let flash = app.flash.clone().unwrap_or_default();
    assert!(
        flash.starts_with("no procedure answers DiskFull"),
        "{flash}"
    );
}

#[test]
fn the_suggestion_prefers_a_firing_alert_and_goes_away_when_it_clears() {
    let mut app = support::app_with_theme("rag7", "default");
    // A crash loop alone suggests by state.
    app.update(
        Msg::Source(opsdeck::model::SourceUpdate::Workloads {
            platform: opsdeck::model::Platform::Kubernetes,
            rows: vec![support::pod(
                "langgraph-1",
                "langgraph",
                "CrashLoopBackOff",
                opsdeck::model::Severity::Crit,
                4,
            )],
        }),
        support::now(),
    );
    assert_eq!(
        app.wizard.suggestion.as_ref().map(|s| s.label.as_str()),
        Some("Pod Crash Loop")
    );
    // A firing alert wins, with the procedure the profile maps it to.
    poll(
        &mut app,
        vec![support::prom_alert(
            "HighLatency",
            AlertState::Firing,
            "warning",
            30,
            "slow",
        )],
    );
    assert_eq!(
        app.flash.as_deref(),
        Some("HighLatency is firing → press r for the “High Latency” runbook")
    );
    with_catalog(&mut app);
    app.flash = None;
    let fx = key(&mut app, KeyCode::Char('r'));
    assert!(
        fx.iter()
            .all(|e| !matches!(e, Effect::WizardCatalog { .. }))
    );
    assert_eq!(opened(&app), "High Latency");

    // A pending alert does not page: the state heuristic is back, and the
    // alert's announcement is gone from the status line.
    let mut app = support::app_with_theme("rag7", "default");
    poll(
        &mut app,
        vec![support::prom_alert(
            "HighLatency",
            AlertState::Firing,
            "warning",
            30,
            "slow",
        )],
    );
    assert!(app.flash.as_deref().unwrap_or("").contains("HighLatency"));
    poll(&mut app, Vec::new());
    assert_eq!(app.wizard.suggestion, None);
    assert_eq!(app.flash, None, "the announcement vanished with its alert");
}

#[test]
fn a_health_suggestion_vanishes_when_the_check_passes_again() {
    use opsdeck::model::{CheckOutcome, HealthResult};
    let mut app = support::app_with_theme("rag7", "default");
    let result = |ok: bool| {
        Msg::Health(HealthResult {
            service: 1,
            check: 0,
            outcome: CheckOutcome {
                ok,
                latency: std::time::Duration::from_millis(5),
                detail: if ok { "HTTP 200" } else { "connection refused" }.into(),
            },
            at: support::now(),
        })
    };
    app.update(result(false), support::now());
    let flash = app.flash.clone().unwrap_or_default();
    assert!(flash.contains("health check is failing"), "{flash}");
    app.update(result(true), support::now());
    assert_eq!(app.wizard.suggestion, None);
    assert_eq!(app.flash, None, "{:?}", app.flash);
}
