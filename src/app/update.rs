//! `App::update`: every change to the state goes through here. No I/O: what
//! needs the outside world is returned as an `Effect`.

use jiff::Timestamp;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::confirm::{Confirm, Decision, PendingAction, Tier};
use super::msg::{Effect, Msg};
use super::palette::{self, Palette};
use super::services;
use super::state::{App, FilterEdit, Overlay, Pane};
use crate::model::Action;
use crate::model::command::{self, ContainerAction, KubeAction};
use crate::model::{Platform, Section, SourceUpdate, StreamId};

mod filter;
mod palette_keys;
mod results;
mod scroll;
mod workloads;

use scroll::on_scroll_key;

const SECTION: Section = Section::Dashboard;

impl App {
    /// Folds `msg` into the state; `now` is the time it arrived (ages and
    /// timeline stamps use it, so the same messages give the same state).
    pub fn update(&mut self, msg: Msg, now: Timestamp) -> Vec<Effect> {
        self.now = now;
        match msg {
            Msg::Key(key) => {
                // Only presses: Windows and the kitty protocol also send releases.
                if key.kind != KeyEventKind::Press {
                    return Vec::new();
                }
                self.dirty = true;
                // A message stays until the operator does something; Esc alone
                // dismisses it without doing anything else.
                if self.flash.is_some()
                    && key.code == KeyCode::Esc
                    && self.overlay.is_none()
                    && self.filter_edit.is_none()
                {
                    self.flash = None;
                    return Vec::new();
                }
                self.flash = None;
                self.on_key(key)
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
                Vec::new()
            }
            Msg::Health(result) => {
                services::apply(&mut self.services, &result);
                self.last_refresh = Some(result.at);
                self.dirty = true;
                super::wizard::refresh_suggestion(self);
                Vec::new()
            }
            Msg::Source(update) => {
                self.on_source(update);
                self.dirty = true;
                super::wizard::refresh_suggestion(self);
                Vec::new()
            }
            Msg::Alerts(m) => {
                self.alerts.apply(m, self.now);
                self.dirty = true;
                super::wizard::refresh_suggestion(self);
                Vec::new()
            }
            Msg::Terminate(why) => super::quit::quit(self, why),
            Msg::Wizard(event) => {
                self.dirty = true;
                super::wizard::on_run_event(self, event)
            }
            Msg::Notice(text) => {
                self.flash = Some(text);
                self.dirty = true;
                Vec::new()
            }
            Msg::ThemeLoaded(result) => self.on_theme_loaded(result),
            Msg::ProfileLoaded(result) => self.on_profile_loaded(result),
            Msg::CatalogLoaded(catalog) => self.on_catalog_loaded(*catalog),
            Msg::LogsSaved { path, lines, error } => self.on_logs_saved(&path, lines, error),
            Msg::LogsFailed(why) => {
                self.logs.ended = Some(why);
                self.dirty = true;
                Vec::new()
            }
            Msg::KubeContextKnown(context) => {
                if self.kube.context.is_none() {
                    self.kube.context = Some(context);
                    self.dirty = true;
                }
                Vec::new()
            }
        }
    }

