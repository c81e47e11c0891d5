//! The simulation's time series database: a bounded ring of samples per
//! series, recorded on the scenario clock, with Prometheus' staleness markers
//! when a series disappears.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::promql::{Labels, METRIC_NAME, Matcher, STALE_NAN, Storage, is_stale};

/// Samples kept per series: at one a scenario second, twenty minutes.
pub const RING: usize = 1200;

/// Scenario seconds a series that left the scrapes is kept (pods come and go).
pub const RETENTION: f64 = 3600.0;

#[derive(Debug)]
struct Ring {
    samples: VecDeque<(f64, f64)>,
}

impl Default for Ring {
    /// Sized once: a ring grown by doubling would hold room for 2048 samples.
    fn default() -> Ring {
        Ring {
            samples: VecDeque::with_capacity(RING),
        }
    }
}

impl Ring {
    fn push(&mut self, t: f64, v: f64) {
        if self.samples.len() == RING {
            self.samples.pop_front();
        }
        self.samples.push_back((t, v));
    }

    fn is_stale(&self) -> bool {
        self.samples.back().is_none_or(|(_, v)| is_stale(*v))
    }
}

/// Series by metric name, then by their full label set.
#[derive(Debug, Default)]
pub struct History {
    series: BTreeMap<String, BTreeMap<Labels, Ring>>,
}

impl History {
    /// Records one scrape at scenario time `t`: every series in it gets a
    /// sample; series missing from it get a staleness marker.
    pub fn record(&mut self, t: f64, scrape: Vec<(Labels, f64)>) {
        let mut seen: BTreeMap<String, BTreeSet<Labels>> = BTreeMap::new();
        for (labels, v) in scrape {
            let name = labels.get(METRIC_NAME).cloned().unwrap_or_default();
            seen.entry(name.clone()).or_default().insert(labels.clone());
            self.series
                .entry(name)
                .or_default()
                .entry(labels)
                .or_default()
                .push(t, v);
        }
        let empty = BTreeSet::new();
        for (name, by_labels) in self.series.iter_mut() {
            let present = seen.get(name).unwrap_or(&empty);
            for (labels, ring) in by_labels.iter_mut() {
                if !ring.is_stale() && !present.contains(labels) {
                    ring.push(t, f64::from_bits(STALE_NAN));
                }
            }
            by_labels.retain(|_, r| r.samples.back().is_some_and(|(ts, _)| t - ts < RETENTION));
        }
        self.series.retain(|_, s| !s.is_empty());
    }

    pub fn series_count(&self) -> usize {
        self.series.values().map(BTreeMap::len).sum()
    }
}

impl Storage for History {
    fn select(&self, matchers: &[Matcher], start: f64, end: f64) -> Vec<(Labels, Vec<(f64, f64)>)> {
        let by_name = matchers
            .iter()
            .find(|m| m.name == METRIC_NAME && m.op == super::promql::ast::MatchOp::Equal);
        let families: Vec<&BTreeMap<Labels, Ring>> = match by_name {
            Some(m) => self.series.get(&m.value).into_iter().collect(),
            None => self.series.values().collect(),
        };
        let mut out = Vec::new();
        for family in families {
            for (labels, ring) in family {
                if !matchers.iter().all(|m| m.matches_labels(labels)) {
                    continue;
                }
                // Samples are in time order: find the window by bisection.
                let from = ring.samples.partition_point(|(t, _)| *t < start);
                let to = ring.samples.partition_point(|(t, _)| *t <= end);
                let points: Vec<(f64, f64)> =
                    ring.samples.range(from..to.max(from)).copied().collect();
                if !points.is_empty() {
                    out.push((labels.clone(), points));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::prometheus::promql::{TimeMap, Value, evaluate, parse};

    fn l(name: &str, svc: &str) -> Labels {
        [("__name__", name), ("service", svc)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_series_that_leaves_the_scrape_goes_stale_and_the_ring_is_bounded() {
        let mut h = History::default();
        for t in 0..(RING + 10) {
            let mut scrape = vec![(l("up", "a"), 1.0)];
            if t < 5 {
                scrape.push((l("up", "b"), 1.0));
            }
            h.record(t as f64, scrape);
        }
        let all = h.select(
            &parse("up")
                .map(|e| match e {
                    crate::sim::prometheus::promql::Expr::Selector(s) => s.matchers,
                    _ => unreachable!(),
                })
                .unwrap(),
            0.0,
            1e9,
        );
        assert_eq!(all.len(), 2);
        let a = all.iter().find(|(l, _)| l["service"] == "a").unwrap();
        assert_eq!(a.1.len(), RING);
        let at = |t: f64| match evaluate(
            &parse("up").unwrap(),
            &h,
            TimeMap {
                origin_unix: 0.0,
                speed: 1.0,
            },
            t,
        )
        .unwrap()
        {
            Value::Vector(v) => v.len(),
            _ => 0,
        };
        assert_eq!(at((RING + 9) as f64), 1);
    }
}
