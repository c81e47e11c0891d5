//! The wizard's state machine through `App::update`, exactly as the console
//! drives it: every transition, the confirmation tiers, read-only refusal,
//! edit reclassification, resume and the changed-runbook refusal; plus insta
//! snapshots of every wizard screen at 80x24 and 160x48.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

mod support;

use opsdeck::app::{App, Effect, Msg};
use opsdeck::config::Paths;
use opsdeck::launch::{self, Launch, LaunchError};
use opsdeck::model::Risk;
use opsdeck::runbook::{Rules, builtin};
use opsdeck::wizard::flow::{ConfirmFocus, Mode, RunEvent, Setup, preview_of};
use opsdeck::wizard::items::ItemState;
use opsdeck::wizard::timeline::{self, Confirmation, Entry, Target};
use opsdeck::wizard::{Request, Wizard};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const GET_PODS: usize = 0;
const LOGS_PREVIOUS: usize = 2;
const EDIT_CONFIGMAP: usize = 8;
const ROLLOUT_RESTART: usize = 9;

fn app(readonly: bool, w: u16, h: u16) -> App {
    let mut app = support::incident_app("default", w, h);
    app.readonly = readonly;
    let (catalog, problems, rules) = launch::load_catalog(&app.profile);
    assert!(problems.is_empty(), "{problems:?}");
    app.wizard.catalog = catalog;
    app.wizard.catalog_loaded = true;
    app.wizard.rules = Some(rules);
    app
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    key_mod(app, code, KeyModifiers::NONE)
}

fn key_mod(app: &mut App, code: KeyCode, m: KeyModifiers) -> Vec<Effect> {
    app.update(Msg::Key(KeyEvent::new(code, m)), support::now())
}

fn type_text(app: &mut App, s: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in s.chars() {
        fx.extend(key(app, KeyCode::Char(c)));
    }
    fx
}

fn wizard(app: &App) -> &Wizard {
    app.wizard.run.as_ref().expect("a wizard is open")
}

fn entries(fx: &[Effect]) -> Vec<Entry> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::TimelineAppend { entry, .. } => Some(entry.clone()),
            _ => None,
        })
        .collect()
}

