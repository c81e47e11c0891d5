//! Moving through the panes' rows, opening logs and details of a workload.

use crate::app::msg::Effect;
use crate::app::state::{App, Overlay, Pane};
use crate::model::{Platform, StreamId};

impl App {
    pub(super) fn move_selection(&mut self, delta: isize) {
        match self.focus {
            Pane::Services => {
                let max = self.services.len().saturating_sub(1) as isize;
                self.services_selected =
                    (self.services_selected as isize + delta).clamp(0, max.max(0)) as usize;
            }
            Pane::Workloads => self.workloads.move_by(delta),
            Pane::Alerts => self.alerts.move_by(delta),
            Pane::Events => {
                let max = self.events.len().saturating_sub(1) as isize;
                self.events.selected =
                    (self.events.selected as isize + delta).clamp(0, max.max(0)) as usize;
            }
            Pane::Logs => {
                if delta < 0 {
                    self.logs.scroll_up(delta.unsigned_abs());
                } else {
                    self.logs.scroll_down(delta as usize);
                }
            }
        }
    }

    pub(super) fn select(&mut self) -> Vec<Effect> {
        match self.focus {
            Pane::Alerts => crate::app::alerts::open_selected(self),
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

    pub(super) fn follow_selected(&mut self, previous: bool) -> Vec<Effect> {
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

    /// Shows what the state knows about the selected workload at once; for a
    /// pod, the source then replaces it with the full description and YAML.
    pub(super) fn open_detail(&mut self) -> Vec<Effect> {
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
        let title = format!("{} {}", w.platform.label(), w.name);
        self.describing = (!effects.is_empty()).then(|| (title.clone(), w.name.clone()));
        self.overlay = Some(Overlay::Detail {
            title,
            lines,
            scroll: 0,
        });
        effects
    }
}

/// One line on a workload's containers: state, last termination, restarts.
pub(super) fn container_summary(w: &crate::model::Workload) -> String {
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
