//! The release binary in tmux at 80x24, keystrokes only: seed 002's "Pod
//! Crash Loop" on the simulated rag7 with real kubectl, a hang-up in the middle
//! (the terminal goes away, as with a dropped SSH session), then resume and
//! finish; the exported timeline lists every command with its exit code.

mod support;

#[path = "fixtures/sim/common.rs"]
mod common;

use std::process::Command;
use std::time::Duration;

use support::tmux::{Tmux, release_binary};

fn opsdeck(bin: &std::path::Path, data: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(bin)
        .args(args)
        .env("OPSDECK_DATA_DIR", data.join("data"))
        .env("OPSDECK_CONFIG_DIR", data.join("config"))
        .output()
        .unwrap();
    assert!(out.status.success(), "opsdeck {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits until the step list shows step `n` of 10 as the current one.
fn at_step(t: &Tmux, n: usize) -> String {
    t.wait_for(&format!("Step {n} of 10"))
}

#[test]
fn crash_loop_by_keystrokes_with_a_hangup_and_resume() {
    let bin = release_binary();
    let sim = common::Sim::start("rag7", 25.0, None);
    let pod = common::poll(
        "a crash-looping langgraph pod",
        120,
        Duration::from_millis(500),
        || {
            let out = sim.ok(&["get", "pods", "-n", "rag7", "--no-headers"]);
            out.lines()
                .find(|l| l.contains("langgraph") && l.contains("CrashLoopBackOff"))
                .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        },
    );
    let data = tempfile::tempdir().unwrap();
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seeds/002_b08d7360d942b084.txt"
    );
    let env = format!(
        "OPSDECK_DATA_DIR={d}/data OPSDECK_CONFIG_DIR={d}/config OPSDECK_PROFILE={p} HOME={d}",
        d = data.path().display(),
        p = sim.profile
    );

    let t = Tmux::start(
        "wizard",
        80,
        24,
        &format!("{env} {} run {seed} 'Pod Crash Loop'", bin.display()),
    );
    let screen = t.wait_for("Symptoms: tick what you see");
    assert!(screen.contains("ns rag7 · profile sim-rag7"), "{screen}");
    t.send_keys(&["Down", "Space", "Enter"]);
    at_step(&t, 1);
    // get pods
    t.send_keys(&["Enter"]);
    at_step(&t, 2);
    // logs --tail: the pod name is asked once.
    t.send_keys(&["Enter"]);
    t.wait_for("Value needed");
    t.send_line(&pod);
    at_step(&t, 3);
    // logs --previous
    t.send_keys(&["Enter"]);
    let screen = at_step(&t, 4);
    assert!(screen.contains("✓  3"), "{screen}");

    // The terminal goes away.
    t.kill();
    drop(t);
    let timelines = data.path().join("data/timelines");
    let id = common::poll(
        "the interruption recorded",
        50,
        Duration::from_millis(200),
        || {
            let entry = std::fs::read_dir(&timelines).ok()?.next()?.ok()?;
            let text = std::fs::read_to_string(entry.path()).ok()?;
            text.contains("\"event\":\"interrupted\"").then(|| {
                entry
                    .path()
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
        },
    );
    let list = opsdeck(&bin, data.path(), &["timeline", "list"]);
    assert!(
        list.contains(&id) && list.contains("interrupted (SIGHUP)"),
        "{list}"
    );

    // Resume where it stopped.
    let t = Tmux::start(
        "wizard2",
        80,
        24,
        &format!("{env} {} run --resume {id}", bin.display()),
    );
    let screen = t.wait_for("resumed at step 4 of 10");
    assert!(screen.contains("Step 4 of 10"), "{screen}");
    // describe, configmap, secret, image, limits
    for n in 5..=9 {
        t.send_keys(&["Enter"]);
        if n == 7 {
            // The secret step prints secrets: it needs y, not a plain Enter.
            t.wait_for("it shows secrets");
            t.send_keys(&["y"]);
        }
        at_step(&t, n);
    }
    // kubectl edit: the operator edits the step to use an editor that fixes the port.
    t.send_keys(&["e", "Home"]);
    t.send_line("EDITOR='sed -i s/5433/5432/' ");
    t.wait_for("edited: now mutating");
    t.send_keys(&["Enter"]);
    let screen = t.wait_for("Confirm change");
    assert!(screen.contains("namespace rag7"), "{screen}");
    t.send_keys(&["y"]);
    at_step(&t, 10);
    // rollout restart: Enter on Cancel does nothing; y runs it.
    t.send_keys(&["Enter"]);
    t.wait_for("Confirm change");
    t.send_keys(&["Enter"]);
    t.wait_for("cancelled; nothing ran");
    t.send_keys(&["Enter"]);
    t.wait_for("Confirm change");
    t.send_keys(&["y"]);
    t.wait_for("every step is done or skipped");
    t.send_keys(&["q"]);
    t.wait_for("PROMPT$");

    let tpl = sim.ok(&[
        "get",
        "deploy",
        "langgraph",
        "-n",
        "rag7",
        "-o",
        "jsonpath={.spec.template.metadata.annotations}",
    ]);
    assert!(tpl.contains("kubectl.kubernetes.io/restartedAt"), "{tpl}");
    let md = opsdeck(
        &bin,
        data.path(),
        &["timeline", "export", &id, "--format", "md"],
    );
    for cmd in [
        "kubectl get pods -n rag7".to_string(),
        format!("kubectl logs -n rag7 '{pod}' --previous"),
        format!("kubectl describe pod -n rag7 '{pod}'"),
        "kubectl rollout restart deployment/langgraph -n rag7".to_string(),
    ] {
        let row = md
            .lines()
            .find(|l| l.starts_with('|') && l.contains(&format!("`{cmd}`")))
            .unwrap_or_else(|| panic!("{cmd} missing from\n{md}"));
        assert!(row.trim_end().ends_with("| 0 |"), "{row}");
    }
    assert!(md.contains("Interrupted (SIGHUP)"), "{md}");
    assert!(md.contains("Resumed at step 4"), "{md}");
    let json = opsdeck(
        &bin,
        data.path(),
        &["timeline", "export", &id, "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v.as_array().is_some_and(|a| a.len() > 10));
}