fn runs(fx: &[Effect]) -> Vec<opsdeck::wizard::RunSpec> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::WizardRun(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// The suggestion (a crash-looping pod) opens "Pod Crash Loop" with one key.
fn opened(readonly: bool, w: u16, h: u16) -> (App, Vec<Effect>) {
    let mut app = app(readonly, w, h);
    assert!(
        app.wizard.suggestion.is_some(),
        "the fixture has a crash loop"
    );
    let fx = key(&mut app, KeyCode::Char('r'));
    assert_eq!(wizard(&app).procedure.title, "Pod Crash Loop");
    assert_eq!(wizard(&app).source, "builtin:rag7");
    (app, fx)
}

/// Past the symptoms, at the first step.
fn at_steps(readonly: bool) -> App {
    let (mut app, _) = opened(readonly, 80, 24);
    key(&mut app, KeyCode::Enter);
    app
}

/// Reports a run's output and exit as the executor would.
fn finish(app: &mut App, run: u64, lines: &[&str], code: i32) -> Vec<Effect> {
    let mut fx = app.update(
        Msg::Wizard(RunEvent::Started { run, pgid: 4242 }),
        support::now(),
    );
    for l in lines {
        fx.extend(app.update(
            Msg::Wizard(RunEvent::Output {
                run,
                line: l.to_string(),
                stderr: false,
            }),
            support::now(),
        ));
    }
    fx.extend(app.update(
        Msg::Wizard(RunEvent::Finished {
            run,
            exit_code: Some(code),
            signal: None,
            timed_out: false,
            error: None,
        }),
        support::now(),
    ));
    fx
}

fn goto(app: &mut App, item: usize) {
    if let Some(w) = app.wizard.run.as_mut() {
        w.cursor = item;
    }
}

#[test]
fn suggestion_opens_the_procedure_and_records_the_start() {
    let (app, fx) = opened(false, 80, 24);
    let e = entries(&fx);
    match &e[..] {
        [
            Entry::Start {
                procedure,
                hash,
                target,
                ..
            },
        ] => {
            assert_eq!(procedure, "Pod Crash Loop");
            assert_eq!(hash.len(), 64);
            assert_eq!(target.profile, "rag7");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(wizard(&app).mode, Mode::Symptoms { selected: 0 }));
    assert!(app.wizard.is_open());
}

#[test]
fn symptoms_are_ticked_and_recorded() {
    let (mut app, _) = opened(false, 80, 24);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' '));
    let fx = key(&mut app, KeyCode::Enter);
    match &entries(&fx)[..] {
        [Entry::Symptoms { ticked, unticked }] => {
            assert_eq!(ticked, &vec!["Pods in CrashLoopBackOff state".to_string()]);
            assert_eq!(unticked.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(wizard(&app).mode, Mode::Steps));
}

#[test]
fn read_only_step_runs_on_enter_and_advances_when_done() {
    let mut app = at_steps(false);
    let fx = key(&mut app, KeyCode::Enter);
    let r = runs(&fx);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].command, "kubectl get pods -n rag7");
    assert_eq!(r[0].timeout.as_secs(), 120);
    assert_eq!(wizard(&app).items[GET_PODS].state, ItemState::Running);
    // A second Enter while it runs starts nothing.
    assert!(runs(&key(&mut app, KeyCode::Enter)).is_empty());
    let fx = finish(&mut app, r[0].run, &["NAME READY STATUS"], 0);
    match &entries(&fx)[..] {
        [
            Entry::Command {
                command,
                confirmed,
                exit_code,
                risk,
                output,
                ..
            },
        ] => {
            assert_eq!(command, "kubectl get pods -n rag7");
            assert_eq!(*confirmed, Confirmation::Enter);
            assert_eq!(*exit_code, Some(0));
            assert_eq!(*risk, Risk::ReadOnly);
            assert_eq!(output, &vec!["NAME READY STATUS".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    let w = wizard(&app);
    assert_eq!(w.items[GET_PODS].state, ItemState::Done);
    assert_eq!(w.cursor, 1);
    assert!(w.running.is_none());
}

#[test]
fn failed_step_is_marked_and_stays_current() {
    let mut app = at_steps(false);
    let r = runs(&key(&mut app, KeyCode::Enter));
    finish(&mut app, r[0].run, &["error: connection refused"], 1);
    let w = wizard(&app);
    assert_eq!(w.items[GET_PODS].state, ItemState::Failed);
    assert_eq!(w.items[GET_PODS].exit_code, Some(1));
    assert_eq!(w.cursor, GET_PODS);
}

#[test]
fn placeholders_are_prompted_validated_completed_and_quoted() {
    let mut app = at_steps(false);
    goto(&mut app, LOGS_PREVIOUS);
    key(&mut app, KeyCode::Enter);
    let Mode::Prompt(p) = &wizard(&app).mode else {
        panic!("expected a prompt")
    };
    assert_eq!(p.name, "POD_NAME");
    // Completions come from the live state, crash-looping pods first.
    let first = p.completions.first().cloned().unwrap_or_default();
    assert!(first.starts_with("langgraph-"), "{:?}", p.completions);
    assert!(
        p.completions.iter().any(|c| c == "postgres-0"),
        "{:?}",
        p.completions
    );
    // An injection attempt is not a pod name.
    let fx = type_text(&mut app, "x; rm -rf /");
    assert!(runs(&fx).is_empty());
    key(&mut app, KeyCode::Enter);
    let Mode::Prompt(p) = &wizard(&app).mode else {
        panic!("still prompting")
    };
    assert!(
        p.error
            .as_deref()
            .unwrap_or("")
            .contains("not a valid pod name")
    );
    key_mod(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    key(&mut app, KeyCode::Tab);
    let fx = key(&mut app, KeyCode::Enter);
    let r = runs(&fx);
    assert_eq!(
        r[0].command,
        format!("kubectl logs -n rag7 '{first}' --previous")
    );
    assert!(
        entries(&fx)
            .iter()
            .any(|e| matches!(e, Entry::Value { name, .. } if name == "POD_NAME"))
    );
    // The value is remembered for the next steps.
    assert!(wizard(&app).missing(3).is_empty());
}

#[test]
fn esc_in_a_prompt_runs_nothing() {
    let mut app = at_steps(false);
    goto(&mut app, LOGS_PREVIOUS);
    key(&mut app, KeyCode::Enter);
    let fx = key(&mut app, KeyCode::Esc);
    assert!(runs(&fx).is_empty());
    assert!(matches!(wizard(&app).mode, Mode::Steps));
}

#[test]
fn mutating_step_needs_y_and_focus_starts_on_cancel() {
    let mut app = at_steps(false);
    goto(&mut app, ROLLOUT_RESTART);
    assert!(runs(&key(&mut app, KeyCode::Enter)).is_empty());
    let Mode::Confirm(c) = &wizard(&app).mode else {
        panic!("expected a confirmation")
    };
    assert_eq!(c.focus, ConfirmFocus::Cancel);
    assert_eq!(c.risk, Risk::Mutating);
    assert_eq!(c.namespace.as_deref(), Some("rag7"));
    assert_eq!(
        c.shown,
        "kubectl rollout restart deployment/langgraph -n rag7"
    );
    // Enter on Cancel cancels.
    assert!(runs(&key(&mut app, KeyCode::Enter)).is_empty());
    assert!(matches!(wizard(&app).mode, Mode::Steps));
    // Other keys do nothing; y runs.
    key(&mut app, KeyCode::Enter);
    assert!(runs(&type_text(&mut app, "xs")).is_empty());
    let r = runs(&key(&mut app, KeyCode::Char('y')));
    assert_eq!(
        r[0].command,
        "kubectl rollout restart deployment/langgraph -n rag7"
    );
    let fx = finish(
        &mut app,
        r[0].run,
        &["deployment.apps/langgraph restarted"],
        0,
    );
    assert!(matches!(
        &entries(&fx)[0],
        Entry::Command {
            confirmed: Confirmation::Yes,
            risk: Risk::Mutating,
            ..
        }
    ));
}

#[test]
fn mutating_step_runs_from_the_run_button_after_moving_focus() {
    let mut app = at_steps(false);
    goto(&mut app, ROLLOUT_RESTART);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Tab);
    let r = runs(&key(&mut app, KeyCode::Enter));
    assert_eq!(r.len(), 1);
}

#[test]
fn edit_reclassifies_and_destructive_needs_the_name_typed() {
    let mut app = at_steps(false);
    goto(&mut app, ROLLOUT_RESTART);
    key(&mut app, KeyCode::Char('e'));
    assert!(matches!(wizard(&app).mode, Mode::Edit(_)));
    let reqs = app.wizard.run.as_mut().unwrap().apply_edit(
        ROLLOUT_RESTART,
        "kubectl delete deployment langgraph -n rag7".into(),
    );
    match &reqs[..] {
        [
            Request::Record(Entry::Edit {
                from,
                to,
                risk_from,
                risk_to,
                ..
            }),
        ] => {
            assert_eq!(from, "kubectl rollout restart deployment/langgraph -n rag7");
            assert_eq!(to, "kubectl delete deployment langgraph -n rag7");
            assert_eq!(*risk_from, Risk::Mutating);
            assert_eq!(*risk_to, Risk::Destructive);
        }
        other => panic!("{other:?}"),
    }
    app.wizard.run.as_mut().unwrap().mode = Mode::Steps;
    key(&mut app, KeyCode::Enter);
    let Mode::Confirm(c) = &wizard(&app).mode else {
        panic!("expected a confirmation")
    };
    assert_eq!(c.risk, Risk::Destructive);
    assert_eq!(c.expected, "langgraph");
    // y is just a letter here, and the wrong name runs nothing.
    assert!(runs(&key(&mut app, KeyCode::Char('y'))).is_empty());
    assert!(runs(&key(&mut app, KeyCode::Enter)).is_empty());
    let Mode::Confirm(c) = &wizard(&app).mode else {
        panic!("still confirming")
    };
    assert!(
        c.error
            .as_deref()
            .unwrap_or("")
            .contains("type `langgraph`")
    );
    key(&mut app, KeyCode::Backspace);
    type_text(&mut app, "langgraph");
    let r = runs(&key(&mut app, KeyCode::Enter));
    assert_eq!(r[0].command, "kubectl delete deployment langgraph -n rag7");
    let fx = finish(&mut app, r[0].run, &[], 0);
    assert!(
        matches!(&entries(&fx)[0], Entry::Command { confirmed: Confirmation::Typed(w), risk: Risk::Destructive, .. } if w == "langgraph")
    );
}

#[test]
fn edit_through_the_editor_keys() {
    let mut app = at_steps(false);
    goto(&mut app, GET_PODS);
    key(&mut app, KeyCode::Char('e'));
    type_text(&mut app, " -o wide");
    let fx = key(&mut app, KeyCode::Enter);
    match &entries(&fx)[..] {
        [Entry::Edit { to, risk_to, .. }] => {
            assert_eq!(to, "kubectl get pods -n rag7 -o wide");
            assert_eq!(*risk_to, Risk::ReadOnly);
        }
        other => panic!("{other:?}"),
    }
    let r = runs(&key(&mut app, KeyCode::Enter));
    assert_eq!(r[0].command, "kubectl get pods -n rag7 -o wide");
    // Esc discards an edit.
    goto(&mut app, 4);
    app.wizard.run.as_mut().unwrap().running = None;
    key(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "; reboot");
    assert!(entries(&key(&mut app, KeyCode::Esc)).is_empty());
    assert!(wizard(&app).items[4].edited.is_none());
}

#[test]
fn read_only_mode_refuses_and_nothing_bypasses_it() {
    let mut app = at_steps(true);
    goto(&mut app, ROLLOUT_RESTART);
    let fx = key(&mut app, KeyCode::Enter);
    assert!(runs(&fx).is_empty());
    assert!(matches!(
        &entries(&fx)[..],
        [Entry::Refused {
            risk: Risk::Mutating,
            ..
        }]
    ));
    assert!(matches!(wizard(&app).mode, Mode::Steps));
    let msg = &wizard(&app).message.as_ref().unwrap().1;
    assert!(msg.contains("read-only mode"), "{msg}");
    // y does nothing outside a confirmation.
    assert!(runs(&key(&mut app, KeyCode::Char('y'))).is_empty());
    // Nor does a dry-run preview get through.
    assert!(runs(&key(&mut app, KeyCode::Char('p'))).is_empty());
    // Editing a read-only step into a mutation is refused too.
    goto(&mut app, GET_PODS);
    let w = app.wizard.run.as_mut().unwrap();
    w.apply_edit(
        GET_PODS,
        "kubectl scale deployment langgraph --replicas=0 -n rag7".into(),
    );
    assert_eq!(w.items[GET_PODS].command().unwrap().risk, Risk::Mutating);
    assert!(runs(&key(&mut app, KeyCode::Enter)).is_empty());
    // So is a mutation hidden in a chain.
    let w = app.wizard.run.as_mut().unwrap();
    w.apply_edit(
        GET_PODS,
        "kubectl get pods -n rag7 && kubectl delete pod x -n rag7".into(),
    );
    assert!(runs(&key(&mut app, KeyCode::Enter)).is_empty());
    // Auto-run never runs a mutation either.
    key(&mut app, KeyCode::Char('a'));
    assert!(wizard(&app).auto_run);
    // Edited back to read-only, it runs.
    let w = app.wizard.run.as_mut().unwrap();
    w.apply_edit(GET_PODS, "kubectl get pods -n rag7".into());
    assert_eq!(runs(&key(&mut app, KeyCode::Enter)).len(), 1);
}

#[test]
fn skip_needs_a_reason_and_notes_are_recorded() {
    let mut app = at_steps(false);
    goto(&mut app, EDIT_CONFIGMAP);
    key(&mut app, KeyCode::Char('s'));
    assert!(entries(&key(&mut app, KeyCode::Enter)).is_empty());
    type_text(&mut app, "config fixed via GitOps");
    let fx = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(&entries(&fx)[..], [Entry::Skip { item: EDIT_CONFIGMAP, reason, .. }] if reason == "config fixed via GitOps")
    );
    assert_eq!(wizard(&app).items[EDIT_CONFIGMAP].state, ItemState::Skipped);
    assert_eq!(wizard(&app).cursor, ROLLOUT_RESTART);
    key(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "paged at 03:12");
    let fx = key(&mut app, KeyCode::Enter);
    assert!(matches!(&entries(&fx)[..], [Entry::Note { text }] if text == "paged at 03:12"));
}

#[test]
fn ctrl_c_kills_the_process_group_not_opsdeck() {
    let mut app = at_steps(false);
    let r = runs(&key(&mut app, KeyCode::Enter));
    app.update(
        Msg::Wizard(RunEvent::Started {
            run: r[0].run,
            pgid: 777,
        }),
        support::now(),
    );
    let fx = key_mod(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(fx, vec![Effect::WizardKill { pgid: 777 }]);
    assert!(!app.quit);
    let fx = app.update(
        Msg::Wizard(RunEvent::Finished {
            run: r[0].run,
            exit_code: None,
            signal: Some(15),
            timed_out: false,
            error: None,
        }),
        support::now(),
    );
    assert!(
        matches!(&entries(&fx)[0], Entry::Command { outcome, .. } if outcome.contains("stopped"))
    );
    assert_eq!(wizard(&app).items[GET_PODS].state, ItemState::Failed);
}

#[test]
fn missing_tool_is_reported_with_a_hint() {
    let mut app = at_steps(false);
    let r = runs(&key(&mut app, KeyCode::Enter));
    let fx = finish(&mut app, r[0].run, &["sh: 1: kubectl: not found"], 127);
    assert!(
        matches!(&entries(&fx)[0], Entry::Command { outcome, .. } if outcome == "command not found: kubectl")
    );
    let msg = &wizard(&app).message.as_ref().unwrap().1;
    assert!(msg.contains("apt-get install kubernetes-client"), "{msg}");
}

#[test]
fn timeout_and_variants_and_auto_run() {
    let mut app = at_steps(false);
    key(&mut app, KeyCode::Char('t'));
    type_text(&mut app, "5");
    key(&mut app, KeyCode::Enter);
    assert_eq!(wizard(&app).items[GET_PODS].timeout.as_secs(), 5);
    key(&mut app, KeyCode::Char('v'));
    assert!(
        wizard(&app)
            .message
            .as_ref()
            .unwrap()
            .1
            .contains("no other platform variant")
    );
    key(&mut app, KeyCode::Char('a'));
    let r = runs(&key(&mut app, KeyCode::Enter));
    assert_eq!(r[0].timeout.as_secs(), 5);
    // Item 1 needs POD_NAME: auto-run stops there instead of guessing.
    let fx = finish(&mut app, r[0].run, &[], 0);
    assert!(runs(&fx).is_empty());
    app.wizard
        .run
        .as_mut()
        .unwrap()
        .values
        .insert("POD_NAME".into(), "p-1".into());
    goto(&mut app, 1);
    let r = runs(&key(&mut app, KeyCode::Enter));
    let fx = finish(&mut app, r[0].run, &[], 0);
    let next = runs(&fx);
    assert_eq!(next[0].command, "kubectl logs -n rag7 'p-1' --previous");
    let fx = finish(&mut app, next[0].run, &[], 0);
    assert!(matches!(
        &entries(&fx)[0],
        Entry::Command {
            confirmed: Confirmation::Auto,
            ..
        }
    ));
}

#[test]
fn variants_switch_between_platforms() {
    let rules = Rules::builtin();
    let rb = builtin::get("deepseek-rag")
        .unwrap()
        .import(&rules)
        .unwrap();
    let (pi, idx) = rb
        .procedures
        .iter()
        .enumerate()
        .find_map(|(pi, p)| {
            let (_, items) =
                opsdeck::wizard::items::flatten(p, Some(opsdeck::model::Platform::Docker));
            items
                .iter()
                .position(|i| i.choices.len() > 1)
                .map(|i| (pi, i))
        })
        .expect("a procedure with platform variants");
    let setup = Setup {
        incident: "v".into(),
        target: Target::default(),
        platform: Some(opsdeck::model::Platform::Docker),
        rules,
        first_run: 1,
        env_vars: Default::default(),
        now: jiff::Timestamp::UNIX_EPOCH,
    };
    let (mut w, _) = Wizard::new(&rb, pi, setup).unwrap();
    w.mode = Mode::Steps;
    w.cursor = idx;
    let first = w.items[idx].command().unwrap().platform;
    assert_eq!(first, Some(opsdeck::model::Platform::Docker));
    let km = opsdeck::input::Keymap::load("default", std::path::Path::new("/nonexistent"));
    let k = KeyEvent::new(KeyCode::Char('v'), KeyModifiers::NONE);
    w.on_key(
        k,
        km.action(opsdeck::model::Section::Wizard, &k),
        &Default::default(),
        jiff::Timestamp::UNIX_EPOCH,
    );
    assert_ne!(w.items[idx].command().unwrap().platform, first);
}

#[test]
fn leaving_and_quitting() {
    let mut app = at_steps(false);
    key(&mut app, KeyCode::Esc);
    assert!(!app.wizard.is_open());
    // r reopens the wizard where it was.
    key(&mut app, KeyCode::Char('r'));
    assert!(app.wizard.is_open());
    let r = runs(&key(&mut app, KeyCode::Enter));
    app.update(
        Msg::Wizard(RunEvent::Started {
            run: r[0].run,
            pgid: 99,
        }),
        support::now(),
    );
    let fx = key(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
    assert!(fx.contains(&Effect::WizardKill { pgid: 99 }));
    assert!(
        entries(&fx)
            .iter()
            .any(|e| matches!(e, Entry::Interrupted { why, .. } if why == "quit"))
    );
}

#[test]
fn hangup_records_an_interruption() {
    let mut app = at_steps(false);
    let fx = app.update(Msg::Terminate("SIGHUP"), support::now());
    assert!(
        entries(&fx)
            .iter()
            .any(|e| matches!(e, Entry::Interrupted { why, .. } if why == "SIGHUP"))
    );
}

#[test]
fn picker_filters_by_title_symptom_and_alert() {
    let mut app = app(false, 80, 24);
    app.wizard.suggestion = None;
    app.update(
        Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)),
        support::now(),
    );
    type_text(&mut app, "runbook PodRestarting");
    key(&mut app, KeyCode::Enter);
    let p = app.wizard.picker.as_ref().expect("picker open");
    let first = p.chosen().unwrap();
    let title = &app.wizard.catalog[first.runbook].procedures[first.procedure].title;
    assert_eq!(title, "Pod Crash Loop");
    key(&mut app, KeyCode::Backspace);
    for _ in 0.."PodRestarting".len() {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "oom");
    let p = app.wizard.picker.as_ref().unwrap();
    assert!(!p.matches.is_empty());
    key(&mut app, KeyCode::Enter);
    assert!(app.wizard.run.is_some());
}

#[test]
fn preview_runs_a_server_dry_run_without_confirmation() {
    let mut app = at_steps(false);
    goto(&mut app, ROLLOUT_RESTART);
    let fx = key(&mut app, KeyCode::Char('p'));
    let r = runs(&fx);
    assert_eq!(
        r[0].command,
        "kubectl rollout restart deployment/langgraph -n rag7 --dry-run=server"
    );
    let fx = finish(
        &mut app,
        r[0].run,
        &["deployment.apps/langgraph restarted (server dry run)"],
        0,
    );
    assert!(matches!(
        &entries(&fx)[0],
        Entry::Command {
            confirmed: Confirmation::Preview,
            ..
        }
    ));
    // A preview does not complete the step.
    assert_eq!(
        wizard(&app).items[ROLLOUT_RESTART].state,
        ItemState::Pending
    );
    assert_eq!(wizard(&app).cursor, ROLLOUT_RESTART);
}

#[test]
fn preview_only_for_a_single_kubectl_mutation() {
    assert_eq!(
        preview_of("kubectl scale deployment web --replicas=3 -n a").as_deref(),
        Some("kubectl scale deployment web --replicas=3 -n a --dry-run=server")
    );
    assert_eq!(
        preview_of("kubectl scale deployment web --replicas=3; rm -rf /"),
        None
    );
    assert_eq!(preview_of("kubectl delete pod $(cat x)"), None);
    assert_eq!(preview_of("kubectl get pods"), None);
    assert_eq!(preview_of("docker rm web"), None);
}

#[test]
fn resume_replays_the_timeline_and_refuses_a_changed_runbook() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths {
        config_dir: dir.path().join("config"),
        data_dir: dir.path().join("data"),
    };
    let book = dir.path().join("book.md");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seeds/002_b08d7360d942b084.txt"
    ))
    .unwrap();
    std::fs::write(&book, &text).unwrap();
    let launch = Launch::new(book.to_str().unwrap(), Some("Pod Crash Loop")).unwrap();
    let mut app = app(false, 80, 24);
    let first = launch.apply(&mut app);
    let id = wizard(&app).incident.clone();
    // Drive two steps, writing the timeline as the runtime does.
    let who = app.who.clone();
    let write = |fx: Vec<Effect>| {
        for e in entries(&fx) {
            timeline::append(
                &timeline::path_for(&paths.timelines_dir(), &id),
                &opsdeck::executor::stamp(e, &who),
            )
            .unwrap();
        }
    };
    write(first);
    write(key(&mut app, KeyCode::Enter));
    let r = runs(&key(&mut app, KeyCode::Enter));
    write(finish(&mut app, r[0].run, &["ok"], 0));
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "langgraph-abc");
    let fx = key(&mut app, KeyCode::Enter);
    let r = runs(&fx);
    write(fx);
    write(finish(&mut app, r[0].run, &["log"], 0));
    write(app.update(Msg::Terminate("SIGHUP"), support::now()));

    let file = timeline::path_for(&paths.timelines_dir(), &id);
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);

    let resumed = Launch::resume(&id, &paths).unwrap();
    let mut app2 = self::app(false, 80, 24);
    write(resumed.apply(&mut app2));
    let w = wizard(&app2);
    assert_eq!(w.incident, id);
    assert_eq!(w.cursor, 2);
    assert_eq!(w.items[0].state, ItemState::Done);
    assert_eq!(w.items[1].state, ItemState::Done);
    assert_eq!(
        w.values.get("POD_NAME").map(String::as_str),
        Some("langgraph-abc")
    );
    assert!(matches!(w.mode, Mode::Steps));
    let records = timeline::read(&file).unwrap();
    assert!(matches!(
        records.last().unwrap().entry,
        Entry::Resumed { at_item: 2 }
    ));

    // The runbook changes: resuming is refused, with the reason and the way out.
    std::fs::write(
        &book,
        text.replace(
            "kubectl get pods -n rag7",
            "kubectl get pods -n rag7 -o wide",
        ),
    )
    .unwrap();
    let err = Launch::resume(&id, &paths).unwrap_err();
    assert!(matches!(err, LaunchError::Changed { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("has changed since it started"), "{msg}");
    assert!(msg.contains("opsdeck run"), "{msg}");
}

// ---- screens ----

fn render(app: &App) -> String {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| opsdeck::ui::draw(f, app)).unwrap();
    let buf = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

type Reach = fn(&mut App);

fn screens() -> Vec<(&'static str, bool, Reach)> {
    vec![
        ("picker", false, |a| {
            a.wizard.suggestion = a.wizard.suggestion.clone();
            a.update(
                Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)),
                support::now(),
            );
            type_text(a, "runbook crash");
            key(a, KeyCode::Enter);
        }),
        ("symptoms", false, |a| {
            key(a, KeyCode::Char('r'));
            key(a, KeyCode::Down);
            key(a, KeyCode::Char(' '));
        }),
        ("steps", false, |a| {
            key(a, KeyCode::Char('r'));
            key(a, KeyCode::Enter);
        }),
        ("running", false, |a| {
            key(a, KeyCode::Char('r'));
            key(a, KeyCode::Enter);
            let r = runs(&key(a, KeyCode::Enter));
            a.update(
                Msg::Wizard(RunEvent::Started {
                    run: r[0].run,
                    pgid: 10,
                }),
                support::now(),
            );
            for l in [
                "NAME                        READY   STATUS             RESTARTS   AGE",
                "langgraph-7d9f8c6b5-x2x9k   0/1     CrashLoopBackOff   7          3h",
                "postgres-0                  1/1     Running            0          3h",
            ] {
                a.update(
                    Msg::Wizard(RunEvent::Output {
                        run: r[0].run,
                        line: l.into(),
                        stderr: false,
                    }),
                    support::now(),
                );
            }
        }),
        ("done_step", false, |a| {
            key(a, KeyCode::Char('r'));
            key(a, KeyCode::Enter);
            let r = runs(&key(a, KeyCode::Enter));
            finish(
                a,
                r[0].run,
                &["langgraph-7d9f8c6b5-x2x9k   0/1     CrashLoopBackOff   7   3h"],
                0,
            );
        }),
        ("prompt", false, |a| {
            key(a, KeyCode::Char('r'));
            key(a, KeyCode::Enter);
            goto(a, LOGS_PREVIOUS);
            key(a, KeyCode::Enter);
        }),
        ("confirm_mutating", false, |a| {
            key(a, KeyCode::Char('r'));
            key(a, KeyCode::Enter);
            goto(a, ROLLOUT_RESTART);
            key(a, KeyCode::Enter);
        }),
        ("confirm_destructive", false, |a| {
            key(a, KeyCode::Char('r'));
            key(a, KeyCode::Enter);
            goto(a, ROLLOUT_RESTART);
            let w = a.wizard.run.as_mut().unwrap();
            w.apply_edit(
                ROLLOUT_RESTART,
                "kubectl delete deployment langgraph -n rag7".into(),
            );
            key(a, KeyCode::Enter);
            type_text(a, "lang");
        }),
        ("edit", false, |a| {
            key(a, KeyCode::Char('r'));
            key(a, KeyCode::Enter);
            key(a, KeyCode::Char('e'));
        }),
        ("skip_reason", false, |a| {
            key(a, KeyCode::Char('r'));
            key(a, KeyCode::Enter);
            key(a, KeyCode::Char('s'));
            type_text(a, "done by hand");
        }),
        ("help", false, |a| {
            key(a, KeyCode::Char('r'));
            key(a, KeyCode::Enter);
            key(a, KeyCode::Char('?'));
        }),
        ("readonly_refused", true, |a| {
            key(a, KeyCode::Char('r'));
            key(a, KeyCode::Enter);
            goto(a, ROLLOUT_RESTART);
            key(a, KeyCode::Enter);
        }),
    ]
}

