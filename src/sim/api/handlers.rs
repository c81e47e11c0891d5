//! Request dispatch: discovery, list, get, watch, logs, patch, update, delete
//! and the scale subresource.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::paging;
use super::patch::{json_patch, merge_patch, strategic_merge};
use super::resources::{self, Resource};
use super::select::{FieldSelector, LabelSelector};
use super::status::ApiError;
use super::{metrics, table, watch};
use crate::sim::controller;
use crate::sim::quantity;
use crate::sim::world::World;

/// The world behind a lock, and a channel that ticks with every new resourceVersion.
pub struct SimState {
    pub world: Mutex<World>,
    pub changed: tokio::sync::watch::Sender<u64>,
    pub server: String,
    /// Set on shutdown: open watches and log follows end.
    pub closed: std::sync::atomic::AtomicBool,
    /// Requests and bytes per client, for `/sim/stats`.
    pub load: Arc<super::stats::Load>,
    /// Snapshots behind the continue tokens of paged lists.
    pub pages: super::paging::Pages,
}

impl SimState {
    pub fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        self.changed.send_modify(|_| {});
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::SeqCst)
    }
}

pub type Shared = Arc<SimState>;

impl SimState {
    /// Runs `f` on the world and wakes watchers if it changed anything.
    pub fn with<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let (r, rv) = {
            let mut w = self.world.lock().unwrap_or_else(|p| p.into_inner());
            let r = f(&mut w);
            (r, w.store.resource_version())
        };
        self.changed.send_if_modified(|old| {
            let changed = *old != rv;
            *old = rv;
            changed
        });
        r
    }
}

fn json_response(v: &Value) -> Response {
    ([("content-type", "application/json")], v.to_string()).into_response()
}

pub async fn version() -> Response {
    json_response(&resources::version())
}

pub async fn api_versions(State(s): State<Shared>) -> Response {
    json_response(&resources::api_versions(&s.server))
}

pub async fn api_groups() -> Response {
    json_response(&resources::api_group_list())
}

/// An empty OpenAPI v2 document (an empty protobuf message). kubectl falls back
/// to v2 for `v1/List` files; with no definitions it skips client-side
/// validation, and the server still checks every object it is sent.
pub async fn openapi_v2() -> Response {
    (
        [(
            "content-type",
            "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
        )],
        Bytes::new(),
    )
        .into_response()
}

pub async fn openapi_index() -> Response {
    json_response(&super::openapi::index())
}

pub async fn openapi_document(axum::extract::Path(gv): axum::extract::Path<String>) -> Response {
    match super::openapi::document(&gv) {
        Some(doc) => json_response(&doc),
        None => ApiError::not_found("openapi", &gv).into_response(),
    }
}

/// Forgets the watch history, as etcd compaction does; running watches end with 410.
pub async fn compact(State(s): State<Shared>) -> Response {
    s.with(|w| w.store.compact());
    s.changed.send_modify(|_| {});
    json_response(&json!({"kind": "Status", "apiVersion": "v1", "status": "Success"}))
}

