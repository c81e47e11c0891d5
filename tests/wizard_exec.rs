//! The wizard against real parts: placeholder values through a real shell,
//! process groups, timeouts, missing tools, the profile's environment, secrets
//! kept out of the timeline, the log file and the screen, and the "Pod Crash
//! Loop" procedure of seed 002 run end to end on the simulated rag7 with real
//! kubectl.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

#[path = "fixtures/sim/common.rs"]
mod common;
#[path = "support/console.rs"]
mod console;

use console::Console;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use opsdeck::config::{Paths, Profile, profiles};
use opsdeck::launch::Launch;
use opsdeck::runbook::placeholders;
use opsdeck::wizard::exec::{self, RunEnv};
use opsdeck::wizard::flow::{Mode, RunEvent, RunSpec};
use opsdeck::wizard::items::ItemState;
use opsdeck::wizard::timeline::{self, Entry};
use ratatui::crossterm::event::KeyCode;
use tokio::sync::mpsc;

fn sh() -> RunEnv {
    RunEnv {
        shell: "sh".into(),
        vars: Vec::new(),
    }
}

/// Runs `command` to the end; returns (pgid, output lines, finished event).
fn run_cmd(command: &str, env: RunEnv, timeout: Duration) -> (i32, Vec<String>, RunEvent) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(1024);
        let spec = RunSpec {
            run: 1,
            command: command.into(),
            timeout,
            secrets: Vec::new(),
            ahead: None,
            terminal: false,
        };
        tokio::spawn(exec::run(spec, env, tx, |e| e));
        let mut pgid = 0;
        let mut lines = Vec::new();
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(60), rx.recv())
                .await
                .expect("the executor reports within 60 s")
                .expect("the executor reports Finished before closing");
            match ev {
                RunEvent::Started { pgid: p, .. } => pgid = p,
                RunEvent::Output { line, .. } => lines.push(line),
                f @ RunEvent::Finished { .. } => return (pgid, lines, f),
            }
        }
    })
}

const NASTY: &[&str] = &[
    "x; touch PWNED",
    "$(touch PWNED)",
    "`touch PWNED`",
    "a'b\"c",
    "it's \"quoted\"",
    "line1\nline2; touch PWNED",
    "&& touch PWNED ||",
    "${HOME} $PATH",
    "back\\slash\\",
    "| touch PWNED >",
];

#[test]
fn placeholder_values_stay_one_argument_in_a_real_shell() {
    let dir = tempfile::tempdir().unwrap();
    let cd = format!("cd '{}' && ", dir.path().display());
    for template in [
        "set -- <value>; echo \"$#\"; printf '%s' \"$1\"",
        "printf '%s' \"<value>\"",
        "printf '%s' '<value>'",
    ] {
        for value in NASTY {
            let values = HashMap::from([("value".to_string(), value.to_string())]);
            let cmd = placeholders::substitute(template, &values);
            let (_, lines, fin) = run_cmd(&format!("{cd}{cmd}"), sh(), Duration::from_secs(20));
            assert!(
                matches!(
                    fin,
                    RunEvent::Finished {
                        exit_code: Some(0),
                        ..
                    }
                ),
                "{cmd}: {fin:?} {lines:?}"
            );
            let got = if template.starts_with("set") {
                assert_eq!(
                    lines.first().map(String::as_str),
                    Some("1"),
                    "{cmd}: {lines:?}"
                );
                lines[1..].join("\n")
            } else {
                lines.join("\n")
            };
            assert_eq!(got, *value, "{cmd}");
            assert!(
                !dir.path().join("PWNED").exists(),
                "{cmd} ran a second command"
            );
        }
    }
}

