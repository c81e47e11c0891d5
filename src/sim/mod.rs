//! The simulated environment: the seed systems on a loopback Kubernetes API,
//! health endpoints and metrics.
//!
//! [`start`] runs it in-process; `opsdeck sim` runs it headless. Everything
//! binds to 127.0.0.1 only.

mod api;
mod build;
pub mod cli;
mod clock;
mod container;
mod controller;
mod endpoints;
mod error;
mod files;
mod logs;
pub mod prometheus;
mod quantity;
mod scale;
pub mod scenario;
mod store;
mod world;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use error::SimError;

use crate::config::Profile;

/// Above this many pods the controller ticks once a second instead of ten times.
const LARGE_WORLD_PODS: usize = 2000;

/// How a simulation starts.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub scenario: String,
    pub seed: u64,
    /// Scenario seconds per real second.
    pub speed: f64,
    /// API port; 0 picks a free one.
    pub port: u16,
    /// Must be a loopback address.
    pub bind: IpAddr,
    /// Pods in the `scale` scenario (default 10,000); other scenarios refuse it.
    pub pods: Option<usize>,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            scenario: "rag7".into(),
            seed: 2,
            speed: 1.0,
            port: 0,
            bind: IpAddr::from([127, 0, 0, 1]),
            pods: None,
        }
    }
}

/// A running simulation. Dropping it (or [`SimHandle::shutdown`]) stops every
/// server and removes the files it wrote.
pub struct SimHandle {
    pub kubeconfig: PathBuf,
    pub profile_path: PathBuf,
    pub profile: Profile,
    pub api_url: String,
    pub context: String,
    tasks: Vec<JoinHandle<()>>,
    shared: api::Shared,
    dir: PathBuf,
}

impl SimHandle {
    pub fn shutdown(self) {
        drop(self);
    }

    /// The API load so far, by client `User-Agent` (what `/sim/stats` serves).
    pub fn load(&self) -> &api::Load {
        &self.shared.load
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shared.close();
        for t in &self.tasks {
            t.abort();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn bind(ip: IpAddr, port: u16) -> Result<TcpListener, SimError> {
    let addr = SocketAddr::new(ip, port);
    TcpListener::bind(addr).await.map_err(|e| SimError::Bind {
        address: addr.to_string(),
        reason: e.to_string(),
    })
}

/// Starts the scenario's API server, controller, service endpoints and
/// metrics, and writes a kubeconfig and profile that point at them.
pub async fn start(opts: SimOptions) -> Result<SimHandle, SimError> {
    if !opts.bind.is_loopback() {
        return Err(SimError::NotLoopback {
            address: opts.bind.to_string(),
        });
    }
    if !(opts.speed.is_finite() && opts.speed > 0.0) {
        return Err(SimError::Speed { speed: opts.speed });
    }
    let scenario = match opts.pods {
        Some(pods) if opts.scenario == scale::NAME => scale::scenario(pods),
        Some(_) => {
            return Err(SimError::Scenario {
                name: opts.scenario.clone(),
                reason: format!(
                    "--pods sets the size of the `{}` scenario only; drop it, or use --scenario {}",
                    scale::NAME,
                    scale::NAME
                ),
            });
        }
        None => scenario::load(&opts.scenario)?,
    };
    let api_listener = bind(opts.bind, opts.port).await?;
    let api_addr = api_listener.local_addr().map_err(|e| SimError::Bind {
        address: opts.bind.to_string(),
        reason: e.to_string(),
    })?;
    let api_url = format!("http://{api_addr}");
    let metrics_listener = bind(opts.bind, 0).await?;
    let metrics_addr = metrics_listener.local_addr().map_err(|e| SimError::Bind {
        address: opts.bind.to_string(),
        reason: e.to_string(),
    })?;
    let mut w = world::World::new(scenario.clone(), opts.seed, opts.speed);
    w.prom.instance = metrics_addr.to_string();
    build::populate(&mut w);
    controller::tick(&mut w);
    if w.scenario.settled {
        controller::settle(&mut w);
        // Nobody watches yet: the start-up history is of no use to anyone.
        w.store.compact();
    }
    prometheus::observe(&mut w);
    let rv = w.store.resource_version();
    let (changed, _) = tokio::sync::watch::channel(rv);
    let shared: api::Shared = Arc::new(api::SimState {
        world: Mutex::new(w),
        changed,
        server: api_addr.to_string(),
        closed: Default::default(),
        load: Default::default(),
        pages: Default::default(),
    });

    let mut tasks = Vec::new();
    let router = api::router(shared.clone());
    tasks.push(tokio::spawn(async move {
        if let Err(e) = axum::serve(api_listener, router).await {
            tracing::error!("simulated API server stopped: {e}");
        }
    }));
    let ticker = shared.clone();
    // The controller holds the world's lock while it ticks; a large world ticks less often
    // so that the API keeps answering promptly between ticks.
    let period = if shared.with(|w| w.pods.len()) > LARGE_WORLD_PODS {
        Duration::from_secs(1)
    } else {
        Duration::from_millis(100)
    };
    tasks.push(tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            ticker.with(|w| {
                controller::tick(w);
                prometheus::observe(w);
            });
        }
    }));
    let metrics_router = endpoints::metrics_router(shared.clone());
    tasks.push(tokio::spawn(async move {
        let _ = axum::serve(metrics_listener, metrics_router).await;
    }));
    let mut endpoints_by_service = Vec::new();
    for svc in &scenario.services {
        let l = bind(opts.bind, 0).await?;
        let addr = l.local_addr().map_err(|e| SimError::Bind {
            address: opts.bind.to_string(),
            reason: e.to_string(),
        })?;
        endpoints_by_service.push((svc.clone(), addr));
        tasks.push(tokio::spawn(endpoints::serve_service(
            shared.clone(),
            svc.clone(),
            l,
        )));
    }

    let dir =
        std::env::temp_dir().join(format!("opsdeck-sim-{}-{}", scenario.name, api_addr.port()));
    let context = format!("opsdeck-sim-{}", scenario.name);
    let written = files::write(
        &dir,
        &scenario,
        &context,
        &api_url,
        &format!("http://{metrics_addr}"),
        &endpoints_by_service,
    );
    let (kubeconfig, profile_path, profile) = match written {
        Ok(w) => w,
        Err(e) => {
            for t in &tasks {
                t.abort();
            }
            return Err(e);
        }
    };
    Ok(SimHandle {
        kubeconfig,
        profile_path,
        profile,
        api_url,
        context,
        tasks,
        shared,
        dir,
    })
}
