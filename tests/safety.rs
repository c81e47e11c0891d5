//! The console's safety promises against real parts: no secret reaches the
//! disk, a step is on record before it runs, read-only holds for the session,
//! restarts hit the right object, every way out stops what runs, and a late
//! reply never replaces a confirmation.

#[path = "fixtures/sim/common.rs"]
mod common;
#[path = "support/console.rs"]
mod console;
#[path = "support/tmux.rs"]
mod tmux;

use std::path::Path;
use std::time::Duration;

use console::Console;
use opsdeck::app::Effect;
use opsdeck::app::model::LogLine;
use opsdeck::config::{Paths, Profile};
use opsdeck::wizard::flow::Mode;
use opsdeck::wizard::items::ItemState;
use opsdeck::wizard::launch::Launch;
use opsdeck::wizard::secrets::base64;
use ratatui::crossterm::event::KeyCode;

fn opsdeck_cmd(data: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    c.env("OPSDECK_DATA_DIR", data.join("data"))
        .env("OPSDECK_CONFIG_DIR", data.join("config"));
    c
}

/// Everything opsdeck stored under the data dir, and both exports of `id`.
fn stored_text(data: &Path, id: &str) -> String {
    let mut all = String::new();
    for format in ["md", "json"] {
        let out = opsdeck_cmd(data)
            .args(["timeline", "export", id, "--format", format])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        all.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    let mut stack = vec![data.join("data")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                all.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
            }
        }
    }
    all
}

fn assert_absent(text: &str, secrets: &[&str]) {
    for s in secrets {
        for form in [
            s.to_string(),
            base64(s.as_bytes()),
            base64(s.as_bytes()).trim_end_matches('=').to_string(),
        ] {
            assert!(
                !text.contains(&form),
                "`{form}` (from `{s}`) was stored:\n{text}"
            );
        }
    }
}

