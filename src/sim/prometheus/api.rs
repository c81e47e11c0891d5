//! Prometheus' HTTP API (`/api/v1/…`) over the simulation's history and rules.
//! Success is `{"status":"success","data":…}`; a bad parameter or expression is
//! `{"status":"error","errorType":"bad_data","error":…}` with HTTP 400, and an
//! evaluation failure is `errorType` `execution` with HTTP 422, as in Prometheus.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value as Json, json};

use super::format::{api_time, parse_duration, sample_value};
use super::promql::{self, Labels, TimeMap, Value};
use crate::sim::api::Shared;

/// The version the simulation reports: Prometheus' API level, marked as a simulation.
pub const VERSION: &str = "2.42.0-opsdeck-simulation";

/// Prometheus' limit on points per series in a range query.
const MAX_POINTS: f64 = 11_000.0;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/query", get(query).post(query))
        .route("/api/v1/query_range", get(query_range).post(query_range))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/rules", get(rules))
        .route("/api/v1/status/buildinfo", get(buildinfo))
        .route("/api/v1/{*rest}", get(not_served).post(not_served))
}

/// An error answer: HTTP status, Prometheus' `errorType`, and the message.
struct Problem {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        error(self.status, self.kind, self.message)
    }
}

fn bad_data(message: String) -> Problem {
    Problem {
        status: StatusCode::BAD_REQUEST,
        kind: "bad_data",
        message,
    }
}

fn success(data: Json) -> Response {
    axum::Json(json!({"status": "success", "data": data})).into_response()
}

/// A success with Prometheus' `warnings` when there are any.
fn success_warned(data: Json, warning: Option<String>) -> Response {
    match warning {
        Some(w) => {
            axum::Json(json!({"status": "success", "data": data, "warnings": [w]})).into_response()
        }
        None => success(data),
    }
}

fn error(code: StatusCode, kind: &str, message: String) -> Response {
    (
        code,
        axum::Json(json!({"status": "error", "errorType": kind, "error": message})),
    )
        .into_response()
}

/// Form parameters from the query string and, for POST, the body.
fn params(uri: &Uri, body: &[u8]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let body = std::str::from_utf8(body).unwrap_or("");
    for part in uri.query().unwrap_or("").split('&').chain(body.split('&')) {
        if part.is_empty() {
            continue;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        out.insert(decode(k), decode(v));
    }
    out
}

/// `application/x-www-form-urlencoded` decoding.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn now_unix() -> f64 {
    jiff::Timestamp::now().as_nanosecond() as f64 / 1e9
}

/// A time parameter: Unix seconds or RFC 3339.
fn parse_time(name: &str, text: &str) -> Result<f64, Problem> {
    if let Ok(v) = text.parse::<f64>()
        && v.is_finite()
    {
        return Ok(v);
    }
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t.as_nanosecond() as f64 / 1e9);
    }
    Err(bad_data(format!(
        "invalid parameter {name:?}: cannot parse {text:?} to a valid timestamp"
    )))
}

fn parse_step(text: &str) -> Result<f64, Problem> {
    let step = text
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .or_else(|| parse_duration(text))
        .ok_or_else(|| {
            bad_data(format!(
                "invalid parameter \"step\": cannot parse {text:?} to a valid duration"
            ))
        })?;
    if step <= 0.0 {
        return Err(bad_data(
            "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer".into(),
        ));
    }
    Ok(step)
}

fn parse_query(p: &BTreeMap<String, String>) -> Result<promql::Expr, Problem> {
    let text = p.get("query").map(String::as_str).unwrap_or("");
    promql::parse(text).map_err(|e| bad_data(format!("invalid parameter \"query\": {e}")))
}

fn point(t: f64, v: f64) -> Json {
    json!([api_time(t), sample_value(v)])
}

fn metric(l: &Labels) -> Json {
    json!(l)
}

async fn query(State(s): State<Shared>, uri: Uri, body: Bytes) -> Response {
    let p = params(&uri, &body);
    let expr = match parse_query(&p) {
        Ok(e) => e,
        Err(r) => return r.into_response(),
    };
    let t = match p.get("time") {
        Some(text) if !text.is_empty() => match parse_time("time", text) {
            Ok(t) => t,
            Err(r) => return r.into_response(),
        },
        _ => now_unix(),
    };
    let (result, warning) = s.with(|w| {
        let time = w.prom.time;
        (
            promql::evaluate(&expr, &w.prom.history, time, time.to_scenario(t)).map(|v| (v, time)),
            w.prom.not_recorded.clone(),
        )
    });
    match result {
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, "execution", e.0),
        Ok((v, time)) => success_warned(
            match v {
                Value::Scalar(x) => json!({"resultType": "scalar", "result": point(t, x)}),
                Value::String(x) => {
                    json!({"resultType": "string", "result": [api_time(t), x]})
                }
                Value::Vector(v) => json!({"resultType": "vector", "result": v.iter().map(|s| {
                json!({"metric": metric(&s.labels), "value": point(t, s.value)})
            }).collect::<Vec<_>>()}),
                Value::Matrix(m) => json!({"resultType": "matrix", "result": m.iter().map(|s| {
                json!({"metric": metric(&s.labels), "values": s.points.iter()
                    .map(|(st, v)| point(time.to_unix(*st), *v)).collect::<Vec<_>>()})
            }).collect::<Vec<_>>()}),
            },
            warning,
        ),
    }
}

