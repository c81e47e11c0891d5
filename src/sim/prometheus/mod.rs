//! A simulation of Prometheus beside the simulated cluster: it scrapes the
//! simulation's own `/metrics` series into a bounded history on the scenario
//! clock, evaluates the scenario's alerting rules, and answers the HTTP API
//! (`query`, `query_range`, `alerts`, `rules`, `status/buildinfo`) in
//! Prometheus' JSON shapes. It is not Prometheus and says so in its build
//! information; its fidelity is checked against the real server in the tests.
//!
//! Durations in queries and rules (`[5m]`, `for: 5m`) are scenario time, so
//! at `--speed 10` five minutes pass in thirty real seconds; timestamps in and
//! out of the API are Unix time.

pub mod api;
pub mod exposition;
pub mod format;
pub mod history;
pub mod promql;
pub mod rules;
pub mod template;

use history::History;
use promql::TimeMap;
use rules::Group;

use super::world::World;

/// Scenario seconds between two scrapes of the simulation's own series.
pub const SCRAPE_INTERVAL: f64 = 1.0;

/// The most series the history keeps. A larger world (the `scale` scenario's
/// 10,000 pods) is not scraped: its rings would take hundreds of megabytes,
/// and nothing there asks for them. Its API answers empty results with a warning.
pub const MAX_SERIES: usize = 5000;

/// Series exposed per workload (up, requests, latency buckets, …) and per pod.
const SERIES_PER_WORKLOAD: usize = 17;
const SERIES_PER_POD: usize = 3;

/// The simulated Prometheus' state, kept in the world it watches.
pub struct PromState {
    pub history: History,
    pub groups: Vec<Group>,
    /// The `job` label of scraped series: the scenario's name.
    pub job: String,
    /// The `instance` label: the address of the `/metrics` endpoint.
    pub instance: String,
    pub time: TimeMap,
    last_scrape: Option<f64>,
    /// Why the scenario's rules could not be loaded, shown by the rules API.
    pub rules_error: Option<String>,
    /// Set when the world is too large to record: the warning queries carry.
    pub not_recorded: Option<String>,
}

impl PromState {
    pub fn new(scenario: &str, time: TimeMap) -> PromState {
        let (groups, rules_error) = match rules::for_scenario(scenario) {
            Ok(g) => (g, None),
            Err(e) => {
                tracing::error!("alert rules of {scenario}: {e}");
                (Vec::new(), Some(e.to_string()))
            }
        };
        PromState {
            history: History::default(),
            groups,
            job: scenario.to_string(),
            instance: "127.0.0.1:9090".into(),
            time,
            last_scrape: None,
            rules_error,
            not_recorded: None,
        }
    }
}

/// Scrapes and evaluates rules when they are due; called after each controller tick.
pub fn observe(w: &mut World) {
    let now = w.clock.now();
    if w.prom
        .last_scrape
        .is_some_and(|t| now - t < SCRAPE_INTERVAL)
    {
        return;
    }
    let estimate = w.health.len() * SERIES_PER_WORKLOAD + w.pods.len() * SERIES_PER_POD;
    if estimate > MAX_SERIES {
        if w.prom.not_recorded.is_none() {
            tracing::info!("{estimate} series: the simulated Prometheus keeps no history");
        }
        w.prom.not_recorded = Some(format!(
            "opsdeck's simulation of Prometheus keeps no history for a world this large (about {estimate} series, more than {MAX_SERIES})"
        ));
        w.prom.last_scrape = Some(now);
        return;
    }
    w.prom.not_recorded = None;
    let families = exposition::families(w);
    let scrape = exposition::scrape(&families, &w.prom.job, &w.prom.instance);
    let prom = &mut w.prom;
    prom.history.record(now, scrape);
    prom.last_scrape = Some(now);
    for g in &mut prom.groups {
        g.evaluate_if_due(&prom.history, prom.time, now);
    }
}

#[cfg(test)]
mod tests {
    use super::promql::{Value, evaluate, parse};
    use super::*;
    use crate::config::SloState;
    use crate::sim::clock::Clock;
    use crate::sim::{build, controller, scenario};

    /// A scenario on a clock that moves only when stepped.
    fn world(name: &str) -> World {
        let mut w = World::with_clock(
            scenario::load(name).expect("built-in scenario"),
            2,
            Clock::manual(),
        );
        build::populate(&mut w);
        controller::tick(&mut w);
        observe(&mut w);
        w
    }

    fn step_to(w: &mut World, until: f64) {
        while w.clock.now() < until {
            w.clock.advance(0.5);
            controller::tick(w);
            observe(w);
        }
    }

    /// (alert name, state) of every active alert.
    fn alerts(w: &World) -> Vec<(String, rules::AlertState)> {
        w.prom
            .groups
            .iter()
            .flat_map(|g| &g.rules)
            .flat_map(|r| r.alerts.values().map(|a| (r.name.clone(), a.state)))
            .collect()
    }

