//! The Workloads pane: pods or containers, worst first, with resources.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::format::{age, bytes, millicores};
use crate::app::state::{App, Pane};
use crate::model::{Platform, Severity, SourceState, Usage, Workload};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let view = &app.workloads;
    let crit = (0..view.len())
        .filter_map(|i| view.row(i))
        .filter(|w| w.severity == Severity::Crit)
        .count();
    let mut note = Vec::new();
    if let Some(f) = &view.filter {
        note.push(Span::styled(format!(" /{f} "), t.accent));
    }
    if crit > 0 {
        note.push(Span::styled(format!(" {crit} unhealthy "), t.crit));
    }
    if !view.is_empty() {
        note.push(Span::styled(format!(" {} ", view.len()), t.muted));
    }
    let block = super::pane_block(app, Pane::Workloads, area.width, Line::from(note));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if !app.has_workload_sources() {
        frame.render_widget(
            super::empty_note(
                app,
                format!("No Kubernetes or Docker in profile `{}`.", app.profile.name),
                Some(
                    "Add a [kubernetes] or [docker] section to the profile (README › Profiles), or try `opsdeck demo`."
                        .into(),
                ),
            ),
            inner,
        );
        return;
    }

    // Source problems are shown above the rows; the rows of a healthy source still show.
    let mut notes: Vec<Line> = Vec::new();
    for (platform, state) in &view.states {
        match state {
            // Wrapped, not cut: the end of the message says what to do about it.
            SourceState::Failed(msg) => notes.extend(
                wrap_words(
                    &format!("{}: {msg}", platform.label()),
                    usize::from(inner.width),
                )
                .into_iter()
                .map(|l| Line::from(Span::styled(l, t.crit))),
            ),
            SourceState::Connecting if view.is_empty() => notes.push(Line::from(Span::styled(
                format!("{}: connecting…", platform.label()),
                t.muted,
            ))),
            _ => {}
        }
    }
    if let Some(nodes) = &view.nodes_line {
        notes.push(Line::from(Span::styled(nodes.clone(), t.muted)));
    }
    let notes_h = (notes.len() as u16).min(inner.height / 2);
    let notes_area = Rect {
        height: notes_h,
        ..inner
    };
    let table_area = Rect {
        y: inner.y + notes_h,
        height: inner.height - notes_h,
        ..inner
    };
    frame.render_widget(Paragraph::new(notes), notes_area);

    if view.is_empty() {
        let text = if view.filter.is_some() {
            "No workload matches the filter (esc clears it).".to_string()
        } else if view
            .states
            .values()
            .all(|s| matches!(s, SourceState::Connected))
        {
            // Each platform in its own words: a Docker host has no namespaces.
            let docker_only = view.states.keys().all(|p| *p == Platform::Docker);
            let project = app
                .profile
                .docker
                .as_ref()
                .and_then(|d| d.compose_project.as_deref());
            match (docker_only, project) {
                (true, Some(p)) => format!("Connected; no containers in compose project {p}."),
                (true, None) => "Connected; no containers.".to_string(),
                _ => "Connected; no workloads in the selected namespaces.".to_string(),
            }
        } else {
            String::new()
        };
        frame.render_widget(super::empty_note(app, text, None), table_area);
        return;
    }

    let w = table_area.width;
    // Columns by priority: name, status and restarts always; then ready and age,
    // CPU and memory, node and owner as room allows. Names are never cut when
    // the pane has room for them.
    let height = usize::from(table_area.height.saturating_sub(1));
    let offset = view.selected.saturating_sub(height.saturating_sub(1));
    let visible = || (offset..view.len().min(offset + height)).filter_map(|i| view.row(i));
    let status_w = visible()
        .map(|r| r.status.chars().count())
        .max()
        .unwrap_or(7)
        .clamp(7, 24) as u16;
    let name_w = visible()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(10)
        .clamp(10, 60) as u16;
    let base = name_w + 1 + status_w + 1 + 8;
    let full = w >= base + 1 + 5 + 1 + 4 + 2;
    let show_cpu = w >= base + 1 + 5 + 1 + 4 + 2 + 24;
    // Containers have no node: the column is for Kubernetes rows.
    let show_node = w >= base + 1 + 5 + 1 + 4 + 2 + 24 + 14
        && view.states.keys().any(|p| *p != Platform::Docker);
    let show_group = view.group || w >= 150;
    let mut header = vec!["NAME"];
    let mut widths = vec![Constraint::Min(name_w.min(w / 2))];
    if full {
        header.push("READY");
        widths.push(Constraint::Length(5));
    }
    header.extend(["STATUS", "RESTARTS"]);
    widths.extend([
        Constraint::Length(status_w),
        Constraint::Length(if full { 10 } else { 8 }),
    ]);
    if full {
        header.push("AGE");
        widths.push(Constraint::Length(4));
    }
    if show_group {
        header.insert(0, "OWNER");
        widths.insert(0, Constraint::Fill(2));
    }
    if show_cpu {
        header.extend(["CPU", "MEM"]);
        widths.extend([Constraint::Length(11), Constraint::Length(12)]);
    }
    if show_node {
        header.push("NODE");
        widths.push(Constraint::Fill(1));
    }
    let rows = (offset..view.len().min(offset + height)).filter_map(|i| {
        let wl = view.row(i)?;
        let mut cells = row_cells(app, wl, full, show_cpu, show_node);
        if show_group {
            cells.insert(
                0,
                Cell::from(wl.group.clone().unwrap_or_default()).style(t.muted),
            );
        }
        let mut row = Row::new(cells);
        if i == view.selected && app.focus == Pane::Workloads {
            row = row.style(t.selection);
        } else if i == view.selected {
            row = row.style(super::selection_style(app, Pane::Workloads));
        }
        Some(row)
    });
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(t.header))
        .column_spacing(1);
    frame.render_widget(table, table_area);
}

