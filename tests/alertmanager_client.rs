//! The Alertmanager client against a real Alertmanager on loopback: alerts
//! with their inhibited and silenced status, creating a silence (seen by
//! `amtool`), expiring it (seen expired by `amtool`), and the bad cases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

mod prom_support;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use opsdeck::sources::alertmanager::{
    AlertStatus, Alertmanager, AmError, Matcher, NewSilence, SilenceState,
};
use prom_support::{closed_port, until};

const CONFIG: &str = r#"route:
  receiver: nowhere
  group_wait: 1s
  group_interval: 1s
receivers:
  - name: nowhere
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [service]
"#;

const SEC: Duration = Duration::from_millis(500);

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Posts alerts the way Prometheus does (`POST /api/v2/alerts`).
async fn post_alerts(url: &str, alerts: &[BTreeMap<String, String>]) {
    let ends = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1)).to_string();
    let body: Vec<serde_json::Value> = alerts
        .iter()
        .map(|l| serde_json::json!({"labels": l, "annotations": {"summary": "test"}, "endsAt": ends}))
        .collect();
    let resp = opsdeck::sources::json_http::client()
        .post(format!("{url}/api/v2/alerts"))
        .json(&body)
        .send()
        .await
        .expect("post alerts");
    assert!(resp.status().is_success(), "{}", resp.status());
}

/// `amtool silence query` output, expired ones too when asked.
fn amtool_silences(url: &str, expired: bool) -> String {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silences_created_and_expired_through_the_client_are_what_amtool_sees() {
    let server = prom_support::alertmanager(CONFIG);
    let am = Alertmanager::new(&server.url).unwrap();
    assert!(am.version().await.unwrap().starts_with("0."));

    let latency = labels(&[
        ("alertname", "HighLatency"),
        ("service", "langgraph"),
        ("severity", "warning"),
    ]);
    let restarting = labels(&[
        ("alertname", "PodRestarting"),
        ("service", "langgraph"),
        ("severity", "critical"),
    ]);
    let errors = labels(&[
        ("alertname", "HighErrorRate"),
        ("service", "redis"),
        ("severity", "warning"),
    ]);
    post_alerts(
        &server.url,
        &[latency.clone(), restarting.clone(), errors.clone()],
    )
    .await;

    // The critical PodRestarting inhibits the warning on the same service.
    let alerts = until("HighLatency inhibited", 60, SEC, || async {
        let a = am.alerts().await.ok()?;
        a.iter()
            .any(|x| x.name() == "HighLatency" && x.is_inhibited())
            .then_some(a)
    })
    .await;
    assert_eq!(alerts.len(), 3);
    let inhibited = alerts.iter().find(|a| a.name() == "HighLatency").unwrap();
    assert_eq!(inhibited.status, AlertStatus::Suppressed);
    let source = alerts.iter().find(|a| a.name() == "PodRestarting").unwrap();
    assert_eq!(inhibited.inhibited_by, vec![source.fingerprint.clone()]);
    assert_eq!(inhibited.receivers, vec!["nowhere".to_string()]);
    let redis = alerts.iter().find(|a| a.name() == "HighErrorRate").unwrap();
    assert_eq!(redis.status, AlertStatus::Active);
    assert!(!redis.is_silenced() && !redis.is_inhibited());

    // Silence HighErrorRate on redis for an hour.
    let silence = NewSilence::for_alert(
        &errors,
        Duration::from_secs(3600),
        "redis failover in progress",
        "alice",
    );
    let id = am.create_silence(&silence).await.unwrap();
    assert!(!id.is_empty());
    let listed = amtool_silences(&server.url, false);
    assert!(listed.contains(&id), "amtool does not list {id}: {listed}");
    assert!(
        listed.contains("alice") && listed.contains("redis failover in progress"),
        "{listed}"
    );
    let silenced = until("HighErrorRate silenced", 60, SEC, || async {
        let a = am.alerts().await.ok()?;
        a.into_iter()
            .find(|x| x.name() == "HighErrorRate" && x.is_silenced())
    })
    .await;
    assert_eq!(silenced.silenced_by, vec![id.clone()]);
    assert_eq!(silenced.status, AlertStatus::Suppressed);
    let ours = am
        .silences()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.id == id)
        .unwrap();
    assert_eq!(ours.state, SilenceState::Active);
    assert_eq!(ours.created_by, "alice");
    assert!(ours.matchers.contains(&Matcher::equal("service", "redis")));
    let length = ours
        .ends_at
        .unwrap()
        .duration_since(ours.starts_at.unwrap());
    // Alertmanager moves a start already past to its own now: a hair under the hour.
    assert_eq!(length.as_secs_f64().round(), 3600.0, "{length:?}");

    // Expire it: amtool shows it among the expired, and the alert is back.
    am.expire_silence(&id).await.unwrap();
    let expired = amtool_silences(&server.url, true);
    assert!(
        expired.contains(&id),
        "amtool --expired does not list {id}: {expired}"
    );
    assert!(!amtool_silences(&server.url, false).contains(&id));
    let state = am
        .silences()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.id == id)
        .unwrap()
        .state;
    assert_eq!(state, SilenceState::Expired);
    until("HighErrorRate active again", 60, SEC, || async {
        let a = am.alerts().await.ok()?;
        a.iter()
            .any(|x| x.name() == "HighErrorRate" && x.status == AlertStatus::Active)
            .then_some(())
    })
    .await;

    // A silence without a comment is refused before anything is sent.
    let before = am.silences().await.unwrap().len();
    let mut bare = NewSilence::for_alert(&latency, Duration::from_secs(60), "", "alice");
    let err = am.create_silence(&bare).await.unwrap_err();
    assert!(matches!(err, AmError::InvalidSilence(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "silence not created: it has no comment: say why the alert is silenced"
    );
    bare.comment = "x".into();
    bare.matchers.clear();
    assert!(am.create_silence(&bare).await.is_err());
    assert_eq!(am.silences().await.unwrap().len(), before);

    // Expiring a silence the server does not know: its own message.
    let err = am
        .expire_silence("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    let AmError::Refused {
        status, message, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(*status >= 400, "{err}");
    assert!(!message.is_empty(), "{err}");
    assert!(
        err.to_string().starts_with(&format!(
            "Alertmanager at {} refused the request",
            server.url
        )),
        "{err}"
    );
}

#[tokio::test]
async fn an_unreachable_alertmanager_is_named() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let err = Alertmanager::new(&url)
        .unwrap()
        .silences()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot reach Alertmanager at {url}: connection refused; check [alertmanager] url in the profile and that the server is running"
        )
    );
}