    fn scenario_events(w: &World) -> Vec<String> {
        w.store
            .list("events", None)
            .into_iter()
            .filter(|e| e["reason"] == "Scenario")
            .filter_map(|e| e["message"].as_str().map(str::to_string))
            .collect()
    }

    #[test]
    fn every_scenario_announces_then_shows_its_first_symptom_and_alert_within_20_seconds() {
        for name in scenario::names() {
            let mut w = world(name);
            let first = &w.scenario.incidents[0].preview.clone();
            assert_eq!(
                scenario_events(&w),
                vec![format!("in 10 s: {first}")],
                "{name}"
            );
            step_to(&mut w, 9.0);
            assert!(
                alerts(&w).is_empty(),
                "{name}: alerts before the incident: {:?}",
                alerts(&w)
            );
            step_to(&mut w, 20.0);
            assert!(w.started[0], "{name}");
            assert!(!alerts(&w).is_empty(), "{name}: no alert by 20 s");
        }
    }

    #[test]
    fn rag7_high_latency_pends_then_fires_within_a_minute_then_the_crash_loop_pages() {
        let mut w = world("rag7");
        let (mut pending, mut firing) = (None, None);
        while w.clock.now() < 60.0 {
            let next = w.clock.now() + 1.0;
            step_to(&mut w, next);
            for (n, s) in alerts(&w) {
                if n == "HighLatency" {
                    let t = w.clock.now();
                    pending.get_or_insert(t);
                    if s == rules::AlertState::Firing {
                        firing.get_or_insert(t);
                    }
                }
            }
        }
        let (pending, firing) = (
            pending.expect("HighLatency pending"),
            firing.expect("HighLatency firing"),
        );
        assert!(
            pending <= 20.0 && firing > pending,
            "pending at {pending}, firing at {firing}"
        );
        assert!(
            scenario_events(&w)
                .iter()
                .any(|m| m.starts_with("in 80 s: langgraph's config breaks")),
            "{:?}",
            scenario_events(&w)
        );
        step_to(&mut w, 200.0);
        let now = alerts(&w);
        for name in ["PodRestarting", "HighErrorRate"] {
            assert!(
                now.iter()
                    .any(|(n, s)| n == name && *s == rules::AlertState::Firing),
                "{name} not firing at 200 s: {now:?}"
            );
        }
    }

    #[test]
    fn the_runbook_remedy_clears_rag7_high_latency() {
        let mut w = world("rag7");
        step_to(&mut w, 25.0);
        assert!(
            alerts(&w).iter().any(|(n, _)| n == "HighLatency"),
            "{:?}",
            alerts(&w)
        );
        // "Scale horizontally": kubectl scale deployment/langgraph --replicas=5.
        let mut d = w
            .store
            .get("deployments", "rag7", "langgraph")
            .cloned()
            .expect("langgraph deployment");
        d["spec"]["replicas"] = serde_json::json!(5);
        w.store.put("deployments", d);
        // The slow requests leave the one-minute window; the config breaks at 90 s.
        step_to(&mut w, 85.0);
        assert!(
            !alerts(&w).iter().any(|(n, _)| n == "HighLatency"),
            "{:?}",
            alerts(&w)
        );
    }

    #[test]
    fn every_profile_slo_is_answered_and_one_is_breached_in_the_first_minute() {
        for name in scenario::names() {
            let system = scenario::load(name)
                .expect("built-in scenario")
                .system()
                .to_string();
            let text = crate::config::profiles::BUILTIN
                .iter()
                .find(|(n, _)| *n == system)
                .map(|(_, t)| *t)
                .expect("a built-in profile per scenario");
            let profile = crate::config::Profile::from_toml(text, std::path::Path::new(name))
                .expect("built-in profile");
            assert!(profile.slos.len() >= 3, "{name}");
            let mut w = world(name);
            let judge = |w: &World| -> Vec<(String, f64, SloState)> {
                profile
                    .slos
                    .iter()
                    .map(|slo| {
                        let expr = parse(&slo.query)
                            .unwrap_or_else(|e| panic!("{name}: {}: {e}", slo.name));
                        let v = evaluate(&expr, &w.prom.history, w.prom.time, w.clock.now())
                            .unwrap_or_else(|e| panic!("{name}: {}: {e}", slo.name));
                        let Value::Vector(v) = v else {
                            panic!("{name}: {}: not a vector", slo.name)
                        };
                        assert_eq!(v.len(), 1, "{name}: {}: {v:?}", slo.name);
                        (slo.name.clone(), v[0].value, slo.judge(v[0].value))
                    })
                    .collect()
            };
            step_to(&mut w, 9.5);
            let before = judge(&w);
            assert!(
                before.iter().all(|(_, _, s)| *s != SloState::Breached),
                "{name}: breached before the incident: {before:?}"
            );
            step_to(&mut w, 60.0);
            let after = judge(&w);
            assert!(
                after.iter().any(|(_, _, s)| *s == SloState::Breached),
                "{name}: nothing breached at 60 s: {after:?}"
            );
        }
    }
}