#[test]
fn stopping_kills_the_whole_process_group_and_not_us() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(64);
        let spec = RunSpec {
            run: 7,
            command: "sleep 300 & echo started; sleep 300".into(),
            timeout: Duration::from_secs(120),
            secrets: Vec::new(),
            ahead: None,
            terminal: false,
        };
        tokio::spawn(exec::run(spec, sh(), tx, |e| e));
        let mut pgid = 0;
        let started = Instant::now();
        loop {
            match tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await
                .unwrap()
                .unwrap()
            {
                RunEvent::Started { pgid: p, .. } => pgid = p,
                RunEvent::Output { line, .. } if line == "started" => break,
                _ => {}
            }
            assert!(started.elapsed() < Duration::from_secs(30));
        }
        // SAFETY: getpgrp has no preconditions.
        assert_ne!(
            pgid,
            unsafe { libc::getpgrp() },
            "commands get their own group"
        );
        exec::kill_group(pgid);
        let fin = loop {
            let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await
                .unwrap()
                .unwrap();
            if matches!(ev, RunEvent::Finished { .. }) {
                break ev;
            }
        };
        assert!(
            matches!(
                fin,
                RunEvent::Finished {
                    signal: Some(15),
                    ..
                }
            ),
            "{fin:?}"
        );
        // The background sleep went with its group.
        let mut gone = false;
        for _ in 0..50 {
            // SAFETY: signal 0 only checks for existence.
            if unsafe { libc::killpg(pgid, 0) } != 0 {
                gone = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(gone, "process group {pgid} still alive");
    });
}

#[test]
fn timeout_stops_the_command() {
    let (_, _, fin) = run_cmd("sleep 60", sh(), Duration::from_secs(1));
    assert!(
        matches!(
            fin,
            RunEvent::Finished {
                timed_out: true,
                ..
            }
        ),
        "{fin:?}"
    );
}

#[test]
fn missing_tool_exits_127_with_the_shell_message() {
    let (_, lines, fin) = run_cmd("no-such-tool-opsdeck --help", sh(), Duration::from_secs(20));
    assert!(
        matches!(
            fin,
            RunEvent::Finished {
                exit_code: Some(127),
                ..
            }
        ),
        "{fin:?}"
    );
    assert!(lines.iter().any(|l| l.contains("not found")), "{lines:?}");
}

#[test]
fn environment_selects_the_profiles_context_and_docker_host() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts:\n- name: a\n  context: {}\n- name: b\n  context: {}\ncurrent-context: a\n",
    )
    .unwrap();
    let profile = Profile::from_toml(
        &format!(
            "name = \"t\"\n[kubernetes]\ncontext = \"b\"\nkubeconfig = \"{}\"\n[docker]\nhost = \"tcp://127.0.0.1:2375\"\n",
            kc.display()
        ),
        Path::new("t.toml"),
    )
    .unwrap();
    let env = RunEnv::for_profile(&profile, None, &dir.path().join("run")).unwrap();
    let (_, lines, _) = run_cmd(
        "echo \"$DOCKER_HOST\"; grep current-context \"$KUBECONFIG\"; stat -c %a \"$KUBECONFIG\"",
        RunEnv {
            shell: "sh".into(),
            ..env
        },
        Duration::from_secs(20),
    );
    assert_eq!(
        lines,
        vec!["tcp://127.0.0.1:2375", "current-context: b", "600"]
    );
    // The operator's own file is untouched.
    assert!(
        std::fs::read_to_string(&kc)
            .unwrap()
            .contains("current-context: a")
    );
    let bad = Profile::from_toml(
        &format!(
            "name = \"t\"\n[kubernetes]\ncontext = \"zz\"\nkubeconfig = \"{}\"\n",
            kc.display()
        ),
        Path::new("t.toml"),
    )
    .unwrap();
    let err = RunEnv::for_profile(&bad, None, dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("has no context `zz`"), "{err}");
}

