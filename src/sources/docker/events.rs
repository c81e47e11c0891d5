//! The engine's event stream, in the same shape as Kubernetes events.

use std::collections::HashMap;

use bollard::models::{EventMessage, EventMessageTypeEnum};
use bollard::query_parameters::{EventsOptions, EventsOptionsBuilder};
use jiff::Timestamp;

use super::containers::PROJECT_LABEL;
use crate::model::{EventRecord, Platform};

/// Container actions worth an operator's attention. Health checks also produce
/// `exec_create`/`exec_start`/`exec_die` on every probe; asking the engine to filter them out
/// keeps a host full of health-checked containers from waking the console every second.
pub(crate) const WATCHED_ACTIONS: &[&str] = &[
    "create",
    "start",
    "restart",
    "stop",
    "kill",
    "die",
    "oom",
    "health_status",
    "pause",
    "unpause",
    "destroy",
];

/// Subscription options: container events only, optionally one compose project's, from
/// `since` (Unix seconds) on. The engine replays what happened since then, so events between
/// connecting and the stream's first poll (the request goes out only then) are not lost.
pub(crate) fn subscription(compose_project: Option<&str>, since: i64) -> EventsOptions {
    let mut filters: HashMap<&str, Vec<String>> = HashMap::from([
        ("type", vec!["container".to_string()]),
        (
            "event",
            WATCHED_ACTIONS.iter().map(|a| a.to_string()).collect(),
        ),
    ]);
    if let Some(project) = compose_project {
        filters.insert("label", vec![format!("{PROJECT_LABEL}={project}")]);
    }
    EventsOptionsBuilder::default()
        .since(&since.to_string())
        .filters(&filters)
        .build()
}

fn signal_name(signal: &str) -> String {
    let name = match signal {
        "1" => "SIGHUP",
        "2" => "SIGINT",
        "3" => "SIGQUIT",
        "6" => "SIGABRT",
        "9" => "SIGKILL",
        "10" => "SIGUSR1",
        "12" => "SIGUSR2",
        "15" => "SIGTERM",
        other => return other.to_string(),
    };
    format!("{signal} ({name})")
}

/// The container an event is about, by id, when it is a container event.
pub(crate) fn container_id(event: &EventMessage) -> Option<&str> {
    if event.typ != Some(EventMessageTypeEnum::CONTAINER) {
        return None;
    }
    event.actor.as_ref()?.id.as_deref()
}

/// One engine event as an Events row; `None` for events the pane does not show.
pub(crate) fn record(event: &EventMessage) -> Option<EventRecord> {
    let id = container_id(event)?;
    let action = event.action.as_deref()?;
    let attrs = event.actor.as_ref().and_then(|a| a.attributes.as_ref());
    let attr = |key: &str| attrs.and_then(|a| a.get(key)).map(String::as_str);
    let name = attr("name").unwrap_or(id);

    let (verb, detail) = match action.split_once(':') {
        Some((verb, detail)) => (verb.trim(), detail.trim()),
        None => (action, ""),
    };
    let (reason, message, warning) = match verb {
        "die" => {
            let code = attr("exitCode").unwrap_or("?");
            let warning = code != "0";
            ("Died", format!("exited with code {code}"), warning)
        }
        "oom" => (
            "OOMKilled",
            "out of memory: the kernel's OOM killer killed a process in the container (memory limit reached)"
                .to_string(),
            true,
        ),
        "health_status" => match detail {
            "unhealthy" => ("Unhealthy", "health check failing".to_string(), true),
            "healthy" => ("Healthy", "health check passing".to_string(), false),
            other => ("HealthStatus", format!("health: {other}"), false),
        },
        "kill" => {
            let signal = attr("signal").map(signal_name).unwrap_or_else(|| "?".into());
            ("Killed", format!("sent signal {signal}"), true)
        }
        "restart" => ("Restarted", "restarted".to_string(), false),
        "start" => ("Started", "started".to_string(), false),
        "stop" => ("Stopped", "stopped".to_string(), false),
        "create" => ("Created", "created".to_string(), false),
        "destroy" => ("Removed", "removed".to_string(), false),
        "pause" => ("Paused", "paused".to_string(), false),
        "unpause" => ("Unpaused", "unpaused".to_string(), false),
        _ => return None,
    };

    let nanos = event
        .time_nano
        .map(i128::from)
        .or_else(|| event.time.map(|s| i128::from(s) * 1_000_000_000))
        .unwrap_or(0);
    let last_seen = Timestamp::from_nanosecond(nanos).unwrap_or_else(|_| Timestamp::now());
    let image = attr("image")
        .map(|i| format!(" (image {i})"))
        .unwrap_or_default();
    Some(EventRecord {
        platform: Platform::Docker,
        namespace: attr(PROJECT_LABEL).unwrap_or_default().to_string(),
        object: format!("container/{name}"),
        warning,
        reason: reason.to_string(),
        message: if verb == "create" || verb == "destroy" {
            format!("{message}{image}")
        } else {
            message
        },
        count: 1,
        last_seen,
        uid: format!("docker/{id}/{nanos}/{action}"),
    })
}

