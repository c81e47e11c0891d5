//! The terminal hand-over in tmux, keystrokes only: seed 002's "Pod Crash
//! Loop" on the simulated rag7 reaches `kubectl edit configmap
//! langgraph-config -n rag7`, which runs attached to the real terminal with an
//! editor (a script that applies a known change, and real `vi` driven by
//! keys); the configmap changes on the sim, the wizard comes back, and the
//! timeline has `confirmed` and `finished`. A SIGHUP during the hand-over
//! reaches the editor, the terminal is given back and `interrupted` recorded.
//! `docker exec -it` on the real engine gets a shell in a busybox container.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

mod docker_support;
mod support;

#[path = "fixtures/sim/common.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::tmux::{Tmux, opsdeck_binary};

const EDIT: &str = "kubectl edit configmap langgraph-config -n rag7";

fn at_step(t: &Tmux, n: usize) -> String {
    t.wait_for(&format!("Step {n} of 10"))
}

/// Starts the wizard in tmux with `editor` as `EDITOR` and walks it to the
/// `kubectl edit` step (step 9), confirmed: the hand-over has begun.
fn to_the_edit_step(sim: &common::Sim, data: &Path, editor: &str, name: &str) -> Tmux {
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
    assert!(configmap(sim).contains("5433"), "the bad value is in place");
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seeds/002_b08d7360d942b084.txt"
    );
    let env = format!(
        "OPSDECK_DATA_DIR={d}/data OPSDECK_CONFIG_DIR={d}/config OPSDECK_PROFILE={p} HOME={d} EDITOR={editor}",
        d = data.display(),
        p = sim.profile
    );
    let t = Tmux::start(
        name,
        80,
        24,
        &format!(
            "{env} {} run {seed} 'Pod Crash Loop'",
            opsdeck_binary().display()
        ),
    );
    t.wait_for("Symptoms: tick what you see");
    t.send_keys(&["Down", "Space", "Enter"]);
    at_step(&t, 1);
    t.send_keys(&["Enter"]);
    at_step(&t, 2);
    t.send_keys(&["Enter"]);
    t.wait_for("Value needed");
    t.send_line(&pod);
    for n in 3..=9 {
        at_step(&t, n);
        if n == 9 {
            break;
        }
        t.send_keys(&["Enter"]);
        if n == 6 {
            t.wait_for("it shows secrets");
            t.send_keys(&["y"]);
        }
    }
    let screen = t.wait_for("the terminal is handed over");
    assert!(
        screen.contains("$ kubectl edit configmap langgraph-config"),
        "{screen}"
    );
    t.send_keys(&["Enter"]);
    let screen = t.wait_for("Confirm change");
    assert!(screen.contains("namespace rag7"), "{screen}");
    t.send_keys(&["y"]);
    t
}

fn timeline_text(data: &Path) -> String {
    let dir = data.join("data/timelines");
    let entry = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap();
    std::fs::read_to_string(entry.path()).unwrap()
}

fn configmap(sim: &common::Sim) -> String {
    sim.ok(&[
        "get",
        "configmap",
        "langgraph-config",
        "-n",
        "rag7",
        "-o",
        "jsonpath={.data}",
    ])
}

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The timeline's `confirmed` and `finished` of the edit, exit 0, with the
/// note that the session's output was not captured.
fn assert_edit_on_record(data: &Path) {
    let text = timeline_text(data);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains(EDIT)).collect();
    assert!(
        lines.iter().any(|l| l.contains("\"event\":\"confirmed\"")),
        "{text}"
    );
    let finished = lines
        .iter()
        .find(|l| l.contains("\"event\":\"finished\""))
        .unwrap_or_else(|| panic!("no finished edit in\n{text}"));
    assert!(finished.contains("\"exit_code\":0"), "{finished}");
    assert!(finished.contains("output not captured"), "{finished}");
}

