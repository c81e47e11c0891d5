//! Silencing from the Alerts pane against a real Alertmanager on loopback:
//! `S` asks duration and comment, shows the matchers, is confirmed as
//! mutating, creates the silence with the login name as `createdBy` (seen by
//! `amtool`), records it in the timeline with its ID; `S` on the silenced
//! alert expires it likewise; read-only refuses both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod prom_support;
mod support;

use std::process::Command;
use std::time::Duration;

use opsdeck::app::alerts::{AlertsMsg, Poll};
use opsdeck::app::confirm::PendingAction;
use opsdeck::app::{App, Effect, Msg, Overlay};
use opsdeck::config::profile::AlertmanagerConfig;
use opsdeck::sources::alertmanager::Alertmanager;
use opsdeck::sources::prometheus::AlertState;
use opsdeck::wizard::timeline::{self, Entry};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

const CONFIG: &str = r#"route:
  receiver: nowhere
  group_wait: 1s
  group_interval: 1s
receivers:
  - name: nowhere
"#;

const SEC: Duration = Duration::from_millis(500);

fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    app.update(Msg::Key(KeyEvent::new(code, mods)), support::now())
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    key(app, code, KeyModifiers::NONE)
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn amtool(url: &str, expired: bool) -> String {
    let mut cmd = Command::new("amtool");
    cmd.args(["--alertmanager.url", url, "silence", "query"]);
    if expired {
        cmd.arg("--expired");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("amtool: {e}: apt-get install prometheus-alertmanager"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Posts the alert as Prometheus would, and polls the console with it.
async fn poll(app: &mut App, am: &Alertmanager) {
    let alert = support::prom_alert(
        "HighLatency",
        AlertState::Firing,
        "warning",
        60,
        "langgraph answers slowly",
    );
    let ends = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1)).to_string();
    let body = serde_json::json!([{"labels": alert.labels, "annotations": alert.annotations, "endsAt": ends}]);
    let resp = opsdeck::sources::json_http::client()
        .post(format!("{}/api/v2/alerts", am_url(app)))
        .json(&body)
        .send()
        .await
        .expect("post alerts");
    assert!(resp.status().is_success(), "{}", resp.status());
    let alerts = am.alerts().await.map_err(|e| e.to_string());
    app.update(
        Msg::Alerts(AlertsMsg::Polled(Poll {
            alerts: vec![alert],
            rules: 1,
            slos: Vec::new(),
            alertmanager: Some(alerts),
            interval: Duration::from_secs(15),
        })),
        support::now(),
    );
}

fn am_url(app: &App) -> String {
    app.profile
        .alertmanager
        .as_ref()
        .map(|a| a.url.clone())
        .unwrap_or_default()
}

/// Runs a confirmed action as the runtime does; returns its notice.
async fn run(app: &mut App, fx: Vec<Effect>, timelines: &std::path::Path) -> String {
    let action = fx
        .into_iter()
        .find_map(|e| match e {
            Effect::RunAction(a) => Some(a),
            _ => None,
        })
        .expect("a confirmed action");
    let (tx, mut rx) = mpsc::channel(4);
    opsdeck::silence::run_silence(action, app, timelines, tx);
    match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
        Ok(Some(Msg::Notice(text))) => text,
        other => panic!("no notice: {other:?}"),
    }
}

