//! What the loop does with `Effect`s, and the set of running sources.

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::app::confirm::PendingAction;
use crate::app::state::KubeTarget;
use crate::app::{App, Effect, Msg};
use crate::config::{Paths, Profile, profiles};
use crate::model::{Platform, SourceUpdate};
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
    /// A confirmed command waiting for the terminal: the loop hands it over
    /// once this turn's effects are done.
    pub handover: Option<crate::handover::Handover>,
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
            handover: None,
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
                selector: k.selector.clone().filter(|s| !s.trim().is_empty()),
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

/// Carries out `effects` and every effect their results lead to: each result
/// comes back as a `Msg` through `App::update`, the only writer of the state.
/// Results that take time arrive later through `tx`.
pub fn run_effects(
    effects: Vec<Effect>,
    app: &mut App,
    sources: &mut Sources,
    paths: &Paths,
    tx: &mpsc::Sender<Msg>,
) {
    let mut queue: std::collections::VecDeque<Effect> = effects.into();
    while let Some(effect) = queue.pop_front() {
        for msg in apply(effect, app, sources, paths, tx) {
            queue.extend(app.update(msg, jiff::Timestamp::now()));
        }
    }
}

/// Carries out one effect and returns what it found out at once; failures
/// become a message in the status line and the console keeps running. The
/// one executor: it reads the state and never writes it.
pub fn apply(
    effect: Effect,
    app: &App,
    sources: &mut Sources,
    paths: &Paths,
    tx: &mpsc::Sender<Msg>,
) -> Vec<Msg> {
    let notice = |text: &str| vec![Msg::Notice(text.to_string())];
    match effect {
        // `update` has already set `quit`; the loop ends after this turn.
        Effect::Quit => Vec::new(),
        Effect::RefreshChecks => {
            sources.refresh();
            Vec::new()
        }
        Effect::SwitchTheme(name) => {
            let (theme, err) = crate::theme::load_theme(&name, &paths.themes_dir());
            vec![Msg::ThemeLoaded(match err {
                Some(e) => Err(e.to_string()),
                None => Ok(theme),
            })]
        }
        Effect::SwitchProfile(spec) => vec![Msg::ProfileLoaded(
            profiles::resolve(&spec, &paths.profiles_dir())
                .map(Box::new)
                .map_err(|e| e.to_string()),
        )],
        Effect::RestartSources => {
            sources.stop();
            let handover = sources.handover.take();
            *sources = Sources::start(&app.profile, &app.kube, tx.clone());
            sources.handover = handover;
            Vec::new()
        }
        Effect::SwitchNamespaces(_) | Effect::SwitchContext(_) => {
            sources.respawn_kube(&app.profile, &app.kube);
            Vec::new()
        }
        Effect::FollowLogs { stream, previous } => match stream.platform {
            Platform::Docker => {
                let Some(d) = &sources.docker else {
                    return notice("Docker is not configured in this profile");
                };
                if let Some(old) = sources.docker_log.take() {
                    d.stop_logs(&old);
                }
                let opts = docker::LogOptions {
                    tail: Some(500),
                    timestamps: true,
                    follow: true,
                };
                let mut out = Vec::new();
                if previous {
                    out.push(Msg::Notice(
                        "Docker keeps one log per container: showing it".into(),
                    ));
                }
                match d.follow_logs(&stream.name, opts) {
                    Ok(()) => sources.docker_log = Some(stream.name.clone()),
                    Err(e) => out.push(Msg::LogsFailed(e.to_string())),
                }
                out
            }
            Platform::Kubernetes => {
                let Some(k) = &sources.kube else {
                    return notice("Kubernetes is not configured in this profile");
                };
                let opts = kube::LogOptions {
                    tail: Some(500),
                    previous,
                    timestamps: true,
                    follow: !previous,
                };
                match k.follow_logs(&stream, opts) {
                    Ok(()) => Vec::new(),
                    Err(e) => vec![Msg::LogsFailed(e.to_string())],
                }
            }
        },
        Effect::FollowOwnerLogs { namespace, owner } => match &sources.kube {
            Some(k) => match k.follow_owner_logs(&namespace, &owner, kube::LogOptions::default()) {
                Ok(()) => Vec::new(),
                Err(e) => vec![Msg::LogsFailed(e.to_string())],
            },
            None => Vec::new(),
        },
        Effect::Describe { namespace, name } => match &sources.kube {
            Some(k) => match k.describe(&namespace, &name) {
                Ok(()) => Vec::new(),
                Err(e) => vec![Msg::Notice(format!("cannot describe {name}: {e}"))],
            },
            None => Vec::new(),
        },
        Effect::StopLogs => {
            if let (Some(d), Some(old)) = (&sources.docker, sources.docker_log.take()) {
                d.stop_logs(&old);
            }
            if let Some(k) = &sources.kube {
                k.stop_logs();
            }
            Vec::new()
        }
        Effect::RunAction(
            action @ (PendingAction::CreateSilence { .. } | PendingAction::ExpireSilences { .. }),
        ) => crate::silence::run_silence(action, app, &paths.timelines_dir(), tx.clone()),
        Effect::RunAction(action) => run_action(action, sources, tx.clone(), app),
        effect @ (Effect::WizardCatalog { .. }
        | Effect::AlertProcedure { .. }
        | Effect::WizardRun(_)
        | Effect::WizardKill { .. }
        | Effect::TimelineAppend { .. }) => {
            crate::executor::apply(effect, app, paths, tx, &mut sources.handover)
        }
        Effect::SaveLogs { name, lines } => {
            let dir = paths.data_dir.join("logs");
            let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
            let path = dir.join(format!("{name}-{stamp}.log"));
            let tx = tx.clone();
            // Off the UI thread: a slow disk never holds a keypress.
            tokio::spawn(async move {
                let count = lines.len();
                let target = path.clone();
                let written = tokio::task::spawn_blocking(move || {
                    let plain: Vec<String> = lines
                        .iter()
                        .map(|l| match &l.prefix {
                            Some(p) => format!("{p} {}", l.text),
                            None => l.text.clone(),
                        })
                        .collect();
                    // Saved logs are stored bytes: through the masking stage.
                    let text: String = crate::wizard::secrets::scrub_lines(&plain)
                        .into_iter()
                        .map(|l| l + "\n")
                        .collect();
                    std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&target, text))
                })
                .await;
                let error = match written {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(e.to_string()),
                    Err(e) => Some(format!("the writer stopped: {e}")),
                };
                let _ = tx
                    .send(Msg::LogsSaved {
                        path,
                        lines: count,
                        error,
                    })
                    .await;
            });
            Vec::new()
        }
    }
}

