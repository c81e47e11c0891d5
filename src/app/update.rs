//! `App::update`: every change to the state goes through here. No I/O: what
//! needs the outside world is returned as an `Effect`.

use jiff::Timestamp;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;
use super::confirm::{Confirm, Decision, PendingAction, Tier};
use super::logs::LogFilter;
use super::model::{Platform, SourceUpdate, StreamId};
use super::msg::{Effect, Msg};
use super::palette::{self, Palette, PaletteCommand};
use super::services;
use super::state::{App, FilterEdit, Overlay, Pane};
use crate::wizard;

const SECTION: &str = "dashboard";

impl App {
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.now = Timestamp::now();
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
                wizard::session::refresh_suggestion(self);
                Vec::new()
            }
            Msg::Source(update) => {
                self.on_source(update);
                self.dirty = true;
                wizard::session::refresh_suggestion(self);
                Vec::new()
            }
            Msg::Alerts(m) => {
                self.alerts.apply(m, self.now);
                self.dirty = true;
                wizard::session::refresh_suggestion(self);
                Vec::new()
            }
            Msg::Terminate(why) => {
                let mut effects = wizard::session::on_terminate(self, why);
                self.quit = true;
                effects.push(Effect::Quit);
                effects
            }
            Msg::Wizard(event) => {
                self.dirty = true;
                wizard::session::on_run_event(self, event)
            }
            Msg::Notice(text) => {
                self.flash = Some(text);
                self.dirty = true;
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
                self.overlay = Some(Overlay::Detail {
                    title,
                    lines,
                    scroll: 0,
                });
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if self.wizard.is_open() {
            return wizard::session::on_key(self, key);
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
            Action::Quit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
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
            Action::Runbook => return wizard::session::open(self, "", true),
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
            | Action::SetTimeout => {}
            Action::Restart => self.ask_restart(),
        }
        Vec::new()
    }

    fn move_selection(&mut self, delta: isize) {
        match self.focus {
            Pane::Services => {
                let max = self.services.len().saturating_sub(1) as isize;
                self.services_selected =
                    (self.services_selected as isize + delta).clamp(0, max.max(0)) as usize;
            }
            Pane::Workloads => self.workloads.move_by(delta),
            Pane::Events => {
                let max = self.events.len().saturating_sub(1) as isize;
                self.events.selected =
                    (self.events.selected as isize + delta).clamp(0, max.max(0)) as usize;
            }
            Pane::Alerts => self.alerts.move_by(delta),
            Pane::Logs => {
                if delta < 0 {
                    self.logs.scroll_up(delta.unsigned_abs());
                } else {
                    self.logs.scroll_down(delta as usize);
                }
            }
        }
    }

    fn select(&mut self) -> Vec<Effect> {
        match self.focus {
            Pane::Alerts => super::alerts::open_selected(self),
            Pane::Workloads => self.follow_selected(false),
            Pane::Services => {
                if let Some(row) = self.services.get(self.services_selected) {
                    let mut lines = Vec::new();
                    for c in &row.checks {
                        lines.push(format!("{} {}", c.kind, c.target));
                        match &c.last {
                            Some(o) => lines.push(format!(
                                "  {} · {} ms · {}",
                                if o.ok { "passing" } else { "FAILING" },
                                o.latency.as_millis(),
                                o.detail
                            )),
                            None => lines.push("  not run yet".into()),
                        }
                        if c.failing_for > 1 {
                            lines.push(format!("  failing for {} runs in a row", c.failing_for));
                        }
                    }
                    if let Some(w) = &row.workload {
                        lines.push(String::new());
                        lines.push(format!("runs as workload `{w}`"));
                    }
                    self.overlay = Some(Overlay::Detail {
                        title: format!("Service {}", row.name),
                        lines,
                        scroll: 0,
                    });
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn follow_selected(&mut self, previous: bool) -> Vec<Effect> {
        let Some(w) = self.workloads.selected_row() else {
            self.flash = Some("no workload selected".into());
            return Vec::new();
        };
        let stream = StreamId {
            platform: w.platform,
            namespace: w.namespace.clone(),
            name: w.name.clone(),
            container: None,
        };
        let kind = match w.platform {
            Platform::Kubernetes => "pod",
            Platform::Docker => "container",
        };
        let title = format!(
            "{kind}/{}{}",
            w.name,
            if previous { " (previous)" } else { "" }
        );
        self.logs.open(stream.clone(), title, previous);
        // The why, at once: state, last termination and restarts of each container.
        self.flash = Some(container_summary(w));
        vec![Effect::FollowLogs { stream, previous }]
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
    /// restart or a deployment's rollout restart (mutating), or deleting a pod
    /// that no controller owns (destructive).
    fn ask_restart(&mut self) {
        if self.readonly {
            self.flash = Some("read-only mode: restarting is refused (start without --readonly and use a profile that allows changes)".into());
            return;
        }
        let Some(w) = self.workloads.selected_row() else {
            self.flash = Some("select a workload in Workloads (2) first".into());
            return;
        };
        let quote = |s: &str| {
            shlex::try_quote(s)
                .map(|q| q.into_owned())
                .unwrap_or_else(|_| format!("{s:?}"))
        };
        let kube_target = format!(
            "context {} · namespace {}",
            self.kube.context.as_deref().unwrap_or("(current)"),
            w.namespace
        );
        let ctx_flag = self
            .kube
            .context
            .as_deref()
            .map(|c| format!(" --context {}", quote(c)))
            .unwrap_or_default();
        let confirm = match w.platform {
            Platform::Docker => Confirm {
                title: format!("Restart container {}?", w.name),
                command: crate::sources::docker::equivalent_command(
                    crate::sources::docker::ContainerAction::Restart,
                    &w.name,
                ),
                target: format!(
                    "docker {}",
                    self.profile
                        .docker
                        .as_ref()
                        .and_then(|d| d.host.clone())
                        .unwrap_or_else(|| crate::sources::docker::resolve_host(None))
                ),
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
            Platform::Kubernetes => match &w.group {
                Some(deployment) => Confirm {
                    title: format!("Rollout restart of {deployment}?"),
                    command: format!(
                        "kubectl rollout restart deployment/{} -n {}{ctx_flag}",
                        quote(deployment),
                        quote(&w.namespace)
                    ),
                    target: kube_target,
                    platform: w.platform,
                    tier: Tier::Mutating,
                    why: "replaces every pod of the deployment, one by one".into(),
                    expected: None,
                    typed: String::new(),
                    on_confirm: false,
                    action: PendingAction::KubeRolloutRestart {
                        namespace: w.namespace.clone(),
                        deployment: deployment.clone(),
                    },
                },
                None => Confirm {
                    title: format!("Delete pod {}?", w.name),
                    command: format!(
                        "kubectl delete pod {} -n {}{ctx_flag}",
                        quote(&w.name),
                        quote(&w.namespace)
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

    /// Shows what the state knows about the selected workload at once; for a
    /// pod, the source then replaces it with the full description and YAML.
    fn open_detail(&mut self) -> Vec<Effect> {
        let Some(w) = self.workloads.selected_row() else {
            self.flash = Some("select a workload to describe".into());
            return Vec::new();
        };
        let effects = match w.platform {
            Platform::Kubernetes => vec![Effect::Describe {
                namespace: w.namespace.clone(),
                name: w.name.clone(),
            }],
            Platform::Docker => Vec::new(),
        };
        let mut lines = vec![
            format!("Name:       {}", w.name),
            format!("Namespace:  {}", w.namespace),
            format!("Platform:   {}", w.platform.label()),
            format!("Status:     {}", w.status),
            format!("Ready:      {}/{}", w.ready.0, w.ready.1),
            format!("Restarts:   {}", w.restarts),
        ];
        if let Some(g) = &w.group {
            lines.push(format!("Owner:      {g}"));
        }
        if let Some(n) = &w.node {
            lines.push(format!("Node:       {n}"));
        }
        lines.push(String::new());
        lines.push("Containers:".into());
        for c in &w.containers {
            lines.push(format!("  {}:", c.name));
            lines.push(format!("    Image:    {}", c.image));
            lines.push(format!("    State:    {}", c.state));
            lines.push(format!("    Ready:    {}", c.ready));
            lines.push(format!("    Restarts: {}", c.restarts));
            if let Some(t) = &c.last_termination {
                lines.push(format!(
                    "    Last terminated: {} (exit code {})",
                    t.reason, t.exit_code
                ));
            }
        }
        if !effects.is_empty() {
            lines.push(String::new());
            lines.push("(asking the API server for the full description…)".into());
        }
        self.overlay = Some(Overlay::Detail {
            title: format!("{} {}", w.platform.label(), w.name),
            lines,
            scroll: 0,
        });
        effects
    }

    fn clear_filter(&mut self, pane: Pane) {
        match pane {
            Pane::Workloads => self.workloads.set_filter(None),
            Pane::Events => self.events.filter = None,
            Pane::Logs => self.logs.filter = None,
            Pane::Services | Pane::Alerts => {}
        }
    }

    fn on_filter_key(&mut self, key: KeyEvent, pane: Pane) -> Vec<Effect> {
        let Some(edit) = self.filter_edit.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {
                self.filter_edit = None;
                self.clear_filter(pane);
                return Vec::new();
            }
            KeyCode::Enter => {
                self.filter_edit = None;
                return Vec::new();
            }
            KeyCode::Backspace => {
                edit.text.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                edit.text.clear()
            }
            KeyCode::Char(c) => edit.text.push(c),
            _ => return Vec::new(),
        }
        // Filters apply as you type.
        let text = edit.text.clone();
        match pane {
            Pane::Workloads => self.workloads.set_filter(Some(text)),
            Pane::Events => {
                self.events.filter = (!text.is_empty()).then(|| LogFilter::new(&text));
            }
            Pane::Logs => self.logs.filter = (!text.is_empty()).then(|| LogFilter::new(&text)),
            Pane::Services | Pane::Alerts => {}
        }
        Vec::new()
    }

    fn on_palette_key(&mut self, key: KeyEvent, mut p: Palette) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Enter => {
                return match palette::parse(&p.input) {
                    Ok(cmd) => self.run_palette(cmd),
                    Err(e) => {
                        p.error = Some(e);
                        self.overlay = Some(Overlay::Palette(p));
                        Vec::new()
                    }
                };
            }
            KeyCode::Tab => {
                if let Some(c) = p.candidates.get(p.selected) {
                    p.input = palette::complete(&p.input, c);
                }
            }
            KeyCode::Up => p.selected = p.selected.saturating_sub(1),
            KeyCode::Down => {
                p.selected = (p.selected + 1).min(p.candidates.len().saturating_sub(1));
            }
            KeyCode::Backspace => {
                if p.input.is_empty() {
                    return Vec::new();
                }
                p.input.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => p.input.clear(),
            KeyCode::Char(c) => p.input.push(c),
            _ => {}
        }
        if !matches!(key.code, KeyCode::Up | KeyCode::Down) {
            p.candidates = palette::candidates(&p.input, &self.completions);
            p.selected = 0;
            p.error = None;
        }
        self.overlay = Some(Overlay::Palette(p));
        Vec::new()
    }

    fn run_palette(&mut self, cmd: PaletteCommand) -> Vec<Effect> {
        match cmd {
            PaletteCommand::Quit => {
                self.quit = true;
                vec![Effect::Quit]
            }
            PaletteCommand::Help => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                Vec::new()
            }
            PaletteCommand::Theme(name) => vec![Effect::SwitchTheme(name)],
            PaletteCommand::Profile(name) => vec![Effect::SwitchProfile(name)],
            PaletteCommand::Namespaces(list) => {
                let all = list.iter().any(|n| n == "all" || n == "*");
                self.kube.namespaces = if all { Vec::new() } else { list };
                self.flash = Some(if all {
                    "namespaces: all".into()
                } else {
                    format!("namespaces: {}", self.kube.namespaces.join(", "))
                });
                vec![Effect::SwitchNamespaces(self.kube.namespaces.clone())]
            }
            PaletteCommand::Context(ctx) => {
                self.kube.context = Some(ctx.clone());
                self.flash = Some(format!("context: {ctx}"));
                vec![Effect::SwitchContext(ctx)]
            }
            PaletteCommand::Runbook(query) => wizard::session::open(self, &query, false),
        }
    }
}

/// One line on a workload's containers: state, last termination, restarts.
fn container_summary(w: &super::model::Workload) -> String {
    let mut parts = vec![format!("{}: {}", w.name, w.status)];
    for c in &w.containers {
        let mut p = format!("{} {}", c.name, c.state);
        if let Some(t) = &c.last_termination {
            p.push_str(&format!(", last exit {} ({})", t.exit_code, t.reason));
        }
        if c.restarts > 0 {
            p.push_str(&format!(", {} restarts", c.restarts));
        }
        parts.push(p);
    }
    parts.join(" · ")
}

/// Keys in a scrollable overlay. `None` closes it.
fn on_scroll_key(
    key: KeyEvent,
    scroll: u16,
    keymap: &crate::input::Keymap,
    toggle: Action,
) -> Option<u16> {
    let action = keymap.action(SECTION, &key);
    if key.code == KeyCode::Esc
        || matches!(action, Some(Action::Quit | Action::Back))
        || action == Some(toggle)
    {
        return None;
    }
    Some(match action {
        Some(Action::Up) => scroll.saturating_sub(1),
        Some(Action::Down) => scroll.saturating_add(1),
        Some(Action::PageUp) => scroll.saturating_sub(10),
        Some(Action::PageDown) => scroll.saturating_add(10),
        Some(Action::Top) => 0,
        _ => scroll,
    })
}