fn records(timelines: &std::path::Path) -> Vec<Entry> {
    let mut out = Vec::new();
    for f in std::fs::read_dir(timelines).expect("timelines dir") {
        let path = f.expect("entry").path();
        out.extend(
            timeline::read(&path)
                .expect("timeline")
                .into_iter()
                .map(|r| r.entry),
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_and_expire_from_the_alerts_pane() {
    let server = prom_support::alertmanager(CONFIG);
    let am = Alertmanager::new(&server.url).unwrap();
    let data = tempfile::tempdir().unwrap();
    let timelines = data.path().join("timelines");
    let mut app = support::app_with_theme("rag7", "default");
    app.profile.alertmanager = Some(AlertmanagerConfig {
        url: server.url.clone(),
    });
    app.alerts.alertmanager = true;
    support::settle(&mut app, 80, 24);
    poll(&mut app, &am).await;

    // S asks how long and why, with the matchers shown.
    press(&mut app, KeyCode::Char('5'));
    press(&mut app, KeyCode::Char('S'));
    let Some(Overlay::Silence(form)) = &app.overlay else {
        panic!("no silence form: {:?} {:?}", app.overlay, app.flash);
    };
    assert_eq!(form.alert, "HighLatency");
    // An empty comment is refused with a reason.
    press(&mut app, KeyCode::Enter);
    let Some(Overlay::Silence(form)) = &app.overlay else {
        panic!("form closed on an empty comment");
    };
    assert!(form.error.as_deref().unwrap_or("").contains("comment"));
    type_text(&mut app, "deploy of v1.0.2 in progress");
    press(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "30m");
    press(&mut app, KeyCode::Enter);
    let Some(Overlay::Confirm(c)) = &app.overlay else {
        panic!("no confirmation: {:?}", app.overlay);
    };
    assert!(c.command.starts_with("amtool silence add"), "{}", c.command);
    for m in [
        r#"alertname="HighLatency""#,
        r#"service="langgraph""#,
        "--duration=30m",
    ] {
        assert!(c.command.contains(m), "{m} not in {}", c.command);
    }
    // Mutating: y runs it.
    let fx = press(&mut app, KeyCode::Char('y'));
    assert!(
        fx.iter().any(|e| matches!(
            e,
            Effect::RunAction(PendingAction::CreateSilence { alert, .. }) if alert == "HighLatency"
        )),
        "{fx:?}"
    );
    let notice = run(&mut app, fx, &timelines).await;
    assert!(notice.contains("created for HighLatency"), "{notice}");

    let entries = records(&timelines);
    let Some(Entry::Silence { id, action, .. }) = entries.first() else {
        panic!("no silence in the timeline: {entries:?}");
    };
    assert_eq!(action, "created");
    let id = id.clone();
    let listed = amtool(&server.url, false);
    let user = opsdeck::wizard::timeline::Who::current().user;
    assert!(listed.contains(&id), "amtool does not list {id}: {listed}");
    assert!(
        listed.contains(&user) && listed.contains("deploy of v1.0.2 in progress"),
        "{listed}"
    );

    // The next poll marks the alert silenced; S now offers to expire it.
    prom_support::until("HighLatency silenced", 60, SEC, || async {
        am.alerts()
            .await
            .ok()?
            .into_iter()
            .find(|a| a.name() == "HighLatency" && a.is_silenced())
    })
    .await;
    poll(&mut app, &am).await;
    assert_eq!(app.alerts.alerts[0].silenced_by, vec![id.clone()]);
    let screen = {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        t.draw(|f| opsdeck::ui::draw(f, &app)).unwrap();
        let buf = t.backend().buffer().clone();
        let mut s = String::new();
        for y in 0..24 {
            for x in 0..80 {
                s.push_str(buf[(x, y)].symbol());
            }
            s.push('\n');
        }
        s
    };
    assert!(screen.contains("silenced"), "{screen}");
    press(&mut app, KeyCode::Char('S'));
    let Some(Overlay::Confirm(c)) = &app.overlay else {
        panic!("no expiry confirmation: {:?}", app.overlay);
    };
    assert!(
        c.command.starts_with("amtool silence expire") && c.command.contains(&id),
        "{}",
        c.command
    );
    let fx = press(&mut app, KeyCode::Char('y'));
    let notice = run(&mut app, fx, &timelines).await;
    assert!(notice.contains("expired"), "{notice}");
    let expired = amtool(&server.url, true);
    assert!(expired.contains(&id), "{expired}");
    let entries = records(&timelines);
    assert!(
        entries.iter().any(
            |e| matches!(e, Entry::Silence { action, id: i, .. } if action == "expired" && *i == id)
        ),
        "{entries:?}"
    );

    // Read-only refuses before asking anything.
    let mut app = support::app_with_theme("rag7", "default");
    app.profile.alertmanager = Some(AlertmanagerConfig {
        url: server.url.clone(),
    });
    app.readonly = true;
    poll(&mut app, &am).await;
    press(&mut app, KeyCode::Char('5'));
    press(&mut app, KeyCode::Char('S'));
    assert_eq!(app.overlay, None);
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .starts_with("read-only mode"),
        "{:?}",
        app.flash
    );
}
