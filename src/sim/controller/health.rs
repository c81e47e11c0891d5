//! Live service figures per workload: readiness, latency, errors, counters.

use std::collections::BTreeMap;

use super::*;
use crate::sim::scenario::Effect;
use crate::sim::world::{WorkloadHealth, World};

/// Latency bucket bounds (seconds) for `http_request_duration_seconds`.
pub const BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

pub(super) fn compute_health(w: &mut World, dt: f64) {
    // One pass over the pods, not one per workload.
    let mut ready_by: std::collections::HashMap<&str, i32> = Default::default();
    for p in w.pods.values().filter(|p| p.ready) {
        *ready_by.entry(p.workload.as_str()).or_default() += 1;
    }
    let ready_by: std::collections::HashMap<String, i32> = ready_by
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let mut next: BTreeMap<String, WorkloadHealth> = BTreeMap::new();
    for spec in w.scenario.workloads.clone() {
        let ready = ready_by.get(&spec.name).copied().unwrap_or(0);
        let replicas = replicas_of(w, &spec.name);
        let mut h = w.health.get(&spec.name).cloned().unwrap_or_default();
        h.ready_pods = ready;
        h.p95_ms = spec.p95_ms;
        h.error_percent = 0.0;
        h.forced_status = None;
        for (i, inc) in w.scenario.incidents.iter().enumerate() {
            if !w.started[i] || inc.workload != spec.name {
                continue;
            }
            match &inc.effect {
                Effect::Latency {
                    p95_ms,
                    cured_at_replicas,
                    error_percent,
                } if replicas < i64::from(*cured_at_replicas) => {
                    h.p95_ms = *p95_ms;
                    h.error_percent = *error_percent;
                }
                Effect::Down { status } if ready == 0 => h.forced_status = Some(*status),
                _ => {}
            }
        }
        if ready == 0 && h.forced_status.is_none() {
            // A Service with no ready endpoints: connections are refused.
            h.forced_status = Some(0);
        }
        next.insert(spec.name.clone(), h);
    }
    for svc in w.scenario.services.clone() {
        let Some(wl) = &svc.workload else { continue };
        let broken_dep = svc
            .depends_on
            .iter()
            .any(|d| next.get(d).is_some_and(|h| h.ready_pods == 0));
        if broken_dep
            && let Some(h) = next.get_mut(wl)
            && h.forced_status.is_none()
        {
            h.forced_status = Some(500);
            h.error_percent = 100.0;
        }
    }
    for (name, h) in next.iter_mut() {
        let Some(spec) = w.scenario.workload(name) else {
            continue;
        };
        let n = spec.requests_per_second * dt * if h.ready_pods > 0 { 1.0 } else { 0.0 };
        let err = if h.forced_status.is_some() {
            spec.requests_per_second * dt
        } else {
            n * h.error_percent / 100.0
        };
        h.requests_ok += (n - err).max(0.0);
        h.requests_err += err;
        // Exponential latency model: p95 = mean * ln(20).
        let mean = h.p95_ms / 1000.0 / 20f64.ln();
        if h.buckets.len() != BUCKETS.len() {
            h.buckets = BUCKETS.iter().map(|b| (*b, 0.0)).collect();
        }
        for (le, count) in h.buckets.iter_mut() {
            *count += n * (1.0 - (-*le / mean).exp());
        }
        h.latency_sum += n * mean;
    }
    w.health = next;
}
