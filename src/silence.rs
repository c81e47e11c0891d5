//! Silences in Alertmanager, confirmed on the Alerts pane: carried out in the
//! background, each change recorded in the incident's timeline with its ID.

use tokio::sync::mpsc;

use crate::app::confirm::PendingAction;
use crate::app::{App, Msg};
use crate::sources::alertmanager::{Alertmanager, NewSilence};
use crate::sources::alerts::CALL_TIMEOUT;
use crate::wizard::timeline::{self, Entry, Record};

/// Carries out a confirmed silence action; the timeline entries it makes.
/// `author` is the operator's login name, Alertmanager's `createdBy`.
pub async fn carry_out(
    am: &Alertmanager,
    action: &PendingAction,
    author: &str,
) -> Result<Vec<Entry>, String> {
    match action {
        PendingAction::CreateSilence {
            alert,
            matchers,
            duration,
            comment,
        } => {
            let silence = NewSilence {
                matchers: matchers.clone(),
                starts_at: None,
                duration: *duration,
                comment: comment.clone(),
                created_by: author.to_string(),
            };
            let id = am
                .create_silence(&silence)
                .await
                .map_err(|e| format!("silencing {alert} failed: {e}"))?;
            Ok(vec![Entry::Silence {
                action: "created".into(),
                id,
                alert: alert.clone(),
                matchers: matchers.iter().map(ToString::to_string).collect(),
                duration: Some(crate::config::duration::go_duration(*duration)),
                comment: comment.clone(),
                server: am.server().to_string(),
            }])
        }
        PendingAction::ExpireSilences { alert, ids } => {
            let mut entries = Vec::new();
            for id in ids {
                am.expire_silence(id)
                    .await
                    .map_err(|e| format!("expiring silence {id} of {alert} failed: {e}"))?;
                entries.push(Entry::Silence {
                    action: "expired".into(),
                    id: id.clone(),
                    alert: alert.clone(),
                    matchers: Vec::new(),
                    duration: None,
                    comment: String::new(),
                    server: am.server().to_string(),
                });
            }
            Ok(entries)
        }
        _ => Err("not an Alertmanager action".into()),
    }
}

/// Runs a confirmed silence action in the background: the result comes back
/// as a notice, and each change goes into the timeline of the open incident
/// (or of a new one named after the alert) with its silence ID.
pub fn run_silence(
    action: PendingAction,
    app: &App,
    timelines: &std::path::Path,
    tx: mpsc::Sender<Msg>,
) -> Vec<Msg> {
    if app.readonly {
        return vec![Msg::Notice("read-only mode: the action was refused".into())];
    }
    let am = match app
        .profile
        .alertmanager
        .as_ref()
        .map(Alertmanager::from_config)
    {
        Some(Ok(am)) => am.with_timeout(CALL_TIMEOUT),
        Some(Err(e)) => return vec![Msg::Notice(e.to_string())],
        None => return vec![Msg::Notice("this profile has no [alertmanager] url".into())],
    };
    let alert = match &action {
        PendingAction::CreateSilence { alert, .. }
        | PendingAction::ExpireSilences { alert, .. } => alert.clone(),
        _ => String::new(),
    };
    let incident = app.wizard.run.as_ref().map_or_else(
        || crate::app::wizard::incident_id(app.now, &format!("silence {alert}")),
        |w| w.incident.clone(),
    );
    let path = timeline::path_for(timelines, &incident);
    let who = app.who.clone();
    tokio::spawn(async move {
        let text = match carry_out(&am, &action, &who.user).await {
            Ok(entries) => {
                let mut said = Vec::new();
                let mut failed = None;
                for entry in entries {
                    said.push(entry.silence_text().unwrap_or_default());
                    let record = Record {
                        at: jiff::Timestamp::now(),
                        who: who.clone(),
                        entry,
                    };
                    if let Err(e) = timeline::append(&path, &record) {
                        failed = Some(e.to_string());
                    }
                }
                match failed {
                    None => format!("{} · timeline {incident}", said.join("; ")),
                    Some(e) => format!("{} · NOT recorded: {e}", said.join("; ")),
                }
            }
            Err(e) => e,
        };
        let _ = tx.send(Msg::Notice(text)).await;
    });
    Vec::new()
}