#[test]
fn secrets_never_reach_the_timeline_the_exports_the_saved_logs_or_the_log() {
    // The sim's rag7 Secret (src/sim/scenarios/rag7.toml).
    let sim_secrets = ["sim-not-a-secret", "sk-sim-placeholder"];
    let typed = "Tr0ub4dor&3-xyzzy";
    let sim = common::Sim::start("rag7", 25.0, None);
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths {
        config_dir: dir.path().join("config"),
        data_dir: dir.path().join("data"),
    };
    opsdeck::logging::init(&paths);
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
    let profile = Profile::load(Path::new(&sim.profile)).unwrap();
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seeds/002_b08d7360d942b084.txt"
    );
    let launch = Launch::new(seed, Some("Pod Crash Loop")).unwrap();
    let mut c = Console::new(profile, dir.path(), launch);
    c.key(KeyCode::Enter);
    // Diagnosis: get pods, logs (asks for the pod), logs --previous, describe;
    // Resolution: the configmap.
    c.key(KeyCode::Enter);
    c.settle();
    c.key(KeyCode::Enter);
    c.type_text(&crashing);
    c.key(KeyCode::Enter);
    c.settle();
    for _ in 0..3 {
        c.key(KeyCode::Enter);
        c.settle();
    }
    assert_eq!(c.wizard().cursor, 5, "{:?}", c.wizard().message);
    assert!(
        c.wizard().items[5]
            .command()
            .unwrap()
            .text
            .contains("get secret langgraph-secrets"),
    );
    // The secret step is read-only, yet a plain Enter does not run it.
    c.key(KeyCode::Enter);
    let Mode::Confirm(confirm) = &c.wizard().mode else {
        panic!("Enter ran the secret step: {:?}", c.wizard().mode);
    };
    assert!(
        confirm
            .caution
            .as_deref()
            .is_some_and(|w| w.contains("secrets"))
    );
    assert!(c.screen().contains("shows secrets"), "{}", c.screen());
    c.key(KeyCode::Enter);
    assert!(matches!(c.wizard().mode, Mode::Steps));
    assert_eq!(c.wizard().items[5].state, ItemState::Pending);
    c.key(KeyCode::Enter);
    c.key(KeyCode::Char('y'));
    c.settle();
    assert_eq!(
        c.wizard().items[5].state,
        ItemState::Done,
        "{:?}",
        c.wizard().message
    );
    let shown: String = c
        .wizard()
        .output
        .iter()
        .map(|l| l.text.clone() + "\n")
        .collect();
    assert!(shown.contains("OPENAI_API_KEY: ••••••"), "{shown}");
    assert_absent(&shown, &sim_secrets);
    assert_absent(&c.screen(), &sim_secrets);
    // Revealed on screen for this step only, then masked again.
    c.key(KeyCode::Char('r'));
    assert!(c.wizard().reveal);
    let revealed = c.screen();
    assert!(
        revealed.contains(&base64(b"sk-sim-placeholder")) || revealed.contains("SECRETS SHOWN"),
        "{revealed}"
    );
    c.key(KeyCode::Down);
    assert!(!c.wizard().reveal, "moving on masks again");
    c.key(KeyCode::Up);
    assert_absent(&c.screen(), &sim_secrets);
    // A careless log line with the raw output still reaches the file masked.
    for l in c.wizard().output.iter().filter_map(|l| l.raw.clone()) {
        tracing::info!("step output: {l}");
    }
    let raw_lines: Vec<LogLine> = c
        .wizard()
        .output
        .iter()
        .map(|l| LogLine {
            prefix: None,
            timestamp: None,
            text: l.raw.clone().unwrap_or_else(|| l.text.clone()),
            stderr: false,
        })
        .collect();
    c.apply(vec![Effect::SaveLogs {
        name: "secret-step".into(),
        lines: raw_lines,
    }]);

    // A typed secret placeholder, in the command and in its output.
    let book = dir.path().join("typed.md");
    std::fs::write(
        &book,
        "# Cache\n\n## Rotate the cache password\n\n**Resolution:**\n\n```bash\nprintf '%s\\n' \"<password>\"; printf '%s' \"<password>\" | base64; echo \"redis-cli -a <password> ping\"\n```\n",
    )
    .unwrap();
    let launch = Launch::new(book.to_str().unwrap(), Some("Rotate the cache password")).unwrap();
    launch.apply(&mut c.app, &c.paths).unwrap();
    if matches!(c.wizard().mode, Mode::Symptoms { .. }) {
        c.key(KeyCode::Enter);
    }
    c.key(KeyCode::Enter);
    c.type_text(typed);
    c.key(KeyCode::Enter);
    if matches!(c.wizard().mode, Mode::Confirm(_)) {
        c.key(KeyCode::Char('y'));
    }
    c.settle();
    assert_eq!(
        c.wizard().items[0].state,
        ItemState::Done,
        "{:?}",
        c.wizard().message
    );
    assert_absent(&c.screen(), &[typed]);
    c.key(KeyCode::Char('n'));
    c.type_text(&format!("rotated, the old one was {typed}"));
    c.key(KeyCode::Enter);
    let typed_id = c.wizard().incident.clone();
    drop(c);

    let first = std::fs::read_dir(paths.timelines_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("pod-crash-loop"))
        .unwrap();
    let first_id = first.file_stem().unwrap().to_string_lossy().into_owned();
    let stored = stored_text(dir.path(), &first_id) + &stored_text(dir.path(), &typed_id);
    assert!(stored.contains("get secret langgraph-secrets"), "{stored}");
    assert!(stored.contains("OPENAI_API_KEY"), "the keys stay readable");
    assert!(
        std::fs::read_to_string(paths.log_file())
            .unwrap()
            .contains("step output"),
        "the log file has the probe"
    );
    assert!(
        std::fs::read_dir(paths.data_dir.join("logs")).is_ok(),
        "logs were saved"
    );
    assert_absent(&stored, &sim_secrets);
    assert_absent(&stored, &[typed]);
}

/// A runbook file with one procedure of the given steps (each a bash block).
fn runbook(dir: &Path, name: &str, procedure: &str, steps: &[&str]) -> std::path::PathBuf {
    let mut text = format!("# {name}\n\n## {procedure}\n\n**Resolution:**\n\n");
    for s in steps {
        text.push_str(&format!("```bash\n{s}\n```\n\n"));
    }
    let path = dir.join(format!("{name}.md"));
    std::fs::write(&path, text).unwrap();
    path
}

