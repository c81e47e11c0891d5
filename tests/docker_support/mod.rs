//! Real-engine harness for the Docker source tests: a busybox image built locally (no
//! registry), uniquely named resources, and guards that remove them even when a test fails.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use opsdeck::model::{
    EventRecord, LogLine, Platform, SourceState, SourceUpdate, StreamId, Workload,
};
use tokio::sync::mpsc;

/// The test image, built from Debian's busybox-static and imported with `docker import`.
pub const IMAGE: &str = "opsdeck-test-busybox:latest";
/// Every container, network and image the tests create carries this label.
pub const TEST_LABEL: &str = "org.opsdeck.test=1";
const BUSYBOX: &str = "/bin/busybox";
/// Bumped whenever the image's contents change, so a stale image from an older run is rebuilt.
const IMAGE_REV: &str = "2";
const APPLETS: &[&str] = &[
    "sh", "httpd", "sleep", "echo", "cat", "dd", "head", "wget", "true", "false", "ls", "touch",
    "kill", "seq", "yes", "tr",
];
/// Bound on any one docker CLI call the harness makes.
const CLI_TIMEOUT_SECS: &str = "120";

/// Runs `program args…` under coreutils `timeout`, so a hung engine cannot hang the tests.
pub fn run(program: &str, args: &[&str]) -> Output {
    let output = Command::new("timeout")
        .arg(CLI_TIMEOUT_SECS)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .output();
    match output {
        Ok(o) => o,
        Err(e) => panic!("cannot run `{program}`: {e}"),
    }
}

