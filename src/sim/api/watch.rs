//! Long-running responses: watch streams and `pods/log`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::handlers::{Shared, Target, body_stream, matching};
use super::select::{FieldSelector, LabelSelector};
use super::status::ApiError;
use crate::sim::world::ContainerState;

/// How often a watch sends a BOOKMARK when the client allows them.
const BOOKMARK_EVERY: Duration = Duration::from_secs(5);

struct WatchState {
    shared: Shared,
    resource: &'static str,
    kind: &'static str,
    api_version: String,
    namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
    rv: u64,
    epoch: u64,
    deadline: tokio::time::Instant,
    bookmarks: bool,
    last_bookmark: tokio::time::Instant,
    rx: tokio::sync::watch::Receiver<u64>,
    as_table: bool,
    first: bool,
    done: bool,
}

fn line(kind: &str, object: &Value) -> Bytes {
    let mut s = json!({"type": kind, "object": object}).to_string();
    s.push('\n');
    Bytes::from(s)
}

fn gone(rv: u64) -> Value {
    ApiError::gone(format!("too old resource version: {rv}")).to_status()
}

/// Wraps `object` as a one-row Table when the client asked for tables; column
/// definitions go with the first event only, as the API server does.
fn wrap(as_table: bool, resource: &str, object: &Value, first: &mut bool) -> Value {
    if !as_table {
        return object.clone();
    }
    let rv = object["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default();
    let mut t = super::table::table(resource, std::slice::from_ref(object), rv, None);
    if !std::mem::take(first) {
        t["columnDefinitions"] = json!([]);
    }
    t
}

pub fn serve(
    shared: Shared,
    t: &Target,
    q: &HashMap<String, String>,
    as_table: bool,
) -> Result<Response, ApiError> {
    let labels = LabelSelector::parse(q.get("labelSelector").map(String::as_str).unwrap_or(""))?;
    let fields = FieldSelector::parse(q.get("fieldSelector").map(String::as_str).unwrap_or(""))?;
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(1800)
        .min(3600);
    let requested: Option<u64> = q
        .get("resourceVersion")
        .filter(|r| !r.is_empty())
        .and_then(|r| r.parse().ok());
    let epoch = shared.with(|w| w.store.epoch);
    let mut first = true;
    // No version (or "0"): start with the current state as ADDED events.
    let (rv, initial) = match requested {
        None | Some(0) => {
            let (items, rv) = matching(&shared, t, q)?;
            let resource = t.resource.plural;
            let mut lines = items
                .iter()
                .map(|o| line("ADDED", &wrap(as_table, resource, o, &mut first)))
                .collect::<Vec<_>>();
            // Streaming lists (sendInitialEvents): a bookmark marks the end of the
            // initial state, which is when kube-rs's watcher reports Init done.
            if q.get("sendInitialEvents").is_some_and(|v| v == "true") {
                let bm = json!({"kind": t.resource.kind, "apiVersion": super::resources::api_version(t.resource),
                    "metadata": {"resourceVersion": rv.to_string(), "annotations": {"k8s.io/initial-events-end": "true"}}});
                lines.push(line("BOOKMARK", &bm));
            }
            (rv, lines)
        }
        Some(rv) => (rv, Vec::new()),
    };
    let state = WatchState {
        rx: shared.changed.subscribe(),
        shared,
        resource: t.resource.plural,
        kind: t.resource.kind,
        api_version: super::resources::api_version(t.resource),
        namespace: t.namespace.clone(),
        labels,
        fields,
        rv,
        epoch,
        deadline: tokio::time::Instant::now() + Duration::from_secs(timeout),
        bookmarks: q.get("allowWatchBookmarks").is_some_and(|b| b == "true"),
        last_bookmark: tokio::time::Instant::now(),
        as_table,
        first,
        done: false,
    };
    let first = futures::stream::iter(initial.into_iter().map(Ok::<Bytes, Infallible>));
    let rest = futures::stream::unfold(state, |mut st| async move {
        if st.done || st.shared.is_closed() {
            return None;
        }
        loop {
            let (chunk, gone_now) = st.shared.with(|w| {
                if w.store.epoch != st.epoch {
                    return (Vec::new(), true);
                }
                match w.store.changes_since(st.rv) {
                    None => (Vec::new(), true),
                    Some(changes) => {
                        let mut out = Vec::new();
                        let mut last = st.rv;
                        for c in changes {
                            last = c.rv;
                            if c.resource != st.resource {
                                continue;
                            }
                            if st
                                .namespace
                                .as_deref()
                                .is_some_and(|ns| c.object["metadata"]["namespace"] != ns)
                            {
                                continue;
                            }
                            if st.labels.matches(&c.object) && st.fields.matches(&c.object) {
                                let obj = wrap(st.as_table, st.resource, &c.object, &mut st.first);
                                out.push(line(c.kind.as_str(), &obj));
                            }
                        }
                        st.rv = last;
                        (out, false)
                    }
                }
            });
            if gone_now {
                st.done = true;
                return Some((Ok(line("ERROR", &gone(st.rv))), st));
            }
            if !chunk.is_empty() {
                let mut all = Vec::new();
                for c in chunk {
                    all.extend_from_slice(&c);
                }
                return Some((Ok(Bytes::from(all)), st));
            }
            let now = tokio::time::Instant::now();
            if now >= st.deadline {
                return None;
            }
            if st.bookmarks && now.duration_since(st.last_bookmark) >= BOOKMARK_EVERY {
                st.last_bookmark = now;
                let bm = json!({"kind": st.kind, "apiVersion": st.api_version,
                                "metadata": {"resourceVersion": st.rv.to_string()}});
                return Some((Ok(line("BOOKMARK", &bm)), st));
            }
            if st.shared.is_closed() {
                return None;
            }
            let wait = st
                .deadline
                .saturating_duration_since(now)
                .min(BOOKMARK_EVERY);
            let _ = tokio::time::timeout(wait, st.rx.changed()).await;
        }
    });
    use futures::StreamExt;
    Ok(body_stream(first.chain(rest)))
}

fn log_error(message: String) -> ApiError {
    ApiError::bad_request(message)
}

/// `GET pods/{name}/log`: the current (or previous) container's lines, and with
/// `follow=true` new lines until the container stops.
pub fn logs(
    shared: Shared,
    t: &Target,
    name: &str,
    q: &HashMap<String, String>,
) -> Result<Response, ApiError> {
    let pod = super::handlers::get(&shared, t, name)?;
    let container = pod["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if let Some(c) = q.get("container").filter(|c| **c != container) {
        return Err(log_error(format!(
            "container {c} is not valid for pod {name}"
        )));
    }
    let uid = pod["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let previous = q.get("previous").is_some_and(|p| p == "true");
    let follow = q.get("follow").is_some_and(|p| p == "true");
    let timestamps = q.get("timestamps").is_some_and(|p| p == "true");
    let tail: Option<usize> = q.get("tailLines").and_then(|t| t.parse().ok());
    let since: Option<i64> = q.get("sinceSeconds").and_then(|t| t.parse().ok());
    let snapshot = shared.with(|w| {
        let rt = w.pods.get(&uid)?;
        let buf = if previous {
            rt.previous_logs.clone().ok_or(())
        } else if matches!(rt.state, ContainerState::Creating { .. }) {
            Err(())
        } else if matches!(rt.state, ContainerState::BackOff { .. }) {
            // The container is not running: the kubelet serves the last one's output.
            Ok(rt.previous_logs.clone().unwrap_or_default())
        } else {
            Ok(rt.logs.clone())
        };
        Some((buf, rt.restarts))
    });
    let Some((buf, restarts)) = snapshot else {
        return Err(ApiError::not_found("pods", name));
    };
    let buf = buf.map_err(|()| {
        if previous {
            log_error(format!(
                "previous terminated container \"{container}\" in pod \"{name}\" not found"
            ))
        } else {
            log_error(format!(
                "container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating"
            ))
        }
    })?;
    let cutoff = since.map(|s| crate::sim::clock::wall().as_second() - s);
    let mut lines: Vec<(jiff::Timestamp, String)> = buf
        .since_seq(0)
        .into_iter()
        .filter(|(t, _)| cutoff.is_none_or(|c| t.as_second() >= c))
        .collect();
    if let Some(n) = tail {
        let skip = lines.len().saturating_sub(n);
        lines.drain(..skip);
    }
    let fmt = move |(t, l): &(jiff::Timestamp, String)| {
        if timestamps {
            format!("{t} {l}\n")
        } else {
            format!("{l}\n")
        }
    };
    let text: String = lines.iter().map(&fmt).collect();
    if !follow || previous {
        return Ok((StatusCode::OK, [("content-type", "text/plain")], text).into_response());
    }
    let next_seq = buf.written;
    let first = futures::stream::iter([Ok::<Bytes, Infallible>(Bytes::from(text))]);
    let rest = futures::stream::unfold(
        (shared, uid, next_seq, restarts),
        move |(shared, uid, seq, restarts)| async move {
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                if shared.is_closed() {
                    return None;
                }
                let step = shared.with(|w| {
                    let rt = w.pods.get(&uid)?;
                    if rt.restarts != restarts
                        || !matches!(rt.state, ContainerState::Running { .. })
                    {
                        return None;
                    }
                    Some((rt.logs.since_seq(seq), rt.logs.written))
                });
                let (new, written) = step?;
                if !new.is_empty() {
                    let text: String = new.iter().map(fmt).collect();
                    return Some((Ok(Bytes::from(text)), (shared, uid, written, restarts)));
                }
            }
        },
    );
    use futures::StreamExt;
    let mut r = body_stream(first.chain(rest));
    r.headers_mut().insert(
        "content-type",
        axum::http::HeaderValue::from_static("text/plain"),
    );
    Ok(r)
}
