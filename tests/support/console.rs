//! The console's loop without a terminal, for tests that drive the wizard
//! and the dashboard against real parts.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

use std::path::Path;
use std::time::{Duration, Instant};

use opsdeck::app::{App, Effect, Msg};
use opsdeck::config::{Paths, Profile};
use opsdeck::input::Keymap;
use opsdeck::launch::Launch;
use opsdeck::runtime::Sources;
use opsdeck::wizard::timeline;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

/// The arrival time of a message: the wall clock, as in the console.
fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// The console's loop without a terminal: keys in, effects carried out by the
/// real runtime (executor, timeline), executor messages back in.
pub struct Console {
    pub app: App,
    pub paths: Paths,
    pub sources: Sources,
    pub tx: mpsc::Sender<Msg>,
    pub rx: mpsc::Receiver<Msg>,
    pub rt: tokio::runtime::Runtime,
}

impl Console {
    pub fn new(profile: Profile, data: &Path, launch: Launch) -> Console {
        Console::with_readonly(profile, data, launch, false)
    }

    /// As started with `--readonly` when `readonly` is set.
    pub fn with_readonly(profile: Profile, data: &Path, launch: Launch, readonly: bool) -> Console {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let _g = rt.enter();
        let paths = Paths {
            config_dir: data.join("config"),
            data_dir: data.join("data"),
        };
        let (theme, _) = opsdeck::theme::load_theme("default", Path::new("/nonexistent"));
        let keymap = Keymap::load("default", Path::new("/nonexistent"));
        let mut app = App::new(profile, theme, keymap, readonly);
        app.size = (80, 24);
        let first = launch.apply(&mut app);
        let (tx, rx) = mpsc::channel(1024);
        let mut sources = Sources::start(&app.profile, &app.kube, tx.clone());
        opsdeck::runtime::run_effects(first, &mut app, &mut sources, &paths, &tx);
        Console {
            app,
            paths,
            sources,
            tx,
            rx,
            rt,
        }
    }

    pub fn apply(&mut self, effects: Vec<Effect>) {
        let _g = self.rt.enter();
        opsdeck::runtime::run_effects(
            effects,
            &mut self.app,
            &mut self.sources,
            &self.paths,
            &self.tx,
        );
        // A step that needs a terminal: handed over as the console loop does
        // (here without a terminal to leave), its events fed back.
        while let Some(h) = self.sources.handover.take() {
            let ended = self.rt.block_on(async {
                let mut hangup =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).unwrap();
                opsdeck::handover::run(h, &mut hangup).await
            });
            let events = match ended {
                opsdeck::handover::Ended::Done(ev) | opsdeck::handover::Ended::HungUp(ev) => ev,
            };
            let mut fx = Vec::new();
            for ev in events {
                fx.extend(self.app.update(Msg::Wizard(ev), now()));
            }
            opsdeck::runtime::run_effects(
                fx,
                &mut self.app,
                &mut self.sources,
                &self.paths,
                &self.tx,
            );
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        let fx = self
            .app
            .update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now());
        self.apply(fx);
    }

    pub fn type_text(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Feeds messages until `done` holds (bounded: `secs` seconds).
    pub fn pump_until(&mut self, what: &str, secs: u64, done: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !done(&self.app) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            let msg = self.rt.block_on(async {
                tokio::time::timeout(Duration::from_millis(500), self.rx.recv()).await
            });
            if let Ok(Some(m)) = msg {
                let fx = self.app.update(m, now());
                self.apply(fx);
            }
        }
    }

    /// Sends one message through `update` and carries out its effects.
    pub fn send(&mut self, msg: Msg) {
        let fx = self.app.update(msg, now());
        self.apply(fx);
    }

    /// Feeds messages until no wizard command runs (bounded: 90 s).
    pub fn settle(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while self
            .app
            .wizard
            .run
            .as_ref()
            .is_some_and(|w| w.running.is_some())
        {
            assert!(Instant::now() < deadline, "a wizard command never finished");
            let msg = self.rt.block_on(async {
                tokio::time::timeout(Duration::from_secs(5), self.rx.recv()).await
            });
            if let Ok(Some(m)) = msg {
                let fx = self.app.update(m, now());
                self.apply(fx);
            }
        }
    }

    pub fn wizard(&self) -> &opsdeck::wizard::Wizard {
        self.app.wizard.run.as_ref().unwrap()
    }

    pub fn screen(&self) -> String {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal.draw(|f| opsdeck::ui::draw(f, &self.app)).unwrap();
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

    pub fn timeline(&self) -> std::path::PathBuf {
        timeline::path_for(&self.paths.timelines_dir(), &self.wizard().incident)
    }
}