#[test]
fn secrets_leave_no_trace_in_the_timeline_the_log_or_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("secret.md");
    std::fs::write(
        &book,
        "# Cache\n\n## Check the cache password\n\n**Diagnosis:**\n\n```bash\n# Log in with the password\necho \"connecting with <password>\"; echo done\n```\n",
    )
    .unwrap();
    let paths = Paths {
        config_dir: dir.path().join("config"),
        data_dir: dir.path().join("data"),
    };
    opsdeck::logging::init(&paths);
    let profile = profiles::resolve("local", Path::new("/nonexistent")).unwrap();
    let launch = Launch::new(book.to_str().unwrap(), Some("Check the cache password")).unwrap();
    let mut c = Console::new(profile, dir.path(), launch);
    let secret = "Tr0ub4dor&3-xyzzy";
    if matches!(c.wizard().mode, Mode::Symptoms { .. }) {
        c.key(KeyCode::Enter);
    }
    c.key(KeyCode::Enter);
    c.type_text(secret);
    assert!(!c.screen().contains(secret));
    c.key(KeyCode::Enter);
    c.settle();
    let w = c.wizard();
    assert_eq!(w.items[0].state, ItemState::Done, "{:?}", w.message);
    let screen = c.screen();
    assert!(screen.contains("connecting with ••••••"), "{screen}");
    assert!(!screen.contains(secret));
    c.key(KeyCode::Char('n'));
    c.type_text("rotated it, was Tr0ub4dor&3-xyzzy");
    c.key(KeyCode::Enter);
    let tl = std::fs::read_to_string(c.timeline()).unwrap();
    assert!(tl.contains("connecting with"), "{tl}");
    assert!(!tl.contains(secret), "{tl}");
    drop(c);
    let log = std::fs::read_to_string(paths.log_file()).unwrap_or_default();
    assert!(!log.contains(secret), "{log}");
    for entry in std::fs::read_dir(paths.data_dir.join("timelines")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains(secret));
    }
}

#[test]
fn pod_crash_loop_end_to_end_on_the_simulated_rag7() {
    let sim = common::Sim::start("rag7", 25.0, None);
    // The bad config arrives at scenario second 90: a few seconds at this speed.
    let crashing = common::poll(
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
    let dir = tempfile::tempdir().unwrap();
    let profile = Profile::load(Path::new(&sim.profile)).unwrap();
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seeds/002_b08d7360d942b084.txt"
    );
    let launch = Launch::new(seed, Some("Pod Crash Loop")).unwrap();
    let mut c = Console::new(profile, dir.path(), launch);

    // Symptoms: the crash loop is what we see.
    c.key(KeyCode::Down);
    c.key(KeyCode::Char(' '));
    c.key(KeyCode::Enter);
    // Diagnosis: get pods.
    c.key(KeyCode::Enter);
    c.settle();
    assert_eq!(
        c.wizard().items[0].state,
        ItemState::Done,
        "{:?}",
        c.wizard().message
    );
    assert!(c.wizard().items[0].exit_code == Some(0));
    // Recent logs of the crashing pod: asked for its name once.
    c.key(KeyCode::Enter);
    c.type_text(&crashing);
    c.key(KeyCode::Enter);
    c.settle();
    // logs --previous, describe.
    for _ in 0..2 {
        c.key(KeyCode::Enter);
        c.settle();
    }
    let w = c.wizard();
    for i in 0..4 {
        assert_eq!(
            w.items[i].state,
            ItemState::Done,
            "step {}: {:?}",
            i + 1,
            w.message
        );
    }
    // Resolution: configmap, secret (read-only, but it prints secrets: y), image, limits.
    for step in 4..8 {
        c.key(KeyCode::Enter);
        if step == 5 {
            assert!(matches!(c.wizard().mode, Mode::Confirm(_)));
            c.key(KeyCode::Char('y'));
        }
        c.settle();
    }
    // `kubectl edit` opens $EDITOR: the operator edits the step to use one
    // that fixes the port, and the edited command is classified again.
    c.key(KeyCode::Char('e'));
    c.key(KeyCode::Home);
    c.type_text("EDITOR='sed -i s/5433/5432/' ");
    c.key(KeyCode::Enter);
    assert_eq!(
        c.wizard().items[8].command().unwrap().text,
        "EDITOR='sed -i s/5433/5432/' kubectl edit configmap langgraph-config -n rag7"
    );
    assert_eq!(
        c.wizard().items[8].command().unwrap().risk,
        opsdeck::model::Risk::Mutating
    );
    c.key(KeyCode::Enter);
    assert!(matches!(c.wizard().mode, Mode::Confirm(_)));
    c.key(KeyCode::Char('y'));
    c.settle();
    assert_eq!(
        c.wizard().items[8].state,
        ItemState::Done,
        "{:?}",
        c.wizard().message
    );
    // Restart (mutating): Enter on Cancel first does nothing, then y.
    c.key(KeyCode::Enter);
    c.key(KeyCode::Enter);
    assert!(matches!(c.wizard().mode, Mode::Steps));
    assert_eq!(c.wizard().items[9].state, ItemState::Pending);
    c.key(KeyCode::Enter);
    c.key(KeyCode::Char('y'));
    c.settle();
    assert_eq!(
        c.wizard().items[9].state,
        ItemState::Done,
        "{:?}",
        c.wizard().message
    );
    assert!(c.wizard().completed);

    // The simulation changed: restarted, fixed config, and the crash loop ends.
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
    let uri = sim.ok(&[
        "get",
        "configmap",
        "langgraph-config",
        "-n",
        "rag7",
        "-o",
        "jsonpath={.data.POSTGRES_URI}",
    ]);
    assert!(uri.contains(":5432/"), "{uri}");
    common::poll(
        "the crash loop to end",
        120,
        Duration::from_millis(500),
        || {
            let out = sim.ok(&["get", "pods", "-n", "rag7", "--no-headers"]);
            let lg: Vec<&str> = out.lines().filter(|l| l.starts_with("langgraph")).collect();
            (!lg.is_empty()
                && lg
                    .iter()
                    .all(|l| l.contains("Running") && l.contains("1/1")))
            .then_some(())
        },
    );

    // The exported timeline lists each command with its exit code.
    let records = timeline::read(&c.timeline()).unwrap();
    let md = opsdeck::wizard::export::markdown(&c.wizard().incident, &records);
    for cmd in [
        "kubectl get pods -n rag7".to_string(),
        format!("kubectl logs -n rag7 '{crashing}' --previous"),
        format!("kubectl describe pod -n rag7 '{crashing}'"),
        "kubectl rollout restart deployment/langgraph -n rag7".to_string(),
    ] {
        let row = md
            .lines()
            .find(|l| l.starts_with('|') && l.contains(&format!("`{cmd}`")))
            .unwrap_or_else(|| panic!("{cmd} missing from\n{md}"));
        assert!(row.trim_end().ends_with("| 0 |"), "{row}");
    }
    assert!(md.contains("confirmed with y"), "{md}");
    assert!(md.contains("- [x] Pods in CrashLoopBackOff state"), "{md}");
    let commands = records
        .iter()
        .filter(|r| matches!(r.entry, Entry::Command { .. }))
        .count();
    assert_eq!(commands, 10);
    assert!(
        records
            .iter()
            .any(|r| matches!(&r.entry, Entry::Edit { to, .. } if to.starts_with("EDITOR=")))
    );
}

