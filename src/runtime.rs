//! What the loop does with `Effect`s, and the set of running sources.

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::app::confirm::PendingAction;
use crate::app::model::{Platform, SourceUpdate};
use crate::app::state::KubeTarget;
use crate::app::{App, Effect, Msg};
use crate::config::{Paths, Profile, profiles};
use crate::sources::{docker, health, kube};

/// Updates a source may queue before it waits for the console.
const SOURCE_CAPACITY: usize = 256;

/// The running sources of one profile. Dropping or `stop` ends them.
pub struct Sources {
    tasks: Vec<JoinHandle<()>>,
    refresh: watch::Sender<u64>,
    docker: Option<std::sync::Arc<docker::DockerHandle>>,
    /// The container whose log is followed, to stop it when another is chosen.
    docker_log: Option<String>,
    kube: Option<std::sync::Arc<kube::KubeHandle>>,
    /// Where Kubernetes updates go; kept to respawn on `:ns` and `:ctx`.
    kube_tx: Option<mpsc::Sender<SourceUpdate>>,
}

impl Sources {
    /// Starts every source the profile configures; Kubernetes on `target`
    /// (the context and namespaces the operator chose, initially the profile's).
    pub fn start(profile: &Profile, target: &KubeTarget, tx: mpsc::Sender<Msg>) -> Sources {
        let (refresh, refresh_rx) = watch::channel(0u64);
        let mut tasks =
            health::spawn_checks(&profile.services, tx.clone(), Msg::Health, refresh_rx);
        tasks.extend(crate::sources::alerts::spawn(
            profile,
            tx.clone(),
            Msg::Alerts,
        ));
        let docker = profile.docker.as_ref().map(|d| {
            let (utx, task) = forward(tx.clone());
            tasks.push(task);
            std::sync::Arc::new(docker::spawn(
                docker::DockerSettings {
                    host: d.host.clone(),
                    compose_project: d.compose_project.clone(),
                },
                utx,
            ))
        });
        let mut sources = Sources {
            tasks,
            refresh,
            docker,
            docker_log: None,
            kube: None,
            kube_tx: None,
        };
        if profile.kubernetes.is_some() {
            let (utx, task) = forward(tx);
            sources.tasks.push(task);
            sources.kube_tx = Some(utx);
            sources.respawn_kube(profile, target);
        }
        sources
    }

    /// (Re)starts the Kubernetes source on `target`; the old one stops first.
    pub fn respawn_kube(&mut self, profile: &Profile, target: &KubeTarget) {
        let (Some(k), Some(utx)) = (&profile.kubernetes, &self.kube_tx) else {
            return;
        };
        self.kube = None;
        self.kube = Some(std::sync::Arc::new(kube::spawn(
            kube::KubeSettings {
                kubeconfig: k.kubeconfig.clone(),
                context: target.context.clone(),
                namespaces: target.namespaces.clone(),
                selector: k.selector.clone(),
            },
            utx.clone(),
        )));
    }

    /// The context the Kubernetes source actually uses, once connected.
    pub fn kube_context(&self) -> Option<String> {
        self.kube.as_ref().and_then(|k| k.context())
    }