async fn query_range(State(s): State<Shared>, uri: Uri, body: Bytes) -> Response {
    let p = params(&uri, &body);
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    let (start, end, step) = match (
        parse_time("start", get("start")),
        parse_time("end", get("end")),
        parse_step(get("step")),
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return r.into_response(),
    };
    if end < start {
        return bad_data(
            "invalid parameter \"end\": end timestamp must not be before start time".into(),
        )
        .into_response();
    }
    if (end - start) / step > MAX_POINTS {
        return bad_data("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)".into())
            .into_response();
    }
    let expr = match parse_query(&p) {
        Ok(e) => e,
        Err(r) => return r.into_response(),
    };
    match expr.value_type() {
        promql::ast::ValueType::Scalar | promql::ast::ValueType::Vector => {}
        other => {
            return bad_data(format!(
                "invalid parameter \"query\": invalid expression type \"{other}\" for range query, must be Scalar or instant Vector"
            ))
            .into_response();
        }
    }
    let steps = ((end - start) / step).floor() as usize + 1;
    // One step at a time, each under the lock only briefly: a long range
    // query must not hold up the simulation.
    let mut result: Result<BTreeMap<Labels, Vec<Json>>, promql::EvalError> = Ok(BTreeMap::new());
    for i in 0..steps {
        let t = start + step * i as f64;
        let value = s.with(|w| {
            let time: TimeMap = w.prom.time;
            promql::evaluate(&expr, &w.prom.history, time, time.to_scenario(t))
        });
        match (value, result.as_mut()) {
            (Err(e), _) => {
                result = Err(e);
                break;
            }
            (Ok(Value::Scalar(v)), Ok(series)) => {
                series.entry(Labels::new()).or_default().push(point(t, v));
            }
            (Ok(Value::Vector(v)), Ok(series)) => {
                for sample in v {
                    series
                        .entry(sample.labels)
                        .or_default()
                        .push(point(t, sample.value));
                }
            }
            _ => {}
        }
    }
    let warning = s.with(|w| w.prom.not_recorded.clone());
    match result {
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, "execution", e.0),
        Ok(series) => success_warned(
            json!({
                "resultType": "matrix",
                "result": series.into_iter().map(|(l, values)| json!({"metric": metric(&l), "values": values})).collect::<Vec<_>>(),
            }),
            warning,
        ),
    }
}

async fn alerts(State(s): State<Shared>) -> Response {
    let list: Vec<Json> = s.with(|w| {
        let time = w.prom.time;
        w.prom
            .groups
            .iter()
            .flat_map(|g| g.alerts_json(time))
            .collect()
    });
    success(json!({"alerts": list}))
}

async fn rules(State(s): State<Shared>, uri: Uri) -> Response {
    let p = params(&uri, &[]);
    let only = p.get("type").map(String::as_str);
    if let Some(t) = only
        && t != "alert"
        && t != "record"
    {
        return bad_data(format!(
            "invalid parameter \"type\": unsupported rule type {t:?}, expected \"alert\" or \"record\""
        ))
        .into_response();
    }
    let (groups, problem) = s.with(|w| {
        let time = w.prom.time;
        (
            w.prom
                .groups
                .iter()
                .map(|g| g.to_json(time, only))
                .collect::<Vec<_>>(),
            w.prom.rules_error.clone(),
        )
    });
    if let Some(e) = problem {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e);
    }
    success(json!({"groups": groups}))
}

async fn buildinfo() -> Response {
    success(json!({
        "version": VERSION,
        "revision": format!("opsdeck {}", env!("CARGO_PKG_VERSION")),
        "branch": "simulation",
        "buildUser": "opsdeck",
        "buildDate": "",
        "goVersion": "none: this is opsdeck's simulation of Prometheus, not Prometheus",
    }))
}

async fn not_served(uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "bad_data",
        format!(
            "{} is not served by opsdeck's simulation of Prometheus; it answers /api/v1/query, query_range, alerts, rules and status/buildinfo",
            uri.path()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        assert_eq!(decode("rate%28x%5B5m%5D%29+%3E+0.05"), "rate(x[5m]) > 0.05");
        assert_eq!(decode("100%"), "100%");
        let p = params(&"/q?query=up&time=1".parse().unwrap(), b"step=15s");
        assert_eq!(p["query"], "up");
        assert_eq!(p["step"], "15s");
    }
}
