//! The console's state: the single source of truth that `ui::draw` renders.

use jiff::Timestamp;

use super::events::EventsView;
use super::logs::LogView;
use super::palette::{Completions, Palette};
use super::services::ServiceRow;
use super::workloads::WorkloadsView;
use crate::config::Profile;
use crate::config::env::Env;
use crate::input::Keymap;
use crate::model::{Platform, SourceState};
use crate::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Services,
    Workloads,
    Events,
    Logs,
    /// Prometheus alerts and the profile's SLOs (only with `[prometheus]`).
    Alerts,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Services,
        Pane::Workloads,
        Pane::Events,
        Pane::Logs,
        Pane::Alerts,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Services => "Services",
            Pane::Workloads => "Workloads",
            Pane::Events => "Events",
            Pane::Logs => "Logs",
            Pane::Alerts => "Alerts",
        }
    }

    pub fn number(self) -> usize {
        match self {
            Pane::Services => 1,
            Pane::Workloads => 2,
            Pane::Events => 3,
            Pane::Logs => 4,
            Pane::Alerts => 5,
        }
    }

    pub fn next(self) -> Pane {
        Pane::ALL[self.number() % Pane::ALL.len()]
    }

    pub fn prev(self) -> Pane {
        Pane::ALL[(self.number() + Pane::ALL.len() - 2) % Pane::ALL.len()]
    }
}

/// A window over the dashboard. Only one is open at a time.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Palette(Palette),
    /// Scrollable text about the selected workload (detail or describe).
    Detail {
        title: String,
        lines: Vec<String>,
        scroll: u16,
    },
    /// An action that changes something, waiting for the operator's word.
    Confirm(super::confirm::Confirm),
    /// How long and why to silence an alert, before the confirmation.
    Silence(super::alerts::SilenceForm),
}

/// Text being typed into the focused pane's filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterEdit {
    pub pane: Pane,
    pub text: String,
}

/// Where Kubernetes requests go; shown in the status bar at all times.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KubeTarget {
    pub context: Option<String>,
    pub namespaces: Vec<String>,
    pub production: bool,
}

impl KubeTarget {
    pub fn from_profile(profile: &Profile) -> KubeTarget {
        let k = profile.kubernetes.as_ref();
        KubeTarget {
            context: k.and_then(|k| k.context.clone()),
            namespaces: k.map(|k| k.namespaces.clone()).unwrap_or_default(),
            production: k.is_some_and(|k| k.production),
        }
    }
}

#[derive(Debug)]
pub struct App {
    pub profile: Profile,
    /// In force now: the session's flag or the profile's.
    pub readonly: bool,
    /// `--readonly` on the command line: a property of the session that every
    /// profile switch keeps; leaving it needs a restart without the flag.
    pub readonly_session: bool,
    pub theme: Theme,
    pub keymap: Keymap,
    pub focus: Pane,
    pub zoom: bool,
    pub overlay: Option<Overlay>,
    pub filter_edit: Option<FilterEdit>,
    pub services: Vec<ServiceRow>,
    pub services_selected: usize,
    pub workloads: WorkloadsView,
    pub events: EventsView,
    pub logs: LogView,
    /// Prometheus alerts and SLOs (pane 5).
    pub alerts: super::alerts::AlertsView,
    pub kube: KubeTarget,
    /// The Docker engine's address (the profile's, `DOCKER_HOST` or the default socket).
    pub docker_host: String,
    /// Problems with config, theme or keymap files, shown until dismissed.
    pub warnings: Vec<String>,
    /// A one-line message in the status bar (last action's result).
    pub flash: Option<String>,
    pub last_refresh: Option<Timestamp>,
    /// The time used for ages, updated with every message so drawing stays pure.
    pub now: Timestamp,
    /// Time zone for clock times in the status line.
    pub tz: jiff::tz::TimeZone,
    /// What the environment said at start.
    pub env: Env,
    /// Who runs the console, read once at start; timeline records name them.
    pub who: crate::wizard::timeline::Who,
    pub size: (u16, u16),
    pub completions: Completions,
    /// The runbook wizard: picker, running procedure, suggestion.
    pub wizard: crate::wizard::WizardState,
    pub dirty: bool,
    pub quit: bool,
    /// The describe reply awaited: (title of the overlay it fills, pod name).
    pub describing: Option<(String, String)>,
}

impl App {
    /// A fresh state for `profile`; reads the environment and the user once
    /// ([`Env::from_process`], [`Who::current`](crate::wizard::timeline::Who::current)).
    pub fn new(profile: Profile, theme: Theme, keymap: Keymap, readonly: bool) -> App {
        App::with_env(
            Env::from_process(),
            crate::wizard::timeline::Who::current(),
            Timestamp::now(),
            profile,
            theme,
            keymap,
            readonly,
        )
    }

    /// A fresh state for `profile` in `env`, at `now`: no clock, no environment.
    pub fn with_env(
        env: Env,
        who: crate::wizard::timeline::Who,
        now: Timestamp,
        profile: Profile,
        theme: Theme,
        keymap: Keymap,
        readonly: bool,
    ) -> App {
        let services = profile
            .services
            .iter()
            .map(ServiceRow::from_profile)
            .collect();
        let mut workloads = WorkloadsView::default();
        let kube = KubeTarget::from_profile(&profile);
        let alerts = super::alerts::AlertsView::from_profile(&profile);
        if profile.kubernetes.is_some() {
            workloads
                .states
                .insert(Platform::Kubernetes, SourceState::Connecting);
        }
        if profile.docker.is_some() {
            workloads
                .states
                .insert(Platform::Docker, SourceState::Connecting);
        }
        let mut warnings = keymap.warnings.clone();
        warnings.dedup();
        let docker_host = env.docker_host(profile.docker.as_ref().and_then(|d| d.host.as_deref()));
        App {
            readonly: readonly || profile.readonly,
            readonly_session: readonly,
            profile,
            theme,
            keymap,
            focus: Pane::Services,
            zoom: false,
            overlay: None,
            filter_edit: None,
            services,
            services_selected: 0,
            workloads,
            events: EventsView::default(),
            logs: LogView::default(),
            alerts,
            kube,
            docker_host,
            warnings,
            flash: None,
            last_refresh: None,
            now,
            tz: env.tz.clone(),
            env,
            who,
            size: (80, 24),
            completions: Completions::default(),
            wizard: crate::wizard::WizardState::default(),
            dirty: true,
            quit: false,
            describing: None,
        }
    }

    /// Whether any platform source is configured.
    pub fn has_workload_sources(&self) -> bool {
        !self.workloads.states.is_empty()
    }
}