fn opsdeck_cmd(data: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    c.env("OPSDECK_DATA_DIR", data.join("data"))
        .env("OPSDECK_CONFIG_DIR", data.join("config"));
    c
}

#[test]
fn timeline_follow_shows_events_as_they_are_written() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let tdir = dir.path().join("data/timelines");
    let id = "20260101T000000Z-pod-crash-loop";
    let file = timeline::path_for(&tdir, id);
    let write = |entry: Entry| {
        timeline::append(
            &file,
            &opsdeck::executor::stamp(entry, &timeline::Who::current()),
        )
        .unwrap();
    };
    write(Entry::Start {
        incident: id.into(),
        runbook: "Operations Runbook".into(),
        source: "builtin:rag7".into(),
        hash: "0".repeat(64),
        procedure: "Pod Crash Loop".into(),
        target: Default::default(),
    });
    let mut child = opsdeck_cmd(dir.path())
        .args(["timeline", "follow", id])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut next = || {
        let mut l = String::new();
        out.read_line(&mut l).unwrap();
        l
    };
    assert!(next().starts_with("following"));
    assert!(next().contains("started “Pod Crash Loop”"));
    write(Entry::Note {
        text: "paged by PodRestarting".into(),
    });
    assert!(next().contains("note: paged by PodRestarting"));
    write(Entry::End {
        status: "completed".into(),
    });
    assert!(next().contains("ended: completed"));
    // The incident ended: follow ends too.
    let mut status = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(status.is_some_and(|s| s.success()));

    let out = opsdeck_cmd(dir.path())
        .args(["timeline", "list"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(id) && text.contains("completed"), "{text}");
    let out = opsdeck_cmd(dir.path())
        .args(["timeline", "export", id, "--format", "pdf"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("use --format md or --format json"));
    let out = opsdeck_cmd(dir.path())
        .args(["timeline", "export", "nope"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no incident `nope`"));
    let out = opsdeck_cmd(dir.path())
        .args(["run", "--resume", id])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is completed"),
        "{out:?}"
    );
}