/// Runs a confirmed action in the background; its result comes back as a notice.
fn run_action(
    action: PendingAction,
    sources: &Sources,
    tx: mpsc::Sender<Msg>,
    app: &App,
) -> Vec<Msg> {
    if app.readonly {
        // The dialog is never offered in read-only mode; this is the second lock.
        return vec![Msg::Notice("read-only mode: the action was refused".into())];
    }
    let not_configured = |what: &str| {
        vec![Msg::Notice(format!(
            "{what} is not configured in this profile"
        ))]
    };
    match action {
        // Carried out by `silence::run_silence` (see `apply`).
        PendingAction::CreateSilence { .. } | PendingAction::ExpireSilences { .. } => {}
        PendingAction::DockerRestart { container } => {
            let Some(d) = sources.docker.clone() else {
                return not_configured("Docker");
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
            kind,
            name,
        } => {
            let Some(k) = sources.kube.clone() else {
                return not_configured("Kubernetes");
            };
            let target = format!("{}/{name}", kind.kubectl());
            tracing::info!(namespace, target, "rollout restart (confirmed)");
            tokio::spawn(async move {
                let text = match k.rollout_restart(&namespace, kind, &name).await {
                    Ok(()) => format!("rollout restart of {target} started"),
                    Err(e) => format!("rollout restart of {target} failed: {e}"),
                };
                let _ = tx.send(Msg::Notice(text)).await;
            });
        }
        // Handled by `update` before it gets here: it changes no system.
        PendingAction::SwitchProfile { .. } => {}
        PendingAction::KubeDeletePod { namespace, pod } => {
            let Some(k) = sources.kube.clone() else {
                return not_configured("Kubernetes");
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
    Vec::new()
}

/// Context names of the kubeconfig in use, for `:ctx` completion.
pub fn kube_contexts(profile: &Profile) -> Vec<String> {
    let path = profile
        .kubernetes
        .as_ref()
        .and_then(|k| k.kubeconfig.as_deref());
    let path = crate::config::env::kubeconfig_path(path);
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