fn writable_profile(dir: &Path, runbooks: &[&Path]) -> std::path::PathBuf {
    let list: Vec<String> = runbooks
        .iter()
        .map(|p| format!("{:?}", p.display().to_string()))
        .collect();
    let path = dir.join("writable.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"writable\"\nreadonly = false\nrunbooks = [{}]\n",
            list.join(", ")
        ),
    )
    .unwrap();
    path
}

fn records(c: &Console) -> Vec<opsdeck::wizard::timeline::Record> {
    opsdeck::wizard::timeline::read(&c.timeline()).unwrap()
}

/// The running command's process group, once the executor reports it.
fn running_pgid(c: &mut Console) -> i32 {
    c.pump_until("the step to start", 30, |app| {
        app.wizard
            .run
            .as_ref()
            .and_then(|w| w.running.as_ref())
            .is_some_and(|r| r.pgid.is_some())
    });
    c.wizard().running.as_ref().unwrap().pgid.unwrap()
}

fn group_gone(pgid: i32) -> bool {
    for _ in 0..100 {
        // SAFETY: signal 0 only checks that the group exists.
        if unsafe { libc::killpg(pgid, 0) } != 0 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn the_login_name_comes_from_the_password_database() {
    let id = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let expected = String::from_utf8_lossy(&id.stdout).trim().to_string();
    assert!(!expected.is_empty());
    // $USER is the operator's to set; the record must not believe it.
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    assert_eq!(
        opsdeck::wizard::timeline::login_name(uid).as_deref(),
        Some(expected.as_str())
    );
    assert_eq!(opsdeck::wizard::timeline::Who::current().user, expected);
}

#[test]
fn readonly_survives_a_profile_switch_and_every_mutating_path_is_refused() {
    use opsdeck::app::Msg;
    use opsdeck::app::model::{Platform, SourceUpdate};
    use opsdeck::app::state::Overlay;

    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("CHANGED");
    let book = runbook(
        dir.path(),
        "mutate",
        "Mutate things",
        &[
            &format!("touch {}", marker.display()),
            "echo harmless",
            "kubectl scale deployment/langgraph --replicas=3 -n rag7",
        ],
    );
    let writable = writable_profile(dir.path(), &[&book]);
    // Started with --readonly on a read-only profile (the case the old
    // `flag && !profile.readonly` arithmetic lost).
    let local = opsdeck::config::profiles::resolve("local", Path::new("/nonexistent")).unwrap();
    assert!(local.readonly);
    let launch = Launch::new(book.to_str().unwrap(), Some("Mutate things")).unwrap();
    let mut c = Console::with_readonly(local, dir.path(), launch, true);
    c.key(KeyCode::Esc);
    for hop in [
        writable.display().to_string(),
        "local".into(),
        writable.display().to_string(),
    ] {
        c.key(KeyCode::Char(':'));
        c.type_text(&format!("profile {hop}"));
        c.key(KeyCode::Enter);
        if matches!(c.app.overlay, Some(Overlay::Confirm(_))) {
            c.key(KeyCode::Char('y'));
        }
        assert!(c.app.readonly, "read-only lost after :profile {hop}");
        assert!(c.app.readonly_session);
    }
    assert_eq!(c.app.profile.name, "writable");
    assert!(!c.app.profile.readonly);

    type Attempt = Box<dyn Fn(&mut Console) -> Result<(), String>>;
    let cases: Vec<(&str, Attempt)> = vec![
        (
            "dashboard restart",
            Box::new(|c: &mut Console| {
                c.send(Msg::Source(SourceUpdate::Workloads {
                    platform: Platform::Kubernetes,
                    rows: vec![support_pod("langgraph-7d9f8c6b5-x2x9k")],
                }));
                c.key(KeyCode::Char('2'));
                c.key(KeyCode::Char('R'));
                match &c.app.overlay {
                    Some(Overlay::Confirm(_)) => Err("a restart confirmation was offered".into()),
                    _ if c
                        .app
                        .flash
                        .as_deref()
                        .is_some_and(|f| f.contains("read-only")) =>
                    {
                        Ok(())
                    }
                    _ => Err(format!("no refusal: {:?}", c.app.flash)),
                }
            }),
        ),
        (
            "wizard step",
            Box::new(|c: &mut Console| {
                c.key(KeyCode::Enter);
                if matches!(c.wizard().mode, Mode::Confirm(_)) {
                    return Err("a confirmation was offered".into());
                }
                c.key(KeyCode::Char('y'));
                c.settle();
                refused_last(c, 0)
            }),
        ),
        (
            "edited step",
            Box::new(|c: &mut Console| {
                c.key(KeyCode::Down);
                c.key(KeyCode::Char('e'));
                for _ in 0..20 {
                    c.key(KeyCode::Backspace);
                }
                c.type_text("touch CHANGED-BY-EDIT");
                c.key(KeyCode::Enter);
                c.key(KeyCode::Enter);
                c.key(KeyCode::Char('y'));
                c.settle();
                refused_last(c, 1)
            }),
        ),
        (
            "preview",
            Box::new(|c: &mut Console| {
                c.key(KeyCode::Down);
                c.key(KeyCode::Down);
                c.key(KeyCode::Char('p'));
                c.settle();
                if c.wizard().running.is_some()
                    || c.wizard().output.iter().any(|l| l.text.contains("dry-run"))
                {
                    return Err("the preview ran".into());
                }
                match &c.wizard().message {
                    Some((_, m)) if m.contains("read-only") => Ok(()),
                    other => Err(format!("no refusal: {other:?}")),
                }
            }),
        ),
        (
            "palette :runbook",
            Box::new(|c: &mut Console| {
                c.app.wizard.run = None;
                c.app.wizard.open = false;
                c.key(KeyCode::Char(':'));
                c.type_text("runbook Mutate things");
                c.key(KeyCode::Enter);
                c.key(KeyCode::Enter);
                if c.app.wizard.run.is_none() {
                    return Err("the palette did not open the procedure".into());
                }
                if matches!(c.wizard().mode, Mode::Symptoms { .. }) {
                    c.key(KeyCode::Enter);
                }
                c.key(KeyCode::Enter);
                c.key(KeyCode::Char('y'));
                c.settle();
                refused_last(c, 0)
            }),
        ),
    ];
    for (name, case) in cases {
        if name != "dashboard restart" && name != "palette :runbook" {
            c.app.wizard.run = None;
            let launch = Launch::new(book.to_str().unwrap(), Some("Mutate things")).unwrap();
            launch.apply(&mut c.app, &c.paths).unwrap();
            if matches!(c.wizard().mode, Mode::Symptoms { .. }) {
                c.key(KeyCode::Enter);
            }
        } else if name == "dashboard restart" {
            c.app.wizard.open = false;
        }
        assert!(c.app.readonly, "{name}: not read-only");
        if let Err(e) = case(&mut c) {
            panic!("{name}: {e}");
        }
        assert!(!marker.exists(), "{name}: the change was made");
        assert!(!dir.path().join("CHANGED-BY-EDIT").exists(), "{name}");
        c.app.overlay = None;
    }
}

fn refused_last(c: &Console, item: usize) -> Result<(), String> {
    use opsdeck::wizard::timeline::Entry;
    let recs = records(c);
    if recs
        .iter()
        .any(|r| matches!(&r.entry, Entry::Confirmed { item: i, .. } | Entry::Command { item: i, .. } if *i == item))
    {
        return Err(format!("step {} ran: {recs:?}", item + 1));
    }
    if recs
        .iter()
        .any(|r| matches!(&r.entry, Entry::Refused { item: i, .. } if *i == item))
    {
        Ok(())
    } else {
        Err(format!("no refusal recorded: {recs:?}"))
    }
}

fn support_pod(name: &str) -> opsdeck::app::model::Workload {
    use opsdeck::app::model::{Owner, OwnerKind, Platform, Severity, Workload};
    Workload {
        platform: Platform::Kubernetes,
        namespace: "rag7".into(),
        name: name.into(),
        group: Some("langgraph".into()),
        owner: Some(Owner {
            kind: OwnerKind::Deployment,
            name: "langgraph".into(),
        }),
        ready: (1, 1),
        status: "Running".into(),
        severity: Severity::Ok,
        restarts: 0,
        last_restart: None,
        created: None,
        cpu: None,
        memory: None,
        node: None,
        net_io: None,
        containers: Vec::new(),
    }
}

#[test]
fn every_way_out_stops_the_running_step_and_records_it() {
    use opsdeck::app::Msg;
    use opsdeck::app::state::Overlay;
    use opsdeck::wizard::timeline::Entry;

    let dir = tempfile::tempdir().unwrap();
    let book = runbook(
        dir.path(),
        "slow",
        "Slow things",
        &["echo started; sleep 300; echo never"],
    );
    let writable = writable_profile(dir.path(), &[&book]);
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "name = \"other\"\n").unwrap();
    type Way = fn(&mut Console);
    let ways: Vec<(&str, &str, Way)> = vec![
        ("q in the wizard", "quit", |c| c.key(KeyCode::Char('q'))),
        ("q on the dashboard", "quit", |c| {
            c.key(KeyCode::Esc);
            assert!(!c.app.wizard.is_open());
            c.key(KeyCode::Char('q'));
        }),
        (":q in the palette", "quit", |c| {
            c.key(KeyCode::Esc);
            c.key(KeyCode::Char(':'));
            c.type_text("q");
            c.key(KeyCode::Enter);
        }),
        ("SIGTERM", "SIGTERM", |c| c.send(Msg::Terminate("SIGTERM"))),
        ("SIGHUP", "SIGHUP", |c| c.send(Msg::Terminate("SIGHUP"))),
        ("SIGINT", "SIGINT", |c| c.send(Msg::Terminate("SIGINT"))),
        ("terminal closed", "terminal closed", |c| {
            c.send(Msg::Terminate("terminal closed"))
        }),
        (":profile with an open incident", "profile switch", |c| {
            c.key(KeyCode::Esc);
            c.key(KeyCode::Char(':'));
            let other = c.paths.data_dir.parent().unwrap().join("other.toml");
            c.type_text(&format!("profile {}", other.display()));
            c.key(KeyCode::Enter);
            // It asks first; nothing has stopped yet.
            assert!(
                matches!(c.app.overlay, Some(Overlay::Confirm(_))),
                "no question before the switch"
            );
            assert!(c.wizard().running.is_some());
            c.key(KeyCode::Char('y'));
        }),
    ];
    for (name, why, way) in ways {
        let profile = Profile::load(&writable).unwrap();
        let launch = Launch::new(book.to_str().unwrap(), Some("Slow things")).unwrap();
        let sub = dir.path().join(name.replace([' ', ':'], "_"));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::copy(&other, sub.join("other.toml")).unwrap();
        let mut c = Console::new(profile, &sub, launch);
        if matches!(c.wizard().mode, Mode::Symptoms { .. }) {
            c.key(KeyCode::Enter);
        }
        c.key(KeyCode::Enter);
        if matches!(c.wizard().mode, Mode::Confirm(_)) {
            c.key(KeyCode::Char('y'));
        }
        let pgid = running_pgid(&mut c);
        let timeline = c.timeline();
        way(&mut c);
        assert!(group_gone(pgid), "{name}: process group {pgid} still alive");
        let recs = opsdeck::wizard::timeline::read(&timeline).unwrap();
        assert!(
            recs.iter().any(|r| matches!(&r.entry,
                Entry::Interrupted { why: w, item: Some(0), step: Some(_) } if w == why)),
            "{name}: no `interrupted` with the step: {recs:?}"
        );
        if why == "profile switch" {
            assert_eq!(c.app.profile.name, "other", "{name}");
        } else {
            assert!(c.app.quit, "{name}: still running");
        }
    }
}

/// The pid of the `opsdeck` process started by the shell `parent`.
fn child_opsdeck(parent: u32) -> Option<i32> {
    for e in std::fs::read_dir("/proc").ok()? {
        let e = e.ok()?;
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid …
        let Some((head, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let comm = head.split_once(" (").map(|x| x.1).unwrap_or("");
        let ppid: u32 = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        if ppid == parent && comm == "opsdeck" {
            return Some(pid);
        }
    }
    None
}

#[test]
fn a_confirmed_step_is_on_disk_before_it_runs_and_a_crash_leaves_it_unknown() {
    use opsdeck::wizard::timeline::Entry;
    let bin = env!("CARGO_BIN_EXE_opsdeck");
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("RAN");
    let book = runbook(
        dir.path(),
        "slow-change",
        "Slow change",
        &[&format!(
            "sleep 15; touch {}; echo ran >> {}",
            counter.display(),
            counter.display()
        )],
    );
    let profile = writable_profile(dir.path(), &[]);
    let env = format!(
        "OPSDECK_DATA_DIR={d}/data OPSDECK_CONFIG_DIR={d}/config HOME={d}",
        d = dir.path().display()
    );
    let t = tmux::Tmux::start(
        "writeahead",
        100,
        30,
        &format!(
            "{env} {bin} --profile {} run {} 'Slow change'",
            profile.display(),
            book.display()
        ),
    );
    t.wait_for("Step 1 of 1");
    t.send_keys(&["Enter"]);
    t.wait_for("Confirm change");
    t.send_keys(&["y"]);
    t.wait_for("running");
    let timelines = dir.path().join("data/timelines");
    let (id, path) = common::poll("the timeline file", 50, Duration::from_millis(100), || {
        let p = std::fs::read_dir(&timelines).ok()?.next()?.ok()?.path();
        Some((p.file_stem()?.to_string_lossy().into_owned(), p))
    });
    // opsdeck dies without a chance to write anything more.
    let pid = common::poll(
        "the opsdeck process",
        50,
        Duration::from_millis(100),
        || t.pane_pid().and_then(child_opsdeck),
    );
    // SAFETY: signalling the opsdeck process this test started.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    common::poll("opsdeck to be gone", 50, Duration::from_millis(100), || {
        // SAFETY: signal 0 only checks for existence.
        (t.pane_pid().and_then(child_opsdeck).is_none()).then_some(())
    });
    let recs = opsdeck::wizard::timeline::read(&path).unwrap();
    assert!(
        recs.iter().any(|r| matches!(&r.entry, Entry::Confirmed { item: 0, command, .. } if command.contains("sleep 15"))),
        "the confirmation is not on disk: {recs:?}"
    );
    assert!(
        !recs
            .iter()
            .any(|r| matches!(&r.entry, Entry::Command { .. })),
        "{recs:?}"
    );
    assert!(
        recs.iter()
            .all(|r| r.who.user != "uid 0" || r.who.user.is_empty())
    );
    // The command itself lives on (its own session) and ends on its own.
    common::poll(
        "the orphaned step to finish",
        300,
        Duration::from_millis(100),
        || counter.exists().then_some(()),
    );
    drop(t);

    let t = tmux::Tmux::start(
        "writeahead2",
        100,
        30,
        &format!(
            "{env} {bin} --profile {} run --resume {id}",
            profile.display()
        ),
    );
    let screen = t.wait_for("end not recorded");
    assert!(screen.contains("started at"), "{screen}");
    // Enter asks first, and says why; Esc leaves it alone.
    t.send_keys(&["Enter"]);
    t.wait_for("Needs y");
    t.send_keys(&["Escape"]);
    t.wait_for("cancelled; nothing ran");
    t.send_keys(&["q"]);
    t.wait_for("PROMPT$");
    drop(t);
    assert_eq!(
        std::fs::read_to_string(&counter).unwrap().lines().count(),
        1,
        "the step ran again"
    );
    let recs = opsdeck::wizard::timeline::read(&path).unwrap();
    assert_eq!(
        recs.iter()
            .filter(|r| matches!(r.entry, Entry::Confirmed { .. }))
            .count(),
        1,
        "{recs:?}"
    );
    let md = opsdeck_cmd(dir.path())
        .args(["timeline", "export", &id, "--format", "md"])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("end not recorded: check its effect"), "{md}");
    assert!(md.contains("Steps whose end was not recorded:** 1"), "{md}");
}

