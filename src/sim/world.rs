//! The simulated cluster's state: the object store, the scenario, the runtime
//! of every pod (containers, back-off, memory, logs) and the event recorder.

use std::collections::{BTreeMap, HashMap};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::clock::{Clock, rfc3339, wall};
use super::logs::LogBuffer;
use super::scenario::{Scenario, WorkloadSpec};
use super::store::Store;

/// Scenario seconds a flushed Redis cache takes to fill again.
pub const CACHE_REFILL_SECONDS: f64 = 120.0;

/// Characters Kubernetes uses for generated name suffixes (no vowels, no 0/1/3).
const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

#[derive(Debug, Clone, PartialEq)]
pub enum ContainerState {
    /// Image pull and container creation; becomes Running at `until`.
    Creating { until: f64 },
    Running {
        since: f64,
        started: jiff::Timestamp,
    },
    /// CrashLoopBackOff until `until`.
    BackOff { until: f64 },
}

#[derive(Debug, Clone)]
pub struct Terminated {
    pub reason: String,
    pub exit_code: i32,
    pub started: jiff::Timestamp,
    pub finished: jiff::Timestamp,
}

/// What the kubelet would know about one pod (single-container pods).
#[derive(Debug)]
pub struct PodRuntime {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub workload: String,
    pub created_at: f64,
    /// The configmap as it was when the pod was created (envFrom semantics).
    pub config: BTreeMap<String, String>,
    pub state: ContainerState,
    pub restarts: i32,
    pub last_terminated: Option<Terminated>,
    pub ready: bool,
    pub leak_mib: f64,
    pub logs: LogBuffer,
    pub previous_logs: Option<LogBuffer>,
    pub node: String,
    pub ip: String,
    /// Scenario time of the last Unhealthy event, to pace them.
    pub last_unhealthy: f64,
    /// Set by deletion: the pod is removed at this scenario time.
    pub terminating_until: Option<f64>,
    /// A digest of what the pod's status was last rendered from; the status is
    /// rebuilt only when it changes.
    pub rendered: u64,
}

/// Live figures per workload, derived each tick; the health endpoints and
/// /metrics read them.
#[derive(Debug, Clone, Default)]
pub struct WorkloadHealth {
    pub ready_pods: i32,
    pub p95_ms: f64,
    pub error_percent: f64,
    /// Some(code) when the service answers that status; Some(0) when it refuses.
    pub forced_status: Option<u16>,
    /// Has had a ready pod since the simulation started: traffic reaches it,
    /// and its target is scraped.
    pub serving: bool,
    pub requests_ok: f64,
    pub requests_err: f64,
    pub latency_sum: f64,
    pub buckets: Vec<(f64, f64)>,
}

pub struct World {
    pub store: Store,
    pub scenario: Scenario,
    pub clock: Clock,
    /// Names, uids, addresses and placement: the same seed gives the same cluster.
    pub rng: SmallRng,
    /// Log lines and metric jitter, kept apart so that API reads (which draw
    /// from it) cannot shift the names the controller generates.
    pub noise: SmallRng,
    pub pods: HashMap<String, PodRuntime>,
    /// Incidents that have started, by index into `scenario.incidents`.
    pub started: Vec<bool>,
    pub health: BTreeMap<String, WorkloadHealth>,
    pub ip_counter: u32,
    /// (node, image) pairs a node already holds; other images are pulled first.
    pub pulled: std::collections::HashSet<(String, String)>,
    /// Scenario time of the previous controller tick.
    pub last_tick: f64,
    /// Incidents whose coming has been announced with a `Scenario` event.
    pub announced: Vec<bool>,
    /// The simulated Prometheus watching this world.
    pub prom: super::prometheus::PromState,
    /// Scenario time events were last pruned.
    pub last_prune: f64,
    /// Events by (involved object's uid, reason, message) to their (namespace,
    /// name), so that a repeat folds into its event without a scan.
    pub event_index: HashMap<(String, String, String), (String, String)>,
    /// Fractional pods of churn carried to the next tick.
    pub churn_carry: f64,
    /// Scenario time each Redis cache (`namespace/workload`) was last flushed
    /// with FLUSHDB/FLUSHALL; it fills again from then.
    pub flushed: BTreeMap<String, f64>,
}

/// The key a repeated event is recognised by.
pub fn event_key(e: &Value) -> (String, String, String) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (
        text(&e["involvedObject"]["uid"]),
        text(&e["reason"]),
        text(&e["message"]),
    )
}

impl World {
    pub fn new(scenario: Scenario, seed: u64, speed: f64) -> World {
        World::with_clock(scenario, seed, Clock::new(speed))
    }