#[test]
fn wizard_screens() {
    for (w, h) in [(80, 24), (160, 48)] {
        for (name, readonly, reach) in screens() {
            let mut app = app(readonly, w, h);
            reach(&mut app);
            let screen = render(&app);
            insta::assert_snapshot!(format!("wizard_{name}_{w}x{h}"), screen);
        }
    }
}

#[test]
fn secret_values_never_reach_the_screen() {
    let mut app = at_steps(false);
    let w = app.wizard.run.as_mut().unwrap();
    w.apply_edit(GET_PODS, "redis-cli -a REDIS_PASSWORD ping".into());
    key(&mut app, KeyCode::Enter);
    let Mode::Prompt(p) = &wizard(&app).mode else {
        panic!("prompt for the password")
    };
    assert!(p.hidden());
    type_text(&mut app, "hunter2-s3cret");
    let on_screen = render(&app);
    assert!(!on_screen.contains("hunter2"), "{on_screen}");
    let fx = key(&mut app, KeyCode::Enter);
    let r = runs(&fx);
    assert_eq!(r[0].command, "redis-cli -a 'hunter2-s3cret' ping");
    assert!(!format!("{:?}", r[0]).contains("hunter2"));
    let fx2 = finish(&mut app, r[0].run, &["auth ok for hunter2-s3cret"], 0);
    let on_screen = render(&app);
    assert!(!on_screen.contains("hunter2"), "{on_screen}");
    for e in entries(&fx).into_iter().chain(entries(&fx2)) {
        let json = serde_json::to_string(&e).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
    }
}

