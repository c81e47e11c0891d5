//! The dashboard's layout: a status line, four panes (five with Alerts), a
//! key-hint line.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::state::Pane;

pub struct DashboardLayout {
    pub top: Rect,
    pub bottom: Rect,
    /// Each pane's area; `None` when another pane is zoomed.
    pub panes: [(Pane, Option<Rect>); 5],
}

/// Services | Workloads on top, Events | Logs below. Workloads and Logs get
/// the wider right column: their rows are longer.
pub fn dashboard(area: Rect, zoomed: Option<Pane>) -> DashboardLayout {
    dashboard_with_alerts(area, zoomed, None)
}

/// The dashboard with the Alerts pane, `alerts` rows high, across the full
/// width above the others: what is paging is read first, and at 80 columns
/// only the full width leaves room for an alert's summary.
pub fn dashboard_with_alerts(
    area: Rect,
    zoomed: Option<Pane>,
    alerts: Option<u16>,
) -> DashboardLayout {
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    if let Some(z) = zoomed {
        let panes = Pane::ALL.map(|p| (p, (p == z).then_some(body)));
        return DashboardLayout { top, bottom, panes };
    }
    let left_pct = if area.width >= 160 { 36 } else { 32 };
    let (alerts_area, body) = match alerts {
        Some(rows) => {
            let [a, rest] =
                Layout::vertical([Constraint::Length(rows), Constraint::Min(0)]).areas(body);
            (Some(a), rest)
        }
        None => (None, body),
    };
    let [upper, lower] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body);
    let split = |r: Rect| -> [Rect; 2] {
        Layout::horizontal([
            Constraint::Percentage(left_pct),
            Constraint::Percentage(100 - left_pct),
        ])
        .areas(r)
    };
    let [services, workloads] = split(upper);
    let [events, logs] = split(lower);
    DashboardLayout {
        top,
        bottom,
        panes: [
            (Pane::Services, Some(services)),
            (Pane::Workloads, Some(workloads)),
            (Pane::Events, Some(events)),
            (Pane::Logs, Some(logs)),
            (Pane::Alerts, alerts_area),
        ],
    }
}
