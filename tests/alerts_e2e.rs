//! End to end: `opsdeck demo` in tmux. The rag7 latency incident fires
//! HighLatency in the simulated Prometheus; the Alerts pane shows it, and
//! `Enter` on it opens the "High Latency" procedure of seed 002.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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

/// The Alerts pane's rows (firing or pending), top to bottom.
fn alert_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|l| l.contains("FIRING") || l.contains("pending"))
        .map(str::to_owned)
        .collect()
}

fn open_high_latency(w: u16, h: u16) {
    // The latency rise starts at scenario second 10; at 5x that is 2 s, and
    // HighLatency's `for: 30s` holds for 6 s more.
    let t = launch(
        &format!("alerts{w}"),
        w,
        h,
        "demo --scenario rag7 --speed 5",
    );
    let screen = t.wait_for("5 Alerts");
    assert!(screen.contains("SLO") || screen.contains("p95"), "{screen}");
    let screen = t.wait_until("HighLatency firing", |s| {
        alert_rows(s)
            .iter()
            .any(|r| r.contains("HighLatency") && r.contains("FIRING"))
    });
    let index = alert_rows(&screen)
        .iter()
        .position(|r| r.contains("HighLatency"))
        .expect("HighLatency row");
    // The selection follows its alert when others arrive above it.
    let mut keys = vec!["5", "g"];
    keys.extend(std::iter::repeat_n("j", index));
    keys.push("Enter");
    t.send_keys(&keys);
    // The status line may already offer "High Latency"; the wizard is there when the
    // dashboard is gone.
    let screen = t.wait_until("the High Latency wizard", |s| {
        s.contains("High Latency") && !s.contains("5 Alerts")
    });
    assert!(
        !screen.contains("5 Alerts"),
        "the wizard has the screen:\n{screen}"
    );
    t.send_keys(&["q"]);
    t.wait_for("EXIT=0");
}

#[test]
fn demo_fires_high_latency_and_enter_opens_its_procedure_at_80x24() {
    open_high_latency(80, 24);
}

#[test]
fn demo_fires_high_latency_and_enter_opens_its_procedure_at_200x50() {
    open_high_latency(200, 50);
}