    pub fn refresh(&self) {
        self.refresh.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn stop(&mut self) {
        self.docker = None;
        self.kube = None;
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

/// A channel for a source's updates, forwarded into the console's messages.
fn forward(tx: mpsc::Sender<Msg>) -> (mpsc::Sender<SourceUpdate>, JoinHandle<()>) {
    let (utx, mut urx) = mpsc::channel::<SourceUpdate>(SOURCE_CAPACITY);
    let task = tokio::spawn(async move {
        while let Some(u) = urx.recv().await {
            if tx.send(Msg::Source(u)).await.is_err() {
                return;
            }
        }
    });
    (utx, task)
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
                    let target = KubeTarget::from_profile(&profile);
                    *sources = Sources::start(&profile, &target, tx.clone());
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
            if app.profile.kubernetes.is_none() {
                app.flash = Some("this profile has no [kubernetes] section".into());
                return;
            }
            // Rows and events of the old scope would mislead: start clean.
            app.workloads.replace(Platform::Kubernetes, Vec::new());
            app.workloads.states.insert(
                Platform::Kubernetes,
                crate::app::model::SourceState::Connecting,
            );
            app.events.clear_platform(Platform::Kubernetes);
            app.workloads.nodes_line = None;
            sources.respawn_kube(&app.profile, &app.kube);
            app.dirty = true;
        }
        Effect::FollowLogs { stream, previous } => match stream.platform {
            Platform::Docker => {
                let Some(d) = &sources.docker else {
                    app.flash = Some("Docker is not configured in this profile".into());
                    return;
                };
                if let Some(old) = sources.docker_log.take() {
                    d.stop_logs(&old);
                }
                if previous {
                    app.flash = Some("Docker keeps one log per container: showing it".into());
                }
                let opts = docker::LogOptions {
                    tail: Some(500),
                    timestamps: true,
                    follow: true,
                };
                match d.follow_logs(&stream.name, opts) {
                    Ok(()) => sources.docker_log = Some(stream.name.clone()),
                    Err(e) => {
                        app.logs.ended = Some(e.to_string());
                        app.dirty = true;
                    }
                }
            }
            Platform::Kubernetes => {
                let Some(k) = &sources.kube else {
                    app.flash = Some("Kubernetes is not configured in this profile".into());
                    return;
                };
                let opts = kube::LogOptions {
                    tail: Some(500),
                    previous,
                    timestamps: true,
                    follow: !previous,
                };
                if let Err(e) = k.follow_logs(&stream, opts) {
                    app.logs.ended = Some(e.to_string());
                    app.dirty = true;
                }
            }
        },
        Effect::FollowOwnerLogs { namespace, owner } => {
            if let Some(k) = &sources.kube
                && let Err(e) = k.follow_owner_logs(&namespace, &owner, kube::LogOptions::default())
            {
                app.logs.ended = Some(e.to_string());
                app.dirty = true;
            }
        }
        Effect::Describe { namespace, name } => {
            if let Some(k) = &sources.kube
                && let Err(e) = k.describe(&namespace, &name)
            {
                app.flash = Some(format!("cannot describe {name}: {e}"));
                app.dirty = true;
            }
        }
        Effect::StopLogs => {
            if let (Some(d), Some(old)) = (&sources.docker, sources.docker_log.take()) {
                d.stop_logs(&old);
            }
            if let Some(k) = &sources.kube {
                k.stop_logs();
            }
        }
        Effect::RunAction(
            action @ (PendingAction::CreateSilence { .. } | PendingAction::ExpireSilences { .. }),
        ) => crate::sources::alerts::run_silence(action, app, &paths.timelines_dir(), tx.clone()),
        Effect::RunAction(action) => run_action(action, sources, tx.clone(), app),
        effect @ (Effect::WizardCatalog { .. }
        | Effect::AlertProcedure { .. }
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

/// Runs a confirmed action in the background; its result comes back as a notice.
fn run_action(action: PendingAction, sources: &Sources, tx: mpsc::Sender<Msg>, app: &mut App) {
    if app.readonly {
        // The dialog is never offered in read-only mode; this is the second lock.
        app.flash = Some("read-only mode: the action was refused".into());
        return;
    }
    match action {
        // Carried out by `sources::alerts::run_silence` (see `apply`).
        PendingAction::CreateSilence { .. } | PendingAction::ExpireSilences { .. } => {}
        PendingAction::DockerRestart { container } => {
            let Some(d) = sources.docker.clone() else {
                app.flash = Some("Docker is not configured in this profile".into());
                return;
            };
            tracing::info!(container, "restarting container (confirmed)");
            tokio::spawn(async move {
                let text = match d.restart(&container).await {
                    Ok(()) => format!("restarted {container}"),
                    Err(e) => format!("restart of {container} failed: {e}"),
                };
                let _ = tx.send(Msg::Notice(text)).await;
            });
        }
        PendingAction::KubeRolloutRestart {
            namespace,
            deployment,
        } => {
            let Some(k) = sources.kube.clone() else {
                app.flash = Some("Kubernetes is not configured in this profile".into());
                return;
            };
            tracing::info!(namespace, deployment, "rollout restart (confirmed)");
            tokio::spawn(async move {
                let text = match k.rollout_restart(&namespace, &deployment).await {
                    Ok(()) => format!("rollout restart of deployment/{deployment} started"),
                    Err(e) => format!("rollout restart of {deployment} failed: {e}"),
                };
                let _ = tx.send(Msg::Notice(text)).await;
            });
        }
        PendingAction::KubeDeletePod { namespace, pod } => {
            let Some(k) = sources.kube.clone() else {
                app.flash = Some("Kubernetes is not configured in this profile".into());
                return;
            };
            tracing::info!(namespace, pod, "delete pod (confirmed)");
            tokio::spawn(async move {
                let text = match k.delete_pod(&namespace, &pod).await {
                    Ok(()) => format!("deleted pod {pod}"),
                    Err(e) => format!("delete of pod {pod} failed: {e}"),
                };
                let _ = tx.send(Msg::Notice(text)).await;
            });
        }
    }
}

/// Context names of the kubeconfig in use, for `:ctx` completion.
pub fn kube_contexts(profile: &Profile) -> Vec<String> {
    let path = profile
        .kubernetes
        .as_ref()
        .and_then(|k| k.kubeconfig.clone())
        .or_else(|| std::env::var_os("KUBECONFIG").and_then(|v| std::env::split_paths(&v).next()))
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().join(".kube/config")));
    path.and_then(|p| ::kube::config::Kubeconfig::read_from(p).ok())
        .map(|k| k.contexts.into_iter().map(|c| c.name).collect())
        .unwrap_or_default()
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