fn row_cells<'a>(
    app: &App,
    w: &'a Workload,
    full: bool,
    show_cpu: bool,
    show_node: bool,
) -> Vec<Cell<'a>> {
    let t = &app.theme;
    let sev = t.severity(w.severity);
    let restarts = match (w.restarts, w.last_restart) {
        (0, _) => Cell::from("0").style(t.muted),
        (n, Some(at)) if full => Cell::from(format!("{n} ({})", age(app.now, at))).style(t.warn),
        (n, _) => Cell::from(n.to_string()).style(t.warn),
    };
    let mut cells = vec![Cell::from(w.name.as_str()).style(t.text)];
    if full {
        cells.push(Cell::from(format!("{}/{}", w.ready.0, w.ready.1)).style(
            if w.ready.0 < w.ready.1 {
                t.warn
            } else {
                t.text
            },
        ));
    }
    cells.push(Cell::from(w.status.as_str()).style(sev));
    cells.push(restarts);
    if full {
        cells.push(
            Cell::from(w.created.map(|c| age(app.now, c)).unwrap_or_default()).style(t.muted),
        );
    }
    if show_cpu {
        let cpu = usage_cell(w.cpu, millicores, w.platform);
        let mem = usage_cell(w.memory, bytes, w.platform);
        cells.push(Cell::from(cpu.0).style(pct_style(app, cpu.1)));
        cells.push(Cell::from(mem.0).style(pct_style(app, mem.1)));
    }
    if show_node {
        cells.push(Cell::from(w.node.clone().unwrap_or_default()).style(t.muted));
    }
    cells
}

/// `120m 40%`: usage and its share of the limit (or request when no limit).
fn usage_cell(u: Option<Usage>, fmt: fn(f64) -> String, _p: Platform) -> (String, Option<f64>) {
    match u {
        None => ("n/a".into(), None),
        Some(u) => {
            let pct = u.pct_of_limit().or_else(|| u.pct_of_request());
            match pct {
                Some(p) => (format!("{} {:.0}%", fmt(u.used), p), Some(p)),
                None => (fmt(u.used), None),
            }
        }
    }
}

fn pct_style(app: &App, pct: Option<f64>) -> ratatui::style::Style {
    match pct {
        Some(p) if p >= 90.0 => app.theme.crit,
        Some(p) if p >= 75.0 => app.theme.warn,
        None => app.theme.muted,
        _ => app.theme.text,
    }
}

/// Greedy word wrap to `width` columns; a word longer than a line is split.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        if used > 0 && used + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        while used + word.len() > width {
            let rest = word.split_off(width - used);
            line.extend(word);
            lines.push(std::mem::take(&mut line));
            used = 0;
            word = rest;
        }
        used += word.len();
        line.extend(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap_words;

    #[test]
    fn wrapping_keeps_every_word_and_the_width() {
        let text = "docker: cannot connect to unix:///nonexistent/docker.sock — is the daemon running? retrying in 8s";
        let lines = wrap_words(text, 40);
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert!(
            lines.iter().any(|l| l.contains("daemon running?")),
            "{lines:?}"
        );
        assert_eq!(wrap_words("abcdefgh", 3), vec!["abc", "def", "gh"]);
    }
}