#[test]
fn steps_that_need_a_terminal_say_so() {
    use opsdeck::wizard::flow::needs_terminal;
    let edit = needs_terminal("kubectl edit configmap c -n a").unwrap();
    assert!(edit.contains("handed over"), "{edit}");
    assert!(
        !edit.contains("sed -i"),
        "no more EDITOR='sed -i …' advice: {edit}"
    );
    // An editor given on the line still runs on the terminal it is handed.
    assert!(needs_terminal("EDITOR='sed -i s/a/b/' kubectl edit configmap c").is_some());
    assert!(needs_terminal("kubectl exec -it pod -- sh").is_some());
    assert!(needs_terminal("docker exec -it web bash").is_some());
    assert!(needs_terminal("kubectl get pods").is_none());
}

#[test]
fn the_dashboard_announces_the_suggestion_once() {
    use opsdeck::model::{Platform, Severity, SourceUpdate};
    let mut app = support::app_with_theme("rag7", "default");
    let rows = vec![support::pod(
        "langgraph-1",
        "langgraph",
        "CrashLoopBackOff",
        Severity::Crit,
        4,
    )];
    app.update(
        Msg::Source(SourceUpdate::Workloads {
            platform: Platform::Kubernetes,
            rows: rows.clone(),
        }),
        support::now(),
    );
    let flash = app.flash.clone().unwrap_or_default();
    assert_eq!(
        flash,
        "langgraph-1 is in CrashLoopBackOff → press r for the “Pod Crash Loop” runbook"
    );
    app.flash = None;
    app.update(
        Msg::Source(SourceUpdate::Workloads {
            platform: Platform::Kubernetes,
            rows,
        }),
        support::now(),
    );
    assert_eq!(app.flash, None, "announced once, not on every update");
    let mut oom = support::pod("langgraph-2", "langgraph", "OOMKilled", Severity::Crit, 1);
    oom.status = "OOMKilled".into();
    app.update(
        Msg::Source(SourceUpdate::Workloads {
            platform: Platform::Kubernetes,
            rows: vec![oom],
        }),
        support::now(),
    );
    assert_eq!(
        app.wizard.suggestion.as_ref().map(|s| s.label.as_str()),
        Some("Out of Memory")
    );
}