#[cfg(test)]
mod tests {
    use bollard::models::EventActor;

    use super::*;

    fn event(action: &str, attrs: &[(&str, &str)]) -> EventMessage {
        let mut attributes: HashMap<String, String> = attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        attributes.insert("name".into(), "doc-rag-api-1".into());
        attributes.insert(PROJECT_LABEL.into(), "doc-rag".into());
        EventMessage {
            typ: Some(EventMessageTypeEnum::CONTAINER),
            action: Some(action.into()),
            actor: Some(EventActor {
                id: Some("abc123".into()),
                attributes: Some(attributes),
            }),
            time: Some(1_795_237_864),
            time_nano: Some(1_795_237_864_650_040_132),
            ..Default::default()
        }
    }

    #[test]
    fn die_with_a_non_zero_code_is_a_warning_naming_the_code() {
        let r = record(&event("die", &[("exitCode", "137")])).unwrap();
        assert_eq!(r.object, "container/doc-rag-api-1");
        assert_eq!(r.namespace, "doc-rag");
        assert_eq!(
            (r.reason.as_str(), r.message.as_str(), r.warning),
            ("Died", "exited with code 137", true)
        );
        let clean = record(&event("die", &[("exitCode", "0")])).unwrap();
        assert!(!clean.warning);
    }

    #[test]
    fn health_status_carries_the_verdict_after_the_colon() {
        let r = record(&event("health_status: unhealthy", &[])).unwrap();
        assert_eq!((r.reason.as_str(), r.warning), ("Unhealthy", true));
        let r = record(&event("health_status: healthy", &[])).unwrap();
        assert_eq!((r.reason.as_str(), r.warning), ("Healthy", false));
    }

    #[test]
    fn oom_and_kill_are_warnings() {
        assert!(record(&event("oom", &[])).unwrap().warning);
        let kill = record(&event("kill", &[("signal", "9")])).unwrap();
        assert_eq!(kill.message, "sent signal 9 (SIGKILL)");
        assert!(kill.warning);
    }

    #[test]
    fn probes_and_other_object_types_are_not_shown() {
        assert_eq!(
            record(&event("exec_start: wget -q -O- http://x", &[])),
            None
        );
        let mut network = event("connect", &[]);
        network.typ = Some(EventMessageTypeEnum::NETWORK);
        assert_eq!(record(&network), None);
    }

    #[test]
    fn uid_is_unique_per_event_and_time_comes_from_the_engine() {
        let r = record(&event("start", &[])).unwrap();
        assert_eq!(r.uid, "docker/abc123/1795237864650040132/start");
        assert_eq!(r.last_seen.as_nanosecond(), 1_795_237_864_650_040_132);
    }
}
