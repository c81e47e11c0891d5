//! The console's state: the single source of truth that `ui::draw` renders.

use jiff::Timestamp;

use super::events::EventsView;
use super::logs::LogView;
use super::model::{Platform, SourceState};
use super::palette::{Completions, Palette};
use super::services::ServiceRow;
use super::workloads::WorkloadsView;
use crate::config::Profile;
use crate::input::Keymap;
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
    pub readonly: bool,
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
    /// Problems with config, theme or keymap files, shown until dismissed.
    pub warnings: Vec<String>,
    /// A one-line message in the status bar (last action's result).
    pub flash: Option<String>,
    pub last_refresh: Option<Timestamp>,
    /// The time used for ages, updated with every message so drawing stays pure.
    pub now: Timestamp,
    /// Time zone for clock times in the status line.
    pub tz: jiff::tz::TimeZone,
    pub size: (u16, u16),
    pub completions: Completions,
    /// The runbook wizard: picker, running procedure, suggestion.
    pub wizard: crate::wizard::WizardState,
    pub dirty: bool,
    pub quit: bool,
}

impl App {
    pub fn new(profile: Profile, theme: Theme, keymap: Keymap, readonly: bool) -> App {
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
        App {
            readonly: readonly || profile.readonly,
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
            warnings,
            flash: None,
            last_refresh: None,
            now: Timestamp::now(),
            tz: jiff::tz::TimeZone::system(),
            size: (80, 24),
            completions: Completions::default(),
            wizard: crate::wizard::WizardState::default(),
            dirty: true,
            quit: false,
        }
    }

    /// Whether any platform source is configured.
    pub fn has_workload_sources(&self) -> bool {
        !self.workloads.states.is_empty()
    }

    pub fn source_state(&self, platform: Platform) -> Option<&SourceState> {
        self.workloads.states.get(&platform)
    }
}