#[test]
fn starting_another_procedure_leaves_the_first_resumable() {
    let mut app = at_steps(false);
    let first = wizard(&app).incident.clone();
    key(&mut app, KeyCode::Esc);
    app.update(
        Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)),
        support::now(),
    );
    type_text(&mut app, "runbook oom");
    key(&mut app, KeyCode::Enter);
    let fx = key(&mut app, KeyCode::Enter);
    let old: Vec<&Effect> = fx
        .iter()
        .filter(|e| matches!(e, Effect::TimelineAppend { incident, entry: Entry::Interrupted { .. } } if *incident == first))
        .collect();
    assert_eq!(old.len(), 1, "{fx:?}");
    assert_ne!(wizard(&app).incident, first);
}

#[test]
fn risk_badges_carry_their_colour() {
    let app = at_steps(false);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| opsdeck::ui::draw(f, &app)).unwrap();
    let buf = terminal.backend().buffer().clone();
    let find = |needle: &str| {
        (0..buf.area.height)
            .find_map(|y| {
                let row: String = (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect();
                row.find(needle)
                    .map(|i| (row[..i].chars().count() as u16, y))
            })
            .unwrap_or_else(|| panic!("{needle} not on screen"))
    };
    // "·  9 M Update configuration": the badge is 6 cells after the mark.
    let (x, y) = find("9 M Update");
    assert_eq!(buf[(x + 2, y)].fg, app.theme.warn.fg.unwrap());
    let (x, y) = find("5 R Check");
    assert_eq!(buf[(x + 2, y)].fg, app.theme.ok.fg.unwrap());
}

