//! Runs wizard commands: the operator's shell (`$SHELL`, else `sh`) in its own
//! session and process group (no controlling terminal), with the profile's environment, a timeout, and stdout/stderr
//! streamed line by line. Stopping a command signals its process group only, so
//! opsdeck and the terminal are never hit.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;

use super::flow::{RunEvent, RunSpec, mask_all};
use crate::config::Profile;

/// Lines reported per command; the rest is counted, not sent.
pub const MAX_LINES: usize = 20_000;
/// Longest line reported; longer lines are cut.
pub const MAX_LINE: usize = 4_000;
/// Between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error(
        "cannot read kubeconfig {path}: {source}; check the profile's [kubernetes] kubeconfig or KUBECONFIG"
    )]
    ReadKubeconfig {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("kubeconfig {path} is not valid YAML: {message}")]
    ParseKubeconfig { path: PathBuf, message: String },
    #[error(
        "kubeconfig {path} has no context `{context}`; pick one of its contexts with --context or in the profile"
    )]
    NoContext { path: PathBuf, context: String },
    #[error(
        "cannot write a private kubeconfig in {path}: {source}; check that the data dir is writable"
    )]
    WriteKubeconfig {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The environment commands get, on top of opsdeck's own.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunEnv {
    pub shell: String,
    pub vars: Vec<(String, String)>,
}

impl RunEnv {
    /// `$SHELL` or `sh`, `KUBECONFIG` pointing at a kubeconfig whose current
    /// context is the profile's (a private 0600 copy under `run_dir` when the
    /// file's own current context differs), and `DOCKER_HOST`.
    pub fn for_profile(
        profile: &Profile,
        context: Option<&str>,
        run_dir: &Path,
    ) -> Result<RunEnv, ExecError> {
        let shell = std::env::var("SHELL")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "sh".into());
        let mut vars = Vec::new();
        let kube = profile.kubernetes.as_ref();
        let source: Option<PathBuf> = kube
            .and_then(|k| k.kubeconfig.clone())
            .or_else(|| {
                std::env::var_os("KUBECONFIG")
                    .and_then(|v| std::env::split_paths(&v).next())
                    .filter(|p| !p.as_os_str().is_empty())
            })
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube/config")));
        if let Some(ctx) = context.or(kube.and_then(|k| k.context.as_deref()))
            && let Some(src) = source.as_deref()
            && src.is_file()
        {
            let path = private_kubeconfig(src, ctx, run_dir)?;
            vars.push(("KUBECONFIG".into(), path.display().to_string()));
        } else if let Some(p) = kube.and_then(|k| k.kubeconfig.as_ref()) {
            vars.push(("KUBECONFIG".into(), p.display().to_string()));
        }
        if let Some(host) = profile.docker.as_ref().and_then(|d| d.host.clone()) {
            vars.push(("DOCKER_HOST".into(), host));
        }
        Ok(RunEnv { shell, vars })
    }
}

/// `src` itself when its current context is already `context`; otherwise a
/// copy with `current-context` set, so kubectl targets what the screen shows.
fn private_kubeconfig(src: &Path, context: &str, run_dir: &Path) -> Result<PathBuf, ExecError> {
    let text = std::fs::read_to_string(src).map_err(|source| ExecError::ReadKubeconfig {
        path: src.to_path_buf(),
        source,
    })?;
    let mut doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&text).map_err(|e| ExecError::ParseKubeconfig {
            path: src.to_path_buf(),
            message: e.to_string(),
        })?;
    if doc.get("current-context").and_then(|c| c.as_str()) == Some(context) {
        return Ok(src.to_path_buf());
    }
    let known = doc
        .get("contexts")
        .and_then(|c| c.as_sequence())
        .is_some_and(|list| {
            list.iter()
                .any(|c| c.get("name").and_then(|n| n.as_str()) == Some(context))
        });
    if !known {
        return Err(ExecError::NoContext {
            path: src.to_path_buf(),
            context: context.to_string(),
        });
    }
    if let Some(map) = doc.as_mapping_mut() {
        map.insert("current-context".into(), context.into());
    }
    let out = run_dir.join(format!("kubeconfig-{}", std::process::id()));
    let werr = |source| ExecError::WriteKubeconfig {
        path: run_dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(run_dir).map_err(werr)?;
    let body = serde_yaml_ng::to_string(&doc).map_err(|e| werr(std::io::Error::other(e)))?;
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&out)
        .map_err(werr)?;
    f.write_all(body.as_bytes()).map_err(werr)?;
    Ok(out)
}

