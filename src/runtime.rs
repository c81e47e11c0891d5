//! What the loop does with `Effect`s, and the set of running sources.

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::app::{App, Effect, Msg};
use crate::config::{Paths, Profile, profiles};
use crate::sources::health;

/// The running source tasks of one profile. Dropping or `stop` ends them.
pub struct Sources {
    tasks: Vec<JoinHandle<()>>,
    refresh: watch::Sender<u64>,
}

impl Sources {
    pub fn start(profile: &Profile, tx: mpsc::Sender<Msg>) -> Sources {
        let (refresh, refresh_rx) = watch::channel(0u64);
        let tasks = health::spawn_checks(&profile.services, tx, Msg::Health, refresh_rx);
        Sources { tasks, refresh }
    }

    pub fn refresh(&self) {
        self.refresh.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn stop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Drop for Sources {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Carries out one effect. Failures become a message in the status line; the
/// console keeps running.
pub fn apply(
    effect: Effect,
    app: &mut App,
    sources: &mut Sources,
    paths: &Paths,
    tx: &mpsc::Sender<Msg>,
) {
    match effect {
        Effect::Quit => app.quit = true,
        Effect::RefreshChecks => sources.refresh(),
        Effect::SwitchTheme(name) => {
            let (theme, err) = crate::theme::load_theme(&name, &paths.themes_dir());
            match err {
                Some(e) => app.flash = Some(format!("theme not changed: {e}")),
                None => {
                    app.flash = Some(format!("theme: {}", theme.name));
                    app.theme = theme;
                }
            }
            app.dirty = true;
        }
        Effect::SwitchProfile(spec) => {
            match profiles::resolve(&spec, &paths.profiles_dir()) {
                Ok(profile) => {
                    sources.stop();
                    *sources = Sources::start(&profile, tx.clone());
                    let theme = app.theme.clone();
                    let keymap = app.keymap.clone();
                    let readonly_flag = app.readonly && !app.profile.readonly;
                    let completions = app.completions.clone();
                    let size = app.size;
                    let name = profile.name.clone();
                    *app = App::new(profile, theme, keymap, readonly_flag);
                    app.completions = completions;
                    app.size = size;
                    app.flash = Some(format!("profile: {name}"));
                }
                Err(e) => app.flash = Some(format!("profile not changed: {e}")),
            }
            app.dirty = true;
        }
        Effect::SwitchNamespaces(_) | Effect::SwitchContext(_) => {
            // The Kubernetes source picks these up from the state when it restarts.
        }
        Effect::FollowLogs { .. } | Effect::StopLogs => {}
        effect @ (Effect::WizardCatalog { .. }
        | Effect::WizardRun(_)
        | Effect::WizardKill { .. }
        | Effect::TimelineAppend { .. }) => crate::wizard::effects::apply(effect, app, paths, tx),
        Effect::SaveLogs { name, lines } => {
            let dir = paths.data_dir.join("logs");
            let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
            let path = dir.join(format!("{name}-{stamp}.log"));
            let text: String = lines
                .iter()
                .map(|l| match &l.prefix {
                    Some(p) => format!("{p} {}\n", l.text),
                    None => format!("{}\n", l.text),
                })
                .collect();
            let result = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, text));
            app.flash = Some(match result {
                Ok(()) => format!("saved {} lines to {}", lines.len(), path.display()),
                Err(e) => format!("cannot save logs to {}: {e}", path.display()),
            });
            app.dirty = true;
        }
    }
}

/// Candidates for the palette: profiles and themes known now.
pub fn completions(paths: &Paths) -> crate::app::palette::Completions {
    let mut profiles: Vec<String> = profiles::builtin_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    profiles.extend(crate::theme::user_theme_names(&paths.profiles_dir()));
    let mut themes: Vec<String> = crate::theme::builtin_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    themes.extend(crate::theme::user_theme_names(&paths.themes_dir()));
    crate::app::palette::Completions {
        profiles,
        themes,
        ..Default::default()
    }
}
