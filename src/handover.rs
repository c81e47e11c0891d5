//! Handing the terminal to a command that needs one (an editor, `exec -it`,
//! a bare `psql`): the console leaves raw mode and the alternate screen, the
//! command runs attached to the real terminal in its own process group, made
//! the terminal's foreground group, and the console takes the terminal back
//! when it ends. Its `confirmed` is already on disk (the executor wrote it
//! before handing it here). Its output is not captured.
//!
//! Sources keep running meanwhile; their messages wait in the console's
//! bounded channel. A SIGHUP to opsdeck during the hand-over is passed to the
//! command's group, and the console then leaves through its one quit path.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::signal::unix::Signal;

use crate::wizard::exec::{self, RunEnv};
use crate::wizard::flow::{RunEvent, RunSpec};

/// How long a command that got SIGHUP may take to end before its group is killed.
const HANGUP_GRACE: Duration = Duration::from_secs(3);

/// A confirmed command waiting for the terminal.
#[derive(Debug)]
pub struct Handover {
    pub spec: RunSpec,
    pub env: RunEnv,
}

/// How the hand-over ended.
#[derive(Debug)]
pub enum Ended {
    /// The command ended: its run's `Started` and `Finished` events.
    Done(Vec<RunEvent>),
    /// opsdeck got SIGHUP: the command's group got it too (and was ended);
    /// the run's `Started` event, for the quit path to find the group.
    HungUp(Vec<RunEvent>),
}

/// The editor for `kubectl edit` and friends: `$EDITOR`, else `$VISUAL`,
/// else `vi`, else `nano` (whichever is on PATH).
pub fn editor_vars() -> Vec<(String, String)> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let editor = get("EDITOR").or_else(|| get("VISUAL")).unwrap_or_else(|| {
        if on_path("vi") || !on_path("nano") {
            "vi".into()
        } else {
            "nano".into()
        }
    });
    let visual = get("VISUAL").unwrap_or_else(|| editor.clone());
    vec![("EDITOR".into(), editor), ("VISUAL".into(), visual)]
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Runs the command on the real terminal; the caller has already left raw
/// mode and the alternate screen, and restores them afterwards.
pub async fn run(h: Handover, hangup: &mut Signal) -> Ended {
    let Handover { spec, env } = h;
    let run = spec.run;
    let tty = libc::STDIN_FILENO;
    // SAFETY: tcgetpgrp only reads the terminal's foreground group.
    let ours = unsafe { libc::tcgetpgrp(tty) };
    // Taking the terminal back from the background needs SIGTTOU ignored.
    // SAFETY: changes this process's disposition of SIGTTOU only.
    let old_ttou = unsafe { libc::signal(libc::SIGTTOU, libc::SIG_IGN) };

    let mut cmd = tokio::process::Command::new(&env.shell);
    cmd.arg("-c")
        .arg(&spec.command)
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .kill_on_drop(false);
    for (k, v) in env.vars.iter().chain(editor_vars().iter()) {
        cmd.env(k, v);
    }
    let give_tty = ours > 0;
    // Its own process group, made the terminal's foreground group, so the
    // terminal's Ctrl-C and job control reach the command and not opsdeck.
    // SAFETY: setpgid, signal, tcsetpgrp and getpid are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setpgid(0, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            if give_tty {
                libc::signal(libc::SIGTTOU, libc::SIG_IGN);
                libc::tcsetpgrp(libc::STDIN_FILENO, libc::getpid());
                libc::signal(libc::SIGTTOU, libc::SIG_DFL);
            }
            Ok(())
        });
    }
    let mut events = Vec::new();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            // SAFETY: restores the disposition saved above.
            unsafe { libc::signal(libc::SIGTTOU, old_ttou) };
            events.push(RunEvent::Finished {
                run,
                exit_code: None,
                signal: None,
                timed_out: false,
                error: Some(format!("cannot start the shell `{}`: {e}", env.shell)),
            });
            return Ended::Done(events);
        }
    };
    let pgid = child.id().map(|p| p as i32).unwrap_or(0);
    if give_tty && pgid > 1 {
        // Also from here: whichever of the two runs first wins the race.
        // SAFETY: as above; a failure leaves the terminal to opsdeck's group.
        unsafe { libc::tcsetpgrp(tty, pgid) };
    }
    events.push(RunEvent::Started { run, pgid });
    let ended = tokio::select! {
        status = child.wait() => {
            let status = status.ok();
            events.push(RunEvent::Finished {
                run,
                exit_code: status.and_then(|s| s.code()),
                signal: status.and_then(|s| s.signal()),
                timed_out: false,
                error: None,
            });
            None
        }
        _ = hangup.recv() => Some(()),
    };
    if ended.is_some() && pgid > 1 {
        // SAFETY: signals the command's own group only (never 0 or 1).
        unsafe { libc::killpg(pgid, libc::SIGHUP) };
        let deadline = Instant::now() + HANGUP_GRACE;
        let gone = tokio::time::timeout_at(deadline.into(), child.wait()).await;
        if gone.is_err() {
            exec::end_group(pgid);
            let _ = child.wait().await;
        }
    }
    if give_tty {
        // SAFETY: gives the terminal back to opsdeck's group (SIGTTOU ignored).
        unsafe { libc::tcsetpgrp(tty, ours) };
    }
    // SAFETY: restores the disposition saved above.
    unsafe { libc::signal(libc::SIGTTOU, old_ttou) };
    match ended {
        None => Ended::Done(events),
        Some(()) => Ended::HungUp(events),
    }
}