/// Run numbers, start and end times come from the state and the messages, not
/// from a clock or a process-wide counter: the same keys give the same records.
#[test]
fn runs_are_numbered_and_stamped_from_the_messages() {
    let t0 = support::now();
    let t1 = t0 + jiff::SignedDuration::from_secs(5);
    let t2 = t0 + jiff::SignedDuration::from_secs(65);
    let mut app = at_steps(false);
    let fx = app.update(
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        t1,
    );
    let r = runs(&fx);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].run, 1, "the first run of the session is number 1");
    assert_eq!(wizard(&app).running.as_ref().unwrap().started, t1);
    let fx = app.update(
        Msg::Wizard(RunEvent::Finished {
            run: r[0].run,
            exit_code: Some(0),
            signal: None,
            timed_out: false,
            error: None,
        }),
        t2,
    );
    match &entries(&fx)[..] {
        [Entry::Command { started, ended, .. }] => {
            assert_eq!((*started, *ended), (t1, t2));
        }
        other => panic!("{other:?}"),
    }
    // A procedure started over the open one continues its run numbers, so a
    // late report of the old one's command is never taken for the new one's.
    let next = wizard(&app).next_run;
    assert_eq!(next, 2);
    let (ri, pi) = (0..app.wizard.catalog.len())
        .find_map(|ri| (!app.wizard.catalog[ri].procedures.is_empty()).then_some((ri, 0)))
        .unwrap();
    opsdeck::app::wizard::start(&mut app, ri, pi);
    assert_eq!(wizard(&app).next_run, next);
}

/// `$VAR`s the environment set at start are the shell's to expand; the set is
/// the one read at start, not the process's environment at drawing time.
#[test]
fn env_vars_come_from_the_environment_read_at_start() {
    let mut app = at_steps(false);
    let w = app.wizard.run.as_mut().unwrap();
    w.apply_edit(GET_PODS, "echo $OPSDECK_FLOW_VAR".into());
    let names =
        |w: &Wizard| -> Vec<String> { w.missing(GET_PODS).into_iter().map(|p| p.name).collect() };
    assert_eq!(names(w), vec!["OPSDECK_FLOW_VAR".to_string()]);
    w.env_vars.insert("OPSDECK_FLOW_VAR".into());
    assert!(names(w).is_empty(), "set at start: no prompt");
}