pub fn query(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub struct Target {
    pub resource: &'static Resource,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub sub: Option<String>,
}

pub async fn dispatch(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match route(&s, &method, &uri, &headers, &body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn route(
    s: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let segs: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
    let (group, version, rest): (&str, &str, &[&str]) = match segs.as_slice() {
        ["api", v, rest @ ..] => ("", v, rest),
        ["apis", g] => {
            return resources::api_group(g)
                .map(|d| json_response(&d))
                .ok_or_else(|| ApiError::not_found("groups", g));
        }
        ["apis", g, v, rest @ ..] => (g, v, rest),
        _ => return Err(ApiError::not_found("path", uri.path())),
    };
    if rest.is_empty() {
        return resources::resource_list(group, version)
            .map(|d| json_response(&d))
            .ok_or_else(|| ApiError::not_found("groupversion", &format!("{group}/{version}")));
    }
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(ns.to_string()), rest),
        _ => (None, rest),
    };
    let q = query(uri);
    if let Some(ns) = &namespace
        && s.with(|w| w.scenario.forbidden_namespaces.contains(ns))
    {
        let verb = if method == Method::GET {
            if rest.len() > 1 { "get" } else { "list" }
        } else {
            "update"
        };
        return Err(ApiError::forbidden(verb, rest[0], group, ns));
    }
    if group == "metrics.k8s.io" {
        return metrics::serve(s, rest[0], namespace.as_deref(), rest.get(1).copied(), &q);
    }
    let resource = resources::find(group, version, rest[0])
        .ok_or_else(|| ApiError::not_found("resource", &format!("{}.{group}", rest[0])))?;
    let t = Target {
        resource,
        namespace,
        name: rest.get(1).map(|n| n.to_string()),
        sub: rest.get(2).map(|n| n.to_string()),
    };
    let as_table = headers
        .get("accept")
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("as=Table"));
    let content_type = headers
        .get("content-type")
        .and_then(|c| c.to_str().ok())
        .unwrap_or("")
        .to_string();
    match (method.clone(), t.name.as_deref(), t.sub.as_deref()) {
        (Method::GET, None, None) => {
            if matches!(q.get("watch").map(String::as_str), Some("true" | "1")) {
                watch::serve(s.clone(), &t, &q, as_table)
            } else {
                list(s, &t, &q, as_table)
            }
        }
        (Method::GET, Some(name), None) => {
            let obj = get(s, &t, name)?;
            if as_table {
                let rv = obj["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                Ok(json_response(&table::table(
                    t.resource.plural,
                    &[obj],
                    &rv,
                    None,
                )))
            } else {
                Ok(json_response(&obj))
            }
        }
        (Method::GET, Some(name), Some("log")) if t.resource.plural == "pods" => {
            watch::logs(s.clone(), &t, name, &q)
        }
        (Method::GET, Some(name), Some("status")) => get(s, &t, name).map(|o| json_response(&o)),
        (Method::GET, Some(name), Some("scale")) => {
            scale_of(s, &t, name).map(|o| json_response(&o))
        }
        (Method::PATCH | Method::PUT, Some(name), Some("scale")) => {
            let mut scale = scale_of(s, &t, name)?;
            let body: Value = parse_body(body)?;
            if method == Method::PUT {
                scale = body;
            } else {
                apply_patch(&mut scale, &body, &content_type)?;
            }
            let replicas = scale["spec"]["replicas"]
                .as_i64()
                .filter(|r| *r >= 0)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "Scale",
                        name,
                        "spec.replicas",
                        "must be greater than or equal to 0",
                    )
                })?;
            update(s, &t, name, |o| {
                o["spec"]["replicas"] = json!(replicas);
                Ok(())
            })?;
            scale_of(s, &t, name).map(|o| json_response(&o))
        }
        (Method::PATCH, Some(name), None) => {
            let patch: Value = parse_body(body)?;
            update(s, &t, name, |o| apply_patch(o, &patch, &content_type))
                .map(|o| json_response(&o))
        }
        (Method::PUT, Some(name), None) => {
            let new: Value = parse_body(body)?;
            let current = get(s, &t, name)?;
            let want_rv = new["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or_default();
            if !want_rv.is_empty() && current["metadata"]["resourceVersion"] != want_rv {
                return Err(ApiError::conflict(t.resource.plural, name));
            }
            update(s, &t, name, |o| {
                let meta = o["metadata"].clone();
                *o = new.clone();
                for k in [
                    "uid",
                    "creationTimestamp",
                    "name",
                    "namespace",
                    "ownerReferences",
                    "generation",
                ] {
                    o["metadata"][k] = meta[k].clone();
                }
                Ok(())
            })
            .map(|o| json_response(&o))
        }
        (Method::DELETE, Some(name), None)
            if matches!(t.resource.plural, "pods" | "configmaps") =>
        {
            let obj = get(s, &t, name)?;
            let ns = t.namespace.clone().unwrap_or_default();
            let obj = s.with(|w| {
                if t.resource.plural == "pods" {
                    controller::delete_pod(w, &obj);
                    // The pod as it now is: Terminating, with its deletionTimestamp.
                    w.store.get("pods", &ns, name).cloned().unwrap_or(obj)
                } else {
                    w.store.delete(t.resource.plural, &ns, name).unwrap_or(obj)
                }
            });
            Ok(json_response(&obj))
        }
        (_, Some(_), Some("portforward")) => Err(ApiError::method_not_allowed(
            "pods/portforward: the simulated environment forwards no ports; its services already listen on 127.0.0.1 (see the profile)",
        )),
        _ => Err(ApiError::method_not_allowed(&format!(
            "{method} {}",
            uri.path()
        ))),
    }
}

fn parse_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))
}

fn apply_patch(target: &mut Value, patch: &Value, content_type: &str) -> Result<(), ApiError> {
    let ct = content_type.split(';').next().unwrap_or_default().trim();
    match ct {
        "application/merge-patch+json" => merge_patch(target, patch),
        "application/strategic-merge-patch+json" => strategic_merge(target, patch),
        "application/json-patch+json" => json_patch(target, patch)?,
        other => return Err(ApiError::unsupported_media(other)),
    }
    Ok(())
}

