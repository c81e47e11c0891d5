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
    let families = exposition::families(w);
    let scrape = exposition::scrape(&families, &w.prom.job, &w.prom.instance);
    let prom = &mut w.prom;
    prom.history.record(now, scrape);
    prom.last_scrape = Some(now);
    for g in &mut prom.groups {
        g.evaluate_if_due(&prom.history, prom.time, now);
    }
}