#[test]
fn kubectl_edit_runs_an_editor_script_on_the_real_terminal() {
    let sim = common::Sim::start("rag7", 25.0, None);
    let data = tempfile::tempdir().unwrap();
    let editor = script(
        data.path(),
        "fix-port",
        "test -t 0 && test -t 1 || exit 3\nsed -i s/5433/5432/ \"$1\"",
    );
    let t = to_the_edit_step(&sim, data.path(), &editor.display().to_string(), "edit");
    // The wizard is back, on the next step, with the edit done.
    let screen = at_step(&t, 10);
    assert!(screen.contains("ok; interactive session"), "{screen}");
    let cm = configmap(&sim);
    assert!(cm.contains("5432") && !cm.contains("5433"), "{cm}");
    assert_edit_on_record(data.path());
    // The postmortem says the session's output was not captured.
    let entry = std::fs::read_dir(data.path().join("data/timelines"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let id = entry
        .path()
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let out = std::process::Command::new(opsdeck_binary())
        .args(["timeline", "export", &id, "--format", "md"])
        .env("OPSDECK_DATA_DIR", data.path().join("data"))
        .env("OPSDECK_CONFIG_DIR", data.path().join("config"))
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        md.contains("interactive session, output not captured"),
        "{md}"
    );
    // Keys reach the wizard again.
    t.send_keys(&["q"]);
    t.wait_for("PROMPT$");
}

#[test]
fn kubectl_edit_in_real_vi_driven_by_keys() {
    let sim = common::Sim::start("rag7", 25.0, None);
    let data = tempfile::tempdir().unwrap();
    let t = to_the_edit_step(&sim, data.path(), "vi", "vi");
    // vi shows the configmap on the real terminal.
    t.wait_for("langgraph-config");
    t.wait_for("5433");
    t.send_keys(&["Escape"]);
    t.send_line(":%s/5433/5432/");
    t.send_line(":wq");
    let screen = at_step(&t, 10);
    assert!(screen.contains("ok; interactive session"), "{screen}");
    let cm = configmap(&sim);
    assert!(cm.contains("5432") && !cm.contains("5433"), "{cm}");
    assert_edit_on_record(data.path());
    t.send_keys(&["q"]);
    t.wait_for("PROMPT$");
}

#[test]
fn a_hangup_during_the_handover_reaches_the_editor_and_gives_the_terminal_back() {
    let sim = common::Sim::start("rag7", 25.0, None);
    let data = tempfile::tempdir().unwrap();
    let pidfile = data.path().join("editor.pid");
    let editor = script(
        data.path(),
        "slow-editor",
        &format!(
            "echo $$ > {}\necho EDITOR-WAITING\nexec sleep 600",
            pidfile.display()
        ),
    );
    let t = to_the_edit_step(&sim, data.path(), &editor.display().to_string(), "hup");
    t.wait_for("EDITOR-WAITING");
    let editor_pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let shell = t.pane_pid().unwrap();
    let out = std::process::Command::new("pgrep")
        .args(["-P", &shell.to_string(), "opsdeck"])
        .output()
        .unwrap();
    let opsdeck: i32 = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_else(|| panic!("no opsdeck under the shell: {out:?}"))
        .trim()
        .parse()
        .unwrap();
    // SAFETY: signals the opsdeck this test started.
    unsafe { libc::kill(opsdeck, libc::SIGHUP) };
    // The shell has the terminal again, in cooked mode.
    t.wait_for("PROMPT$");
    // A line typed while the shell is still redrawing its prompt can be lost: type it again
    // until the shell has read it (bounded).
    for _ in 0..10 {
        t.send_line("echo TTY-$(stty -a | tr ' ;' '\\n\\n' | grep -cx icanon)-$(stty -a | tr ' ;' '\\n\\n' | grep -cx echo)");
        std::thread::sleep(Duration::from_millis(1000));
        if t.screen().contains("TTY-") {
            break;
        }
    }
    t.wait_for("TTY-1-1");
    common::poll("the editor to end", 100, Duration::from_millis(100), || {
        // SAFETY: signal 0 only checks whether the process exists.
        (unsafe { libc::kill(editor_pid, 0) } != 0).then_some(())
    });
    let text = timeline_text(data.path());
    let interrupted = text
        .lines()
        .find(|l| l.contains("\"event\":\"interrupted\""))
        .unwrap_or_else(|| panic!("no interrupted in\n{text}"));
    assert!(interrupted.contains("SIGHUP"), "{interrupted}");
    assert!(interrupted.contains("\"item\":8"), "{interrupted}");
    assert!(
        text.lines()
            .any(|l| l.contains("\"event\":\"confirmed\"") && l.contains(EDIT)),
        "{text}"
    );
}

#[test]
fn docker_exec_it_gets_a_shell_in_a_busybox_container_on_the_real_engine() {
    let _image = docker_support::ImageLease::acquire();
    let mut containers = docker_support::Containers::default();
    let name = containers.run("shell", &[], &["sleep", "600"]);
    let data = tempfile::tempdir().unwrap();
    let book = data.path().join("shell.md");
    std::fs::write(
        &book,
        format!("# Shell\n\n## Look inside\n\n**Resolution:**\n\n```bash\ndocker exec -it {name} sh\n```\n"),
    )
    .unwrap();
    let profile = data.path().join("writable.toml");
    std::fs::write(
        &profile,
        format!(
            "name = \"writable\"\nreadonly = false\nrunbooks = [{:?}]\n",
            book.display().to_string()
        ),
    )
    .unwrap();
    let env = format!(
        "OPSDECK_DATA_DIR={d}/data OPSDECK_CONFIG_DIR={d}/config OPSDECK_PROFILE={p} HOME={d}",
        d = data.path().display(),
        p = profile.display()
    );
    let t = Tmux::start(
        "docker",
        80,
        24,
        &format!(
            "{env} {} run {} 'Look inside'",
            opsdeck_binary().display(),
            book.display()
        ),
    );
    t.wait_for("Step 1 of 1");
    t.send_keys(&["Enter"]);
    t.wait_for("Confirm");
    t.send_keys(&["y"]);
    // busybox sh on the real terminal, inside the container.
    t.wait_for(" #");
    t.wait_for("built-in shell");
    t.send_line("tty > /tmp/tty; echo handed-over > /tmp/mark; exit 3");
    let screen = t.wait_for("── exit 3");
    assert!(screen.contains("interactive session"), "{screen}");
    let mark = docker_support::docker(&["exec", &name, "cat", "/tmp/mark", "/tmp/tty"]);
    assert!(mark.starts_with("handed-over\n/dev/pts/"), "{mark}");
    let text = timeline_text(data.path());
    let finished = text
        .lines()
        .find(|l| l.contains("\"event\":\"finished\""))
        .unwrap_or_else(|| panic!("no finished in\n{text}"));
    assert!(finished.contains("\"exit_code\":3"), "{finished}");
    assert!(finished.contains("output not captured"), "{finished}");
    t.send_keys(&["q"]);
    t.wait_for("PROMPT$");
}
