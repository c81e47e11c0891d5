//! Kubernetes events (core/v1) into event records.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;

use crate::model::{EventRecord, Platform};

/// The record for `event`; `None` when it has no uid to upsert by.
pub(crate) fn record(event: &Event) -> Option<EventRecord> {
    let uid = event.metadata.uid.clone()?;
    let involved = &event.involved_object;
    let object = format!(
        "{}/{}",
        involved.kind.as_deref().unwrap_or("Object"),
        involved.name.as_deref().unwrap_or_default()
    );
    let last_seen = event
        .last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| event.event_time.as_ref().map(|t| t.0))
        .or_else(|| {
            event
                .series
                .as_ref()
                .and_then(|s| s.last_observed_time.as_ref())
                .map(|t| t.0)
        })
        .or_else(|| event.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| event.metadata.creation_timestamp.as_ref().map(|t| t.0))
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let count = event
        .count
        .or_else(|| event.series.as_ref().and_then(|s| s.count))
        .unwrap_or(1)
        .max(1) as u32;
    Some(EventRecord {
        platform: Platform::Kubernetes,
        namespace: event
            .metadata
            .namespace
            .clone()
            .or_else(|| involved.namespace.clone())
            .unwrap_or_default(),
        object,
        warning: event.type_.as_deref() == Some("Warning"),
        reason: event.reason.clone().unwrap_or_default(),
        message: event.message.clone().unwrap_or_default(),
        count,
        last_seen,
        uid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backoff_warning_becomes_a_warning_record() {
        let e: Event = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "langgraph-x.1", "namespace": "rag7", "uid": "u1"},
            "involvedObject": {"kind": "Pod", "name": "langgraph-x", "namespace": "rag7"},
            "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container",
            "count": 4, "lastTimestamp": "2026-01-01T10:00:00Z"
        }))
        .unwrap();
        let r = record(&e).unwrap();
        assert!(r.warning);
        assert_eq!(r.object, "Pod/langgraph-x");
        assert_eq!(r.count, 4);
        assert_eq!(r.last_seen, "2026-01-01T10:00:00Z".parse().unwrap());
        assert_eq!(r.uid, "u1");
    }

    #[test]
    fn a_new_style_event_uses_its_event_time() {
        let e: Event = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "n", "namespace": "rag7", "uid": "u2"},
            "involvedObject": {"kind": "Deployment", "name": "langgraph"},
            "type": "Normal", "reason": "ScalingReplicaSet",
            "eventTime": "2026-01-01T10:00:01.000000Z"
        }))
        .unwrap();
        let r = record(&e).unwrap();
        assert!(!r.warning);
        assert_eq!(r.count, 1);
        assert_eq!(r.last_seen, "2026-01-01T10:00:01Z".parse().unwrap());
    }
}
