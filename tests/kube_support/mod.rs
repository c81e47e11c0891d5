//! `opsdeck sim` as a child process, and a collector of what the Kubernetes source sends.
#![allow(dead_code)]

pub mod no_metrics;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use opsdeck::model::{EventRecord, LogLine, SourceState, SourceUpdate, StreamId, Workload};
use tokio::sync::mpsc;

/// A headless simulated cluster; killed when dropped.
pub struct Sim {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    /// A copy of the sim's kubeconfig that outlives the process.
    pub kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

impl Sim {
    pub fn start(scenario: &str, speed: f64, port: Option<u16>) -> Sim {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
        cmd.args(["sim", "--scenario", scenario, "--seed", "2"])
            .args(["--speed", &speed.to_string()]);
        if let Some(p) = port {
            cmd.args(["--port", &p.to_string()]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot run `opsdeck sim`");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let original = first
            .trim()
            .strip_prefix("export KUBECONFIG=")
            .unwrap_or_else(|| panic!("opsdeck sim printed {first:?} first"))
            .to_string();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::copy(&original, &kubeconfig).unwrap();
        Sim {
            child,
            _stdout: out,
            kubeconfig,
            _dir: dir,
        }
    }

    /// Kills the API server process, as a crash would: every connection drops.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Everything the source has sent so far.
#[derive(Default, Debug)]
pub struct Seen {
    pub states: Vec<SourceState>,
    pub rows: Option<Vec<Workload>>,
    pub row_updates: usize,
    pub events: HashMap<String, EventRecord>,
    pub summaries: Vec<String>,
    pub logs: Vec<(StreamId, LogLine)>,
    pub ended: Vec<(StreamId, String)>,
    pub details: Vec<(String, Vec<String>)>,
}

impl Seen {
    pub fn state(&self) -> Option<&SourceState> {
        self.states.last()
    }

    pub fn rows(&self) -> &[Workload] {
        self.rows.as_deref().unwrap_or_default()
    }

    fn apply(&mut self, u: SourceUpdate) {
        match u {
            SourceUpdate::State { state, .. } => self.states.push(state),
            SourceUpdate::Workloads { rows, .. } => {
                self.rows = Some(rows);
                self.row_updates += 1;
            }
            SourceUpdate::Events(evs) => {
                for e in evs {
                    self.events.insert(e.uid.clone(), e);
                }
            }
            SourceUpdate::Summary { text, .. } => self.summaries.push(text),
            SourceUpdate::Logs { stream, lines } => self
                .logs
                .extend(lines.into_iter().map(|l| (stream.clone(), l))),
            SourceUpdate::LogEnded { stream, reason } => self.ended.push((stream, reason)),
            SourceUpdate::Detail { title, lines } => self.details.push((title, lines)),
        }
    }
}

/// Receives updates until `done` holds, at most `max_updates` updates and `limit` in total;
/// panics with `what` and what was seen otherwise.
pub async fn until<T>(
    rx: &mut mpsc::Receiver<SourceUpdate>,
    seen: &mut Seen,
    what: &str,
    limit: Duration,
    mut done: impl FnMut(&Seen) -> Option<T>,
) -> T {
    if let Some(v) = done(seen) {
        return v;
    }
    let deadline = tokio::time::Instant::now() + limit;
    for _ in 0..200_000 {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(u)) => {
                seen.apply(u);
                if let Some(v) = done(seen) {
                    return v;
                }
            }
            Ok(None) => break,
            Err(_) => break,
        }
    }
    panic!(
        "gave up waiting for {what}; last state {:?}, rows {:?}, summaries {:?}, ended {:?}",
        seen.state(),
        seen.rows()
            .iter()
            .map(|r| format!("{}/{} {} r{}", r.namespace, r.name, r.status, r.restarts))
            .collect::<Vec<_>>(),
        seen.summaries.last(),
        seen.ended
    );
}
