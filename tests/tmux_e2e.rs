//! End to end: the release binary in tmux at 80x24, driven by keystrokes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

mod support;

use support::tmux::{Tmux, opsdeck_binary};

fn launch(name: &str, w: u16, h: u16, args: &str) -> Tmux {
    let bin = opsdeck_binary();
    let cfg = tempfile::tempdir().expect("tempdir").keep();
    Tmux::start(
        name,
        w,
        h,
        &format!(
            "OPSDECK_CONFIG_DIR={c}/config OPSDECK_DATA_DIR={c}/data {bin} {args}; echo EXIT=$?",
            c = cfg.display(),
            bin = bin.display()
        ),
    )
}

#[test]
fn dashboard_shows_panes_help_opens_and_q_restores_the_terminal() {
    let t = launch("basic", 80, 24, "--profile local");
    let screen = t.wait_for("4 Logs");
    for title in ["1 Services", "2 Workloads", "3 Events", "4 Logs"] {
        assert!(screen.contains(title), "missing {title}:\n{screen}");
    }
    t.send_keys(&["?"]);
    let screen = t.wait_for("Keys");
    assert!(
        screen.contains("Quit opsdeck"),
        "help is generated from the keymap:\n{screen}"
    );
    t.send_keys(&["Escape"]);
    t.wait_until("help closed", |s| !s.contains("Quit opsdeck"));
    t.send_keys(&["q"]);
    let screen = t.wait_for("EXIT=0");
    // The alternate screen is gone: the shell's own lines are back.
    assert!(screen.contains("PROMPT$"), "{screen}");
    assert!(
        !screen.contains("1 Services"),
        "dashboard left on screen:\n{screen}"
    );
}

#[test]
fn sighup_restores_the_terminal_and_exits() {
    let t = launch("hup", 80, 24, "--profile local --theme mono");
    t.wait_for("4 Logs");
    // A dropped SSH session: the pane's foreground process gets SIGHUP.
    let out = std::process::Command::new("pkill")
        .args(["-HUP", "-f", "/opsdeck --profile local --theme mono"])
        .status()
        .expect("pkill");
    assert!(out.success(), "no opsdeck process to signal");
    let screen = t.wait_for("EXIT=");
    assert!(!screen.contains("1 Services"), "{screen}");
}

#[test]
fn too_small_terminal_says_so_and_recovers_on_resize() {
    let t = launch("small", 60, 20, "--profile local");
    t.wait_for("terminal too small (need 80x24, have 60x20)");
    t.resize(80, 24);
    t.wait_for("4 Logs");
    t.send_keys(&["q"]);
    t.wait_for("EXIT=0");
}

#[test]
fn demo_shows_the_crash_looping_pod_and_its_logs() {
    // rag7's bad configmap lands at scenario second 90; at 10x that is 9 s.
    let t = launch("demo", 120, 40, "demo --scenario rag7 --speed 10");
    let screen = t.wait_for("CrashLoopBackOff");
    assert!(screen.contains("langgraph-"), "{screen}");
    // Unhealthy rows sort first: focus Workloads, open the top row's logs.
    t.send_keys(&["2", "g", "Enter"]);
    let screen = t.wait_until("the crash-looping pod's log lines", |s| {
        s.contains("pod/langgraph-") && (s.contains("INFO") || s.contains("ERROR"))
    });
    assert!(screen.contains("following"), "{screen}");
    // The previous container's log is one key away.
    t.send_keys(&["P"]);
    t.wait_for("(previous)");
    t.send_keys(&["q"]);
    t.wait_for("EXIT=0");
}