    fn on_source(&mut self, update: SourceUpdate) {
        match update {
            SourceUpdate::State { platform, state } => {
                self.workloads.states.insert(platform, state);
            }
            SourceUpdate::Workloads { platform, rows } => {
                let mut namespaces: Vec<String> = rows
                    .iter()
                    .filter(|w| w.platform == Platform::Kubernetes)
                    .map(|w| w.namespace.clone())
                    .collect();
                self.workloads.replace(platform, rows);
                self.last_refresh = Some(self.now);
                namespaces.extend(self.kube.namespaces.iter().cloned());
                namespaces.sort();
                namespaces.dedup();
                self.completions.namespaces = namespaces;
            }
            SourceUpdate::Events(events) => {
                // A new warning about the selected workload deserves a look now.
                if let Some(sel) = self.workloads.selected_row() {
                    let name = sel.name.clone();
                    // Only new warnings: a repeat (count + 1) of a known one is not news.
                    if let Some(w) = events.iter().find(|e| {
                        e.warning
                            && e.object.rsplit('/').next() == Some(name.as_str())
                            && !self.events.contains(&e.uid)
                    }) {
                        self.flash = Some(format!("⚠ {}: {} {}", name, w.reason, w.message));
                    }
                }
                self.events.upsert(events);
            }
            SourceUpdate::Logs { stream, lines } => {
                if self.logs.stream.as_ref() == Some(&stream) {
                    self.logs.push(lines);
                }
            }
            SourceUpdate::LogEnded { stream, reason } => {
                if self.logs.stream.as_ref() == Some(&stream) {
                    self.logs.ended = Some(reason);
                }
            }
            SourceUpdate::Summary { text, .. } => self.workloads.nodes_line = Some(text),
            SourceUpdate::Detail { title, lines } => {
                // A reply fills only the overlay that asked for it, never
                // another one (a confirmation least of all); late ones drop.
                let Some((placeholder, pod)) = self.describing.take() else {
                    return;
                };
                let ours = matches!(&self.overlay, Some(Overlay::Detail { title: t, .. }) if *t == placeholder);
                if ours && title.contains(pod.as_str()) {
                    self.overlay = Some(Overlay::Detail {
                        title,
                        lines,
                        scroll: 0,
                    });
                } else if ours {
                    self.describing = Some((placeholder, pod));
                }
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if self.wizard.is_open() {
            return super::wizard::on_key(self, key);
        }
        if let Some(pane) = self.filter_edit.as_ref().map(|e| e.pane) {
            return self.on_filter_key(key, pane);
        }
        match self.overlay.take() {
            Some(Overlay::Palette(p)) => return self.on_palette_key(key, p),
            Some(Overlay::Help { scroll }) => {
                self.overlay = on_scroll_key(key, scroll, &self.keymap, Action::Help)
                    .map(|scroll| Overlay::Help { scroll });
                return Vec::new();
            }
            Some(Overlay::Silence(form)) => return super::alerts::on_form_key(self, key, form),
            Some(Overlay::Confirm(mut c)) => {
                return match c.on_key(key) {
                    Decision::Pending => {
                        self.overlay = Some(Overlay::Confirm(c));
                        Vec::new()
                    }
                    Decision::Cancelled => {
                        self.flash = Some("cancelled; nothing was changed".into());
                        Vec::new()
                    }
                    Decision::Confirmed(PendingAction::SwitchProfile { spec }) => {
                        let mut out = super::quit::end_incident(self, "profile switch");
                        out.push(Effect::SwitchProfile(spec));
                        out
                    }
                    Decision::Confirmed(action) => {
                        self.flash = Some(format!("running: {}", c.command));
                        vec![Effect::RunAction(action)]
                    }
                };
            }
            Some(Overlay::Detail {
                title,
                lines,
                scroll,
            }) => {
                self.overlay =
                    on_scroll_key(key, scroll, &self.keymap, Action::Describe).map(|scroll| {
                        Overlay::Detail {
                            title,
                            lines,
                            scroll,
                        }
                    });
                return Vec::new();
            }
            None => {}
        }
        let action = self.keymap.action(SECTION, &key).or_else(|| {
            // Ctrl-C always leaves, even when a keymap forgot it.
            (key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL))
                .then_some(Action::Quit)
        });
        match action {
            Some(action) => self.on_action(action),
            None => Vec::new(),
        }
    }

    pub fn on_action(&mut self, action: Action) -> Vec<Effect> {
        self.dirty = true;
        let page = usize::from(self.size.1 / 2).max(1);
        match action {
            Action::Quit => return super::quit::quit(self, "quit"),
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::Palette => {
                self.overlay = Some(Overlay::Palette(Palette {
                    candidates: palette::candidates("", &self.completions),
                    ..Palette::default()
                }));
            }
            Action::FocusNext => {
                self.focus = self.focus.next();
                if self.focus == Pane::Alerts && !self.alerts.configured {
                    self.focus = self.focus.next();
                }
            }
            Action::FocusPrev => {
                self.focus = self.focus.prev();
                if self.focus == Pane::Alerts && !self.alerts.configured {
                    self.focus = self.focus.prev();
                }
            }
            Action::FocusServices => self.focus = Pane::Services,
            Action::FocusWorkloads => self.focus = Pane::Workloads,
            Action::FocusEvents => self.focus = Pane::Events,
            Action::FocusLogs => self.focus = Pane::Logs,
            Action::FocusAlerts => return super::alerts::focus(self),
            Action::Zoom => self.zoom = !self.zoom,
            Action::Filter => {
                let text = match self.focus {
                    Pane::Workloads => self.workloads.filter.clone().unwrap_or_default(),
                    Pane::Events => self
                        .events
                        .filter
                        .as_ref()
                        .map(|f| f.text.clone())
                        .unwrap_or_default(),
                    Pane::Logs => self
                        .logs
                        .filter
                        .as_ref()
                        .map(|f| f.text.clone())
                        .unwrap_or_default(),
                    Pane::Services | Pane::Alerts => {
                        self.flash = Some(format!("the {} pane has no filter", self.focus.title()));
                        return Vec::new();
                    }
                };
                self.filter_edit = Some(FilterEdit {
                    pane: self.focus,
                    text,
                });
            }
            Action::Back => {
                if self.zoom {
                    self.zoom = false;
                } else if self.flash.is_some() {
                    self.flash = None;
                } else if !self.warnings.is_empty() {
                    self.warnings.clear();
                } else {
                    self.clear_filter(self.focus);
                }
            }
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-(page as isize)),
            Action::PageDown => self.move_selection(page as isize),
            Action::Top => match self.focus {
                Pane::Services => self.services_selected = 0,
                Pane::Workloads => self.workloads.to_top(),
                Pane::Events => self.events.selected = 0,
                Pane::Logs => self.logs.to_top(),
                Pane::Alerts => self.alerts.selected = 0,
            },
            Action::Bottom => match self.focus {
                Pane::Services => self.services_selected = self.services.len().saturating_sub(1),
                Pane::Workloads => self.workloads.to_bottom(),
                Pane::Events => self.events.selected = self.events.len().saturating_sub(1),
                Pane::Logs => self.logs.to_bottom(),
                Pane::Alerts => self.alerts.move_by(isize::MAX / 2),
            },
            Action::Select => return self.select(),
            Action::Refresh => {
                self.flash = Some("re-running health checks".into());
                return vec![Effect::RefreshChecks];
            }
            Action::Describe => return self.open_detail(),
            Action::Follow => self.logs.toggle_follow(),
            Action::Timestamps => self.logs.timestamps = !self.logs.timestamps,
            Action::Wrap => self.logs.wrap = !self.logs.wrap,
            Action::PreviousLogs => return self.follow_selected(true),
            Action::OwnerLogs => return self.follow_owner(),
            Action::SaveLogs => {
                if self.logs.is_empty() {
                    self.flash = Some("no log lines to save".into());
                    return Vec::new();
                }
                let name = self.logs.title.replace(['/', ' ', '(', ')'], "_");
                return vec![Effect::SaveLogs {
                    name,
                    lines: self.logs.lines().iter().cloned().collect(),
                }];
            }
            Action::SortNext => {
                let next = self.workloads.sort.next();
                self.workloads.set_sort(next, self.workloads.reverse);
                self.flash = Some(format!("sorted by {}", next.label()));
            }
            Action::SortReverse if self.focus == Pane::Alerts => {
                return super::alerts::silence(self);
            }
            Action::SortReverse => {
                let reverse = !self.workloads.reverse;
                self.workloads.set_sort(self.workloads.sort, reverse);
            }
            Action::GroupToggle => self.workloads.toggle_group(),
            Action::EventsScope => {
                self.events.scope = match (&self.events.scope, self.workloads.selected_row()) {
                    (None, Some(w)) => Some(w.name.clone()),
                    _ => None,
                };
                self.events.selected = 0;
            }
            Action::Runbook => return super::wizard::open(self, "", true),
            // Wizard keys mean nothing on the dashboard.
            Action::RunStep
            | Action::Confirm
            | Action::Skip
            | Action::Note
            | Action::Edit
            | Action::Preview
            | Action::Kill
            | Action::SwitchVariant
            | Action::AutoRun
            | Action::Tick
            | Action::SetTimeout
            | Action::Reveal => {}
            Action::Restart => self.ask_restart(),
        }
        Vec::new()
    }