    /// A world on a given clock; tests pass [`Clock::manual`] to step it.
    pub fn with_clock(scenario: Scenario, seed: u64, clock: Clock) -> World {
        let started = vec![false; scenario.incidents.len()];
        let announced = vec![false; started.len()];
        let prom = super::prometheus::PromState::new(scenario.system(), clock.time_map());
        World {
            store: Store::default(),
            scenario,
            clock,
            rng: SmallRng::seed_from_u64(seed),
            noise: SmallRng::seed_from_u64(seed ^ 0x6f70_7364_6563_6b00),
            pods: HashMap::new(),
            started,
            health: BTreeMap::new(),
            ip_counter: 10,
            pulled: Default::default(),
            last_tick: 0.0,
            announced,
            prom,
            last_prune: 0.0,
            event_index: HashMap::new(),
            churn_carry: 0.0,
            flushed: BTreeMap::new(),
        }
    }

    pub fn uid(&mut self) -> String {
        let b: [u8; 16] = self.rng.random();
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            u16::from_be_bytes([b[4], b[5]]),
            u16::from_be_bytes([b[6], b[7]]) & 0xfff,
            u16::from_be_bytes([b[8], b[9]]) & 0xfff,
            u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]])
        )
    }

    pub fn suffix(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| SAFE[self.rng.random_range(0..SAFE.len())] as char)
            .collect()
    }

    pub fn rng_byte(&mut self) -> u8 {
        self.rng.random_range(1..=254)
    }

    pub fn next_ip(&mut self) -> String {
        self.ip_counter += 1;
        format!(
            "10.244.{}.{}",
            self.ip_counter / 250,
            self.ip_counter % 250 + 2
        )
    }

    /// How full `workload`'s cache is (1.0 warm): a FLUSHDB/FLUSHALL empties
    /// it, and it fills again over [`CACHE_REFILL_SECONDS`].
    pub fn cache_fill(&self, workload: &str) -> f64 {
        let Some(ns) = self.workload_spec(workload).map(|s| &s.namespace) else {
            return 1.0;
        };
        self.flushed
            .get(&format!("{ns}/{workload}"))
            .map_or(1.0, |t| {
                ((self.clock.now() - t).max(0.0) / CACHE_REFILL_SECONDS).min(1.0)
            })
    }

    /// Connections a PostgreSQL workload holds: each ready pod of the other
    /// workloads keeps a small pool open (the exporter's `pg_stat_activity_count`).
    pub fn pg_connections(&self, postgres: &str) -> u32 {
        let clients: i32 = self
            .health
            .iter()
            .filter(|(n, _)| *n != postgres)
            .map(|(_, h)| h.ready_pods)
            .sum();
        (3 + 4 * clients.max(0)) as u32
    }

    pub fn workload_spec(&self, name: &str) -> Option<&WorkloadSpec> {
        self.scenario.workload(name)
    }

    /// Records an event on `involved` (an object in the store), folding repeats
    /// into one event with a growing count, as the kubelet's recorder does.
    pub fn event(
        &mut self,
        involved: &Value,
        type_: &str,
        reason: &str,
        message: &str,
        component: &str,
    ) {
        let meta = &involved["metadata"];
        let namespace = meta["namespace"].as_str().unwrap_or("default").to_string();
        let name = meta["name"].as_str().unwrap_or_default().to_string();
        let uid = meta["uid"].as_str().unwrap_or_default().to_string();
        let kind = involved["kind"].as_str().unwrap_or_default().to_string();
        let now = rfc3339(wall());
        let key = (uid.clone(), reason.to_string(), message.to_string());
        let existing = self
            .event_index
            .get(&key)
            .and_then(|(ns, name)| self.store.get("events", ns, name))
            .cloned();
        if let Some(mut e) = existing {
            let count = e["count"].as_i64().unwrap_or(1) + 1;
            e["count"] = json!(count);
            e["lastTimestamp"] = json!(now);
            self.store.put("events", e);
            return;
        }
        let b: u64 = self.rng.random();
        let field_path = if kind == "Pod" {
            involved["spec"]["containers"][0]["name"]
                .as_str()
                .map(|c| format!("spec.containers{{{c}}}"))
        } else {
            None
        };
        let host = involved["spec"]["nodeName"].as_str().map(str::to_string);
        let uid_event = self.uid();
        let mut ev = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": format!("{name}.{b:016x}"),
                "namespace": namespace,
                "uid": uid_event,
                "creationTimestamp": now,
            },
            "involvedObject": {
                "apiVersion": involved["apiVersion"],
                "kind": kind,
                "name": name,
                "namespace": namespace,
                "uid": uid,
            },
            "reason": reason,
            "message": message,
            "type": type_,
            "count": 1,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "source": {"component": component},
            "reportingComponent": component,
            "reportingInstance": "",
        });
        if let Some(fp) = field_path
            && reason != "Scheduled"
        {
            ev["involvedObject"]["fieldPath"] = json!(fp);
        }
        if let Some(h) = host
            && component == "kubelet"
        {
            ev["source"]["host"] = json!(h);
        }
        self.event_index
            .insert(key, (namespace.clone(), format!("{name}.{b:016x}")));
        self.store.put("events", ev);
    }
}