/// Runs `docker args…` and panics with its stderr when it fails.
pub fn docker(args: &[&str]) -> String {
    let out = run("docker", args);
    assert!(
        out.status.success(),
        "`docker {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn which(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Fails the test, with how to fix it, when a tool or the engine is missing.
pub fn require_engine() {
    assert!(
        which("docker"),
        "docker not found: apt-get install docker.io (and start the daemon)"
    );
    assert!(
        which("timeout"),
        "timeout not found: apt-get install coreutils"
    );
    let out = run("docker", &["version", "--format", "{{.Server.Version}}"]);
    assert!(
        out.status.success(),
        "the Docker engine is not reachable: start it (systemctl start docker) — {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn require_compose() {
    assert!(
        which("docker-compose"),
        "docker-compose not found: apt-get install docker-compose"
    );
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A name no other test (or concurrent test run) uses: `opsdeck-t<pid>-<n>-<what>`.
pub fn unique(what: &str) -> String {
    format!(
        "opsdeck-t{}-{}-{what}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// Users of the test image; the last one out removes it.
static IMAGE_USERS: Mutex<usize> = Mutex::new(0);

/// Holds the test image for the duration of a test.
pub struct ImageLease(());

impl ImageLease {
    pub fn acquire() -> Self {
        require_engine();
        let mut users = IMAGE_USERS.lock().unwrap_or_else(|p| p.into_inner());
        if *users == 0 {
            ensure_image();
        }
        *users += 1;
        ImageLease(())
    }
}

impl Drop for ImageLease {
    fn drop(&mut self) {
        let mut users = IMAGE_USERS.lock().unwrap_or_else(|p| p.into_inner());
        *users -= 1;
        if *users == 0 {
            // Only an image carrying the test label is ours to remove; a failing `rmi`
            // (another run still uses it) is left for that run to clean.
            let labelled = run(
                "docker",
                &[
                    "image",
                    "inspect",
                    "--format",
                    "{{index .Config.Labels \"org.opsdeck.test\"}}",
                    IMAGE,
                ],
            );
            if String::from_utf8_lossy(&labelled.stdout).trim() == "1" {
                let _ = run("docker", &["rmi", IMAGE]);
            }
        }
    }
}

/// Builds the image from busybox-static unless it is already there.
fn ensure_image() {
    let rev = run(
        "docker",
        &[
            "image",
            "inspect",
            "--format",
            "{{index .Config.Labels \"org.opsdeck.test.rev\"}}",
            IMAGE,
        ],
    );
    if rev.status.success() {
        if String::from_utf8_lossy(&rev.stdout).trim() == IMAGE_REV {
            return;
        }
        let _ = run("docker", &["rmi", IMAGE]);
    }
    assert!(
        Path::new(BUSYBOX).exists(),
        "{BUSYBOX} not found: apt-get install busybox-static"
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    for sub in ["bin", "tmp", "www", "etc", "proc", "sys", "dev"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    std::fs::copy(BUSYBOX, root.join("bin/busybox")).unwrap();
    for applet in APPLETS {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(applet)).unwrap();
    }
    std::fs::write(root.join("www/index.html"), "opsdeck test page\n").unwrap();
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/:/bin/sh\n").unwrap();
    std::fs::write(root.join("etc/group"), "root:x:0:\n").unwrap();
    let tarball = dir.path().join("rootfs.tar");
    let tar = run(
        "tar",
        &[
            "-C",
            root.to_str().unwrap(),
            "-cf",
            tarball.to_str().unwrap(),
            ".",
        ],
    );
    assert!(
        tar.status.success(),
        "tar failed: {}",
        String::from_utf8_lossy(&tar.stderr)
    );
    docker(&[
        "import",
        "--change",
        "CMD [\"/bin/sh\"]",
        "--change",
        "ENV PATH=/bin",
        "--change",
        "LABEL org.opsdeck.test=1",
        "--change",
        &format!("LABEL org.opsdeck.test.rev={IMAGE_REV}"),
        tarball.to_str().unwrap(),
        IMAGE,
    ]);
}

/// Containers removed (with their anonymous volumes) when the guard drops.
#[derive(Default)]
pub struct Containers {
    names: Vec<String>,
}

impl Containers {
    /// `docker run -d --name NAME --label … OPTIONS IMAGE COMMAND…`; returns the name.
    pub fn run(&mut self, what: &str, options: &[&str], command: &[&str]) -> String {
        let name = unique(what);
        self.names.push(name.clone());
        let mut args = vec!["run", "-d", "--name", &name, "--label", TEST_LABEL];
        args.extend_from_slice(options);
        args.push(IMAGE);
        args.extend_from_slice(command);
        docker(&args);
        name
    }
}

impl Drop for Containers {
    fn drop(&mut self) {
        if self.names.is_empty() {
            return;
        }
        let mut args = vec!["rm", "-f", "-v"];
        args.extend(self.names.iter().map(String::as_str));
        let _ = run("docker", &args);
    }
}

/// A compose project brought up from a file; `down` (containers, network, volumes) on drop.
pub struct ComposeProject {
    pub name: String,
    dir: tempfile::TempDir,
}

impl ComposeProject {
    pub fn up(compose_yaml: &str) -> Self {
        let project = Self::create(compose_yaml);
        project.start();
        project
    }

    /// Writes the compose file under a fresh project name without starting anything, so a
    /// watcher can be running before the first container is created.
    pub fn create(compose_yaml: &str) -> Self {
        require_compose();
        // Compose v1 keeps only [a-z0-9_-] of a project name; a short one keeps the container
        // names (PROJECT_SERVICE_1) readable in an 80-column pane.
        let name = format!(
            "od{}c{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("docker-compose.yml"), compose_yaml).unwrap();
        ComposeProject { name, dir }
    }

    /// `docker-compose up -d`.
    pub fn start(&self) {
        let out = self.compose(&["up", "-d"]);
        assert!(
            out.status.success(),
            "docker-compose up failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The name compose v1 gives the first container of `service`.
    pub fn container(&self, service: &str) -> String {
        format!("{}_{service}_1", self.name)
    }

    pub fn compose(&self, args: &[&str]) -> Output {
        let file = self.dir.path().join("docker-compose.yml");
        let mut all = vec!["-p", &self.name, "-f", file.to_str().unwrap()];
        all.extend_from_slice(args);
        run("docker-compose", &all)
    }
}

impl Drop for ComposeProject {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "-v", "--remove-orphans", "-t", "1"]);
    }
}

/// Everything a Docker source has sent so far, folded the way the console folds it.
pub struct Watch {
    rx: mpsc::Receiver<SourceUpdate>,
    pub states: Vec<SourceState>,
    pub rows: Vec<Workload>,
    pub snapshots: usize,
    pub events: Vec<EventRecord>,
    pub logs: HashMap<StreamId, Vec<LogLine>>,
    pub log_batches: usize,
    pub ended: HashMap<StreamId, String>,
}

impl Watch {
    pub fn new(rx: mpsc::Receiver<SourceUpdate>) -> Self {
        Self {
            rx,
            states: Vec::new(),
            rows: Vec::new(),
            snapshots: 0,
            events: Vec::new(),
            logs: HashMap::new(),
            log_batches: 0,
            ended: HashMap::new(),
        }
    }

    fn fold(&mut self, update: SourceUpdate) {
        match update {
            SourceUpdate::State { platform, state } => {
                assert_eq!(platform, Platform::Docker);
                self.states.push(state);
            }
            SourceUpdate::Workloads { platform, rows } => {
                assert_eq!(platform, Platform::Docker);
                self.rows = rows;
                self.snapshots += 1;
            }
            SourceUpdate::Events(events) => self.events.extend(events),
            SourceUpdate::Logs { stream, lines } => {
                self.log_batches += 1;
                self.logs.entry(stream).or_default().extend(lines);
            }
            SourceUpdate::LogEnded { stream, reason } => {
                self.ended.insert(stream, reason);
            }
            other @ (SourceUpdate::Summary { .. } | SourceUpdate::Detail { .. }) => {
                panic!("the Docker source sends no summaries or details: {other:?}")
            }
        }
    }

    /// Folds updates until `done` holds; panics naming `what` and the last rows when the
    /// bound passes first.
    pub async fn until(
        &mut self,
        what: &str,
        bound: Duration,
        mut done: impl FnMut(&Watch) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + bound;
        while !done(self) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(update)) => self.fold(update),
                Ok(None) => panic!("the Docker source stopped while waiting for {what}"),
                Err(_) => panic!(
                    "gave up waiting for {what} after {bound:?}\nstates: {:?}\nrows: {:#?}\nevents: {:#?}",
                    self.states,
                    self.rows
                        .iter()
                        .map(|r| (
                            &r.name,
                            &r.status,
                            r.severity,
                            r.restarts,
                            r.cpu.map(|c| c.used),
                            r.memory.map(|m| m.used)
                        ))
                        .collect::<Vec<_>>(),
                    self.events
                        .iter()
                        .map(|e| (&e.object, &e.reason, &e.message))
                        .collect::<Vec<_>>()
                ),
            }
        }
    }

    pub fn row(&self, name: &str) -> Option<&Workload> {
        self.rows.iter().find(|r| r.name == name)
    }

    pub fn events_for(&self, name: &str) -> Vec<&EventRecord> {
        let object = format!("container/{name}");
        self.events.iter().filter(|e| e.object == object).collect()
    }

    pub fn connected(&self) -> bool {
        self.states.last() == Some(&SourceState::Connected)
    }
}

/// A TCP front for the engine's unix socket on 127.0.0.1, which a test can cut and restore
/// to see the source lose and regain the engine without touching the daemon.
pub struct EngineProxy {
    pub port: u16,
    tasks: Option<tokio::task::JoinSet<()>>,
}

fn engine_socket() -> String {
    match std::env::var("DOCKER_HOST") {
        Ok(host) if host.starts_with("unix://") => host.trim_start_matches("unix://").to_string(),
        Ok(host) if !host.is_empty() => {
            panic!("the proxy test needs the engine on a unix socket, DOCKER_HOST is {host}")
        }
        _ => "/var/run/docker.sock".to_string(),
    }
}

impl EngineProxy {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut proxy = EngineProxy { port, tasks: None };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let socket = engine_socket();
        let mut tasks = tokio::task::JoinSet::new();
        let (conn_tx, mut conn_rx) = mpsc::channel::<tokio::net::TcpStream>(16);
        tasks.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if conn_tx.send(stream).await.is_err() {
                    return;
                }
            }
        });
        // Connections live in the same set, so cutting the proxy closes them all.
        let set = tokio::task::JoinSet::<()>::new();
        let socket_path = socket.clone();
        tasks.spawn(async move {
            let mut set = set;
            while let Some(mut tcp) = conn_rx.recv().await {
                let path = socket_path.clone();
                set.spawn(async move {
                    if let Ok(mut unix) = tokio::net::UnixStream::connect(&path).await {
                        let _ = tokio::io::copy_bidirectional(&mut tcp, &mut unix).await;
                    }
                });
            }
        });
        self.tasks = Some(tasks);
    }

    pub fn host(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// Closes the listener and every open connection.
    pub async fn cut(&mut self) {
        if let Some(mut tasks) = self.tasks.take() {
            tasks.shutdown().await;
        }
    }

    /// Listens again on the same port.
    pub async fn restore(&mut self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .unwrap();
        self.serve(listener);
    }
}