/// Runs one command to the end, reporting through `tx` (wrapped by `wrap`).
pub async fn run<M: Send + 'static>(
    spec: RunSpec,
    env: RunEnv,
    tx: mpsc::Sender<M>,
    wrap: fn(RunEvent) -> M,
) {
    let run = spec.run;
    let mut cmd = tokio::process::Command::new(&env.shell);
    cmd.arg("-c")
        .arg(&spec.command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(false);
    // A new session: its own process group (what Ctrl-C stops), and no
    // controlling terminal, so a tool that reaches for the tty (an editor,
    // a password prompt) fails at once instead of being stopped in the
    // background or scribbling over the screen.
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    for (k, v) in &env.vars {
        cmd.env(k, v);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            let _ = tx
                .send(wrap(RunEvent::Finished {
                    run,
                    exit_code: None,
                    signal: None,
                    timed_out: false,
                    error: Some(format!("cannot start the shell `{}`: {e}", env.shell)),
                }))
                .await;
            return;
        }
    };
    let pgid = child.id().map(|p| p as i32).unwrap_or(0);
    let _ = tx.send(wrap(RunEvent::Started { run, pgid })).await;
    let readers = [
        child
            .stdout
            .take()
            .map(|s| tokio::spawn(pump(s, false, run, spec.secrets.clone(), tx.clone(), wrap))),
        child
            .stderr
            .take()
            .map(|s| tokio::spawn(pump(s, true, run, spec.secrets.clone(), tx.clone(), wrap))),
    ];
    let (status, timed_out) = match tokio::time::timeout(spec.timeout, child.wait()).await {
        Ok(s) => (s.ok(), false),
        Err(_) => {
            kill_group(pgid);
            (child.wait().await.ok(), true)
        }
    };
    // Output still buffered in the pipes is worth having; a grandchild that
    // keeps a pipe open is not worth waiting for.
    for r in readers.into_iter().flatten() {
        let abort = r.abort_handle();
        if tokio::time::timeout(Duration::from_secs(2), r)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
    let _ = tx
        .send(wrap(RunEvent::Finished {
            run,
            exit_code: status.and_then(|s| s.code()),
            signal: status.and_then(|s| s.signal()),
            timed_out,
            error: None,
        }))
        .await;
}

async fn pump<R: AsyncRead + Unpin, M>(
    stream: R,
    stderr: bool,
    run: u64,
    secrets: Vec<String>,
    tx: mpsc::Sender<M>,
    wrap: fn(RunEvent) -> M,
) {
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    let mut sent = 0usize;
    let mut dropped = 0usize;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if sent >= MAX_LINES {
            dropped += 1;
            continue;
        }
        let text = String::from_utf8_lossy(&buf);
        let mut line = text.trim_end_matches(['\n', '\r']).to_string();
        if line.len() > MAX_LINE {
            let mut cut = MAX_LINE;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
            line.push('…');
        }
        let line = mask_all(&line, &secrets);
        sent += 1;
        if tx
            .send(wrap(RunEvent::Output { run, line, stderr }))
            .await
            .is_err()
        {
            return;
        }
    }
    if dropped > 0 {
        let _ = tx
            .send(wrap(RunEvent::Output {
                run,
                line: format!("… {dropped} more lines not shown"),
                stderr,
            }))
            .await;
    }
}

/// SIGTERM to the whole process group, SIGKILL after a grace period.
pub fn kill_group(pgid: i32) {
    // Group 0 or 1 would be opsdeck's own group or init: never signal those.
    if pgid <= 1 {
        return;
    }
    // SAFETY: killpg only sends a signal; a stale group id fails with ESRCH.
    unsafe {
        libc::killpg(pgid, libc::SIGTERM);
    }
    std::thread::spawn(move || {
        std::thread::sleep(GRACE);
        // SAFETY: as above.
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
        }
    });
}

/// SIGTERM to the group, then waits (up to the grace period) for it to be
/// gone, and SIGKILLs what is left: for when opsdeck itself is leaving.
pub fn end_group(pgid: i32) {
    if pgid <= 1 {
        return;
    }
    // SAFETY: killpg only sends a signal; a stale group id fails with ESRCH.
    unsafe {
        libc::killpg(pgid, libc::SIGTERM);
    }
    let deadline = std::time::Instant::now() + GRACE;
    while std::time::Instant::now() < deadline {
        // SAFETY: signal 0 only checks that the group still exists.
        if unsafe { libc::killpg(pgid, 0) } != 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: as above.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
}