/// Selects the workload row `name` in the Workloads pane.
fn select_row(c: &mut Console, name: &str) {
    c.app.workloads.set_filter(Some(name.to_string()));
    c.app.workloads.to_top();
    assert_eq!(
        c.app.workloads.selected_row().map(|w| w.name.as_str()),
        Some(name)
    );
}

#[test]
fn restart_acts_on_the_owner_by_its_kind_on_the_sim() {
    use opsdeck::app::confirm::Tier;
    use opsdeck::app::model::OwnerKind;
    use opsdeck::app::state::Overlay;

    let sim = common::Sim::start("rag7", 5.0, None);
    let pods = common::poll("the rag7 pods", 120, Duration::from_millis(500), || {
        let out = sim.ok(&["get", "pods", "-n", "rag7", "--no-headers"]);
        let names: Vec<String> = out
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect();
        let lg: Vec<&String> = names
            .iter()
            .filter(|n| n.starts_with("langgraph"))
            .collect();
        let redis = names.iter().find(|n| n.starts_with("redis"))?;
        (lg.len() >= 2 && names.iter().any(|n| n == "postgres-0"))
            .then(|| (lg[0].clone(), lg[1].clone(), redis.clone()))
    });
    let (deployment_pod, job_pod, bare_pod) = pods;
    // A pod nothing owns, and a Job's pod, made through the API.
    sim.ok(&[
        "patch",
        "pod",
        &bare_pod,
        "-n",
        "rag7",
        "--type=json",
        "-p",
        r#"[{"op":"remove","path":"/metadata/ownerReferences"}]"#,
    ]);
    sim.ok(&[
        "patch", "pod", &job_pod, "-n", "rag7", "--type=json", "-p",
        r#"[{"op":"replace","path":"/metadata/ownerReferences","value":[{"apiVersion":"batch/v1","kind":"Job","name":"db-migrate","uid":"job-1","controller":true}]}]"#,
    ]);
    let dir = tempfile::tempdir().unwrap();
    let profile = Profile::load(Path::new(&sim.profile)).unwrap();
    let book = runbook(dir.path(), "look", "Look around", &["uname -a"]);
    let launch = Launch::new(book.to_str().unwrap(), Some("Look around")).unwrap();
    let mut c = Console::new(profile, dir.path(), launch);
    c.app.wizard.open = false;
    let want = [
        (deployment_pod.clone(), Some(OwnerKind::Deployment)),
        ("postgres-0".to_string(), Some(OwnerKind::StatefulSet)),
        (bare_pod.clone(), None),
        (job_pod.clone(), Some(OwnerKind::Job)),
    ];
    c.pump_until("rows with their owners", 60, |app| {
        want.iter().all(|(name, kind)| {
            app.workloads
                .all()
                .iter()
                .any(|w| w.name == *name && w.owner.as_ref().map(|o| o.kind.clone()) == *kind)
        })
    });
    c.key(KeyCode::Char('2'));
    let annotations = |kind: &str, name: &str| {
        sim.ok(&[
            "get",
            kind,
            name,
            "-n",
            "rag7",
            "-o",
            "jsonpath={.spec.template.metadata.annotations}",
        ])
    };
    assert!(!annotations("statefulset", "postgres").contains("restartedAt"));
    assert!(!annotations("deployment", "langgraph").contains("restartedAt"));

    // A Job's pod: a clear refusal, and nothing changes.
    select_row(&mut c, &job_pod);
    c.key(KeyCode::Char('R'));
    assert!(c.app.overlay.is_none(), "{:?}", c.app.overlay);
    let flash = c.app.flash.clone().unwrap_or_default();
    assert!(flash.contains("Job db-migrate"), "{flash}");
    assert!(
        sim.kubectl(&["get", "pod", &job_pod, "-n", "rag7"])
            .status
            .success()
    );

    // postgres-0: its StatefulSet, through the StatefulSet API.
    select_row(&mut c, "postgres-0");
    c.key(KeyCode::Char('R'));
    let Some(Overlay::Confirm(confirm)) = &c.app.overlay else {
        panic!("no confirmation: {:?}", c.app.flash);
    };
    assert!(
        confirm
            .command
            .starts_with("kubectl rollout restart statefulset/postgres -n rag7"),
        "{}",
        confirm.command
    );
    c.key(KeyCode::Char('y'));
    c.pump_until("the statefulset restart", 30, |app| {
        app.flash
            .as_deref()
            .is_some_and(|f| f.contains("rollout restart of statefulset/postgres"))
    });
    assert!(
        c.app.flash.as_deref().unwrap().contains("started"),
        "{:?}",
        c.app.flash
    );
    assert!(annotations("statefulset", "postgres").contains("restartedAt"));
    assert!(!annotations("deployment", "langgraph").contains("restartedAt"));

    // A Deployment's pod: the Deployment.
    select_row(&mut c, &deployment_pod);
    c.key(KeyCode::Char('R'));
    let Some(Overlay::Confirm(confirm)) = &c.app.overlay else {
        panic!("no confirmation: {:?}", c.app.flash);
    };
    assert!(
        confirm
            .command
            .starts_with("kubectl rollout restart deployment/langgraph -n rag7"),
        "{}",
        confirm.command
    );
    c.key(KeyCode::Char('y'));
    c.pump_until("the deployment restart", 30, |app| {
        app.flash
            .as_deref()
            .is_some_and(|f| f.contains("rollout restart of deployment/langgraph"))
    });
    assert!(annotations("deployment", "langgraph").contains("restartedAt"));

    // A pod nothing owns: deleted, on its typed name.
    select_row(&mut c, &bare_pod);
    c.key(KeyCode::Char('R'));
    let Some(Overlay::Confirm(confirm)) = &c.app.overlay else {
        panic!("no confirmation: {:?}", c.app.flash);
    };
    assert_eq!(confirm.tier, Tier::Destructive);
    assert!(
        confirm
            .command
            .starts_with(&format!("kubectl delete pod {bare_pod} -n rag7")),
        "{}",
        confirm.command
    );
    c.key(KeyCode::Char('y'));
    assert!(
        matches!(c.app.overlay, Some(Overlay::Confirm(_))),
        "y is just a letter"
    );
    for _ in 0..4 {
        c.key(KeyCode::Backspace);
    }
    c.type_text(&bare_pod);
    c.key(KeyCode::Enter);
    c.pump_until("the delete", 30, |app| {
        app.flash
            .as_deref()
            .is_some_and(|f| f.contains("deleted pod"))
    });
    common::poll("the bare pod gone", 60, Duration::from_millis(500), || {
        let out = sim.kubectl(&["get", "pod", &bare_pod, "-n", "rag7", "--no-headers"]);
        (!out.status.success()).then_some(())
    });
    assert!(
        sim.kubectl(&["get", "pod", &job_pod, "-n", "rag7"])
            .status
            .success()
    );
}