pub fn get(s: &Shared, t: &Target, name: &str) -> Result<Value, ApiError> {
    let ns = t.namespace.clone().unwrap_or_default();
    s.with(|w| w.store.get(t.resource.plural, &ns, name).cloned())
        .ok_or_else(|| {
            ApiError::not_found(
                &format!("{}{}", t.resource.plural, group_suffix(t.resource)),
                name,
            )
        })
}

fn group_suffix(r: &Resource) -> String {
    if r.group.is_empty() {
        String::new()
    } else {
        format!(".{}", r.group)
    }
}

fn scale_of(s: &Shared, t: &Target, name: &str) -> Result<Value, ApiError> {
    let o = get(s, t, name)?;
    let selector = o["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    Ok(json!({"kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": name, "namespace": o["metadata"]["namespace"], "uid": o["metadata"]["uid"],
                     "resourceVersion": o["metadata"]["resourceVersion"], "creationTimestamp": o["metadata"]["creationTimestamp"]},
        "spec": {"replicas": o["spec"]["replicas"]},
        "status": {"replicas": o["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector}}))
}

/// Read-modify-write of one object, with the checks the API server makes.
fn update(
    s: &Shared,
    t: &Target,
    name: &str,
    f: impl FnOnce(&mut Value) -> Result<(), ApiError>,
) -> Result<Value, ApiError> {
    let before = get(s, t, name)?;
    let mut after = before.clone();
    f(&mut after)?;
    for k in ["name", "namespace", "uid", "creationTimestamp"] {
        after["metadata"][k] = before["metadata"][k].clone();
    }
    after["kind"] = before["kind"].clone();
    after["apiVersion"] = before["apiVersion"].clone();
    validate(t.resource, name, &before, &after)?;
    if before["spec"] != after["spec"] && !before["metadata"]["generation"].is_null() {
        let g = before["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
        after["metadata"]["generation"] = json!(g);
    }
    if t.resource.plural == "persistentvolumeclaims" {
        // Volume expansion completes at once in the simulation.
        after["status"]["capacity"]["storage"] =
            after["spec"]["resources"]["requests"]["storage"].clone();
    }
    let resource = t.resource.plural;
    Ok(s.with(|w| {
        let stored = w.store.put(resource, after);
        if resource == "persistentvolumeclaims" && before["spec"] != stored["spec"] {
            w.event(
                &stored,
                "Normal",
                "FileSystemResizeSuccessful",
                "MountVolume.NodeExpandVolume succeeded for volume",
                "kubelet",
            );
        }
        stored
    }))
}

fn validate(r: &Resource, name: &str, before: &Value, after: &Value) -> Result<(), ApiError> {
    let typed = match r.kind {
        "Pod" => {
            serde_json::from_value::<k8s_openapi::api::core::v1::Pod>(after.clone()).map(|_| ())
        }
        "ConfigMap" => {
            serde_json::from_value::<k8s_openapi::api::core::v1::ConfigMap>(after.clone())
                .map(|_| ())
        }
        "Secret" => {
            serde_json::from_value::<k8s_openapi::api::core::v1::Secret>(after.clone()).map(|_| ())
        }
        "PersistentVolumeClaim" => serde_json::from_value::<
            k8s_openapi::api::core::v1::PersistentVolumeClaim,
        >(after.clone())
        .map(|_| ()),
        "Deployment" => {
            serde_json::from_value::<k8s_openapi::api::apps::v1::Deployment>(after.clone())
                .map(|_| ())
        }
        "StatefulSet" => {
            serde_json::from_value::<k8s_openapi::api::apps::v1::StatefulSet>(after.clone())
                .map(|_| ())
        }
        _ => Ok(()),
    };
    typed.map_err(|e| ApiError::invalid(r.kind, name, "body", &e.to_string()))?;
    if let Some(n) = after["spec"]["replicas"].as_i64()
        && n < 0
    {
        return Err(ApiError::invalid(
            r.kind,
            name,
            "spec.replicas",
            &format!("Invalid value: {n}: must be greater than or equal to 0"),
        ));
    }
    if r.kind == "PersistentVolumeClaim" {
        let size = |o: &Value| {
            quantity::bytes(
                o["spec"]["resources"]["requests"]["storage"]
                    .as_str()
                    .unwrap_or(""),
            )
        };
        match (size(before), size(after)) {
            (Some(a), Some(b)) if b < a => {
                return Err(ApiError::invalid(
                    r.kind,
                    name,
                    "spec.resources.requests.storage",
                    "Forbidden: field can not be less than status.capacity",
                ));
            }
            (_, None) => {
                return Err(ApiError::invalid(
                    r.kind,
                    name,
                    "spec.resources.requests.storage",
                    "Invalid value: must be a quantity such as 50Gi",
                ));
            }
            _ => {}
        }
        let mut a = before["spec"].clone();
        let mut b = after["spec"].clone();
        a["resources"] = Value::Null;
        b["resources"] = Value::Null;
        if a != b {
            return Err(ApiError::invalid(
                r.kind,
                name,
                "spec",
                "Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
            ));
        }
    }
    if r.kind == "Deployment" && after["spec"]["selector"] != before["spec"]["selector"] {
        return Err(ApiError::invalid(
            r.kind,
            name,
            "spec.selector",
            "Invalid value: field is immutable",
        ));
    }
    Ok(())
}

/// Objects matching the request's namespace and selectors, in store order.
pub fn matching(
    s: &Shared,
    t: &Target,
    q: &HashMap<String, String>,
) -> Result<(Vec<Value>, u64), ApiError> {
    let labels = LabelSelector::parse(q.get("labelSelector").map(String::as_str).unwrap_or(""))?;
    let fields = FieldSelector::parse(q.get("fieldSelector").map(String::as_str).unwrap_or(""))?;
    let forbidden = s.with(|w| w.scenario.forbidden_namespaces.clone());
    Ok(s.with(|w| {
        let items = w
            .store
            .list(t.resource.plural, t.namespace.as_deref())
            .into_iter()
            .filter(|o| {
                t.namespace.is_some()
                    || !forbidden
                        .iter()
                        .any(|f| o["metadata"]["namespace"] == f.as_str())
            })
            .filter(|o| labels.matches(o) && fields.matches(o))
            .cloned()
            .collect();
        (items, w.store.resource_version())
    }))
}

fn list(
    s: &Shared,
    t: &Target,
    q: &HashMap<String, String>,
    as_table: bool,
) -> Result<Response, ApiError> {
    let labels = LabelSelector::parse(q.get("labelSelector").map(String::as_str).unwrap_or(""))?;
    let fields = FieldSelector::parse(q.get("fieldSelector").map(String::as_str).unwrap_or(""))?;
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let (page, rv, cont, remaining) = match q.get("continue").filter(|c| !c.is_empty()) {
        Some(c) => {
            let (id, cursor) = s.pages.resume(c)?;
            let items = &cursor.snapshot.items;
            let start = cursor.start.min(items.len());
            let end = start.saturating_add(limit).min(items.len());
            let cont = (end < items.len()).then(|| paging::token(id, end));
            if cont.is_none() {
                s.pages.finish(id);
            }
            (
                items[start..end].to_vec(),
                cursor.snapshot.resource_version,
                cont,
                items.len() - end,
            )
        }
        None => {
            let (items, rv) = s.with(|w| {
                let forbidden = &w.scenario.forbidden_namespaces;
                let items: Vec<Value> = w
                    .store
                    .iter(t.resource.plural, t.namespace.as_deref())
                    .filter(|o| {
                        t.namespace.is_some()
                            || !forbidden
                                .iter()
                                .any(|f| o["metadata"]["namespace"] == f.as_str())
                    })
                    .filter(|o| labels.matches(o) && fields.matches(o))
                    .cloned()
                    .collect();
                (items, w.store.resource_version())
            });
            if items.len() > limit {
                // The later pages are served from this snapshot, as of this page.
                let page = items[..limit].to_vec();
                let remaining = items.len() - limit;
                let token = s.pages.keep(
                    paging::Snapshot {
                        items,
                        resource_version: rv,
                    },
                    limit,
                );
                (page, rv, Some(token), remaining)
            } else {
                (items, rv, None, 0)
            }
        }
    };
    if as_table {
        return Ok(json_response(&table::table(
            t.resource.plural,
            &page,
            &rv.to_string(),
            cont.as_deref(),
        )));
    }
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some(c) = &cont {
        meta["continue"] = json!(c);
        meta["remainingItemCount"] = json!(remaining);
    }
    Ok(json_response(&json!({
        "kind": format!("{}List", t.resource.kind),
        "apiVersion": resources::api_version(t.resource),
        "metadata": meta,
        "items": page,
    })))
}

pub fn body_stream<S>(stream: S) -> Response
where
    S: futures::Stream<Item = Result<Bytes, std::convert::Infallible>> + Send + 'static,
{
    Response::builder()
        .header("content-type", "application/json")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| {
            ApiError::bad_request("cannot build a streaming response").into_response()
        })
}
