//! Effects come back as messages: the runtime reads the state, carries out an
//! effect and returns (or later sends) what it found; only `App::update`
//! folds that into the state. Driven through the real runtime, files and all.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use opsdeck::app::{App, Effect, Msg};
use opsdeck::config::{Paths, Profile};
use opsdeck::model::LogLine;
use opsdeck::runtime::{Sources, run_effects};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

/// The console's loop without a terminal, on a profile with no sources.
struct Loop {
    app: App,
    paths: Paths,
    sources: Sources,
    tx: mpsc::Sender<Msg>,
    rx: mpsc::Receiver<Msg>,
    rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl Loop {
    fn new(readonly: bool) -> Loop {
        let dir = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let _g = rt.enter();
        let paths = Paths {
            config_dir: dir.path().join("config"),
            data_dir: dir.path().join("data"),
        };
        let profile = Profile {
            name: "empty".into(),
            ..Profile::default()
        };
        let (theme, _) = opsdeck::theme::load_theme("default", Path::new("/nonexistent"));
        let keymap = opsdeck::input::Keymap::load("default", Path::new("/nonexistent"));
        let app = App::new(profile, theme, keymap, readonly);
        let (tx, rx) = mpsc::channel(64);
        let sources = Sources::start(&app.profile, &app.kube, tx.clone());
        Loop {
            app,
            paths,
            sources,
            tx,
            rx,
            rt,
            _dir: dir,
        }
    }

    fn run(&mut self, effects: Vec<Effect>) {
        let _g = self.rt.enter();
        run_effects(
            effects,
            &mut self.app,
            &mut self.sources,
            &self.paths,
            &self.tx,
        );
    }

    fn send(&mut self, msg: Msg) {
        let fx = self.app.update(msg, support::now());
        self.run(fx);
    }

    /// Waits (bounded: 60 s) for the next message from a background effect and folds it in.
    fn next_message(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            assert!(Instant::now() < deadline, "no message came back");
            let msg = self.rt.block_on(async {
                tokio::time::timeout(Duration::from_secs(5), self.rx.recv()).await
            });
            if let Ok(Some(m)) = msg {
                let name = format!("{m:?}")
                    .split(['(', ' ', '{'])
                    .next()
                    .unwrap_or("")
                    .to_string();
                self.send(m);
                return name;
            }
        }
    }
}

#[test]
fn saved_logs_are_written_in_the_background_and_reported_by_update() {
    let mut l = Loop::new(false);
    let line = |text: &str| LogLine {
        prefix: None,
        timestamp: None,
        text: text.into(),
        stderr: false,
    };
    l.run(vec![Effect::SaveLogs {
        name: "pod_api".into(),
        lines: vec![line("started"), line("panic: boom")],
    }]);
    assert_eq!(l.next_message(), "LogsSaved");
    let flash = l.app.flash.clone().unwrap_or_default();
    assert!(flash.starts_with("saved 2 lines to "), "{flash}");
    let path = flash.trim_start_matches("saved 2 lines to ");
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        "started\npanic: boom\n"
    );
}

#[test]
fn a_theme_comes_back_as_a_message_and_update_applies_it() {
    let mut l = Loop::new(false);
    l.run(vec![Effect::SwitchTheme("mono".into())]);
    assert_eq!(l.app.theme.name, "mono");
    assert_eq!(l.app.flash.as_deref(), Some("theme: mono"));

    l.run(vec![Effect::SwitchTheme("no-such-theme".into())]);
    assert_eq!(l.app.theme.name, "mono", "a failed load keeps the theme");
    let flash = l.app.flash.clone().unwrap_or_default();
    assert!(flash.starts_with("theme not changed: "), "{flash}");
}

#[test]
fn a_new_profile_keeps_the_readonly_flag_and_restarts_the_sources() {
    let mut l = Loop::new(true);
    l.send(Msg::Resize(100, 30));
    l.run(vec![Effect::SwitchProfile("local".into())]);
    assert_eq!(l.app.profile.name, "local");
    assert!(l.app.readonly, "--readonly holds for the whole session");
    assert_eq!(l.app.size, (100, 30));
    assert_eq!(
        l.app.flash.as_deref(),
        Some("profile: local (read-only: --readonly holds for the session)")
    );

    l.run(vec![Effect::SwitchProfile("no-such-profile".into())]);
    assert_eq!(l.app.profile.name, "local");
    let flash = l.app.flash.clone().unwrap_or_default();
    assert!(flash.starts_with("profile not changed: "), "{flash}");
}

#[test]
fn the_catalog_loads_off_the_ui_thread_then_the_picker_opens() {
    let mut l = Loop::new(false);
    l.send(Msg::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::NONE,
    )));
    assert!(
        !l.app.wizard.catalog_loaded,
        "loading waits for its message"
    );
    assert_eq!(l.next_message(), "CatalogLoaded");
    assert!(l.app.wizard.catalog_loaded);
    assert!(!l.app.wizard.catalog.is_empty());
    assert!(l.app.wizard.is_open(), "the picker is on screen");
}
