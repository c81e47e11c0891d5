//! Real Prometheus and Alertmanager servers on loopback for the tests: each
//! with its own temp data dir and a free port, stopped on drop.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A port nothing listens on.
pub fn closed_port() -> u16 {
    free_port()
}

fn require(binary: &str) {
    let ok = Command::new(binary)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{binary} not found: apt-get install prometheus prometheus-alertmanager"
    );
}

/// A server process; SIGTERM, then SIGKILL, on drop.
pub struct Server {
    child: Child,
    pub url: String,
    pub dir: tempfile::TempDir,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: signalling our own child process by its pid.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// The server's own log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (bounded) until `path` answers 200.
    fn wait_ready(mut self, path: &str, what: &str) -> Server {
        let url = format!("{}{path}", self.url);
        for _ in 0..300 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{what} exited with {status}: {}", self.log());
            }
            if http_status(&url) == Some(200) {
                return self;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{what} not ready at {url} after 30 s: {}", self.log());
    }
}

/// Status of a bare HTTP GET on loopback; None when nothing answers.
pub fn http_status(url: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut s = std::net::TcpStream::connect(host).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    body.split_whitespace().nth(1)?.parse().ok()
}

fn spawn(binary: &str, args: &[String], dir: &Path) -> (Child, PathBuf) {
    let log = dir.join("server.log");
    let out = std::fs::File::create(&log).expect("log file");
    let err = out.try_clone().expect("log file");
    let child = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
    (child, log)
}

/// A real Prometheus with `config` (YAML; rule files resolve against its
/// temp dir, where `files` are written first).
pub fn prometheus(config: &str, files: &[(&str, &str)]) -> Server {
    prometheus_on(free_port(), config, files)
}

/// [`prometheus`] on a chosen port (to start it where a client already looks).
pub fn prometheus_on(port: u16, config: &str, files: &[(&str, &str)]) -> Server {
    require("prometheus");
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write file");
    }
    std::fs::write(dir.path().join("prometheus.yml"), config).expect("write config");
    let args = vec![
        "--config.file=prometheus.yml".to_string(),
        format!("--storage.tsdb.path={}", dir.path().join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
    ];
    let (child, log) = spawn("prometheus", &args, dir.path());
    Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        dir,
        log,
    }
    .wait_ready("/-/ready", "prometheus")
}

/// A real Alertmanager with `config`, clustering off.
pub fn alertmanager(config: &str) -> Server {
    require("prometheus-alertmanager");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("alertmanager.yml"), config).expect("write config");
    let port = free_port();
    let args = vec![
        "--config.file=alertmanager.yml".to_string(),
        format!("--storage.path={}", dir.path().join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--cluster.listen-address=".to_string(),
    ];
    let (child, log) = spawn("prometheus-alertmanager", &args, dir.path());
    Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        dir,
        log,
    }
    .wait_ready("/-/ready", "alertmanager")
}

/// Polls `f` up to `attempts` times, `every` apart, until it returns Some.
pub async fn until<T, F, Fut>(what: &str, attempts: u32, every: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..attempts {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(every).await;
    }
    panic!("timed out waiting for {what}");
}