    fn follow_owner(&mut self) -> Vec<Effect> {
        let Some(w) = self.workloads.selected_row() else {
            self.flash = Some("no workload selected".into());
            return Vec::new();
        };
        let (Platform::Kubernetes, Some(owner)) = (w.platform, w.group.clone()) else {
            self.flash = Some("merged logs need a pod owned by a deployment or statefulset".into());
            return Vec::new();
        };
        let namespace = w.namespace.clone();
        let stream = StreamId {
            platform: Platform::Kubernetes,
            namespace: namespace.clone(),
            name: owner.clone(),
            container: None,
        };
        self.logs.open(stream, format!("{owner} (all pods)"), false);
        vec![Effect::FollowOwnerLogs { namespace, owner }]
    }

    /// Opens the confirmation for restarting the selected workload: a container
    /// restart, or a rollout restart of the pod's Deployment, StatefulSet or
    /// DaemonSet (mutating); deleting a pod that no controller owns
    /// (destructive); a refusal for pods of Jobs and other owners.
    fn ask_restart(&mut self) {
        if self.readonly {
            self.flash = Some("read-only mode: restarting is refused (start without --readonly and use a profile that allows changes)".into());
            return;
        }
        let Some(w) = self.workloads.selected_row() else {
            self.flash = Some("select a workload in Workloads (2) first".into());
            return;
        };
        let kube_target = format!(
            "context {} · namespace {}",
            self.kube.context.as_deref().unwrap_or("(current)"),
            w.namespace
        );
        let context = self.kube.context.as_deref();
        let confirm = match w.platform {
            Platform::Docker => Confirm {
                title: format!("Restart container {}?", w.name),
                command: command::docker_command(ContainerAction::Restart, &w.name),
                target: format!("docker {}", self.docker_host),
                platform: w.platform,
                tier: Tier::Mutating,
                why: "stops the container (10 s grace) and starts it again".into(),
                expected: None,
                typed: String::new(),
                on_confirm: false,
                action: PendingAction::DockerRestart {
                    container: w.name.clone(),
                },
            },
            Platform::Kubernetes => match w.owner.as_ref().map(|o| (o.kind.restartable(), o)) {
                Some((Some(kind), owner)) => Confirm {
                    title: format!("Rollout restart of {}/{}?", kind.kubectl(), owner.name),
                    command: command::kube_command(
                        KubeAction::RolloutRestart(kind),
                        &w.namespace,
                        &owner.name,
                        context,
                    ),
                    target: kube_target,
                    platform: w.platform,
                    tier: Tier::Mutating,
                    why: format!("replaces every pod of the {}, one by one", kind.kubectl()),
                    expected: None,
                    typed: String::new(),
                    on_confirm: false,
                    action: PendingAction::KubeRolloutRestart {
                        namespace: w.namespace.clone(),
                        kind,
                        name: owner.name.clone(),
                    },
                },
                Some((None, owner)) => {
                    self.flash = Some(format!(
                        "not restarted: {} is owned by {} {}; R restarts Deployments, StatefulSets and DaemonSets, and deletes pods no controller owns (a Job's pod is not restarted: let the Job finish, or delete and recreate the Job)",
                        w.name,
                        owner.kind.name(),
                        owner.name
                    ));
                    return;
                }
                None => Confirm {
                    title: format!("Delete pod {}?", w.name),
                    command: command::kube_command(
                        KubeAction::DeletePod,
                        &w.namespace,
                        &w.name,
                        context,
                    ),
                    target: kube_target,
                    platform: w.platform,
                    tier: Tier::Destructive,
                    why: "no controller owns this pod: it will not come back".into(),
                    expected: Some(w.name.clone()),
                    typed: String::new(),
                    on_confirm: false,
                    action: PendingAction::KubeDeletePod {
                        namespace: w.namespace.clone(),
                        pod: w.name.clone(),
                    },
                },
            },
        };
        self.overlay = Some(Overlay::Confirm(confirm));
    }
}
