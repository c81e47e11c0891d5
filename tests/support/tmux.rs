//! The release binary in a private tmux server: type keys, read the screen.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

/// The opsdeck binary the end-to-end tests drive: `OPSDECK_BIN` when set
/// (`.ci/run` builds the release binary once and passes it), else the binary
/// cargo built for this test run. Tests never build it themselves.
pub fn opsdeck_binary() -> PathBuf {
    match std::env::var_os("OPSDECK_BIN").filter(|v| !v.is_empty()) {
        Some(bin) => {
            let bin = PathBuf::from(bin);
            assert!(
                bin.is_file(),
                "OPSDECK_BIN={} is not a file: build it with `cargo build --release --bin opsdeck`, or unset OPSDECK_BIN to use the test build",
                bin.display()
            );
            bin
        }
        None => PathBuf::from(env!("CARGO_BIN_EXE_opsdeck")),
    }
}

pub struct Tmux {
    socket: String,
    pub dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts `command` (a shell command line) in a `w`x`h` session whose shell
    /// stays open afterwards, so the test can see the prompt come back.
    pub fn start(name: &str, w: u16, h: u16, command: &str) -> Tmux {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = format!("opsdeck-test-{name}-{}", std::process::id());
        let t = Tmux { socket, dir };
        let rc = t.dir.path().join("shrc");
        std::fs::write(&rc, "PS1='PROMPT$ '\n").expect("write shrc");
        let out = t.tmux(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
            &format!("env ENV={} sh -i", rc.display()),
            ";",
            "set-option",
            "-g",
            "status",
            "off",
        ]);
        assert!(
            out.status.success(),
            "tmux failed ({}); install it with: apt-get install tmux",
            String::from_utf8_lossy(&out.stderr)
        );
        t.wait_for("PROMPT$");
        t.send_line(command);
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run tmux ({e}); install it with: apt-get install tmux")
            })
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "e2e"]).stdout)
            .into_owned()
    }

    pub fn send_keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "e2e", k]);
        }
    }

    pub fn send_line(&self, line: &str) {
        self.tmux(&["send-keys", "-t", "e2e", "-l", line]);
        self.tmux(&["send-keys", "-t", "e2e", "Enter"]);
    }

    /// Waits (bounded: 30 s) until the screen contains `text`; panics with the screen otherwise.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |s| s.contains(text))
    }

    pub fn wait_until(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        for _ in 0..300 {
            let s = self.screen();
            if f(&s) {
                return s;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "screen never showed {what:?}; last screen:\n{}",
            self.screen()
        );
    }

    /// PID of the process running in the pane's foreground, if any besides the shell.
    pub fn pane_pid(&self) -> Option<u32> {
        let out = self.tmux(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"]);
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    }

    pub fn resize(&self, w: u16, h: u16) {
        self.tmux(&[
            "resize-window",
            "-t",
            "e2e",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
        ]);
    }

    pub fn kill(&self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.kill();
    }
}