#[test]
fn a_late_describe_reply_never_replaces_a_confirmation() {
    use opsdeck::app::Msg;
    use opsdeck::app::model::{Platform, SourceUpdate};
    use opsdeck::app::state::Overlay;

    let dir = tempfile::tempdir().unwrap();
    let profile = Profile::load(&writable_profile(dir.path(), &[])).unwrap();
    let book = runbook(dir.path(), "look", "Look around", &["uname -a"]);
    let launch = Launch::new(book.to_str().unwrap(), Some("Look around")).unwrap();
    let mut c = Console::new(profile, dir.path(), launch);
    c.app.wizard.open = false;
    let pod = "langgraph-7d9f8c6b5-x2x9k";
    c.send(Msg::Source(SourceUpdate::Workloads {
        platform: Platform::Kubernetes,
        rows: vec![support_pod(pod)],
    }));
    c.key(KeyCode::Char('2'));
    let reply = || {
        Msg::Source(SourceUpdate::Detail {
            title: format!("pod/{pod} -n rag7 (sim)"),
            lines: vec!["FULL DESCRIPTION".into()],
        })
    };
    // Asked, then the operator moves on to a restart before the reply comes.
    c.key(KeyCode::Char('d'));
    assert!(matches!(c.app.overlay, Some(Overlay::Detail { .. })));
    c.key(KeyCode::Esc);
    c.key(KeyCode::Char('R'));
    assert!(matches!(c.app.overlay, Some(Overlay::Confirm(_))));
    c.send(reply());
    assert!(
        matches!(c.app.overlay, Some(Overlay::Confirm(_))),
        "the reply replaced the confirmation: {:?}",
        c.app.overlay
    );
    c.key(KeyCode::Esc);
    // A reply to its own open overlay fills it.
    c.key(KeyCode::Char('d'));
    c.send(reply());
    match &c.app.overlay {
        Some(Overlay::Detail { lines, .. }) => {
            assert_eq!(lines, &vec!["FULL DESCRIPTION".to_string()])
        }
        other => panic!("{other:?}"),
    }
    // And a second, late one does nothing to a closed dashboard.
    c.key(KeyCode::Esc);
    c.send(reply());
    assert!(c.app.overlay.is_none());
}
