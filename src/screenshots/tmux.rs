//! Drives one scene in a private tmux server.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use color_eyre::eyre::{Result, bail, eyre};
use ratatui::buffer::Buffer;

use super::Scene;

const SOCKET: &str = "opsdeck-screenshots";

fn tmux(args: &[&str]) -> Result<Output> {
    Command::new("tmux")
        .arg("-L")
        .arg(SOCKET)
        .args(args)
        .output()
        .map_err(|e| eyre!("cannot run tmux ({e}); install it with: apt-get install tmux"))
}

/// Kills the scene's tmux server however the capture ends.
struct Server;

impl Drop for Server {
    fn drop(&mut self) {
        let _ = tmux(&["kill-server"]);
    }
}

fn screen(ansi: bool) -> Result<String> {
    let mut args = vec!["capture-pane", "-p", "-t", "shot"];
    if ansi {
        args.push("-e");
    }
    let out = tmux(&args)?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wait_for(text: &str) -> Result<()> {
    for _ in 0..600 {
        if screen(false)?.contains(text) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!(
        "the screen never showed {text:?}; last screen:\n{}",
        screen(false)?
    )
}

pub fn capture(exe: &Path, scene: &Scene) -> Result<Buffer> {
    let _ = tmux(&["kill-server"]);
    let config = tempfile::tempdir()?;
    let mut cmd = format!(
        "env OPSDECK_CONFIG_DIR={} OPSDECK_DATA_DIR={} TZ=UTC {}",
        shlex::try_quote(&config.path().join("config").to_string_lossy())?,
        shlex::try_quote(&config.path().join("data").to_string_lossy())?,
        shlex::try_quote(&exe.to_string_lossy())?
    );
    for a in scene.args {
        cmd.push(' ');
        cmd.push_str(&shlex::try_quote(a)?);
    }
    let (w, h) = (scene.width.to_string(), scene.height.to_string());
    let out = tmux(&[
        "new-session",
        "-d",
        "-s",
        "shot",
        "-x",
        &w,
        "-y",
        &h,
        &cmd,
        ";",
        "set-option",
        "-g",
        "status",
        "off",
    ])?;
    let _server = Server;
    if !out.status.success() {
        bail!(
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    wait_for(scene.ready)?;
    for k in scene.keys {
        // `wait:TEXT` waits for the screen to show TEXT: the runbook catalog loads and
        // steps run in the background, and a key sent before they are done goes elsewhere.
        if let Some(text) = k.strip_prefix("wait:") {
            wait_for(text)?;
            continue;
        }
        tmux(&["send-keys", "-t", "shot", k])?;
        std::thread::sleep(Duration::from_millis(150));
    }
    wait_for(scene.expect)?;
    // Let in-flight checks land so the picture is settled.
    std::thread::sleep(Duration::from_millis(1500));
    let text = screen(true)?;
    Ok(super::ansi::parse(&text, scene.width, scene.height))
}
